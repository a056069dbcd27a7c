"""Operations on three-valued values and their payloads, in one place: reading a part of a
payload (``dig``) or of a Value (``project``, which narrows the inputs to those that change the
part), applying a function in every world (``map_value``), normalising, absence, several values
of one resource combined world by world (``combine``), and the normalisations every rule needs
(``as_bool``: ``True``, ``true``, ``"true"``, ``"True"`` all mean true; ``as_int``; ``as_str``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from iacguard.core.values import (
    Alternative,
    Depends,
    Known,
    Unknown,
    Value,
    default_of,
    walk,
)

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def split_path(path: str) -> list[str | int]:
    """``"rule[0].copy_action[1].x"`` -> ``["rule", 0, "copy_action", 1, "x"]``."""
    return list(path_steps(path))


@lru_cache(maxsize=1024)
def path_steps(path: str) -> tuple[str | int, ...]:
    """``split_path`` as a tuple, memoized (fact paths are few and read often)."""
    return tuple(int(index) if index else name for name, index in _SEGMENT.findall(path))


def dig(payload: Any, steps: list[str | int]) -> Any:
    """The payload at ``steps`` below ``payload``: None when absent, an Unknown leaf when an
    unknown stands in the way."""
    for step in steps:
        if isinstance(payload, Unknown):
            return payload
        if isinstance(step, int):
            if isinstance(payload, (list, tuple)) and -len(payload) <= step < len(payload):
                payload = payload[step]
            else:
                return None
        elif isinstance(payload, Mapping):
            payload = payload.get(step)
        else:
            return None
    return payload


def map_value(value: Value, fn: Callable[[Any], Any]) -> Value:
    """Apply ``fn`` to the payload in every world of ``value``."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Known):
        return normalize(Known(fn(value.value), value.span, value.trace))
    return normalize(
        Depends(
            fn(value.default),
            value.inputs,
            tuple(Alternative(a.assignment, fn(a.value)) for a in value.alternatives),
            value.complete,
            value.span,
            value.trace,
        )
    )


def normalize(value: Value) -> Value:
    """A Known/Depends whose default payload is a bare Unknown leaf is that Unknown."""
    if isinstance(value, Known) and isinstance(value.value, Unknown):
        leaf = value.value
        return Unknown(
            leaf.reason,
            leaf.span or value.span,
            leaf.inputs,
            leaf.required_input,
            leaf.trace or value.trace,
        )
    if isinstance(value, Depends) and isinstance(value.default, Unknown):
        leaf = value.default
        return Unknown(
            leaf.reason,
            leaf.span or value.span,
            leaf.inputs | value.inputs,
            leaf.required_input,
            leaf.trace or value.trace,
        )
    return value


def project(value: Value, steps: list[str | int]) -> Value:
    """The Value of a sub-path of ``value``'s payload."""
    if not steps:
        return normalize(value)
    sub = map_value(value, lambda p: dig(p, steps))
    return _collapse(sub)


def _collapse(value: Value) -> Value:
    """Narrow a projected sub-value to the inputs that change it.

    The inputs of an attribute are those its whole payload touched; a part of it (one plan
    rule's target) may depend on fewer. An input is kept when a listed world that assigns it
    gives a different payload, when it is unknown inside the default payload, or when no listed
    world assigns it (it may matter). No input left: the part is Known. The reference chain
    keeps only the hops that do not name a dropped input.
    """
    if not isinstance(value, Depends) or not value.alternatives:
        return value
    assigned: set[str] = set()
    changing: set[str] = set()
    for alt in value.alternatives:
        names = {name for name, _ in alt.assignment}
        assigned.update(names)
        if alt.value != value.default:
            changing.update(names)
    keep = (value.inputs - assigned) | changing | (unknown_inputs(value.default) & value.inputs)
    if keep == value.inputs:
        return value
    dropped = value.inputs - keep
    trace = tuple(h for h in value.trace if not _names_any(h.message, dropped))
    if not keep:
        return Known(value.default, value.span, trace)
    alternatives = tuple(
        a for a in value.alternatives if any(name in keep for name, _ in a.assignment)
    )
    return Depends(value.default, frozenset(keep), alternatives, value.complete, value.span, trace)


def _names_any(message: str, names: set[str]) -> bool:
    for name in names:
        if message.startswith((f"{name} ", f"Parameter {name} ")):
            return True
    return False


def unknown_inputs(payload: Any) -> set[str]:
    """The inputs named by Unknown leaves anywhere in a payload."""
    out: set[str] = set()
    for node in walk(payload):
        if isinstance(node, Unknown):
            out.update(node.inputs)
    return out


def is_absent(value: Value | None) -> bool:
    """Not set in any world we can see (null counts as not set)."""
    if value is None:
        return True
    if isinstance(value, Known):
        return value.value is None
    if isinstance(value, Depends):
        return value.default is None and all(a.value is None for a in value.alternatives)
    return False


def as_bool(payload: Any) -> bool | None:
    """``True``/``true``/``"true"``/``"True"`` -> True; the false forms -> False; else None."""
    if isinstance(payload, bool):
        return payload
    if isinstance(payload, str):
        low = payload.strip().lower()
        if low == "true":
            return True
        if low == "false":
            return False
    return None


def as_int(payload: Any) -> int | None:
    """An integer written as a number or a numeric string; else None."""
    if isinstance(payload, bool):
        return None
    if isinstance(payload, int):
        return payload
    if isinstance(payload, float) and payload.is_integer():
        return int(payload)
    if isinstance(payload, str) and re.fullmatch(r"\s*-?\d+\s*", payload):
        return int(payload)
    return None


def as_str(payload: Any) -> str | None:
    return payload if isinstance(payload, str) else None


def payloads(value: Value) -> list[Any]:
    """The payload under the defaults, then under each alternative (an Unknown: itself)."""
    if isinstance(value, Unknown):
        return [value]
    if isinstance(value, Known):
        return [value.value]
    return [value.default] + [a.value for a in value.alternatives]


_NOT_LISTED = object()


def combine(values: list[Value]) -> Value:
    """Several values of one resource as one value whose payload is the tuple of theirs, world
    by world (so a predicate sees the values of the same inputs together). A world in which one
    of the values was not evaluated although it depends on the world's inputs gives an Unknown
    in that position."""
    if all(isinstance(v, Known) for v in values):
        return Known(tuple(v.value for v in values))  # type: ignore[union-attr]
    inputs: set[str] = set()
    assignments: list[tuple[tuple[str, Any], ...]] = []
    trace: list[Any] = []
    complete = True
    for v in values:
        if isinstance(v, Depends):
            inputs.update(v.inputs)
            complete = complete and v.complete
            for alt in v.alternatives:
                if alt.assignment not in assignments:
                    assignments.append(alt.assignment)
        elif isinstance(v, Unknown):
            inputs.update(v.inputs)
        trace.extend(getattr(v, "trace", ()))
    default = tuple(default_of(v) for v in values)
    alternatives = []
    for assignment in assignments:
        names = {name for name, _ in assignment}
        items = []
        for v in values:
            if isinstance(v, Depends):
                found = next(
                    (a.value for a in v.alternatives if a.assignment == assignment), _NOT_LISTED
                )
                if found is _NOT_LISTED:
                    found = (
                        Unknown("not evaluated in this world") if names & v.inputs else v.default
                    )
                items.append(found)
            else:
                items.append(default_of(v))
        alternatives.append(Alternative(assignment, tuple(items)))
    return Depends(default, frozenset(inputs), tuple(alternatives), complete, trace=tuple(trace))
