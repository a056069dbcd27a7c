"""The library entry points: ``build_graph``, ``evaluate`` and ``check``.

Everything the command line does goes through here; nothing here prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from iacguard.discover import Discovery, discover
from iacguard.findings import Certainty, Finding, Severity
from iacguard.graph.model import FileError, Graph, Note
from iacguard.graph.options import EvalOptions

#: called after each unit: (units done, units total, what was just evaluated)
ProgressHook = Callable[[int, int, str], None]


class CheckError(Exception):
    """The run cannot do its job (bad config, bad baseline, bad git ref): exit code 2."""


def evaluate(
    found: Discovery,
    options: EvalOptions,
    *,
    jobs: int | None = 1,
    progress: ProgressHook | None = None,
    cache_dir: str | None = None,
    use_cache: bool | None = None,
) -> Graph:
    """Evaluate every discovered unit into one graph; a failing unit becomes an error.

    ``jobs`` (None: decided by input size) is ``--jobs``; ``cache_dir`` and ``use_cache``
    are ``--cache-dir`` and ``--cache`` (True) / ``--no-cache`` (False) for the parse cache,
    which is off unless asked for (``iacguard.cache.resolve_cache_dir``).
    """
    from iacguard.cache import resolve_cache_dir
    from iacguard.parallel import decide_jobs, evaluate_parallel

    options = replace(options, cache_dir=resolve_cache_dir(cache_dir, use_cache))
    workers = decide_jobs(found, jobs)
    if workers > 1:
        return evaluate_parallel(found, options, workers, progress)
    graphs: list[Graph] = [Graph(errors=tuple(found.errors), notes=tuple(found.notes))]
    total = (1 if found.modules else 0) + len(found.templates) + len(found.plans)
    done = 0

    def tick(label: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, label)

    if found.modules:
        from iacguard.graph.terraform import evaluate_modules
        from iacguard.guard import run_modules

        graphs.append(run_modules(found.modules, options, evaluate_modules))
        tick(f"{len(found.modules)} Terraform modules")
    if found.templates:
        from iacguard.graph.cloudformation import evaluate_template

        for path in found.templates:
            graphs.append(_guarded(path, lambda p=path: evaluate_template(p, options), options))
            tick(path)
    if found.plans:
        from iacguard.graph.plan import evaluate_plan

        for path in found.plans:
            graphs.append(_guarded(path, lambda p=path: evaluate_plan(p, options), options))
            tick(path)
    return Graph.merge(graphs)


def _guarded(where: str, work, options: EvalOptions | None = None) -> Graph:
    """Run one unit's evaluation; an exception or a hang is reported as a located error.

    iacguard.guard does the work: exceptions, RecursionError, MemoryError and a hard time
    limit derived from ``options.time_budget`` all become a FileError for ``where``.
    """
    from iacguard.guard import hard_limit, run_unit

    return run_unit(where, work, hard_limit(options) if options is not None else None)


def build_graph(
    paths: Sequence[str | os.PathLike[str]] = (),
    *,
    var_files: Sequence[str] = (),
    options: EvalOptions | None = None,
) -> Graph:
    """Discover and evaluate ``paths`` into one resource graph."""
    found = discover(paths, var_files=var_files)
    if options is None:
        options = EvalOptions(scan_root=_scan_root(paths))
    return evaluate(found, options)


def _scan_root(paths: Sequence[str | os.PathLike[str]]) -> str:
    """The common directory of the scanned paths: file() may not read above it."""
    dirs = [
        Path(p).resolve() if Path(p).is_dir() else Path(p).resolve().parent for p in paths or ["."]
    ]
    return os.path.commonpath([str(d) for d in dirs])


# ----------------------------------------------------------------------------- check


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A rule that ran, as reporters need it (SARIF lists every rule that ran)."""

    id: str
    name: str
    severity: Severity


