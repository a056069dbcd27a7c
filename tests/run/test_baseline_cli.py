"""``iacguard baseline`` then ``iacguard check --baseline`` with the real rules, Terraform and
CloudFormation side by side."""

from __future__ import annotations

import json

from iacguard.cli import main

TERRAFORM = """\
resource "aws_backup_vault" "open" {
  name = "open"
}
"""

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Open:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: open
"""


def test_baseline_then_check(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(TERRAFORM)
    (tmp_path / "stack.yaml").write_text(TEMPLATE)

    assert main(["baseline", ".", "--output", "iacguard-baseline.json"]) == 0
    entries = json.loads((tmp_path / "iacguard-baseline.json").read_text())["entries"]
    assert [(e["rule_id"], e["address"], e["path"]) for e in entries] == [
        ("BKP001", "Open", "stack.yaml"),
        ("BKP001", "aws_backup_vault.open", "tf/main.tf"),
    ]
    capsys.readouterr()

    # nothing new: exit 0, even after the code moved down
    (tmp_path / "tf" / "main.tf").write_text("# header\n\n" + TERRAFORM)
    (tmp_path / "stack.yaml").write_text(TEMPLATE.replace("Resources:", "# moved\nResources:"))
    assert main(["check", ".", "--baseline", "iacguard-baseline.json", "-q"]) == 0

    # a new vault in each language is reported; a removed one is "fixed"
    (tmp_path / "tf" / "main.tf").write_text(TERRAFORM.replace('"open"', '"other"'))
    (tmp_path / "stack.yaml").write_text(
        TEMPLATE + "  Second:\n    Type: AWS::Backup::BackupVault\n"
    )
    capsys.readouterr()
    code = main(["check", ".", "--baseline", "iacguard-baseline.json", "--output-format", "json"])
    assert code == 1
    document = json.loads(capsys.readouterr().out)
    assert sorted(f["resource"]["address"] for f in document["findings"]) == [
        "Second",
        "aws_backup_vault.other",
    ]
    assert document["summary"]["baseline_fixed"] == 1
    # a broken baseline is a usage error (exit 2)
    (tmp_path / "bad.json").write_text("{")
    assert main(["check", ".", "--baseline", "bad.json"]) == 2
