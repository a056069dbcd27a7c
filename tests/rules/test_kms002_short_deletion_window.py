"""KMS002 kms-key-short-deletion-window on hand-built graphs: windows, out-of-range values,
the vaults a key protects."""

from __future__ import annotations

from rule_builders import good_key, graph, res, run

from iacguard.core.certainty import Certainty
from iacguard.core.values import Ref


def test_kms002_windows_and_vault_mention():
    short = good_key(
        "aws_kms_key.s", attrs={"deletion_window_in_days": 7}, spans={"deletion_window_in_days": 4}
    )
    vault = res(
        "aws_backup_vault.v", "aws_backup_vault", {"kms_key_arn": Ref("aws_kms_key.s", "arn", "m")}
    )
    out_of_range = good_key("aws_kms_key.o", attrs={"deletion_window_in_days": "45"})
    default = good_key("aws_kms_key.d")
    found = run(graph(short, vault, out_of_range, default), "KMS002")
    assert [(f.address, f.certainty) for f in found] == [
        ("aws_kms_key.o", Certainty.DEFINITE),
        ("aws_kms_key.s", Certainty.DEFINITE),
    ]
    by = {f.address: f for f in found}
    assert "outside AWS's 7-30 day range: AWS will reject it" in by["aws_kms_key.o"].message
    assert by["aws_kms_key.s"].message == (
        "KMS key aws_kms_key.s has a short deletion window: deletion_window_in_days is 7 days, "
        "below the 30 days required (min-deletion-window-days). Deleting it loses the recovery "
        "points of backup vault aws_backup_vault.v."
    )
    assert by["aws_kms_key.s"].properties == {
        "deletion_window_days": 7,
        "vaults": ["aws_backup_vault.v"],
    }
    assert run(graph(short), "KMS002", {"min-deletion-window-days": 7}) == []


def test_kms002_possible_window_says_may_and_gives_no_set_it_to_30():
    # issue 10 item 7: "is 30 days ... Set it to 30" read as nonsense for a possible finding
    from iacguard.core.values import Alternative, Depends, Unknown

    anything = Unknown("any value of var.w", None, frozenset({"var.w"}))
    window = Depends(
        30, frozenset({"var.w"}), (Alternative((("var.w", anything),), anything),), False
    )
    key = good_key("aws_kms_key.k", attrs={"deletion_window_in_days": window})
    (f,) = run(graph(key), "KMS002")
    assert f.certainty is Certainty.POSSIBLE
    assert f.message == (
        "KMS key aws_kms_key.k may have a short deletion window for some values of var.w: "
        "deletion_window_in_days is 30 days by default, but other values may be below 30 days."
    )
