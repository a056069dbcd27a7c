"""parse_hcl / parse_tf_json / parse_tfvars: AST shape, exact spans, errors, bounds."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from iacguard.core.located import FileError
from iacguard.core.spans import Span
from iacguard.parse.comments import hcl_comments
from iacguard.parse.hcl import parse_hcl
from iacguard.parse.hcl_ast import (
    Binary,
    Call,
    Conditional,
    ForExpr,
    GetAttr,
    Index,
    Literal,
    ObjectExpr,
    Postfix,
    Splat,
    Template,
    TemplateFor,
    TemplateIf,
    Traversal,
    TupleExpr,
    Unary,
    Unsupported,
)
from iacguard.parse.hcl_convert import MAX_DEPTH
from iacguard.parse.hcl_json import parse_tf_json
from iacguard.parse.hcl_template import parse_template
from iacguard.parse.tfvars import parse_tfvars

P = "main.tf"


def S(sl: int, sc: int, el: int, ec: int, path: str = P) -> Span:
    return Span(path, sl, sc, el, ec)


def attr_expr(text: str):
    f = parse_hcl(text.encode(), P)
    assert f.errors == ()
    return f.body.attributes[0].expr


BACKUP = b"""# top comment
resource "aws_backup_plan" "p" {
  name = "plan"
  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.v.name
    copy_action {
      destination_vault_arn = aws_backup_vault.dr.arn // inline
    }
  }
  /* block
     comment */
}
"""


def test_spans_of_blocks_nested_blocks_and_attributes() -> None:
    f = parse_hcl(BACKUP, P)
    assert f.errors == ()
    (plan,) = f.body.blocks
    assert (plan.type, plan.labels) == ("resource", ("aws_backup_plan", "p"))
    assert plan.span == S(2, 1, 13, 2)
    assert plan.header_span == S(2, 1, 2, 31)
    name = plan.body.attributes[0]
    assert name.name == "name"
    assert name.span == S(3, 3, 3, 16)
    assert name.expr == Literal("plan", S(3, 10, 3, 16))
    (rule,) = plan.body.blocks
    assert rule.type == "rule" and rule.labels == ()
    assert rule.span == S(4, 3, 10, 4)
    assert rule.header_span == S(4, 3, 4, 7)
    target = rule.body.attribute("target_vault_name")
    assert target is not None
    assert target.span == S(6, 5, 6, 48)
    assert target.expr == Traversal(
        "aws_backup_vault",
        (GetAttr("v", S(6, 41, 6, 43)), GetAttr("name", S(6, 43, 6, 48))),
        S(6, 25, 6, 48),
    )
    (copy,) = rule.body.blocks
    dest = copy.body.attributes[0]
    assert dest.name == "destination_vault_arn"
    assert dest.span == S(8, 7, 8, 54)


def test_comments_are_collected_with_lines() -> None:
    # the parser keeps no comments: parse.comments is the one scanner, on the same text
    f = parse_hcl(BACKUP, P)
    assert not hasattr(f, "comments")
    found = [(c.line, c.text) for c in hcl_comments(BACKUP.decode())]
    assert found == [(1, " top comment"), (8, " inline"), (11, " block"), (12, "     comment */")]


def test_non_ascii_columns_are_characters() -> None:
    f = parse_hcl('tags = { Name = "café" }\nx = 1\n'.encode(), P)
    tags = f.body.attributes[0]
    assert tags.span == S(1, 1, 1, 25)
    assert tags.expr == ObjectExpr(
        ((Literal("Name", S(1, 10, 1, 14)), Literal("café", S(1, 17, 1, 23))),), S(1, 8, 1, 25)
    )


def test_heredoc_plain_and_indented() -> None:
    src = (
        b'a = <<EOT\n  {"x": 1}\n    y\nEOT\nb = <<-EOT\n    one ${v}\n      two\n    EOT\nc = 1\n'
    )
    f = parse_hcl(src, P)
    assert f.errors == ()
    a, b, c = f.body.attributes
    assert a.expr == Literal('  {"x": 1}\n    y\n', S(1, 5, 4, 4))
    assert a.span == S(1, 1, 4, 4)
    assert b.expr == Template(
        ("one ", Traversal("v", (), S(6, 11, 6, 12)), "\n  two\n"), S(5, 5, 8, 8), heredoc=True
    )
    assert c.expr == Literal(1, S(9, 5, 9, 6))


def test_heredoc_escapes_and_no_backslash_processing() -> None:
    e = attr_expr("a = <<EOT\n$${x} \\n %%{y}\nEOT\n")
    assert e == Literal("${x} \\n %{y}\n", S(1, 5, 3, 4))


def test_quoted_escapes() -> None:
    e = attr_expr('a = "q\\"\\n\\t\\\\ \\u00e9 $${x} %%{y}"\n')
    assert isinstance(e, Literal)
    assert e.value == 'q"\n\t\\ é ${x} %{y}'


def test_template_with_interpolation_keeps_whitespace() -> None:
    e = attr_expr('a = "arn:aws:kms:${var.region}: x ${ var.id }"\n')
    assert isinstance(e, Template)
    assert e.parts[0] == "arn:aws:kms:"
    assert isinstance(e.parts[1], Traversal) and e.parts[1].root == "var"
    assert e.parts[2] == ": x "
    assert isinstance(e.parts[3], Traversal)
    assert len(e.parts) == 4


def test_template_directives_and_strip_markers() -> None:
    e = attr_expr('a = "x %{ if c ~} yes %{~ else }no%{ endif } %{for k, v in m}${k}%{endfor}"\n')
    assert isinstance(e, Template)
    assert e.parts[0] == "x "
    tif = e.parts[1]
    assert isinstance(tif, TemplateIf)
    assert tif.then.parts == ("yes",)
    assert tif.else_ is not None and tif.else_.parts == ("no",)
    assert e.parts[2] == " "
    tfor = e.parts[3]
    assert isinstance(tfor, TemplateFor)
    assert (tfor.key_var, tfor.value_var) == ("k", "v")
    assert isinstance(tfor.body.parts[0], Traversal)


def test_expression_shapes() -> None:
    src = b"""a = [for k, v in var.m : v if k != "x"]
