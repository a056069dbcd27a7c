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
