"""The summary line says what a user needs, in English: files *checked* (not "findings in 3
files"), "1 baseline entry fixed", how many findings ``--baseline`` and ``--diff-base`` hid;
``--statistics`` refuses a format it cannot render, and its JSON keeps the file-errors row."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from iacguard import cli

KEY_OFF = """\
resource "aws_kms_key" "a" {
  description = "rotation off"
}
"""
KEY_ON = """\
resource "aws_kms_key" "a" {
  description         = "rotation on"
  enable_key_rotation = true
}
"""
OTHER_KEY_OFF = KEY_OFF.replace('"a"', '"b"')


@pytest.fixture
def repo(tmp_path, monkeypatch):
    for name, text in {
        "one/main.tf": KEY_OFF,
        "two/main.tf": OTHER_KEY_OFF,
        "three/main.tf": KEY_ON,
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["check", "--select", "KMS001", "--output-format", "concise", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_summary_counts_files_checked(repo, capsys):
    code, out, _ = check(capsys, "one", "three")
    assert out.splitlines()[-1] == "Found 1 finding (1 definite); 2 files checked."
    code, out, _ = check(capsys, "three")
    assert out.splitlines() == ["No findings; 1 file checked."]


def test_baseline_hidden_and_fixed_counts(repo, capsys):
    assert cli.main(["baseline", "--select", "KMS001", "--output", "base.json", "."]) == 0
    code, out, _ = check(capsys, "--baseline", "base.json", ".")
    assert (code, out) == (0, "No findings; 3 files checked; 2 hidden by --baseline.\n")
    (repo / "one" / "main.tf").write_text(KEY_ON)
    code, out, _ = check(capsys, "--baseline", "base.json", ".")
    assert out == (
        "No findings; 3 files checked; 1 hidden by --baseline; 1 baseline entry fixed.\n"
    )
    (repo / "two" / "main.tf").write_text(KEY_ON.replace('"a"', '"b"'))
    code, out, _ = check(capsys, "--baseline", "base.json", ".")
    assert out == "No findings; 3 files checked; 2 baseline entries fixed.\n"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_base_hidden_count(repo, capsys):
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "start"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
            cwd=repo,
            check=True,
            capture_output=True,
        )
    (repo / "one" / "main.tf").write_text(KEY_OFF + "# touched\n")
    code, out, _ = check(capsys, "--diff-base", "HEAD", ".")
    assert code == 1
    assert out.splitlines()[-1] == (
        "Found 1 finding (1 definite); 3 files checked; 1 hidden by --diff-base HEAD."
    )


@pytest.mark.parametrize("fmt", ["sarif", "github", "gitlab", "junit", "markdown", "html"])
def test_statistics_refuses_a_format_it_cannot_render(repo, capsys, fmt):
    code = cli.main(["check", ".", "--statistics", "--output-format", fmt])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == (
        f"iacguard: error: --statistics prints text or JSON, not {fmt}: use --output-format "
        "concise or json (--report FORMAT=PATH still writes other formats)\n"
    )


def test_statistics_json_keeps_the_file_errors_row(repo, capsys):
    (repo / "broken").mkdir()
    (repo / "broken" / "main.tf").write_text('resource "aws_kms_key" "x" {\n')
    code, out, _ = check(capsys, "--statistics", ".")
    assert out.splitlines() == ["2\tKMS001\tkms-key-rotation-disabled", "1\terror\tfile errors"]
    code = cli.main(["check", ".", "--select", "KMS001", "--statistics", "--output-format", "json"])
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {"code": "KMS001", "name": "kms-key-rotation-disabled", "severity": "medium", "count": 2},
        {"code": "error", "name": "file errors", "severity": None, "count": 1},
    ]
    assert code == 1
