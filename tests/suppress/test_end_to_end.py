"""Suppressions through the whole pipeline (``api.check`` and the CLI) with the real rules."""

from __future__ import annotations

import json
from datetime import date

import pytest

from iacguard.api import check
from iacguard.cli import main
from iacguard.config.load import load_config

TERRAFORM = """\
# iacguard: ignore[KMS001] until=2027-01-31 -- rotated by the HSM team (SEC-42)
resource "aws_kms_key" "hsm" {
  description = "hsm"
}

resource "aws_kms_key" "plain" {
  description = "plain"
}

resource "aws_backup_vault" "open" { # iacguard: ignore[BKP001]
  name = "open"
}

resource "aws_kms_key" "fine" {
  description         = "fine"
  enable_key_rotation = true # iacguard: ignore[KMS001] -- stale
}
"""

CLOUDFORMATION = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  # iacguard: ignore[KMS001] until=2027-01-31 -- rotated by the HSM team (SEC-42)
  Hsm:
    Type: AWS::KMS::Key
    Properties:
      Description: hsm
  Plain:
    Type: AWS::KMS::Key
    Properties:
      Description: plain
  Open:  # iacguard: ignore[BKP001]
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: open
  Fine:
    Type: AWS::KMS::Key
    Properties:
      Description: fine
      EnableKeyRotation: true  # iacguard: ignore[KMS001] -- stale
"""

CASES = {
    "terraform": ("main.tf", TERRAFORM, ("aws_kms_key.hsm", "aws_kms_key.plain")),
    "cloudformation": ("keys.yaml", CLOUDFORMATION, ("Hsm", "Plain")),
}


def rows(report):
    return sorted(
        (f.rule_id, f.address, f.suppressed, f.suppression_reason or "") for f in report.findings
    )


def setup(tmp_path, monkeypatch, language):
    name, text, names = CASES[language]
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(text)
    return names


@pytest.mark.parametrize("language", sorted(CASES))
def test_check_marks_suppressed_and_reports_meta_findings(tmp_path, monkeypatch, language):
    hsm, plain = setup(tmp_path, monkeypatch, language)
    vault = "aws_backup_vault.open" if language == "terraform" else "Open"
    fine = "aws_kms_key.fine" if language == "terraform" else "Fine"
    report = check(["."], load_config(["."]), today=date(2027, 1, 1))
    assert rows(report) == sorted(
        [
            ("BKP001", vault, False, ""),
            ("KMS001", hsm, True, "rotated by the HSM team (SEC-42)"),
            ("KMS001", plain, False, ""),
            ("SUP001", vault, False, ""),
            ("SUP002", fine, False, ""),
        ]
    )
    assert report.summary.suppressed == 1
    # after the date the suppression has expired: the finding is live, SUP003 says why
    report = check(["."], load_config(["."]), today=date(2027, 2, 1))
    assert ("KMS001", hsm, False, "") in rows(report)
    assert [f.address for f in report.findings if f.rule_id == "SUP003"] == [hsm]


@pytest.mark.parametrize("language", sorted(CASES))
def test_ignore_suppressions_and_selecting_meta_rules(tmp_path, monkeypatch, language):
    hsm, _ = setup(tmp_path, monkeypatch, language)
    audit = check(["."], load_config(["."]), today=date(2027, 1, 1), ignore_suppressions=True)
    assert not any(f.suppressed for f in audit.findings)
    assert not any(f.rule_id.startswith("SUP") for f in audit.findings)
    assert ("KMS001", hsm, False, "") in rows(audit)
    quiet = check(["."], load_config(["."], overrides={"ignore": ["SUP"]}), today=date(2027, 1, 1))
    assert not any(f.rule_id.startswith("SUP") for f in quiet.findings)
    # a suppression of a rule that did not run is not "unused"
    only_bkp = check(
        ["."], load_config(["."], overrides={"select": ["BKP", "SUP"]}), today=date(2027, 1, 1)
    )
    assert sorted(f.rule_id for f in only_bkp.findings) == ["BKP001", "SUP001"]


@pytest.mark.parametrize("language", sorted(CASES))
def test_json_output_carries_the_reason(tmp_path, monkeypatch, capsys, language):
    name, text, (hsm, _) = CASES[language]
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(text.replace(" until=2027-01-31", ""))  # never expires
    code = main(["check", ".", "--output-format", "json", "--select", "KMS001"])
    assert code == 1
    document = json.loads(capsys.readouterr().out)
    entry = {f["resource"]["address"]: f for f in document["findings"]}[hsm]
    assert (entry["suppressed"], entry["suppression_reason"]) == (
        True,
        "rotated by the HSM team (SEC-42)",
    )
    main(["check", ".", "--output-format", "json", "--ignore-suppressions"])
    document = json.loads(capsys.readouterr().out)
    assert [f["suppressed"] for f in document["findings"] if f["rule_id"] == "KMS001"] == [
        False,
        False,
    ]


PEERS_TERRAFORM = """\
#checkov:skip=CKV_AWS_7
resource "aws_kms_key" "checkov_bare" {
  description = "checkov skip without a reason: checkov honours it"
}

#trivy:ignore:AVD-AWS-0065
resource "aws_kms_key" "trivy" {
  description = "trivy's id for key rotation"
}

resource "aws_kms_key" "tfsec" {
  description = "tfsec's id, inline" #tfsec:ignore:aws-kms-auto-rotate-keys
}

#tfsec:ignore:aws-kms-auto-rotate-keys:exp:2020-01-31
resource "aws_kms_key" "expired" {
  description = "the tfsec ignore ran out"
}

#trivy:ignore:AVD-AWS-0057
resource "aws_kms_key" "not_ours" {
  description = "a trivy id with no iacguard rule: trivy's business"
}
"""


def test_peer_skips_apply_as_their_tools_read_them(tmp_path):
    """Migrating from checkov, trivy or tfsec keeps their skips working: a checkov skip with
    no reason applies (as in checkov) and only the missing reason is SUP001; trivy and tfsec
    ignores name their own ids (mapped through the catalog's aliases) and expire on ``:exp:``."""
    (tmp_path / "main.tf").write_text(PEERS_TERRAFORM, encoding="utf-8")
    report = check([str(tmp_path)], load_config([str(tmp_path)]), today=date(2026, 12, 1))
    kms001 = {f.address: f for f in report.findings if f.rule_id == "KMS001"}
    assert {a: f.suppressed for a, f in kms001.items()} == {
        "aws_kms_key.checkov_bare": True,
        "aws_kms_key.trivy": True,
        "aws_kms_key.tfsec": True,
        "aws_kms_key.expired": False,
        "aws_kms_key.not_ours": False,
    }
    assert kms001["aws_kms_key.checkov_bare"].suppression_reason == "checkov skip without a reason"
    meta = sorted(
        (f.rule_id, f.location.start_line) for f in report.findings if f.rule_id[:3] == "SUP"
    )
    assert meta == [("SUP001", 1), ("SUP003", 15)]
    sup001 = next(f for f in report.findings if f.rule_id == "SUP001")
    assert "it applies, as in checkov" in sup001.message
    assert "checkov:skip=ID:reason" in sup001.message


def test_rule_command_knows_the_peer_ids(capsys):
    for alias in ("CKV_AWS_7", "AVD-AWS-0065", "aws-kms-auto-rotate-keys"):
        assert main(["rule", alias]) == 0
        assert capsys.readouterr().out.startswith("KMS001 kms-key-rotation-disabled\n")
