"""Terraform's built-in functions over payloads (plain data + Unknown/Ref/PartialStr/JsonEncoded).

Each function has Terraform's semantics for known inputs and copes with unknown ones: a result
that needs an unknown operand is ``Unknown`` (the operand's own Unknown when it is one, so the
reason and the inputs travel), except where the result does not need it (``length`` of a list
with unknown elements, ``merge`` of maps with unknown values, ``lookup`` of a present key...).

Where Terraform would fail (wrong type, missing key, bad regex...) the result is an *error*
Unknown: its reason starts with ``ERROR_PREFIX``; ``try`` and ``can`` see those as failures.

``try``/``can`` take thunks (their arguments are evaluated lazily); ``file``, ``fileexists``
and ``templatefile`` read only inside ``ctx.scan_root`` (never through a symlink out of it) and
at most ``MAX_FILE_BYTES``.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iacguard.core.located import FileError
from iacguard.core.spans import Span
from iacguard.core.values import JsonEncoded, PartialStr, Ref, Unknown

if TYPE_CHECKING:
    from iacguard.evaluate.terraform.expressions import EvalContext

ERROR_PREFIX = "invalid: "
MAX_FILE_BYTES = 1_000_000
#: nested templatefile() calls beyond this depth are refused
MAX_TEMPLATE_DEPTH = 8
_LEAVES = (Unknown, Ref, PartialStr, JsonEncoded)
_SCALARS = (str, int, float, bool, type(None))


class FunctionError(Exception):
    """Raised inside a function body; turned into an error Unknown by ``call``."""


# ----------------------------------------------------------------------------- helpers


def error(reason: str, span: Span | None = None) -> Unknown:
    """An Unknown standing for a Terraform evaluation error."""
    return Unknown(ERROR_PREFIX + reason, span)


def is_error(value: Any) -> bool:
    return isinstance(value, Unknown) and value.reason.startswith(ERROR_PREFIX)


def ref_text(ref: Ref) -> str:
    return ref.address + (f".{ref.attribute}" if ref.attribute else "")


def is_leaf(value: Any) -> bool:
    return isinstance(value, _LEAVES)


def first_leaf(data: Any) -> Any:
    """The first Unknown/Ref/PartialStr/JsonEncoded inside ``data`` (errors first), else None."""
    found = None
    stack = [data]
    while stack:
        v = stack.pop()
        if isinstance(v, _LEAVES):
            if is_error(v):
                return v
            if found is None:
                found = v
        elif isinstance(v, dict):
            stack.extend(reversed(list(v.values())))
        elif isinstance(v, (list, tuple)):
            stack.extend(reversed(v))
    return found


def find_error(data: Any) -> Unknown | None:
    leaf = first_leaf(data)
    return leaf if is_error(leaf) else None


def as_unknown(value: Any, span: Span | None = None) -> Unknown:
    """The Unknown that explains why ``value`` (a leaf, or data holding one) is not known."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Ref):
        return Unknown(f"depends on {ref_text(value)}, known after apply", span or value.span)
    if isinstance(value, PartialStr):
        for p in value.parts:
            if not isinstance(p, str):
                return as_unknown(p, span)
        return Unknown("partly unknown string", span)
    if isinstance(value, JsonEncoded):
        inner = first_leaf(value.data)
        return as_unknown(inner, span) if inner is not None else Unknown("jsonencode", span)
    inner = first_leaf(value)
    if inner is not None:
        return as_unknown(inner, span)
    return Unknown("unknown value", span)


def type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__


def number_text(n: int | float) -> str:
    """A number as Terraform prints it (``3``, ``1.5``, never ``3.0`` or ``1e-07``)."""
    if isinstance(n, float):
        if math.isnan(n) or math.isinf(n):
            raise FunctionError("number is not finite")
        if n.is_integer():
            return str(int(n))
        text = repr(n)
        if "e" in text or "E" in text:
            import decimal  # lazily, as hashlib and ipaddress below: start-up time

            text = format(decimal.Decimal(text), "f")
        return text
    return str(n)


def normalize_number(n: float) -> int | float:
    if isinstance(n, float) and n.is_integer() and abs(n) < 2**63:
        return int(n)
    return n


