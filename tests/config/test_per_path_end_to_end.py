"""per-path overrides through the whole pipeline, on a monorepo with Terraform and
CloudFormation in both a legacy and an app directory."""

from __future__ import annotations

from pathlib import Path

from iacguard.api import check
from iacguard.cli import main
from iacguard.config.load import load_config

PYPROJECT = """\
[tool.iacguard]
select = ["KMS"]

[[tool.iacguard.per-path]]
path = "legacy/**"
ignore = ["KMS001"]

[tool.iacguard.per-path.rules.KMS002]
min-deletion-window-days = 7

[[tool.iacguard.per-path]]
path = "app/cfn/"
min-certainty = "definite"

[tool.iacguard.per-path.severity]
kms-key-short-deletion-window = "critical"
"""

TERRAFORM = """\
resource "aws_kms_key" "k" {
  description             = "k"
  deletion_window_in_days = 10
}
"""

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: k
      PendingWindowInDays: 10
"""


def monorepo(root: Path) -> None:
    (root / "pyproject.toml").write_text(PYPROJECT)
    for part in ("legacy", "app"):
        (root / part / "tf").mkdir(parents=True)
        (root / part / "cfn").mkdir(parents=True)
        (root / part / "tf" / "main.tf").write_text(TERRAFORM)
        (root / part / "cfn" / "keys.yaml").write_text(TEMPLATE)


def test_per_path_overrides_apply_to_terraform_and_cloudformation(tmp_path, monkeypatch):
    monorepo(tmp_path)
    monkeypatch.chdir(tmp_path)
    report = check(["."], load_config(["."]))
    got = [(f.location.path, f.rule_id, f.severity.label) for f in report.live]
    assert got == [
        ("app/cfn/keys.yaml", "KMS001", "medium"),
        ("app/cfn/keys.yaml", "KMS002", "critical"),
        ("app/tf/main.tf", "KMS001", "medium"),
        ("app/tf/main.tf", "KMS002", "medium"),
    ]


def test_per_path_from_a_subdirectory_and_the_command_line(tmp_path, monkeypatch, capsys):
    monorepo(tmp_path)
    monkeypatch.chdir(tmp_path / "legacy")
    # globs stay relative to pyproject.toml's directory, whatever the working directory
    assert main(["check", ".", "--output-format", "concise"]) == 0
    assert capsys.readouterr().out.splitlines() == ["No findings; 2 files checked."]
    # --select KMS001 replaces the file's select, but per-path's ignore of the same id wins
    assert main(["check", ".", "--output-format", "concise", "--select", "KMS001"]) == 0
    capsys.readouterr()
    # outside legacy/ the same selection reports the rotation findings
    monkeypatch.chdir(tmp_path / "app")
    assert main(["check", ".", "--output-format", "concise", "--select", "KMS001"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" ")[:2] for line in lines[:-1]] == [
        ["cfn/keys.yaml:3:3:", "KMS001"],
        ["tf/main.tf:1:1:", "KMS001"],
    ]


FAIL_ON = """\
[tool.iacguard]
select = ["KMS"]
fail-on = "medium"

[[tool.iacguard.per-path]]
path = "legacy/"
fail-on = "critical"
"""


def test_per_path_fail_on_decides_the_exit_code_per_file(tmp_path, monkeypatch, capsys):
    """legacy/ only fails on critical findings: its medium findings are reported but do not
    fail the run; the same findings in app/ do, in Terraform and CloudFormation alike."""
    monorepo(tmp_path)
    (tmp_path / "pyproject.toml").write_text(FAIL_ON)
    monkeypatch.chdir(tmp_path)
    report = check(["."], load_config(["."]))
    assert len(report.live) == 8
    assert sorted((f.location.path, f.rule_id) for f in report.failing) == [
        ("app/cfn/keys.yaml", "KMS001"),
        ("app/cfn/keys.yaml", "KMS002"),
        ("app/tf/main.tf", "KMS001"),
        ("app/tf/main.tf", "KMS002"),
    ]
    assert report.summary.failing == 4
    for lang in ("tf", "cfn"):
        assert main(["check", f"legacy/{lang}", "--output-format", "concise"]) == 0
        out = capsys.readouterr().out
        assert "KMS001" in out
        assert out.splitlines()[-1] == (
            "Found 2 findings (2 definite); 1 file checked; 0 at or above their fail-on threshold "
            "(per-path)."
        )
        assert main(["check", f"app/{lang}", "--output-format", "concise"]) == 1
        capsys.readouterr()
    # --show-config shows the entry
    assert main(["check", "--show-config"]) == 0
    assert 'fail-on = "critical"' in capsys.readouterr().out
