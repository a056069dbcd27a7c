"""Terraform's collection functions (lists, maps and sets): ``merge``, ``concat``, ``lookup``,
``coalesce``, ``distinct``, ``length``, ``contains``, ``range``, ``setunion``, ``sum``...

Where the result does not need an unknown element it is still known (``length`` of a list with
unknown elements, ``merge`` of maps with unknown values, ``lookup`` of a present key,
``alltrue`` with a false element...).
"""

from __future__ import annotations

from typing import Any

from iacguard.core.values import PartialStr, Unknown
from iacguard.evaluate.terraform.budget import SLOT
from iacguard.evaluate.terraform.functions.common import (
    CallInfo,
    Fn,
    FunctionError,
    arity,
    as_list,
    as_map,
    as_unknown,
    distinct,
    first_leaf,
    graphemes,
    hcl_equal,
    is_leaf,
    leaf_unknown,
    need_known,
    normalize_number,
    reserve,
    set_order,
    to_bool,
    to_int,
    to_number,
    to_str,
    type_name,
    unify_primitives,
)


def fn_merge(args: list[Any], info: CallInfo) -> Any:
    out: dict[str, Any] = {}
    for a in args:
        if a is None:
            continue
        if is_leaf(a):
            return as_unknown(a)
        out.update(as_map(a))
    return out


def fn_concat(args: list[Any], info: CallInfo) -> Any:
    lists = []
    for a in args:
        if is_leaf(a):
            return as_unknown(a)
        lists.append(as_list(a))
    reserve(info, SLOT * sum(len(x) for x in lists))
    out: list[Any] = []
    for x in lists:
        out.extend(x)
    return out


