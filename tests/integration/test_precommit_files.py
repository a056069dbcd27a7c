"""Which staged files reach the pre-commit hook: a real ``pre-commit try-repo`` on a temporary
git repository holding every kind of file iacguard reads, each with one finding.

identify (pre-commit's file classifier) gives ``.template`` no type, so a hook chosen by
``types_or: [terraform, yaml, json]`` never saw CloudFormation ``*.template`` files; the hook
selects by name instead. Takes about half a minute (pre-commit builds the hook's environment).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.precommit,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]

VAULT_YAML = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Vault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: main
"""
VAULT_JSON = """\
{"AWSTemplateFormatVersion": "2010-09-09",
 "Resources": {"Vault": {"Type": "AWS::Backup::BackupVault",
                         "Properties": {"BackupVaultName": "main"}}}}
"""
KEY_VARIABLE_TF = """\
variable "key" {
  type    = string
  default = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
}

resource "aws_backup_vault" "main" {
  name        = "main"
  kms_key_arn = var.key
}
"""
ALIAS = "arn:aws:kms:eu-west-1:111122223333:alias/backup"

#: path -> (content, the file a finding caused by it is reported in)
FILES = {
    "stacks/vault.template": (VAULT_YAML, "stacks/vault.template"),
    "stacks/vault.cfn.yaml": (VAULT_YAML, "stacks/vault.cfn.yaml"),
    "stacks/vault.cfn.json": (VAULT_JSON, "stacks/vault.cfn.json"),
    "stacks/vault.yml": (VAULT_YAML, "stacks/vault.yml"),
    "json/main.tf.json": ('{"resource": {"aws_backup_vault": {"m": {"name": "m"}}}}\n', None),
    "hcl/main.tf": ('resource "aws_backup_vault" "m" {\n  name = "m"\n}\n', None),
    # a tfvars file turns its module's key into an alias: the finding is in main.tf
    "vars/terraform.tfvars": (f'key = "{ALIAS}"\n', "vars/main.tf"),
    "varsjson/terraform.tfvars.json": (f'{{"key": "{ALIAS}"}}\n', "varsjson/main.tf"),
}
UNSTAGED = {"vars/main.tf": KEY_VARIABLE_TF, "varsjson/main.tf": KEY_VARIABLE_TF}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=iacguard tests", "-c", "user.email=tests@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_the_hook_selects_every_file_kind_by_name():
    """The ``files`` pattern, as pre-commit applies it (``re.search`` on the path)."""
    hook = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())[0]
    assert "types_or" not in hook and "types" not in hook  # they would AND with files
    pattern = re.compile(hook["files"])
    wanted = [".tf", ".tf.json", ".tfvars", ".tfvars.json", ".yaml", ".yml", ".json"]
    wanted += [".template", ".cfn.yaml", ".cfn.json"]
    assert [s for s in wanted if not pattern.search(f"dir/x{s}")] == []
    assert [s for s in (".py", ".md", ".tfstate", ".txt") if pattern.search(f"x{s}")] == []


def test_every_staged_file_kind_reaches_the_hook(tmp_path):
    work = tmp_path / "consumer"
    work.mkdir()
    git(work, "init", "-q")
    for name, text in {**{n: t for n, (t, _) in FILES.items()}, **UNSTAGED}.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "initial")

    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "home"),
        "PRE_COMMIT_COLOR": "never",
        "NO_COLOR": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "iacguard"]
        + ["--verbose", "--files", *FILES],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    reported = {m.group(1) for m in re.finditer(r"^(\S+?):\d+:\d+: [A-Z]+\d+ ", done.stdout, re.M)}
    expected = {where or name for name, (_, where) in FILES.items()}
    assert reported == expected, output
