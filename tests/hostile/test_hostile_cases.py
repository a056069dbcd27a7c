"""Each hostile case: the located error is reported AND the good file beside it keeps its
findings; nothing escapes, nothing hangs, nothing outside the root is read or executed.

Then all cases together through the command line: within a minute, exit 1, every bad file a
located error, every good file's findings reported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_cases import Case, big_case, cases, supported, write_all, write_case
from hostile_pipeline import check_case, matches_error, matches_note, run_pipeline

CASES = cases()


def _skip_unsupported(case: Case) -> None:
    missing = [n for n in case.needs if not supported(n)]
    if missing:
        pytest.skip(f"platform lacks {', '.join(missing)}")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_case(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _skip_unsupported(case)
    scan = tmp_path / "scan"
    write_case(case, scan)
    monkeypatch.chdir(scan)
    run = run_pipeline(["."], time_budget=10.0)
    problems = check_case(case, run)
    assert not problems, "\n".join(problems) + "\n" + run.describe()
    for name in case.never_created:
        assert not (scan / name).exists() and not (tmp_path / name).exists()
    # every run ends within its budget: well inside the guard's hard limit
    assert run.seconds < 20.0


def test_every_case_is_a_separate_directory() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    for case in CASES:
        assert all(p.startswith(case.name + "/") for p in case.files), case.name
        assert case.good, case.name
    assert len(CASES) >= 35


def test_a_file_over_max_file_size_is_reported_not_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = next(c for c in CASES if c.name == "binary_tf")
    write_case(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    run = run_pipeline(["."], max_file_size=400)
    errors = [(e.path, e.line, e.message) for e in run.graph.errors]
    size = len(case.files["binary_tf/blob.tf"])  # type: ignore[arg-type]
    assert errors == [
        (
            "binary_tf/blob.tf",
            None,
            f"file is {size} bytes, over --max-file-size (400): not checked",
        )
    ]
    assert ("BKP001", "aws_backup_vault.plain", "binary_tf/main.tf") in run.finding_keys()


@pytest.mark.skipif(not supported("non-root"), reason="root reads any file")
def test_an_unreadable_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = next(c for c in CASES if c.name == "binary_tf")
    write_case(case, tmp_path)
    secret = tmp_path / "binary_tf" / "blob.tf"
    secret.write_bytes(b"locals {\n  a = 1\n}\n")
    secret.chmod(0)
    monkeypatch.chdir(tmp_path)
    try:
        run = run_pipeline(["."])
    finally:
        secret.chmod(0o644)
    assert [(e.path, e.message) for e in run.graph.errors] == [
        ("binary_tf/blob.tf", "cannot read file: Permission denied")
    ]
    assert ("BKP001", "aws_backup_vault.plain", "binary_tf/main.tf") in run.finding_keys()


@pytest.mark.slow
def test_the_big_file_is_checked_or_stopped_in_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """60,000 vaults in one 17 MB file: all found, or a time-budget error; never a hang."""
    case = big_case()
    write_case(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    size = (tmp_path / "big" / "huge.tf").stat().st_size
    assert 16_500_000 < size < 20 * 1024 * 1024
    run = run_pipeline(["."], time_budget=10.0)
    stopped = [e for e in run.graph.errors if "time budget" in e.message]
    if stopped:
        # named at the file (and line) where evaluation stopped, not the module directory
        assert [e.path for e in stopped] == ["big/huge.tf"] and stopped[0].line is not None
    else:
        assert run.graph.errors == ()
        bkp = {f.address for f in run.findings if f.rule_id == "BKP001"}
        assert len(bkp) == 60_000
        assert {"aws_backup_vault.v00000", "aws_backup_vault.v59999"} <= bkp
    assert run.seconds < 60.0


def _cli(args: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "iacguard", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.mark.slow
def test_all_hostile_cases_together_through_the_cli(tmp_path: Path) -> None:
    chosen = write_all(tmp_path)
    started = time.monotonic()
    proc = _cli(
        ["check", "--output-format", "json", "--min-certainty", "possible", "."], tmp_path, 60
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    assert elapsed < 60.0
    doc = json.loads(proc.stdout)
    from iacguard.core.located import FileError, Located
    from iacguard.core.spans import Span

    errors = [FileError(e["path"], e["line"], e["column"], e["message"]) for e in doc["errors"]]
    notes = [
        Located(
            Span(n["path"], n["line"], 1, n["line"], 1) if n["path"] and n["line"] else None,
            n["message"],
        )
        for n in doc["notes"]
    ]
    found = {
        (f["rule_id"], f["resource"]["address"], f["location"]["path"]) for f in doc["findings"]
    }
    problems = []
    for case in chosen:
        for expect in case.expect:
            ok = (
                expect.kind in ("error", "either") and any(matches_error(expect, e) for e in errors)
            ) or (expect.kind in ("note", "either") and any(matches_note(expect, n) for n in notes))
            if not ok:
                problems.append(f"{case.name}: {expect}")
        for good in case.good:
            if good not in found and case.name != "big":
                problems.append(f"{case.name}: missing finding {good}")
        for name in case.never_created:
            assert not (tmp_path / name).exists()
    assert not [e for e in errors if "internal error" in e.message]
    assert not problems, "\n".join(problems) + "\n" + "\n".join(str(e) for e in errors)
    # every error names a file or directory of the corpus
    for e in errors:
        assert e.path.split("/")[0] in {c.name for c in chosen}, e


def test_max_file_size_through_the_cli(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.name == "binary_tf")
    write_case(case, tmp_path)
    size = len(case.files["binary_tf/blob.tf"])  # type: ignore[arg-type]
    proc = _cli(["check", "--output-format", "json", "--max-file-size", "400", "."], tmp_path, 60)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["errors"] == [
        {
            "path": "binary_tf/blob.tf",
            "line": None,
            "column": None,
            "message": f"file is {size} bytes, over --max-file-size (400): not checked",
        }
    ]
    found = {(f["rule_id"], f["resource"]["address"]) for f in doc["findings"]}
    assert ("BKP001", "aws_backup_vault.plain") in found
