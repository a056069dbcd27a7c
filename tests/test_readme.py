"""Every ```console block of the README is a real run: each ``$ iacguard ...`` line is run and
its output (stdout and stderr, as a terminal shows them) must be exactly the lines that follow,
so the README cannot drift from what iacguard prints.

A block runs in the repository root, or, when the line before it is
``<!-- readme-test: DIR -->``, in a copy of DIR, where the copy's path reads ``/repo``. In the
expected text a line ``...`` stands for any number of lines; ``$ echo $?`` checks the exit code
of the command before it.

Cross-cutting (README.md against the installed command), so it stays at the top of tests/,
outside the mirror of src/.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
_BLOCK = re.compile(
    r"(?:<!-- readme-test: (?P<setup>\S+) -->\n)?```console\n(?P<body>.*?)```", re.S
)


def console_blocks() -> list[tuple[int, str | None, str]]:
    text = README.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, m.start("body")) + 1, m.group("setup"), m.group("body"))
        for m in _BLOCK.finditer(text)
    ]


def _steps(body: str) -> list[tuple[str, list[str]]]:
    steps: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            assert steps, f"output before any command: {line!r}"
            steps[-1][1].append(line)
    return steps


def _matches(expected: list[str], actual: list[str]) -> bool:
    """Line for line, ``...`` matching any run of lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(_matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and actual[0] == expected[0] and _matches(expected[1:], actual[1:])


BLOCKS = console_blocks()


def test_the_readme_has_console_blocks():
    assert len(BLOCKS) >= 4
    assert any(
        cmd.startswith("iacguard check examples/") for _, _, b in BLOCKS for cmd, _ in _steps(b)
    )


@pytest.mark.parametrize(("line", "setup", "body"), BLOCKS, ids=[f"README:{b[0]}" for b in BLOCKS])
def test_console_block_is_what_iacguard_prints(tmp_path, line, setup, body):
    cwd = REPO
    if setup is not None:
        cwd = tmp_path / "repo"
        shutil.copytree(REPO / setup, cwd)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["COLUMNS"] = "100"
    last_code: int | None = None
    for command, expected in _steps(body):
        if command == "echo $?":
            assert [str(last_code)] == expected, f"README line {line}: exit code"
            continue
        argv = shlex.split(command)
        assert argv[0] == "iacguard", f"README line {line}: only iacguard commands run here"
        done = subprocess.run(
            [sys.executable, "-m", "iacguard", *argv[1:]],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
        )
        last_code = done.returncode
        actual = done.stdout.replace(str(cwd), "/repo").splitlines()
        assert _matches(expected, actual), (
            f"README line {line}: `{command}` printed:\n" + "\n".join(actual)
        )


def test_the_matcher_can_fail():
    assert _matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert not _matches(["a", "...", "d"], ["a", "b", "c"])
    assert not _matches(["a"], ["a", "b"])
