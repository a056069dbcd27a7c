"""The pre-commit hook, end to end: ``pre-commit try-repo <this repo> iacguard`` on a
temporary git repository, as a consumer's commit would run it.

pre-commit builds the hook's environment from this repository (its committed files plus
uncommitted changes to them) and installs iacguard's dependencies from PyPI, so each test
takes about half a minute. Deselect with ``-m "not precommit"``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.precommit,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]

VAULT_TF = """\
resource "aws_kms_key" "backup" {
  description         = "backup key"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "Account"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::111122223333:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "AWSBackup"
        Effect    = "Allow"
        Principal = { Service = "backup.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
      },
    ]
  })
}

resource "aws_backup_vault" "main" {
  name        = "main"
  kms_key_arn = var.use_cmk ? aws_kms_key.backup.arn : null
}
"""

VARIABLES_TF = """\
variable "use_cmk" {
  type    = bool
  default = %s
}
"""

LEGACY_TF = """\
resource "aws_kms_key" "legacy" {
  description = "rotation off, but this file is not part of the commit"
}
"""

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  # iacguard: ignore[KMS001] -- rotated by the HSM team (SEC-42)
  BackupKey:
    Type: AWS::KMS::Key
    Properties:
      Description: backup key
  Vault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: main
"""


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=iacguard tests", "-c", "user.email=tests@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def make_repo(root: Path, files: dict[str, str]) -> None:
    root.mkdir()
    git(root, "init", "-q")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "initial")


def try_repo(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "PRE_COMMIT_COLOR": "never",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "iacguard", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def finding_lines(output: str) -> list[str]:
    """The concise finding lines (``path:line:col: ID [certainty] message``)."""
    return [
        line for line in output.splitlines() if ": " in line and " [" in line and line[:1] != "-"
    ]


def test_changed_tf_file_fails_for_a_violation_elsewhere_in_its_module(tmp_path):
    """The commit changes only variables.tf (the default that turns the key off); the vault
    that becomes a finding is in vault.tf. Files outside the commit are not reported."""
    work = tmp_path / "consumer"
    make_repo(
        work,
        {
            "infra/vault.tf": VAULT_TF,
            "infra/variables.tf": VARIABLES_TF % "true",
            "legacy/main.tf": LEGACY_TF,
        },
    )
    (work / "infra" / "variables.tf").write_text(VARIABLES_TF % "false")
    git(work, "add", "infra/variables.tf")

    done = try_repo(work, tmp_path / "home", "--files", "infra/variables.tf")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "- hook id: iacguard" in done.stdout and "Failed" in done.stdout, output
    lines = finding_lines(done.stdout)
    assert len(lines) == 1, output
    assert lines[0].startswith("infra/vault.tf:27:3: BKP001 [default] Backup vault "), output
    assert "aws_backup_vault.main" in lines[0]
    assert "legacy/" not in done.stdout

    # the same change reverted: the module is fine again and the hook passes
    (work / "infra" / "variables.tf").write_text(VARIABLES_TF % "true")
    git(work, "add", "infra/variables.tf")
    done = try_repo(work, tmp_path / "home", "--files", "infra/variables.tf")
    assert done.returncode == 0, done.stdout + done.stderr
    assert finding_lines(done.stdout) == []


def test_cloudformation_template_fails_and_other_yaml_json_is_ignored(tmp_path):
    work = tmp_path / "consumer"
    make_repo(
        work,
        {
            "stacks/backup.yaml": TEMPLATE,
            ".github/workflows/ci.yml": "on: push\njobs: {}\n",
            "package.json": '{"name": "app", "version": "1.0.0"}\n',
        },
    )
    done = try_repo(work, tmp_path / "home", "--all-files")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    lines = finding_lines(done.stdout)
    # KMS001 on BackupKey is suppressed with a reason; the vault has no key at all
    assert [line.split(" ")[0:3] for line in lines] == [
        ["stacks/backup.yaml:8:3:", "BKP001", "[definite]"]
    ], output
    assert "ci.yml" not in done.stdout and "package.json" not in done.stdout
