"""Exit codes and thresholds: 0 clean, 1 findings or file errors, 2 the run failed."""

from __future__ import annotations

import pytest

from iacguard.cli import main
from iacguard.core.certainty import Certainty
from iacguard.core.findings import Severity
from iacguard.core.located import FileError

H, M, L = Severity.HIGH, Severity.MEDIUM, Severity.LOW
DEFINITE, DEFAULT, POSSIBLE = Certainty.DEFINITE, Certainty.DEFAULT, Certainty.POSSIBLE


def test_clean_run_exits_0(fake, capsys):
    assert main(["check", "."]) == 0
    out = capsys.readouterr()
    assert out.out == "No findings; 1 file checked.\n"
    assert out.err == ""


def test_findings_exit_1(fake, make, capsys):
    fake.findings = [make("BKP001", H, DEFAULT)]
    assert main(["check", "."]) == 1
    assert capsys.readouterr().out == (
        "main.tf:1:1: BKP001 [default] BKP001 message\n"
        "Found 1 finding (1 default); 1 file checked.\n"
    )


def test_file_error_alone_exits_1(fake, capsys):
    fake.errors = [FileError("bad.tf", 2, 5, "unexpected '}'")]
    assert main(["check", "."]) == 1
    assert capsys.readouterr().out.splitlines()[0] == "bad.tf:2:5: error: unexpected '}'"


def test_exit_zero(fake, make):
    fake.findings = [make("BKP001", H, DEFINITE)]
    fake.errors = [FileError("bad.tf", None, None, "cannot read")]
    assert main(["check", "--exit-zero", "."]) == 0


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [("low", 1), ("medium", 1), ("high", 0), ("critical", 0)],
)
def test_fail_on(fake, make, fail_on, expected):
    fake.findings = [make("KMS001", M, DEFINITE), make("KMS002", L, DEFINITE, line=2)]
    assert main(["check", "--fail-on", fail_on, "."]) == expected


def test_findings_below_fail_on_are_still_reported(fake, make, capsys):
    fake.findings = [make("KMS002", L, DEFINITE)]
    assert main(["check", "--fail-on", "high", "."]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "main.tf:1:1: KMS002 [definite] KMS002 message",
        "Found 1 finding (1 definite); 1 file checked; 0 at or above --fail-on high.",
    ]


@pytest.mark.parametrize(
    ("min_certainty", "reported", "code"),
    [
        ("definite", [], 0),
        ("default", ["BKP001"], 1),
        ("possible", ["BKP001", "KMS001"], 1),
    ],
)
def test_min_certainty(fake, make, capsys, min_certainty, reported, code):
    fake.findings = [make("BKP001", H, DEFAULT), make("KMS001", M, POSSIBLE, line=2)]
    argv = ["check", "--output-format", "json", "--min-certainty", min_certainty, "."]
    assert main(argv) == code
    import json

    doc = json.loads(capsys.readouterr().out)
    assert [f["rule_id"] for f in doc["findings"]] == reported


def test_default_min_certainty_hides_possible(fake, make):
    fake.findings = [make("KMS001", M, POSSIBLE)]
    assert main(["check", "."]) == 0


def test_exit_zero_does_not_hide_usage_errors(fake, capsys):
    assert main(["check", "--exit-zero", "--min-certainty", "sure", "."]) == 2
    err = capsys.readouterr().err
    # argparse words the choices differently across Python versions: pin the rest
    assert err.startswith("iacguard: error: argument --min-certainty: invalid choice: 'sure'")
    assert err.endswith(" (see `iacguard check --help`)\n") and err.count("\n") == 1


def test_unknown_flag_exits_2_with_one_line(fake, capsys):
    assert main(["check", "--frobnicate"]) == 2
    assert capsys.readouterr().err == (
        "iacguard: error: unrecognized arguments: --frobnicate (see `iacguard check --help`)\n"
    )


def test_bad_report_value_exits_2(fake, capsys):
    assert main(["check", "--report", "xml=out.xml", "."]) == 2
    assert capsys.readouterr().err == (
        "iacguard: error: --report: unknown format 'xml' "
        "(expected full, concise, json, sarif, junit, github, gitlab, markdown, html)\n"
    )
    assert main(["check", "--report", "json", "."]) == 2
    assert capsys.readouterr().err == "iacguard: error: --report expects FORMAT=PATH, got 'json'\n"
    assert fake.calls == []


