"""Files and directories iacguard may not read (issue 13: naming a chmod-000 directory was a
PermissionError, exit 2). Root reads everything, so when the tests run as root the command
runs as ``nobody`` (``setpriv``) on files in a directory only root may change: each unreadable
path is a located error, exit 1, and the readable neighbours keep their findings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

KEY = 'resource "aws_kms_key" "{name}" {{\n  enable_key_rotation = false\n}}\n'
NOBODY = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]


def _as_nobody() -> list[str] | None:
    """The argv prefix that runs a command as an unprivileged user here, or None."""
    if not hasattr(os, "geteuid"):
        return None
    if os.geteuid() != 0:
        return []  # already unprivileged: run as is
    if shutil.which("setpriv") is None:
        return None
    probe = subprocess.run(
        [*NOBODY, sys.executable, "-c", "import iacguard.cli"], capture_output=True, check=False
    )
    return NOBODY if probe.returncode == 0 else None


PREFIX = _as_nobody()
pytestmark = pytest.mark.skipif(PREFIX is None, reason="cannot run as an unprivileged user")


@pytest.fixture
def tree():
    """m/ (one readable key, one chmod-000 file) and locked/ (chmod 000), in a directory
    that the unprivileged user may enter but not change."""
    top = Path(tempfile.mkdtemp(prefix="iacguard-perm-"))
    top.chmod(0o755)
    (top / "m").mkdir(mode=0o755)
    (top / "m" / "main.tf").write_text(KEY.format(name="k"), encoding="utf-8")
    (top / "m" / "secret.tf").write_text(KEY.format(name="s"), encoding="utf-8")
    (top / "locked").mkdir()
    (top / "locked" / "main.tf").write_text(KEY.format(name="l"), encoding="utf-8")
    (top / "m" / "secret.tf").chmod(0)
    (top / "locked").chmod(0)
    try:
        yield top
    finally:
        (top / "locked").chmod(0o755)
        shutil.rmtree(top)


def _check(top: Path, *paths: str) -> tuple[int, str]:
    env = dict(os.environ, HOME=str(top), NO_COLOR="1")
    argv = [*PREFIX, sys.executable, "-m", "iacguard", "check", "--no-cache"]
    argv += ["--output-format", "concise", *paths]
    done = subprocess.run(argv, cwd=top, env=env, capture_output=True, text=True, check=False)
    assert "internal error" not in done.stderr, done.stderr
    return done.returncode, done.stdout


def test_an_unreadable_file_and_directory_in_the_tree_are_located_errors(tree):
    code, out = _check(tree, ".")
    assert code == 1
    assert "locked:1:1: error: cannot list directory: Permission denied" in out
    assert "m/secret.tf:1:1: error: cannot read file: Permission denied" in out
    assert "m/main.tf:2:3: KMS001" in out


def test_naming_an_unlistable_directory_is_a_located_error_not_exit_2(tree):
    code, out = _check(tree, "locked", "m/main.tf")
    assert code == 1
    assert "locked:1:1: error: cannot list directory: Permission denied" in out
    assert "m/main.tf:2:3: KMS001" in out


def test_naming_a_file_in_an_unsearchable_directory_is_a_located_error(tree):
    code, out = _check(tree, "locked/main.tf", "m/main.tf")
    assert code == 1
    assert "locked/main.tf:1:1: error: cannot read: Permission denied" in out
    assert "m/main.tf:2:3: KMS001" in out