b = {for k, v in var.m : k => v...}
c = f(x, y...)
d = a.b[0].c[*].d
e = x.*.y
f = (a).b
g = provider::aws::arn_parse("x")
h = !true && -1 < 2 ? null : 1.5e3
i = x.0
j = f(1)[0]
k = {a = 1, (b) = 2, "c": 3}
l = [1, "two", false]
"""
    f = parse_hcl(src, P)
    assert f.errors == ()
    e = {a.name: a.expr for a in f.body.attributes}
    fa = e["a"]
    assert isinstance(fa, ForExpr) and not fa.is_object and not fa.grouping
    assert (fa.key_var, fa.value_var) == ("k", "v")
    assert isinstance(fa.cond, Binary) and fa.cond.op == "!="
    fb = e["b"]
    assert isinstance(fb, ForExpr) and fb.is_object and fb.grouping and fb.cond is None
    assert isinstance(e["c"], Call) and e["c"].expand_final and len(e["c"].args) == 2
    d = e["d"]
    assert isinstance(d, Traversal) and d.root == "a"
    assert [type(s).__name__ for s in d.steps] == ["GetAttr", "Index", "GetAttr", "Splat"]
    splat = d.steps[3]
    assert isinstance(splat, Splat) and splat.full
    assert [s.name for s in splat.steps] == ["d"]  # type: ignore[union-attr]
    ex = e["e"]
    assert isinstance(ex, Traversal) and isinstance(ex.steps[0], Splat)
    assert not ex.steps[0].full
    assert isinstance(e["f"], Postfix) and e["f"].expr == Traversal("a", (), S(6, 6, 6, 7))
    assert isinstance(e["g"], Call) and e["g"].name == "provider::aws::arn_parse"
    h = e["h"]
    assert isinstance(h, Conditional)
    assert isinstance(h.cond, Binary) and h.cond.op == "&&"
    assert isinstance(h.cond.left, Unary) and h.cond.left.op == "!"
    assert h.then == Literal(None, S(8, 23, 8, 27))
    assert h.else_ == Literal(1500.0, S(8, 30, 8, 35))
    i = e["i"]
    assert isinstance(i, Traversal) and isinstance(i.steps[0], Index)
    assert i.steps[0].key == Literal(0, S(9, 6, 9, 8))
    assert isinstance(e["j"], Postfix) and isinstance(e["j"].expr, Call)
    k = e["k"]
    assert isinstance(k, ObjectExpr)
    assert [type(key).__name__ for key, _ in k.items] == ["Literal", "Traversal", "Literal"]
    assert k.items[0][0] == Literal("a", S(11, 6, 11, 7))
    assert isinstance(e["l"], TupleExpr)
    assert [x.value for x in e["l"].items] == [1, "two", False]  # type: ignore[union-attr]


def test_conditional_chain_is_right_associative_with_spans() -> None:
    e = attr_expr('a = x ? "p" : y ? "q" : "r"\n')
    assert isinstance(e, Conditional)
    assert e.cond == Traversal("x", (), S(1, 5, 1, 6))
    assert e.span == S(1, 5, 1, 28)
    inner = e.else_
    assert isinstance(inner, Conditional)
    assert inner.cond == Traversal("y", (), S(1, 15, 1, 16))
    assert inner.span == S(1, 15, 1, 28)
    assert inner.else_ == Literal("r", S(1, 25, 1, 28))


def test_binary_operands_written_as_traversals() -> None:
    e = attr_expr("a = var.x.y == local.z[0]\n")
    assert isinstance(e, Binary) and e.op == "=="
    assert isinstance(e.left, Traversal) and e.left.root == "var"
    assert [s.name for s in e.left.steps] == ["x", "y"]  # type: ignore[union-attr]
    assert e.left.span == S(1, 5, 1, 12)
    assert isinstance(e.right, Traversal) and e.right.root == "local"


def test_dynamic_lifecycle_provisioner_blocks_are_kept() -> None:
    src = b"""resource "null_resource" "n" {
  dynamic "rule" {
    for_each = var.rules
    iterator = r
    content {
      name = r.value.name
      dynamic "copy_action" {
        for_each = r.value.copies
        content { destination_vault_arn = copy_action.value }
      }
    }
  }
  lifecycle { ignore_changes = [tags] }
  provisioner "local-exec" {
    command = <<-EOF
      echo hi
    EOF
  }
}
"""
    f = parse_hcl(src, P)
    assert f.errors == ()
    (res,) = f.body.blocks
    dyn, life, prov = res.body.blocks
    assert (dyn.type, dyn.labels) == ("dynamic", ("rule",))
    (content,) = dyn.body.blocks
    (inner,) = content.body.blocks
    assert inner.labels == ("copy_action",)
    assert inner.body.blocks[0].body.attributes[0].name == "destination_vault_arn"
    assert life.type == "lifecycle"
    assert prov.labels == ("local-exec",)
    assert prov.body.attributes[0].expr == Literal("echo hi\n", S(15, 15, 17, 8))


def test_error_recovery_keeps_good_blocks_and_locates_error() -> None:
    src = b"""resource "aws_kms_key" "a" {
  enable_key_rotation = true
}