def test_unknown_rule_in_select_exits_2(fake, capsys):
    assert main(["check", "--select", "NOPE999", "."]) == 2
    err = capsys.readouterr().err
    assert err == "iacguard: error: --select: unknown rule, name or prefix 'NOPE999'\n"


def test_bad_config_file_exits_2_naming_the_key(fake, tmp_path, capsys):
    (tmp_path / ".iacguard.toml").write_text('min-certainty = "sometimes"\n')
    assert main(["check", "."]) == 2
    err = capsys.readouterr().err
    assert err.startswith("iacguard: error: ")
    assert "min-certainty" in err and len(err.splitlines()) == 1
    assert fake.calls == []


def test_missing_config_file_exits_2(fake, capsys):
    assert main(["check", "--config", "nope.toml", "."]) == 2
    assert capsys.readouterr().err == "iacguard: error: --config nope.toml: no such file\n"


def test_internal_error_is_one_line_without_traceback(fake, capsys):
    fake.raises = RuntimeError("boom\nsecond line")
    assert main(["check", "."]) == 2
    err = capsys.readouterr().err
    assert err == (
        "iacguard: internal error: RuntimeError: boom (run with --debug for a traceback)\n"
    )


def test_internal_error_with_debug_raises(fake):
    fake.raises = RuntimeError("boom")
    with pytest.raises(RuntimeError, match="boom"):
        main(["check", "--debug", "."])


def test_check_error_is_a_usage_error(fake, capsys):
    from iacguard.api import CheckError

    fake.raises = CheckError("--baseline b.json: not a baseline file")
    assert main(["check", "."]) == 2
    assert capsys.readouterr().err == "iacguard: error: --baseline b.json: not a baseline file\n"


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "check" in capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["json", "concise", "sarif"])
def test_a_reader_that_leaves_early_does_not_turn_findings_into_exit_0(tmp_path, fmt):
    """`iacguard check . --output-format json | head -c 10` in CI: the pipe breaks while the
    report is written; the exit code is still the run's (1: findings), with no traceback."""
    import subprocess
    import sys

    vaults = "".join(
        f'resource "aws_backup_vault" "v{i}" {{\n  name = "v{i}"\n}}\n' for i in range(400)
    )
    (tmp_path / "main.tf").write_text(vaults, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "iacguard", "check", ".", "--output-format", fmt, "--jobs", "1"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert len(proc.stdout.read(10)) == 10
    proc.stdout.close()  # the reader leaves with most of the report unread (> a pipe buffer)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err


@pytest.mark.parametrize(
    ("files", "args", "warning"),
    [
        ({}, [], "iacguard: warning: no Terraform, CloudFormation or plan files found in .\n"),
        (
            {"README.md": "# infra\n", "notes.yaml": "a: 1\n"},
            [],
            "iacguard: warning: no Terraform, CloudFormation or plan files found in .\n",
        ),
        (
            {"main.tf": 'resource "aws_backup_vault" "v" {\n  name = "v"\n}\n'},
            ["--ignore", "ALL"],
            "iacguard: warning: no rules selected (check --select / --ignore)\n",
        ),
    ],
    ids=["empty-directory", "nothing-of-ours", "ignore-all"],
)
def test_a_run_that_checked_nothing_warns_and_exits_0(
    tmp_path, monkeypatch, capsys, files, args, warning
):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", ".", "--output-format", "concise", *args]) == 0
    assert capsys.readouterr().err == warning
    assert main(["check", ".", "--output-format", "concise", "--quiet", *args]) == 0
    assert capsys.readouterr().err == ""


def test_a_run_that_checked_something_does_not_warn(tmp_path, monkeypatch, capsys):
    (tmp_path / "main.tf").write_text('resource "aws_kms_key" "k" {\n}\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    main(["check", ".", "--output-format", "concise", "--select", "BKP"])
    assert capsys.readouterr().err == ""
