"""A hostile file must not drive the user's terminal: control characters quoted from scanned
files (source lines, values in messages, file names) are printed as visible escapes."""

from __future__ import annotations

import pytest

from iacguard.api import check
from iacguard.config.model import Config
from iacguard.report import render
from iacguard.report.terminal import printable

HOSTILE_TF = (
    'resource "aws_kms_key" "k" {\n'
    "  enable_key_rotation = false # \x1b]0;pwned\x07\x1b[2J\n"
    "  deletion_window_in_days = 7\n"
    "}\n"
    'resource "aws_backup_vault" "v" {\n'
    '  name        = "vault"\n'
    '  kms_key_arn = "alias/\u202eevil\x1b[8m"\n'
    "}\n"
)
RAW = ("\x1b", "\x07", "\u202e")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text\tand a tab", "plain text\tand a tab"),
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
        ("over\rwrite\x08", "over\\x0dwrite\\x08"),
        ("two\nlines", "two\\x0alines"),
        ("\x9b31m C1 CSI", "\\x9b31m C1 CSI"),
        ("abc\u202edef\u2066", "abc\\u202edef\\u2066"),
        ("ünïcödé ✓", "ünïcödé ✓"),
    ],
)
def test_printable(text, shown):
    assert printable(text) == shown


@pytest.fixture
def hostile_report(tmp_path, monkeypatch):
    (tmp_path / "main.tf").write_text(HOSTILE_TF, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return check(["."], Config(), jobs=1)


@pytest.mark.parametrize("fmt", ["full", "concise", "github"])
def test_text_reporters_escape_control_characters(hostile_report, fmt):
    assert {f.rule_id for f in hostile_report.live} >= {"KMS001", "BKP003"}
    text = render(hostile_report, fmt, color=False)
    for raw in RAW:
        assert raw not in text
    assert "\\u202e" in text  # the alias value quoted in BKP003's message


def test_full_quotes_the_hostile_line_escaped_with_carets_under_it(hostile_report):
    text = render(hostile_report, "full", color=False)
    lines = text.splitlines()
    quoted = "2 |   enable_key_rotation = false # \\x1b]0;pwned\\x07\\x1b[2J"
    assert quoted in lines
    below = lines[lines.index(quoted) + 1]
    assert below == "  |   " + "^" * len("enable_key_rotation = false")


def test_colour_codes_of_our_own_are_kept(hostile_report):
    text = render(hostile_report, "concise", color=True)
    assert "\x1b[" in text  # iacguard's own colours
    assert "\x1b]0;" not in text and "\u202e" not in text


def test_keep_newlines_keeps_only_cr_and_lf():
    assert printable("a\r\nb\x1b\x0b\u202e", keep_newlines=True) == "a\r\nb\\x1b\\x0b\\u202e"


# YAML refuses raw control characters (a located parse error), but its escapes put them in
# values, which messages quote
HOSTILE_YAML = (
    "Resources:\n"
    "  Vault:\n"
    "    Type: AWS::Backup::BackupVault\n"
    "    Properties:\n"
    "      BackupVaultName: v\n"
    '      EncryptionKeyArn: "alias/\\u202eevil\\e[8m"\n'
)


@pytest.mark.parametrize("fmt", ["full", "concise", "github"])
def test_cloudformation_values_and_lines_are_escaped_too(tmp_path, monkeypatch, fmt):
    (tmp_path / "t.yaml").write_text(HOSTILE_YAML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = check(["."], Config(), jobs=1)
    assert [f.rule_id for f in report.live] == ["BKP003"]  # a customer alias: not BKP001
    text = render(report, fmt, color=False)
    for raw in RAW:
        assert raw not in text
    assert "alias/\\u202eevil\\x1b[8m" in text


def test_github_properties_carry_no_raw_controls_from_file_names(tmp_path, monkeypatch):
    """A file named with ESC ] ... BEL (an OSC sequence) used to reach ``file=`` raw."""
    import subprocess
    import sys

    (tmp_path / "a\x1b]0;pwned\x07.tf").write_text('resource "aws_kms_key" "k" {\n}\n')
    done = subprocess.run(
        [sys.executable, "-m", "iacguard", "check", ".", "--output-format", "github"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    first = done.stdout.splitlines()[0]
    assert first.startswith("::warning file=a\\x1b]0;pwned\\x07.tf,line=1,")
    assert not any(c in done.stdout for c in "\x1b\x07\x9b")
