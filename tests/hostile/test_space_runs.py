"""Runs of spaces on one line (issue 13, found while bounding tree-sitter): tree-sitter-hcl spent
about 500 bytes per space (a line of 1 MB of spaces: 514 MB; in a list, more than a gigabyte).
A run of ``hcl_cut.SPACE_RUN`` or more spaces and tabs in code is now read as one comment of
the same length: the same syntax, every line and column kept; in a string, a heredoc or a
comment the spaces stay content.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from test_memory_budget import MAX_RSS_KB, _peak_rss_run

from iacguard.parse import hcl_cut
from iacguard.parse.hcl import parse_hcl

RUN = b" " * 150
TABS = b"\t" * 150

CASES = [
    b"x = [" + RUN + b"1," + TABS + b"2]\ny = 3" + RUN + b"\n",
    b"x = 4 /" + RUN + b"2\ny = 2" + RUN + b"*" + RUN + b"3\n",
    b'resource "a"' + RUN + b'"b"' + RUN + b"{\n" + RUN + b"k = 1" + RUN + b"# c\n}\n",
    b'x = "' + RUN + b'"\ny = "${' + RUN + b'1}"\n# ' + RUN + b"\n/*" + RUN + b"*/ z = 1\n",
    b"x = <<EOT\n" + RUN + b"text\n" + RUN + b"EOT\ny = 1\n",
    b"x = = " + RUN + b"1\ny = 1\n",
    b"x = caf\xc3\xa9" + RUN + b"\ny = [" + RUN + b"\xc3\xa9]\n",
]


@pytest.mark.parametrize("source", CASES)
def test_a_run_reads_as_written(source: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """Values, spans and errors as tree-sitter reads the spaces themselves."""
    bounded = parse_hcl(source, "t.tf")
    monkeypatch.setattr(hcl_cut, "_SPACE_RUN", re.compile(rb"(?!)"))
    assert hcl_cut.cut_long_literals(source, "t.tf")[0] == source
    assert repr(bounded) == repr(parse_hcl(source, "t.tf"))


def test_spaces_in_a_string_heredoc_or_comment_are_kept():
    source = b'a = "' + RUN + b'"\nb = <<EOT\n' + RUN + b"\nEOT\n# " + RUN + b"\n// " + RUN + b"\n"
    assert hcl_cut.cut_long_literals(source, "t.tf")[0] == source


def test_a_run_in_code_becomes_a_comment_of_its_length():
    source = b"x = [" + RUN + b"1]\n"
    cut = hcl_cut.cut_long_literals(source, "t.tf")[0]
    assert cut == b"x = [ /*" + b" " * (len(RUN) - 6) + b"*/ 1]\n"
    fewer = b"x = [" + b" " * (hcl_cut.SPACE_RUN - 1) + b"1]\n"
    assert hcl_cut.cut_long_literals(fewer, "t.tf")[0] == fewer


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="needs wait4 to measure peak RSS")
def test_a_megabyte_of_spaces_costs_megabytes(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_bytes(
        b"locals {\n  x = [" + b" " * 1_000_000 + b"1]\n" + b" " * 1_000_000 + b"\n"
        b'}\nresource "aws_kms_key" "k" {\n  enable_key_rotation = false\n}\n'
    )
    out = tmp_path / "report.json"
    args = ["check", "--jobs", "1", "--no-cache", "--output-format", "json", "m"]
    code, rss_kb = _peak_rss_run(args, tmp_path, out)
    assert code == 1
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["errors"] == []
    assert [(f["rule_id"], f["location"]["start_line"]) for f in doc["findings"]] == [("KMS001", 6)]
    assert rss_kb < MAX_RSS_KB, f"peak RSS {rss_kb} KB"
