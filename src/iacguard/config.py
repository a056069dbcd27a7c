"""Configuration: discovery, validation and precedence of ``[tool.iacguard]`` / ``.iacguard.toml``.

Discovery (like ruff): from the first scanned path upwards, the nearest directory holding a
``.iacguard.toml`` (top-level keys) or a ``pyproject.toml`` with a ``[tool.iacguard]`` table
wins; in one directory ``.iacguard.toml`` beats ``pyproject.toml``. ``--config FILE``
replaces discovery. Command-line overrides win over file values (``--select`` replaces the
file's ``select``; ``--ignore`` adds to its ``ignore``).

Validation is a strict JSON schema (``config_schema.json``) completed at load time with the
known rules and their options, so an unknown key, an unknown rule or option, or a value of the
wrong type is a ``ConfigError`` naming the file, the line, the key path and what was expected.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from iacguard.core.certainty import Certainty
from iacguard.core.findings import Severity
from iacguard.rules.selection import names_a_rule

CONFIG_FILE = ".iacguard.toml"
PYPROJECT = "pyproject.toml"
SCHEMA_FILE = Path(__file__).with_name("config_schema.json")

#: the meta-findings of suppress.py: selectable like any rule, options-free
META_RULES: dict[str, str] = {
    "SUP001": "suppression-without-reason",
    "SUP002": "unused-suppression",
    "SUP003": "expired-suppression",
}
#: the built-in rules (issue 3), used when neither the registry nor the catalog can be loaded
BUILTIN_RULES: dict[str, str] = {
    "BKP001": "backup-vault-without-cmk",
    "BKP002": "backup-plan-targets-vault-without-cmk",
    "BKP003": "backup-vault-key-is-alias",
    "KMS001": "kms-key-rotation-disabled",
    "KMS002": "kms-key-short-deletion-window",
    "KMS003": "kms-key-missing-backup-grant",
}

_KEYS = ("select", "ignore", "min-certainty", "fail-on", "exclude")


class ConfigError(Exception):
    """The configuration cannot be used: the message names the key path and what was expected."""


@dataclass(frozen=True, slots=True)
class PerPath:
    """``[[tool.iacguard.per-path]]``: overrides for files matching ``paths``."""

    paths: tuple[str, ...]
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    min_certainty: Certainty | None = None
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    severity: Mapping[str, Severity] = field(default_factory=dict)
    fail_on: Severity | None = None
    #: where it was written ("pyproject.toml:20")
    source: str = ""
    _spec: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self._spec is None:
            import pathspec

            spec = pathspec.GitIgnoreSpec.from_lines(self.paths)
            object.__setattr__(self, "_spec", spec)

    def matches(self, relative: str) -> bool:
        return bool(self._spec.match_file(relative))


@dataclass(frozen=True, slots=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    min_certainty: Certainty = Certainty.DEFAULT
    fail_on: Severity = Severity.LOW
    #: gitignore-style globs, relative to ``root``
    exclude: tuple[str, ...] = ()
    #: {"KMS002": {"min-deletion-window-days": 14}}, keyed by rule id
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: severity overrides, keyed by rule id
    severity: Mapping[str, Severity] = field(default_factory=dict)
    per_path: tuple[PerPath, ...] = ()
    #: key -> where it came from ("pyproject.toml:12", "--select", "default")
    sources: Mapping[str, str] = field(default_factory=dict)
    #: the configuration file used, if any
    path: str | None = None
    #: the directory globs (exclude, per-path) are relative to: the config file's, else cwd
    root: str = "."


# ----------------------------------------------------------------------------- known rules


@dataclass(frozen=True, slots=True)
class _RuleInfo:
    id: str
    name: str
    #: option name -> JSON schema of its value (None: options cannot be checked)
    options: Mapping[str, Any] | None


def known_rules() -> dict[str, str]:
    """Every rule id that can be selected, with its name (registry, catalog, meta rules)."""
    return {r.id: r.name for r in _rule_table()}


def _rule_table() -> list[_RuleInfo]:
    table: dict[str, _RuleInfo] = {}
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
            table[rule.id] = _RuleInfo(rule.id, rule.name, _option_schemas(rule.options, entry))
    except ImportError:
        pass
    for rid, entry in catalog.items() if isinstance(catalog, Mapping) else ():
        if rid not in table and isinstance(entry, Mapping) and "name" in entry:
            table[rid] = _RuleInfo(rid, str(entry["name"]), _option_schemas({}, entry))
    for rid, name in BUILTIN_RULES.items():
        table.setdefault(rid, _RuleInfo(rid, name, None))
    for rid, name in META_RULES.items():
        table.setdefault(rid, _RuleInfo(rid, name, {}))
    return sorted(table.values(), key=lambda r: r.id)


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
            for key in ("enum", "minimum", "maximum"):
                if key in spec:
                    schema[key] = spec[key]
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


def _rule_key(key: str, rules: Mapping[str, str]) -> str:
    """A rule id for a key written as an id or a name (validated already)."""
    if key.upper() in rules:
        return key.upper()
    for rid, name in rules.items():
        if name == key.lower():
            return rid
    return key


# ----------------------------------------------------------------------------- discovery


def find_config(start: str | os.PathLike[str]) -> Path | None:
    """The nearest configuration file at or above ``start`` (a file or directory)."""
    here = Path(start).absolute()
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return candidate
        candidate = directory / PYPROJECT
        if candidate.is_file() and _has_tool_table(candidate):
            return candidate
    return None


_TOOL_HEADER = re.compile(r"^\s*\[\[?\s*tool\s*\.\s*iacguard\s*[.\]]", re.M)
_TOOL_DOTTED = re.compile(r"^\s*tool\s*\.\s*iacguard\s*[.=]", re.M)
#: what can spell tool.iacguard other than the two patterns above: `[tool]` (then a key
#: `iacguard`), a top-level `tool = {...}`, `tool` or `iacguard` as a quoted key, escapes
#: in quoted keys ("iacguard" as a value, a dependency or a project name, is none of these)
_EXOTIC = re.compile(
    r"""^\s*\[\s*tool\s*\]|^\s*tool\s*=|["']tool["']\s*[.=\]]"""
    r"""|\.\s*["']iacguard["']|["']iacguard["']\s*[.=]|\\[uU]""",
    re.M,
)


