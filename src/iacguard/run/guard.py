"""Run one unit of evaluation so that nothing it does can crash, hang or sink the run.

The evaluators bound themselves (depth, alias expansion, cycles, expansion caps, a cooperative
deadline from ``EvalOptions.time_budget``). This module is the backstop around them, used by
``api.evaluate`` (and by the fuzzing script):

* an exception escaping a unit is a bug: it becomes a ``FileError`` for that unit and the run
  goes on with every other unit;
* ``RecursionError`` and ``MemoryError`` become located errors too;
* a unit that runs past a hard limit of CPU time (or, blocked, of four times that in
  wall-clock time) is interrupted (``SIGPROF`` / ``SIGALRM`` on POSIX, main thread only:
  elsewhere only the evaluators' cooperative deadline applies) and becomes an error, never a
  hang. CPU time, so that a loaded machine does not turn a legitimate big file into an error;
* Terraform modules are evaluated group by group (a root with the local modules only it
  calls), each under its own limit, so one hostile module does not cost or lose the others;
* a module of several files that still fails is salvaged: each file is tried alone to find the
  file that fails, the module is evaluated again without it (its other files keep their
  findings), and the error names that file and, where the failure was met, the line.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from iacguard.core.located import FileError
from iacguard.core.records import record
from iacguard.core.spans import Span, innermost_span
from iacguard.graph.model import Graph

if TYPE_CHECKING:
    from collections.abc import Iterator

    from iacguard.core.units import TerraformModule
    from iacguard.evaluate.options import EvalOptions

#: seconds added to the cooperative budget before the hard limit interrupts a unit
HARD_LIMIT_SLACK = 2.0
#: extra seconds of hard limit per additional Terraform module evaluated in one call
PER_MODULE_ALLOWANCE = 0.5
#: the wall-clock limit is this many times the CPU-time limit (a unit blocked, not computing)
WALL_FACTOR = 4.0


class BudgetExceeded(BaseException):
    """Raised inside a unit when its hard time limit passes.

    A ``BaseException`` so that an evaluator's ``except Exception`` cannot swallow it.
    """


@record
class Failure:
    """Why a unit produced no graph: the message of its FileError, and where in the input
    evaluation was when it failed (the innermost located syntax being evaluated), if known."""

    message: str
    timed_out: bool = False
    where: Span | None = None


def hard_limit(options: EvalOptions, units: int = 1) -> float:
    """The wall-clock seconds after which a call evaluating ``units`` units is interrupted."""
    budget = max(float(options.time_budget), 0.001)
    return budget * 1.5 + HARD_LIMIT_SLACK + PER_MODULE_ALLOWANCE * max(units - 1, 0)


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ``BudgetExceeded`` in the block after ``seconds`` of CPU time.

    CPU time (``ITIMER_PROF``), not wall-clock time: on a loaded CI machine a legitimate unit
    must not be cut short because other processes had the cores. A unit blocked without
    using CPU is caught by a wall-clock limit ``WALL_FACTOR`` times longer (``ITIMER_REAL``).
    A no-op when ``seconds`` is None, off the main thread, without ``setitimer``, or when
    another interval timer is already running (a test runner's timeout, an outer limit): that
    one is left alone and keeps its meaning.
    """
    if seconds is None or not _can_alarm():
        yield
        return
    timers = (
        (signal.ITIMER_PROF, signal.SIGPROF, 1.0),
        (signal.ITIMER_REAL, signal.SIGALRM, WALL_FACTOR),
    )
    if any(signal.getitimer(which)[0] > 0 for which, _, _ in timers):
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise BudgetExceeded(seconds)

    previous = [(sig, signal.signal(sig, expired)) for _, sig, _ in timers]
    for which, _, factor in timers:
        # the timers repeat: a unit that swallows the first interruption gets another
        signal.setitimer(which, max(seconds * factor, 0.001), 0.25)
    try:
        yield
    finally:
        while True:  # an alarm may still land while we disarm: disarm again
            try:
                for which, _, _ in timers:
                    signal.setitimer(which, 0)
                for sig, handler in previous:
                    signal.signal(sig, handler)
                break
            except BudgetExceeded:
                continue


