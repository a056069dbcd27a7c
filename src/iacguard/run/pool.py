"""Evaluate discovered units in a process pool (``--jobs``).

Units are what can be evaluated apart: a group of Terraform module directories (a root plus
the local modules it calls stay together, so they are parsed once), a CloudFormation template,
a plan file. A module called by several roots (a shared library module) is not glued to any
of them: each caller loads it from disk anyway, and gluing would put a whole monorepo into one
unit.

Units are packed into batches of similar size, sent to a ``ProcessPoolExecutor`` (``fork``
on Linux while the parent has one thread, else ``spawn``: nothing relies on inheriting the
parent's memory), largest first; the result Graphs
are merged in the units' discovery order, so the output does not depend on ``--jobs`` or on
which worker finished first. Each unit runs through ``iacguard.run.guard`` inside its worker
(exceptions and hangs become located errors). A worker that dies (a crash in native code,
the OOM killer) breaks the pool: every unit without a result is then evaluated again alone,
each in a fresh one-worker pool, so only the unit that kills its worker becomes a FileError.

``decide_jobs`` picks the worker count: the core count for big inputs, 1 below
``PARALLEL_MIN_BYTES`` (starting workers costs more than it saves on a pre-commit run).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from iacguard.core import records
from iacguard.core.errors import CheckError
from iacguard.core.located import FileError, Located
from iacguard.core.records import record
from iacguard.discover import module_groups
from iacguard.graph.model import Graph

if TYPE_CHECKING:
    from iacguard.config.resolve import ConfigResolver
    from iacguard.core.units import TerraformModule
    from iacguard.discover import Discovery
    from iacguard.evaluate.options import EvalOptions
    from iacguard.rules.registry import Rule

#: below this many input bytes a run stays in one process (measured: see bench/README)
PARALLEL_MIN_BYTES = 1_000_000
#: a quiet unit (only skimmed: ``run.relevance``) weighs its size divided by this: on the
#: realistic 100k tree skimming ran at 4.1 MB/s for Terraform and 8.4 MB/s for templates,
#: evaluating at 0.45 and 2-3.7 MB/s (batch balance only: never the output)
QUIET_DIVISOR = 7
#: batches per worker: enough to balance uneven units, few enough to keep IPC cheap
BATCHES_PER_WORKER = 8

ProgressHook = Callable[[int, int, str], None]
#: a batch entry point run in a worker: (units, options) -> pickled list of Graphs
BatchWorker = Callable[[list["Unit"], "EvalOptions"], bytes]


@record
class Unit:
    """One piece of work: Terraform modules evaluated together, a template or a plan."""

    kind: Literal["terraform", "template", "tfplan"]
    label: str
    modules: tuple[TerraformModule, ...] = ()
    path: str = ""
    weight: int = 0
    #: nothing in it a built-in rule can act on (``run.relevance``): a check only parses it
    quiet: bool = False


def available_cores() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return max(os.cpu_count() or 1, 1)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _sizes(found: Discovery) -> Callable[[str], int]:
    """A file's size: from discovery's stat when it made one, else a stat now."""
    known = found.sizes

    def size(path: str) -> int:
        got = known.get(path)
        return _size(path) if got is None else got

    return size


def input_bytes(found: Discovery) -> int:
    """Total size of the files a run will read."""
    size = _sizes(found)
    total = sum(size(f) for m in found.modules for f in m.files)
    return total + sum(size(p) for p in found.templates) + sum(size(p) for p in found.tfplans)


def decide_jobs(found: Discovery, jobs: int | None) -> int:
    """Workers to use: ``jobs`` when given (>= 1), else cores for big inputs, else 1."""
    if jobs is not None:
        return max(int(jobs), 1)
    cores = available_cores()
    if cores == 1:
        return 1
    return cores if input_bytes(found) >= PARALLEL_MIN_BYTES else 1


# ----------------------------------------------------------------------------- units


def plan_units(found: Discovery) -> list[Unit]:
    """Every unit of ``found`` in the order a serial run evaluates them."""
    from iacguard.run.relevance import modules_by_directory, quiet_modules

    units: list[Unit] = []
    size = _sizes(found)
    by_dir = modules_by_directory(found)
    for group in module_groups(found.modules, found.local_calls):
        weight = sum(size(f) for m in group for f in m.files)
        quiet = quiet_modules(found, group, by_dir)
        weight = _weight(weight, quiet)
        units.append(Unit("terraform", group[0].directory, group, weight=weight, quiet=quiet))
    units.extend(
        Unit(
            "template", p, path=p, weight=_weight(size(p), p in found.quiet), quiet=p in found.quiet
        )
        for p in found.templates
    )
    units.extend(Unit("tfplan", p, path=p, weight=size(p)) for p in found.tfplans)
    return units


def _weight(size: int, quiet: bool) -> int:
    return size // QUIET_DIVISOR if quiet else size


def batches(units: Sequence[Unit], workers: int) -> list[list[int]]:
    """Unit indexes packed into consecutive batches of about equal weight."""
    total = sum(max(u.weight, 1) for u in units)
    target = max(total // max(workers * BATCHES_PER_WORKER, 1), 1)
    out: list[list[int]] = []
    current: list[int] = []
    acc = 0
    for i, u in enumerate(units):
        current.append(i)
        acc += max(u.weight, 1)
        if acc >= target:
            out.append(current)
            current, acc = [], 0
    if current:
        out.append(current)
    return out


# ----------------------------------------------------------------------------- workers


def evaluate_unit(unit: Unit, options: EvalOptions) -> Graph:
    """Evaluate one unit in this process, guarded (never raises)."""
    from iacguard.run.guard import hard_limit, run_modules, run_unit

    try:
        if unit.kind == "terraform":
            from iacguard.evaluate.terraform.root import evaluate_modules

            # a unit is one group already (plan_units): not grouped again, no file read twice
            return run_modules(unit.modules, options, evaluate_modules, grouped=True)
        if unit.kind == "template":
            from iacguard.evaluate.cloudformation.template import evaluate_template

            work = evaluate_template
        else:
            from iacguard.evaluate.tfplan import evaluate_tfplan

            work = evaluate_tfplan
        return run_unit(unit.path, lambda: work(unit.path, options), hard_limit(options))
    except Exception as exc:  # noqa: BLE001 - an evaluator that cannot even be imported
        return _failed(unit, f"internal error while evaluating: {type(exc).__name__}: {exc}")


def _evaluate_batch(units: list[Unit], options: EvalOptions) -> bytes:
    """The worker entry point (top level: picklable under spawn): the graphs, pickled."""
    from iacguard.run.transfer import dumps

    return dumps([evaluate_unit(u, options) for u in units])


def _failed(unit: Unit, message: str) -> Graph:
    if unit.kind == "terraform":
        errors = tuple(FileError(m.directory, None, None, message) for m in unit.modules)
        return Graph(errors=errors)
    return Graph(errors=(FileError(unit.path, None, None, message),))


@contextmanager
def _pool(workers: int) -> Iterator[Any]:
    """A process pool whose workers leave Ctrl-C to the parent.

    A terminal's Ctrl-C sends SIGINT to the whole process group: a worker still starting up
    (unpickling its first task, before any initializer runs) would die with a
    KeyboardInterrupt traceback. So every submit happens with SIGINT ignored in the parent,
    which the spawned workers inherit (an ignored signal stays ignored across exec); the
    parent, SIGINT restored, gets the KeyboardInterrupt alone and does not wait for the
    batches, and the workers, which watch their parent, exit with it."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(start_method()),
        initializer=_start_worker,
    )
    submit = executor.submit

    def quiet_submit(*args: Any, **kwargs: Any) -> Any:
        with _sigint_ignored():
            return submit(*args, **kwargs)

    executor.submit = quiet_submit  # type: ignore[method-assign]
    try:
        yield executor
    except KeyboardInterrupt:
        # stop now, not after the running batches: cancel what waits, end the workers (they
        # ignore SIGINT), and let the pool's threads notice and finish
        executor.shutdown(wait=False, cancel_futures=True)
        processes = list((getattr(executor, "_processes", None) or {}).values())
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=10)
        manager = getattr(executor, "_executor_manager_thread", None)
        if manager is not None:
            manager.join(timeout=10)
        raise
    executor.shutdown(wait=True)


