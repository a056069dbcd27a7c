"""Findings (``iacguard.core.findings``): their order is total, so ``--jobs`` cannot change it."""

from __future__ import annotations

from iacguard.core.certainty import Certainty
from iacguard.core.findings import Finding, Severity
from iacguard.core.spans import Span


def _at(root: str) -> Finding:
    return Finding(
        rule_id="BKP001",
        rule_name="backup-vault-without-cmk",
        severity=Severity.HIGH,
        certainty=Certainty.DEFINITE,
        message=f"from {root}",
        address="module.m.aws_backup_vault.v",
        resource_type="aws_backup_vault",
        root=root,
        location=Span("modules/vault/main.tf", 3, 3, 3, 20),
    )


def test_findings_of_two_roots_at_one_place_sort_by_root():
    # a module evaluated from two roots gives two findings at one place; the workers of
    # --jobs 2 return them in either order (seen on the corpus: boldlink's examples)
    first, second = _at("examples/complete"), _at("examples/minimum")
    assert sorted([second, first], key=Finding.sort_key) == [first, second]
    assert sorted([first, second], key=Finding.sort_key) == [first, second]
