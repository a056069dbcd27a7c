"""Changed files since a git ref (``--diff-base``) and the focus test, on real repositories."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from iacguard.api import check
from iacguard.core.certainty import Certainty
from iacguard.core.findings import Finding, Severity
from iacguard.core.located import Located
from iacguard.core.spans import Span
from iacguard.run.changes import ChangesError, changed_files, focus_set, in_focus

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root / "infra" / "vault.tf", 'resource "aws_backup_vault" "v" {\n  name = "v"\n}\n')
    write(root / "infra" / "variables.tf", 'variable "x" {\n  default = 1\n}\n')
    write(root / "stacks" / "a.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n")
    write(root / "stacks" / "gone.yaml", "x: 1\n")
    write(root / ".gitignore", "*.log\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    return root


def test_committed_staged_unstaged_and_untracked_changes(repo, monkeypatch):
    write(repo / "infra" / "variables.tf", 'variable "x" {\n  default = 2\n}\n')
    git(repo, "commit", "-q", "-am", "committed change")
    write(repo / "stacks" / "a.yaml", "AWSTemplateFormatVersion: '2010-09-09'\n# edit\n")
    git(repo, "add", "stacks/a.yaml")  # staged
    write(repo / "infra" / "vault.tf", 'resource "aws_backup_vault" "v" {\n  name = "w"\n}\n')
    write(repo / "new" / "main.tf", "")  # untracked
    write(repo / "debug.log", "")  # ignored
    git(repo, "rm", "-q", "stacks/gone.yaml")  # deleted: nothing to report
    assert changed_files("main", str(repo)) == {
        "infra/variables.tf",
        "stacks/a.yaml",
        "infra/vault.tf",
        "new/main.tf",
    }
    # relative to a subdirectory; files above it come back absolute
    got = changed_files("main", str(repo / "infra"))
    assert got == {
        "variables.tf",
        "vault.tf",
        (repo / "stacks" / "a.yaml").as_posix(),
        (repo / "new" / "main.tf").as_posix(),
    }


def test_changes_on_the_base_branch_after_forking_are_not_ours(repo):
    git(repo, "checkout", "-q", "main")
    write(repo / "stacks" / "a.yaml", "AWSTemplateFormatVersion: '2010-09-09'\n# main moved\n")
    git(repo, "commit", "-q", "-am", "main moves on")
    git(repo, "checkout", "-q", "feature")
    write(repo / "infra" / "vault.tf", 'resource "aws_backup_vault" "v" {\n  name = "w"\n}\n')
    git(repo, "commit", "-q", "-am", "feature change")
    assert changed_files("main", str(repo)) == {"infra/vault.tf"}


def test_errors_are_clear(repo, tmp_path):
    with pytest.raises(ChangesError) as info:
        changed_files("no-such-branch", str(repo))
    assert str(info.value) == "unknown git ref 'no-such-branch' (fetch it first?)"
    with pytest.raises(ChangesError) as info:
        changed_files("--output=x", str(repo))
    assert str(info.value) == "not a git ref: '--output=x'"
    outside = tmp_path / "plain"
    outside.mkdir()
    with pytest.raises(ChangesError) as info:
        changed_files("main", str(outside))
    assert "not a git repository" in str(info.value)


def make_finding(
    path: str, evidence: tuple[str, ...] = (), inputs: tuple[str, ...] = ()
) -> Finding:
    return Finding(
        inputs=inputs,
        rule_id="BKP001",
        rule_name="backup-vault-without-cmk",
        severity=Severity.HIGH,
        certainty=Certainty.DEFAULT,
        message="m",
        address="aws_backup_vault.v",
        resource_type="aws_backup_vault",
        root="infra",
        location=Span(path, 1, 1, 1, 5),
        evidence=tuple(Located(Span(p, 2, 1, 2, 5), "hop") for p in evidence),
    )


def test_in_focus_by_location_or_evidence():
    focus = focus_set(["./infra/variables.tf", "stacks/../stacks/a.yaml"])
    assert focus == {"infra/variables.tf", "stacks/a.yaml"}
    assert in_focus(make_finding("stacks/a.yaml"), focus)
    assert in_focus(make_finding("infra/vault.tf", ("infra/variables.tf",)), focus)
    assert not in_focus(make_finding("infra/vault.tf", ("infra/other.tf",)), focus)
    assert in_focus(make_finding("./stacks/a.yaml"), focus)


def test_a_changed_tfvars_file_focuses_the_input_dependent_findings_of_its_module():
    focus = focus_set(["infra/terraform.tfvars"])
    assert in_focus(make_finding("infra/vault.tf", inputs=("var.use_cmk",)), focus)
    assert not in_focus(make_finding("infra/vault.tf"), focus)  # decided by no input
    # the finding's root is infra/: only tfvars files of that directory count
    assert not in_focus(make_finding("infra/vault.tf", inputs=("var.x",)), {"x.auto.tfvars"})
    assert in_focus(make_finding("infra/vault.tf", inputs=("var.x",)), {"infra/x.auto.tfvars"})


def test_check_given_only_a_tfvars_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "infra" / "vault.tf", VAULT_TF)
    write(tmp_path / "infra" / "variables.tf", 'variable "use_cmk" {\n  default = true\n}\n')
    write(tmp_path / "infra" / "terraform.tfvars", "use_cmk = false\n")
    report = check(["infra/terraform.tfvars"])
    assert [(f.rule_id, f.address, f.inputs) for f in report.live] == [
        ("BKP001", "aws_backup_vault.main", ("var.use_cmk",))
    ]


VAULT_TF = """\
resource "aws_backup_vault" "main" {
  name        = "main"
  kms_key_arn = var.use_cmk ? "arn:aws:kms:eu-west-1:111122223333:key/abc" : null
}
"""

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Vault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: main
"""


def test_check_with_diff_base_reports_only_changed_files(repo, monkeypatch):
    """Terraform: the finding is in vault.tf, the change (the default) in variables.tf.
    CloudFormation: an unchanged template's finding is not reported."""
    write(repo / "infra" / "vault.tf", VAULT_TF)
    write(repo / "infra" / "variables.tf", 'variable "use_cmk" {\n  default = true\n}\n')
    write(repo / "stacks" / "a.yaml", TEMPLATE)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "infra")
    git(repo, "branch", "-f", "main")
    write(repo / "infra" / "variables.tf", 'variable "use_cmk" {\n  default = false\n}\n')
    monkeypatch.chdir(repo)
    report = check(["."], diff_base="main")
    got = [(f.rule_id, f.address, f.location.path, f.certainty.label) for f in report.live]
    assert got == [("BKP001", "aws_backup_vault.main", "infra/vault.tf", "default")]
    # the full scan sees the template's vault too
    everything = check(["."])
    assert sorted((f.rule_id, f.address) for f in everything.live) == [
        ("BKP001", "Vault"),
        ("BKP001", "aws_backup_vault.main"),
    ]
