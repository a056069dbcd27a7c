"""The pre-commit case (``iacguard check`` on one small Terraform module, no plugin installed,
no ignore file, concise output) imports only what it uses: no YAML parser for the rule catalog
(rules/catalog.json is read), no importlib.metadata for plugin entry points, no pathspec
without an ignore file, no OpenSSL without a hash to make, no process pool, and no
``dataclasses`` (nor ``inspect``, which it imports): the model's classes are records
(``iacguard.core.records``), whose methods are not compiled at import as a dataclass's
are."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

NOT_ON_THE_SMALL_PATH = (
    "yaml",
    "ruamel",
    "jsonschema",
    "importlib.metadata",
    "email",
    "zipfile",
    "pathspec",
    "hashlib",
    "_hashlib",
    "concurrent.futures",
    "multiprocessing",
    "pickle",  # a serial run ships nothing across a process boundary (run.transfer)
    "iacguard.run.transfer",
    "subprocess",  # git runs only for --diff-base
    "cfnlint",  # the cfn-lint integration is for cfn-lint to load, never for `check`
    "iacguard.cfnlint",
    "dataclasses",  # a dataclass compiles ~6 methods with exec at import: records do not
    "inspect",
    "iacguard.lsp",  # the language server and its protocol libraries: `iacguard lsp` only
    "pygls",
    "lsprotocol",
)

MODULE = """\
resource "aws_backup_vault" "open" {
  name = "open"
}
"""


def _imported(
    tmp_path: Path, *args: str, name: str = "main.tf", text: str = MODULE
) -> tuple[int, str, list[str]]:
    (tmp_path / name).write_text(text)
    (tmp_path / ".git").mkdir()  # a repository without any ignore file
    code = "import sys, iacguard.cli; sys.exit(iacguard.cli.main(sys.argv[1:]))"
    env = {k: v for k, v in os.environ.items() if not k.startswith("IACGUARD")}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code, "check", ".", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "NO_COLOR": "1"},
        check=False,
    )
    imported = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", done.stderr, re.M)
    return done.returncode, done.stdout, imported


def _heavy(imported: list[str]) -> list[str]:
    return sorted(
        {m for m in imported for h in NOT_ON_THE_SMALL_PATH if m == h or m.startswith(h + ".")}
    )


def test_small_check_imports_only_what_it_uses(tmp_path):
    rc, out, imported = _imported(tmp_path, "--output-format", "concise", "--no-cache")
    assert rc == 1
    assert "BKP001" in out
    assert "iacguard.evaluate.terraform.root" in imported  # the import list was really parsed
    assert _heavy(imported) == []


def test_sarif_output_hashes(tmp_path):
    """The lazy imports still happen where they are needed: sarif fingerprints use hashlib."""
    rc, out, imported = _imported(tmp_path, "--output-format", "sarif", "--no-cache")
    assert rc == 1
    assert '"ruleId": "BKP001"' in out
    assert _heavy(imported) == ["_hashlib", "hashlib"]


def test_a_cloudformation_check_never_imports_cfn_lint(tmp_path):
    """cfn-lint is installed here (the test extra): ``check`` on a template still never
    imports it, nor ``iacguard.cfnlint``."""
    template = "Resources:\n  Open:\n    Type: AWS::Backup::BackupVault\n"
    rc, out, imported = _imported(
        tmp_path, "--output-format", "concise", "--no-cache", name="t.yaml", text=template
    )
    assert rc == 1 and "BKP001" in out
    assert "iacguard.evaluate.cloudformation.template" in imported
    assert not [m for m in imported if m.split(".")[0] == "cfnlint" or m == "iacguard.cfnlint"]
