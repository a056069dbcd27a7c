"""Terraform itself as the oracle for the function library (issue 10 item 8): expressions over
the functions iacguard implements (strings, collections, numbers, encodings, hashes, type
conversions, CIDRs), generated from a fixed seed, are evaluated by iacguard and by
``terraform console``; the values must agree, and so must the errors (both fail or neither).

The expressions are batched: one ``jsonencode([try(jsonencode(E1), ERR), ...])`` line per
console run (the console prints only its last result and stops at the first error, and
``try`` turns each expression's own failure into the marker), so a few console processes
check them all. Skipped when the ``terraform`` CLI is absent. What iacguard cannot see
(an ``Unknown`` that is not an error, such as a value known only at apply) is not compared.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from iacguard.core.values import PartialStr, Unknown
from iacguard.evaluate.terraform.expressions import EvalContext, MapScope, evaluate
from iacguard.evaluate.terraform.functions.common import is_error
from iacguard.parse.hcl import parse_hcl

needs_terraform = pytest.mark.skipif(
    shutil.which("terraform") is None, reason="terraform CLI not installed"
)

SEED = 20261201
PER_FUNCTION = 60  # generated expressions per function (plus the fixed ones below)
ERR = "<<iacguard-oracle-error>>"
UNKNOWN = "<<terraform-unknown>>"
MAX_LINE = 50_000  # the console reads a line with bufio.Scanner (64 KiB at most)

# ----------------------------------------------------------------------------- literals

_CHARS = ["a", "b", "c", "A", "Z", "x", " ", "-", "_", ",", ".", ":", "/", "0", "7", "é", "中"]
#: "e" + a combining accent (NFC: "é"), "q" + one (no composed form: one grapheme), an emoji
#: with a variation selector
_WORDS = ["", " ", "a", "ab", "hello world", "  pad  ", "a,b,,c", "Hello", "x-y_z", "e\u0301"]
_WORDS += ["q\u0301z", "\u2764\ufe0f!", "ab\r\ncd"]


def _hcl_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # no $, % or control characters are drawn


def _text(r: random.Random) -> str:
    if r.random() < 0.4:
        return r.choice(_WORDS)
    return "".join(r.choice(_CHARS) for _ in range(r.randint(0, 7)))


def _string(r: random.Random) -> str:
    return _hcl_str(_text(r))


def _number(r: random.Random) -> str:
    return r.choice(
        [str(r.randint(-5, 20)), str(r.randint(0, 3)), "1.5", "-2.25", "0.5", "100", "2.0", "0"]
    )


def _scalar(r: random.Random) -> str:
    pick = r.random()
    if pick < 0.45:
        return _string(r)
    if pick < 0.8:
        return _number(r)
    if pick < 0.95:
        return r.choice(["true", "false"])
    return "null"


def _list(item: Callable[[random.Random], str], r: random.Random, most: int = 4) -> str:
    return "[" + ", ".join(item(r) for _ in range(r.randint(0, most))) + "]"


def _strings(r: random.Random) -> str:
    return _list(_string, r)


def _numbers(r: random.Random) -> str:
    return _list(_number, r)


def _key(r: random.Random) -> str:
    return _hcl_str(r.choice(["a", "b", "c", "key", "x y", "B"]))


def _map(r: random.Random, value: Callable[[random.Random], str] = _string) -> str:
    return "{" + ", ".join(f"{_key(r)} = {value(r)}" for _ in range(r.randint(0, 3))) + "}"


def _mixed(r: random.Random) -> str:
    return _list(_scalar, r)


def _anything(r: random.Random) -> str:
    pick = r.random()
    if pick < 0.5:
        return _scalar(r)
    if pick < 0.7:
        return _strings(r)
    if pick < 0.85:
        return _numbers(r)
    return _map(r)


def _nested(r: random.Random) -> str:
    return _list(lambda q: _strings(q) if q.random() < 0.6 else _string(q), r, 3)


def _index(r: random.Random) -> str:
    return str(r.randint(-1, 4))


def _cidr(r: random.Random) -> str:
    return _hcl_str(r.choice(["10.0.0.0/16", "10.1.0.0/24", "192.168.0.0/20", "fd00::/56", "x"]))


# ----------------------------------------------------------------------------- arguments

Args = Callable[[random.Random], list[str]]


def _a(*parts: Callable[[random.Random], str]) -> Args:
    return lambda r: [p(r) for p in parts]


def _fmt(r: random.Random) -> list[str]:
    spec = r.choice(
        ["%s", "%d", "%05d", "%.2f", "%q", "%v", "%t", "%x", "%-4s|", "%%", "%s-%s", "%+d"]
        + ["%+05d", "%5.1f", "%-5d|", "%e", "%X", "%b", "%o", "%g", "%3s", "%.1s", "%#v"]
    )
    count = spec.count("%") - 2 * spec.count("%%")
    return [_hcl_str(spec)] + [_scalar(r) for _ in range(max(count, 0))]


#: function -> how to draw its argument lists (each a list of HCL expressions)
ARGS: dict[str, list[Args]] = {
    # strings
    "lower": [_a(_string), _a(_scalar)],
    "upper": [_a(_string), _a(_scalar)],
    "title": [_a(_string)],
    "trimspace": [_a(_string)],
    "chomp": [_a(lambda r: _hcl_str(_text(r) + r.choice(["", "\n", "\r\n", "\n\n"])))],
    "strrev": [_a(_string)],
    "trimprefix": [_a(_string, _string)],
    "trimsuffix": [_a(_string, _string)],
    "trim": [_a(_string, _string)],
    "startswith": [_a(_string, _string)],
    "endswith": [_a(_string, _string)],
    "strcontains": [_a(_string, _string)],
    "substr": [_a(_string, _index, lambda r: str(r.randint(-1, 5)))],
    "indent": [_a(lambda r: str(r.randint(0, 3)), lambda r: _hcl_str(_text(r) + "\n" + _text(r)))],
    "join": [_a(_string, _strings), _a(_string, _numbers)],
    "split": [_a(lambda r: _hcl_str(r.choice([",", " ", "", "a", ",,"])), _string)],
    "replace": [
        _a(_string, lambda r: _hcl_str(r.choice(["a", ",", " ", "", "b"])), _string),
        _a(_string, lambda r: _hcl_str(r.choice(["/a*/", "/[a-z]+/", "/(b)/", "/^/"])), _string),
    ],
    "format": [_fmt],
    "formatlist": [
        _a(lambda r: _hcl_str(r.choice(["%s", "%s-%s", "x%sy"])), _strings),
        _a(lambda r: _hcl_str("%s=%s"), _strings, _strings),
    ],
    "regex": [_a(lambda r: _hcl_str(r.choice(["[a-z]+", "(\\\\w)(\\\\w)", "^a", "b$"])), _string)],
    "regexall": [_a(lambda r: _hcl_str(r.choice(["[a-z]", "\\\\d+", "a|b", "x*"])), _string)],
    # collections
    "length": [_a(_string), _a(_strings), _a(_map), _a(_scalar)],
    "concat": [_a(_strings, _strings), _a(_numbers, _strings), _a(_strings)],
    "flatten": [_a(_nested)],
    "compact": [_a(_strings), _a(lambda r: _list(lambda q: r.choice(['""', "null", '"a"']), r))],
    "distinct": [_a(_strings), _a(_numbers), _a(_mixed)],
    "reverse": [_a(_strings), _a(_numbers)],
    "sort": [_a(_strings), _a(_numbers), _a(_mixed)],
    "element": [_a(_strings, _index), _a(_numbers, lambda r: str(r.randint(0, 9)))],
    "index": [_a(_strings, _string)],
    "contains": [_a(_strings, _string), _a(_numbers, _number), _a(_mixed, _scalar)],
    "slice": [_a(_strings, lambda r: str(r.randint(0, 3)), lambda r: str(r.randint(0, 4)))],
    "chunklist": [_a(_strings, lambda r: str(r.randint(0, 3)))],
    "keys": [_a(_map)],
    "values": [_a(_map)],
    "lookup": [_a(_map, _key), _a(_map, _key, _string)],
    "merge": [_a(_map, _map), _a(_map, lambda r: _map(r, _number))],
    "zipmap": [_a(_strings, _strings)],
    "coalesce": [_a(_scalar, _scalar), _a(_string, _string, _string)],
    "coalescelist": [_a(_strings, _strings), _a(lambda r: "[]", _numbers)],
    "one": [_a(lambda r: _list(_string, r, 2))],
    "range": [
        _a(lambda r: str(r.randint(0, 6))),
        _a(lambda r: str(r.randint(-3, 3)), lambda r: str(r.randint(-3, 6))),
        _a(
            lambda r: str(r.randint(0, 5)),
            lambda r: str(r.randint(0, 9)),
            lambda r: r.choice(["1", "2", "-1", "0.5"]),
        ),
    ],
    "setunion": [_a(_strings, _strings), _a(_mixed, _strings)],
    "setintersection": [_a(_strings, _strings)],
    "setsubtract": [_a(_strings, _strings)],
    "alltrue": [_a(lambda r: _list(lambda q: q.choice(["true", "false", '"true"']), r))],
    "anytrue": [_a(lambda r: _list(lambda q: q.choice(["true", "false", '"false"']), r))],
    "sum": [_a(_numbers)],
    "transpose": [_a(lambda r: _map(r, _strings))],
    # numbers
    "max": [_a(_number, _number), _a(_number, _number, _number)],
    "min": [_a(_number, _number), _a(_number)],
    "abs": [_a(_number)],
    "ceil": [_a(_number)],
    "floor": [_a(_number)],
    "signum": [_a(_number)],
    "pow": [_a(lambda r: str(r.randint(-3, 5)), lambda r: str(r.randint(0, 4)))],
    # encodings and hashes
    "jsonencode": [_a(_anything)],
    "jsondecode": [
        _a(
            lambda r: _hcl_str(
                r.choice(['{"a":1}', "[1,2]", '"x"', "true", "null", "1.5", "{", ""])
            )
        )
    ],
    "base64encode": [_a(_string)],
    "base64decode": [_a(lambda r: _hcl_str(r.choice(["YWJj", "", "SGVsbG8=", "!!", "w6k="])))],
    "base64sha256": [_a(_string)],
    "sha256": [_a(_string)],
    "sha1": [_a(_string)],
    "sha512": [_a(_string)],
    "md5": [_a(_string)],
    # type conversions
    "tostring": [_a(_scalar)],
    "tonumber": [
        _a(
            lambda r: r.choice(
                [_number(r), _hcl_str(r.choice(["1", "1.5", "x", "", " 2", "0x10", "1e2"]))]
            )
        )
    ],
    "tobool": [
        _a(lambda r: r.choice(["true", "false", '"true"', '"false"', '"yes"', "1", "null"]))
    ],
    "tolist": [_a(_strings), _a(_numbers), _a(_mixed)],
    "toset": [_a(_strings), _a(_numbers), _a(_mixed)],
    "tomap": [_a(_map), _a(lambda r: _map(r, _number))],
    # network
    "cidrsubnet": [_a(_cidr, lambda r: str(r.randint(0, 9)), lambda r: str(r.randint(0, 20)))],
}

#: every disagreement found (and fixed), with what ``terraform console`` 1.11 gives (ERR: an
#: error); also compared with the console when it is there
REGRESSIONS: list[tuple[str, Any]] = [
    # strings are NFC-normalised: "e" + a combining accent is "é", in literals and results
    ('upper("e\u0301")', "\u00c9"),
    ('sha256("e\u0301")', "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c"),
    ('replace("q\u0301z", "", "c")', "cq\u0107czc"),
    # length, substr, strrev and format's width count grapheme clusters (CR LF is one)
    ('length("q\u0301z")', 2),
    ('length("ab\\r\\ncd")', 5),
    ('strrev("q\u0301z")', "zq\u0301"),
    ('format("%-4s|", "\u2764\ufe0f!")', "\u2764\ufe0f!  |"),
    # substr past the end is "", from a negative offset length 0 is the rest
    ('substr("a", 2, 3)', ""),
    ('substr("abc", -1, 0)', "c"),
    # Go's regexp skips an empty match right after a match
    ('regexall("x*", "x-y_z")', ["x", "", "", "", ""]),
    # Go's case mappings are one character for one; strings.Title's separators
    ('upper("\u00df")', "\u00df"),
    ('lower("\u0130")', "i"),
    ('title("hELLO ab1c a_b x-y")', "HELLO Ab1c A_b X-Y"),
    # element's index: Go's remainder
    ('element(["x"], -1)', "x"),
    ('element(["a", "b"], -1)', ERR),
    ('element(["a", "b", "c", "d"], -4)', "a"),
    ("chunklist([], 0)", []),
    # coalesce unifies its arguments' types
    ('coalesce(0, "x")', "0"),
    ("coalesce(true, 1)", ERR),
    ('coalesce([1], ["a"])', ["1"]),
    ("coalesce(1, {a = 1}, null)", 1),
    ('coalescelist(["a"], "b")', ERR),
    # range: a step away from the limit is an error; range(-2) counts down
    ("range(1, 8, -1)", ERR),
    ("range(-2)", [0, -1]),
    # whole numbers only
    ("signum(1.5)", ERR),
    ('format("%X", 2.0)', "2"),
    ('format("%X", 0.5)', ERR),
    # numbers parse as Terraform parses them
    ('tonumber(" 2")', ERR),
    ('tonumber("0x10")', ERR),
    ('tonumber("1e2")', 100),
    ('tonumber(".5")', 0.5),
    # format: the sign before zero padding; an argument left over is an error
    ('format("%05d", -2)', "-0002"),
    ('format("%+05d", 2)', "+0002"),
    ('format("a", 1)', ERR),
    ('indent(-4, "x")', ERR),
    ("one(null)", ERR),
    ("pow(-2, 0.5)", ERR),
    ("contains([1], null)", ERR),
    # collections unify their elements: strings among numbers or bools make strings
    ('distinct([1, "1"])', ["1"]),
    ('tolist([1, "a"])', ["1", "a"]),
    ("tolist([1, true])", ERR),
    ('toset(["b", null, "a"])', ["a", "b", None]),
    ('setunion([true, 1], ["a"])', ERR),
    ('setunion([2], ["a"])', ["2", "a"]),
]


def by_design(expression: str) -> bool:
    """Where iacguard differs on purpose: a literal ``null`` has Terraform's type "any", which
    ``coalescelist`` rejects, while a typed null (an optional attribute's, what configurations
    pass) is skipped; iacguard's null has no type, so it is skipped as the typed one is."""
    return expression.startswith("coalescelist(") and "null" in expression


