"""Usage errors say what is wrong and point at the right help (issue 14, item 18): a ``--config``
that is not a regular file says what it is, a missing ``--var-file`` is exit 2, ``graph`` takes
``--output-format`` like ``check``, and an unknown flag names the command's ``--help``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from iacguard.cli import main

MAIN_TF = 'resource "aws_kms_key" "k" {\n  enable_key_rotation = false\n}\n'


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "main.tf").write_text(MAIN_TF)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().err.strip()


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_config_dev_null_says_it_is_a_device(repo, capsys):
    assert main(["check", "--config", "/dev/null", "."]) == 2
    assert _error(capsys) == "iacguard: error: --config /dev/null: a device, not a regular file"


def test_config_directory_says_it_is_a_directory(repo, capsys):
    (repo / "conf").mkdir()
    assert main(["check", "--config", "conf", "."]) == 2
    assert _error(capsys) == "iacguard: error: --config conf: a directory, not a regular file"


def test_config_missing_still_says_no_such_file(repo, capsys):
    assert main(["check", "--config", "nope.toml", "."]) == 2
    assert _error(capsys) == "iacguard: error: --config nope.toml: no such file"


@pytest.mark.parametrize("command", ["check", "baseline", "graph"])
def test_missing_var_file_is_a_usage_error(repo, capsys, command):
    extra = ["--output", "b.json"] if command == "baseline" else []
    assert main([command, ".", "--var-file", "prod.tfvars", *extra]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == "iacguard: error: --var-file prod.tfvars: no such file"
    assert captured.out == ""  # the run did not happen
    assert not (repo / "b.json").exists()


def test_var_file_that_is_a_directory_is_a_usage_error(repo, capsys):
    (repo / "vars").mkdir()
    assert main(["check", ".", "--var-file", "vars"]) == 2
    assert "--var-file vars: a directory, not a regular file" in _error(capsys)


def test_graph_accepts_output_format_and_format(repo, capsys):
    assert main(["graph", ".", "--output-format", "mermaid"]) == 0
    assert capsys.readouterr().out.startswith("flowchart")
    assert main(["graph", ".", "--format", "json"]) == 0
    assert "resources" in json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("command", ["graph", "check", "rules"])
def test_unknown_flag_points_at_the_commands_help(repo, capsys, command):
    assert main([command, "--bogus"]) == 2
    assert _error(capsys) == (
        f"iacguard: error: unrecognized arguments: --bogus (see `iacguard {command} --help`)"
    )


def test_unknown_top_level_flag_points_at_iacguard_help(repo, capsys):
    assert main(["--bogus"]) == 2
    assert _error(capsys).endswith("(see `iacguard --help`)")