def to_str(v: Any) -> str:
    """Terraform's automatic conversion to string (raises FunctionError where it fails)."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return number_text(v)
    if v is None:
        raise FunctionError("null value where a string is required")
    raise FunctionError(f"a {type_name(v)} where a string is required")


def to_number(v: Any) -> int | float:
    if isinstance(v, bool):
        raise FunctionError("a bool where a number is required")
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        text = v.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            f = float(text)
        except ValueError:
            raise FunctionError(f"cannot convert {v!r} to a number") from None
        if math.isnan(f) or math.isinf(f):
            raise FunctionError(f"cannot convert {v!r} to a number")
        return f
    if v is None:
        raise FunctionError("null value where a number is required")
    raise FunctionError(f"a {type_name(v)} where a number is required")


def to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if v == "true":
        return True
    if v == "false":
        return False
    if v is None:
        raise FunctionError("null value where a bool is required")
    raise FunctionError(f"cannot convert {v!r} to a bool")


def to_int(v: Any) -> int:
    n = to_number(v)
    if isinstance(n, float):
        if not n.is_integer():
            raise FunctionError(f"{number_text(n)} is not a whole number")
        return int(n)
    return n


def _category(v: Any) -> str:
    return type_name(v)


def hcl_equal(a: Any, b: Any) -> bool | None:
    """Terraform ``==``: different types are unequal; None when an unknown decides it."""
    if isinstance(a, _LEAVES) or isinstance(b, _LEAVES):
        # a partly known string cannot equal a string its known text rules out
        if isinstance(a, PartialStr) and isinstance(b, str) and not a.could_be(b):
            return False
        if isinstance(b, PartialStr) and isinstance(a, str) and not b.could_be(a):
            return False
        return None
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return False
    if ca == "list":
        if len(a) != len(b):
            return False
        undecided = False
        for x, y in zip(a, b, strict=True):
            r = hcl_equal(x, y)
            if r is False:
                return False
            if r is None:
                undecided = True
        return None if undecided else True
    if ca == "object":
        if set(a) != set(b):
            return False
        undecided = False
        for k in a:
            r = hcl_equal(a[k], b[k])
            if r is False:
                return False
            if r is None:
                undecided = True
        return None if undecided else True
    return bool(a == b)


_SCALARS = (str, int, float, bool, type(None))


def _distinct_scalars(items: list[Any]) -> list[Any] | None:
    """The first occurrence of each distinct element when every element is a known scalar
    (a dict lookup each, where comparing with ``hcl_equal`` is quadratic), else None. The key
    keeps the Terraform type, so ``true`` and ``1`` stay apart as ``hcl_equal`` keeps them."""
    if not all(type(x) in _SCALARS for x in items):
        return None
    seen: dict[tuple[str, Any], Any] = {}
    for x in items:
        seen.setdefault((_category(x), x), x)
    return list(seen.values())


def _set_order(items: list[Any]) -> list[Any]:
    """Distinct elements in Terraform's set order (strings lexically, numbers numerically)."""
    out = _distinct_scalars(items)
    if out is None:
        out = []
        for x in items:
            if isinstance(x, _LEAVES) or not any(hcl_equal(x, y) is True for y in out):
                out.append(x)
    if all(isinstance(x, str) for x in out):
        return sorted(out)
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in out):
        return sorted(out)
    return out


@dataclass(frozen=True, slots=True)
class CallInfo:
    """What a function body may need besides its arguments."""

    name: str
    span: Span
    ctx: EvalContext


Fn = Callable[[list[Any], CallInfo], Any]


def _need_known(*values: Any) -> Unknown | None:
    """An Unknown when any of ``values`` is (or holds) an unknown leaf."""
    for v in values:
        leaf = first_leaf(v)
        if leaf is not None:
            return as_unknown(leaf)
    return None


def _arity(args: list[Any], lo: int, hi: int | None = None) -> None:
    hi = lo if hi is None else hi
    if len(args) < lo or (hi >= 0 and len(args) > hi):
        want = str(lo) if lo == hi else (f"{lo}-{hi}" if hi >= 0 else f"at least {lo}")
        raise FunctionError(f"takes {want} argument(s), got {len(args)}")


def _list(v: Any, what: str = "argument") -> list[Any]:
    if isinstance(v, list):
        return v
    raise FunctionError(f"{what} must be a list, got {type_name(v)}")


def _map(v: Any, what: str = "argument") -> dict[str, Any]:
    if isinstance(v, dict):
        return v
    raise FunctionError(f"{what} must be a map or object, got {type_name(v)}")


# ----------------------------------------------------------------------------- JSON


