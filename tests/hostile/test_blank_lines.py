"""Runs of blank lines (issue 13, found while bounding tree-sitter): tree-sitter-hcl spent about
600 bytes per blank line (2,000,000 of them: 1.2 GB) and, inside brackets, time quadratic in
the run (4,000 lines of spaces in a list: 18 s in C, where no time limit interrupts it). A run
of ``hcl_cut.BLANK_LINES`` or more blank lines in code is now read as one comment: the same
syntax, every line number kept; in a heredoc, a string or a comment the lines stay content.
"""

from __future__ import annotations

import json
import os

import pytest
from test_memory_budget import MAX_RSS_KB, _peak_rss_run

from iacguard.parse import hcl_cut
from iacguard.parse.hcl import parse_hcl

RUN = b"          \n" * 4000


def test_a_run_in_a_list_reads_as_written():
    parsed = parse_hcl(b"x = [\n" + RUN + b"  1,\n" + RUN + b"  2]\ny = 3\n", "t.tf")
    assert parsed.errors == ()
    x, y = parsed.body.attributes
    assert [(i.value, i.span.start_line) for i in x.expr.items] == [(1, 4002), (2, 8003)]
    assert (y.name, y.span.start_line) == ("y", 8004)


def test_blank_lines_in_a_heredoc_string_or_comment_are_kept():
    source = b"a = <<EOT\n" + RUN + b'EOT\nb = "${\n' + RUN + b'"x"}"\n/*\n' + RUN + b"*/\nc = 1\n"
    masked, _ = hcl_cut.cut_long_literals(source, "t.tf")
    assert masked == source
    parsed = parse_hcl(source, "t.tf")
    a, b, c = parsed.body.attributes
    assert a.expr.value == RUN.decode() and c.span.start_line == 3 * 4000 + 7


def test_fewer_blank_lines_are_left_alone():
    source = b"x = 1\n" + b"\n" * (hcl_cut.BLANK_LINES - 2) + b"y = 2\n"
    assert hcl_cut.cut_long_literals(source, "t.tf")[0] == source


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="needs wait4 to measure peak RSS")
def test_two_million_blank_lines_cost_megabytes(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_bytes(
        b"locals {\n  x = 1\n"
        + b"\n" * 2_000_000
        + b'}\nresource "aws_kms_key" "k" {\n  enable_key_rotation = false\n}\n'
    )
    out = tmp_path / "report.json"
    args = ["check", "--jobs", "1", "--no-cache", "--output-format", "json", "m"]
    code, rss_kb = _peak_rss_run(args, tmp_path, out)
    assert code == 1
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["errors"] == []
    assert [(f["rule_id"], f["location"]["start_line"]) for f in doc["findings"]] == [
        ("KMS001", 2_000_005)
    ]
    assert rss_kb < MAX_RSS_KB, f"peak RSS {rss_kb} KB"
