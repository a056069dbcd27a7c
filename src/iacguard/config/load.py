"""Loading the configuration: reading the TOML file ``find`` chose (or ``--config FILE``),
checking it, building the ``Config`` (each key's source recorded) and applying the command-line
overrides, which win over file values (``--select`` replaces the file's ``select``; ``--ignore``
adds to its ``ignore``; ``--exclude`` replaces its ``exclude``, ``--extend-exclude`` adds)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from iacguard.config.find import PYPROJECT, display_path, find_config
from iacguard.config.known import KnownRule, rule_key, rule_table
from iacguard.config.lines import key_lines, locate
from iacguard.config.model import Config, ConfigError, PerPath
from iacguard.config.validate import show_value, validate_config
from iacguard.core.certainty import Certainty
from iacguard.core.files import read_regular
from iacguard.core.findings import Severity
from iacguard.core.records import replace
from iacguard.discover import regular_file_problem
from iacguard.rules.selection import names_a_rule

_KEYS = ("select", "ignore", "min-certainty", "fail-on", "exclude")


def load_config(
    paths: Sequence[str | os.PathLike[str]] = (),
    explicit: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """The configuration for a run on ``paths``: the file nearest the first path (or
    ``explicit``, ``--config FILE``), with the command-line ``overrides``.

    A discovered configuration is marked ``per_file``: the run then gives every other file the
    settings of the configuration nearest to it (``iacguard.config.resolve``), with the same
    overrides; ``explicit`` applies to every file. ``overrides`` are command-line values keyed
    by config key (``select``, ``ignore``, ``min-certainty``, ``fail-on``, ``exclude``,
    ``extend-exclude``; snake_case works too), given as lists / strings or already parsed enums.
    """
    if explicit is not None:
        file: Path | None = Path(explicit)
        problem = regular_file_problem(explicit)
        if problem is not None:
            raise ConfigError(f"--config {explicit}: {problem}")
    else:
        file = find_config(paths[0] if paths else ".")
    config = load_file(file, overrides, explicit=explicit is not None)
    return replace(config, per_file=explicit is None)


def load_file(
    file: Path | None,
    overrides: Mapping[str, Any] | None = None,
    *,
    explicit: bool = False,
    table: Sequence[KnownRule] | None = None,
) -> Config:
    """The settings of one configuration file (None: the defaults, with globs relative to the
    working directory), checked, with the command-line ``overrides`` applied. ``table`` is the
    known rules (``rule_table()``), when the caller has it already."""
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    shown = ""
    prefix = ""
    if file is not None:
        shown = display_path(file)
        data, lines, prefix = _read(file, explicit)
    # the known rules (registry + catalog) only matter when there is something to check
    wanted = bool(data) or any(v is not None for v in (overrides or {}).values())
    if table is None:
        table = rule_table() if wanted else []
    rules = {r.id: r.name for r in table}
    if data:
        validate_config(data, table, shown, prefix, lines)
    config = _build(data, rules, shown, lines, file)
    if overrides:
        config = _apply_overrides(config, overrides, rules)
    return config


def _read(file: Path, explicit: bool) -> tuple[dict[str, Any], dict[str, int], str]:
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    shown = display_path(file)
    try:
        text = read_regular(file).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{shown}: cannot read: {exc}") from exc
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: invalid TOML: {exc}") from exc
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        raise ConfigError(f"{shown}: invalid TOML: nested too deep to read") from None
    if file.name == PYPROJECT:
        tool = parsed.get("tool")
        data = tool.get("iacguard") if isinstance(tool, dict) else None
        if data is None:
            if explicit:
                raise ConfigError(f"{shown}: has no [tool.iacguard] table")
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"{shown}: tool.iacguard: expected a table, got {show_value(data)}")
        return data, key_lines(text, ("tool", "iacguard")), "tool.iacguard"
    return parsed, key_lines(text, ()), ""


def _build(
    data: Mapping[str, Any],
    rules: Mapping[str, str],
    shown: str,
    lines: Mapping[str, int],
    file: Path | None,
) -> Config:
    sources: dict[str, str] = {}

    def source(key: str) -> str:
        line = locate(lines, key)
        return f"{shown}:{line}" if line else shown

    for key in _KEYS:
        sources[key] = source(key) if key in data else "default"
    rule_options: dict[str, dict[str, Any]] = {}
    for key, options in (data.get("rules") or {}).items():
        rid = rule_key(key, rules)
        rule_options.setdefault(rid, {}).update(options)
        for name in options:
            sources[f"rules.{rid}.{name}"] = source(f"rules.{key}.{name}")
    severity: dict[str, Severity] = {}
    for key, level in (data.get("severity") or {}).items():
        rid = rule_key(key, rules)
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
                    rule_key(k, rules): dict(v) for k, v in (entry.get("rules") or {}).items()
                },
                severity={
                    rule_key(k, rules): Severity.parse(v)
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
        elif key in ("exclude", "extend-exclude"):
            # gitignore-style globs relative to the working directory (ruff's semantics):
            # --exclude replaces the file's exclude, --extend-exclude adds to it
            changes["cli_root"] = os.getcwd()
            if key == "exclude":
                changes["cli_exclude"] = tuple(_split(value))
            else:
                changes["cli_extend_exclude"] = tuple(_split(value))
            sources[key] = flag
        else:
            raise ConfigError(f"{flag}: not a setting that can be overridden")
    changes["sources"] = sources
    changes["overrides"] = dict(overrides)
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
