"""Ignore files a pull request can add: a line git cannot use is skipped, as git skips it,
and never costs the run (it used to be an internal error, exit 2)."""

from __future__ import annotations

import subprocess

import pytest

from iacguard.cli import main

KEY = 'resource "aws_kms_key" "k" {\n}\n'


@pytest.mark.parametrize("bad", ["[z-a]", "foo[9-0]bar", "[b-a]*.tf"])
def test_an_unusable_gitignore_line_is_skipped_and_the_rest_applies(
    tmp_path, monkeypatch, capsys, bad
):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text(f"{bad}\nignored.tf\n", encoding="utf-8")
    (tmp_path / "main.tf").write_text(KEY, encoding="utf-8")
    (tmp_path / "ignored.tf").write_text(KEY.replace('"k"', '"other"'), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", ".", "--output-format", "concise"]) == 1
    out = capsys.readouterr()
    assert "internal error" not in out.err
    assert "aws_kms_key.k " in out.out  # main.tf is checked
    assert "aws_kms_key.other" not in out.out  # the good line after the bad one still ignores
