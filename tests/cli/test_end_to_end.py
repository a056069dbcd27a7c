"""The real pipeline through the console script: discover, evaluate, rules, suppressions,
baseline, reporters, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from iacguard.rules.registry import BUILTIN

REPO = Path(__file__).resolve().parents[2]

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: false
  OpenVault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: open
"""

MAIN_TF = """\
resource "aws_kms_key" "backup" {
  description         = "backup key"
  enable_key_rotation = false
}

resource "aws_backup_vault" "open" {
  name = "open"
}

resource "aws_backup_vault" "good" {
  name        = "good"
  kms_key_arn = aws_kms_key.backup.arn
}
"""


def _console() -> list[str]:
    script = Path(sys.executable).with_name("iacguard")
    if script.exists():
        return [str(script)]
    found = shutil.which("iacguard")
    return [found] if found else [sys.executable, "-m", "iacguard"]


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run(
        [*_console(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def findings(doc: dict) -> list[tuple]:
    return [
        (
            f["rule_id"],
            f["resource"]["address"],
            f["certainty"],
            f["location"]["path"],
            f["location"]["start_line"],
            f["suppressed"],
        )
        for f in doc["findings"]
    ]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "cfn").mkdir()
    (tmp_path / "cfn" / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(MAIN_TF)
    return tmp_path


def test_json_run_on_terraform_and_cloudformation(project):
    done = run(project, "check", "--select", "BKP001,KMS001", "--output-format", "json", ".")
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    doc = json.loads(done.stdout)
    assert findings(doc) == [
        ("KMS001", "Key", "definite", "cfn/template.yaml", 6, False),
        ("BKP001", "OpenVault", "definite", "cfn/template.yaml", 7, False),
        ("KMS001", "aws_kms_key.backup", "definite", "tf/main.tf", 3, False),
        ("BKP001", "aws_backup_vault.open", "definite", "tf/main.tf", 6, False),
    ]
    assert doc["errors"] == []
    assert doc["summary"]["by_rule"] == {"BKP001": 2, "KMS001": 2}
    assert doc["summary"]["files"] == 2


def test_select_ignore_and_exit_zero(project):
    done = run(project, "check", "--select", "KMS", "--ignore", "KMS001,KMS003", "--quiet", ".")
    assert (done.returncode, done.stdout) == (0, "")
    done = run(project, "check", "--select", "BKP001", "--exit-zero", "--quiet", "cfn")
    assert done.returncode == 0
    assert done.stdout.splitlines() == [
        "cfn/template.yaml:7:3: BKP001 [definite] " + done.stdout.split("[definite] ", 1)[1].strip()
    ]


def test_fail_on_and_min_certainty(project):
    # BKP001 is high, KMS001 medium in the catalog
    done = run(project, "check", "--select", "KMS001", "--fail-on", "high", "--quiet", ".")
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 2  # still reported
    done = run(project, "check", "--select", "BKP001", "--fail-on", "high", "--quiet", ".")
    assert done.returncode == 1


def test_inline_suppression_and_ignore_suppressions(project):
    tf = project / "tf" / "main.tf"
    tf.write_text(
        MAIN_TF.replace(
            'resource "aws_kms_key" "backup" {',
            "# iacguard: ignore[KMS001] -- rotation handled by the key team\n"
            'resource "aws_kms_key" "backup" {',
        )
    )
    done = run(project, "check", "--select", "KMS001", "--output-format", "json", "tf")
    doc = json.loads(done.stdout)
    assert findings(doc) == [("KMS001", "aws_kms_key.backup", "definite", "tf/main.tf", 4, True)]
    assert doc["findings"][0]["suppression_reason"] == "rotation handled by the key team"
    assert done.returncode == 0
    assert doc["summary"]["suppressed"] == 1 and doc["summary"]["findings"] == 0
    done = run(project, "check", "--select", "KMS001", "--ignore-suppressions", "--quiet", "tf")
    assert done.returncode == 1
    assert done.stdout.startswith("tf/main.tf:4:")


def test_baseline_round_trip(project):
    done = run(project, "baseline", "--select", "BKP001,KMS001", "--output", "base.json", ".")
    assert done.returncode == 0, done.stderr
    assert done.stderr == "iacguard: wrote 4 findings to base.json\n"
    done = run(project, "check", "--select", "BKP001,KMS001", "--baseline", "base.json", ".")
    assert (done.returncode, done.stdout) == (0, "No findings in 2 files.\n")
    # fixing one finding leaves a fixed baseline entry
    (project / "cfn" / "template.yaml").write_text(
        TEMPLATE.replace("EnableKeyRotation: false", "EnableKeyRotation: true")
    )
    done = run(
        project,
        "check",
        "--select",
        "BKP001,KMS001",
        "--baseline",
        "base.json",
        "--output-format",
        "json",
        ".",
    )
    doc = json.loads(done.stdout)
    assert done.returncode == 0
    assert doc["summary"]["baseline_fixed"] == 1
    assert [(e["rule_id"], e["address"]) for e in doc["baseline_fixed"]] == [("KMS001", "Key")]


def test_bad_baseline_exits_2(project):
    (project / "base.json").write_text("{not json")
    done = run(project, "check", "--baseline", "base.json", ".")
    assert done.returncode == 2
    assert done.stderr.startswith("iacguard: error: ") and done.stderr.count("\n") == 1


def test_named_file_limits_findings_to_it(project):
    (project / "tf" / "keys.tf").write_text(MAIN_TF.split("\n\n")[0] + "\n")
    (project / "tf" / "main.tf").write_text("\n\n".join(MAIN_TF.split("\n\n")[1:]))
    done = run(project, "check", "--select", "BKP001,KMS001", "--quiet", "tf/keys.tf")
    assert done.returncode == 1
    assert [line.split(" ")[:2] for line in done.stdout.splitlines()] == [
        ["tf/keys.tf:3:3:", "KMS001"]
    ]
    # a directory named beside the file keeps all of its own findings
    done = run(project, "check", "--select", "BKP001,KMS001", "--quiet", "tf/keys.tf", "cfn")
    assert [line.split(" ")[:2] for line in done.stdout.splitlines()] == [
        ["cfn/template.yaml:6:7:", "KMS001"],
        ["cfn/template.yaml:7:3:", "BKP001"],
        ["tf/keys.tf:3:3:", "KMS001"],
    ]


def test_file_error_is_listed_and_fails(project):
    (project / "cfn" / "broken.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources: [unclosed\n'
    )
    done = run(project, "check", "--select", "BKP001", "--quiet", "cfn")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any(line.startswith("cfn/broken.yaml:") and ": error: " in line for line in lines)
    assert any(line.startswith("cfn/template.yaml:7:3: BKP001") for line in lines)


def test_sarif_report_file_from_a_real_run(project):
    done = run(
        project, "check", "--select", "BKP001,KMS001", "--quiet", "--report", "sarif=out.sarif", "."
    )
    assert done.returncode == 1
    run_ = json.loads((project / "out.sarif").read_text())["runs"][0]
    assert [r["ruleId"] for r in run_["results"]] == ["KMS001", "BKP001", "KMS001", "BKP001"]
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    assert set(rules) == {"BKP001", "KMS001"}
    assert rules["BKP001"]["help"]["markdown"].startswith("## BKP001 backup-vault-without-cmk")


def test_rule_and_rules_commands(project):
    done = run(project, "rules", "--output-format", "json")
    assert done.returncode == 0
    listed = json.loads(done.stdout)
    assert [r["id"] for r in listed][: len(BUILTIN)] == sorted(BUILTIN)
    assert listed[0]["name"] == "backup-vault-without-cmk"
    by_id = run(project, "rule", "BKP001")
    by_name = run(project, "rule", "backup-vault-without-cmk")
    assert by_id.returncode == 0 and by_id.stdout == by_name.stdout
    assert "BKP001" in by_id.stdout and "backup-vault-without-cmk" in by_id.stdout
    text = run(project, "rules")
    assert text.returncode == 0 and "KMS003" in text.stdout
    assert run(project, "rule", "CKV_AWS_7").stdout == run(project, "rule", "KMS001").stdout
    as_json = json.loads(run(project, "rule", "kms001", "--output-format", "json").stdout)
    assert (as_json["id"], as_json["name"]) == ("KMS001", "kms-key-rotation-disabled")
    unknown = run(project, "rule", "XYZ999")
    assert unknown.returncode == 2
    assert unknown.stderr == "iacguard: error: unknown rule 'XYZ999' (see `iacguard rules`)\n"


def test_bundled_fixtures_fail_without_errors():
    fixtures = REPO / "fixtures"
    if not fixtures.is_dir():
        pytest.skip("no fixtures/ in this checkout")
    done = run(REPO, "check", "--output-format", "json", "fixtures")
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    assert doc["summary"]["findings"] > 0
    assert {f["rule_id"][:3] for f in doc["findings"]} >= {"BKP", "KMS"}


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=60,
    )


def test_diff_base_reports_only_changed_files(project):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    _git(project, "init", "-q")
    _git(project, "add", ".")
    _git(project, "commit", "-q", "-m", "start")
    # only the template changes: the Terraform findings are not reported
    (project / "cfn" / "template.yaml").write_text(TEMPLATE + "# touched\n")
    done = run(project, "check", "--select", "BKP001,KMS001", "--diff-base", "HEAD", "--quiet", ".")
    assert done.returncode == 1, done.stderr
    assert [line.split(" ")[:2] for line in done.stdout.splitlines()] == [
        ["cfn/template.yaml:6:7:", "KMS001"],
        ["cfn/template.yaml:7:3:", "BKP001"],
    ]
    _git(project, "commit", "-q", "-am", "touch")
    done = run(project, "check", "--diff-base", "HEAD", ".")
    assert (done.returncode, done.stdout) == (0, "No findings in 2 files.\n")
    done = run(project, "check", "--diff-base", "no-such-ref", ".")
    assert done.returncode == 2
    assert done.stderr.startswith("iacguard: error: --diff-base no-such-ref: ")
    assert done.stderr.count("\n") == 1


KEY_AND_VAULT_TF = """\
resource "aws_kms_key" "k" {
  enable_key_rotation     = false
  deletion_window_in_days = 10
}

resource "aws_backup_vault" "v" {
  name = "v"
}
"""

PER_PATH_TOML = """\
[[per-path]]
path = "legacy/**"
ignore = ["KMS001"]
severity = { BKP001 = "low" }

[per-path.rules.KMS002]
min-deletion-window-days = 7
"""


def test_per_path_overrides(tmp_path):
    for d in ("new", "legacy"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "main.tf").write_text(KEY_AND_VAULT_TF)
    (tmp_path / ".iacguard.toml").write_text(PER_PATH_TOML)
    argv = ["check", "--select", "BKP001,KMS001,KMS002", "--output-format", "json", "."]
    done = run(tmp_path, *argv)
    assert done.returncode == 1, done.stderr
    got = [
        (f["rule_id"], f["location"]["path"], f["severity"])
        for f in json.loads(done.stdout)["findings"]
    ]
    assert got == [
        ("BKP001", "legacy/main.tf", "low"),
        ("KMS001", "new/main.tf", "medium"),
        ("KMS002", "new/main.tf", "medium"),
        ("BKP001", "new/main.tf", "high"),
    ]
    done = run(tmp_path, "check", "--select", "BKP001", "--fail-on", "medium", "--quiet", "legacy")
    assert done.returncode == 0
    assert done.stdout.startswith("legacy/main.tf:6:1: BKP001 [definite]")


def test_unused_suppression_is_a_selectable_meta_finding(project):
    tf = project / "tf" / "main.tf"
    tf.write_text(
        MAIN_TF.replace(
            'resource "aws_backup_vault" "good" {',
            "# iacguard: ignore[BKP001] -- nothing to suppress here\n"
            'resource "aws_backup_vault" "good" {',
        )
    )
    done = run(project, "check", "--select", "BKP001,SUP", "--quiet", "tf")
    assert done.returncode == 1
    rules = [line.split(" ")[1] for line in done.stdout.splitlines()]
    assert rules == ["BKP001", "SUP002"]
    done = run(project, "check", "--select", "BKP001,SUP", "--ignore", "SUP002", "--quiet", "tf")
    assert [line.split(" ")[1] for line in done.stdout.splitlines()] == ["BKP001"]
    done = run(project, "check", "--select", "BKP001", "--quiet", "tf")
    assert [line.split(" ")[1] for line in done.stdout.splitlines()] == ["BKP001"]


VAR_TF = """\
variable "use_cmk" {
  type    = bool
  default = false
}

resource "aws_kms_key" "k" {
  enable_key_rotation = true
}

resource "aws_backup_vault" "v" {
  name        = "v"
  kms_key_arn = var.use_cmk ? aws_kms_key.k.arn : null
}
"""


def test_var_file_changes_the_default_world(tmp_path):
    (tmp_path / "main.tf").write_text(VAR_TF)
    (tmp_path / "prod.tfvars").write_text("use_cmk = true\n")
    done = run(tmp_path, "check", "--select", "BKP001", "--output-format", "json", ".")
    assert done.returncode == 1, done.stderr
    (f,) = json.loads(done.stdout)["findings"]
    assert (f["certainty"], f["inputs"]) == ("default", ["var.use_cmk"])
    done = run(tmp_path, "check", "--select", "BKP001", "--var-file", "prod.tfvars", "--quiet", ".")
    assert (done.returncode, done.stdout) == (0, "")
    assert run(
        tmp_path,
        "check",
        "--min-certainty",
        "possible",
        "--select",
        "BKP001",
        "--var-file",
        "prod.tfvars",
        "--quiet",
        ".",
    ).stdout.startswith("main.tf:12:3: BKP001 [possible]")


def test_config_exclude_skips_files(tmp_path):
    vault = 'resource "aws_backup_vault" "v" {\n  name = "v"\n}\n'
    for d in ("legacy", "new"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "main.tf").write_text(vault)
    (tmp_path / "pyproject.toml").write_text('[tool.iacguard]\nexclude = ["legacy/"]\n')
    done = run(tmp_path, "check", "--select", "BKP001", "--quiet")
    assert done.returncode == 1
    assert [line.split(" ")[:2] for line in done.stdout.splitlines()] == [
        ["new/main.tf:1:1:", "BKP001"]
    ]
    # an excluded file stays excluded when named (pre-commit passes every changed file)
    done = run(tmp_path, "check", "--select", "BKP001", "legacy/main.tf")
    assert (done.returncode, done.stdout) == (0, "No findings in 0 files.\n")


def test_jobs_give_the_same_report(project):
    (project / "tf" / "keys.tf").write_text(
        'resource "aws_kms_key" "other" {\n  deletion_window_in_days = 7\n}\n'
    )
    (project / "cfn" / "second.yaml").write_text(TEMPLATE.replace("open", "second"))
    serial = run(project, "check", "--jobs", "1", "--output-format", "json", "--no-cache", ".")
    parallel = run(project, "check", "--jobs", "2", "--output-format", "json", "--no-cache", ".")
    assert serial.returncode == parallel.returncode == 1, parallel.stderr
    assert json.loads(parallel.stdout) == json.loads(serial.stdout)
    assert len(json.loads(serial.stdout)["findings"]) >= 6
