"""Reading evaluated Terraform payloads: plain data out of lazy objects, the refs a payload
carries, and the short descriptions of values that messages use.
"""

from __future__ import annotations

from typing import Any

from iacguard.core.spans import Span
from iacguard.core.values import JsonEncoded, PartialStr, Ref, Unknown, walk
from iacguard.evaluate.terraform.worlds import Entry

_SCALARS = (str, int, float, bool, type(None))


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` as plain data: lazy objects (resource instances, module objects) kept in
    payloads are materialized, recursively (bounded)."""
    if isinstance(value, _SCALARS) or isinstance(value, (Unknown, Ref, PartialStr)):
        return value
    if depth > 64:
        return Unknown("value nested too deep")
    if isinstance(value, dict):
        return {k: plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, JsonEncoded):
        return JsonEncoded(plain(value.data, depth + 1))
    materialize = getattr(value, "materialize", None)
    if materialize is not None:
        return plain(materialize(), depth + 1)
    return Unknown(f"not a value: {type(value).__name__}")


def refs_in_payload(entry: Entry) -> list[tuple[Ref, Span]]:
    """The refs of ``entry`` that its payload carries (a reader of a configured attribute
    depends on those, not on everything the attribute's evaluation looked at)."""
    if not entry.refs:
        return []
    carried = {
        (node.address, node.attribute)
        for node in walk(entry.payload, max_depth=64)
        if isinstance(node, Ref)
    }
    return [(r, sp) for r, sp in entry.refs if (r.address, r.attribute) in carried]


def short(value: Any) -> str:
    """A value for a hop message: ``false``, ``"x"``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return '"' + (value if len(value) <= 60 else value[:57] + "...") + '"'
    if isinstance(value, Unknown):
        return f"unknown ({value.reason})"
    if isinstance(value, (list, dict)):
        return "[...]" if isinstance(value, list) else "{...}"
    return str(value)


def describe_unknown(value: Any) -> str:
    if isinstance(value, Unknown):
        return value.reason
    if isinstance(value, Ref):
        return f"depends on {value.address}.{value.attribute}, known after apply"
    if isinstance(value, (PartialStr, JsonEncoded)):
        return "not fully known"
    return f"not a valid value: {short(value)}"
