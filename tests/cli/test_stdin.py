"""``iacguard check - --stdin-filename PATH``: one file's text from standard input, checked with
its module from disk (the other files of its directory, the modules calling it under the working
directory), findings reported under PATH; the route editor plugins other than the language
server use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

VARIABLES_TF = 'variable "key" {\n  default = null\n}\n'

VAULT_TF = """\
resource "aws_backup_vault" "v" {
  name        = "vault-with-a-long-name"
  kms_key_arn = var.key
}
"""

GOOD_VAULT_TF = """\
resource "aws_backup_vault" "v" {
  name        = "vault-with-a-long-name"
  kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
}
"""

CALLER_TF = """\
module "m" {
  source = "./mod"
  key    = "alias/backup"
}
"""

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  OpenVault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: open
"""


def run(cwd: Path, stdin: bytes | str, *args: str) -> subprocess.CompletedProcess[str]:
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    env = {k: v for k, v in os.environ.items() if not k.startswith("IACGUARD")}
    done = subprocess.run(
        [sys.executable, "-m", "iacguard", "check", *args],
        cwd=cwd,
        input=data,
        capture_output=True,
        timeout=120,
        env={**env, "NO_COLOR": "1"},
        check=False,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def _json(done: subprocess.CompletedProcess[str]) -> dict:
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def _tree(tmp_path: Path, vault: str = GOOD_VAULT_TF) -> Path:
    (tmp_path / ".git").mkdir()
    mod = tmp_path / "mod"
    mod.mkdir()
    (mod / "variables.tf").write_text(VARIABLES_TF)
    (mod / "main.tf").write_text(vault)
    (tmp_path / "main.tf").write_text(CALLER_TF)
    return tmp_path


def _found(report: dict) -> set[tuple[str, str, int]]:
    return {
        (f["rule_id"], f["location"]["path"], f["location"]["start_line"])
        for f in report["findings"]
    }


def test_the_text_read_replaces_the_file_and_its_module_comes_from_disk(tmp_path):
    """On disk mod/main.tf is fine; the text given uses var.key, declared in variables.tf on
    disk (default null: BKP001 with the default inputs) and set by the caller to an alias
    (BKP003 from module.m): the findings of a scan of the tree, for that file, under its name."""
    tree = _tree(tmp_path)
    done = run(tree, VAULT_TF, "-", "--stdin-filename", "mod/main.tf", "--output-format", "json")
    report = _json(done)
    assert done.returncode == 1
    assert _found(report) == {("BKP001", "mod/main.tf", 3), ("BKP003", "mod/main.tf", 3)}
    by_rule = {f["rule_id"]: f for f in report["findings"]}
    assert by_rule["BKP001"]["certainty"] == "default"
    assert by_rule["BKP003"]["resource"]["address"] == "module.m.aws_backup_vault.v"
    # the same findings as checking the tree with that text saved
    (tree / "mod" / "main.tf").write_text(VAULT_TF)
    scan = _json(run(tree, b"", ".", "--output-format", "json"))
    assert {x for x in _found(scan) if x[1] == "mod/main.tf"} == _found(report)
    # and the disk file was not touched by the stdin run
    assert (tree / "mod" / "main.tf").read_text() == VAULT_TF


def test_fixed_text_clears_what_the_disk_file_has(tmp_path):
    tree = _tree(tmp_path, vault=VAULT_TF)
    assert _found(_json(run(tree, b"", "mod/main.tf", "--output-format", "json")))
    done = run(
        tree, GOOD_VAULT_TF, "-", "--stdin-filename", "mod/main.tf", "--output-format", "json"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert _json(done)["findings"] == []


def test_stdin_filename_alone_reads_standard_input(tmp_path):
    tree = _tree(tmp_path)
    done = run(tree, VAULT_TF, "--stdin-filename", "mod/main.tf", "--output-format", "json")
    assert ("BKP001", "mod/main.tf", 3) in _found(_json(done))


def test_a_file_not_on_disk_yet_joins_its_module(tmp_path):
    """A new, unsaved file of an existing module: the module's other files still count."""
    tree = _tree(tmp_path)
    done = run(tree, VAULT_TF, "-", "--stdin-filename", "mod/extra.tf", "--output-format", "json")
    report = _json(done)
    # variables.tf declares var.key; mod/main.tf's own vault v is a duplicate address now
    assert ("BKP001", "mod/extra.tf", 3) in _found(report)
    assert not (tree / "mod" / "extra.tf").exists()


def test_a_template_is_checked_alone(tmp_path):
    done = run(tmp_path, TEMPLATE, "-", "--stdin-filename", "stack.yaml", "--output-format", "json")
    assert _found(_json(done)) == {("BKP001", "stack.yaml", 3)}


def test_the_full_report_quotes_the_text_read(tmp_path):
    tree = _tree(tmp_path, vault="# the file on disk\n" * 3)
    done = run(tree, VAULT_TF, "-", "--stdin-filename", "mod/main.tf", "--output-format", "full")
    assert "kms_key_arn = var.key" in done.stdout
    assert "the file on disk" not in done.stdout


def test_text_that_is_not_utf8_is_a_located_error(tmp_path):
    tree = _tree(tmp_path)
    text = b'resource "aws_backup_vault" "v" {\n  name = "caf\xe9"\n}\n'
    done = run(tree, text, "-", "--stdin-filename", "mod/main.tf", "--output-format", "json")
    assert done.returncode == 1
    errors = _json(done)["errors"]
    assert {"path": "mod/main.tf", "line": 2, "column": 14} == {
        k: errors[0][k] for k in ("path", "line", "column")
    }
    assert "not valid UTF-8" in errors[0]["message"]


def test_binary_text_is_a_located_error(tmp_path):
    done = run(tmp_path, b"AWSTemplateFormatVersion\0\0", "-", "--stdin-filename", "t.yaml")
    assert done.returncode == 1
    assert "t.yaml:1:25: error: binary file (NUL byte): not checked" in done.stdout


def test_dash_needs_a_file_name(tmp_path):
    done = run(tmp_path, VAULT_TF, "-")
    assert done.returncode == 2
    assert "needs --stdin-filename PATH" in done.stderr


def test_dash_stands_alone(tmp_path):
    done = run(tmp_path, VAULT_TF, "-", "other.tf", "--stdin-filename", "main.tf")
    assert done.returncode == 2
    assert "give '-' alone" in done.stderr


def test_the_file_name_must_name_a_language(tmp_path):
    done = run(tmp_path, VAULT_TF, "-", "--stdin-filename", "notes.txt")
    assert done.returncode == 2
    assert "not a Terraform" in done.stderr


def test_fixes_are_not_written_from_standard_input(tmp_path):
    done = run(tmp_path, VAULT_TF, "-", "--stdin-filename", "main.tf", "--fix")
    assert done.returncode == 2
    assert "not with standard input" in done.stderr
