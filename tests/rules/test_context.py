"""The rule context (``iacguard.rules.context``): how a verdict becomes a Finding."""

from __future__ import annotations

from rule_builders import graph, res, run

from iacguard.core.certainty import Certainty
from iacguard.core.values import Alternative, Depends, Known


def test_definite_findings_carry_no_inputs():
    # BKP001 on purpose: every rule's findings go through RuleContext.finding, and this
    # rule's predicate (is the key null?) is the simplest to decide in every world
    vault = res(
        "aws_backup_vault.v",
        "aws_backup_vault",
        {
            "kms_key_arn": Depends(
                None, frozenset({"var.x"}), (Alternative((("var.x", True),), None),), True
            )
        },
    )
    (f,) = run(graph(vault), "BKP001")
    assert (f.certainty, f.inputs) == (Certainty.DEFINITE, ())


def _gated(exists):
    return res("aws_backup_vault.v", "aws_backup_vault", {}, exists=exists)


def test_a_gated_finding_says_when_the_resource_exists_and_lists_the_gate():
    created = Depends(
        False, frozenset({"var.create"}), (Alternative((("var.create", True),), True),), True
    )
    (f,) = run(graph(_gated(created)), "BKP001")
    assert (f.certainty, f.inputs, f.exists_when) == (
        Certainty.DEFINITE,
        ("var.create",),
        "var.create = true",
    )
    assert f.to_json()["exists_when"] == "var.create = true"
    assert " when created (var.create = true): " in f.message


def test_existence_on_by_default_names_the_input_that_removes_it():
    removable = Depends(
        True, frozenset({"var.on"}), (Alternative((("var.on", False),), False),), True
    )
    (f,) = run(graph(_gated(removable)), "BKP001")
    assert f.exists_when == "var.on = true"


def test_an_ungated_finding_has_no_existence_condition():
    (f,) = run(graph(_gated(Known(True))), "BKP001")
    assert (f.exists_when, f.to_json()["exists_when"]) == (None, None)
    assert "when created" not in f.message


def test_a_resource_that_exists_in_no_world_gives_no_finding():
    never = Depends(False, frozenset({"var.x"}), (Alternative((("var.x", True),), 0),), True)
    assert run(graph(_gated(never)), "BKP001") == []
    assert run(graph(_gated(Known(False))), "BKP001") == []
