"""Ignore files a pull request can add: a line git cannot use is skipped, as git skips it,
and never costs the run (it used to be an internal error, exit 2)."""

from __future__ import annotations

import subprocess
import sys

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


#: a glob Python's backtracking ``re`` needs hours for against the name below (7 stars: 36 s,
#: each star more multiplies it); RE2 answers at once. And the issue's ``*`` x 2000 line.
STARRY = "*a" * 12 + "*b"
LONG_NAME = "a" * 60 + "ba.tf"


def test_star_heavy_globs_match_in_linear_time(tmp_path):
    """Every ignore file, ``exclude`` and ``per-path`` glob runs on RE2 (``core.globs``): run
    in a child with a deadline, which a backtracking matcher would blow past by hours."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text(f"{STARRY}\n{'*' * 2000}b\n", encoding="utf-8")
    (tmp_path / LONG_NAME).write_text(KEY, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.iacguard]\nexclude = ["{STARRY}"]\n'
        f'[[tool.iacguard.per-path]]\npath = ["{STARRY}/x"]\nignore = ["KMS001"]\n',
        encoding="utf-8",
    )
    argv = [sys.executable, "-m", "iacguard", "check", "--output-format", "concise"]
    argv += ["--extend-exclude", STARRY, "."]
    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert f"{LONG_NAME}:1:1: KMS001" in done.stdout  # not ignored, not excluded: checked


def test_the_spec_is_on_re2_or_plain():
    """pathspec's spec runs on RE2; plain lines (no negation, no bracket) need no pathspec:
    ``core.gitignore`` matches them component by component, with no regular expression."""
    from iacguard.core.gitignore import PlainGitIgnore
    from iacguard.core.globs import gitignore_spec

    spec = gitignore_spec([STARRY])
    assert not spec.match_file(LONG_NAME) and spec.match_file("a" * 13 + "b")
    assert isinstance(spec, PlainGitIgnore)
    mixed = gitignore_spec([STARRY, "!keep.tf"])
    assert not mixed.match_file(LONG_NAME) and mixed.match_file("a" * 13 + "b")
    assert mixed._backend_name == "re2"
