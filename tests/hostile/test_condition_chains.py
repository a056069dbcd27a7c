"""Thousands of CloudFormation Conditions naming each other, in a chain or a ring, cost only
those conditions (a located note, the condition Unknown), never the template: it used to be a
RecursionError that lost every finding of the file."""

from __future__ import annotations

import pytest

from iacguard.api import check
from iacguard.config.load import load_config
from iacguard.evaluate.cloudformation.intrinsics import MAX_CONDITION_CHAIN

HEAD = (
    "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  P:\n    Type: String\n    Default: a\n"
)


def _template(conditions: list[str], gate: str) -> str:
    return (
        HEAD
        + "Conditions:\n"
        + "".join(f"  {c}\n" for c in conditions)
        + "Resources:\n"
        + f"  Gated:\n    Type: AWS::Backup::BackupVault\n    Condition: {gate}\n"
        + "    Properties:\n      BackupVaultName: gated\n"
        + "  Plain:\n    Type: AWS::KMS::Key\n    Properties:\n      Description: plain\n"
    )


@pytest.mark.parametrize("shape", ["chain", "ring"])
def test_long_condition_chains_are_located_notes(tmp_path, shape):
    n = 5000
    if shape == "chain":
        conditions = ["C0: !Equals [!Ref P, a]"] + [
            f"C{i}: !Condition C{i - 1}" for i in range(1, n)
        ]
        gate = f"C{n - 1}"
    else:
        conditions = [f"C{i}: !Condition C{(i + 1) % n}" for i in range(n)]
        gate = "C0"
    (tmp_path / "t.yaml").write_text(_template(conditions, gate), encoding="utf-8")
    report = check([str(tmp_path)], load_config([str(tmp_path)]))
    assert report.errors == ()
    # the neighbour resource's finding is kept; the gated vault is still judged (possible)
    assert {f.address for f in report.findings} >= {"Plain"}
    notes = [n for n in report.notes if "a chain of more than" in n.message]
    assert notes and notes[0].span is not None and notes[0].span.start_line > 6
    assert f"more than {MAX_CONDITION_CHAIN} conditions" in notes[0].message


def test_a_short_chain_is_still_decided(tmp_path):
    conditions = ["C0: !Equals [!Ref P, a]"] + [f"C{i}: !Condition C{i - 1}" for i in range(1, 50)]
    (tmp_path / "t.yaml").write_text(_template(conditions, "C49"), encoding="utf-8")
    report = check([str(tmp_path)], load_config([str(tmp_path)]))
    gated = [f for f in report.findings if f.address == "Gated"]
    # decided through the 50 conditions back to Parameter P (whose default creates the vault):
    # the vault has no key wherever it exists, and P gates its existence (reported, not folded)
    assert gated and gated[0].certainty.label == "definite" and gated[0].inputs == ("P",)
    assert gated[0].exists_when == "with the Default of Parameter P"
    assert not [n for n in report.notes if "a chain of more than" in n.message]