resource "aws_kms_key" "broken" {
  description = = "x"
  policy = [1,
}

resource "aws_kms_key" "c" {
  deletion_window_in_days = 7
}
"""
    f = parse_hcl(src, P)
    assert [b.labels for b in f.body.blocks] == [("aws_kms_key", "a"), ("aws_kms_key", "c")]
    c = f.body.blocks[1]
    assert c.span == S(10, 1, 12, 2)
    assert c.body.attributes[0].expr == Literal(7, S(11, 29, 11, 30))
    assert f.errors, "the broken block must be reported"
    assert all(isinstance(e, FileError) and e.path == P for e in f.errors)
    assert all(e.message.startswith("syntax error") for e in f.errors)
    assert f.errors[0].line == 6


def test_error_recovery_spans_and_comments_after_the_broken_block() -> None:
    src = 'a = 1\nresource "x" "y" {\n  d = = 1\n}\n# note\nresource "é" "z" {\n  e = "ü${1}"\n}\n'
    f = parse_hcl(src.encode(), P)
    assert f.errors[0] == FileError(P, 3, 7, "syntax error: missing a value")
    assert [a.name for a in f.body.attributes] == ["a"]
    (z,) = f.body.blocks
    assert z.labels == ("é", "z")
    assert z.span == S(6, 1, 8, 2)
    e = z.body.attributes[0]
    assert e.span == S(7, 3, 7, 14)
    assert isinstance(e.expr, Template) and e.expr.parts[1] == Literal(1, S(7, 11, 7, 12))
    assert (5, " note") in [(c.line, c.text) for c in hcl_comments(src)]


def test_unterminated_string_is_an_error_not_an_exception() -> None:
    f = parse_hcl(b'a = "unterminated\nb = 2\n', P)
    assert f.errors and f.errors[0].message.startswith("syntax error")
    assert [a.name for a in f.body.attributes] == ["b"]


def test_garbage_never_raises() -> None:
    for src in (b"\x00\xff{{{", b"}}}", b'resource "x" {', b"a = ${", b"= = =", b""):
        f = parse_hcl(src, P)
        assert isinstance(f.errors, tuple)
        if src:
            assert f.errors, src


def test_depth_bound_10000_brackets() -> None:
    src = b"a = " + b"[" * 10_000 + b"]" * 10_000 + b"\nb = 1\n"
    f = parse_hcl(src, P)
    assert any(f"deeper than {MAX_DEPTH}" in e.message for e in f.errors)
    names = [a.name for a in f.body.attributes]
    assert names == ["a", "b"]
    # the subtree beyond the bound is Unsupported somewhere below
    e = f.body.attributes[0].expr
    depth = 0
    while isinstance(e, TupleExpr):
        e = e.items[0]
        depth += 1
    assert isinstance(e, Unsupported)
    assert 150 < depth <= MAX_DEPTH


def test_depth_bound_nested_blocks() -> None:
    src = b"a {\n" * 300 + b"}\n" * 300
    f = parse_hcl(src, P)
    assert any(f"deeper than {MAX_DEPTH}" in e.message for e in f.errors)


def test_duplicate_attribute_is_an_error_and_the_first_is_kept() -> None:
    f = parse_hcl(b'resource "aws_backup_vault" "twice" {\n  name = "a"\n  name = "b"\n}\n', P)
    assert f.errors == (FileError(P, 3, 3, "duplicate attribute 'name' (first defined at line 2)"),)
    (block,) = f.body.blocks
    assert [(a.name, a.expr.value) for a in block.body.attributes] == [("name", "a")]


def test_ast_is_picklable() -> None:
    f = parse_hcl(BACKUP, P)
    assert pickle.loads(pickle.dumps(f)) == f


# ----------------------------------------------------------------------------- tf.json


TF_JSON = b"""{
  "resource": {
    "aws_backup_vault": {
      "v": {
        "name": "vault-${var.env}",
        "kms_key_arn": "${aws_kms_key.k.arn}",
        "tags": {"a": 1}
      }
    },
    "aws_backup_plan": {
      "p": {
        "rule": [{"rule_name": "r", "target_vault_name": "plain"}]
      }
    }
  },
  "variable": {"env": {"default": "dev"}},
  "locals": {"x": true}
}
"""


def test_tf_json_blocks_labels_and_spans() -> None:
    f = parse_tf_json(TF_JSON, "main.tf.json")
    assert f.errors == ()
    vault, plan, var, loc = f.body.blocks
    assert (vault.type, vault.labels) == ("resource", ("aws_backup_vault", "v"))
    assert vault.span == S(4, 7, 8, 8, "main.tf.json")
    assert vault.header_span == S(4, 7, 4, 10, "main.tf.json")
    assert plan.header_span == S(11, 7, 11, 10, "main.tf.json")
    name = vault.body.attribute("name")
    assert name is not None
    assert name.span.start_line == 5 and name.span.start_column == 9
    assert isinstance(name.expr, Template)
    assert name.expr.parts[0] == "vault-"
    assert isinstance(name.expr.parts[1], Traversal) and name.expr.parts[1].root == "var"
    kms = vault.body.attribute("kms_key_arn")
    assert kms is not None and isinstance(kms.expr, Template)
    assert len(kms.expr.parts) == 1 and isinstance(kms.expr.parts[0], Traversal)
    tags = vault.body.attribute("tags")
    assert tags is not None and isinstance(tags.expr, ObjectExpr)
    (rule,) = plan.body.blocks
    assert rule.type == "rule"
    assert rule.body.attribute("target_vault_name").expr.value == "plain"  # type: ignore[union-attr]
    assert (var.type, var.labels) == ("variable", ("env",))
    assert loc.type == "locals" and loc.body.attributes[0].name == "x"


def test_tf_json_invalid_is_located() -> None:
    f = parse_tf_json(b'{\n  "resource": {\n    "a": [1,,]\n}', "x.tf.json")
    assert len(f.errors) == 1
    assert f.errors[0].line == 3
    assert f.errors[0].message.startswith("invalid JSON")


# ----------------------------------------------------------------------------- tfvars


def test_tfvars_hcl_and_json() -> None:
    exprs, errors = parse_tfvars(b'env = "prod"\nwindow = 7\nkeys = ["a"]\n', "t.tfvars")
    assert errors == ()
    assert exprs["env"] == Literal("prod", S(1, 7, 1, 13, "t.tfvars"))
    assert exprs["window"] == Literal(7, S(2, 10, 2, 11, "t.tfvars"))
    exprs, errors = parse_tfvars(b'{"env": "${not_a_template}", "n": 1.5}', "t.tfvars.json")
    assert errors == ()
    assert isinstance(exprs["env"], Literal) and exprs["env"].value == "${not_a_template}"
    assert isinstance(exprs["n"], Literal) and exprs["n"].value == 1.5


def test_tfvars_blocks_are_errors() -> None:
    _, errors = parse_tfvars(b"a = 1\nb { }\n", "t.tfvars")
    assert errors == (
        FileError("t.tfvars", 2, 1, "blocks are not allowed in a variables file (found 'b')"),
    )


def test_parse_template_text() -> None:
    expr, errors = parse_template('{"a": "${x}"}\n%{ if y }z%{ endif }', "t.tftpl")
    assert errors == ()
    assert isinstance(expr, Template)
    assert expr.parts[0] == '{"a": "'
    assert expr.parts[-1].__class__ is TemplateIf


# ----------------------------------------------------------------------------- corpus


def _corpus() -> Path | None:
    here = Path(__file__).resolve()
    for cand in (here.parents[2] / ".." / "shared" / "corpus", Path("/work/shared/corpus")):
        if cand.is_dir():
            return cand
    return None


def test_every_corpus_tf_file_parses_or_has_located_errors() -> None:
    corpus = _corpus()
    if corpus is None:
        pytest.skip("../shared/corpus is absent")
    files = sorted(corpus.rglob("*.tf"))
    assert len(files) > 50
    blocks = 0
    for path in files:
        f = parse_hcl(path.read_bytes(), str(path))
        for e in f.errors:
            assert e.line is not None and e.column is not None, (path, e)
        blocks += len(f.body.blocks)
    assert blocks > 500