def start_method() -> str:
    """``fork`` on Linux while this process runs no other thread (a worker then starts in
    milliseconds, with the modules already imported, instead of a new interpreter importing
    them: 0.15-0.25 s on a 2-core machine); ``spawn`` elsewhere (macOS and Windows, where
    fork is unsafe or absent) and once a thread runs (a fork would copy its locks held)."""
    import sys
    import threading

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "spawn"


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


#: a worker's address space, the last line of defence under the evaluators' own budgets: past
#: it an allocation is a MemoryError (a located error for the unit), never the OOM killer
WORKER_ADDRESS_SPACE = 6 * 1024**3


#: the environment variable that lowers (never raises) the cap, in bytes (tests use it)
ADDRESS_SPACE_ENV = "IACGUARD_WORKER_ADDRESS_SPACE"


def _start_worker() -> None:
    """Worker initializer: cap the address space, and watch the parent."""
    limit = WORKER_ADDRESS_SPACE
    try:
        limit = min(limit, int(os.environ.get(ADDRESS_SPACE_ENV, limit)))
    except ValueError:
        pass
    _cap_address_space(limit)
    _watch_parent()


def _cap_address_space(limit: int) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on this platform
        return
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):  # pragma: no cover - a platform that refuses
        pass


def _watch_parent() -> None:
    """Worker initializer: exit as soon as the parent process dies.

    A parent killed mid-run (``timeout``, SIGKILL, a CI job cancelled) would otherwise leave
    its workers evaluating their batches, orphaned, for as long as the batches take.
    """
    import multiprocessing
    import threading

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        from multiprocessing.connection import wait

        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="iacguard-parent-watch", daemon=True).start()