@dataclass(frozen=True, slots=True)
class Summary:
    #: live findings (not suppressed), the ones reported as problems
    findings: int
    #: live findings at or above ``--fail-on``: these (and file errors) decide exit code 1
    failing: int
    by_rule: Mapping[str, int]
    by_severity: Mapping[str, int]
    by_certainty: Mapping[str, int]
    files: int
    resources: int
    suppressed: int
    baseline_fixed: int
    errors: int

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": self.findings,
            "failing": self.failing,
            "by_rule": dict(self.by_rule),
            "by_severity": dict(self.by_severity),
            "by_certainty": dict(self.by_certainty),
            "files": self.files,
            "resources": self.resources,
            "suppressed": self.suppressed,
            "baseline_fixed": self.baseline_fixed,
            "errors": self.errors,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """What ``check`` found: every reporter renders this and nothing else."""

    #: live and suppressed findings at or above ``min_certainty``, sorted by location
    findings: tuple[Finding, ...]
    errors: tuple[FileError, ...]
    notes: tuple[Note, ...]
    summary: Summary
    #: baseline entries that no longer match any finding
    baseline_fixed: tuple[Any, ...] = ()
    #: every rule that ran (after --select / --ignore)
    rules: tuple[RuleInfo, ...] = ()
    min_certainty: Certainty = Certainty.DEFAULT
    fail_on: Severity = Severity.LOW
    #: the directory paths are relative to (SARIF's %SRCROOT%)
    base: str = "."
    #: a finding's own ``fail-on`` threshold when ``per-path`` entries set one (else ``fail_on``)
    fail_on_for: Callable[[Finding], Severity] | None = field(
        default=None, compare=False, repr=False
    )

    @property
    def live(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.suppressed)

    @property
    def suppressed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.suppressed)

    @property
    def failing(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.live if _fails(f, self.fail_on, self.fail_on_for))

    def exit_code(self, *, exit_zero: bool = False) -> int:
        """0 nothing at or above the thresholds, 1 failing findings or file errors."""
        if exit_zero:
            return 0
        return 1 if (self.summary.failing or self.errors) else 0


def check(
    paths: Sequence[str | os.PathLike[str]] = (),
    config: Any = None,
    *,
    var_files: Sequence[str] = (),
    baseline: str | None = None,
    ignore_suppressions: bool = False,
    diff_base: str | None = None,
    max_file_size: int | None = None,
    jobs: int | None = None,
    cache_dir: str | None = None,
    use_cache: bool | None = None,
    today: date | None = None,
    progress: ProgressHook | None = None,
) -> Report:
    """Lint ``paths``: discover, evaluate, run the rules, apply suppressions and baseline.

    ``config`` is an ``iacguard.config.Config`` (None: discovered from the first path upwards,
    as the command line does). Raises ``CheckError`` (or ``config.ConfigError``) when the run
    cannot do its job (an unusable option, config, baseline or git ref); every problem with an
    input file is a ``FileError`` in the report instead.
    """
    paths = list(paths) or ["."]
    if config is None:
        from iacguard.config import load_config

        config = load_config([str(p) for p in paths])
    settings = config
    loaded_baseline = _load_baseline(baseline) if baseline is not None else None  # fail fast
    size_limit = max_file_size if max_file_size is not None else EvalOptions().max_file_size
    found = discover(paths, var_files=var_files, max_file_size=size_limit)
    if settings.exclude:
        _exclude(found, settings)
    focus = _focus(found, paths, diff_base)
    options = EvalOptions(scan_root=_scan_root(paths), max_file_size=size_limit)
    if progress is not None:
        files = sum(len(m.files) for m in found.modules) + len(found.templates) + len(found.plans)
        units = (1 if found.modules else 0) + len(found.templates) + len(found.plans)
        progress(0, units, f"{files} files, {len(found.modules)} Terraform modules")
    from iacguard.parallel import decide_jobs

    workers = decide_jobs(found, jobs)
    crashes: list[FileError] = []  # a rule that raised: an error on each root it failed on
    if workers > 1:  # rules and suppressions run in the workers (iacguard.parallel)
        from iacguard.cache import resolve_cache_dir
        from iacguard.parallel import lint_parallel

        options = replace(options, cache_dir=resolve_cache_dir(cache_dir, use_cache))
        today = today or date.today()
        graph, rules, findings, resources = lint_parallel(
            found, options, workers, settings, today, ignore_suppressions, progress
        )
    else:
        graph = evaluate(
            found, options, jobs=1, progress=progress, cache_dir=cache_dir, use_cache=use_cache
        )
        rules, findings = _run(graph, settings, found, crashes)
        findings = _suppress(
            findings, graph, today or date.today(), ignore_suppressions, settings, rules
        )
        resources = len(graph.resources)
    findings = [f for f in findings if f.certainty >= _effective(settings, f).min_certainty]
    errors = list(graph.errors) + crashes
    if focus is not None:
        findings = [f for f in findings if _in_focus(f, focus)]
        errors = [e for e in errors if e.path in focus or not os.path.isfile(e.path)]
    fixed: tuple[Any, ...] = ()
    if loaded_baseline is not None:
        findings, fixed = _apply_baseline(findings, loaded_baseline)
    findings.sort(key=Finding.sort_key)
    return _report(findings, errors, graph, found, fixed, rules, settings, resources)


