"""check's flags reach the config and the run; output goes where it is asked."""

from __future__ import annotations

import json

from iacguard.cli import main
from iacguard.core.certainty import Certainty
from iacguard.core.findings import Severity

H, M, L = Severity.HIGH, Severity.MEDIUM, Severity.LOW


def test_select_and_ignore_are_split_and_repeatable(fake):
    assert (
        main(["check", "--select", "BKP,KMS001", "--select", "KMS002", "--ignore", "BKP003", "."])
        == 0
    )
    ((paths, config), kwargs) = fake.calls[0]
    assert paths == ["."]
    assert config.select == ("BKP", "KMS001", "KMS002")
    assert config.ignore == ("BKP003",)
    assert config.sources["select"] == "--select"


def test_rule_names_are_accepted(fake):
    assert main(["check", "--ignore", "kms-key-rotation-disabled", "."]) == 0
    assert fake.calls[0][0][1].ignore == ("kms-key-rotation-disabled",)


def test_pass_through_options(fake):
    argv = [
        "check",
        "--var-file",
        "a.tfvars",
        "--var-file",
        "b.tfvars",
        "--ignore-suppressions",
        "--max-file-size",
        "1000",
        "--jobs",
        "3",
        "--cache",
        "--no-cache",
        "--cache-dir",
        "/tmp/c",
        "--baseline",
        "base.json",
        "--diff-base",
        "origin/main",
        "x",
        "y",
    ]
    assert main(argv) == 0
    ((paths, _), kwargs) = fake.calls[0]
    assert paths == ["x", "y"]
    assert kwargs == {
        "var_files": ["a.tfvars", "b.tfvars"],
        "ignore_suppressions": True,
        "max_file_size": 1000,
        "jobs": 3,
        "cache_dir": "/tmp/c",
        "use_cache": False,
        "baseline": "base.json",
        "diff_base": "origin/main",
    }


def test_bad_numbers_are_usage_errors(fake, capsys):
    assert main(["check", "--jobs", "0", "."]) == 2
    assert "--jobs: expected a number >= 1, got 0" in capsys.readouterr().err
    assert main(["check", "--max-file-size", "big", "."]) == 2
    assert "expected a whole number, got 'big'" in capsys.readouterr().err


def test_config_file_is_read_and_flags_win(fake, tmp_path):
    (tmp_path / ".iacguard.toml").write_text('min-certainty = "definite"\nfail-on = "high"\n')
    assert main(["check", "."]) == 0
    config = fake.calls[0][0][1]
    assert (config.min_certainty, config.fail_on) == (Certainty.DEFINITE, Severity.HIGH)
    assert main(["check", "--min-certainty", "possible", "."]) == 0
    config = fake.calls[1][0][1]
    assert (config.min_certainty, config.fail_on) == (Certainty.POSSIBLE, Severity.HIGH)


def test_show_config_does_not_run(fake, tmp_path, capsys):
    (tmp_path / ".iacguard.toml").write_text('fail-on = "medium"\n')
    assert main(["check", "--show-config", "--select", "BKP", "."]) == 0
    out = capsys.readouterr().out
    assert fake.calls == []
    assert out.startswith("# configuration file: ")
    assert 'select = ["BKP"]' in out and "# --select" in out
    assert 'fail-on = "medium"' in out


def test_output_file_and_extra_reports(fake, make, tmp_path, capsys):
    fake.findings = [make("BKP001", H, Certainty.DEFINITE)]
    argv = [
        "check",
        "--output-file",
        "out.txt",
        "--report",
        "sarif=r.sarif",
        "--report",
        "json=r.json",
        "--report",
        "junit=r.xml",
        ".",
    ]
    assert main(argv) == 1
    assert capsys.readouterr().out == ""
    # the main format defaults to concise (not a terminal), without colours
    assert (tmp_path / "out.txt").read_text() == (
        "main.tf:1:1: BKP001 [definite] BKP001 message\n"
        "Found 1 finding (1 definite); 1 file checked.\n"
    )
    assert json.loads((tmp_path / "r.sarif").read_text())["runs"][0]["results"][0]["ruleId"] == (
        "BKP001"
    )
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["findings"] == 1
    assert (tmp_path / "r.xml").read_text().startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert len(fake.calls) == 1  # one run, several reports


def test_unwritable_output_file_exits_2(fake, tmp_path, capsys):
    assert main(["check", "--output-file", str(tmp_path / "no" / "such" / "dir.txt"), "."]) == 2
    err = capsys.readouterr().err
    assert err.startswith("iacguard: error: cannot write ") and err.count("\n") == 1