def _has_tool_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "iacguard" not in text:
        return False
    if _TOOL_HEADER.search(text) or _TOOL_DOTTED.search(text):
        return True
    if not _EXOTIC.search(text):
        # "iacguard" is only named elsewhere (a dependency, a script): without a bare [tool]
        # table, a top-level `tool =` key, a quoted key or an escape, no spelling of
        # tool.iacguard is left that the two patterns above miss, so skip the TOML parse
        return False
    # anything more exotic (inline tables, quoted keys): let the TOML parser decide
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        data = tomllib.loads(text)
    except Exception:  # noqa: BLE001 - a broken pyproject.toml that is not ours: not a config
        return False
    return isinstance(data.get("tool"), dict) and "iacguard" in data["tool"]


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path.as_posix()
    return Path(rel).as_posix() if not rel.startswith("..") else path.as_posix()


# ----------------------------------------------------------------------------- loading


def load_config(
    paths: Sequence[str | os.PathLike[str]] = (),
    explicit: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """The effective configuration for a run on ``paths``.

    ``explicit`` is ``--config FILE``. ``overrides`` are command-line values keyed by config
    key (``select``, ``ignore``, ``min-certainty``, ``fail-on``, ``exclude``; snake_case works
    too), given as lists / strings or already parsed enums.
    """
    if explicit is not None:
        file: Path | None = Path(explicit)
        if not file.is_file():
            raise ConfigError(f"--config {explicit}: no such file")
    else:
        file = find_config(paths[0] if paths else ".")
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    shown = ""
    prefix = ""
    if file is not None:
        shown = _display(file)
        data, lines, prefix = _read(file, explicit is not None)
    # the known rules (registry + catalog) only matter when there is something to check
    wanted = bool(data) or any(v is not None for v in (overrides or {}).values())
    table = _rule_table() if wanted else []
    rules = {r.id: r.name for r in table}
    if data:
        _validate(data, table, shown, prefix, lines)
    config = _build(data, rules, shown, lines, file)
    if overrides:
        config = _apply_overrides(config, overrides, rules)
    return config


def _read(file: Path, explicit: bool) -> tuple[dict[str, Any], dict[str, int], str]:
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    shown = _display(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{shown}: cannot read: {exc}") from exc
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: invalid TOML: {exc}") from exc
    if file.name == PYPROJECT:
        tool = parsed.get("tool")
        data = tool.get("iacguard") if isinstance(tool, dict) else None
        if data is None:
            if explicit:
                raise ConfigError(f"{shown}: has no [tool.iacguard] table")
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"{shown}: tool.iacguard: expected a table, got {_show(data)}")
        return data, _key_lines(text, ("tool", "iacguard")), "tool.iacguard"
    return parsed, _key_lines(text, ()), ""


# ----------------------------------------------------------------------------- validation


def config_schema(table: Sequence[_RuleInfo] | None = None) -> dict[str, Any]:
    """The JSON schema of the configuration, completed with the known rules and options."""
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    rules_schema, severity_schema = _rule_schemas(table if table is not None else _rule_table())
    schema["properties"]["rules"] = rules_schema
    schema["properties"]["severity"] = severity_schema
    per_path = schema["$defs"]["per-path"]["properties"]
    per_path["rules"] = copy.deepcopy(rules_schema)
    per_path["severity"] = copy.deepcopy(severity_schema)
    return schema


def _rule_schemas(table: Sequence[_RuleInfo]) -> tuple[dict[str, Any], dict[str, Any]]:
    rule_props: dict[str, Any] = {}
    severity_props: dict[str, Any] = {}
    for info in table:
        if info.options is None:
            options: dict[str, Any] = {"type": "object"}
        else:
            options = {
                "type": "object",
                "additionalProperties": False,
                "properties": dict(info.options),
            }
        for key in (info.id, info.name):
            rule_props[key] = options
            severity_props[key] = {"$ref": "#/$defs/severity"}
    rules_schema = {"type": "object", "additionalProperties": False, "properties": rule_props}
    severity_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": severity_props,
    }
    return rules_schema, severity_schema


