"""Integration tests: real tools in subprocesses (pre-commit installs iacguard from this repo).

Cross-cutting (the installed tool, git, pre-commit, the Action), so they stay in
tests/integration/ beside the mirror of src/."""

from __future__ import annotations


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "precommit: runs `pre-commit try-repo` (installs the hook's environment; needs PyPI). "
        "Deselect with -m 'not precommit'.",
    )
