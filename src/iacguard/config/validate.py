"""The configuration's JSON schema (``config_schema.json`` beside this module, completed at
load time with the known rules and their options; ``editor_schema`` makes the shipped copy) and
the checking of a configuration against it: an unknown key, rule or option, or a value of the
wrong type is a ``ConfigError`` naming the file, the line, the key path and what was expected."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from iacguard.config.known import KnownRule, rule_table
from iacguard.config.lines import locate
from iacguard.config.model import ConfigError
from iacguard.core.schema import is_valid
from iacguard.rules.selection import names_a_rule

SCHEMA_FILE = Path(__file__).with_name("config_schema.json")


def config_schema(table: Sequence[KnownRule] | None = None) -> dict[str, Any]:
    """The JSON schema of the configuration, completed with the known rules and options."""
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    rules_schema, severity_schema = _rule_schemas(table if table is not None else rule_table())
    schema["properties"]["rules"] = rules_schema
    schema["properties"]["severity"] = severity_schema
    per_path = schema["$defs"]["per-path"]["properties"]
    per_path["rules"] = copy.deepcopy(rules_schema)
    per_path["severity"] = copy.deepcopy(severity_schema)
    return schema


def _rule_schemas(table: Sequence[KnownRule]) -> tuple[dict[str, Any], dict[str, Any]]:
    rule_props: dict[str, Any] = {}
    severity_props: dict[str, Any] = {}
    for info in table:
        about = f"{info.id} {info.name}" + (f": {info.summary}" if info.summary else "")
        options = {
            "type": "object",
            "description": f"Options of {about}",
            "additionalProperties": False,
            "properties": dict(info.options),
        }
        for key in (info.id, info.name):
            rule_props[key] = options
            severity_props[key] = {
                "$ref": "#/$defs/severity",
                "description": f"Severity of {about}",
            }
    rules_schema = {"type": "object", "additionalProperties": False, "properties": rule_props}
    severity_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": severity_props,
    }
    return rules_schema, severity_schema


def validate_config(
    data: Mapping[str, Any],
    table: Sequence[KnownRule],
    shown: str,
    prefix: str,
    lines: Mapping[str, int],
) -> None:
    schema = config_schema(table)
    problems: list[tuple[list[Any], str]] = []
    if not is_valid(data, schema):
        # only a broken configuration pays for importing jsonschema (~0.25 s): it has the
        # last word and the precise errors
        from jsonschema import Draft202012Validator

        validator = Draft202012Validator(schema)
        errors = validator.iter_errors(data)
        problems = [_describe(e) for e in sorted(errors, key=lambda e: [str(p) for p in e.path])]
    rules = {r.id: r.name for r in table}
    for key in ("select", "ignore"):
        problems.extend(_selector_problems(data.get(key), [key], rules))
    for i, entry in enumerate(data.get("per-path") or ()):
        if isinstance(entry, Mapping):
            for key in ("select", "ignore"):
                problems.extend(_selector_problems(entry.get(key), ["per-path", i, key], rules))
    if not problems:
        return
    located = sorted(
        ((locate(lines, _dotted(path)) or 0, _dotted(path), message) for path, message in problems)
    )
    where, dotted, message = located[0]
    location = f"{shown}:{where}" if where else shown
    full = ".".join(p for p in (prefix, dotted) if p).replace(".[", "[")
    text = f"{location}: {full}: {message}" if full else f"{location}: {message}"
    if len(problems) > 1:
        text += f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
    raise ConfigError(text)


def _selector_problems(
    value: Any, path: list[Any], rules: Mapping[str, str]
) -> list[tuple[list[Any], str]]:
    if not isinstance(value, list):
        return []
    return [
        ([*path, i], f"unknown rule, name or prefix {show_value(item)}")
        for i, item in enumerate(value)
        if isinstance(item, str) and item and not names_a_rule(item, rules)
    ]


_TYPE_WORDS = {
    "integer": "integer",
    "number": "number",
    "string": "string",
    "boolean": "boolean (true or false)",
    "array": "list",
    "object": "table",
}


def _describe(error: Any) -> tuple[list[Any], str]:
    """A (key path, what was expected) pair for one jsonschema error."""
    path = list(error.absolute_path)
    kind = error.validator
    instance = error.instance
    if kind == "type":
        wanted = error.validator_value
        names = [_TYPE_WORDS.get(w, w) for w in (wanted if isinstance(wanted, list) else [wanted])]
        return path, f"expected {' or '.join(names)}, got {show_value(instance)}"
    if kind == "enum":
        choices = ", ".join(show_value(c) for c in error.validator_value)
        return path, f"expected one of {choices}, got {show_value(instance)}"
    if kind == "additionalProperties" and isinstance(instance, Mapping):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in instance if k not in allowed)
        key = extra[0] if extra else "?"
        parent = path[-1] if path else None
        if parent in ("rules", "severity") and len(path) in (1, 3):
            return [*path, key], "unknown rule"
        if len(path) >= 2 and path[-2] == "rules":
            known = ", ".join(sorted(allowed)) or "none"
            return [*path, key], f"unknown option for this rule (known: {known})"
        known = ", ".join(sorted(allowed))
        return [*path, key], f"unknown key (expected one of: {known})"
    if kind == "required":
        return path, f"missing required key {show_value(error.validator_value[0])}"
    if kind == "minLength":
        return path, "expected a non-empty string"
    if kind == "minItems":
        return path, "expected a non-empty list"
    if kind == "minimum":
        return path, f"expected a number >= {error.validator_value}, got {show_value(instance)}"
    if kind == "maximum":
        return path, f"expected a number <= {error.validator_value}, got {show_value(instance)}"
    if kind in ("oneOf", "anyOf") and path and path[-1] == "path":
        return path, f"expected a glob or a list of globs, got {show_value(instance)}"
    return path, error.message


def show_value(value: Any) -> str:
    """A value as the user wrote it in TOML (roughly)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    return str(value)


def _dotted(path: Sequence[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
