"""One CloudFormation template checked on its own: parsed and evaluated once (guarded, as a
unit of a run is), then any built-in rule run on it with any options, on demand.

This is the route for integrations that call iacguard rule by rule on a template someone else
read (the cfn-lint rules, ``iacguard.cfnlint``): the template may be a file or only text (an
editor's buffer), nothing is discovered and no configuration file is read; the caller passes
the options. Suppressions are applied as ``iacguard check`` applies them (comments are read
from the file at ``path`` when it is one; Metadata from the template); the SUP meta-findings
about them are not produced here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from iacguard.core.findings import Finding
from iacguard.core.located import FileError
from iacguard.core.records import MISSING, field, record
from iacguard.core.spans import Span
from iacguard.evaluate.options import EvalOptions
from iacguard.graph.model import Graph

if TYPE_CHECKING:
    from iacguard.parse.cfn_nodes import Node
    from iacguard.rules.registry import Rule


@record(frozen=False)
class TemplateCheck:
    """A template evaluated once: its graph, its errors, and its findings per rule."""

    path: str
    graph: Graph
    #: the parsed template (None when it could not be parsed): paths of findings
    root: Node | None = None
    today: date = field(default_factory=date.today)
    ignore_suppressions: bool = False
    _rules: dict[str, Rule] | None = None
    _findings: dict[tuple[str, str], list[Finding]] = field(default_factory=dict)

    def __init__(
        self,
        path: str,
        graph: Graph,
        root: Node | None = None,
        today: date = MISSING,
        ignore_suppressions: bool = False,
        _rules: dict[str, Rule] | None = None,
        _findings: dict[tuple[str, str], list[Finding]] = MISSING,
    ) -> None:
        self.path = path
        self.graph = graph
        self.root = root
        self.today = date.today() if today is MISSING else today
        self.ignore_suppressions = ignore_suppressions
        self._rules = _rules
        self._findings = {} if _findings is MISSING else _findings

    @classmethod
    def failed(cls, path: str, message: str) -> TemplateCheck:
        """A template that could not be checked at all, for ``message``."""
        return cls(path, Graph(errors=(FileError(path, None, None, message),), roots=(path,)))

    @property
    def errors(self) -> tuple[FileError, ...]:
        """What stopped or limited the evaluation (a parse error, a bound, a crash)."""
        return self.graph.errors

    def rule(self, rule_id: str) -> Rule:
        """The built-in rule ``rule_id`` (KeyError when there is none)."""
        if self._rules is None:
            from iacguard.rules.registry import builtin_rules

            self._rules = {r.id: r for r in builtin_rules()}
        return self._rules[rule_id]

    def findings(self, rule_id: str, options: Mapping[str, Any] | None = None) -> list[Finding]:
        """Every finding of rule ``rule_id`` with ``options`` (its catalog defaults for the
        options not given), all certainties, sorted by location; those an inline or Metadata
        suppression covers are kept, marked ``suppressed``. Memoized per rule and options. A
        bad option value raises ValueError (in the option's own words)."""
        key = (rule_id, repr(sorted((options or {}).items())))
        found = self._findings.get(key)
        if found is None:
            found = self._findings[key] = self._run(self.rule(rule_id), options or {})
        return found

    def _run(self, rule: Rule, options: Mapping[str, Any]) -> list[Finding]:
        from iacguard.rules.registry import META, run_rules
        from iacguard.suppress.apply import apply_suppressions

        if not self.graph.resources:
            return []
        # a rule that raises is a RuleError naming it: the caller's to report
        produced = run_rules(self.graph, [rule], {rule.id: dict(options)})
        out = apply_suppressions(
            produced,
            self.graph,
            today=self.today,
            ignore_suppressions=self.ignore_suppressions,
            active_rules={rule.id},
        )
        return [f for f in out if f.rule_id not in META]

    def path_of(self, span: Span) -> list[str | int]:
        """The path into the template of the element a finding's span starts at (or holds):
        ``["Resources", "Vault", "Properties", "EncryptionKeyArn"]``; empty when unknown."""
        from iacguard.parse.cfn_nodes import path_at

        if self.root is None or span.path != self.path:
            return []
        return path_at(self.root, span.start_line, span.start_column)


def check_template(
    path: str,
    text: str | None = None,
    *,
    options: EvalOptions | None = None,
    today: date | None = None,
    ignore_suppressions: bool = False,
) -> TemplateCheck:
    """Parse and evaluate the template at ``path`` (or ``text``, named ``path``: a document
    starting with ``{`` is read as JSON, else YAML). Never raises for a bad template: what went
    wrong is in ``errors``; a document that is not a CloudFormation template has no
    resources."""
    from iacguard.run.guard import hard_limit, run_unit

    options = options or EvalOptions()
    held: dict[str, Any] = {}

    def work() -> Graph:
        from iacguard.evaluate.cloudformation.template import evaluate_document
        from iacguard.parse.cfn_yaml import load_template, load_template_text

        if text is None:
            parsed = load_template(
                path, max_file_size=options.max_file_size, max_depth=options.max_depth
            )
        elif len(text) > options.max_file_size:
            limit = options.max_file_size
            message = f"template is {len(text)} characters, over the limit ({limit})"
            return Graph(errors=(FileError(path, None, None, message),), roots=(path,))
        else:
            parsed = load_template_text(text, path, max_depth=options.max_depth)
        held["root"] = parsed.root
        return evaluate_document(path, parsed, options)

    graph = run_unit(path, work, hard_limit(options))
    return TemplateCheck(
        path,
        graph,
        held.get("root"),
        today=today or date.today(),
        ignore_suppressions=ignore_suppressions,
    )
