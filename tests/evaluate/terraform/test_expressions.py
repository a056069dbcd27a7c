"""evaluate(): Terraform expression semantics over payloads, with unknown propagation."""

from __future__ import annotations

import time
from typing import Any

import pytest

from iacguard.core.spans import Span
from iacguard.core.values import JsonEncoded, PartialStr, Ref, Unknown
from iacguard.evaluate.terraform.expressions import (
    EvalContext,
    EvalTimeout,
    MapScope,
    evaluate,
    evaluate_in,
)
from iacguard.evaluate.terraform.functions.common import ERROR_PREFIX, is_error
from iacguard.parse.hcl import parse_hcl

ARN = Ref("aws_kms_key.k", "arn", "root")
REQ = Unknown("var.u has no default: the caller must set it", required_input=True)

NAMES: dict[str, Any] = {
    "var": {
        "n": 3,
        "s": "abc",
        "t": "true",
        "num": "30",
        "m": {"b": "2", "a": "1"},
        "l": ["x", "y", "z"],
        "objs": [{"name": "a", "on": True}, {"name": "b", "on": False}],
        "one": {"name": "solo"},
        "nothing": None,
        "u": REQ,
        "arns": [ARN, "arn:aws:kms:eu:1:key/k2"],
    },
    "aws_kms_key": {"k": {"arn": ARN, "key_id": Ref("aws_kms_key.k", "key_id", "root")}},
}


def ev(text: str, names: dict[str, Any] | None = None, ctx: EvalContext | None = None) -> Any:
    f = parse_hcl(f"x = {text}\n".encode(), "t.tf")
    assert f.errors == (), f.errors
    return evaluate(
        f.body.attributes[0].expr, MapScope(NAMES if names is None else names), ctx or EvalContext()
    )


KNOWN = [
    # literals and numbers
    ("null", None),
    ("true", True),
    ("42", 42),
    ("1.5", 1.5),
    ('"plain"', "plain"),
    # arithmetic, comparison, logic
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("7 / 2", 3.5),
    ("8 / 2", 4),
    ("-7 % 3", -1),
    ("7 % -3", 1),
    ("-var.n", -3),
    ('"5" + 1', 6),
    ("var.num * 2", 60),
    ("1 < 2", True),
    ("2 >= 3", False),
    ("1 == 1.0", True),
    ('"1" == 1', False),
    ("true == 1", False),
    ("null == null", True),
    ('[1, "a"] == [1, "a"]', True),
    ("{a = 1} != {a = 2}", True),
    ("!true", False),
    ("!var.t", False),
    ("true && false", False),
    ("false || true", True),
    # conditionals
    ('var.n > 2 ? "big" : "small"', "big"),
    ("var.t ? 1 : 2", 1),
    ('var.nothing == null ? "dflt" : var.nothing', "dflt"),
    # conditionals are right-associative (tree-sitter-hcl nests them to the left)
    ("false ? 1 : true ? 2 : 3", 2),
    ("false ? 1 : false ? 2 : true ? 3 : 4", 3),
    ('var.n == 2 ? "two" : var.n == 3 ? "three" : "Default"', "three"),
    ('(true ? false : true) ? "x" : "y"', "y"),
    ("true ? false ? 1 : 2 : 3", 2),
    ('true ? 30 : "7"', "30"),
    ('false ? "7" : true', "true"),
    # traversal, index, splat
    ("var.m.a", "1"),
    ('var.m["b"]', "2"),
    ("var.l[1]", "y"),
    ('var.l["2"]', "z"),
    ("var.l.0", "x"),
    ("var.objs[*].name", ["a", "b"]),
    ("var.objs.*.name", ["a", "b"]),
    ("[{a = [1]}, {a = [2]}][*].a[0]", [1, 2]),
    ("var.objs.*.name[0]", "a"),
    ("var.one[*].name", ["solo"]),
    ("var.nothing[*]", []),
    ("[{a = [1, 2]}][0].a[1]", 2),
    ("(var.m).a", "1"),
    # collections
    ('[1, "a", [true]]', [1, "a", [True]]),
    ('{a = 1, "b-c" = 2, (var.s) = 3}', {"a": 1, "b-c": 2, "abc": 3}),
    ("{1 = true}", {"1": True}),
    # for expressions
    ("[for v in var.l : upper(v)]", ["X", "Y", "Z"]),
    ("[for i, v in var.l : i]", [0, 1, 2]),
    ('[for v in var.l : v if v != "y"]', ["x", "z"]),
    ("[for k, v in var.m : k]", ["a", "b"]),
    ("{for k, v in var.m : v => k}", {"1": "a", "2": "b"}),
    ("{for o in var.objs : o.name => o.on}", {"a": True, "b": False}),
    ("{for k, v in {a = 1, b = 2, c = 1} : v => k...}", {"1": ["a", "c"], "2": ["b"]}),
    ("[for o in var.objs : o.name if o.on]", ["a"]),
    # templates
    ('"n=${var.n}, b=${true}, f=${1.5}"', "n=3, b=true, f=1.5"),
    ('"${var.n}"', 3),
    ('"%{if var.n > 1}many%{else}one%{endif}"', "many"),
    ('"%{for v in var.l}${v};%{endfor}"', "x;y;z;"),
    ('"%{for k, v in var.m}${k}=${v} %{endfor}"', "a=1 b=2 "),
    ('"a ${~ "b" ~} c"', "abc"),
    ("<<EOT\nline ${var.s}\nEOT", "line abc\n"),
    ("<<-EOT\n    a\n      b\n    EOT", "a\n  b\n"),
]