def attempt(work: Callable[[], Graph], limit: float | None) -> Graph | Failure:
    """Run ``work`` under a hard time limit; any way it fails is a ``Failure``."""
    started = time.monotonic()
    cpu_started = time.process_time()
    try:
        with time_limit(limit):
            graph = work()
    except BudgetExceeded as exc:
        cpu = time.process_time() - cpu_started
        wall = time.monotonic() - started
        return Failure(
            f"evaluation stopped after {cpu:.1f} s of CPU time ({wall:.1f} s elapsed), "
            f"over its time budget: not checked",
            timed_out=True,
            where=innermost_span(exc),
        )
    except RecursionError as exc:
        return Failure("nesting too deep to evaluate: not checked", where=innermost_span(exc))
    except MemoryError as exc:
        return Failure("ran out of memory while evaluating: not checked", where=innermost_span(exc))
    except Exception as exc:  # noqa: BLE001 - a bug in one unit must not lose the others
        return Failure(
            f"internal error while evaluating: {type(exc).__name__}: {exc}",
            where=innermost_span(exc),
        )
    if not isinstance(graph, Graph):
        return Failure(f"internal error while evaluating: got {type(graph).__name__}, not Graph")
    return graph


def run_unit(where: str, work: Callable[[], Graph], limit: float | None) -> Graph:
    """Evaluate one unit (a template, a plan...): its graph, or a graph with its one error."""
    outcome = attempt(work, limit)
    if isinstance(outcome, Failure):
        return Graph(errors=(FileError(where, None, None, outcome.message),))
    return outcome


def run_modules(
    modules: Sequence[TerraformModule],
    options: EvalOptions,
    evaluate_modules: Callable[[list[TerraformModule], EvalOptions], Graph],
    *,
    grouped: bool = False,
) -> Graph:
    """Evaluate Terraform modules group by group, each group under its own limit.

    A group is a root with the local modules only it calls (``parallel.module_groups``): they
    share work, and nothing outside a group changes its results. A group that fails (a bug, a
    hang past its limit) costs only its own budget; if it held several modules, each is
    retried alone so that only the module that fails is reported. ``grouped``: ``modules``
    are one group already (``run.pool.plan_units`` made it).
    """
    modules = list(modules)
    if not modules:
        return Graph()
    from iacguard.discover import module_groups

    graphs = []
    for group in [tuple(modules)] if grouped else module_groups(modules):
        members = list(group)
        outcome = attempt(
            lambda members=members: evaluate_modules(members, options),
            hard_limit(options, len(members)),
        )
        if not isinstance(outcome, Failure):
            graphs.append(outcome)
        elif len(members) == 1:
            graphs.append(_salvage(members[0], outcome, options, evaluate_modules))
        else:
            single = hard_limit(options)
            for m in members:
                alone = attempt(lambda m=m: evaluate_modules([m], options), single)
                graphs.append(
                    alone
                    if not isinstance(alone, Failure)
                    else _salvage(m, alone, options, evaluate_modules)
                )
    return graphs[0] if len(graphs) == 1 else Graph.merge(graphs)


def _salvage(
    module: TerraformModule,
    failure: Failure,
    options: EvalOptions,
    evaluate_modules: Callable[[list[TerraformModule], EvalOptions], Graph],
    *,
    grouped: bool = False,
) -> Graph:
    """A module that failed: its other files' findings, and the error on the file that fails.

    Each file is tried alone (a reference to another file is then merely unknown); the files
    that fail alone are left out and the module is evaluated again without them. When that
    finds no single culprit (every file fails, or none does alone), the whole module is the
    error, as before."""
    from iacguard.core.records import replace

    def error_at(path: str, where: Span | None, message: str) -> FileError:
        if where is not None and where.path == path:
            return FileError(path, where.start_line, where.start_column, message)
        return FileError(path, None, None, message)

    files = list(module.files)
    if len(files) < 2:  # nothing to leave out: located in the file when it is known there
        where = failure.where
        path = where.path if where is not None and where.path in files else module.directory
        return Graph(errors=(error_at(path, where, failure.message),))
    if failure.where is not None and failure.where.path in files:
        suspects = [failure.where.path]  # where it was when it failed: try that one first
    else:
        suspects = []
    single = hard_limit(options)
    guilty: dict[str, Failure] = {}
    for path in suspects + [f for f in files if f not in suspects]:
        alone = attempt(
            lambda path=path: evaluate_modules([replace(module, files=(path,))], options), single
        )
        if isinstance(alone, Failure):
            guilty[path] = alone
            if path in suspects:
                break  # the file it failed in fails alone too: that is the culprit
    if not guilty or len(guilty) == len(files):
        return Graph(errors=(FileError(module.directory, None, None, failure.message),))
    rest = replace(module, files=tuple(f for f in files if f not in guilty))
    outcome = attempt(lambda: evaluate_modules([rest], options), hard_limit(options))
    if isinstance(outcome, Failure):
        return Graph(errors=(FileError(module.directory, None, None, failure.message),))
    left_out = "; the module's other files were checked without it"
    errors = tuple(
        error_at(path, f.where or failure.where, f.message + left_out) for path, f in guilty.items()
    )
    return Graph.merge([outcome, Graph(errors=errors)])
