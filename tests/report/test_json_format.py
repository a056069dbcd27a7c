"""json: the documented contract, key set pinned."""

from __future__ import annotations

import json

from iacguard import __version__
from iacguard.report import render

TOP_KEYS = {"version", "tool", "findings", "errors", "notes", "baseline_fixed", "summary"}
FINDING_KEYS = {
    "rule_id",
    "rule_name",
    "severity",
    "certainty",
    "message",
    "resource",
    "location",
    "evidence",
    "inputs",
    "exists_when",
    "fix",
    "fixes",
    "suppressed",
    "suppression_reason",
    "properties",
}
SUMMARY_KEYS = {
    "findings",
    "failing",
    "by_rule",
    "by_severity",
    "by_certainty",
    "files",
    "resources",
    "suppressed",
    "baseline_fixed",
    "errors",
}


def test_json_key_sets_are_stable(report):
    doc = json.loads(render(report, "json"))
    assert set(doc) == TOP_KEYS
    assert doc["version"] == "1"
    assert doc["tool"] == {"name": "iacguard", "version": __version__}
    for f in doc["findings"]:
        assert set(f) == FINDING_KEYS
        assert set(f["resource"]) == {"address", "type", "root"}
        assert set(f["location"]) == {
            "path",
            "start_line",
            "start_column",
            "end_line",
            "end_column",
        }
        for hop in f["evidence"]:
            assert set(hop) == {"path", "line", "message"}
    assert set(doc["summary"]) == SUMMARY_KEYS
    for e in doc["errors"]:
        assert set(e) == {"path", "line", "column", "message"}


def test_json_values(report):
    doc = json.loads(render(report, "json"))
    # sorted by location; the `possible` KMS002 is below the default --min-certainty
    assert [(f["rule_id"], f["suppressed"]) for f in doc["findings"]] == [
        ("BKP003", True),
        ("KMS001", False),
        ("BKP001", False),
    ]
    bkp001 = doc["findings"][2]
    assert bkp001 == {
        "rule_id": "BKP001",
        "rule_name": "backup-vault-without-cmk",
        "severity": "high",
        "certainty": "default",
        "message": "Backup vault aws_backup_vault.open has no customer-managed KMS key.",
        "resource": {
            "address": "aws_backup_vault.open",
            "type": "aws_backup_vault",
            "root": "infra",
        },
        "location": {
            "path": "infra/vaults.tf",
            "start_line": 6,
            "start_column": 1,
            "end_line": 6,
            "end_column": 37,
        },
        "evidence": [
            {"path": "infra/plans.tf", "line": 3, "message": "plan rule `to-open` targets it"},
            {"path": "infra/vaults.tf", "line": 6, "message": "no kms_key_arn"},
            {"path": None, "line": None, "message": "AWS Backup then uses aws/backup"},
        ],
        "inputs": ["var.use_cmk"],
        "exists_when": None,
        "fix": "Set kms_key_arn = aws_kms_key.backup.arn",
        "fixes": [],
        "suppressed": False,
        "suppression_reason": None,
        "properties": {"attribute": "kms_key_arn", "vault": "open"},
    }
    assert doc["findings"][0]["suppression_reason"] == "alias resolved by a macro"
    assert doc["errors"] == [
        {"path": "infra/broken.tf", "line": 4, "column": 7, "message": "unexpected token '}'"}
    ]
    assert doc["notes"] == [
        {"path": "infra/vaults.tf", "line": 2, "message": "var.region has no default"}
    ]
    assert doc["summary"] == {
        "findings": 2,
        "failing": 2,
        "by_rule": {"BKP001": 1, "KMS001": 1},
        "by_severity": {"high": 1, "medium": 1},
        "by_certainty": {"default": 1, "definite": 1},
        "files": 4,
        "resources": 3,
        "suppressed": 1,
        "baseline_fixed": 0,
        "errors": 1,
    }
    assert doc["baseline_fixed"] == []


def test_json_possible_findings_with_min_certainty_possible(report):
    from iacguard.api import assemble
    from iacguard.core.certainty import Certainty

    from_all = [f for f in report.findings]
    # rebuild including the possible one: assemble filters at the threshold given
    from iacguard.core.findings import Finding, Severity
    from iacguard.core.spans import Span

    possible = Finding(
        "KMS002",
        "kms-key-short-deletion-window",
        Severity.LOW,
        Certainty.POSSIBLE,
        "m",
        "aws_kms_key.k",
        "aws_kms_key",
        "infra",
        Span("infra/keys.tf", 1, 1, 1, 29),
    )
    doc = json.loads(
        render(assemble([*from_all, possible], min_certainty=Certainty.POSSIBLE), "json")
    )
    assert [f["rule_id"] for f in doc["findings"]] == ["BKP003", "KMS002", "KMS001", "BKP001"]
    assert doc["summary"]["by_certainty"] == {"default": 1, "definite": 1, "possible": 1}