@pytest.mark.parametrize(("text", "expected"), KNOWN, ids=[t for t, _ in KNOWN])
def test_known_values(text: str, expected: Any) -> None:
    got = ev(text)
    assert got == expected
    assert type(got) is type(expected)


def test_ref_in_template_gives_partial_str() -> None:
    got = ev('"prefix-${aws_kms_key.k.arn}-${var.s}-suffix"')
    assert got == PartialStr(("prefix-", ARN, "-abc-suffix"))


def test_unknown_in_template_keeps_the_unknown_part() -> None:
    got = ev('"a-${var.u}"')
    assert got == PartialStr(("a-", REQ))
    assert got.parts[1].required_input


def test_single_interpolation_is_the_value_itself() -> None:
    assert ev('"${aws_kms_key.k.arn}"') == ARN
    assert ev('"${var.u}"') is REQ


def test_ref_steps_extend_the_reference() -> None:
    got = ev("aws_kms_key.k.arn.foo[0]")
    assert got == Ref("aws_kms_key.k", "arn.foo[0]", "root")
    assert ev('aws_kms_key.k.key_id["a"]') == Ref("aws_kms_key.k", 'key_id["a"]', "root")


UNKNOWN_PROPAGATION = [
    "var.u + 1",
    "-var.u",
    "!var.u",
    "var.u == 1",
    "var.u ? 1 : 2",
    "var.u.attr",
    "var.u[0]",
    "var.u[*].a",
    "[for v in var.u : v]",
    "{(var.u) = 1}",
    "var.l[var.u]",
    "upper(var.u)",
    "true && var.u",
    "false || var.u",
]


@pytest.mark.parametrize("text", UNKNOWN_PROPAGATION)
def test_operations_on_unknown_propagate_the_unknown(text: str) -> None:
    got = ev(text)
    assert got == REQ, got
    assert got.required_input


REF_NEEDED = [
    ("aws_kms_key.k.arn + 1", "depends on aws_kms_key.k.arn, known after apply"),
    ('aws_kms_key.k.arn == "x"', "depends on aws_kms_key.k.arn, known after apply"),
    ("aws_kms_key.k.arn ? 1 : 2", "depends on aws_kms_key.k.arn, known after apply"),
    ("upper(aws_kms_key.k.arn)", "depends on aws_kms_key.k.arn, known after apply"),
]


@pytest.mark.parametrize(("text", "reason"), REF_NEEDED)
def test_operations_needing_a_ref_are_unknown_not_errors(text: str, reason: str) -> None:
    got = ev(text)
    assert isinstance(got, Unknown)
    assert got.reason == reason
    assert not is_error(got)


RESULT_DOES_NOT_NEED_IT = [
    ("true || var.u", True),
    ("var.u || true", True),
    ("false && var.u", False),
    ("var.u && false", False),
    ("true ? 1 : var.u", 1),
    ("false ? var.u : 2", 2),
    ("var.u ? 5 : 5", 5),
    ("length([var.u, aws_kms_key.k.arn])", 2),
    ("[var.u, 1][1]", 1),
    ('"arn:${var.u}" == ""', False),
    ('"arn:${var.u}" != "alias/x"', True),
    ('{a = var.u, b = 2}["b"]', 2),
]


@pytest.mark.parametrize(("text", "expected"), RESULT_DOES_NOT_NEED_IT)
def test_results_that_do_not_need_the_unknown(text: str, expected: Any) -> None:
    assert ev(text) == expected


