"""Plain strings masked for tree-sitter (``hcl_cut.mask_strings``): the same file read as
before, values, spans and errors alike, for every kind of string, comment and heredoc."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.parse import hcl_cut
from iacguard.parse.hcl import parse_hcl

ROOT = Path(__file__).resolve().parents[2]

TRICKY = [
    b'x = "plain"\ny = "caf\xc3\xa9 \xe2\x82\xac"\n',
    b'x = "a\\nb\\"c" # "not" a string\n// "nor" this\n',
    b'/* " */ x = "abc" /* "" */\ny = "def"\n',
    b'x = "${join(",", ["a b", "c"])} and \\"q\\" ${"in"}"\n',
    b'x = "%{ if true }yes%{ endif }" == "yes"\n',
    b'x = "$${not} %%{not}"\n',
    b'x = <<EOT\n  "quoted" in a heredoc ${"inner"}\nEOT\ny = "after"\n',
    b'x = <<-EOT\n    "a"\n  EOT\n',
    b'x = "\\q bad escape" \ny = "ok"\n',
    b'x = "unterminated\ny = "ok"\n',
    b'resource "a" "b" {\n  name = "v"\n  tags = { k = "v v", "k 2" = "w" }\n}\n',
    b'resource "a" "b" {\n  broken = = "v"\n}\nresource "a" "c" { x = "y" }\n',
    b'x = "a\tb" // tab inside\ny = "\xff\xfe"\n',
    b'x = 1e3\ny = "one e three"\n',
]


def _both(source: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.setattr(hcl_cut, "MASK_BYTES", 10**12)
    plain = parse_hcl(source, "m.tf")
    monkeypatch.setattr(hcl_cut, "MASK_BYTES", 0)
    masked = parse_hcl(source, "m.tf")
    return repr(plain), repr(masked)


@pytest.mark.parametrize("source", TRICKY)
def test_masked_reads_as_unmasked(source: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    plain, masked = _both(source, monkeypatch)
    assert masked == plain


def test_only_plain_strings_in_code_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hcl_cut, "MASK_BYTES", 0)
    source = (
        b'x = "plain" # "comment"\n/* "block" */ y = "${"inner"} \\n"\nz = <<EOT\n"heredoc"\nEOT\n'
    )
    masked = hcl_cut.mask_strings(source)
    assert len(masked) == len(source)
    assert masked == (
        b'x = "     " # "comment"\n/* "block" */ y = "${"     "} \\n"\nz = <<EOT\n"heredoc"\nEOT\n'
    )


def test_small_files_are_not_masked() -> None:
    source = b'x = "plain"\n'
    assert hcl_cut.mask_strings(source) is source


def test_every_fixture_reads_as_unmasked(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = sorted((ROOT / "fixtures").rglob("*.tf"))
    corpus = ROOT.parent / "shared" / "corpus"
    if corpus.is_dir():
        paths += sorted(corpus.rglob("*.tf"))
    assert paths
    for path in paths:
        source = path.read_bytes()
        plain, masked = _both(source, monkeypatch)
        assert masked == plain, path


def test_pieces_read_as_unmasked(monkeypatch: pytest.MonkeyPatch) -> None:
    from iacguard.parse import hcl

    monkeypatch.setattr(hcl, "PIECEWISE_BYTES", 100)
    monkeypatch.setattr(hcl, "PIECE_BYTES", 50)
    valid = b"".join(
        b'resource "a" "v%d" {\n  name = "v %d"\n  tags = { k = "${"x"} y" }\n}\n' % (i, i)
        for i in range(20)
    )
    broken = valid + b'resource "a" "bad" {\n  x = = "v"\n}\n' + valid
    for source in (valid, broken):
        plain, masked = _both(source, monkeypatch)
        assert masked == plain
