"""The whole check, in the order of the flow: discover, evaluate, lint, suppress, focus,
baseline, report. ``iacguard.api`` exposes it; nothing here prints."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from iacguard.config.model import Config
from iacguard.config.resolve import ConfigResolver
from iacguard.core.errors import CheckError
from iacguard.core.findings import Finding
from iacguard.core.records import replace
from iacguard.core.report import Report, assemble
from iacguard.discover import Discovery, discover, unit_paths
from iacguard.evaluate.options import EvalOptions
from iacguard.graph.model import Graph
from iacguard.run.lint import (
    effective_settings,
    fail_on_for,
    load_rules,
    observed_attributes,
    observed_types,
)

#: called after each unit: (units done, units total, what was just evaluated)
ProgressHook = Callable[[int, int, str], None]


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
    which is off unless asked for (``iacguard.parse.cache.resolve_cache_dir``).
    """
    from iacguard.parse.cache import resolve_cache_dir
    from iacguard.run.pool import decide_jobs, evaluate_parallel, evaluate_serial

    options = replace(options, cache_dir=resolve_cache_dir(cache_dir, use_cache))
    workers = decide_jobs(found, jobs)
    if workers > 1:
        return evaluate_parallel(found, options, workers, progress)
    return evaluate_serial(found, options, progress)


def build_graph(
    paths: Sequence[str | os.PathLike[str]] = (),
    *,
    var_files: Sequence[str] = (),
    options: EvalOptions | None = None,
) -> Graph:
    """Discover and evaluate ``paths`` into one resource graph.

    Raises ``CheckError`` when a ``var_files`` entry is not a readable file."""
    _require_var_files(var_files)
    found = discover(paths, var_files=var_files)
    if options is None:
        options = EvalOptions(scan_root=_scan_root(paths))
    return evaluate(found, options)


def _require_var_files(var_files: Sequence[str]) -> None:
    """A ``--var-file`` that is missing (or not a regular file) is a usage problem, not a file
    error of the scan: the run would evaluate every module with the wrong inputs."""
    from iacguard.discover import regular_file_problem

    for name in var_files:
        problem = regular_file_problem(name)
        if problem is not None:
            raise CheckError(f"--var-file {name}: {problem}")


def _scan_root(paths: Sequence[str | os.PathLike[str]]) -> str:
    """The common directory of the scanned paths: file() may not read above it."""
    # os.path.isdir: False, not PermissionError, for a path in a directory that is not searchable
    dirs = [
        Path(p).resolve() if os.path.isdir(p) else Path(p).resolve().parent for p in paths or ["."]
    ]
    return os.path.commonpath([str(d) for d in dirs])


def check(
    paths: Sequence[str | os.PathLike[str]] = (),
    config: Config | None = None,
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
    repo_root: str | None = None,
    force_exclude: bool = False,
    overlay: Mapping[str, bytes | str] | None = None,
    callers_from: str | None = None,
    topology: bool = False,
) -> Report:
    """Lint ``paths``: discover, evaluate, run the rules, apply suppressions and baseline.

    ``overlay`` maps paths to the text that stands in for them (standard input, an editor's
    unsaved buffers; ``iacguard.core.files.overlay``): every read of the run, discovery,
    parsing, suppression comments, sees it. Such a run is serial (the overlay belongs to this
    thread). ``callers_from`` (a directory): the Terraform modules under it that call a named
    file's module are evaluated too, as a scan of it would, the focus staying on the files
    named (``iacguard.discover.discover``).

    ``config`` is the ``Config`` to use (None: discovered from the first path upwards, as the
    command line does); a discovered one (``per_file``) means each file takes the settings of
    the configuration file nearest to it (``iacguard.config.resolve``). Paths named in
    ``paths`` are checked even when excluded, unless ``force_exclude``. Raises ``CheckError``
    (or ``ConfigError``) when the run cannot do its job (an unusable option, config, baseline
    or git ref); every problem with an input file is a ``FileError`` in the report instead.

    ``repo_root`` (``--repo-root``) is the directory SARIF, ``github`` and ``gitlab`` paths are
    relative to; by default the git work tree of the first path (else the working directory).
    ``diff_base`` runs git in the repository of each scanned path, wherever the run starts.
    ``topology`` puts the backup chains the findings touch on the report (``Report.chains``,
    which the ``markdown`` and ``html`` formats draw).
    """
    from iacguard.core.files import overlay as overlaid

    with overlaid(overlay or {}):
        return _check(
            paths,
            config,
            var_files=var_files,
            baseline=baseline,
            ignore_suppressions=ignore_suppressions,
            diff_base=diff_base,
            max_file_size=max_file_size,
            jobs=1 if overlay else jobs,
            cache_dir=cache_dir,
            use_cache=use_cache,
            today=today,
            progress=progress,
            repo_root=repo_root,
            force_exclude=force_exclude,
            callers_from=callers_from,
            topology=topology,
        )


