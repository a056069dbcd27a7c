"""Three-valued values: what an attribute is, for which inputs, and why.

Every attribute in the resource graph is one of

* ``Known(value)``: the same for every input we can see;
* ``Depends(default, inputs, alternatives, complete)``: ``default`` is the value under the
  declared defaults (Terraform variable defaults and tfvars, CloudFormation Parameter
  defaults); ``inputs`` are the inputs that can change it; ``alternatives`` are the values it
  takes when one of those inputs is set otherwise (each with the assignment that produces it);
  ``complete`` is False when other inputs may give values not listed (a free-form string
  input, say);
* ``Unknown(reason)``: it cannot be seen statically (required input with no default, remote
  module output, data source, unsupported function, cycle...).

The *payload* of a Known / Depends / alternative is plain data: ``None``, ``bool``, ``int``,
``float``, ``str``, ``list``, ``dict``, with these leaves where something is not a literal:

* ``Unknown``: an unknown piece inside otherwise known data;
* ``Ref``: a computed attribute of another resource in the graph (``aws_kms_key.k.arn``,
  ``!GetAtt Key.Arn``, ``!Ref Key``); rules follow it with ``Graph.resolve``;
* ``PartialStr``: a string some of whose parts are unknown or references
  (``"arn:aws:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/backup"``);
* ``JsonEncoded``: the result of ``jsonencode`` on data that is not fully known; the policy
  reader takes its structure directly.

Nothing here guesses: an operation on an unknown yields an unknown unless the result does not
need it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from iacguard.core.located import Located
from iacguard.core.records import field, record
from iacguard.core.spans import Span

# ----------------------------------------------------------------------------- leaves


@record
class Unknown:
    """A value (or a piece of one) that cannot be seen statically.

    ``required_input`` marks the one kind of unknown that is the caller's duty to fill: a
    variable or Parameter with no default. Rules treat it as "the caller must set it".
    """

    reason: str
    span: Span | None = field(default=None, compare=False)
    inputs: frozenset[str] = frozenset()
    required_input: bool = False
    trace: tuple[Located, ...] = field(default=(), compare=False)

    def __init__(
        self,
        reason: str,
        span: Span | None = None,
        inputs: frozenset[str] = frozenset(),
        required_input: bool = False,
        trace: tuple[Located, ...] = (),
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "reason", reason)
        set_field(self, "span", span)
        set_field(self, "inputs", inputs)
        set_field(self, "required_input", required_input)
        set_field(self, "trace", trace)

    def to_json(self) -> dict[str, Any]:
        return {"unknown": self.reason}


@record
class Ref:
    """A computed attribute of a resource in the graph (``aws_kms_key.k`` ``arn``).

    ``attribute`` is None for a CloudFormation ``!Ref`` of a resource (its physical id).
    ``root`` is the root module directory or template the address lives in.
    """

    address: str
    attribute: str | None
    root: str
    span: Span | None = field(default=None, compare=False)

    def __init__(
        self, address: str, attribute: str | None, root: str, span: Span | None = None
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "address", address)
        set_field(self, "attribute", attribute)
        set_field(self, "root", root)
        set_field(self, "span", span)

    def to_json(self) -> dict[str, Any]:
        return {"ref": self.address + (f".{self.attribute}" if self.attribute else "")}


@record
class PartialStr:
    """A string made of known text and unknown or referenced pieces."""

    parts: tuple[str | Unknown | Ref, ...]

    def __init__(self, parts: tuple[str | Unknown | Ref, ...]) -> None:
        set_field = object.__setattr__
        set_field(self, "parts", parts)

    def known_text(self) -> str:
        return "".join(p for p in self.parts if isinstance(p, str))

    def pattern(self) -> re.Pattern[str]:
        """A regex matching every string this could be (unknown parts match anything)."""
        return re.compile(
            "".join(re.escape(p) if isinstance(p, str) else ".*" for p in self.parts),
            re.DOTALL,
        )

    def could_be(self, text: str) -> bool:
        return self.pattern().fullmatch(text) is not None

    def __str__(self) -> str:
        out = []
        for p in self.parts:
            if isinstance(p, str):
                out.append(p)
            elif isinstance(p, Ref):
                out.append("${" + p.address + (f".{p.attribute}" if p.attribute else "") + "}")
            else:
                out.append("${?}")
        return "".join(out)

    def to_json(self) -> dict[str, Any]:
        return {"partial": str(self)}


@record
class JsonEncoded:
    """``jsonencode(x)`` where ``x`` is not fully known: keeps the structure."""

    data: Any

    def to_json(self) -> dict[str, Any]:
        return {"jsonencode": to_jsonable(self.data)}


LEAF_TYPES = (Unknown, Ref, PartialStr, JsonEncoded)


def walk(data: Any, max_depth: int | None = None) -> Iterator[Any]:
    """Every node of plain data in document order (depth first, the data itself first):
    mapping values, list and tuple items, a PartialStr's parts and a JsonEncoded's data are
    descended into (iteratively, so depth costs no recursion); with ``max_depth``, nodes deeper
    than that are not visited. The one walk over payloads: what a payload holds is asked
    through it."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, level = stack.pop()
        if max_depth is not None and level > max_depth:
            continue
        yield node
        if isinstance(node, dict):
            stack.extend((v, level + 1) for v in reversed(node.values()))
        elif isinstance(node, (list, tuple)):
            stack.extend((v, level + 1) for v in reversed(node))
        elif isinstance(node, PartialStr):
            stack.extend((v, level + 1) for v in reversed(node.parts))
        elif isinstance(node, JsonEncoded):
            stack.append((node.data, level + 1))


