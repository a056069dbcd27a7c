"""Partial, not lost: a Terraform module that fails (a crash, a hang past its hard limit) keeps
the findings of its other files; the error names the file that fails alone and, when evaluation
was inside it, the line (issue 13 item 7). Before, the whole module was one error on its
directory (``m:1:1``) and every finding of it was lost."""

from __future__ import annotations

from iacguard.api import build_graph
from iacguard.core.located import FileError
from iacguard.core.spans import Span
from iacguard.core.units import TerraformModule
from iacguard.evaluate.options import EvalOptions
from iacguard.graph.model import Graph
from iacguard.run import guard


def _fake_evaluator(calls):
    """Evaluates a module to a graph noting its files; fails when it holds ``bad.tf``, with
    a located syntax node in the failing frame (as the evaluators have)."""

    def evaluate_modules(modules, options):
        (module,) = modules
        calls.append(tuple(module.files))
        if any(f.endswith("bad.tf") for f in module.files):
            node = Span("m/bad.tf", 7, 3, 7, 30)  # the frame's local: where it failed
            raise ValueError(f"cannot evaluate at {node}")
        return Graph(errors=tuple(FileError(f, 1, 1, "checked") for f in module.files))

    return evaluate_modules


def test_the_failing_file_is_left_out_and_named_with_its_line():
    calls: list[tuple[str, ...]] = []
    module = TerraformModule("m", ("m/a.tf", "m/bad.tf", "m/c.tf"))
    graph = guard.run_modules([module], EvalOptions(), _fake_evaluator(calls))
    assert [(e.path, e.line) for e in graph.errors if e.message == "checked"] == [
        ("m/a.tf", 1),
        ("m/c.tf", 1),
    ]
    (error,) = [e for e in graph.errors if e.message != "checked"]
    assert (error.path, error.line, error.column) == ("m/bad.tf", 7, 3)
    assert error.message.startswith("internal error while evaluating: ValueError")
    assert error.message.endswith("the module's other files were checked without it")
    # the suspect (where it failed) is tried alone first, then the module without it
    assert calls[1] == ("m/bad.tf",) and calls[-1] == ("m/a.tf", "m/c.tf")


def test_without_a_single_culprit_the_module_is_the_error_as_before():
    def always_fails(modules, options):
        raise RuntimeError("broken everywhere")

    module = TerraformModule("m", ("m/a.tf", "m/b.tf"))
    graph = guard.run_modules([module], EvalOptions(), always_fails)
    (error,) = graph.errors
    assert (error.path, error.line) == ("m", None)
    assert "broken everywhere" in error.message


def test_a_time_budget_stop_names_the_file_and_line(tmp_path):
    module = tmp_path / "m"
    module.mkdir()
    (module / "good.tf").write_text('resource "aws_kms_key" "good" {\n}\n', encoding="utf-8")
    cube = '[for i in range(1024) : [for j in range(1024) : [for k in range(8) : "${i}${j}"]]]'
    (module / "slow.tf").write_text(
        f"locals {{\n  big = {cube}\n}}\n"
        'resource "aws_kms_key" "bad" {\n'
        "  deletion_window_in_days = length(flatten(local.big))\n}\n",
        encoding="utf-8",
    )
    # a short cooperative budget, as a slow machine would meet a big input
    options = EvalOptions(scan_root=str(tmp_path), time_budget=1.0)
    graph = build_graph([str(module)], options=options)
    (error,) = [e for e in graph.errors if "time budget" in e.message]
    assert error.path.endswith("slow.tf") and error.line == 2  # was m:1:1
    assert "aws_kms_key.good" in {r.address for r in graph.resources}