def assemble(
    findings: Iterable[Finding],
    *,
    errors: Sequence[FileError] = (),
    notes: Sequence[Note] = (),
    rules: Sequence[RuleInfo] = (),
    min_certainty: Certainty = Certainty.DEFAULT,
    fail_on: Severity = Severity.LOW,
    files: int = 0,
    resources: int = 0,
    baseline_fixed: Sequence[Any] = (),
    base: str | None = None,
    filter_certainty: bool = True,
    fail_on_for: Callable[[Finding], Severity] | None = None,
) -> Report:
    """A Report from findings already produced (used by ``check`` and by tests).

    ``fail_on_for`` gives a finding's own threshold (``per-path`` ``fail-on``)."""
    kept = sorted(
        (f for f in findings if not filter_certainty or f.certainty >= min_certainty),
        key=Finding.sort_key,
    )
    live = [f for f in kept if not f.suppressed]
    return Report(
        findings=tuple(kept),
        errors=tuple(errors),
        notes=tuple(notes),
        summary=Summary(
            findings=len(live),
            failing=sum(1 for f in live if _fails(f, fail_on, fail_on_for)),
            by_rule=_count(f.rule_id for f in live),
            by_severity=_count(f.severity.label for f in live),
            by_certainty=_count(f.certainty.label for f in live),
            files=files,
            resources=resources,
            suppressed=len(kept) - len(live),
            baseline_fixed=len(baseline_fixed),
            errors=len(errors),
        ),
        baseline_fixed=tuple(baseline_fixed),
        rules=tuple(rules),
        min_certainty=min_certainty,
        fail_on=fail_on,
        base=base if base is not None else os.getcwd(),
        fail_on_for=fail_on_for,
    )


def _fails(
    finding: Finding, fail_on: Severity, fail_on_for: Callable[[Finding], Severity] | None
) -> bool:
    return finding.severity >= (fail_on if fail_on_for is None else fail_on_for(finding))


