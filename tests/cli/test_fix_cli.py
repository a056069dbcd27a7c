"""``iacguard check --fix / --unsafe-fixes / --diff`` through the console script, as ruff does
it: ``--diff`` prints the diff, changes nothing and exits 1 when there is one; ``--fix``
writes the safe fixes, checks again and reports what remains with "N fixes applied (M unsafe
fixes available with --unsafe-fixes)", exit 1 while findings remain; JSON and SARIF carry the
fixes; the pre-commit hook ``iacguard-fix`` runs ``--fix``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]

MAIN_TF = """\
# the backup key
resource "aws_kms_key" "backup" {
  description             = "backup key" # shown in the console
  enable_key_rotation     = false
  deletion_window_in_days = 7
}

resource "aws_kms_alias" "backup" {
  name          = "alias/backup"
  target_key_id = aws_kms_key.backup.key_id
}

resource "aws_backup_vault" "main" {
  name        = "main"
  kms_key_arn = aws_kms_alias.backup.arn # an alias: AWS Backup refuses it
}
"""


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys, iacguard.cli; sys.exit(iacguard.cli.main(sys.argv[1:]))"
    env = {k: v for k, v in os.environ.items() if not k.startswith("IACGUARD")}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**env, "NO_COLOR": "1"},
        check=False,
    )


@pytest.fixture
def module(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(MAIN_TF)
    return tmp_path


def _rules(doc: dict) -> list[str]:
    return sorted(f["rule_id"] for f in doc["findings"] if not f["suppressed"])


def test_diff_prints_the_fixes_and_changes_nothing(module):
    done = run(module, "check", ".", "--diff")
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("--- a/main.tf\n+++ b/main.tf\n")
    lines = done.stdout.splitlines()
    assert "-  enable_key_rotation     = false" in lines
    assert "+  enable_key_rotation     = true" in lines
    assert "+  deletion_window_in_days = 30" in lines
    assert "target_key_arn" not in done.stdout  # BKP003's fix is unsafe
    assert "would apply 2 fixes (1 unsafe available with --unsafe-fixes)" in done.stderr
    assert (module / "main.tf").read_text() == MAIN_TF
    unsafe = run(module, "check", ".", "--diff", "--unsafe-fixes")
    assert "+  kms_key_arn = aws_kms_alias.backup.target_key_arn # an alias" in unsafe.stdout
    assert (module / "main.tf").read_text() == MAIN_TF


def test_diff_without_fixes_exits_0(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_backup_vault" "v" {\n  name = "v"\n}\n')
    done = run(tmp_path, "check", ".", "--diff")
    assert (done.returncode, done.stdout) == (0, "")


def test_fix_applies_the_safe_fixes_and_reports_what_remains(module):
    done = run(module, "check", ".", "--fix", "--output-format", "concise")
    fixed = (module / "main.tf").read_text()
    assert fixed == MAIN_TF.replace("= false", "= true").replace("= 7\n", "= 30\n")
    assert done.returncode == 1  # BKP003 and KMS003 remain
    lines = done.stdout.splitlines()
    assert "2 fixes applied (1 unsafe fix available with --unsafe-fixes)" in lines
    assert not any("KMS001" in line or "KMS002" in line for line in lines)
    assert any(" BKP003 " in line for line in lines)
    again = run(module, "check", ".", "--fix", "--unsafe-fixes", "--output-format", "json")
    doc = json.loads(again.stdout)  # the summary line goes to stderr with a machine format
    assert "1 fix applied" in again.stderr.splitlines()
    assert _rules(doc) == ["KMS003"]  # a key without a policy: no fix offered
    assert again.returncode == 1
    text = (module / "main.tf").read_text()
    assert "kms_key_arn = aws_kms_alias.backup.target_key_arn # an alias" in text
    assert 'Sid       = "AllowAWSBackup"' not in text  # the key has no inline policy
    for comment in ("# the backup key", "# shown in the console", "# an alias"):
        assert comment in text


def test_unsafe_fixes_alone_is_a_usage_error(module):
    done = run(module, "check", ".", "--unsafe-fixes")
    assert done.returncode == 2
    assert "--unsafe-fixes applies with --fix or --diff" in done.stderr


def test_json_and_sarif_carry_the_fixes(module):
    doc = json.loads(run(module, "check", ".", "--output-format", "json").stdout)
    by_rule = {f["rule_id"]: f for f in doc["findings"]}
    assert by_rule["KMS001"]["fixes"] == [
        {
            "title": "Set enable_key_rotation = true",
            "applicability": "safe",
            "edits": [
                {
                    "location": {
                        "path": "main.tf",
                        "start_line": 4,
                        "start_column": 29,
                        "end_line": 4,
                        "end_column": 34,
                    },
                    "new_text": "true",
                }
            ],
        }
    ]
    assert by_rule["BKP003"]["fixes"][0]["applicability"] == "unsafe"
    assert by_rule["KMS003"]["fixes"] == []
    sarif = json.loads(run(module, "check", ".", "--output-format", "sarif").stdout)
    results = {r["ruleId"]: r for r in sarif["runs"][0]["results"]}
    assert results["KMS001"]["fixes"] == [
        {
            "description": {"text": "Set enable_key_rotation = true"},
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": "main.tf", "uriBaseId": "%SRCROOT%"},
                    "replacements": [
                        {
                            "deletedRegion": {
                                "startLine": 4,
                                "startColumn": 29,
                                "endLine": 4,
                                "endColumn": 34,
                            },
                            "insertedContent": {"text": "true"},
                        }
                    ],
                }
            ],
            "properties": {"applicability": "safe"},
        }
    ]
    assert "fixes" not in results["KMS003"]
    schema = REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
    if schema.is_file():
        jsonschema = pytest.importorskip("jsonschema")
        jsonschema.validate(sarif, json.loads(schema.read_text()))


def test_a_fix_that_cannot_be_written_is_a_located_error(module, monkeypatch, capsys):
    from iacguard.cli import main

    monkeypatch.chdir(module)

    def refused(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refused)
    code = main(["check", ".", "--fix", "--output-format", "concise", "--no-cache"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "iacguard: main.tf: cannot write the fix: Permission denied" in err.splitlines()
    assert "0 fixes applied (1 unsafe fix available with --unsafe-fixes)" in out.splitlines()
    assert (module / "main.tf").read_text() == MAIN_TF
    assert sorted(os.listdir(module)) == ["main.tf"]


def test_a_module_outside_the_scanned_paths_is_never_fixed(tmp_path):
    (tmp_path / "infra").mkdir()
    (tmp_path / "modules" / "kms").mkdir(parents=True)
    (tmp_path / "infra" / "main.tf").write_text('module "kms" {\n  source = "../modules/kms"\n}\n')
    key = 'resource "aws_kms_key" "k" {\n  enable_key_rotation = false\n}\n'
    (tmp_path / "modules" / "kms" / "main.tf").write_text(key)
    doc = json.loads(run(tmp_path, "check", "infra", "--output-format", "json").stdout)
    assert [(f["rule_id"], f["fixes"]) for f in doc["findings"]] == [("KMS001", [])]
    done = run(tmp_path, "check", "infra", "--fix")
    assert (tmp_path / "modules" / "kms" / "main.tf").read_text() == key
    assert done.returncode == 1
    # passed itself, the module is fixed
    run(tmp_path, "check", "modules/kms", "--fix")
    assert "enable_key_rotation = true" in (tmp_path / "modules" / "kms" / "main.tf").read_text()


def test_the_pre_commit_fix_hook_runs_fix():
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    fix = hooks["iacguard-fix"]
    assert fix["entry"].split()[:2] == ["iacguard", "check"]
    assert "--fix" in fix["entry"].split() + fix.get("args", [])
    assert {
        k: v for k, v in fix.items() if k not in ("id", "name", "description", "entry", "args")
    } == {
        k: v
        for k, v in hooks["iacguard"].items()
        if k not in ("id", "name", "description", "entry")
    }


OVERLAPPING = """\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: {AWS: 'arn:aws:iam::111122223333:root'}
            Action: 'kms:*'
            Resource: '*'
  Vault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: v
      EncryptionKeyArn: !GetAtt Key.Arn
