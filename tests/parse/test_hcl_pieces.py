"""Big HCL files are parsed a piece at a time (cut only before top-level block headers), so
tree-sitter's tree never holds the whole file: the 17 MB, 60,000-vault file of the hostile
suite peaked at 2.9 GB and now at about 0.45 GB. A valid file reads exactly as it would whole;
a piece with a syntax error (a cut inside a heredoc, a broken block) sends the file to the
whole-file parse and its error recovery."""

from __future__ import annotations

import pytest

from iacguard.parse import hcl


def _vaults(n: int) -> bytes:
    return "".join(
        f'resource "aws_backup_vault" "v{i}" {{\n  name = "v{i}"\n  tags = {{ n = {i} }}\n}}\n\n'
        for i in range(n)
    ).encode()


@pytest.fixture
def small_pieces(monkeypatch):
    monkeypatch.setattr(hcl, "PIECEWISE_BYTES", 2_000)
    monkeypatch.setattr(hcl, "PIECE_BYTES", 500)


def _whole(source: bytes):
    original = hcl.PIECEWISE_BYTES
    hcl.PIECEWISE_BYTES = 10**12
    try:
        return hcl.parse_hcl(source, "main.tf")
    finally:
        hcl.PIECEWISE_BYTES = original


def test_a_big_valid_file_reads_as_it_would_whole(small_pieces):
    source = b'variable "x" {\n  default = "\xc3\xa9"\n}\n' + _vaults(200)
    pieces = hcl._parse_in_pieces(source, "main.tf")
    assert pieces is not None  # really read piecewise
    assert hcl.parse_hcl(source, "main.tf") == _whole(source)
    assert len(pieces.body.blocks) == 201
    last = pieces.body.blocks[-1]
    assert last.labels == ("aws_backup_vault", "v199") and last.span.start_line == 4 + 199 * 5


@pytest.mark.parametrize(
    "trouble",
    [
        # a heredoc holding a line that looks like a block header: a cut there breaks a piece
        'locals {\n  doc = <<EOT\nresource "fake" "x" {\n' + "filler\n" * 200 + "EOT\n}\n",
        # a real syntax error in the middle
        'resource "aws_kms_key" "broken" {\n  x = = 1\n}\n',
    ],
)
def test_trouble_in_a_piece_falls_back_to_the_whole_file_parse(small_pieces, trouble):
    source = _vaults(60) + trouble.encode() + _vaults(60)
    assert hcl.parse_hcl(source, "main.tf") == _whole(source)
