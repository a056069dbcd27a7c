"""A leading UTF-8 byte order mark (Windows editors write one) is not text: every reported
column is the one an editor shows, the same as without the BOM, in every input language, and
``full`` quotes the first line without it so the carets stay under the span.

Before, HCL findings on the first line were one column to the right (``main.tf:1:2``) and
``full`` printed the BOM into the quoted line, its carets one column off.
"""

from __future__ import annotations

import codecs

import pytest

from iacguard import cli

CASES = {
    "main.tf": ('resource "aws_kms_key" "k" { description = "x" }\n', "main.tf:1:1: KMS001"),
    "main.tf.json": (
        '{"resource": {"aws_kms_key": {"k": {"description": "x"}}}}\n',
        "main.tf.json:1:31: KMS001",
    ),
    "vault.yaml": (
        "Resources: {Vault: {Type: AWS::Backup::BackupVault, Properties: {BackupVaultName: v}}}\n",
        "vault.yaml:1:13: BKP001",
    ),
    "vault.json": (
        '{"Resources": {"Vault": {"Type": "AWS::Backup::BackupVault", '
        '"Properties": {"BackupVaultName": "v"}}}}\n',
        "vault.json:1:16: BKP001",
    ),
}


def _check(capsys, *args: str) -> list[str]:
    cli.main(["check", "--select", "BKP001,KMS001", *args])
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
@pytest.mark.parametrize("name", list(CASES))
def test_first_line_columns_ignore_the_bom(tmp_path, monkeypatch, capsys, name, bom):
    text, expected = CASES[name]
    (tmp_path / name).write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode())
    monkeypatch.chdir(tmp_path)
    lines = _check(capsys, name, "--output-format", "concise")
    assert [line.split(" [")[0] for line in lines[:-1]] == [expected]


@pytest.mark.parametrize("name", list(CASES))
def test_full_quotes_the_first_line_without_the_bom(tmp_path, monkeypatch, capsys, name):
    text, expected = CASES[name]
    (tmp_path / name).write_bytes(codecs.BOM_UTF8 + text.encode())
    monkeypatch.chdir(tmp_path)
    lines = _check(capsys, name, "--output-format", "full")
    quoted = next(line for line in lines if line.startswith("1 | "))
    assert quoted == "1 | " + text.rstrip("\n")
    carets = lines[lines.index(quoted) + 1]
    column = int(expected.split(":")[2])
    assert carets.index("^") == len("  | ") + column - 1