def is_fully_known(data: Any) -> bool:
    """True when plain data holds no Unknown, Ref, PartialStr or JsonEncoded anywhere."""
    return not any(isinstance(node, LEAF_TYPES) for node in walk(data))


def to_jsonable(data: Any) -> Any:
    """Plain data with leaves rendered as small JSON objects (for ``iacguard graph``)."""
    if isinstance(data, LEAF_TYPES):
        return data.to_json()
    if isinstance(data, dict):
        return {str(k): to_jsonable(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [to_jsonable(v) for v in data]
    return data


# ----------------------------------------------------------------------------- values


@record
class Alternative:
    """The value under one other assignment of inputs, e.g. ``{"var.use_cmk": True}``."""

    assignment: tuple[tuple[str, Any], ...]
    value: Any

    def __init__(self, assignment: tuple[tuple[str, Any], ...], value: Any) -> None:
        set_field = object.__setattr__
        set_field(self, "assignment", assignment)
        set_field(self, "value", value)

    def describe(self) -> str:
        return ", ".join(f"{k} = {v!r}" for k, v in self.assignment)


@record
class Known:
    value: Any
    span: Span | None = field(default=None, compare=False)
    trace: tuple[Located, ...] = field(default=(), compare=False)

    def __init__(
        self, value: Any, span: Span | None = None, trace: tuple[Located, ...] = ()
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "value", value)
        set_field(self, "span", span)
        set_field(self, "trace", trace)

    @property
    def inputs(self) -> frozenset[str]:
        return frozenset()

    def to_json(self) -> dict[str, Any]:
        return {"certainty": "known", "value": to_jsonable(self.value)}


@record
class Depends:
    default: Any
    inputs: frozenset[str]
    alternatives: tuple[Alternative, ...] = ()
    complete: bool = False
    span: Span | None = field(default=None, compare=False)
    trace: tuple[Located, ...] = field(default=(), compare=False)

    def __init__(
        self,
        default: Any,
        inputs: frozenset[str],
        alternatives: tuple[Alternative, ...] = (),
        complete: bool = False,
        span: Span | None = None,
        trace: tuple[Located, ...] = (),
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "default", default)
        set_field(self, "inputs", inputs)
        set_field(self, "alternatives", alternatives)
        set_field(self, "complete", complete)
        set_field(self, "span", span)
        set_field(self, "trace", trace)

    def to_json(self) -> dict[str, Any]:
        return {
            "certainty": "input-dependent",
            "value": to_jsonable(self.default),
            "inputs": sorted(self.inputs),
            "alternatives": [
                {
                    "when": {k: to_jsonable(v) for k, v in a.assignment},
                    "value": to_jsonable(a.value),
                }
                for a in self.alternatives
            ],
            "complete": self.complete,
        }


Value = Known | Depends | Unknown


def value_to_json(value: Value) -> dict[str, Any]:
    if isinstance(value, Unknown):
        out: dict[str, Any] = {"certainty": "unknown", "reason": value.reason}
        if value.inputs:
            out["inputs"] = sorted(value.inputs)
        return out
    return value.to_json()


def default_of(value: Value) -> Any:
    """The payload under the default inputs (an Unknown leaf for Unknown)."""
    if isinstance(value, Known):
        return value.value
    if isinstance(value, Depends):
        return value.default
    return value
