"""Run the selected rules on a graph and apply suppressions: the same step for a serial run and
for each batch of a ``--jobs`` worker."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from iacguard.config.model import Config
from iacguard.core.errors import CheckError
from iacguard.core.findings import Finding, Severity
from iacguard.core.located import FileError
from iacguard.core.report import RuleInfo
from iacguard.discover import Discovery, unit_paths
from iacguard.graph.model import Graph

if TYPE_CHECKING:
    from iacguard.rules.registry import Rule


def lint_graph(
    graph: Graph, settings: Config, found: Discovery, crashes: list[FileError] | None = None
) -> tuple[list[RuleInfo], list[Finding]]:
    """Run the selected rules; with per-path overrides, once per distinct effective setting.

    With ``crashes``, a rule that raises loses only the roots it fails on (each becomes an
    error there, once); without, the run fails (``RuleError``)."""
    from iacguard.rules.registry import all_rules, run_rules
    from iacguard.rules.selection import select_rules

    try:
        available = all_rules()
    except Exception as exc:  # noqa: BLE001 - a broken plugin is a usage problem
        raise CheckError(f"cannot load rules: {exc}") from exc

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

    rules, findings = one(settings)
    infos = {r.id: RuleInfo(r.id, r.name, r.severity) for r in rules}
    if getattr(settings, "per_path", ()):
        from iacguard.config.paths import effective_for

        variants: dict[str, Config] = {}
        for path in unit_paths(found):
            eff = effective_for(settings, path)
            if eff is not settings and eff != settings:
                variants.setdefault(_settings_key(eff), eff)
        if variants:
            by_key: dict[str, list[Finding]] = {_settings_key(settings): findings}
            for key, eff in variants.items():
                more_rules, by_key[key] = one(eff)
                infos.update({r.id: RuleInfo(r.id, r.name, r.severity) for r in more_rules})
            keys: dict[str, str] = {}
            findings = []
            for key, produced in by_key.items():
                for f in produced:
                    path = f.location.path
                    if path not in keys:
                        keys[path] = _settings_key(effective_for(settings, path))
                    if keys[path] == key:
                        findings.append(f)
    return sorted(infos.values(), key=lambda r: r.id), findings


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
    settings: Config,
    rules: Sequence[RuleInfo],
) -> list[Finding]:
    """Inline / Metadata suppressions, plus the SUP meta-findings the selection keeps."""
    from iacguard.rules.registry import META
    from iacguard.suppress.apply import apply_suppressions

    out = apply_suppressions(
        findings,
        graph,
        today=today,
        ignore_suppressions=ignore,
        active_rules={r.id for r in rules},
        severity=settings.severity,
    )
    return [f for f in out if f.rule_id not in META or _meta_selected(f, settings)]


def _meta_selected(finding: Finding, settings: Config) -> bool:
    """Whether the selection in effect for the finding's file keeps a meta-finding."""
    from iacguard.rules.selection import is_selected

    effective = effective_settings(settings, finding)
    return is_selected(finding.rule_id, finding.rule_name, effective.select, effective.ignore)


def effective_settings(settings: Config, finding: Finding) -> Config:
    if not getattr(settings, "per_path", ()):
        return settings
    from iacguard.config.paths import effective_for

    return effective_for(settings, finding.location.path)


def fail_on_for(settings: Config) -> Callable[[Finding], Severity] | None:
    """Each finding's ``fail-on`` when some ``per-path`` entry sets one, else None."""
    if not any(getattr(p, "fail_on", None) is not None for p in getattr(settings, "per_path", ())):
        return None
    return lambda finding: effective_settings(settings, finding).fail_on
