"""The ``iacguard-fix`` pre-commit hook, for real (``pre-commit try-repo``): it applies the
safe fixes to the staged files and pre-commit fails the commit because files changed (ruff's
pattern); run again on the fixed files, the hook passes. About half a minute (pre-commit
builds the hook's environment)."""

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

MAIN_TF = """\
# rotation was forgotten
resource "aws_kms_key" "backup" {
  description = "backup key"
}
"""


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=iacguard tests", "-c", "user.email=tests@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_the_fix_hook_fixes_and_fails_then_passes(tmp_path):
    work = tmp_path / "consumer"
    work.mkdir()
    _git(work, "init", "-q")
    (work / "main.tf").write_text(MAIN_TF)
    _git(work, "add", ".")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "home"),
        "PRE_COMMIT_COLOR": "never",
        "NO_COLOR": "1",
    }

    def hook() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "iacguard-fix"]
            + ["--verbose", "--files", "main.tf"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    first = hook()
    output = first.stdout + first.stderr
    assert first.returncode == 1, output
    assert "files were modified by this hook" in output
    assert "1 fix applied" in output
    fixed = (work / "main.tf").read_text()
    assert fixed == MAIN_TF.replace(
        '"backup key"\n', '"backup key"\n\n  enable_key_rotation = true\n'
    )
    second = hook()
    assert second.returncode == 0, second.stdout + second.stderr
