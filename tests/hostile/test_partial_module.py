"""A module with broken files still evaluates the rest; what needed the broken part is unknown."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_pipeline import run_pipeline

from iacguard.core.values import Known, Ref, Unknown

KEYS = b"""\
resource "aws_kms_key" "k" {
  enable_key_rotation = true
}

resource "aws_kms_alias" "a" {
  name =
"""
VARS = b"""\
variable "key" {
  default = "arn:aws:kms:eu-west-1:111122223333:key/x"
"""
MAIN = b"""\
resource "aws_backup_vault" "with_key" {
  name        = "a"
  kms_key_arn = aws_kms_key.k.arn
}

resource "aws_backup_vault" "from_var" {
  name        = "b"
  kms_key_arn = var.key
}

resource "aws_backup_vault" "plain" {
  name = "c"
}
"""


def test_one_broken_file_does_not_sink_the_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "keys.tf").write_bytes(KEYS)
    (tmp_path / "vars.tf").write_bytes(VARS)
    (tmp_path / "main.tf").write_bytes(MAIN)
    monkeypatch.chdir(tmp_path)
    run = run_pipeline(["."])
    graph = run.graph
    assert sorted({(e.path, e.line) for e in graph.errors}) == [("keys.tf", 7), ("vars.tf", 3)]
    assert all(e.message.startswith("syntax error") for e in graph.errors)
    # the good block of the broken file is still there
    key = graph.get(".", "aws_kms_key.k")
    assert key is not None and key.get("enable_key_rotation") == Known(True)
    assert graph.get(".", "aws_kms_alias.a") is None
    with_key = graph.get(".", "aws_backup_vault.with_key")
    assert with_key is not None
    assert with_key.get("kms_key_arn") == Known(Ref("aws_kms_key.k", "arn", "."))
    # the variable's declaration was in the broken file: unknown, never guessed
    from_var = graph.get(".", "aws_backup_vault.from_var")
    assert from_var is not None
    value = from_var.get("kms_key_arn")
    assert isinstance(value, Unknown) and "var.key" in value.reason
    keys = run.finding_keys()
    assert ("BKP001", "aws_backup_vault.plain", "main.tf") in keys
    assert not any(a == "aws_backup_vault.with_key" and r == "BKP001" for r, a, _ in keys)