def test_containers_keep_unknown_elements() -> None:
    assert ev("[var.u, aws_kms_key.k.arn, 1]") == [REQ, ARN, 1]
    assert ev("{a = var.u}") == {"a": REQ}
    assert ev("[for a in var.arns : a]") == [ARN, "arn:aws:kms:eu:1:key/k2"]


ERRORS = [
    ("var.l[5]", "index 5 out of range for a list of 3"),
    ('var.m["zz"]', "no key 'zz' in this map"),
    ("var.m.zz", "no attribute 'zz' in this object"),
    ("var.nothing.a", "cannot get attribute 'a' of null"),
    ('"a${var.nothing}"', "template interpolation of a null value"),
    ("1 / 0", "division by zero (/)"),
    ('"x" + 1', "operator +: cannot convert 'x' to a number"),
    ("{for v in [1, 1] : v => v}", "duplicate key '1' in for expression"),
    ("[for v in null : v]", "cannot iterate over null"),
]


@pytest.mark.parametrize(("text", "reason"), ERRORS)
def test_terraform_errors_become_error_unknowns(text: str, reason: str) -> None:
    got = ev(text)
    assert isinstance(got, Unknown)
    assert got.reason == ERROR_PREFIX + reason
    assert got.span is not None and got.span.path == "t.tf"


def test_unsupported_expression_and_function() -> None:
    got = ev("foo(1)")
    assert got == Unknown("unsupported function foo")
    got = ev('provider::aws::arn_parse("arn:aws:kms:eu:1:key/x")')
    assert got == Unknown("unsupported function provider::aws::arn_parse")


def test_unknown_scope_name_from_map_scope() -> None:
    got = ev("data.aws_kms_key.k.arn", names={})
    assert got == Unknown("data is not defined here")


def test_for_expression_over_unknown_collection() -> None:
    assert ev("[for v in aws_kms_key.k.arn : v]") == Unknown(
        "depends on aws_kms_key.k.arn, known after apply"
    )


def test_jsonencode_of_partial_data_keeps_structure() -> None:
    got = ev('jsonencode({Statement = [{Resource = aws_kms_key.k.arn, Effect = "Allow"}]})')
    assert got == JsonEncoded({"Statement": [{"Resource": ARN, "Effect": "Allow"}]})
    assert ev('"${jsonencode({a = aws_kms_key.k.arn})}"') == got.__class__({"a": ARN})


class FakeLazy:
    """A resource object resolved on demand, recording what was asked."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.calls: list[tuple[str, Any]] = []

    def get_attr(self, name: str, span: Span) -> Any:
        self.calls.append(("get_attr", name))
        return self.data.get(name, Unknown(f"no {name}"))

    def index(self, key: Any, span: Span) -> Any:
        self.calls.append(("index", key))
        return FakeLazy(self.data[key])

    def materialize(self) -> Any:
        self.calls.append(("materialize", None))
        return self.data


def test_lazy_objects_are_asked_step_by_step_and_materialized_when_needed() -> None:
    lazy = FakeLazy({"arn": "arn:1", "tags": {"a": "b"}})
    names = {"res": lazy}
    assert ev("res.arn", names) == "arn:1"
    assert lazy.calls == [("get_attr", "arn")]
    lazy.calls.clear()
    assert ev("keys(res)", names) == ["arn", "tags"]
    assert lazy.calls == [("materialize", None)]
    many = FakeLazy({"x": {"arn": "a"}})
    assert ev('many["x"].arn', {"many": many}) == "a"
    assert many.calls == [("index", "x")]


def test_deadline_raises_eval_timeout() -> None:
    ctx = EvalContext(deadline=time.monotonic() - 1)
    with pytest.raises(EvalTimeout):
        ev("[for v in range(10) : v]", ctx=ctx)


def test_evaluate_in_binds_extra_names() -> None:
    f = parse_hcl(b'x = "${rule.value.name}-${rule.key}"\n', "t.tf")
    got = evaluate_in(
        f.body.attributes[0].expr,
        MapScope({}),
        EvalContext(),
        {"rule": {"key": 0, "value": {"name": "daily"}}},
    )
    assert got == "daily-0"


def test_for_variables_shadow_the_scope() -> None:
    assert ev("[for var in [1, 2] : var]") == [1, 2]


def test_deep_expression_evaluates_without_recursion_error() -> None:
    text = "[" * 150 + "1" + "]" * 150
    got = ev(text)
    depth = 0
    while isinstance(got, list):
        got = got[0]
        depth += 1
    assert (depth, got) == (150, 1)