def _count(keys: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for k in keys:
        out[k] = out.get(k, 0) + 1
    return dict(sorted(out.items()))


def _report(findings, errors, graph, found, fixed, rules, settings, resources=None) -> Report:
    files = sum(len(m.files) for m in found.modules) + len(found.templates) + len(found.plans)
    return assemble(
        findings,
        errors=errors,
        notes=graph.notes,
        rules=rules,
        # certainty was filtered per path already: the report keeps the global threshold
        min_certainty=settings.min_certainty,
        filter_certainty=False,
        fail_on=settings.fail_on,
        fail_on_for=_fail_on_for(settings),
        files=files,
        resources=len(graph.resources) if resources is None else resources,
        baseline_fixed=fixed,
        base=found.base,
    )


# ----------------------------------------------------------------------------- pipeline steps


def _exclude(found: Discovery, settings: Any) -> None:
    """Drop discovered files matching the config's ``exclude`` globs (iacguard.config)."""
    from dataclasses import replace

    from iacguard.config import is_excluded

    modules = []
    for m in found.modules:
        kept = tuple(f for f in m.files if not is_excluded(settings, f))
        if kept:
            modules.append(replace(m, files=kept))
    found.modules = modules
    found.templates = [t for t in found.templates if not is_excluded(settings, t)]
    found.plans = [p for p in found.plans if not is_excluded(settings, p)]


def _focus(
    found: Discovery, paths: Sequence[str | os.PathLike[str]], diff_base: str | None
) -> set[str] | None:
    """The files findings must touch: the files named (pre-commit) and/or changed since REF.

    A directory named beside files keeps all of its own files in focus.
    """
    focus = set(found.focus) if found.focus is not None else None
    if focus is not None:
        dirs = [Path(os.path.abspath(p)) for p in paths if os.path.isdir(p)]
        if dirs:
            for unit in _unit_paths(found):
                where = Path(os.path.abspath(unit))
                if any(d in where.parents for d in dirs):
                    focus.add(unit)
    if diff_base is None:
        return focus
    from iacguard.changes import changed_files, focus_set

    try:
        changed = focus_set(changed_files(diff_base, os.getcwd()))
    except Exception as exc:  # noqa: BLE001 - a bad ref or no git: the run cannot do its job
        raise CheckError(f"--diff-base {diff_base}: {exc}") from exc
    return changed if focus is None else focus & changed


def _in_focus(finding: Finding, focus: set[str]) -> bool:
    from iacguard.changes import in_focus

    return in_focus(finding, focus)


def _fail_on_for(settings: Any) -> Callable[[Finding], Severity] | None:
    """Each finding's ``fail-on`` when some ``per-path`` entry sets one, else None."""
    if not any(getattr(p, "fail_on", None) is not None for p in getattr(settings, "per_path", ())):
        return None
    return lambda finding: _effective(settings, finding).fail_on


def _effective(settings: Any, finding: Finding) -> Any:
    if not getattr(settings, "per_path", ()):
        return settings
    from iacguard.config import effective_for

    return effective_for(settings, finding.location.path)


def _run(
    graph: Graph, settings: Any, found: Discovery, crashes: list[FileError] | None = None
) -> tuple[list[RuleInfo], list[Finding]]:
    """Run the selected rules; with per-path overrides, once per distinct effective setting.

    With ``crashes``, a rule that raises loses only the roots it fails on (each becomes an
    error there, once); without, the run fails (``RuleError``)."""
    from iacguard.rules.registry import all_rules, run_rules, select_rules

    try:
        available = all_rules()
    except Exception as exc:  # noqa: BLE001 - a broken plugin is a usage problem
        raise CheckError(f"cannot load rules: {exc}") from exc

    def one(s: Any) -> tuple[list[Any], list[Finding]]:
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
        from iacguard.config import effective_for

        variants: dict[str, Any] = {}
        for path in _unit_paths(found):
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


def _settings_key(s: Any) -> str:
    return repr(
        (
            tuple(s.select),
            tuple(s.ignore),
            sorted((k, sorted(v.items())) for k, v in s.rule_options.items()),
            sorted(s.severity.items()),
        )
    )


def _unit_paths(found: Discovery) -> list[str]:
    out = [f for m in found.modules for f in m.files]
    return out + list(found.templates) + list(found.plans)


def _suppress(
    findings: list[Finding],
    graph: Graph,
    today: date,
    ignore: bool,
    settings: Any,
    rules: Sequence[RuleInfo],
) -> list[Finding]:
    """Inline / Metadata suppressions, plus the SUP meta-findings the selection keeps."""
    from iacguard.suppress import apply_suppressions

    out = apply_suppressions(
        findings,
        graph,
        today=today,
        ignore_suppressions=ignore,
        active_rules={r.id for r in rules},
        severity=settings.severity,
    )
    return [f for f in out if not f.rule_id.startswith("SUP") or _meta_selected(f, settings)]


def _meta_selected(finding: Finding, settings: Any) -> bool:
    """ruff-like selection for meta-findings (not in the rule registry): the most specific
    matching pattern wins, ``ignore`` winning ties; no ``select`` selects everything."""

    def best(patterns: Sequence[str]) -> int:
        score = -1
        for p in patterns:
            p = p.strip()
            if p.upper() in ("ALL",):
                score = max(score, 0)
            elif p.upper() == finding.rule_id or p == finding.rule_name:
                score = max(score, 100)
            elif p and finding.rule_id.startswith(p.upper()):
                score = max(score, len(p))
        return score

    effective = _effective(settings, finding)
    chosen = best(effective.select) if effective.select else 0
    return chosen >= 0 and chosen > best(effective.ignore)


def _load_baseline(path: str) -> Any:
    from iacguard.baseline import load_baseline

    try:
        return load_baseline(path)
    except Exception as exc:  # noqa: BLE001 - unreadable or invalid baseline: exit 2
        raise CheckError(f"--baseline {path}: {exc}") from exc


def _apply_baseline(findings: list[Finding], loaded: Any) -> tuple[list[Finding], tuple[Any, ...]]:
    from iacguard.baseline import apply_baseline

    suppressed = [f for f in findings if f.suppressed]
    kept, fixed = apply_baseline([f for f in findings if not f.suppressed], loaded)
    return list(kept) + suppressed, tuple(fixed)