def expressions() -> list[str]:
    r = random.Random(SEED)
    out: list[str] = []
    for name, shapes in ARGS.items():
        for i in range(PER_FUNCTION):
            args = shapes[i % len(shapes)](r)
            if i % 4 == 3:  # arguments of any type, for the errors (and conversions)
                args = [_anything(r) for _ in args]
            out.append(f"{name}({', '.join(args)})")
    out.extend(e for e, _ in REGRESSIONS)
    return list(dict.fromkeys(out))


# ----------------------------------------------------------------------------- the two sides


def _console(exprs: list[str], cwd: Path) -> list[Any]:
    """Terraform's value (decoded from JSON), ``ERR``, or ``UNKNOWN`` (the console printed
    "(known after apply)": an unknown anywhere makes the whole batch unknown, so such a
    batch is split until the unknown expression is found) for each expression."""
    env = dict(os.environ, TF_CLI_CONFIG_FILE=os.devnull, TF_IN_AUTOMATION="1")

    def run(batch: list[str]) -> list[Any]:
        wrapped = [f"try(jsonencode({e}), {json.dumps(ERR)})" for e in batch]
        done = subprocess.run(
            ["terraform", "console", "-no-color"],
            input="jsonencode([" + ", ".join(wrapped) + "])\n",
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        printed = done.stdout.strip()
        if printed == "(known after apply)":
            if len(batch) == 1:
                return [UNKNOWN]
            half = len(batch) // 2
            return run(batch[:half]) + run(batch[half:])
        printed = printed.replace("$${", "${").replace("%%{", "%{")
        return [
            ERR if item == ERR else json.loads(item) for item in json.loads(json.loads(printed))
        ]

    results: list[Any] = []
    batch: list[str] = []
    size = 0
    for e in exprs:
        if batch and size + len(e) + 60 > MAX_LINE:
            results.extend(run(batch))
            batch, size = [], 0
        batch.append(e)
        size += len(e) + 60
    if batch:
        results.extend(run(batch))
    return results


_SKIP = object()


def _iacguard(expression: str) -> Any:
    parsed = parse_hcl(f"x = {expression}\n".encode(), "t.tf")
    assert parsed.errors == (), (expression, parsed.errors)
    value = evaluate(parsed.body.attributes[0].expr, MapScope({}), EvalContext())
    if is_error(value):
        return ERR
    if _unseen(value):
        return _SKIP
    return value


def _unseen(value: Any) -> bool:
    if isinstance(value, (Unknown, PartialStr)):
        return True
    if isinstance(value, dict):
        return any(_unseen(v) for v in value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_unseen(v) for v in value)
    return False


def same(ours: Any, theirs: Any) -> bool:
    """Equal as Terraform's JSON says: the same kinds (a bool is no number), numbers equal to
    within float precision, lists in order, objects by key."""
    if ours is None or theirs is None:
        return ours is None and theirs is None
    if isinstance(theirs, bool) or isinstance(ours, bool):
        return isinstance(theirs, bool) and isinstance(ours, bool) and ours == theirs
    if isinstance(theirs, (int, float)):
        return isinstance(ours, (int, float)) and math.isclose(ours, theirs, rel_tol=1e-12)
    if isinstance(theirs, str):
        return isinstance(ours, str) and ours == theirs
    if isinstance(theirs, list):
        if isinstance(ours, (set, frozenset)):
            return False
        return (
            isinstance(ours, (list, tuple))
            and len(ours) == len(theirs)
            and all(same(a, b) for a, b in zip(ours, theirs, strict=True))
        )
    if isinstance(theirs, dict):
        return (
            isinstance(ours, dict)
            and set(ours) == set(theirs)
            and all(same(ours[k], theirs[k]) for k in theirs)
        )
    return False


@pytest.mark.parametrize(("expression", "expected"), REGRESSIONS)
def test_a_disagreement_found_is_fixed(expression, expected):
    ours = _iacguard(expression)
    if expected == ERR:
        assert ours == ERR
    else:
        assert ours != ERR and same(ours, expected), ours


@needs_terraform
def test_the_function_library_agrees_with_terraform_console(tmp_path):
    exprs = expressions()
    assert len(exprs) > 1000  # the generator draws what it says
    theirs = _console(exprs, tmp_path)
    assert len(theirs) == len(exprs)
    disagreements = []
    compared = 0
    for expression, expected in zip(exprs, theirs, strict=True):
        ours = _iacguard(expression)
        if ours is _SKIP or expected == UNKNOWN or by_design(expression):
            continue
        compared += 1
        if expected == ERR or ours == ERR:
            agree = expected == ours
        else:
            agree = same(ours, expected)
        if not agree:
            disagreements.append(f"{expression}: terraform {expected!r}, iacguard {ours!r}")
    assert compared > 0.9 * len(exprs), f"only {compared} of {len(exprs)} compared"
    assert not disagreements, "\n".join(disagreements)
