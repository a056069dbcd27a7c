"""``--exclude`` / ``--extend-exclude`` / ``--force-exclude`` (issue 14, item 8), with ruff's
semantics: the command-line globs are gitignore-style and relative to the working directory,
``--exclude`` replaces the configuration's ``exclude`` and ``--extend-exclude`` adds to it; a
file named on the command line is checked even when excluded, unless ``--force-exclude``; the
pre-commit hook passes ``--force-exclude``."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from iacguard.cli import main

REPO = Path(__file__).resolve().parents[2]
VAULT = 'resource "aws_backup_vault" "v" {\n  name = "v"\n}\n'


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for d in ("app", "legacy", "vendor/mod", "app/gen"):
        (tmp_path / d).mkdir(parents=True, exist_ok=True)
        (tmp_path / d / "main.tf").write_text(VAULT)
    (tmp_path / ".iacguard.toml").write_text('select = ["BKP001"]\nexclude = ["vendor/"]\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _files(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    main(["check", "--output-format", "concise", "--quiet", *args])
    return sorted(line.split(":")[0] for line in capsys.readouterr().out.splitlines())


def test_extend_exclude_adds_to_the_configs_exclude(tree, capsys):
    assert _files(capsys, "--extend-exclude", "legacy/") == ["app/gen/main.tf", "app/main.tf"]


def test_exclude_replaces_the_configs_exclude(tree, capsys):
    assert _files(capsys, "--exclude", "legacy/,gen/") == ["app/main.tf", "vendor/mod/main.tf"]


def test_exclude_is_repeatable(tree, capsys):
    assert _files(capsys, "--exclude", "legacy/", "--exclude", "gen/") == [
        "app/main.tf",
        "vendor/mod/main.tf",
    ]


def test_command_line_globs_are_relative_to_the_working_directory(tree, capsys, monkeypatch):
    (tree / "legacy" / ".iacguard.toml").write_text('select = ["BKP001"]\n')
    # anchored glob: relative to where iacguard runs, whichever config the file has
    assert _files(capsys, "--extend-exclude", "/legacy/main.tf") == [
        "app/gen/main.tf",
        "app/main.tf",
    ]
    monkeypatch.chdir(tree / "app")
    assert _files(capsys, ".", "--extend-exclude", "/gen") == ["main.tf"]


def test_a_named_file_is_checked_even_when_excluded(tree, capsys):
    assert _files(capsys, "vendor/mod/main.tf") == ["vendor/mod/main.tf"]
    assert _files(capsys, "app/main.tf", "--extend-exclude", "app/") == ["app/main.tf"]


def test_force_exclude_excludes_named_files_too(tree, capsys):
    assert _files(capsys, "vendor/mod/main.tf", "app/main.tf", "--force-exclude") == ["app/main.tf"]


def test_a_named_directory_is_checked_with_the_globs_below_it(tree, capsys):
    (tree / "vendor" / "mod" / "gen").mkdir()
    (tree / "vendor" / "mod" / "gen" / "main.tf").write_text(VAULT)
    assert _files(capsys, "vendor", "--extend-exclude", "gen/") == ["vendor/mod/main.tf"]
    assert _files(capsys, "vendor", "--force-exclude") == []


def test_show_config_shows_the_command_line_globs(tree, capsys):
    assert main(["check", "--show-config", "--exclude", "a/", "--extend-exclude", "b/"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[0] for line in out if "exclude" in line.split("=")[0]] == [
        'exclude = ["a/"]',
        'extend-exclude = ["b/"]',
    ]


def test_the_pre_commit_hook_forces_exclusion(tree, capsys):
    """pre-commit names every staged file: the hook's own command line leaves the excluded
    ones out."""
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "iacguard"]
    program, *args = shlex.split(hook["entry"])
    assert program == "iacguard"
    staged = ["vendor/mod/main.tf", "app/main.tf"]
    assert _files(capsys, *args[1:], *staged) == ["app/main.tf"]
    assert args[0] == "check"