def _run_pool(
    units: Sequence[Unit],
    options: EvalOptions,
    workers: int,
    results: list[Graph | None],
    progress: Callable[[int], None],
    worker: BatchWorker,
) -> bool:
    """Fill ``results`` for every batch that completes; False when a worker died."""
    import pickle
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    plan = batches(units, workers)
    plan.sort(key=lambda b: -sum(units[i].weight for i in b))  # largest first
    broken = False
    with _pool(workers) as pool:
        futures = {pool.submit(worker, [units[i] for i in b], options): b for b in plan}
        for future in as_completed(futures):
            batch = futures[future]
            try:
                graphs = pickle.loads(future.result())
            except BrokenProcessPool:
                broken = True
                continue
            except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled back
                if isinstance(exc, CheckError):
                    raise  # the run cannot do its job: the same in every worker
                broken = True
                continue
            for i, g in zip(batch, graphs, strict=True):
                results[i] = g
                progress(i)
    return not broken


def _ping() -> bool:
    return True


def _pool_works() -> bool:
    """Whether a fresh worker can start and answer at all."""
    try:
        with _pool(1) as pool:
            return pool.submit(_ping).result(timeout=60)
    except Exception:  # noqa: BLE001 - cannot spawn, cannot import, timed out
        return False


def _isolated(unit: Unit, options: EvalOptions, worker: BatchWorker) -> Any:
    """Evaluate ``unit`` alone in a fresh worker: a crash loses only this unit, and of it only
    the files that kill a worker alone (``run.salvage``)."""
    from iacguard.run.salvage import salvage_killed

    def fresh(part: Unit) -> Any:
        return _in_fresh_worker(part, options, worker)

    outcome = fresh(unit)
    if outcome is not None:
        return outcome
    return salvage_killed(unit, fresh, _combine)


def _in_fresh_worker(unit: Unit, options: EvalOptions, worker: BatchWorker) -> Any:
    """``unit``'s result from a new one-worker pool; None when the worker died."""
    import pickle
    from concurrent.futures.process import BrokenProcessPool

    try:
        with _pool(1) as pool:
            return pickle.loads(pool.submit(worker, [unit], options).result())[0]
    except BrokenProcessPool:
        return None
    except CheckError:
        raise
    except Exception as exc:  # noqa: BLE001 - any other way the worker failed
        return _failed(unit, f"worker failed: {type(exc).__name__}: {exc}")


def _combine(parts: Sequence[Any]) -> Any:
    """Several parts' results (Graphs, or UnitLints with Graphs of errors) as one."""
    if all(isinstance(p, Graph) for p in parts):
        return merge_unique(parts)
    lints = [
        p if isinstance(p, UnitLint) else UnitLint(errors=p.errors, notes=p.notes, roots=p.roots)
        for p in parts
    ]
    rules: dict[str, Any] = {}
    for part in lints:
        for r in part.rules:
            rules.setdefault(r.id, r)
    return UnitLint(
        tuple(f for p in lints for f in p.findings),
        tuple(rules.values()),
        tuple(dict.fromkeys(e for p in lints for e in p.errors)),
        tuple(dict.fromkeys(n for p in lints for n in p.notes)),
        tuple(dict.fromkeys(r for p in lints for r in p.roots)),
        sum(p.resources for p in lints),
    )


