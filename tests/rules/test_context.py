"""The rule context (``iacguard.rules.context``): how a verdict becomes a Finding."""

from __future__ import annotations

from rule_builders import graph, res, run

from iacguard.core.certainty import Certainty
from iacguard.core.values import Alternative, Depends


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
