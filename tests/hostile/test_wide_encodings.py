"""Files in UTF-16 or UTF-32 are located errors naming their real encoding (the UTF-32
little-endian byte-order mark begins with the UTF-16 one: it used to be called UTF-16)."""

from __future__ import annotations

import pytest

from iacguard.cli import main

KEY = 'resource "aws_kms_key" "k" {\n}\n'
TEMPLATE = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  K:\n    Type: AWS::KMS::Key\n"


@pytest.mark.parametrize(
    ("codec", "name"),
    [
        ("utf-16-le", "UTF-16"),
        ("utf-16-be", "UTF-16"),
        ("utf-32-le", "UTF-32"),
        ("utf-32-be", "UTF-32"),
    ],
)
@pytest.mark.parametrize(("file", "text"), [("main.tf", KEY), ("template.yaml", TEMPLATE)])
def test_wide_encodings_are_named_right(tmp_path, monkeypatch, capsys, codec, name, file, text):
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(codec)
    bom = bom or {"utf-32-le": b"\xff\xfe\x00\x00", "utf-32-be": b"\x00\x00\xfe\xff"}[codec]
    (tmp_path / file).write_bytes(bom + text.encode(codec))
    (tmp_path / "other.tf").write_text(KEY.replace('"k"', '"other"'), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", ".", "--output-format", "concise"]) == 1
    out = capsys.readouterr().out
    assert f"{file}:1:1: error: file is {name} encoded (byte-order mark)" in out
    assert "aws_kms_key.other" in out  # the neighbour's finding is kept
