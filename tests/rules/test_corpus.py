"""The rules over the real-world corpus (../shared/corpus): no crash, and the findings the
corpus is known for. Skipped when the corpus is absent.

Cross-cutting (every rule at once on real inputs), so it is not one of the per-rule files."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.api import build_graph
from iacguard.core.certainty import Certainty
from iacguard.rules.registry import all_rules, run_rules

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")


@pytest.fixture(scope="module")
def findings():
    graph = build_graph([str(CORPUS)])
    return run_rules(graph, all_rules())


def _find(findings, rule_id, tail, address):
    return [
        f
        for f in findings
        if f.rule_id == rule_id and f.location.path.endswith(tail) and f.address == address
    ]


def test_member_account_malformed_via_service(findings):
    (f,) = _find(
        findings,
        "KMS003",
        "aws-backup-automation/CloudFormation/aws-backup-member-account.yaml",
        "rMemberAccountBackupKey",
    )
    assert f.certainty is Certainty.DEFINITE
    assert "backup.amazonaws.com matches nothing" in f.message


def test_kics_vault_without_key(findings):
    (f,) = _find(
        findings,
        "BKP001",
        "backup_vault_encryption_disabled/test/positive1.yaml",
        "myDistribution",
    )
    assert (f.certainty, f.location.start_line) == (Certainty.DEFINITE, 3)


def test_aws_managed_key_from_a_data_source(findings):
    (f,) = _find(
        findings,
        "BKP001",
        "umotif-public__terraform-aws-backup/examples/external-vault/main.tf",
        "aws_backup_vault.external_vault",
    )
    assert "data.aws_kms_key.backup.arn, the AWS-managed key" in f.message


def test_widdix_key_spec_and_rotation_are_judged_together(findings):
    for f in findings:
        if f.rule_id == "KMS001":
            # EnableKeyRotation follows KeySpec: symmetric keys rotate, the others cannot
            assert "widdix" not in f.location.path


def test_every_finding_is_located_and_explained(findings):
    assert findings
    for f in findings:
        assert f.location.start_line >= 1
        assert f.message and f.evidence
        # a definite finding lists only the inputs that gate its resource's existence
        assert f.certainty is not Certainty.DEFINITE or f.inputs == () or f.exists_when
