"""Ctrl-C in a terminal sends SIGINT to the whole process group, workers included: the run
stops with exit code 130 and one quiet stderr, never a worker's KeyboardInterrupt traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="no process groups here")
def test_ctrl_c_with_workers_is_quiet(tmp_path):
    for i in range(60):  # enough units to keep two workers busy for a while
        module = tmp_path / f"m{i}"
        module.mkdir()
        keys = "".join(
            f'resource "aws_kms_key" "k{j}" {{\n  deletion_window_in_days = {7 + j % 30}\n}}\n'
            for j in range(200)
        )
        (module / "main.tf").write_text(keys, encoding="utf-8")
    interrupted = 0
    # early (workers still starting: unpickling their first task) and late (mid-batch)
    for delay in (0.3, 0.5, 0.8, 1.2, 1.6):
        proc = subprocess.Popen(
            [sys.executable, "-m", "iacguard", "check", ".", "--jobs", "2", "--no-cache"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        if proc.returncode == 130:
            interrupted += 1
            assert err == b"", err.decode()  # no traceback, no leaked-semaphore warning
    if not interrupted:
        pytest.skip("every run finished before the interrupt arrived")
