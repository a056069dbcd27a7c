"""iacguard.run.guard: a unit's crash, recursion or hang becomes its FileError, nothing more."""

from __future__ import annotations

import re
import signal
import sys
import time
from pathlib import Path

import pytest

from iacguard.core.located import FileError, Located
from iacguard.core.units import TerraformModule
from iacguard.evaluate.options import EvalOptions
from iacguard.graph.model import Graph
from iacguard.run import guard

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs setitimer")


def _spin() -> Graph:
    while True:
        pass


def test_a_good_unit_passes_through() -> None:
    g = Graph(notes=(Located(None, "fine"),))
    assert guard.run_unit("a.yaml", lambda: g, 5.0) is g


def test_an_exception_is_a_located_error() -> None:
    def boom() -> Graph:
        raise KeyError("Resources")

    got = guard.run_unit("t.yaml", boom, 5.0)
    assert got.errors == (
        FileError("t.yaml", None, None, "internal error while evaluating: KeyError: 'Resources'"),
    )
    assert got.resources == ()


def test_recursion_error_is_a_depth_error() -> None:
    def deep(n: int = 0) -> Graph:
        return deep(n + 1)

    got = guard.run_unit("deep.tf", deep, 5.0)
    assert got.errors == (
        FileError("deep.tf", None, None, "nesting too deep to evaluate: not checked"),
    )


def test_memory_error_is_an_error() -> None:
    def hungry() -> Graph:
        raise MemoryError

    got = guard.run_unit("m", hungry, 5.0)
    assert got.errors == (
        FileError("m", None, None, "ran out of memory while evaluating: not checked"),
    )


def test_a_non_graph_result_is_an_error() -> None:
    got = guard.run_unit("x", lambda: None, 5.0)  # type: ignore[arg-type, return-value]
    assert got.errors == (
        FileError("x", None, None, "internal error while evaluating: got NoneType, not Graph"),
    )


def test_a_hang_is_stopped_at_the_hard_limit() -> None:
    got = guard.run_unit("slow.yaml", _spin, 0.2)
    assert len(got.errors) == 1
    err = got.errors[0]
    assert (err.path, err.line, err.column) == ("slow.yaml", None, None)
    assert re.fullmatch(
        r"evaluation stopped after 0\.\d s of CPU time \(\d+\.\d s elapsed\), "
        r"over its time budget: not checked",
        err.message,
    ), err.message
    # the timers are disarmed and the previous handlers are back
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)
    assert signal.getsignal(signal.SIGPROF) in (signal.SIG_DFL, signal.SIG_IGN, None)


def test_a_blocked_unit_is_stopped_by_the_wall_clock_limit() -> None:
    def blocked() -> Graph:
        time.sleep(30)
        return Graph()

    started = time.monotonic()
    got = guard.run_unit("blocked.yaml", blocked, 0.1)
    assert time.monotonic() - started < 10
    assert "over its time budget" in got.errors[0].message


def test_except_exception_cannot_swallow_the_interruption() -> None:
    def stubborn() -> Graph:
        while True:
            try:
                _spin()
            except Exception:  # noqa: BLE001 - what a careless evaluator might do
                continue

    got = guard.run_unit("s", stubborn, 0.2)
    assert "over its time budget" in got.errors[0].message


def test_a_unit_that_swallows_one_interruption_gets_another() -> None:
    def swallow_once() -> Graph:
        try:
            _spin()
        except BaseException:  # noqa: BLE001 - deliberately hostile
            pass
        return _spin()

    got = guard.run_unit("s", swallow_once, 0.2)
    assert "over its time budget" in got.errors[0].message


