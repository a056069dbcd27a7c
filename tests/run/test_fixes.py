"""Applying fixes (``iacguard.run.fixes``): edits grouped by file and applied bottom-up from
the positions the rules saw, overlaps skipped and reported, identical fixes applied once,
suppressed findings and unsafe fixes left alone, atomic writes that keep the mode and never
overwrite a file that changed, a unified diff that changes nothing."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from iacguard.core.certainty import Certainty
from iacguard.core.findings import Finding, Severity
from iacguard.core.fixes import Edit, Fix
from iacguard.core.spans import Span
from iacguard.run import fixes as fixing
from iacguard.run.fixes import apply_plan, plan_fixes, render_diff, summary_line, within_paths

TEXT = (
    'resource "aws_kms_key" "k" {\n'
    "  enable_key_rotation     = false\n"
    "  deletion_window_in_days = 7\n"
    "}\n"
)


def _finding(path: str, *fixes: Fix, suppressed: bool = False, address: str = "aws_kms_key.k"):
    return Finding(
        rule_id="KMS001",
        rule_name="kms-key-rotation-disabled",
        severity=Severity.MEDIUM,
        certainty=Certainty.DEFINITE,
        message="m",
        address=address,
        resource_type="aws_kms_key",
        root=".",
        location=Span(path, 2, 3, 2, 32),
        suppressed=suppressed,
        fixes=fixes,
    )


def _replace(path: str, line: int, start: int, end: int, text: str, how: str = "safe") -> Fix:
    return Fix(f"write {text}", how, (Edit(Span(path, line, start, line, end), text),))  # type: ignore[arg-type]


@pytest.fixture
def tf(tmp_path: Path, monkeypatch) -> str:
    monkeypatch.chdir(tmp_path)
    Path("main.tf").write_text(TEXT)
    return "main.tf"


def test_edits_apply_bottom_up_from_the_original_positions(tf):
    rotation = _replace(tf, 2, 29, 34, "true")
    window = _replace(tf, 3, 29, 30, "30")
    plan = plan_fixes([_finding(tf, rotation), _finding(tf, window, address="b")])
    assert plan.applied == 2 and not plan.skipped
    apply_plan(plan)
    assert Path(tf).read_text() == TEXT.replace("= false", "= true").replace("= 7", "= 30")


def test_overlapping_fix_is_skipped_and_reported(tf):
    first = _replace(tf, 2, 29, 34, "true")
    second = _replace(tf, 2, 31, 34, "XX")
    insert_at_end = _replace(tf, 2, 34, 34, " # no")
    plan = plan_fixes([_finding(tf, first), _finding(tf, second), _finding(tf, insert_at_end)])
    assert plan.applied == 1
    assert [(f.title, why) for _, f, why in plan.skipped] == [
        ("write XX", "it overlaps another fix"),
        ("write  # no", "it overlaps another fix"),
    ]
    assert plan.changes[0].after.decode() == TEXT.replace("= false", "= true")


def test_the_same_fix_for_two_instances_is_applied_once(tf):
    fix = _replace(tf, 2, 29, 34, "true")
    plan = plan_fixes([_finding(tf, fix, address="k[0]"), _finding(tf, fix, address="k[1]")])
    assert plan.applied == 2 and not plan.skipped
    assert plan.changes[0].after.decode() == TEXT.replace("= false", "= true")


def test_suppressed_findings_and_unsafe_fixes_are_left_alone(tf):
    safe = _replace(tf, 2, 29, 34, "true")
    unsafe = _replace(tf, 3, 29, 30, "30", "unsafe")
    findings = [_finding(tf, safe, suppressed=True), _finding(tf, unsafe, address="b")]
    plan = plan_fixes(findings)
    assert (plan.applied, plan.unsafe_available, plan.changes) == (0, 1, [])
    plan = plan_fixes(findings, unsafe=True)
    assert (plan.applied, plan.unsafe_available) == (1, 0)
    assert plan.changes[0].after.decode() == TEXT.replace("= 7", "= 30")
    assert summary_line(1, 0) == "1 fix applied"
    assert summary_line(3, 2) == "3 fixes applied (2 unsafe fixes available with --unsafe-fixes)"


def test_columns_are_characters_after_a_byte_order_mark(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("t.yaml").write_bytes("\ufeffDescription: é\nEnableKeyRotation: false\n".encode())
    name = _replace("t.yaml", 1, 14, 15, "e")  # the é: column 14 when the BOM is not counted
    rotation = _replace("t.yaml", 2, 20, 25, "true")
    plan = plan_fixes([_finding("t.yaml", name), _finding("t.yaml", rotation, address="b")])
    apply_plan(plan)
    assert Path("t.yaml").read_bytes() == "\ufeffDescription: e\nEnableKeyRotation: true\n".encode()


def test_a_span_beyond_the_file_is_not_applied(tf):
    plan = plan_fixes([_finding(tf, _replace(tf, 9, 1, 2, "x"))])
    assert plan.applied == 0 and plan.skipped[0][2] == "main.tf changed since it was checked"


def test_the_mode_is_kept_and_no_temporary_file_is_left(tf):
    os.chmod(tf, 0o640)
    apply_plan(plan_fixes([_finding(tf, _replace(tf, 2, 29, 34, "true"))]))
    assert stat.S_IMODE(os.stat(tf).st_mode) == 0o640
    assert sorted(os.listdir(".")) == ["main.tf"]


def test_a_file_changed_since_it_was_read_is_not_overwritten(tf):
    plan = plan_fixes([_finding(tf, _replace(tf, 2, 29, 34, "true"))])
    Path(tf).write_text(TEXT + "# edited meanwhile\n")
    errors = apply_plan(plan)
    assert [(e.path, e.message) for e in errors] == [
        ("main.tf", "not fixed: the file changed since it was read")
    ]
    assert Path(tf).read_text() == TEXT + "# edited meanwhile\n"
    assert sorted(os.listdir(".")) == ["main.tf"]


def test_a_failed_write_leaves_the_original_intact(tf, monkeypatch):
    plan = plan_fixes([_finding(tf, _replace(tf, 2, 29, 34, "true"))])

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fixing.os, "fsync", no_space)
    errors = apply_plan(plan)
    assert [(e.path, e.message) for e in errors] == [
        ("main.tf", "cannot write the fix: No space left on device")
    ]
    assert Path(tf).read_text() == TEXT
    assert sorted(os.listdir(".")) == ["main.tf"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only directory")
def test_a_read_only_directory_is_a_located_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("ro").mkdir()
    Path("ro/main.tf").write_text(TEXT)
    plan = plan_fixes([_finding("ro/main.tf", _replace("ro/main.tf", 2, 29, 34, "true"))])
    os.chmod("ro", 0o555)
    try:
        errors = apply_plan(plan)
    finally:
        os.chmod("ro", 0o755)
    assert [e.path for e in errors] == ["ro/main.tf"]
    assert errors[0].message.startswith("cannot write the fix: ")
    assert Path("ro/main.tf").read_text() == TEXT


def test_the_diff_changes_nothing(tf):
    plan = plan_fixes([_finding(tf, _replace(tf, 2, 29, 34, "true"))])
    diff = render_diff(plan)
    assert diff.splitlines()[:2] == ["--- a/main.tf", "+++ b/main.tf"]
    assert "-  enable_key_rotation     = false" in diff.splitlines()
    assert "+  enable_key_rotation     = true" in diff.splitlines()
    assert Path(tf).read_text() == TEXT


def test_a_missing_final_newline_is_marked_in_the_diff(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("main.tf").write_text(TEXT.rstrip("\n"))
    plan = plan_fixes([_finding("main.tf", _replace("main.tf", 4, 2, 2, "\n"))])
    assert "\\ No newline at end of file" in render_diff(plan)


def test_fixes_outside_the_scanned_paths_are_dropped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inside = _replace("infra/main.tf", 1, 1, 1, "x")
    outside = _replace("modules/kms/main.tf", 1, 1, 1, "x")
    (kept,) = within_paths([_finding("infra/main.tf", inside, outside)], ["infra"])
    assert kept.fixes == (inside,)


def test_a_named_file_brings_its_modules_files(tmp_path, monkeypatch):
    """pre-commit passes main.tf alone; the fix of a default in variables.tf stays."""
    monkeypatch.chdir(tmp_path)
    Path("infra/nested").mkdir(parents=True)
    Path("infra/main.tf").write_text("")
    default = _replace("infra/variables.tf", 1, 1, 1, "x")
    nested = _replace("infra/nested/main.tf", 1, 1, 1, "x")
    (kept,) = within_paths([_finding("infra/main.tf", default, nested)], ["infra/main.tf"])
    assert kept.fixes == (default,)