def _validate(
    data: Mapping[str, Any],
    table: Sequence[_RuleInfo],
    shown: str,
    prefix: str,
    lines: Mapping[str, int],
) -> None:
    schema = config_schema(table)
    problems: list[tuple[list[Any], str]] = []
    if not quick_valid(data, schema, schema):
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
        ((_locate(lines, _dotted(path)) or 0, _dotted(path), message) for path, message in problems)
    )
    where, dotted, message = located[0]
    location = f"{shown}:{where}" if where else shown
    full = ".".join(p for p in (prefix, dotted) if p).replace(".[", "[")
    text = f"{location}: {full}: {message}" if full else f"{location}: {message}"
    if len(problems) > 1:
        text += f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
    raise ConfigError(text)


def quick_valid(instance: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    """Whether ``instance`` is valid against ``schema``, for the JSON Schema subset the
    configuration schema uses (a test checks it agrees with jsonschema)."""
    ref = schema.get("$ref")
    if ref is not None:
        target: Any = root
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        if not quick_valid(instance, target, root):
            return False
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_is_type(instance, k) for k in kinds):
            return False
    if "enum" in schema and not any(
        instance == v and type(instance) is type(v) for v in schema["enum"]
    ):
        return False
    if isinstance(instance, str) and len(instance) < schema.get("minLength", 0):
        return False
    if _is_type(instance, "number"):
        if "minimum" in schema and instance < schema["minimum"]:
            return False
        if "maximum" in schema and instance > schema["maximum"]:
            return False
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            return False
        items = schema.get("items")
        if items is not None and not all(quick_valid(v, items, root) for v in instance):
            return False
    if isinstance(instance, dict):
        if any(key not in instance for key in schema.get("required", ())):
            return False
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, value in instance.items():
            if key in props:
                if not quick_valid(value, props[key], root):
                    return False
            elif extra is False:
                return False
            elif isinstance(extra, Mapping) and not quick_valid(value, extra, root):
                return False
    if "oneOf" in schema and sum(quick_valid(instance, s, root) for s in schema["oneOf"]) != 1:
        return False
    known = {"$ref", "type", "enum", "minLength", "minimum", "maximum", "minItems", "items"}
    known |= {"required", "properties", "additionalProperties", "oneOf", "description", "title"}
    known |= {"$schema", "$id", "$defs"}
    return not (set(schema) - known)  # an unsupported keyword: let jsonschema decide


