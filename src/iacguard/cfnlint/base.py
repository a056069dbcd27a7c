"""The cfn-lint rule every iacguard rule becomes: ids, docs and options from iacguard's
catalog, findings from the shared evaluation (``iacguard.cfnlint.source``) turned into
cfn-lint ``RuleMatch``es at the template path of the element they are about.

Not imported into ``iacguard.cfnlint``'s namespace: cfn-lint instantiates every
``CloudFormationLintRule`` subclass it finds there, and this base is not a rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from iacguard.cfnlint.source import SHARED, Evaluation, EvaluationCache

#: iacguard rule id -> cfn-lint rule id: 9xxx is cfn-lint's range for rules of its users
#: (BKP 91xx, KMS 92xx, the number the rule's own); the letter is the severity: high and
#: critical E, medium W, low I. Public: users write these ids in .cfnlintrc and Metadata.
CFN_LINT_IDS: Mapping[str, str] = {
    "BKP001": "E9101",
    "BKP002": "E9102",
    "BKP003": "W9103",
    "BKP004": "E9104",
    "KMS001": "W9201",
    "KMS002": "W9202",
    "KMS003": "E9203",
}
#: the rule that reports a template iacguard could not (fully) check
NOT_CHECKED_ID = "E9100"
#: iacguard severity -> cfn-lint's letter
SEVERITY_LETTERS: Mapping[str, str] = {"critical": "E", "high": "E", "medium": "W", "low": "I"}
CERTAINTIES = ("possible", "default", "definite")
SOURCE_URL = "https://github.com/iacguard/iacguard#rules"


def _catalog(rule_id: str) -> dict[str, Any]:
    from iacguard.core.catalog import load_catalog

    return load_catalog()[rule_id]


def _oneline(text: Any) -> str:
    return " ".join(str(text or "").split())


def config_name(option: str) -> str:
    """iacguard's option name as a cfn-lint config key: ``min-deletion-window-days`` ->
    ``min_deletion_window_days`` (``-X W9202:min_deletion_window_days=14``)."""
    return option.replace("-", "_")


class IacguardRule(CloudFormationLintRule):
    """An iacguard rule run by cfn-lint (subclasses name ``iacguard_id``)."""

    iacguard_id: ClassVar[str] = ""
    #: where evaluations are kept (tests give a rule its own)
    cache: ClassVar[EvaluationCache] = SHARED

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        entry = _catalog(cls.iacguard_id)
        cls.id = CFN_LINT_IDS[cls.iacguard_id]
        cls.shortdesc = f"{cls.iacguard_id} {entry['name']}: {_oneline(entry['summary'])}"
        cls.description = _oneline(entry.get("rationale")) or _oneline(entry["summary"])
        references = [r.get("url") for r in entry.get("references") or () if r.get("url")]
        cls.source_url = references[0] if references else SOURCE_URL
        cls.tags = ["iacguard", cls.iacguard_id, *entry.get("tags", ())]
        cls._options = {k: dict(v) for k, v in (entry.get("options") or {}).items()}

    def __init__(self) -> None:
        super().__init__()
        self.config_definition = {
            "min_certainty": {"default": "default", "type": "string"},
            **{
                config_name(name): {"default": spec["default"], "type": spec["type"]}
                for name, spec in self._options.items()
            },
        }
        self.configure()

    def iacguard_options(self) -> dict[str, Any]:
        """The iacguard rule's options from this rule's cfn-lint config."""
        return {name: self.config[config_name(name)] for name in self._options}

    def min_certainty(self) -> int:
        given = str(self.config.get("min_certainty", "default")).strip().lower()
        if given not in CERTAINTIES:
            raise ValueError(
                f"{self.id} ({self.iacguard_id}) min_certainty: {given!r} is not one of "
                + ", ".join(CERTAINTIES)
            )
        return CERTAINTIES.index(given)

    def match(self, cfn: Any) -> list[RuleMatch]:
        evaluation = self.cache.get(cfn)
        threshold = self.min_certainty()
        matches = []
        for finding in evaluation.check.findings(self.iacguard_id, self.iacguard_options()):
            certainty = finding.certainty.label
            if finding.suppressed or CERTAINTIES.index(certainty) < threshold:
                continue
            message = f"[{self.iacguard_id}, {certainty}] {finding.message}"
            matches.append(_at(evaluation, cfn, finding.location, message))
        return matches


class NotCheckedRule(CloudFormationLintRule):
    """E9100: what stopped iacguard from checking a template cfn-lint could decode (a bound
    passed, an evaluation over its time budget, an internal error): iacguard's file errors."""

    id = NOT_CHECKED_ID
    shortdesc = "iacguard could not fully check the template"
    description = (
        "iacguard's rules (E9101-E9203) report nothing for what it could not evaluate: a "
        "template over its size or nesting bounds, an evaluation past its time budget, an "
        "internal error. Each such problem is reported here, where it is known."
    )
    source_url = SOURCE_URL
    tags = ["iacguard"]
    cache: ClassVar[EvaluationCache] = SHARED

    def match(self, cfn: Any) -> list[RuleMatch]:
        evaluation = self.cache.get(cfn)
        out = []
        for error in evaluation.check.errors:
            message = f"[iacguard] not checked: {error.message}"
            if error.line is None or not evaluation.from_file:
                out.append(RuleMatch([], message))
                continue
            from iacguard.core.spans import Span

            column = error.column or 1
            span = Span(evaluation.check.path, error.line, column, error.line, column)
            out.append(_at(evaluation, cfn, span, message))
        return out


def _at(evaluation: Evaluation, cfn: Any, span: Any, message: str) -> RuleMatch:
    """A match at the template path of the element ``span`` starts at; when that path does
    not lead anywhere in cfn-lint's template (a transformed template, a file cfn-lint
    decoded differently), at the span's own lines, which are the file's."""
    path = evaluation.check.path_of(span)
    match = RuleMatch(path, message)
    if evaluation.from_file and not _resolves(cfn.template, path):
        match.location = (
            span.start_line - 1,
            span.start_column - 1,
            span.end_line - 1,
            span.end_column - 1,
        )
    return match


def _resolves(node: Any, path: list[str | int]) -> bool:
    for step in path:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            return False
    return bool(path)