def evaluate_parallel(
    found: Discovery,
    options: EvalOptions,
    workers: int,
    progress: ProgressHook | None = None,
    *,
    worker: BatchWorker | None = None,
) -> Graph:
    """Evaluate ``found`` with ``workers`` processes into one graph (deterministic order).

    ``worker`` replaces the batch entry point (tests use it to crash a worker); it must be a
    module-level function importable in a spawned process.
    """
    worker = worker or _evaluate_batch
    units = plan_units(found)
    results = _in_pool(
        units, options, workers, worker, lambda unit: evaluate_unit(unit, options), progress
    )
    head = Graph(errors=tuple(found.errors), notes=tuple(found.notes))
    return merge_unique([head, *(g for g in results if g is not None)])


def _in_pool(
    units: Sequence[Unit],
    options: EvalOptions,
    workers: int,
    worker: BatchWorker,
    here: Callable[[Unit], Any],
    progress: ProgressHook | None,
) -> list[Any]:
    """Every unit's result from ``worker`` in a pool of ``workers`` processes, in unit order.

    When a worker dies, each unit without a result is run again alone in a fresh one-worker
    pool, so only the unit that kills its worker is lost (``_isolated``); when no worker can
    start at all here, those units are run in this process (``here``). A ``CheckError`` raised
    in a worker is raised here."""
    results: list[Any] = [None] * len(units)
    done = 0

    def tick(i: int) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, len(units), units[i].label)

    if units and not _run_pool(units, options, max(workers, 1), results, tick, worker):
        isolated = _pool_works()
        for i, unit in enumerate(units):
            if results[i] is None:
                results[i] = _isolated(unit, options, worker) if isolated else here(unit)
                tick(i)
    return results


def evaluate_serial(
    found: Discovery, options: EvalOptions, progress: ProgressHook | None = None
) -> Graph:
    """``evaluate_parallel`` with one worker, in this process: the same units, the same graph."""
    units = plan_units(found)
    graphs = [Graph(errors=tuple(found.errors), notes=tuple(found.notes))]
    for i, unit in enumerate(units):
        graphs.append(evaluate_unit(unit, options))
        if progress is not None:
            progress(i + 1, len(units), unit.label)
    return merge_unique(graphs)


def merge_unique(graphs: Sequence[Graph]) -> Graph:
    """``Graph.merge`` dropping repeated errors and notes (a shared module's file is read by
    each unit that calls it, and may report the same problem in each)."""
    merged = Graph.merge(graphs)
    errors = tuple(dict.fromkeys(merged.errors))
    notes: tuple[Located, ...] = tuple(dict.fromkeys(merged.notes))
    roots = tuple(dict.fromkeys(merged.roots))
    if (
        len(errors) == len(merged.errors)
        and len(notes) == len(merged.notes)
        and len(roots) == len(merged.roots)
    ):
        return merged
    return Graph(merged.resources, merged.edges, errors, notes, roots)


# ----------------------------------------------------------------------------- lint in workers


@record
class UnitLint:
    """What a worker sends back when it also runs the rules: no resources, only results."""

    findings: tuple[Any, ...] = ()
    rules: tuple[Any, ...] = ()
    errors: tuple[FileError, ...] = ()
    notes: tuple[Located, ...] = ()
    roots: tuple[str, ...] = ()
    resources: int = 0
    #: the backup chains the findings touch (``core.topology``), when asked for
    chains: tuple[Any, ...] = ()


#: what evaluating a unit of each kind imports on first use (then linting and suppressing)
UNIT_MODULES = {
    "terraform": (
        "iacguard.evaluate.terraform.root",
        "iacguard.parse.hcl",
        "iacguard.parse.hcl_json",
        "iacguard.parse.tfvars",
        "iacguard.evaluate.terraform.policy_documents",
    ),
    "template": (
        "iacguard.evaluate.cloudformation.template",
        "iacguard.parse.cfn_yaml",
        "iacguard.parse.located_json",
    ),
    "tfplan": ("iacguard.evaluate.tfplan", "iacguard.parse.located_json"),
}
LINT_MODULES = ("iacguard.run.guard", "iacguard.run.relevance", "iacguard.suppress.apply")


