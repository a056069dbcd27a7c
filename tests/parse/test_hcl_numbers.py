"""HCL number literals as HCL defines them: an exponent needs no fraction (``1e3``, ``1E-3``,
``2e+2``), which tree-sitter-hcl cannot read on its own; spans still point into the file as
written, and the block's findings are no longer lost to a syntax error."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from iacguard.api import check
from iacguard.config.load import load_config
from iacguard.parse.hcl import parse_hcl

LITERALS = ["1e3", "1E3", "1e+3", "1E-3", "25e-1", "1.5e3", "7"]


@pytest.mark.parametrize("literal", LITERALS)
def test_a_number_with_an_exponent_is_a_number(literal):
    source = f'x = {literal}\ny = [{literal}, "é", {literal}] # {literal}\nz = "{literal}"\n'
    parsed = parse_hcl(source.encode(), "t.tf")
    assert parsed.errors == ()
    x, y, z = parsed.body.attributes
    assert x.expr.value == float(literal)
    width = len(literal)
    assert (x.expr.span.start_column, x.expr.span.end_column) == (5, 5 + width)
    first, text, last = y.expr.items
    assert (first.span.start_column, first.span.end_column) == (6, 6 + width)
    assert text.value == "é" and text.span.start_column == 8 + width
    assert (last.span.start_column, last.span.end_column) == (13 + width, 13 + 2 * width)
    assert z.expr.value == literal  # inside a string it stays text


def test_exponents_in_a_file_with_a_real_syntax_error_keep_their_columns():
    with_exponents = b'a = 1e1\nbroken = = 2\nresource "r" "n" {\n  v = [3e0, 4e0]\n}\n'
    plain = b'a = 1.0e1\nbroken = = 2\nresource "r" "n" {\n  v = [3.0e0, 4.0e0]\n}\n'
    ours, theirs = parse_hcl(with_exponents, "t.tf"), parse_hcl(plain, "t.tf")
    # the real error is reported exactly as in the same file written with fractions
    assert ours.errors == theirs.errors and ours.errors
    assert [a.expr.value for a in ours.body.attributes] == [10.0]
    assert ours.body.attributes[0].expr.span.end_column == 8  # `1e1` is 3 columns wide


def test_a_key_with_an_exponent_window_is_checked(tmp_path):
    (tmp_path / "main.tf").write_text(
        'resource "aws_kms_key" "k" {\n  deletion_window_in_days = 7e0\n'
        "  enable_key_rotation = true\n}\n",
        encoding="utf-8",
    )
    report = check([str(tmp_path)], load_config([str(tmp_path)]))
    assert report.errors == ()
    (finding,) = report.findings
    assert (finding.rule_id, finding.location.start_line, finding.location.start_column) == (
        "KMS002",
        2,
        3,
    )
    assert "is 7 days" in finding.message


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform CLI not installed")
def test_terraform_reads_the_same_numbers(tmp_path):
    """The oracle: ``terraform console`` evaluates the literals to the same numbers."""
    (tmp_path / "main.tf").write_text("", encoding="utf-8")
    expr = "[" + ", ".join(LITERALS) + "]"
    done = subprocess.run(
        ["terraform", "console"],
        input=f"jsonencode({expr})\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    theirs = json.loads(json.loads(done.stdout.strip()))
    ours = [
        parse_hcl(f"x = {lit}\n".encode(), "t.tf").body.attributes[0].expr.value for lit in LITERALS
    ]
    assert theirs == ours