@pytest.mark.parametrize(
    ("which", "sig"),
    [(signal.ITIMER_REAL, signal.SIGALRM), (signal.ITIMER_PROF, signal.SIGPROF)],
    ids=["real", "prof"],
)
def test_an_outer_timer_is_left_alone(which: int, sig: int) -> None:
    fired = []
    previous = signal.signal(sig, lambda *a: fired.append(1))
    try:
        signal.setitimer(which, 30.0)
        got = guard.run_unit("a", lambda: Graph(), 0.1)
        remaining = signal.getitimer(which)[0]
        assert got == Graph()
        assert 0 < remaining <= 30.1  # still the outer timer (clock granularity), not disarmed
    finally:
        signal.setitimer(which, 0)
        signal.signal(sig, previous)
    assert fired == []


def test_no_limit_means_no_timer() -> None:
    seen = []

    def work() -> Graph:
        seen.append((signal.getitimer(signal.ITIMER_REAL), signal.getitimer(signal.ITIMER_PROF)))
        return Graph()

    guard.run_unit("a", work, None)
    assert seen == [((0.0, 0.0), (0.0, 0.0))]


def test_hard_limit_grows_with_the_budget_and_the_modules() -> None:
    opts = EvalOptions(time_budget=10.0)
    assert guard.hard_limit(opts) == 10.0 * 1.5 + guard.HARD_LIMIT_SLACK
    assert guard.hard_limit(opts, 5) == guard.hard_limit(opts) + 4 * guard.PER_MODULE_ALLOWANCE


def _module(name: str) -> TerraformModule:
    return TerraformModule(name, (f"{name}/main.tf",))


def test_run_modules_evaluates_independent_modules_apart() -> None:
    calls: list[tuple[str, ...]] = []

    def evaluate_modules(modules, options):
        names = tuple(m.directory for m in modules)
        calls.append(names)
        if "bad" in names:
            raise ValueError("boom")
        return Graph(notes=tuple(Located(None, f"evaluated {n}") for n in names))

    mods = [_module("good1"), _module("bad"), _module("good2")]
    got = guard.run_modules(mods, EvalOptions(time_budget=5.0), evaluate_modules)
    assert calls == [("good1",), ("bad",), ("good2",)]
    assert [n.message for n in got.notes] == ["evaluated good1", "evaluated good2"]
    assert got.errors == (
        FileError("bad", None, None, "internal error while evaluating: ValueError: boom"),
    )


def test_run_modules_retries_a_failed_group_module_by_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A root and the local module only it calls form a group; if the group fails, each of
    its modules is retried alone, and a module outside the group is not touched again."""
    monkeypatch.chdir(tmp_path)
    for d in ("root", "root/child", "other"):
        Path(d).mkdir()
    Path("root/main.tf").write_text('module "c" {\n  source = "./child"\n}\n')
    Path("root/child/main.tf").write_text("")
    Path("other/main.tf").write_text("")
    calls: list[tuple[str, ...]] = []

    def evaluate_modules(modules, options):
        names = tuple(m.directory for m in modules)
        calls.append(names)
        if "root/child" in names:
            _spin()
        return Graph(notes=tuple(Located(None, n) for n in names))

    mods = [_module("other"), _module("root"), _module("root/child")]
    got = guard.run_modules(mods, EvalOptions(time_budget=0.01), evaluate_modules)
    assert calls == [("other",), ("root", "root/child"), ("root",), ("root/child",)]
    assert [n.message for n in got.notes] == ["other", "root"]
    assert [(e.path, "over its time budget" in e.message) for e in got.errors] == [
        ("root/child", True)
    ]


def test_run_modules_single_module_failure_is_its_error() -> None:
    def evaluate_modules(modules, options):
        raise RuntimeError("x")

    got = guard.run_modules([_module("only")], EvalOptions(), evaluate_modules)
    assert got.errors == (
        FileError("only", None, None, "internal error while evaluating: RuntimeError: x"),
    )


def test_run_modules_with_nothing_to_do() -> None:
    assert guard.run_modules([], EvalOptions(), lambda m, o: 1 / 0) == Graph()


def test_recursion_limit_is_unchanged() -> None:
    before = sys.getrecursionlimit()
    guard.run_unit("a", lambda: Graph(), 1.0)
    assert sys.getrecursionlimit() == before
