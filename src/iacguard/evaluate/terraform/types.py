"""Terraform type constraints (``type = map(object({...}))``) and value conversion.

A variable's ``type`` expression is read into a small ``TfType`` tree once; ``convert`` then
applies Terraform's automatic conversions to a payload: numbers and bools to strings for
``string`` (``30`` -> ``"30"``), numeric strings to numbers, ``"true"``/``"false"`` to bools,
element-wise for collections, and object attributes declared ``optional(T, default)`` filled
in when missing (Terraform 1.3+). Leaves (Unknown, Ref, PartialStr, JsonEncoded) pass through
unchanged; a value that cannot be converted is returned as it is (Terraform would reject the
configuration; we never invent a value).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iacguard.core.records import record
from iacguard.core.values import LEAF_TYPES
from iacguard.parse.hcl_ast import Call, Expr, Literal, ObjectExpr, Traversal, TupleExpr

PRIMITIVES = frozenset({"string", "number", "bool", "any"})


@record
class ObjAttr:
    name: str
    type: TfType
    optional: bool = False
    #: the payload of ``optional(T, default)``'s default (None when not given)
    default: Any = None


@record
class TfType:
    """``kind`` is string/number/bool/any/list/set/map/object/tuple."""

    kind: str
    elem: TfType | None = None
    attrs: tuple[ObjAttr, ...] = ()
    items: tuple[TfType, ...] = ()

    def __init__(
        self,
        kind: str,
        elem: TfType | None = None,
        attrs: tuple[ObjAttr, ...] = (),
        items: tuple[TfType, ...] = (),
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "kind", kind)
        set_field(self, "elem", elem)
        set_field(self, "attrs", attrs)
        set_field(self, "items", items)


ANY = TfType("any")


def parse_type(expr: Expr | None, literal: Callable[[Expr], Any]) -> TfType:
    """The type a ``type = ...`` expression denotes; ``any`` for anything not understood.

    ``literal`` evaluates an ``optional(T, default)`` default expression to a payload.
    """
    if expr is None:
        return ANY
    if isinstance(expr, Traversal) and not expr.steps:
        return TfType(expr.root) if expr.root in PRIMITIVES else ANY
    if isinstance(expr, Literal) and isinstance(expr.value, str) and expr.value in PRIMITIVES:
        return TfType(expr.value)  # legacy quoted "string"
    if isinstance(expr, Call) and expr.args:
        name, arg = expr.name, expr.args[0]
        if name in ("list", "set", "map"):
            return TfType(name, elem=parse_type(arg, literal))
        if name == "tuple" and isinstance(arg, TupleExpr):
            return TfType("tuple", items=tuple(parse_type(i, literal) for i in arg.items))
        if name == "object" and isinstance(arg, ObjectExpr):
            attrs = []
            for key, value in arg.items:
                key_name = _key_name(key)
                if key_name is None:
                    continue
                if isinstance(value, Call) and value.name == "optional" and value.args:
                    default = literal(value.args[1]) if len(value.args) > 1 else None
                    attrs.append(
                        ObjAttr(key_name, parse_type(value.args[0], literal), True, default)
                    )
                else:
                    attrs.append(ObjAttr(key_name, parse_type(value, literal)))
            return TfType("object", attrs=tuple(attrs))
    return ANY


def _key_name(key: Expr) -> str | None:
    if isinstance(key, Literal) and isinstance(key.value, str):
        return key.value
    if isinstance(key, Traversal) and not key.steps:
        return key.root
    return None


def format_number(value: int | float) -> str:
    """A number as Terraform prints it in a string (``30``, ``1.5``, ``1e+21``)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def _to_number(text: str) -> int | float | None:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        f = float(text)
    except ValueError:
        return None
    return f if f == f and f not in (float("inf"), float("-inf")) else None


def convert(value: Any, type_: TfType) -> Any:
    """``value`` converted to ``type_`` as Terraform would; unconvertible values unchanged."""
    kind = type_.kind
    if kind == "any" or value is None or isinstance(value, LEAF_TYPES):
        return value
    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return format_number(value)
        return value
    if kind == "number":
        if isinstance(value, str) and not isinstance(value, bool):
            number = _to_number(value.strip())
            return value if number is None else number
        return value
    if kind == "bool":
        if value == "true":
            return True
        if value == "false":
            return False
        return value
    if kind in ("list", "set"):
        if not isinstance(value, (list, tuple)):
            return value
        elem = type_.elem or ANY
        out = [convert(v, elem) for v in value]
        if kind == "set":
            out = _dedupe(out)
        return out
    if kind == "map":
        if not isinstance(value, dict):
            return value
        elem = type_.elem or ANY
        return {k: convert(v, elem) for k, v in value.items()}
    if kind == "tuple":
        if not isinstance(value, (list, tuple)) or len(value) != len(type_.items):
            return value
        return [convert(v, t) for v, t in zip(value, type_.items, strict=True)]
    if kind == "object":
        if not isinstance(value, dict):
            return value
        out_obj: dict[str, Any] = {}
        for attr in type_.attrs:
            if attr.name in value and value[attr.name] is not None:
                out_obj[attr.name] = convert(value[attr.name], attr.type)
            elif attr.optional:
                out_obj[attr.name] = (
                    None if attr.default is None else convert(attr.default, attr.type)
                )
            else:
                out_obj[attr.name] = value.get(attr.name)
        return out_obj
    return value


def _dedupe(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