def _check(
    paths: Sequence[str | os.PathLike[str]],
    config: Config | None,
    *,
    var_files: Sequence[str],
    baseline: str | None,
    ignore_suppressions: bool,
    diff_base: str | None,
    max_file_size: int | None,
    jobs: int | None,
    cache_dir: str | None,
    use_cache: bool | None,
    today: date | None,
    progress: ProgressHook | None,
    repo_root: str | None,
    force_exclude: bool,
    callers_from: str | None,
    topology: bool,
) -> Report:
    """``check`` with its overlay installed."""
    paths = list(paths) or ["."]
    if config is None:
        from iacguard.config.load import load_config

        config = load_config([str(p) for p in paths])
    settings = ConfigResolver(config, named=paths, force_exclude=force_exclude)
    _require_var_files(var_files)
    loaded_baseline = _load_baseline(baseline) if baseline is not None else None  # fail fast
    size_limit = max_file_size if max_file_size is not None else EvalOptions().max_file_size
    found = discover(
        paths, var_files=var_files, max_file_size=size_limit, callers_from=callers_from
    )
    # every file's configuration is read (and checked) here, before anything is evaluated
    _exclude(found, settings)
    focus = _focus(found, paths, diff_base)
    scanned = [*paths, callers_from] if callers_from is not None else paths
    try:  # loaded once for this process: the types they read, then the serial lint
        available = load_rules()
    except CheckError:  # raised again by lint_units, which loads them again
        available = None
    # only the values rules read are explored in every world (EvalOptions.observed_types,
    # observed_attributes)
    types = observed_types(available) if available is not None else None
    options = EvalOptions(
        scan_root=_scan_root(scanned),
        max_file_size=size_limit,
        observed_types=types,
        observed_attributes=observed_attributes(types),
    )
    if progress is not None:
        files = sum(len(m.files) for m in found.modules) + len(found.templates) + len(found.tfplans)
        units = (1 if found.modules else 0) + len(found.templates) + len(found.tfplans)
        progress(0, units, f"{files} files, {len(found.modules)} Terraform modules")
    from iacguard.parse.cache import resolve_cache_dir
    from iacguard.run.pool import decide_jobs, lint_parallel, lint_serial

    workers = decide_jobs(found, jobs)
    options = replace(options, cache_dir=resolve_cache_dir(cache_dir, use_cache))
    today = today or date.today()
    # rules and suppressions run unit by unit (iacguard.run.pool), in workers or, with one
    # worker, in this process: the same code path either way
    if workers > 1:
        graph, rules, findings, resources, chains = lint_parallel(
            found, options, workers, settings, today, ignore_suppressions, progress, topology
        )
    else:
        graph, rules, findings, resources, chains = lint_serial(
            found, options, settings, today, ignore_suppressions, progress, topology, available
        )
    findings = [
        f
        for f in findings
        if f.certainty >= effective_settings(settings, f).min_certainty
        and not settings.excluded(f.location.path)  # a called module's excluded file
    ]
    if any(f.fixes for f in findings):  # never offer a fix to a file the user did not pass
        from iacguard.run.fixes import within_paths

        findings = within_paths(findings, [str(p) for p in paths])
    errors = list(graph.errors)
    hidden: dict[str, Any] = {"diff_base": diff_base}
    if chains:
        hidden["chains"] = chains
    if focus is not None:
        if diff_base is not None:  # what --diff-base hid, beyond what naming files hides
            named = _focus(found, paths, None)
            before = _live([f for f in findings if named is None or _in_focus(f, named)])
        findings = [f for f in findings if _in_focus(f, focus)]
        errors = [e for e in errors if e.path in focus or not os.path.isfile(e.path)]
        if diff_base is not None:
            hidden["diff_base_hidden"] = before - _live(findings)
    fixed: tuple[Any, ...] = ()
    if loaded_baseline is not None:
        before = _live(findings)
        findings, fixed = _apply_baseline(findings, loaded_baseline)
        hidden["baseline_hidden"] = before - _live(findings)
    findings.sort(key=Finding.sort_key)
    root = os.path.abspath(repo_root) if repo_root is not None else _repo_root(paths)
    return _report(findings, errors, graph, found, fixed, rules, settings, resources, hidden, root)


