"""Named pipes a pull request (or a CI job's arguments) can plant are never opened to block:
every file iacguard reads goes through ``core.files.read_regular`` (``O_NONBLOCK``, ``fstat``,
a size bound). A FIFO is a located error (a usage error, exit 2, for a command-line argument)
and the rest of the run goes on; before, ``file()`` of a FIFO hung for minutes and
``--baseline FIFO`` for ever."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")

KEY = 'resource "aws_kms_key" "plain" {\n}\n'


def _run(cwd, *args):
    # a hang shows as TimeoutExpired (the test fails); nothing here measures speed
    return subprocess.run(
        [sys.executable, "-m", "iacguard", "check", *args, "--output-format", "concise"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("function", ["file", "templatefile"])
def test_a_function_reading_a_fifo_is_a_located_error(tmp_path, function):
    os.mkfifo(tmp_path / "pipe")
    call = 'file("pipe")' if function == "file" else 'templatefile("pipe", {})'
    (tmp_path / "main.tf").write_text(
        f'resource "aws_kms_key" "k" {{\n  policy = {call}\n}}\n'
        'resource "aws_backup_vault" "v" {\n  name = "v"\n  kms_key_arn = aws_kms_key.k.arn\n}\n'
        + KEY,
        encoding="utf-8",
    )
    done = _run(tmp_path, ".")
    assert done.returncode == 1, done.stderr
    assert f"main.tf:2:12: error: {function}(): pipe is a named pipe, not a regular file" in (
        done.stdout
    )
    assert "aws_kms_key.plain" in done.stdout


@pytest.mark.parametrize("flag", ["--var-file", "--baseline", "--config"])
def test_a_fifo_on_the_command_line_is_a_usage_error(tmp_path, flag):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "main.tf").write_text(KEY, encoding="utf-8")
    done = _run(tmp_path, flag, "pipe", ".")
    assert done.returncode == 2
    assert "a named pipe, not a regular file" in done.stderr


@pytest.mark.parametrize("name", ["main.tf", "template.yaml", ".gitignore", "terraform.tfvars"])
def test_a_fifo_in_the_scanned_tree_costs_only_itself(tmp_path, name):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "keys.tf").write_text(KEY, encoding="utf-8")
    os.mkfifo(tmp_path / "keys" / name)
    done = _run(tmp_path, ".")
    assert done.returncode in (0, 1), done.stderr
    assert "aws_kms_key.plain" in done.stdout


def test_a_fifo_planted_at_a_cache_entry_is_a_miss(tmp_path):
    (tmp_path / "main.tf").write_text(KEY, encoding="utf-8")
    cache = tmp_path / "cache"
    first = _run(tmp_path, "--cache-dir", str(cache), ".")
    assert first.returncode == 1
    entries = [os.path.join(d, f) for d, _, files in os.walk(cache) for f in files]
    assert entries
    for entry in entries:
        os.unlink(entry)
        os.mkfifo(entry)
    again = _run(tmp_path, "--cache-dir", str(cache), ".")
    assert again.returncode == 1 and again.stdout == first.stdout