def _is_type(value: Any, kind: str) -> bool:
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
    return False


def _selector_problems(
    value: Any, path: list[Any], rules: Mapping[str, str]
) -> list[tuple[list[Any], str]]:
    if not isinstance(value, list):
        return []
    return [
        ([*path, i], f"unknown rule, name or prefix {_show(item)}")
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
        return path, f"expected {' or '.join(names)}, got {_show(instance)}"
    if kind == "enum":
        choices = ", ".join(_show(c) for c in error.validator_value)
        return path, f"expected one of {choices}, got {_show(instance)}"
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
        return path, f"missing required key {_show(error.validator_value[0])}"
    if kind == "minLength":
        return path, "expected a non-empty string"
    if kind == "minItems":
        return path, "expected a non-empty list"
    if kind == "minimum":
        return path, f"expected a number >= {error.validator_value}, got {_show(instance)}"
    if kind == "maximum":
        return path, f"expected a number <= {error.validator_value}, got {_show(instance)}"
    if kind in ("oneOf", "anyOf") and path and path[-1] == "path":
        return path, f"expected a glob or a list of globs, got {_show(instance)}"
    return path, error.message


def _show(value: Any) -> str:
    """A value as the user wrote it in TOML (roughly)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _dotted(path: Sequence[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# ----------------------------------------------------------------------------- building


def _build(
    data: Mapping[str, Any],
    rules: Mapping[str, str],
    shown: str,
    lines: Mapping[str, int],
    file: Path | None,
) -> Config:
    sources: dict[str, str] = {}

    def source(key: str) -> str:
        line = _locate(lines, key)
        return f"{shown}:{line}" if line else shown

    for key in _KEYS:
        sources[key] = source(key) if key in data else "default"
    rule_options: dict[str, dict[str, Any]] = {}
    for key, options in (data.get("rules") or {}).items():
        rid = _rule_key(key, rules)
        rule_options.setdefault(rid, {}).update(options)
        for name in options:
            sources[f"rules.{rid}.{name}"] = source(f"rules.{key}.{name}")
    severity: dict[str, Severity] = {}
    for key, level in (data.get("severity") or {}).items():
        rid = _rule_key(key, rules)
        severity[rid] = Severity.parse(level)
        sources[f"severity.{rid}"] = source(f"severity.{key}")
    per_path: list[PerPath] = []
    for i, entry in enumerate(data.get("per-path") or ()):
        globs = entry["path"]
        where = source(f"per-path[{i}]")
        sources[f"per-path[{i}]"] = where
        per_path.append(
            PerPath(
                paths=(globs,) if isinstance(globs, str) else tuple(globs),
                select=tuple(entry["select"]) if "select" in entry else None,
                ignore=tuple(entry.get("ignore", ())),
                min_certainty=(
                    Certainty.parse(entry["min-certainty"]) if "min-certainty" in entry else None
                ),
                rule_options={
                    _rule_key(k, rules): dict(v) for k, v in (entry.get("rules") or {}).items()
                },
                severity={
                    _rule_key(k, rules): Severity.parse(v)
                    for k, v in (entry.get("severity") or {}).items()
                },
                fail_on=Severity.parse(entry["fail-on"]) if "fail-on" in entry else None,
                source=where,
            )
        )
    root = file.absolute().parent if file is not None else Path.cwd()
    return Config(
        select=tuple(data.get("select", ())),
        ignore=tuple(data.get("ignore", ())),
        min_certainty=Certainty.parse(data.get("min-certainty", "default")),
        fail_on=Severity.parse(data.get("fail-on", "low")),
        exclude=tuple(data.get("exclude", ())),
        rule_options=rule_options,
        severity=severity,
        per_path=tuple(per_path),
        sources=sources,
        path=str(file) if file is not None else None,
        root=str(root),
    )


def _apply_overrides(
    config: Config, overrides: Mapping[str, Any], rules: Mapping[str, str]
) -> Config:
    changes: dict[str, Any] = {}
    sources = dict(config.sources)
    for raw_key, value in overrides.items():
        if value is None:
            continue
        key = raw_key.replace("_", "-")
        flag = f"--{key}"
        if key in ("select", "ignore"):
            items = _split(value)
            for item in items:
                if not names_a_rule(item, rules):
                    raise ConfigError(f"{flag}: unknown rule, name or prefix {item!r}")
            if key == "select":
                changes["select"] = tuple(items)
                sources["select"] = flag
            elif items:
                changes["ignore"] = config.ignore + tuple(
                    i for i in items if i not in config.ignore
                )
                old = sources.get("ignore", "default")
                sources["ignore"] = flag if old == "default" else f"{old} + {flag}"
        elif key == "min-certainty":
            changes["min_certainty"] = _enum(Certainty, value, flag)
            sources[key] = flag
        elif key == "fail-on":
            changes["fail_on"] = _enum(Severity, value, flag)
            sources[key] = flag
        elif key == "exclude":
            changes["exclude"] = config.exclude + tuple(_split(value))
            sources[key] = flag
        else:
            raise ConfigError(f"{flag}: not a setting that can be overridden")
    changes["sources"] = sources
    return replace(config, **changes)


def _split(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else list(value)
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def _enum(kind: Any, value: Any, flag: str) -> Any:
    if isinstance(value, kind):
        return value
    try:
        return kind.parse(str(value))
    except KeyError:
        choices = ", ".join(m.name.lower() for m in kind)
        raise ConfigError(f"{flag}: expected one of {choices}, got {value!r}") from None


# ----------------------------------------------------------------------------- per-path, exclude


def _relative_to_root(config: Config, path: str) -> str | None:
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, config.root)
    except ValueError:
        return None
    if rel == ".." or rel.startswith(".." + os.sep):
        return None
    return Path(rel).as_posix()


def effective_for(config: Config, path: str) -> Config:
    """``config`` with the ``per-path`` entries matching ``path`` applied, in order.

    Returns ``config`` itself when none matches. In a matching entry ``select`` replaces,
    ``ignore`` adds, ``min-certainty`` and ``fail-on`` replace, ``rules`` options and
    ``severity`` merge.
    """
    if not config.per_path:
        return config
    rel = _relative_to_root(config, path)
    if rel is None:
        return config
    matching = [p for p in config.per_path if p.matches(rel)]
    if not matching:
        return config
    select = config.select
    ignore = config.ignore
    min_certainty = config.min_certainty
    fail_on = config.fail_on
    options = {k: dict(v) for k, v in config.rule_options.items()}
    severity = dict(config.severity)
    for entry in matching:
        if entry.select is not None:
            select = entry.select
        ignore = ignore + tuple(i for i in entry.ignore if i not in ignore)
        if entry.min_certainty is not None:
            min_certainty = entry.min_certainty
        if entry.fail_on is not None:
            fail_on = entry.fail_on
        for rid, values in entry.rule_options.items():
            options.setdefault(rid, {}).update(values)
        severity.update(entry.severity)
    return replace(
        config,
        select=select,
        ignore=ignore,
        min_certainty=min_certainty,
        fail_on=fail_on,
        rule_options=options,
        severity=severity,
        per_path=(),
    )


def is_excluded(config: Config, path: str) -> bool:
    """Whether ``path`` matches one of the config's ``exclude`` globs."""
    if not config.exclude:
        return False
    rel = _relative_to_root(config, path)
    if rel is None:
        return False
    import pathspec

    return bool(pathspec.GitIgnoreSpec.from_lines(config.exclude).match_file(rel))


# ----------------------------------------------------------------------------- --show-config


def show_config(config: Config) -> str:
    """The effective settings and where each came from (``--show-config``)."""
    src = config.sources
    out = [f"# configuration file: {config.path or '(none: defaults)'}"]

    def line(key: str, value: str, where: str) -> None:
        out.append(f"{key} = {value}".ljust(48) + f"  # {where}")

    line("select", _toml(list(config.select) or ["ALL"]), src.get("select", "default"))
    line("ignore", _toml(list(config.ignore)), src.get("ignore", "default"))
    line("min-certainty", _toml(config.min_certainty.label), src.get("min-certainty", "default"))
    line("fail-on", _toml(config.fail_on.label), src.get("fail-on", "default"))
    line("exclude", _toml(list(config.exclude)), src.get("exclude", "default"))
    defaults = _default_options()
    options: dict[str, dict[str, tuple[Any, str]]] = {}
    for rid, values in defaults.items():
        for name, value in values.items():
            options.setdefault(rid, {})[name] = (value, "default")
    for rid, values in config.rule_options.items():
        for name, value in values.items():
            where = src.get(f"rules.{rid}.{name}", "default")
            options.setdefault(rid, {})[name] = (value, where)
    for rid in sorted(options):
        out.append("")
        out.append(f"[rules.{rid}]")
        for name, (value, where) in sorted(options[rid].items()):
            line(name, _toml(value), where)
    if config.severity:
        out.append("")
        out.append("[severity]")
        for rid, level in sorted(config.severity.items()):
            line(rid, _toml(level.label), src.get(f"severity.{rid}", "default"))
    for entry in config.per_path:
        out.append("")
        out.append(f"[[per-path]]  # {entry.source}")
        out.append(f"path = {_toml(list(entry.paths))}")
        if entry.select is not None:
            out.append(f"select = {_toml(list(entry.select))}")
        if entry.ignore:
            out.append(f"ignore = {_toml(list(entry.ignore))}")
        if entry.min_certainty is not None:
            out.append(f"min-certainty = {_toml(entry.min_certainty.label)}")
        if entry.fail_on is not None:
            out.append(f"fail-on = {_toml(entry.fail_on.label)}")
        for rid, values in sorted(entry.rule_options.items()):
            for name, value in sorted(values.items()):
                out.append(f"rules.{rid}.{name} = {_toml(value)}")
        for rid, level in sorted(entry.severity.items()):
            out.append(f"severity.{rid} = {_toml(level.label)}")
    return "\n".join(out) + "\n"


def _default_options() -> dict[str, dict[str, Any]]:
    try:
        from iacguard.rules.registry import all_rules

        return {r.id: dict(r.options) for r in all_rules() if r.options}
    except Exception:  # noqa: BLE001 - --show-config still shows what the files say
        return {}


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


# ----------------------------------------------------------------------------- key lines


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _split_key(text: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def _key_lines(text: str, prefix: tuple[str, ...]) -> dict[str, int]:
    """Line numbers (1-based) of keys, as dotted paths below ``prefix`` (a light TOML scan).

    Arrays of tables are indexed (``per-path[1].select``). Lines inside multi-line strings
    may be misread; the first occurrence of a path wins, and a path not found falls back to
    its parent (``_locate``).
    """
    out: dict[str, int] = {}
    table: list[str] | None = [] if not prefix else None
    counters: dict[tuple[str, ...], int] = {}
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        header = _HEADER.match(raw)
        if header:
            keys = _split_key(header.group(2))
            if tuple(keys[: len(prefix)]) != prefix:
                table = None
                continue
            keys = keys[len(prefix) :]
            if header.group(1) == "[[":
                index = counters.get(tuple(keys), -1) + 1
                counters[tuple(keys)] = index
                keys = [*keys[:-1], f"{keys[-1]}[{index}]"] if keys else keys
            table = keys
            if keys:
                out.setdefault(".".join(keys), number)
            continue
        assign = _ASSIGN.match(raw)
        if assign:
            keys = _split_key(assign.group(1))
            if table is None:
                if prefix and tuple(keys[: len(prefix)]) == prefix:
                    full = keys[len(prefix) :]
                else:
                    continue
            else:
                full = table + keys
            if full:
                out.setdefault(".".join(full), number)
    return out


def _locate(lines: Mapping[str, int], dotted: str) -> int | None:
    """The line of a dotted key path, else of its nearest parent."""
    key = dotted
    while key:
        if key in lines:
            return lines[key]
        if key.endswith("]") and "[" in key:
            key = key[: key.rfind("[")]
            if key in lines:
                return lines[key]
        cut = key.rfind(".")
        if cut < 0:
            break
        key = key[:cut]
    return lines.get(key) if key else None