def _preload(units: Sequence[Unit]) -> None:
    """Import what linting ``units`` imports on first use (``lint_units``, before it freezes
    what is alive); an evaluator that cannot be imported is each unit's error
    (``evaluate_unit``), not this run's."""
    kinds = {u.kind for u in units}
    for kind, names in UNIT_MODULES.items():
        for name in names if kind in kinds else ():
            try:
                __import__(name)  # not importlib.import_module: -X importtime shows these
            except Exception:  # noqa: BLE001, S112 - evaluate_unit reports it, per unit
                continue
    for name in LINT_MODULES:
        __import__(name)


def lint_units(
    units: Sequence[Unit],
    options: EvalOptions,
    settings: ConfigResolver,
    today: date,
    ignore_suppressions: bool,
    evaluated: Callable[[int], None] | None = None,
    topology: bool = False,
    available: list[Rule] | None = None,
) -> list[UnitLint]:
    """Evaluate, lint and suppress each unit in turn, one result per unit; a unit's graph is
    released before the next is evaluated (every rule follows references within one root, and
    a unit holds whole roots, so the findings are those of linting the units together; memory
    and the collector's work stay those of one unit). Never raises, except ``CheckError`` (an
    unusable rule selection or option, the same in every worker): a rule bug is a FileError
    per unit. ``evaluated(i)`` is called as unit ``i`` of ``units`` is evaluated (a serial
    run's progress). With ``topology``, the backup chains the findings touch come back too
    (``run.topology``: for the ``markdown`` and ``html`` formats). ``available``: the rules,
    when the caller has loaded them already (else loaded here)."""
    import gc

    from iacguard.run.lint import load_rules

    if available is None:
        available = load_rules()
    # A unit allocates millions of small objects, nearly all freed by reference counting when
    # its graph is dropped: the collector, left on, would walk them again and again while they
    # live (a sixth of the CPU time on the dense 100k tree). It runs once per unit instead,
    # after the graph is gone, on what the unit left: its result and its garbage cycles.
    collecting = gc.isenabled()
    gc.disable()
    _preload(units)
    # what is alive now (modules, rules, settings, discovery) stays alive for the whole run:
    # out of the collector's sight (the modules a unit imports on first use included: else
    # the collection after the first unit walks all their objects, most of a small run's)
    gc.freeze()
    out: list[UnitLint] = []
    try:
        for i, unit in enumerate(units):
            declared: int | None = None
            if unit.quiet and options.observed_types is not None:
                graph, declared = _skim(unit, options)
            else:
                graph = evaluate_unit(unit, options)
            if evaluated is not None:
                evaluated(i)
            lint = _lint_unit(
                unit, graph, settings, today, ignore_suppressions, available, topology
            )
            out.append(lint if declared is None else records.replace(lint, resources=declared))
            del graph
            gc.collect(0)
    finally:
        if collecting:
            gc.enable()
    return out


def _skim(unit: Unit, options: EvalOptions) -> tuple[Graph, int]:
    """A quiet unit parsed for its file errors only (``run.relevance.skim_unit``), guarded:
    a parser that fails is the unit's located error, as in ``evaluate_unit``."""
    from iacguard.run.relevance import skim_unit

    try:
        return skim_unit(unit.kind, unit.modules, unit.path, options)
    except Exception as exc:  # noqa: BLE001 - the same fallback as a failed evaluation
        return _failed(unit, f"internal error while parsing: {type(exc).__name__}: {exc}"), 0


def _lint_unit(
    unit: Unit,
    graph: Graph,
    settings: ConfigResolver,
    today: date,
    ignore_suppressions: bool,
    available: list[Any],
    topology: bool = False,
) -> UnitLint:
    """The rules and suppressions on one unit's graph: what goes back to the parent."""
    from iacguard.discover import Discovery
    from iacguard.run.lint import lint_graph, suppress_findings

    scope = Discovery(base=os.getcwd())
    if unit.kind == "terraform":
        scope.modules.extend(unit.modules)
    elif unit.kind == "template":
        scope.templates.append(unit.path)
    else:
        scope.tfplans.append(unit.path)
    try:
        crashes: list[FileError] = []
        rules, findings = lint_graph(graph, settings, scope, crashes, available)
        findings = suppress_findings(findings, graph, today, ignore_suppressions, settings, rules)
        chains: tuple[Any, ...] = ()
        if topology:
            from iacguard.run.topology import build_chains, grant_mode_of

            chains = build_chains(graph, findings, grant_mode_of(settings))
        errors = graph.errors + tuple(crashes)
    except CheckError:
        raise
    except Exception as exc:  # noqa: BLE001 - a rule bug loses this unit only
        message = f"internal error while running the rules: {type(exc).__name__}: {exc}"
        failed = _failed(unit, message).errors
        return UnitLint(errors=graph.errors + failed, notes=graph.notes, roots=graph.roots)
    return UnitLint(
        tuple(findings),
        tuple(rules),
        errors,
        graph.notes,
        graph.roots,
        len(graph.resources),
        chains,
    )


