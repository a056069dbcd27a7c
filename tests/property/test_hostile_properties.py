"""Property-based: mutated fixtures and random HCL/YAML never crash, never hang.

Each example is written to a temporary directory and run through the real pipeline without
the guard (discover -> evaluators -> all rules -> JSON rendering), so an exception escaping an
evaluator fails the test with its traceback; a hard time limit turns a hang into a failure.
Kept short for the default run (a few hundred examples in all); scripts/fuzz.py is the long run.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pytest
from fuzz_inputs import (
    file_name,
    hcl_expr,
    mutate,
    random_cfn_template,
    random_hcl_module,
    seed_inputs,
)
from hostile_pipeline import run_direct
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iacguard.core.records import replace
from iacguard.evaluate.options import EvalOptions
from iacguard.run.guard import BudgetExceeded, time_limit

REPO = Path(__file__).resolve().parents[2]
SEEDS = seed_inputs(REPO)
#: the evaluators' own budget, and the hard limit past which an example counts as a hang
BUDGET = 5.0
HARD = 15.0

FAST = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _run(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / name).write_bytes(data)
        options = EvalOptions(scan_root=str(root), time_budget=BUDGET)
        try:
            with time_limit(HARD):
                graph, _ = run_direct([str(root)], options)
        except BudgetExceeded:
            pytest.fail(f"hang: {name} ran past {HARD} s; input: {data[:2000]!r}")
    # the guard would have turned an exception into this: none may exist on this path
    assert not [e for e in graph.errors if "internal error" in e.message]


def test_there_are_seeds_of_every_kind() -> None:
    kinds = {s for s, _ in SEEDS}
    assert {".tf", ".yaml"} <= kinds
    assert len(SEEDS) >= 4


@FAST
@given(st.sampled_from(range(len(SEEDS))), st.randoms(use_true_random=False))
def test_mutated_inputs_never_crash_or_hang(index: int, rnd: random.Random) -> None:
    suffix, data = SEEDS[index]
    mutated = mutate(rnd, data, (d for _, d in SEEDS))
    _run(file_name(suffix), mutated)


@FAST
@given(st.randoms(use_true_random=False))
def test_random_hcl_never_crashes_or_hangs(rnd: random.Random) -> None:
    _run("main.tf", random_hcl_module(rnd))


@FAST
@given(st.randoms(use_true_random=False))
def test_random_cloudformation_never_crashes_or_hangs(rnd: random.Random) -> None:
    suffix, data = random_cfn_template(rnd)
    _run(file_name(suffix), data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False), st.integers(min_value=0, max_value=3))
def test_random_expressions_inside_a_variable_default_and_tfvars(
    rnd: random.Random, n: int
) -> None:
    """Random expressions where inputs come from: variable defaults and terraform.tfvars."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "main.tf").write_text(
            'variable "x" {\n  default = ' + hcl_expr(rnd, n) + "\n}\n"
            'resource "aws_backup_vault" "v" {\n  name = "v"\n  kms_key_arn = var.x\n}\n'
        )
        (root / "terraform.tfvars").write_text("x = " + hcl_expr(rnd, n) + "\n")
        options = replace(EvalOptions(scan_root=str(root)), time_budget=BUDGET)
        with time_limit(HARD):
            graph, _ = run_direct([str(root)], options)
    assert not [e for e in graph.errors if "internal error" in e.message]
