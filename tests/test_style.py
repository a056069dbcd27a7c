"""The tree passes its own linter settings: ``ruff check`` and ``ruff format --check`` over
the code and tests (ruff is pinned in the test extra, so the verdict is the same everywhere).

Cross-cutting (the whole tree), so it stays at the top of tests/, outside the mirror of src/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TREES = [p for p in ("src", "tests", "bench", "scripts") if (REPO / p).is_dir()]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff(command):
    pytest.importorskip("ruff")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "--no-cache", *TREES],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