"""


def test_fix_applies_an_overlapping_fix_on_its_next_pass(tmp_path):
    """KMS001's EnableKeyRotation and KMS003's statement both go after the last line of the
    key's Properties: --diff shows one and names the other, --fix applies both (ruff's loop)."""
    (tmp_path / "t.yaml").write_text(OVERLAPPING)
    diff = run(tmp_path, "check", ".", "--diff", "--unsafe-fixes")
    assert "t.yaml:5:7: KMS003 fix not applied: it overlaps another fix" in diff.stderr
    assert "would apply 1 fix" in diff.stderr
    done = run(tmp_path, "check", ".", "--fix", "--unsafe-fixes", "--output-format", "concise")
    assert "fix not applied" not in done.stderr
    assert done.stdout.splitlines()[-1] == "2 fixes applied"
    assert done.returncode == 0, done.stdout
    fixed = yaml.load((tmp_path / "t.yaml").read_text(), Loader=_Tags)  # noqa: S506
    props = fixed["Resources"]["Key"]["Properties"]
    assert props["EnableKeyRotation"] is True
    assert props["KeyPolicy"]["Statement"][-1]["Principal"] == {"Service": "backup.amazonaws.com"}


class _Tags(yaml.SafeLoader):
    """PyYAML's safe loader taking CloudFormation's short tags as plain nodes."""


_Tags.add_multi_constructor(
    "!",
    lambda loader, suffix, node: (
        loader.construct_sequence(node)
        if isinstance(node, yaml.SequenceNode)
        else loader.construct_scalar(node)
    ),
)
