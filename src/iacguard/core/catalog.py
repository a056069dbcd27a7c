"""The rule catalog: one YAML document per rule (``rules/<ID>.yaml``) and ``rules/schema.json``.

Found installed as package data (``iacguard/catalog``, force-included in the wheel) or, from a
source / editable checkout, as ``<repo>/rules``. Every entry is validated against the schema at
load by ``iacguard.core.schema`` (importing jsonschema costs ~0.2 s, too much for a pre-commit
run; the tests check the same files with jsonschema).

The same entries are also shipped as ONE generated file, ``catalog.json`` (``python -m
iacguard.core.catalog`` writes it; a test keeps it equal to the YAML, which stays the source of
truth). It records the CRC-32 of every ``*.yaml`` and of ``schema.json`` it was built from; a
run reads it (no YAML parser imported, nothing parsed twice) whenever those files are unchanged,
and falls back to parsing and validating the YAML otherwise, so an edited entry is never missed.

``render_rule`` is what ``iacguard rule ID`` prints; ``list_rules`` the ``iacguard rules`` table.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from iacguard.core.schema import problems


class CatalogError(ValueError):
    """The catalog is missing or an entry does not match the schema."""


def catalog_dir() -> Path:
    """The directory holding ``schema.json`` and the ``<ID>.yaml`` entries: the installed
    package data (``iacguard/catalog``, beside the ``core`` package), else the checkout's
    ``rules/``, else whatever ``importlib.resources`` finds (zipped installs)."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[1] / "catalog", here.parents[3] / "rules"):
        if (candidate / "schema.json").is_file():
            return candidate
    try:
        from importlib.resources import files

        installed = files("iacguard") / "catalog"
        if installed.is_dir():
            return Path(str(installed))
    except (ImportError, TypeError, FileNotFoundError):  # pragma: no cover - odd loaders
        pass
    raise CatalogError(f"rule catalog not found (looked in iacguard/catalog and {here.parents[3]})")


def load_schema() -> dict[str, Any]:
    return copy.deepcopy(_schema(str(catalog_dir())))


@lru_cache(maxsize=4)
def _schema(directory: str) -> dict[str, Any]:
    path = Path(directory) / "schema.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CatalogError(f"{path}: cannot read the catalog schema: {exc}") from exc


def load_catalog() -> dict[str, dict[str, Any]]:
    """Every built-in rule's entry by id, validated against ``schema.json``."""
    return copy.deepcopy(_load(str(catalog_dir())))


#: the generated single-file copy of the catalog, beside the YAML entries
JSON_NAME = "catalog.json"


@lru_cache(maxsize=4)
def _load(directory: str) -> dict[str, dict[str, Any]]:
    sources = _sources(directory)
    fast = _from_json(directory, sources)
    return fast if fast is not None else _from_yaml(directory, sources)


def _sources(directory: str) -> dict[str, bytes]:
    """The raw bytes of every ``*.yaml`` entry (sorted by name) and of ``schema.json``."""
    out: dict[str, bytes] = {}
    for path in [*sorted(Path(directory).glob("*.yaml")), Path(directory) / "schema.json"]:
        try:
            out[path.name] = path.read_bytes()
        except OSError as exc:
            raise CatalogError(f"{path}: cannot read: {exc}") from exc
    return out


def _fingerprint(sources: Mapping[str, bytes]) -> dict[str, int]:
    import zlib

    return {name: zlib.crc32(data) for name, data in sources.items()}


