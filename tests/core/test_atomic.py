"""core.atomic: the one atomic file replacement every writer uses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from iacguard.core.atomic import replace_atomically


def test_replaces_with_the_mode_asked_for(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    assert replace_atomically(str(target), lambda fh: fh.write(b"new"), mode=0o640) is True
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["out.txt"]


def test_a_failing_producer_leaves_the_target_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def half(fh) -> None:
        fh.write(b"partial")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        replace_atomically(str(target), half)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_abandoned_before_the_rename(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    done = replace_atomically(str(target), lambda fh: fh.write(b"new"), still_wanted=lambda: False)
    assert done is False
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]