def _lint_batch(
    units: list[Unit],
    options: EvalOptions,
    *,
    settings: ConfigResolver,
    today: date,
    ignore_suppressions: bool,
    topology: bool = False,
) -> bytes:
    """Worker entry point of ``lint_parallel`` (bound with functools.partial)."""
    from iacguard.run.transfer import dumps

    return dumps(
        lint_units(units, options, settings, today, ignore_suppressions, topology=topology)
    )


def lint_parallel(
    found: Discovery,
    options: EvalOptions,
    workers: int,
    settings: ConfigResolver,
    today: date,
    ignore_suppressions: bool,
    progress: ProgressHook | None = None,
    topology: bool = False,
) -> tuple[Graph, list[Any], list[Any], int, tuple[Any, ...]]:
    """Evaluate, lint and suppress every unit in ``workers`` processes.

    Returns (a graph holding only errors, notes and roots; the rules that ran; the findings
    in discovery order; the number of resources; the backup chains, with ``topology``). The
    parent never holds the resource graph,
    which is what bounds memory on a large monorepo. A ``CheckError`` (unusable selection or
    rule options) raised in a worker is raised here.
    """
    from functools import partial

    worker = partial(
        _lint_batch,
        settings=settings,
        today=today,
        ignore_suppressions=ignore_suppressions,
        topology=topology,
    )
    units = plan_units(found)

    def here(unit: Unit) -> UnitLint:
        (result,) = lint_units(
            [unit], options, settings, today, ignore_suppressions, topology=topology
        )
        return result

    results = _in_pool(units, options, workers, worker, here, progress)
    return _collected(found, results)


def lint_serial(
    found: Discovery,
    options: EvalOptions,
    settings: ConfigResolver,
    today: date,
    ignore_suppressions: bool,
    progress: ProgressHook | None = None,
    topology: bool = False,
    available: list[Rule] | None = None,
) -> tuple[Graph, list[Any], list[Any], int, tuple[Any, ...]]:
    """``lint_parallel`` with one worker, in this process: the same units, evaluated and linted
    by the same ``lint_units`` a worker runs (as one batch), the same result. ``available``:
    the rules, when the caller has loaded them already."""
    units = plan_units(found)

    def tick(i: int) -> None:
        if progress is not None:
            progress(i + 1, len(units), units[i].label)

    results: list[Any] = [None] * len(units)
    if units:
        results = list(
            lint_units(
                units, options, settings, today, ignore_suppressions, tick, topology, available
            )
        )
    return _collected(found, results)


def _collected(
    found: Discovery, results: Sequence[UnitLint | Graph | None]
) -> tuple[Graph, list[Any], list[Any], int, tuple[Any, ...]]:
    """The per-unit results in discovery order as (graph of errors, notes and roots; rules that
    ran; findings; resource count; backup chains)."""
    parts: list[UnitLint] = [
        r if isinstance(r, UnitLint) else UnitLint(errors=r.errors, notes=r.notes, roots=r.roots)
        for r in results
        if r is not None
    ]
    graph = merge_unique(
        [
            Graph(errors=tuple(found.errors), notes=tuple(found.notes)),
            *(Graph(errors=p.errors, notes=p.notes, roots=p.roots) for p in parts),
        ]
    )
    rules: dict[str, Any] = {}
    findings: list[Any] = []
    for p in parts:
        for r in p.rules:
            rules.setdefault(r.id, r)
        findings.extend(p.findings)
    return (
        graph,
        sorted(rules.values(), key=lambda r: r.id),
        findings,
        sum(p.resources for p in parts),
        tuple(c for p in parts for c in p.chains),
    )
