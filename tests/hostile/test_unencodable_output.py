"""A report can always be written: text from scanned files that is not valid Unicode (a lone
surrogate from a ``\\u`` escape, the undecodable bytes of a file name) used to make every format
but junit fail with UnicodeEncodeError (exit 2) and truncate ``--output-file``. Now every format
exits as the run would, writes valid UTF-8 (such text as a visible ``\\udcXX`` escape), and an
output file is replaced atomically or not at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from iacguard.cli import _write_with

FORMATS = ["full", "concise", "json", "sarif", "junit", "github", "gitlab", "markdown", "html"]


def _tree(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "main.tf").write_text(
        'resource "aws_backup_vault" "v" {\n  name = "a\\ud800b"\n}\n', encoding="utf-8"
    )
    (root / "vault.tf.json").write_text(
        '{"resource": {"aws_backup_vault": {"j": {"name": "x\\udfffy"}}}}', encoding="utf-8"
    )
    (root / "t.json").write_text(
        json.dumps(
            {
                "AWSTemplateFormatVersion": "2010-09-09",
                "Resources": {"V": {"Type": "AWS::Backup::BackupVault"}},
            }
        ).replace('"V"', '"V\\ud834"'),
        encoding="utf-8",
    )
    odd = os.path.join(os.fsencode(root), b"d\xffir")
    os.mkdir(odd)
    with open(os.path.join(odd, b"k\xfe.tf"), "w", encoding="utf-8") as fh:
        fh.write('resource "aws_kms_key" "k" {\n}\n')
    return root


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_writes_valid_utf8_to_stdout_and_to_a_file(tmp_path, fmt):
    root = _tree(tmp_path)
    out_file = tmp_path / f"report.{fmt}"
    out_file.write_text("previous report\n", encoding="utf-8")
    for extra in ([], ["--output-file", str(out_file)]):
        done = subprocess.run(
            [sys.executable, "-m", "iacguard", "check", ".", "--output-format", fmt, *extra],
            cwd=root,
            capture_output=True,
            timeout=300,
        )
        assert done.returncode == 1, done.stderr.decode("utf-8", "replace")
        assert b"UnicodeEncodeError" not in done.stderr
        data = out_file.read_bytes() if extra else done.stdout
        text = data.decode("utf-8")  # strict: valid UTF-8
        if fmt in ("json", "sarif", "gitlab"):
            json.loads(text)
        assert "KMS001" in text
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".iacguard-")]


def test_an_output_file_is_replaced_whole_or_not_at_all(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("the previous report\n", encoding="utf-8")

    def fails_half_way(fh):
        fh.write('{"findings": [')
        raise RuntimeError("the reporter broke")

    with pytest.raises(RuntimeError):
        _write_with(str(target), fails_half_way)
    assert target.read_text(encoding="utf-8") == "the previous report\n"
    assert sorted(os.listdir(tmp_path)) == ["report.json"]  # no temporary file left behind
    _write_with(str(target), lambda fh: fh.write("new \ud800 report\n"))
    assert target.read_bytes() == b"new \\ud800 report\n"