def test_output_formats_on_stdout(fake, make, capsys):
    fake.findings = [make("BKP001", H, Certainty.DEFINITE)]
    assert main(["check", "--output-format", "github", "."]) == 1
    assert capsys.readouterr().out == (
        "::error file=main.tf,line=1,col=1,endLine=1,endColumn=34,"
        "title=BKP001 backup-vault-without-cmk::[definite] BKP001 message\n"
    )
    assert main(["check", "--output-format", "gitlab", "."]) == 1
    assert json.loads(capsys.readouterr().out)[0]["check_name"] == "BKP001"


def test_statistics(fake, make, capsys):
    fake.findings = [
        make("KMS001", M, Certainty.DEFINITE, line=1),
        make("BKP001", H, Certainty.DEFINITE, line=2),
        make("KMS001", M, Certainty.DEFINITE, line=3),
    ]
    assert main(["check", "--statistics", "."]) == 1
    assert capsys.readouterr().out == (
        "2\tKMS001\tkms-key-rotation-disabled\n1\tBKP001\tbackup-vault-without-cmk\n"
    )
    assert main(["check", "--statistics", "--output-format", "json", "."]) == 1
    assert json.loads(capsys.readouterr().out) == [
        {"code": "KMS001", "name": "kms-key-rotation-disabled", "severity": "medium", "count": 2},
        {"code": "BKP001", "name": "backup-vault-without-cmk", "severity": "high", "count": 1},
    ]


def test_color_flag_and_no_color(fake, make, capsys, monkeypatch):
    fake.findings = [make("BKP001", H, Certainty.DEFINITE)]
    main(["check", "--output-format", "concise", "--color", "always", "."])
    assert "\x1b[1;31mBKP001\x1b[0m" in capsys.readouterr().out
    main(["check", "--output-format", "concise", "--color", "never", "."])
    assert "\x1b[" not in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    main(["check", "--output-format", "concise", "."])
    assert "\x1b[" not in capsys.readouterr().out


def test_quiet_prints_findings_only(fake, make, capsys):
    fake.findings = [make("BKP001", H, Certainty.DEFINITE)]
    assert main(["check", "--quiet", "."]) == 1
    assert capsys.readouterr().out == "main.tf:1:1: BKP001 [definite] BKP001 message\n"


def test_no_progress_when_not_a_terminal(fake, make, capsys):
    fake.findings = [make("BKP001", H, Certainty.DEFINITE)]
    main(["check", "."])
    assert capsys.readouterr().err == ""
    assert "progress" not in fake.calls[0][1]


def test_terminal_defaults_to_full_in_colour(fake, make, capsys, monkeypatch):
    fake.findings = [make("BKP001", H, Certainty.DEFINITE)]
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    main(["check", "."])
    out = capsys.readouterr().out
    assert "\x1b[1;31mBKP001\x1b[0m" in out
    assert "  = \x1b[0mbackup-vault-without-cmk · severity high" in out.replace("\x1b[36m", "")
    monkeypatch.setenv("NO_COLOR", "1")
    main(["check", "."])
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    assert out.splitlines()[:4] == [
        "main.tf:1:1: BKP001 [definite] BKP001 message",
        "  |",
        '1 | resource "aws_backup_vault" "v" {',
        "  | " + "^" * 33,
    ]


def test_force_color_turns_colour_on_off_a_terminal(fake, make, capsys, monkeypatch):
    fake.findings = [make("BKP001", H, Certainty.DEFINITE)]
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")  # CI logs render ANSI colours but are no terminal
    main(["check", "--output-format", "concise", "."])
    assert "\x1b[1;31mBKP001\x1b[0m" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")  # both set: FORCE_COLOR wins
    main(["check", "--output-format", "concise", "."])
    assert "\x1b[1;31mBKP001\x1b[0m" in capsys.readouterr().out
    main(["check", "--output-format", "concise", "--color", "never", "."])  # the flag wins
    assert "\x1b[" not in capsys.readouterr().out
    monkeypatch.setenv("FORCE_COLOR", "")  # empty means unset
    main(["check", "--output-format", "concise", "."])
    assert "\x1b[" not in capsys.readouterr().out
    monkeypatch.delenv("NO_COLOR")
    main(["check", "--output-format", "concise", "--output-file", "out.txt", "."])
    assert "\x1b[" not in open("out.txt", encoding="utf-8").read()  # files: never coloured
