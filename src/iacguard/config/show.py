"""``--show-config``: the effective settings, each with where it came from."""

from __future__ import annotations

import json
from typing import Any

from iacguard.config.model import Config


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
    if config.cli_exclude is not None:  # replaces the file's, relative to the working directory
        line("exclude", _toml(list(config.cli_exclude)), "--exclude")
    else:
        line("exclude", _toml(list(config.exclude)), src.get("exclude", "default"))
    if config.cli_extend_exclude:
        line("extend-exclude", _toml(list(config.cli_extend_exclude)), "--extend-exclude")
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