def _from_json(directory: str, sources: Mapping[str, bytes]) -> dict[str, dict[str, Any]] | None:
    """The entries of ``catalog.json`` when it was generated from exactly these sources."""
    try:
        doc = json.loads((Path(directory) / JSON_NAME).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("sources") != _fingerprint(sources):
        return None
    entries = doc.get("entries")
    return entries if isinstance(entries, dict) and entries else None


def render_json(directory: str | None = None) -> str:
    """The text of ``catalog.json`` for the catalog in ``directory`` (default: the one in use),
    built from the YAML entries, which are parsed and validated."""
    directory = directory or str(catalog_dir())
    sources = _sources(directory)
    doc = {
        "generated": "by `python -m iacguard.core.catalog` from the *.yaml beside it: do not edit",
        "sources": _fingerprint(sources),
        "entries": _from_yaml(directory, sources),
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def _from_yaml(directory: str, sources: Mapping[str, bytes]) -> dict[str, dict[str, Any]]:
    load = _yaml_loader()
    schema = _schema(directory)
    out: dict[str, dict[str, Any]] = {}
    for name in sources:
        if not name.endswith(".yaml"):
            continue
        path = Path(directory) / name
        try:
            entry = load(sources[name].decode("utf-8"))
        except Exception as exc:  # noqa: BLE001 - a broken entry is a catalog error
            raise CatalogError(f"{path}: not valid YAML: {exc}") from exc
        problems = validate(entry, schema)
        if problems:
            raise CatalogError(f"{path}: {problems[0]}")
        if entry["id"] != path.stem:
            raise CatalogError(f"{path}: id {entry['id']} does not match the file name")
        out[entry["id"]] = entry
    if not out:
        raise CatalogError(f"{directory}: the rule catalog is empty")
    return out


def _yaml_loader():
    """PyYAML's safe loader, the C one when built (4x faster than the pure-Python one)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return lambda text: yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader


def validate_entry(entry: Any) -> list[str]:
    """Problems of one (plugin) catalog entry against the schema; empty when valid."""
    return validate(entry, _schema(str(catalog_dir())))


# ----------------------------------------------------------------------------- validation


def validate(data: Any, schema: Mapping[str, Any], where: str = "") -> list[str]:
    """Problems of a catalog entry against the catalog ``schema`` (``"entry.<key>: ..."``), by
    the validator of ``iacguard.core.schema``; empty when valid."""
    return problems(data, schema, where or "entry")


# ----------------------------------------------------------------------------- rendering


def find_entry(rule_id_or_name: str) -> dict[str, Any]:
    wanted = rule_id_or_name.strip()
    for rid, entry in load_catalog().items():
        if rid == wanted.upper() or entry["name"] == wanted.lower():
            return entry
    raise CatalogError(f"unknown rule {wanted!r} (see `iacguard rules`)")


def fix_hint(entry: Mapping[str, Any], language: str) -> str:
    """The one-line fix hint of an entry for ``terraform`` or ``cloudformation``."""
    body = entry.get("fix", {}).get(language) or entry.get("fix", {}).get("terraform") or ""
    return body.strip().splitlines()[0] if body.strip() else ""


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line.strip() else "" for line in text.rstrip().splitlines())


def render_rule(rule_id_or_name: str) -> str:
    """The documentation ``iacguard rule ID`` prints, in fixed sections (like ruff's)."""
    e = find_entry(rule_id_or_name)
    out = [f"{e['id']} {e['name']}", "", f"Severity: {e['severity']}", "", e["summary"].strip(), ""]
    out += ["## Why it matters", "", e["rationale"].strip(), ""]
    out += ["## What fails", ""] + [f"- {x}" for x in e["fails"]] + [""]
    out += ["## What passes", ""] + [f"- {x}" for x in e["passes"]] + [""]
    out += ["## How to fix", ""]
    for lang, title in (("terraform", "Terraform"), ("cloudformation", "CloudFormation")):
        body = e["fix"][lang].strip().splitlines()
        out += [f"{title}: {body[0]}", ""]
        rest = "\n".join(body[1:]).strip("\n")
        if rest:
            out += [_indent(rest), ""]
    options = e.get("options") or {}
    if options:
        out += ["## Options", ""]
        for name, spec in options.items():
            out.append(
                f"- {name} ({spec['type']}, default {json.dumps(spec['default'])}): "
                f"{spec['description'].strip()}"
            )
        out.append("")
    if e.get("aliases"):
        out += ["## Aliases", "", ", ".join(e["aliases"]), ""]
    out += ["## References", ""]
    for ref in e["references"]:
        out.append(f"- {ref['title']}" + (f": {ref['url']}" if ref.get("url") else ""))
    return "\n".join(out).rstrip() + "\n"


def list_rules() -> str:
    """The table ``iacguard rules`` prints: id, name, severity, summary."""
    entries = sorted(load_catalog().values(), key=lambda e: e["id"])
    width = max(len(e["name"]) for e in entries)
    lines = [f"{'ID':<7} {'NAME':<{width}} {'SEVERITY':<8}  SUMMARY"]
    for e in entries:
        summary = " ".join(e["summary"].split())
        lines.append(f"{e['id']:<7} {e['name']:<{width}} {e['severity']:<8}  {summary}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m iacguard.core.catalog [DIR]``: (re)write ``DIR/catalog.json`` (default: the
    catalog in use, i.e. the checkout's ``rules/``)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    directory = args[0] if args else str(catalog_dir())
    text = render_json(directory)
    target = Path(directory) / JSON_NAME
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
