"""Hand-built findings over small real files, so every reporter is tested without the rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.api import RuleInfo, assemble
from iacguard.core.certainty import Certainty
from iacguard.core.findings import Finding, Severity
from iacguard.core.located import FileError, Located
from iacguard.core.spans import Span

VAULTS_TF = """\
variable "use_cmk" {
  default = false
}

# the vault the nightly plan writes to
resource "aws_backup_vault" "open" {
  name = "open"
}
"""

KEYS_TF = """\
resource "aws_kms_key" "k" {
  description         = "backups"
  enable_key_rotation = false
}
"""

TEMPLATE_YAML = """\
Resources:
  Vault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: v
      EncryptionKeyArn: alias/backup
"""


def make_findings() -> list[Finding]:
    bkp001 = Finding(
        rule_id="BKP001",
        rule_name="backup-vault-without-cmk",
        severity=Severity.HIGH,
        certainty=Certainty.DEFAULT,
        message="Backup vault aws_backup_vault.open has no customer-managed KMS key.",
        address="aws_backup_vault.open",
        resource_type="aws_backup_vault",
        root="infra",
        location=Span("infra/vaults.tf", 6, 1, 6, 37),
        evidence=(
            Located(Span("infra/plans.tf", 3, 5, 3, 40), "plan rule `to-open` targets it"),
            Located(Span("infra/vaults.tf", 6, 1, 6, 37), "no kms_key_arn"),
            Located(None, "AWS Backup then uses aws/backup"),
        ),
        inputs=("var.use_cmk",),
        fix="Set kms_key_arn = aws_kms_key.backup.arn",
        properties={"attribute": "kms_key_arn", "vault": "open"},
        attribute="kms_key_arn",
    )
    kms001 = Finding(
        rule_id="KMS001",
        rule_name="kms-key-rotation-disabled",
        severity=Severity.MEDIUM,
        certainty=Certainty.DEFINITE,
        message="KMS key aws_kms_key.k has automatic rotation disabled.",
        address="aws_kms_key.k",
        resource_type="aws_kms_key",
        root="infra",
        location=Span("infra/keys.tf", 3, 3, 3, 30),
        fix="Set enable_key_rotation = true",
        properties={"attribute": "enable_key_rotation"},
        attribute="enable_key_rotation",
    )
    bkp003 = Finding(
        rule_id="BKP003",
        rule_name="backup-vault-key-is-alias",
        severity=Severity.MEDIUM,
        certainty=Certainty.DEFINITE,
        message="Vault's EncryptionKeyArn is an alias: use the key ARN.",
        address="Vault",
        resource_type="AWS::Backup::BackupVault",
        root="cfn/template.yaml",
        location=Span("cfn/template.yaml", 6, 7, 6, 37),
        suppressed=True,
        suppression_reason="alias resolved by a macro",
        properties={"attribute": "EncryptionKeyArn"},
        attribute="EncryptionKeyArn",
    )
    kms002 = Finding(
        rule_id="KMS002",
        rule_name="kms-key-short-deletion-window",
        severity=Severity.LOW,
        certainty=Certainty.POSSIBLE,
        message="KMS key aws_kms_key.k may have a short deletion window.",
        address="aws_kms_key.k",
        resource_type="aws_kms_key",
        root="infra",
        location=Span("infra/keys.tf", 1, 1, 1, 29),
    )
    return [kms001, bkp003, bkp001, kms002]


#: the rules of the hand-built run, typed out on purpose: reporters print what the report
#: holds (five rules, KMS002 at an overridden severity), not what the registry has today
RULES = (
    RuleInfo("BKP001", "backup-vault-without-cmk", Severity.HIGH),
    RuleInfo("BKP002", "backup-plan-targets-vault-without-cmk", Severity.HIGH),
    RuleInfo("BKP003", "backup-vault-key-is-alias", Severity.MEDIUM),
    RuleInfo("KMS001", "kms-key-rotation-disabled", Severity.MEDIUM),
    RuleInfo("KMS002", "kms-key-short-deletion-window", Severity.LOW),
)

ERRORS = (FileError("infra/broken.tf", 4, 7, "unexpected token '}'"),)
NOTES = (Located(Span("infra/vaults.tf", 2, 3, 2, 18), "var.region has no default"),)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "infra").mkdir()
    (tmp_path / "cfn").mkdir()
    (tmp_path / "infra" / "vaults.tf").write_text(VAULTS_TF)
    (tmp_path / "infra" / "keys.tf").write_text(KEYS_TF)
    (tmp_path / "infra" / "plans.tf").write_text("# plans\n")
    (tmp_path / "cfn" / "template.yaml").write_text(TEMPLATE_YAML)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def report(workdir: Path):
    return assemble(
        make_findings(),
        errors=ERRORS,
        notes=NOTES,
        rules=RULES,
        files=4,
        resources=3,
        base=str(workdir),
    )


@pytest.fixture
def empty_report(workdir: Path):
    return assemble([], rules=RULES, files=2, resources=1, base=str(workdir))