def fn_flatten(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    if is_leaf(args[0]):
        return as_unknown(args[0])
    out: list[Any] = []
    stack = [iter(as_list(args[0]))]
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
    arity(args, 2, 3)
    m, key = args[0], args[1]
    if (u := leaf_unknown(m, key)) is not None:
        return u
    key = to_str(key)
    m = as_map(m, "lookup's first argument")
    if key in m:
        return m[key]
    if len(args) == 3:
        return args[2]
    raise FunctionError(f"the map has no key {key!r} and no default was given")


def fn_coalesce(args: list[Any], info: CallInfo) -> Any:
    args = _unified(args)
    for a in args:
        if is_leaf(a):
            if isinstance(a, PartialStr) and a.known_text():
                return a
            return as_unknown(a)
        if a is None or a == "":
            continue
        return a
    raise FunctionError("no non-null, non-empty argument")


def _text(x: Any) -> Any:
    return x if x is None or is_leaf(x) else to_str(x)


def _unified(args: list[Any]) -> list[Any]:
    """Terraform unifies coalesce's arguments first: mixed primitives with a string among
    them become strings (``coalesce(0, "x")`` is ``"0"``), lists of mixed primitives become
    lists of strings; a null literal (of any type) keeps mixed arguments as they are, except
    a list next to an object; other mixtures cannot unify."""
    kinds = {type_name(a) for a in args if a is not None and not is_leaf(a)}
    primitive = {"string", "number", "bool"}
    if kinds == {"list"}:
        elements = [x for a in args if isinstance(a, list) for x in a]
        if all(not isinstance(x, (list, dict)) for x in elements):
            unified = unify_primitives(elements)
            if unified is not elements:  # mixed, with a string: every list of strings
                return [[_text(x) for x in a] if isinstance(a, list) else a for a in args]
        return args
    if len(kinds) < 2:
        return args
    if kinds <= primitive and "string" in kinds:
        return [_text(a) for a in args]
    if any(a is None for a in args) and not {"list", "object"} <= kinds:
        return args  # a null literal's type is "any": the arguments are not converted
    raise FunctionError("all arguments must have the same type")


def fn_coalescelist(args: list[Any], info: CallInfo) -> Any:
    # Terraform checks every argument is a list before choosing. A null is skipped: a typed
    # null (an optional attribute's) is what configurations pass; only a literal `null`,
    # whose type is "any", is an error there, and a null here has no type to tell them apart
    for a in args:
        if a is not None and not is_leaf(a) and not isinstance(a, list):
            raise FunctionError(f"coalescelist() of a {type_name(a)}: every argument is a list")
    for a in args:
        if is_leaf(a):
            return as_unknown(a)
        if a is not None and as_list(a):
            return a
    raise FunctionError("no non-empty list argument")


def fn_compact(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    items = args[0]
    if is_leaf(items):
        return as_unknown(items)
    out = []
    for x in as_list(items):
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
    arity(args, 1)
    items = args[0]
    if (u := need_known(items)) is not None:
        return u
    return distinct(unify_primitives(as_list(items)))


def fn_element(args: list[Any], info: CallInfo) -> Any:
    arity(args, 2)
    items, idx = args
    if (u := leaf_unknown(items, idx)) is not None:
        return u
    items = as_list(items)
    if not items:
        raise FunctionError("cannot use element() on an empty list")
    i = to_int(idx)
    # Go's remainder takes the dividend's sign: -4 of 4 items is item 0, -1 of 2 an error
    rest = abs(i) % len(items)
    if i < 0 and rest:
        raise FunctionError("element() index must not be negative")
    return items[rest]


def fn_length(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    v = args[0]
    if isinstance(v, (list, dict)):
        return len(v)
    if isinstance(v, str):
        return len(v) if v.isascii() and "\r\n" not in v else len(graphemes(v))
    if is_leaf(v):
        return as_unknown(v)
    raise FunctionError(f"length() of a {type_name(v)}")


def fn_keys(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    if is_leaf(args[0]):
        return as_unknown(args[0])
    return sorted(as_map(args[0]))


def fn_values(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    if is_leaf(args[0]):
        return as_unknown(args[0])
    m = as_map(args[0])
    return [m[k] for k in sorted(m)]


def fn_contains(args: list[Any], info: CallInfo) -> Any:
    arity(args, 2)
    items, value = args
    if is_leaf(items):
        return as_unknown(items)
    if value is None:
        raise FunctionError("contains() of null")  # Terraform: the value must not be null
    undecided: Any = None
    for x in as_list(items):
        r = hcl_equal(x, value)
        if r:
            return True
        if r is None and undecided is None:
            undecided = first_leaf([x, value])
    if undecided is not None:
        return as_unknown(undecided)
    return False


def _one(v: Any) -> Any:
    if v is None:
        raise FunctionError("one() of null")  # Terraform: the argument must not be null
    items = as_list(v)
    if len(items) > 1:
        raise FunctionError(f"one() of a list with {len(items)} elements")
    return items[0] if items else None


def fn_one(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    if is_leaf(args[0]):
        return as_unknown(args[0])
    return _one(args[0])


def fn_index(args: list[Any], info: CallInfo) -> Any:
    arity(args, 2)
    items, value = args
    if is_leaf(items):
        return as_unknown(items)
    for i, x in enumerate(as_list(items)):
        r = hcl_equal(x, value)
        if r:
            return i
        if r is None:
            return as_unknown(first_leaf([x, value]))
    raise FunctionError("the value is not in the list")


def fn_zipmap(args: list[Any], info: CallInfo) -> Any:
    arity(args, 2)
    ks, vs = args
    if (u := leaf_unknown(ks, vs)) is not None:
        return u
    ks, vs = as_list(ks), as_list(vs)
    if len(ks) != len(vs):
        raise FunctionError("zipmap() lists differ in length")
    if (u := need_known(ks)) is not None:
        return u
    return {to_str(k): v for k, v in zip(ks, vs, strict=True)}


def fn_range(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1, 3)
    if (u := need_known(args)) is not None:
        return u
    nums = [to_number(a) for a in args]
    if len(nums) == 1:
        start, limit = 0, nums[0]
        step = 1 if limit >= start else -1
    elif len(nums) == 2:
        start, limit = nums
        step = 1 if limit >= start else -1
    else:
        start, limit, step = nums
    if step == 0:
        raise FunctionError("range() step must not be zero")
    if (step > 0 and start > limit) or (step < 0 and start < limit):
        raise FunctionError("range() step goes away from the limit")
    out: list[Any] = []
    x = start
    while (x < limit) if step > 0 else (x > limit):
        out.append(normalize_number(x) if isinstance(x, float) else x)
        if len(out) > 1024:
            raise FunctionError("range() of more than 1024 elements")
        x += step
    return out


def fn_sort(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    if (u := need_known(args)) is not None:
        return u
    return sorted(to_str(x) for x in as_list(args[0]))


def fn_reverse(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    if is_leaf(args[0]):
        return as_unknown(args[0])
    return list(reversed(as_list(args[0])))


def fn_slice(args: list[Any], info: CallInfo) -> Any:
    arity(args, 3)
    items, lo, hi = args
    if is_leaf(items):
        return as_unknown(items)
    if (u := need_known([lo, hi])) is not None:
        return u
    items = as_list(items)
    a, b = to_int(lo), to_int(hi)
    if a < 0 or b > len(items) or a > b:
        raise FunctionError(f"slice({a}, {b}) out of range for a list of {len(items)}")
    return items[a:b]


def _sets(args: list[Any]) -> list[list[Any]] | Unknown:
    if (u := need_known(args)) is not None:
        return u
    # each set's elements unify on their own (a bool and a number cannot), then all of them
    sets = [unify_primitives(as_list(a)) for a in args]
    flat = unify_primitives([x for s in sets for x in s])
    out, at = [], 0
    for s in sets:
        out.append(flat[at : at + len(s)])
        at += len(s)
    return out


def fn_setunion(args: list[Any], info: CallInfo) -> Any:
    sets = _sets(args)
    if isinstance(sets, Unknown):
        return sets
    return set_order([x for s in sets for x in s])


def fn_setintersection(args: list[Any], info: CallInfo) -> Any:
    sets = _sets(args)
    if isinstance(sets, Unknown):
        return sets
    if not sets:
        raise FunctionError("setintersection() needs at least one set")
    first = set_order(list(sets[0]))
    return [x for x in first if all(any(hcl_equal(x, y) for y in s) for s in sets[1:])]


def fn_setsubtract(args: list[Any], info: CallInfo) -> Any:
    arity(args, 2)
    sets = _sets(args)
    if isinstance(sets, Unknown):
        return sets
    a, b = sets
    return [x for x in set_order(list(a)) if not any(hcl_equal(x, y) for y in b)]


def _quantifier(decisive: bool) -> Fn:
    """``alltrue`` (False decides) / ``anytrue`` (True decides): the decisive value as soon as
    an element has it, even next to unknown elements; else unknown if one is, else the other."""

    def body(args: list[Any], info: CallInfo) -> Any:
        arity(args, 1)
        if is_leaf(args[0]):
            return as_unknown(args[0])
        pending = None
        for x in as_list(args[0]):
            if is_leaf(x):
                pending = pending or x
                continue
            if to_bool(x) is decisive:
                return decisive
        return as_unknown(pending) if pending is not None else not decisive

    return body


fn_alltrue = _quantifier(False)
fn_anytrue = _quantifier(True)


def fn_sum(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    if (u := need_known(args)) is not None:
        return u
    items = as_list(args[0])
    if not items:
        raise FunctionError("sum() of an empty list")
    total: int | float = 0
    for x in items:
        total += to_number(x)
    return total


def fn_chunklist(args: list[Any], info: CallInfo) -> Any:
    arity(args, 2)
    items, size = args
    if (u := leaf_unknown(items, size)) is not None:
        return u
    items = as_list(items)
    n = to_int(size)
    if n < 0:
        raise FunctionError("chunklist() size must not be negative")
    if n == 0:
        return [list(items)] if items else []
    return [items[i : i + n] for i in range(0, len(items), n)]


def fn_transpose(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1)
    if (u := need_known(args)) is not None:
        return u
    out: dict[str, list[str]] = {}
    for k, vs in sorted(as_map(args[0]).items()):
        for v in as_list(vs):
            out.setdefault(to_str(v), []).append(k)
    return {k: sorted(v) for k, v in sorted(out.items())}
