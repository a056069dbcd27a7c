"""The rules a configuration can name: ids, names and the JSON schemas of their options, read
from the rule registry (built-ins and plugins) and the catalog when a configuration is checked;
how a ``select`` / ``ignore`` entry or a ``rules.<key>`` key names one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iacguard.core.records import record


@record
class KnownRule:
    """A rule a configuration can name."""

    id: str
    name: str
    #: option name -> JSON schema of its value
    options: Mapping[str, Any]
    #: the catalog's one-line summary ("" when the catalog has none)
    summary: str = ""


def known_rules() -> dict[str, str]:
    """Every rule id that can be selected, with its name (registry and catalog: built-in,
    plugin and the SUP meta rules)."""
    return {r.id: r.name for r in rule_table()}


def rule_table() -> list[KnownRule]:
    """The registry's rules (built-ins and plugins, with their options), then the catalog's
    other entries (the SUP meta rules of suppress.py, which have no options), by id."""
    table: dict[str, KnownRule] = {}
    catalog: Mapping[str, Any] = {}
    try:
        from iacguard.core.catalog import load_catalog

        catalog = load_catalog()
    except Exception:  # noqa: BLE001 - the catalog may be absent or broken: the registry decides
        catalog = {}
    try:
        from iacguard.rules.registry import all_rules

        for rule in all_rules():
            entry = catalog.get(rule.id, {}) if isinstance(catalog, Mapping) else {}
            table[rule.id] = KnownRule(
                rule.id, rule.name, _option_schemas(rule.options, entry), _summary(entry)
            )
    except ImportError:
        pass
    for rid, entry in catalog.items() if isinstance(catalog, Mapping) else ():
        if rid not in table and isinstance(entry, Mapping) and "name" in entry:
            table[rid] = KnownRule(
                rid, str(entry["name"]), _option_schemas({}, entry), _summary(entry)
            )
    return sorted(table.values(), key=lambda r: r.id)


def _summary(entry: Any) -> str:
    summary = entry.get("summary") if isinstance(entry, Mapping) else None
    return " ".join(str(summary).split()) if summary else ""


_JSON_TYPES = {"integer", "number", "string", "boolean", "array", "object"}


def _option_schemas(defaults: Mapping[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    """JSON schemas of a rule's options from the catalog entry, else from the defaults' types."""
    out: dict[str, Any] = {}
    described = entry.get("options") if isinstance(entry, Mapping) else None
    for name, spec in (described or {}).items():
        schema: dict[str, Any] = {}
        if isinstance(spec, Mapping):
            kind = spec.get("type")
            if isinstance(kind, str) and kind in _JSON_TYPES:
                schema["type"] = kind
            elif isinstance(kind, list) and all(k in _JSON_TYPES for k in kind):
                schema["type"] = list(kind)
            for key in ("enum", "minimum", "maximum", "default"):
                if key in spec:
                    schema[key] = spec[key]
            if isinstance(spec.get("description"), str):
                schema["description"] = " ".join(spec["description"].split())
            if "type" not in schema and "enum" not in schema and "default" in spec:
                schema.update(_schema_of(spec["default"]))
        out[name] = schema
    for name, default in defaults.items():
        out.setdefault(name, _schema_of(default))
    return out


def _schema_of(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, str):
        return {"type": "string"}
    if isinstance(value, (list, tuple)):
        return {"type": "array"}
    return {}


def rule_key(key: str, rules: Mapping[str, str]) -> str:
    """A rule id for a key written as an id or a name (validated already)."""
    if key.upper() in rules:
        return key.upper()
    for rid, name in rules.items():
        if name == key.lower():
            return rid
    return key
