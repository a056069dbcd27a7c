"""A configuration file nested deeper than the TOML reader can recurse is a located usage error
(exit 2, naming the file), not an internal RecursionError."""

from __future__ import annotations

import pytest

from iacguard.cli import main

DEEP = "[tool.iacguard]\nselect = " + "[" * 100_000 + "]" * 100_000 + "\n"


@pytest.mark.parametrize("how", ["discovered", "--config"])
def test_deeply_nested_toml_is_a_usage_error(tmp_path, monkeypatch, capsys, how):
    (tmp_path / "main.tf").write_text('resource "aws_kms_key" "k" {\n}\n', encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(DEEP, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = ["check", "."] + (["--config", "pyproject.toml"] if how == "--config" else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err == "iacguard: error: pyproject.toml: invalid TOML: nested too deep to read\n"
