"""A literal longer than 1 MiB is not read (issue 13, "Gigabytes": a 19 MB string took 3.4 GB
in tree-sitter-hcl and the module was lost): its value is Unknown with a located error, and
every other span and finding of the file is as it would be without the cut.
"""

from __future__ import annotations

import json
import os

import pytest
from test_memory_budget import MAX_RSS_KB, _peak_rss_run

from iacguard.core.values import Unknown
from iacguard.evaluate.terraform.expressions import EvalContext, MapScope, evaluate
from iacguard.parse import hcl_cut
from iacguard.parse.hcl import parse_hcl
from iacguard.parse.hcl_ast import Unsupported

SOURCE = """\
locals {
  a = "ééé${"x"}ééééééééééééééééééééééééééééééééééééé" # after, on the same line
  b = <<-EOT
    line one é
    ${local.a} more text more text more text
    EOT
  c = {k = "short", "é" = "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"}
  d = "$${not}%%{no} \\" zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
  e = 1
}
# "not a string <<EOT
x = "a" // <<EOT
y = [for s in ["shortish"] : "${s}-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"]
""".encode()


def _spans(node, out):
    """Every span in an AST (a plain walk over the records)."""
    from iacguard.core import records

    if isinstance(node, tuple):
        for x in node:
            _spans(x, out)
    elif records.is_record(node):
        for f in records.fields(node):
            value = getattr(node, f.name)
            if f.name.endswith("span"):
                out.append(value)
            else:
                _spans(value, out)
    return out


def test_each_long_literal_is_unknown_and_located(monkeypatch):
    monkeypatch.setattr(hcl_cut, "LITERAL_LIMIT", 30)
    parsed = parse_hcl(SOURCE, "t.tf")
    where = {(e.line, e.column): e.message for e in parsed.errors}
    assert set(where) == {(2, 7), (3, 7), (7, 27), (8, 7), (13, 30)}
    assert where[(3, 7)].startswith("heredoc of 75 bytes is not read: over the 30 bytes limit")
    assert where[(2, 7)].startswith("string literal of 88 bytes is not read")
    local = {a.name: a.expr for a in parsed.body.blocks[0].body.attributes}
    for name in "abd":
        assert isinstance(local[name], Unsupported)
        value = evaluate(local[name], MapScope({}), EvalContext())
        assert isinstance(value, Unknown) and "is not read" in value.reason
    assert local["e"].value == 1
    assert parsed.body.attributes[0].expr.value == "a"


def test_spans_outside_the_cut_are_as_written(monkeypatch):
    whole = parse_hcl(SOURCE, "t.tf")
    monkeypatch.setattr(hcl_cut, "LITERAL_LIMIT", 30)
    cut = parse_hcl(SOURCE, "t.tf")
    _, cuts = hcl_cut.cut_long_literals(SOURCE, "t.tf")
    assert whole.errors == () and len(cuts) == 5

    def inside(s):
        return any(
            s != c.span
            and (c.span.start_line, c.span.start_column) <= (s.start_line, s.start_column)
            and (s.end_line, s.end_column) <= (c.span.end_line, c.span.end_column)
            for c in cuts
        )

    # node for node the same spans, but for the nodes inside a cut literal
    assert _spans(cut.body, []) == [s for s in _spans(whole.body, []) if not inside(s)]


def test_a_literal_under_the_limit_is_read():
    text = "x" * 1000
    parsed = parse_hcl(f'a = "{text}"\n'.encode(), "t.tf")
    assert parsed.errors == () and parsed.body.attributes[0].expr.value == text


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="needs wait4 to measure peak RSS")
@pytest.mark.parametrize("kind", ["string", "heredoc"])
def test_a_19_mb_literal_costs_megabytes_and_keeps_the_findings(kind, tmp_path):
    """Once 3.4 GB and a lost module; the key's finding beside it must survive."""
    if kind == "string":
        literal = b'"' + b"a" * 19_000_000 + b'"'
    else:
        literal = b"<<EOT\n" + (b"a" * 99 + b"\n") * 190_000 + b"EOT"
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_bytes(
        b"locals {\n  big = "
        + literal
        + b"\n}\n\n"
        + b'resource "aws_kms_key" "k" {\n  enable_key_rotation = false\n}\n'
        + b'resource "aws_kms_key" "j" {\n  enable_key_rotation = length(local.big) > 0\n}\n'
    )
    out = tmp_path / "report.json"
    args = ["check", "--jobs", "1", "--no-cache", "--output-format", "json", "m"]
    code, rss_kb = _peak_rss_run(args, tmp_path, out)
    assert code == 1
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [(e["path"], e["line"], e["column"]) for e in doc["errors"]] == [("m/main.tf", 2, 9)]
    assert "MB is not read: over the 1 MiB limit" in doc["errors"][0]["message"]
    found = {(f["rule_id"], f["resource"]["address"]) for f in doc["findings"]}
    assert ("KMS001", "aws_kms_key.k") in found
    # j's rotation depends on the unread literal: never a definite finding
    assert not [
        f
        for f in doc["findings"]
        if f["resource"]["address"] == "aws_kms_key.j" and f["certainty"] == "definite"
    ]
    assert rss_kb < MAX_RSS_KB, f"peak RSS {rss_kb} KB"
