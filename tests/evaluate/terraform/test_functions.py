"""The Terraform function table: exact results for known inputs, propagation for unknown ones."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from iacguard.core.located import FileError
from iacguard.core.values import JsonEncoded, PartialStr, Ref, Unknown
from iacguard.evaluate.terraform.expressions import EvalContext, MapScope, evaluate
from iacguard.evaluate.terraform.functions.common import ERROR_PREFIX, is_error
from iacguard.evaluate.terraform.functions.filesystem import MAX_FILE_BYTES
from iacguard.evaluate.terraform.functions.table import FUNCTIONS
from iacguard.parse.hcl import parse_hcl

ARN = Ref("aws_kms_key.k", "arn", "root")
REQ = Unknown("var.u has no default: the caller must set it", required_input=True)
NAMES: dict[str, Any] = {
    "var": {"u": REQ, "m": {"a": 1}, "arn": ARN, "p": PartialStr(("arn:aws:kms:", REQ))},
}


def ev(text: str, ctx: EvalContext | None = None, names: dict[str, Any] | None = None) -> Any:
    f = parse_hcl(f"x = {text}\n".encode(), "t.tf")
    assert f.errors == (), f.errors
    scope = MapScope(NAMES if names is None else names)
    return evaluate(f.body.attributes[0].expr, scope, ctx or EvalContext())


KNOWN = [
    (
        'jsonencode({b = 1, a = "<&>", c = [true, null, 1.5]})',
        '{"a":"\\u003c\\u0026\\u003e","b":1,"c":[true,null,1.5]}',
    ),
    (
        'jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Sid = "é"}]})',
        '{"Statement":[{"Effect":"Allow","Sid":"é"}],"Version":"2012-10-17"}',
    ),
    ("jsonencode(2.0)", "2"),
    ('jsondecode("{\\"a\\": [1, 2.5, null]}")', {"a": [1, 2.5, None]}),
    ("merge({a = 1, b = 2}, {b = 3}, null)", {"a": 1, "b": 3}),
    ('concat(["a"], [], ["b", "c"])', ["a", "b", "c"]),
    ('flatten([["a"], [["b"]], "c", []])', ["a", "b", "c"]),
    ('lookup({a = 1}, "a", 2)', 1),
    ('lookup({a = 1}, "b", 2)', 2),
    ('try(var.m.zz, "fallback")', "fallback"),
    ('try(var.m.a, "fallback")', 1),
    ("can(var.m.zz)", False),
    ("can(var.m.a)", True),
    ('coalesce("", null, "a", "b")', "a"),
    ('coalescelist([], ["a"])', ["a"]),
    ('compact(["a", "", null, "b"])', ["a", "b"]),
    # a list's elements unify to one type (terraform console agrees; issue 10 item 8)
    ('distinct(["a", "b", "a", 1, "1"])', ["a", "b", "1"]),
    ('element(["a", "b"], 3)', "b"),
    ('format("%s:%d:%q:%v:%#v:%%", "s", 42, "q", true, {a = 1})', 's:42:"q":true:{"a":1}:%'),
    ('format("%5d|%-4s|%03d|%.2f", 42, "ab", 7, 3.14159)', "   42|ab  |007|3.14"),
    ('formatlist("%s-%s", ["a", "b"], "x")', ["a-x", "b-x"]),
    ('join(",", ["a", "b"], ["c"])', "a,b,c"),
    ('split(",", "a,b,,c")', ["a", "b", "", "c"]),
    ('replace("hello", "l", "L")', "heLLo"),
    ('replace("a1b22", "/[0-9]+/", "#")', "a#b#"),
    ('replace("key/abc", "/^key/(.*)$/", "id-$1")', "id-abc"),
    ('lower("AbC")', "abc"),
    ('upper("AbC")', "ABC"),
    ('title("hello world-wide web_x")', "Hello World-Wide Web_x"),
    ('trimspace("  a b \\n")', "a b"),
    ('trimprefix("helloworld", "hello")', "world"),
    ('trimsuffix("helloworld", "world")', "hello"),
    ('trim("?!hello?!", "!?")', "hello"),
    ('substr("hello world", 1, 4)', "ello"),
    ('substr("hello", -3, -1)', "llo"),
    ('length("héllo")', 5),
    ("length({a = 1, b = 2})", 2),
    ("keys({b = 1, a = 2})", ["a", "b"]),
    ("values({b = 1, a = 2})", [2, 1]),
    ('tolist(["a"])', ["a"]),
    ('toset(["b", "a", "b"])', ["a", "b"]),
    ("toset([3, 1, 3.0, 2])", [1, 2, 3]),
    ("tomap({a = 1})", {"a": 1}),
    ("tostring(5)", "5"),
    ("tostring(null)", None),
    ('tonumber("30")', 30),
    ('tonumber("1.5")', 1.5),
    ('tobool("true")', True),
    ('contains(["a", "b"], "b")', True),
    ('contains(["1"], 1)', False),
    ("one([])", None),
    ('one(["x"])', "x"),
    ('index(["a", "b"], "b")', 1),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    ("range(3)", [0, 1, 2]),
    ("range(1, 4)", [1, 2, 3]),
    ("range(10, 0, -4)", [10, 6, 2]),
    ("max(1, 5, 3)", 5),
    ("max([1, 7]...)", 7),
    ("min(4, 2.5)", 2.5),
    ("abs(-3)", 3),
    ("ceil(1.2)", 2),
    ("floor(1.8)", 1),
    ('startswith("hello", "he")', True),
    ('endswith("hello", "lo")', True),
    ('strcontains("hello", "ell")', True),
    ('regex("[a-z]+", "123abc")', "abc"),
    ('regex("(\\\\d+)-(\\\\d+)", "12-34")', ["12", "34"]),
    ('regex("(?P<k>\\\\w+)=(?P<v>\\\\w+)", "a=b")', {"k": "a", "v": "b"}),
    ('regexall("\\\\d", "a1b2")', ["1", "2"]),
    ('sort(["b", "a", "c"])', ["a", "b", "c"]),
    ("reverse([1, 2, 3])", [3, 2, 1]),
    ('slice(["a", "b", "c"], 1, 3)', ["b", "c"]),
    ('setunion(["b"], ["a", "b"])', ["a", "b"]),
    ('setintersection(["a", "b"], ["b", "c"])', ["b"]),
    ('setsubtract(["a", "b"], ["b"])', ["a"]),
    ('alltrue([true, "true"])', True),
    ("alltrue([])", True),
    ("anytrue([false])", False),
    ("sum([1, 2, 3.5])", 6.5),
    ('chunklist(["a", "b", "c"], 2)', [["a", "b"], ["c"]]),
    ('base64encode("hi")', "aGk="),
    ('base64decode("aGk=")', "hi"),
    ('sha256("a")', "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"),
    ('md5("a")', "0cc175b9c0f1b6a831c399e269772661"),
    ('cidrsubnet("10.0.0.0/16", 8, 2)', "10.0.2.0/24"),
    ('basename("a/b.txt")', "b.txt"),
    ('dirname("a/b.txt")', "a"),
    ('nonsensitive("x")', "x"),
]


@pytest.mark.parametrize(("text", "expected"), KNOWN, ids=[t for t, _ in KNOWN])
def test_known_inputs(text: str, expected: Any) -> None:
    got = ev(text)
    assert got == expected
    assert type(got) is type(expected)


WITH_UNKNOWNS = [
    # results that keep or do not need the unknown parts
    ('join(",", ["a", var.arn])', PartialStr(("a,", ARN))),
    (
        'format("arn:aws:kms:%s:%s:key/x", "eu", var.arn)',
        PartialStr(("arn:aws:kms:eu:", ARN, ":key/x")),
    ),
    ('concat(["a"], [var.arn])', ["a", ARN]),
    ("flatten([[var.arn], [var.u]])", [ARN, REQ]),
    ('lookup({a = var.arn}, "a")', ARN),
    ('lookup({a = 1}, "b", var.u)', REQ),
    ("merge({a = 1}, {b = var.u})", {"a": 1, "b": REQ}),
    ('coalesce("a", var.u)', "a"),
    ("length([var.u, var.arn])", 2),
    ("tolist([var.arn])", [ARN]),
    ('toset([var.arn, "a"])', [ARN, "a"]),
    ('contains([var.arn, "a"], "a")', True),
    ('startswith(var.p, "arn:aws:kms")', True),
    ('startswith(var.p, "arn:aws:s3")', False),
    ("jsondecode(jsonencode({a = var.arn}))", {"a": ARN}),
    ("jsonencode({a = var.arn, b = [var.u]})", JsonEncoded({"a": ARN, "b": [REQ]})),
    ('try(var.u, "x")', REQ),
    ('try(var.arn, "x")', ARN),
    ("tostring(var.arn)", ARN),
    ('element([var.arn, "b"], 1)', "b"),
    ('compact(["a", var.p])', ["a", PartialStr(("arn:aws:kms:", REQ))]),
    ("alltrue([false, var.u])", False),
    ("anytrue([true, var.u])", True),
]


@pytest.mark.parametrize(("text", "expected"), WITH_UNKNOWNS, ids=[t for t, _ in WITH_UNKNOWNS])
def test_unknown_inputs_where_the_result_does_not_need_them(text: str, expected: Any) -> None:
    assert ev(text) == expected


PROPAGATE = [
    "upper(var.u)",
    "merge({a = 1}, var.u)",
    'concat(["a"], var.u)',
    "length(var.u)",
    "keys(var.u)",
    'lookup(var.u, "a", 1)',
    'split(",", var.u)',
    'replace(var.u, "a", "b")',
    "jsondecode(var.u)",
    "jsonencode(var.u)",
    "tonumber(var.u)",
    "sort([var.u])",
    "distinct([var.u])",
    'contains([var.u], "a")',
    "can(var.u)",
    'coalesce(null, var.u, "x")',
    "max(1, var.u)",
    "sha256(var.u)",
    "file(var.u)",
    "templatefile(var.u, {})",
    "cidrsubnet(var.u, 8, 1)",
    "format(var.u)",
    "alltrue([true, var.u])",
    "upper(var.u...)",
]


@pytest.mark.parametrize("text", PROPAGATE)
def test_unknown_inputs_propagate_the_same_unknown(text: str) -> None:
    got = ev(text)
    assert got == REQ, got
    assert got.required_input


def test_ref_inputs_give_known_after_apply_reasons() -> None:
    got = ev("upper(var.arn)")
    assert got == Unknown("depends on aws_kms_key.k.arn, known after apply")
    assert ev("length(var.arn)") == got
    assert ev("can(var.arn)") == got


@pytest.mark.parametrize("name", ["timestamp", "plantimestamp", "uuid"])
def test_apply_time_functions(name: str) -> None:
    assert ev(f"{name}()") == Unknown(f"{name}() is not known until apply")
    assert not is_error(ev(f"{name}()"))


def test_timeadd_is_unknown() -> None:
    assert ev('timeadd(plantimestamp(), "1h")') == Unknown("timeadd() is not known until apply")


def test_unsupported_and_provider_functions() -> None:
    assert ev("yamlencode({a = 1})") == Unknown("unsupported function yamlencode")
    assert ev('provider::aws::arn_parse("x")') == Unknown(
        "unsupported function provider::aws::arn_parse"
    )


ERRORS = [
    ('lookup({a = 1}, "b")', "lookup(): the map has no key 'b' and no default was given"),
    ('one(["a", "b"])', "one(): one() of a list with 2 elements"),
    ('index(["a"], "z")', "index(): the value is not in the list"),
    ('tonumber("abc")', "tonumber(): cannot convert 'abc' to a number"),
    ('tobool("yes")', "tobool(): cannot convert 'yes' to a bool"),
    ('regex("[0-9]+", "abc")', "regex(): the pattern did not match"),
    ('jsondecode("{")', None),
    ('merge({a = 1}, ["x"])', "merge(): argument must be a map or object, got list"),
    ("element([], 0)", "element(): cannot use element() on an empty list"),
    ('coalesce(null, "")', "coalesce(): no non-null, non-empty argument"),
    ('slice(["a"], 0, 3)', "slice(): slice(0, 3) out of range for a list of 1"),
    ('upper("a", "b")', "upper(): takes 1 argument(s), got 2"),
    # a bool and a number, or a map and a list, are no one element type (terraform console)
    ("distinct([true, 1, 1.0, null, null, false, 0])", None),
    ('distinct([{a = 1}, {a = 1}, [1], [1], "x"])', None),
]


@pytest.mark.parametrize(("text", "reason"), ERRORS, ids=[t for t, _ in ERRORS])
def test_terraform_errors_are_error_unknowns(text: str, reason: str | None) -> None:
    got = ev(text)
    assert is_error(got), got
    if reason is not None:
        assert got.reason == ERROR_PREFIX + reason
    # and try() falls through them
    assert ev(f'try({text}, "fb")') == "fb"
    assert ev(f"can({text})") is False


def test_try_with_no_success_is_an_error() -> None:
    got = ev("try(var.m.zz, var.m.yy)")
    assert is_error(got)
    assert "no argument of try() succeeded" in got.reason


def test_every_table_function_copes_with_unknown_arguments() -> None:
    """No function crashes on Unknown, Ref, PartialStr or JsonEncoded arguments."""
    weird = [REQ, ARN, PartialStr(("a", REQ)), JsonEncoded({"a": ARN}), None, [REQ], {"a": ARN}]
    from iacguard.core.spans import Span
    from iacguard.evaluate.terraform.functions.common import CallInfo
    from iacguard.evaluate.terraform.functions.table import call

    info_span = Span("t.tf", 1, 1, 1, 2)
    for name in FUNCTIONS:
        for n in range(0, 4):
            for w in weird:
                result = call(name, [w] * n, CallInfo(name, info_span, EvalContext()))
                assert result is not NotImplemented


# ----------------------------------------------------------------------------- files


def test_file_and_templatefile_inside_the_root(tmp_path: Path) -> None:
    mod = tmp_path / "mod"
    mod.mkdir()
    (mod / "policy.json").write_text('{"Version": "2012-10-17"}\n')
    (mod / "p.tftpl").write_text(
        '{"key": "${key}", "n": ${length(items)}}\n%{ for i in items }${i}%{ endfor }'
    )
    ctx = EvalContext(module_dir=str(mod), scan_root=str(tmp_path))
    assert ev('file("policy.json")', ctx) == '{"Version": "2012-10-17"}\n'
    assert ev('fileexists("policy.json")', ctx) is True
    assert ev('fileexists("nope.json")', ctx) is False
    assert ev('templatefile("p.tftpl", {key = "k1", items = ["a", "b"]})', ctx) == (
        '{"key": "k1", "n": 2}\nab'
    )
    got = ev('templatefile("p.tftpl", {key = var.arn, items = []})', ctx)
    assert got == PartialStr(('{"key": "', ARN, '", "n": 0}\n'))


def test_templatefile_of_a_jsonencode_template_keeps_structure(tmp_path: Path) -> None:
    (tmp_path / "t.json.tftpl").write_text("${jsonencode({Resources = {K = {Arn = arn}}})}")
    ctx = EvalContext(module_dir=str(tmp_path), scan_root=str(tmp_path))
    got = ev('templatefile("t.json.tftpl", {arn = var.arn})', ctx)
    assert got == JsonEncoded({"Resources": {"K": {"Arn": ARN}}})


def test_templatefile_undefined_variable_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "t.tftpl").write_text("${missing}")
    ctx = EvalContext(module_dir=str(tmp_path), scan_root=str(tmp_path))
    got = ev('templatefile("t.tftpl", {})', ctx)
    assert got == Unknown(ERROR_PREFIX + "missing is not defined")


def test_file_outside_the_scanned_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    ctx = EvalContext(module_dir=str(root), scan_root=str(root))
    got = ev('file("../secret.txt")', ctx)
    assert got == Unknown("file() outside the scanned root: ../secret.txt")
    assert not is_error(got)
    assert ctx.errors == [FileError("t.tf", 1, 5, "file() outside the scanned root: ../secret.txt")]
    got = ev(f'file("{tmp_path / "secret.txt"}")', ctx)
    assert isinstance(got, Unknown) and "outside the scanned root" in got.reason
    assert isinstance(ev('templatefile("../secret.txt", {})', ctx), Unknown)


def test_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    os.symlink(tmp_path / "secret.txt", root / "link.txt")
    ctx = EvalContext(module_dir=str(root), scan_root=str(root))
    got = ev('file("link.txt")', ctx)
    assert got == Unknown("file() outside the scanned root: link.txt")


def test_large_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(b"a" * (MAX_FILE_BYTES + 1))
    ctx = EvalContext(module_dir=str(tmp_path), scan_root=str(tmp_path))
    got = ev('file("big.txt")', ctx)
    assert got == Unknown(f"file(): big.txt is larger than {MAX_FILE_BYTES} bytes")


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    ctx = EvalContext(module_dir=str(tmp_path), scan_root=str(tmp_path))
    got = ev('file("nope.txt")', ctx)
    assert is_error(got)
    assert ev('try(file("nope.txt"), "x")', ctx) == "x"


def test_recursive_templatefile_is_bounded(tmp_path: Path) -> None:
    (tmp_path / "r.tftpl").write_text('${templatefile("r.tftpl", {})}')
    ctx = EvalContext(module_dir=str(tmp_path), scan_root=str(tmp_path))
    got = ev('templatefile("r.tftpl", {})', ctx)
    assert isinstance(got, Unknown)
    assert "nested deeper than" in got.reason
