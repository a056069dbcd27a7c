"""The one validator for the JSON Schema subset iacguard's own schemas use (the rule catalog's
``rules/schema.json`` and the configuration's ``config_schema.json``).

Keywords: type, enum, const, required, properties, additionalProperties, patternProperties,
items, pattern, minLength, minItems, minimum, maximum, oneOf, anyOf, ``$ref`` to ``#/...``, and
the annotations (title, description, ...). Their meaning is draft 2020-12's (an integral float is
an integer, ``true`` is not ``1``); any other keyword is a problem, so a schema never passes
through a check this validator cannot make. It exists because importing jsonschema costs
~0.2 s, too much for a pre-commit run; the tests check that both agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: the keywords this validator checks, and the annotations it may ignore
_CHECKED = frozenset(
    {"$ref", "type", "enum", "const", "required", "properties", "additionalProperties"}
    | {"patternProperties", "items", "pattern", "minLength", "minItems", "minimum", "maximum"}
    | {"oneOf", "anyOf"}
)
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples"}
)


def is_valid(data: Any, schema: Mapping[str, Any], root: Mapping[str, Any] | None = None) -> bool:
    """Whether ``data`` is valid against ``schema`` (``$ref`` resolved in ``root``, by default
    ``schema`` itself)."""
    return not problems(data, schema, root=root)


def problems(
    data: Any, schema: Mapping[str, Any], where: str = "", root: Mapping[str, Any] | None = None
) -> list[str]:
    """What is wrong with ``data`` against ``schema``, each ``"<where>: <problem>"`` (``where``
    extended with ``.key`` and ``[index]`` below); empty when valid."""
    return _check(data, schema, where, schema if root is None else root)


def _check(data: Any, schema: Mapping[str, Any], where: str, top: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    unsupported = sorted(k for k in schema if k not in _CHECKED and k not in _ANNOTATIONS)
    if unsupported:
        out.append(f"{where}: unsupported schema keyword {unsupported[0]!r}")
    if "$ref" in schema:
        node: Any = top
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        out += _check(data, node, where, top)
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(is_type(data, k) for k in kinds):
            return [*out, f"{where}: expected {' or '.join(kinds)}, got {type(data).__name__}"]
    if "const" in schema and not equal(data, schema["const"]):
        out.append(f"{where}: must be {schema['const']!r}")
    if "enum" in schema and not any(equal(data, v) for v in schema["enum"]):
        out.append(f"{where}: {data!r} is not one of {schema['enum']}")
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            matches = [s for s in schema[keyword] if not _check(data, s, where, top)]
            if not matches or (keyword == "oneOf" and len(matches) > 1):
                out.append(f"{where}: does not match {keyword}")
    if isinstance(data, str):
        if len(data) < schema.get("minLength", 0):
            out.append(f"{where}: too short")
        if "pattern" in schema and not re.search(schema["pattern"], data):
            out.append(f"{where}: {data!r} does not match {schema['pattern']}")
    if is_type(data, "number"):
        if "minimum" in schema and data < schema["minimum"]:
            out.append(f"{where}: below {schema['minimum']}")
        if "maximum" in schema and data > schema["maximum"]:
            out.append(f"{where}: above {schema['maximum']}")
    if isinstance(data, list):
        if len(data) < schema.get("minItems", 0):
            out.append(f"{where}: needs at least {schema['minItems']} items")
        if "items" in schema:
            for i, item in enumerate(data):
                out += _check(item, schema["items"], f"{where}[{i}]", top)
    if isinstance(data, dict):
        for name in schema.get("required", ()):
            if name not in data:
                out.append(f"{where}: missing required key {name!r}")
        props = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        extra = schema.get("additionalProperties", True)
        for name, value in data.items():
            sub = f"{where}.{name}"
            if name in props:
                out += _check(value, props[name], sub, top)
                continue
            matched = [p for p in patterns if re.search(p, str(name))]
            for p in matched:
                out += _check(value, patterns[p], sub, top)
            if matched:
                continue
            if extra is False:
                out.append(f"{where}: unknown key {name!r}")
            elif isinstance(extra, Mapping):
                out += _check(value, extra, sub, top)
    return out


def is_type(value: Any, kind: str) -> bool:
    """Whether ``value`` (plain data: dict, list, str, int, float, bool, None) is of the JSON
    Schema type ``kind``."""
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "null":
        return value is None
    return False


def equal(a: Any, b: Any) -> bool:
    """JSON equality: ``1 == 1.0``, but a boolean equals only a boolean."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return a == b