def _json_ready(v: Any) -> Any:
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            raise FunctionError("number is not finite")
        return normalize_number(v)
    if isinstance(v, dict):
        return {str(k): _json_ready(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_ready(x) for x in v]
    return v


_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028"}
_JSON_ESCAPES["\u2029"] = "\\u2029"
_JSON_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")


def json_text(data: Any) -> str:
    """``jsonencode`` of fully known data, exactly as Terraform renders it."""
    text = json.dumps(_json_ready(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return _JSON_ESCAPE_RE.sub(lambda m: _JSON_ESCAPES[m.group(0)], text)


def fn_jsonencode(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    v = args[0]
    if isinstance(v, JsonEncoded):
        return JsonEncoded(v.data)
    if isinstance(v, (Unknown, Ref, PartialStr)):
        return as_unknown(v)
    if first_leaf(v) is not None:
        return JsonEncoded(v)
    return json_text(v)


def fn_jsondecode(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    v = args[0]
    if isinstance(v, JsonEncoded):
        return v.data
    if (u := _need_known(v)) is not None:
        return u
    text = to_str(v)
    try:
        return json.loads(text, parse_float=lambda s: normalize_number(float(s)))
    except (ValueError, RecursionError) as exc:
        raise FunctionError(f"invalid JSON: {exc}") from None


# ----------------------------------------------------------------------------- collections


def fn_merge(args: list[Any], info: CallInfo) -> Any:
    out: dict[str, Any] = {}
    for a in args:
        if a is None:
            continue
        if is_leaf(a):
            return as_unknown(a)
        out.update(_map(a))
    return out


def fn_concat(args: list[Any], info: CallInfo) -> Any:
    out: list[Any] = []
    for a in args:
        if is_leaf(a):
            return as_unknown(a)
        out.extend(_list(a))
    return out


def fn_flatten(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    if is_leaf(args[0]):
        return as_unknown(args[0])
    out: list[Any] = []
    stack = [iter(_list(args[0]))]
    while stack:
        for x in stack[-1]:
            if isinstance(x, list):
                stack.append(iter(x))
                break
            out.append(x)
        else:
            stack.pop()
    return out


def fn_lookup(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2, 3)
    m, key = args[0], args[1]
    if is_leaf(m):
        return as_unknown(m)
    if is_leaf(key):
        return as_unknown(key)
    key = to_str(key)
    m = _map(m, "lookup's first argument")
    if key in m:
        return m[key]
    if len(args) == 3:
        return args[2]
    raise FunctionError(f"the map has no key {key!r} and no default was given")


def fn_coalesce(args: list[Any], info: CallInfo) -> Any:
    for a in args:
        if is_leaf(a):
            if isinstance(a, PartialStr) and a.known_text():
                return a
            return as_unknown(a)
        if a is None or a == "":
            continue
        return a
    raise FunctionError("no non-null, non-empty argument")


def fn_coalescelist(args: list[Any], info: CallInfo) -> Any:
    for a in args:
        if is_leaf(a):
            return as_unknown(a)
        if a is None:
            continue
        if _list(a):
            return a
    raise FunctionError("no non-empty list argument")


def fn_compact(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    items = args[0]
    if is_leaf(items):
        return as_unknown(items)
    out = []
    for x in _list(items):
        if isinstance(x, PartialStr) and x.known_text():
            out.append(x)
        elif is_leaf(x):
            return as_unknown(x)
        elif x is None or x == "":
            continue
        else:
            out.append(to_str(x))
    return out


def fn_distinct(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    items = args[0]
    if (u := _need_known(items)) is not None:
        return u
    listed = _list(items)
    fast = _distinct_scalars(listed)
    if fast is not None:
        return fast
    out: list[Any] = []
    for x in listed:
        if not any(hcl_equal(x, y) for y in out):
            out.append(x)
    return out


def fn_element(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2)
    items, idx = args
    if is_leaf(items):
        return as_unknown(items)
    if is_leaf(idx):
        return as_unknown(idx)
    items = _list(items)
    if not items:
        raise FunctionError("cannot use element() on an empty list")
    i = to_int(idx)
    if i < 0:
        raise FunctionError("element() index must not be negative")
    return items[i % len(items)]


def fn_length(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    v = args[0]
    if isinstance(v, (list, dict)):
        return len(v)
    if isinstance(v, str):
        return len(v)
    if is_leaf(v):
        return as_unknown(v)
    raise FunctionError(f"length() of a {type_name(v)}")


def fn_keys(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    if is_leaf(args[0]):
        return as_unknown(args[0])
    return sorted(_map(args[0]))


def fn_values(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    if is_leaf(args[0]):
        return as_unknown(args[0])
    m = _map(args[0])
    return [m[k] for k in sorted(m)]


def fn_tolist(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    v = args[0]
    if v is None:
        return None
    if is_leaf(v):
        return as_unknown(v)
    return list(_list(v))


def fn_toset(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    v = args[0]
    if v is None:
        return None
    if is_leaf(v):
        return as_unknown(v)
    return _set_order(list(_list(v)))


def fn_tomap(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    v = args[0]
    if v is None:
        return None
    if is_leaf(v):
        return as_unknown(v)
    return dict(_map(v))


def fn_tostring(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    v = args[0]
    if v is None:
        return None
    if isinstance(v, (PartialStr, Ref)):
        return v
    if is_leaf(v):
        return as_unknown(v)
    return to_str(v)


def _scalar_conversion(convert: Callable[[Any], Any]) -> Fn:
    """``tonumber`` / ``tobool``: null stays null, an unknown stays unknown, else convert."""

    def fn(args: list[Any], info: CallInfo) -> Any:
        _arity(args, 1)
        v = args[0]
        if v is None:
            return None
        if is_leaf(v):
            return as_unknown(v)
        return convert(v)

    return fn


fn_tonumber = _scalar_conversion(to_number)
fn_tobool = _scalar_conversion(to_bool)


def fn_contains(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2)
    items, value = args
    if is_leaf(items):
        return as_unknown(items)
    undecided: Any = None
    for x in _list(items):
        r = hcl_equal(x, value)
        if r:
            return True
        if r is None and undecided is None:
            undecided = first_leaf([x, value])
    if undecided is not None:
        return as_unknown(undecided)
    return False


def fn_one(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    v = args[0]
    if v is None:
        return None
    if is_leaf(v):
        return as_unknown(v)
    items = _list(v)
    if len(items) > 1:
        raise FunctionError(f"one() of a list with {len(items)} elements")
    return items[0] if items else None


def fn_index(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2)
    items, value = args
    if is_leaf(items):
        return as_unknown(items)
    for i, x in enumerate(_list(items)):
        r = hcl_equal(x, value)
        if r:
            return i
        if r is None:
            return as_unknown(first_leaf([x, value]))
    raise FunctionError("the value is not in the list")


def fn_zipmap(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2)
    ks, vs = args
    if is_leaf(ks):
        return as_unknown(ks)
    if is_leaf(vs):
        return as_unknown(vs)
    ks, vs = _list(ks), _list(vs)
    if len(ks) != len(vs):
        raise FunctionError("zipmap() lists differ in length")
    if (u := _need_known(ks)) is not None:
        return u
    return {to_str(k): v for k, v in zip(ks, vs, strict=True)}


def fn_range(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1, 3)
    if (u := _need_known(args)) is not None:
        return u
    nums = [to_number(a) for a in args]
    if len(nums) == 1:
        start, limit, step = 0, nums[0], 1
    elif len(nums) == 2:
        start, limit = nums
        step = 1 if limit >= start else -1
    else:
        start, limit, step = nums
    if step == 0:
        raise FunctionError("range() step must not be zero")
    out: list[Any] = []
    x = start
    while (x < limit) if step > 0 else (x > limit):
        out.append(normalize_number(x) if isinstance(x, float) else x)
        if len(out) > 1024:
            raise FunctionError("range() of more than 1024 elements")
        x += step
    return out


def _numbers(args: list[Any]) -> list[int | float]:
    if not args:
        raise FunctionError("needs at least one number")
    return [to_number(a) for a in args]


def fn_max(args: list[Any], info: CallInfo) -> Any:
    if (u := _need_known(args)) is not None:
        return u
    return max(_numbers(args))


def fn_min(args: list[Any], info: CallInfo) -> Any:
    if (u := _need_known(args)) is not None:
        return u
    return min(_numbers(args))


def _num1(fn: Callable[[Any], Any]) -> Fn:
    def body(args: list[Any], info: CallInfo) -> Any:
        _arity(args, 1)
        if (u := _need_known(args)) is not None:
            return u
        return fn(to_number(args[0]))

    return body


def fn_pow(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2)
    if (u := _need_known(args)) is not None:
        return u
    a, b = to_number(args[0]), to_number(args[1])
    try:
        return normalize_number(float(a) ** float(b)) if isinstance(b, float) or b < 0 else a**b
    except (OverflowError, ZeroDivisionError) as exc:
        raise FunctionError(str(exc)) from None


def fn_sort(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    if (u := _need_known(args)) is not None:
        return u
    return sorted(to_str(x) for x in _list(args[0]))


def fn_reverse(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    if is_leaf(args[0]):
        return as_unknown(args[0])
    return list(reversed(_list(args[0])))


def fn_slice(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 3)
    items, lo, hi = args
    if is_leaf(items):
        return as_unknown(items)
    if (u := _need_known([lo, hi])) is not None:
        return u
    items = _list(items)
    a, b = to_int(lo), to_int(hi)
    if a < 0 or b > len(items) or a > b:
        raise FunctionError(f"slice({a}, {b}) out of range for a list of {len(items)}")
    return items[a:b]


def _sets(args: list[Any]) -> list[list[Any]] | Unknown:
    if (u := _need_known(args)) is not None:
        return u
    return [_list(a) for a in args]


def fn_setunion(args: list[Any], info: CallInfo) -> Any:
    sets = _sets(args)
    if isinstance(sets, Unknown):
        return sets
    return _set_order([x for s in sets for x in s])


def fn_setintersection(args: list[Any], info: CallInfo) -> Any:
    sets = _sets(args)
    if isinstance(sets, Unknown):
        return sets
    if not sets:
        raise FunctionError("setintersection() needs at least one set")
    first = _set_order(list(sets[0]))
    return [x for x in first if all(any(hcl_equal(x, y) for y in s) for s in sets[1:])]


def fn_setsubtract(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2)
    sets = _sets(args)
    if isinstance(sets, Unknown):
        return sets
    a, b = sets
    return [x for x in _set_order(list(a)) if not any(hcl_equal(x, y) for y in b)]


def fn_alltrue(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    if is_leaf(args[0]):
        return as_unknown(args[0])
    pending = None
    for x in _list(args[0]):
        if is_leaf(x):
            pending = pending or x
            continue
        if not to_bool(x):
            return False
    return as_unknown(pending) if pending is not None else True


def fn_anytrue(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    if is_leaf(args[0]):
        return as_unknown(args[0])
    pending = None
    for x in _list(args[0]):
        if is_leaf(x):
            pending = pending or x
            continue
        if to_bool(x):
            return True
    return as_unknown(pending) if pending is not None else False


def fn_sum(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    if (u := _need_known(args)) is not None:
        return u
    items = _list(args[0])
    if not items:
        raise FunctionError("sum() of an empty list")
    total: int | float = 0
    for x in items:
        total += to_number(x)
    return total


def fn_chunklist(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2)
    items, size = args
    if is_leaf(items):
        return as_unknown(items)
    if is_leaf(size):
        return as_unknown(size)
    items = _list(items)
    n = to_int(size)
    if n < 0:
        raise FunctionError("chunklist() size must not be negative")
    if n == 0:
        return [list(items)]
    return [items[i : i + n] for i in range(0, len(items), n)]


def fn_transpose(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    if (u := _need_known(args)) is not None:
        return u
    out: dict[str, list[str]] = {}
    for k, vs in sorted(_map(args[0]).items()):
        for v in _list(vs):
            out.setdefault(to_str(v), []).append(k)
    return {k: sorted(v) for k, v in sorted(out.items())}


# ----------------------------------------------------------------------------- strings


def _parts_of(v: Any) -> list[Any]:
    """A string-ish value as template parts (str / Unknown / Ref), or raise."""
    if isinstance(v, PartialStr):
        return list(v.parts)
    if isinstance(v, Ref):
        return [v]
    if isinstance(v, Unknown):
        return [v]
    if isinstance(v, JsonEncoded):
        return [as_unknown(v)]
    return [to_str(v)]


def partial(parts: Iterable[Any]) -> Any:
    """Merge parts into a str (all known) or a PartialStr."""
    out: list[Any] = []
    for p in parts:
        if isinstance(p, str):
            if not p:
                continue
            if out and isinstance(out[-1], str):
                out[-1] += p
                continue
        out.append(p)
    if all(isinstance(p, str) for p in out):
        return "".join(out)
    return PartialStr(tuple(out))


def _str_fn(fn: Callable[..., Any], n: int) -> Fn:
    """A function of ``n`` string arguments that needs them all known."""

    def body(args: list[Any], info: CallInfo) -> Any:
        _arity(args, n)
        if (u := _need_known(args)) is not None:
            return u
        return fn(*(to_str(a) for a in args))

    return body


def _title(s: str) -> str:
    out = []
    prev_sep = True
    for ch in s:
        out.append(ch.upper() if prev_sep else ch)
        prev_sep = not (ch.isalnum() or ch == "_")
    return "".join(out)


def _trim(s: str, chars: str) -> str:
    return s.strip(chars)


def _substr(s: str, offset: Any, length: Any) -> str:
    off, ln = to_int(offset), to_int(length)
    if off < 0:
        off = max(len(s) + off, 0)
    if off > len(s):
        raise FunctionError("substr() offset beyond the end of the string")
    if ln < 0:
        return s[off:]
    return s[off : off + ln]


def fn_substr(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 3)
    if (u := _need_known(args)) is not None:
        return u
    return _substr(to_str(args[0]), args[1], args[2])


def fn_join(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2, -1)
    sep = args[0]
    if is_leaf(sep):
        return as_unknown(sep)
    sep = to_str(sep)
    parts: list[Any] = []
    first = True
    for lst in args[1:]:
        if is_leaf(lst):
            return as_unknown(lst)
        for x in _list(lst):
            if x is None:
                raise FunctionError("join() of a list with a null element")
            if not first:
                parts.append(sep)
            first = False
            parts.extend(_parts_of(x))
    return partial(parts)


def fn_split(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2)
    if (u := _need_known(args)) is not None:
        return u
    sep, s = to_str(args[0]), to_str(args[1])
    if s == "":
        return [""] if sep else []
    if sep == "":
        return list(s)
    return s.split(sep)


def _go_regex(pattern: str) -> re.Pattern[str]:
    """Compile an RE2 pattern with Python's re (close enough for the usual patterns)."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise FunctionError(f"invalid regular expression {pattern!r}: {exc}") from None


def _go_replacement(repl: str) -> Callable[[re.Match[str]], str]:
    def sub(m: re.Match[str]) -> str:
        def group(g: re.Match[str]) -> str:
            if g.group(0) == "$$":
                return "$"
            name = g.group(1) or g.group(2)
            try:
                key: int | str = int(name)
            except ValueError:
                key = name
            try:
                return m.group(key) or ""
            except (IndexError, re.error):
                return ""

        return re.sub(r"\$\$|\$\{(\w+)\}|\$(\w+)", group, repl)

    return sub


def fn_replace(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 3)
    if (u := _need_known(args)) is not None:
        return u
    s, old, new = (to_str(a) for a in args)
    if len(old) >= 2 and old.startswith("/") and old.endswith("/"):
        return _go_regex(old[1:-1]).sub(_go_replacement(new), s)
    return s.replace(old, new)


def _regex_result(m: re.Match[str]) -> Any:
    if m.re.groupindex:
        return {name: m.group(name) for name in m.re.groupindex}
    if m.re.groups:
        return list(m.groups())
    return m.group(0)


def fn_regex(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2)
    if (u := _need_known(args)) is not None:
        return u
    m = _go_regex(to_str(args[0])).search(to_str(args[1]))
    if m is None:
        raise FunctionError("the pattern did not match")
    return _regex_result(m)


def fn_regexall(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2)
    if (u := _need_known(args)) is not None:
        return u
    return [_regex_result(m) for m in _go_regex(to_str(args[0])).finditer(to_str(args[1]))]


def fn_startswith(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2)
    s, prefix = args
    if is_leaf(prefix):
        return as_unknown(prefix)
    prefix = to_str(prefix)
    if isinstance(s, PartialStr):
        lead = s.parts[0] if s.parts and isinstance(s.parts[0], str) else ""
        if lead.startswith(prefix):
            return True
        if not prefix.startswith(lead):
            return False
        return as_unknown(s)
    if is_leaf(s):
        return as_unknown(s)
    return to_str(s).startswith(prefix)


def fn_endswith(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2)
    s, suffix = args
    if is_leaf(suffix):
        return as_unknown(suffix)
    suffix = to_str(suffix)
    if isinstance(s, PartialStr):
        tail = s.parts[-1] if s.parts and isinstance(s.parts[-1], str) else ""
        if tail.endswith(suffix):
            return True
        if not suffix.endswith(tail):
            return False
        return as_unknown(s)
    if is_leaf(s):
        return as_unknown(s)
    return to_str(s).endswith(suffix)


def fn_strcontains(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2)
    s, sub = args
    if is_leaf(sub):
        return as_unknown(sub)
    sub = to_str(sub)
    if isinstance(s, PartialStr):
        if any(isinstance(p, str) and sub in p for p in s.parts):
            return True
        return as_unknown(s)
    if is_leaf(s):
        return as_unknown(s)
    return sub in to_str(s)


_FORMAT_VERB = re.compile(r"%(?:\[(\d+)\])?([-+# 0]*)(\d+|\*)?(?:\.(\d+))?([a-zA-Z%])")


def _format_one(verb: str, flags: str, width: str | None, prec: str | None, v: Any) -> list[Any]:
    if verb in ("s", "v") and not (verb == "v" and "#" in flags):
        if is_leaf(v):
            return _parts_of(v)
        if verb == "v" and isinstance(v, (list, dict)):
            text = json_text(v)
        else:
            text = to_str(v)
        if prec is not None:
            text = text[: int(prec)]
    elif verb == "v":  # %#v: JSON
        if is_leaf(v) or first_leaf(v) is not None:
            return [as_unknown(v)]
        text = json_text(v)
    elif verb == "q":
        if is_leaf(v):
            return [as_unknown(v)]
        text = json.dumps(to_str(v), ensure_ascii=False)
    elif verb in "dbox":
        if is_leaf(v):
            return [as_unknown(v)]
        n = to_int(v)
        text = format(n, {"d": "d", "b": "b", "o": "o", "x": "x"}[verb])
    elif verb in "Xe":
        if is_leaf(v):
            return [as_unknown(v)]
        n = to_number(v)
        text = format(n, "X") if verb == "X" and isinstance(n, int) else format(n, "e")
    elif verb in "fg":
        if is_leaf(v):
            return [as_unknown(v)]
        n = float(to_number(v))
        text = format(n, f".{prec}{verb}" if prec is not None else ("f" if verb == "f" else "g"))
        if verb == "f" and prec is None:
            text = format(n, ".6f")
    elif verb == "t":
        if is_leaf(v):
            return [as_unknown(v)]
        text = "true" if to_bool(v) else "false"
    else:
        raise FunctionError(f"unsupported format verb %{verb}")
    if width is not None and width != "*":
        w = int(width)
        if "-" in flags:
            text = text.ljust(w)
        elif "0" in flags and verb in "dfegbox":
            text = text.rjust(w, "0")
        else:
            text = text.rjust(w)
    if "+" in flags and verb in "dfeg" and not text.startswith("-"):
        text = "+" + text
    return [text]


def format_parts(fmt: str, values: list[Any]) -> Any:
    parts: list[Any] = []
    pos = 0
    argi = 0
    for m in _FORMAT_VERB.finditer(fmt):
        parts.append(fmt[pos : m.start()])
        pos = m.end()
        explicit, flags, width, prec, verb = m.groups()
        if verb == "%":
            parts.append("%")
            continue
        if explicit is not None:
            argi = int(explicit) - 1
        if argi >= len(values) or argi < 0:
            raise FunctionError(f"not enough arguments for format {fmt!r}")
        parts.extend(_format_one(verb, flags, width, prec, values[argi]))
        argi += 1
    parts.append(fmt[pos:])
    return partial(parts)


def fn_format(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1, -1)
    fmt = args[0]
    if is_leaf(fmt):
        return as_unknown(fmt)
    return format_parts(to_str(fmt), args[1:])


def fn_formatlist(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1, -1)
    fmt = args[0]
    if is_leaf(fmt):
        return as_unknown(fmt)
    length = None
    for a in args[1:]:
        if is_leaf(a):
            return as_unknown(a)
        if isinstance(a, list):
            if length is not None and len(a) != length:
                raise FunctionError("formatlist() lists differ in length")
            length = len(a)
    if length is None:
        length = 1
    out = []
    for i in range(length):
        row = [a[i] if isinstance(a, list) else a for a in args[1:]]
        out.append(format_parts(to_str(fmt), row))
    return out


def fn_indent(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2)
    if (u := _need_known(args)) is not None:
        return u
    pad = " " * to_int(args[0])
    return to_str(args[1]).replace("\n", "\n" + pad)


# ----------------------------------------------------------------------------- encoding


def fn_base64encode(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    if (u := _need_known(args)) is not None:
        return u
    return base64.b64encode(to_str(args[0]).encode()).decode()


def fn_base64decode(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    if (u := _need_known(args)) is not None:
        return u
    try:
        return base64.b64decode(to_str(args[0]), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise FunctionError(f"invalid base64: {exc}") from None


def _hash(name: str, b64: bool = False) -> Fn:
    def body(args: list[Any], info: CallInfo) -> Any:
        _arity(args, 1)
        if (u := _need_known(args)) is not None:
            return u
        import hashlib

        digest = hashlib.new(name, to_str(args[0]).encode())
        return base64.b64encode(digest.digest()).decode() if b64 else digest.hexdigest()

    return body


def fn_cidrsubnet(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 3)
    if (u := _need_known(args)) is not None:
        return u
    import ipaddress

    try:
        net = ipaddress.ip_network(to_str(args[0]), strict=False)
        newbits, num = to_int(args[1]), to_int(args[2])
        prefix = net.prefixlen + newbits
        if prefix > net.max_prefixlen or num < 0 or num >= 2**newbits:
            raise FunctionError("cidrsubnet() arguments out of range")
        size = 2 ** (net.max_prefixlen - prefix)
        base = int(net.network_address) + num * size
        return str(ipaddress.ip_network((base, prefix)))
    except ValueError as exc:
        raise FunctionError(f"cidrsubnet(): {exc}") from None


# ----------------------------------------------------------------------------- files


def _resolve_in_root(raw: str, info: CallInfo) -> str:
    """The real path of ``raw`` (relative to the module), refused outside the scanned root."""
    ctx = info.ctx
    base = ctx.module_dir or "."
    candidate = raw if os.path.isabs(raw) else os.path.join(base, raw)
    real = os.path.realpath(candidate)
    root = os.path.realpath(ctx.scan_root or ".")
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        raise _Refused(f"{info.name}() outside the scanned root: {raw}")
    return real


class _Refused(Exception):
    """A file function asked for something we will not read: an Unknown, not an error."""


def _read_text(raw: str, info: CallInfo) -> str:
    real = _resolve_in_root(raw, info)
    try:
        with open(real, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise FunctionError(f"cannot read {raw}: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise _Refused(f"{info.name}(): {raw} is larger than {MAX_FILE_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FunctionError(f"{raw} is not UTF-8 text") from None


def fn_file(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    if (u := _need_known(args)) is not None:
        return u
    return _read_text(to_str(args[0]), info)


def fn_fileexists(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    if (u := _need_known(args)) is not None:
        return u
    real = _resolve_in_root(to_str(args[0]), info)
    return os.path.isfile(real)


def fn_templatefile(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 2)
    path, variables = args
    if is_leaf(path):
        return as_unknown(path)
    if is_leaf(variables):
        return as_unknown(variables)
    raw = to_str(path)
    variables = _map(variables, "templatefile() variables")
    ctx = info.ctx
    if ctx.depth >= MAX_TEMPLATE_DEPTH:
        return Unknown(f"templatefile() nested deeper than {MAX_TEMPLATE_DEPTH}", info.span)
    text = _read_text(raw, info)
    from iacguard.evaluate.terraform.expressions import EvalContext, MapScope, evaluate
    from iacguard.parse.hcl_template import parse_template

    expr, errors = parse_template(text, raw)
    if errors:
        raise FunctionError(f"templatefile(): {errors[0]}")
    sub = EvalContext(
        inputs=ctx.inputs,
        hops=ctx.hops,
        refs=ctx.refs,
        depth=ctx.depth + 1,
        deadline=ctx.deadline,
        module_dir=ctx.module_dir,
        scan_root=ctx.scan_root,
        errors=ctx.errors,
    )
    result = evaluate(expr, MapScope(variables, strict=True), sub)
    if isinstance(result, (list, dict)) or result is None:
        raise FunctionError("templatefile() result is not a string")
    if isinstance(result, (int, float, bool)):
        return to_str(result)
    return result


def _path_fn(fn: Callable[[str], str]) -> Fn:
    def body(args: list[Any], info: CallInfo) -> Any:
        _arity(args, 1)
        if (u := _need_known(args)) is not None:
            return u
        return fn(to_str(args[0]))

    return body


def _abspath(p: str) -> str:
    return os.path.abspath(p).replace(os.sep, "/")


# ----------------------------------------------------------------------------- misc


def _identity(args: list[Any], info: CallInfo) -> Any:
    _arity(args, 1)
    return args[0]


def _apply_time(args: list[Any], info: CallInfo) -> Any:
    return Unknown(f"{info.name}() is not known until apply", info.span)


def fn_try(thunks: list[Callable[[], Any]], info: CallInfo) -> Any:
    """The first argument that evaluates without an error (unknowns and references count as
    success: they are values, only not literal ones)."""
    last: Any = None
    for thunk in thunks:
        v = thunk()
        err = find_error(v)
        if err is None:
            return v
        last = err
    if last is None:
        return error("try() needs at least one argument", info.span)
    return error(f"no argument of try() succeeded: {last.reason[len(ERROR_PREFIX) :]}", info.span)


def fn_can(thunks: list[Callable[[], Any]], info: CallInfo) -> Any:
    if len(thunks) != 1:
        return error("can() takes exactly one argument", info.span)
    v = thunks[0]()
    if find_error(v) is not None:
        return False
    if isinstance(v, (Unknown, Ref)):
        return as_unknown(v)
    return True


FUNCTIONS: dict[str, Fn] = {
    "jsonencode": fn_jsonencode,
    "jsondecode": fn_jsondecode,
    "merge": fn_merge,
    "concat": fn_concat,
    "flatten": fn_flatten,
    "lookup": fn_lookup,
    "coalesce": fn_coalesce,
    "coalescelist": fn_coalescelist,
    "compact": fn_compact,
    "distinct": fn_distinct,
    "element": fn_element,
    "format": fn_format,
    "formatlist": fn_formatlist,
    "join": fn_join,
    "split": fn_split,
    "replace": fn_replace,
    "lower": _str_fn(str.lower, 1),
    "upper": _str_fn(str.upper, 1),
    "title": _str_fn(_title, 1),
    "trimspace": _str_fn(str.strip, 1),
    "trimprefix": _str_fn(lambda s, p: s[len(p) :] if p and s.startswith(p) else s, 2),
    "trimsuffix": _str_fn(lambda s, p: s[: -len(p)] if p and s.endswith(p) else s, 2),
    "trim": _str_fn(_trim, 2),
    "chomp": _str_fn(lambda s: re.sub(r"(\r\n|\n|\r)+$", "", s), 1),
    "strrev": _str_fn(lambda s: s[::-1], 1),
    "indent": fn_indent,
    "substr": fn_substr,
    "length": fn_length,
    "keys": fn_keys,
    "values": fn_values,
    "tolist": fn_tolist,
    "toset": fn_toset,
    "tomap": fn_tomap,
    "tostring": fn_tostring,
    "tonumber": fn_tonumber,
    "tobool": fn_tobool,
    "contains": fn_contains,
    "one": fn_one,
    "index": fn_index,
    "zipmap": fn_zipmap,
    "range": fn_range,
    "max": fn_max,
    "min": fn_min,
    "abs": _num1(abs),
    "ceil": _num1(math.ceil),
    "floor": _num1(math.floor),
    "signum": _num1(lambda n: (n > 0) - (n < 0)),
    "pow": fn_pow,
    "startswith": fn_startswith,
    "endswith": fn_endswith,
    "strcontains": fn_strcontains,
    "regex": fn_regex,
    "regexall": fn_regexall,
    "sort": fn_sort,
    "reverse": fn_reverse,
    "slice": fn_slice,
    "setunion": fn_setunion,
    "setintersection": fn_setintersection,
    "setsubtract": fn_setsubtract,
    "alltrue": fn_alltrue,
    "anytrue": fn_anytrue,
    "sum": fn_sum,
    "chunklist": fn_chunklist,
    "transpose": fn_transpose,
    "base64encode": fn_base64encode,
    "base64decode": fn_base64decode,
    "sha256": _hash("sha256"),
    "sha1": _hash("sha1"),
    "sha512": _hash("sha512"),
    "md5": _hash("md5"),
    "base64sha256": _hash("sha256", b64=True),
    "file": fn_file,
    "fileexists": fn_fileexists,
    "templatefile": fn_templatefile,
    "abspath": _path_fn(_abspath),
    "dirname": _path_fn(lambda p: os.path.dirname(p) or "."),
    "basename": _path_fn(os.path.basename),
    "cidrsubnet": fn_cidrsubnet,
    "sensitive": _identity,
    "nonsensitive": _identity,
    "timestamp": _apply_time,
    "plantimestamp": _apply_time,
    "timeadd": _apply_time,
    "uuid": _apply_time,
    "bcrypt": _apply_time,
}

#: functions whose arguments are passed as thunks (evaluated by the function itself)
LAZY_FUNCTIONS: dict[str, Callable[[list[Callable[[], Any]], CallInfo], Any]] = {
    "try": fn_try,
    "can": fn_can,
}


def call(name: str, args: list[Any], info: CallInfo) -> Any:
    """Call an eager function on evaluated arguments; never raises."""
    fn = FUNCTIONS.get(name)
    if fn is None:
        return Unknown(f"unsupported function {name}", info.span)
    for a in args:
        if is_error(a):
            return a
    try:
        result = fn(args, info)
    except FunctionError as exc:
        return error(f"{name}(): {exc}", info.span)
    except _Refused as exc:
        span = info.span
        info.ctx.errors.append(FileError(span.path, span.start_line, span.start_column, str(exc)))
        return Unknown(str(exc), span)
    except (ValueError, TypeError, OverflowError, RecursionError, KeyError, IndexError) as exc:
        return error(f"{name}(): {type(exc).__name__}: {exc}", info.span)
    return result