def _live(findings: list[Finding]) -> int:
    return sum(1 for f in findings if not f.suppressed)


def _repo_root(paths: Sequence[str | os.PathLike[str]]) -> str | None:
    """The git work tree of the first scanned path (SARIF's ``%SRCROOT%``), if any."""
    from iacguard.run.changes import find_repo_root

    return find_repo_root(paths[0]) if paths else None


def _report(
    findings,
    errors,
    graph,
    found,
    fixed,
    rules,
    settings,
    resources=None,
    hidden=None,
    repo_root=None,
) -> Report:
    files = sum(len(m.files) for m in found.modules) + len(found.templates) + len(found.tfplans)
    return assemble(
        findings,
        **(hidden or {}),
        errors=errors,
        notes=graph.notes,
        rules=rules,
        # certainty was filtered per path already: the report keeps the global threshold
        min_certainty=settings.given.min_certainty,
        filter_certainty=False,
        fail_on=settings.given.fail_on,
        fail_on_for=fail_on_for(settings),
        files=files,
        resources=len(graph.resources) if resources is None else resources,
        baseline_fixed=fixed,
        base=found.base,
        repo_root=repo_root,
    )


def _exclude(found: Discovery, settings: ConfigResolver) -> None:
    """Drop the discovered files (and their file errors) that their configuration's
    ``exclude`` or the command line's ``--exclude`` / ``--extend-exclude`` leave out."""
    from iacguard.core.records import replace

    excluded = settings.excluded
    modules = []
    for m in found.modules:
        kept = tuple(f for f in m.files if not excluded(f))
        if kept:
            modules.append(replace(m, files=kept) if len(kept) != len(m.files) else m)
    found.modules = modules
    found.templates = [t for t in found.templates if not excluded(t)]
    found.tfplans = [p for p in found.tfplans if not excluded(p)]
    found.errors = [e for e in found.errors if not (e.path and excluded(e.path))]


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
            for unit in unit_paths(found):
                where = Path(os.path.abspath(unit))
                if any(d in where.parents for d in dirs):
                    focus.add(unit)
    if diff_base is None:
        return focus
    from iacguard.run.changes import changed_files, find_repo_root, focus_set

    # git runs in each scanned path's repository (not the current directory): once per work tree
    where: dict[str, str] = {}
    for p in paths:
        if not os.path.lexists(p):  # reported as a file error already
            continue
        place = os.path.abspath(p) if os.path.isdir(p) else os.path.dirname(os.path.abspath(p))
        where.setdefault(find_repo_root(place) or place, place)
    changed: set[str] = set()
    try:
        for place in where.values():
            changed |= focus_set(changed_files(diff_base, os.getcwd(), repo=place))
    except Exception as exc:  # noqa: BLE001 - a bad ref or no git: the run cannot do its job
        raise CheckError(f"--diff-base {diff_base}: {exc}") from exc
    return changed if focus is None else focus & changed


def _in_focus(finding: Finding, focus: set[str]) -> bool:
    from iacguard.run.changes import in_focus

    return in_focus(finding, focus)


def _load_baseline(path: str) -> Any:
    from iacguard.run.baseline import load_baseline

    try:
        return load_baseline(path)
    except Exception as exc:  # noqa: BLE001 - unreadable or invalid baseline: exit 2
        raise CheckError(f"--baseline {path}: {exc}") from exc


def _apply_baseline(findings: list[Finding], loaded: Any) -> tuple[list[Finding], tuple[Any, ...]]:
    from iacguard.run.baseline import apply_baseline

    suppressed = [f for f in findings if f.suppressed]
    kept, fixed = apply_baseline([f for f in findings if not f.suppressed], loaded)
    return list(kept) + suppressed, tuple(fixed)
