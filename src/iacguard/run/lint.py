"""Run the selected rules on a graph and apply suppressions: the same step for a serial run and
for each batch of a ``--jobs`` worker."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from iacguard.config.model import Config
from iacguard.config.resolve import ConfigResolver
from iacguard.core.errors import CheckError
from iacguard.core.findings import Finding, Severity
from iacguard.core.located import FileError
from iacguard.core.report import RuleInfo
from iacguard.discover import Discovery, unit_paths
from iacguard.graph.model import Graph

if TYPE_CHECKING:
    from iacguard.rules.registry import Rule


def lint_graph(
    graph: Graph,
    settings: ConfigResolver,
    found: Discovery,
    crashes: list[FileError] | None = None,
    available: list[Rule] | None = None,
) -> tuple[list[RuleInfo], list[Finding]]:
    """Run the selected rules, once per distinct setting among the files' settings (their
    nearest configuration, ``per-path`` applied); each finding is kept from the run of the
    settings of the file it is located in (a file outside the units, such as a local module's
    reached through a call, gets its own run when its settings differ).

    With ``crashes``, a rule that raises loses only the roots it fails on (each becomes an
    error there, once); without, the run fails (``RuleError``). ``available`` is
    ``load_rules()`` when the caller has it already (a worker linting unit after unit)."""
    from iacguard.rules.registry import run_rules
    from iacguard.rules.selection import select_rules

    if available is None:
        available = load_rules()

    def one(s: Config) -> tuple[list[Rule], list[Finding]]:
        try:
            rules = select_rules(available, list(s.select), list(s.ignore))
            failed: list[FileError] | None = None if crashes is None else []
            produced = run_rules(graph, rules, s.rule_options, s.severity, crashes=failed)
            if crashes is not None and failed:
                crashes.extend(e for e in failed if e not in crashes)
            return rules, produced
        except ValueError as exc:
            raise CheckError(str(exc)) from exc

    stable = {id(c): c for c in settings.loaded()}
    key_of_config: dict[int, str] = {}

    def key_of(path: str) -> tuple[str, Config]:
        eff = settings.effective(path)
        if id(eff) in stable and stable[id(eff)] is eff:  # no per-path entry: cache its key
            key = key_of_config.get(id(eff))
            if key is None:
                key = key_of_config[id(eff)] = _settings_key(eff)
            return key, eff
        return _settings_key(eff), eff

    keys: dict[str, str] = {}
    pending: dict[str, Config] = {}
    for path in unit_paths(found):
        key, eff = key_of(path)
        keys[path] = key
        pending.setdefault(key, eff)
    if not pending:
        pending[_settings_key(settings.given)] = settings.given
    runs: dict[str, tuple[list[Rule], list[Finding]]] = {}
    while pending:
        fresh = {key: one(eff) for key, eff in pending.items()}
        runs.update(fresh)
        pending = {}
        for _rules, produced in fresh.values():
            for f in produced:
                path = f.location.path
                if path not in keys:
                    keys[path], eff = key_of(path)
                    if keys[path] not in runs:
                        pending.setdefault(keys[path], eff)
    infos: dict[str, RuleInfo] = {}
    findings: list[Finding] = []
    for key, (rules, produced) in runs.items():
        infos.update({r.id: RuleInfo(r.id, r.name, r.severity) for r in rules})
        findings.extend(f for f in produced if keys[f.location.path] == key)
    return sorted(infos.values(), key=lambda r: r.id), findings


def load_rules() -> list[Rule]:
    """Every rule, built in and plugins; a broken plugin is a usage problem (``CheckError``)."""
    from iacguard.rules.registry import all_rules

    try:
        return all_rules()
    except Exception as exc:  # noqa: BLE001 - a broken plugin is a usage problem
        raise CheckError(f"cannot load rules: {exc}") from exc


def observed_types(rules: Sequence[Rule] | None = None) -> frozenset[str] | None:
    """The resource types a check's rules read values of (``EvalOptions.observed_types``):
    ``graph.facts.RULE_TYPES`` when every rule is built in, None (every type) when a plugin
    rule, which may read anything, is installed or the rules cannot be loaded (``lint_graph``
    then reports why). ``rules``: those already loaded (``load_rules``), else loaded here."""
    if rules is None:
        try:
            rules = load_rules()
        except CheckError:  # reported by lint_graph, which loads them again
            return None
    if any(r.origin != "builtin" for r in rules):
        return None
    from iacguard.graph.facts import RULE_TYPES

    return RULE_TYPES


def observed_attributes(types: frozenset[str] | None) -> Mapping[str, frozenset[str]] | None:
    """The attributes of the observed ``types`` the built-in rules read
    (``EvalOptions.observed_attributes``); None (every attribute) when every type is."""
    if types is None:
        return None
    from iacguard.graph.facts import RULE_ATTRIBUTES

    return dict(RULE_ATTRIBUTES)


def _settings_key(s: Config) -> str:
    return repr(
        (
            tuple(s.select),
            tuple(s.ignore),
            sorted((k, sorted(v.items())) for k, v in s.rule_options.items()),
            sorted(s.severity.items()),
        )
    )


def suppress_findings(
    findings: list[Finding],
    graph: Graph,
    today: date,
    ignore: bool,
    settings: ConfigResolver,
    rules: Sequence[RuleInfo],
) -> list[Finding]:
    """Inline / Metadata suppressions, plus the SUP meta-findings the selection of their file
    keeps, with the severity their file's settings give them."""
    from iacguard.core.records import replace
    from iacguard.rules.registry import META
    from iacguard.suppress.apply import apply_suppressions

    out = apply_suppressions(
        findings,
        graph,
        today=today,
        ignore_suppressions=ignore,
        active_rules={r.id for r in rules},
        severity={},  # the catalog's; each file's own overrides below
    )
    kept: list[Finding] = []
    for f in out:
        if f.rule_id in META:
            effective = effective_settings(settings, f)
            if not _meta_selected(f, effective):
                continue
            level = effective.severity.get(f.rule_id)
            if level is not None and level != f.severity:
                f = replace(f, severity=level)
        kept.append(f)
    return kept


def _meta_selected(finding: Finding, effective: Config) -> bool:
    """Whether the selection in effect for the finding's file keeps a meta-finding."""
    from iacguard.rules.selection import is_selected

    return is_selected(finding.rule_id, finding.rule_name, effective.select, effective.ignore)


def effective_settings(settings: ConfigResolver, finding: Finding) -> Config:
    """The settings of the file ``finding`` is located in."""
    return settings.effective(finding.location.path)


def fail_on_for(settings: ConfigResolver) -> Callable[[Finding], Severity] | None:
    """Each finding's ``fail-on`` when the files' settings differ in it (a ``per-path`` entry
    or another configuration file sets one), else None (the run's ``fail-on`` for all)."""
    loaded = settings.loaded()
    if all(c.fail_on == settings.given.fail_on for c in loaded) and not any(
        p.fail_on is not None for c in loaded for p in c.per_path
    ):
        return None
    return lambda finding: effective_settings(settings, finding).fail_on
