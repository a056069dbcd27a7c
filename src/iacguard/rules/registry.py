"""The rules: the one id table (built-in rules, SUP meta-rules, plugins) and running them.

Built-in rules are listed explicitly in ``BUILTIN`` (no registration on import), the
meta-rules the suppression step reports in ``META``; names, severities, options with their
defaults, fix hints and aliases all come from the catalog entries (``rules/<ID>.yaml``). Plugins
register under the entry-point group ``iacguard.rules``; an entry point loads to an object (a
module, a class or an instance; a zero-argument callable returning one is called) with

* ``CATALOG`` (or ``catalog``): the rule's catalog entry, the same shape as ``rules/<ID>.yaml``,
  validated against ``rules/schema.json``;
* ``check(graph, ctx)``: yields Findings.

A bad plugin raises ``PluginError`` with a message naming the entry point: the caller turns it
into a one-line usage error (exit 2), never a traceback.
"""

from __future__ import annotations

import gc
import importlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from iacguard.core.findings import Finding, Severity
from iacguard.core.located import FileError
from iacguard.core.records import MISSING, field, record
from iacguard.graph.model import Graph
from iacguard.rules.context import Analysis, RuleContext

ENTRY_POINT_GROUP = "iacguard.rules"
RULE_ID = re.compile(r"^[A-Z]{2,6}[0-9]{3}$")

#: rule id -> module (``iacguard.rules.<module>``) defining ``check``
BUILTIN: Mapping[str, str] = {
    "BKP001": "bkp001_vault_without_cmk",
    "BKP002": "bkp002_plan_targets_vault_without_cmk",
    "BKP003": "bkp003_vault_key_is_alias",
    "BKP004": "bkp004_backup_of_unencrypted_source",
    "KMS001": "kms001_rotation_disabled",
    "KMS002": "kms002_short_deletion_window",
    "KMS003": "kms003_missing_backup_grant",
}
#: the meta-rules: findings about suppressions, made by ``iacguard.suppress`` (no check here;
#: their names and docs are their catalog entries, ``rules/SUP00N.yaml``)
META: tuple[str, ...] = ("SUP001", "SUP002", "SUP003")


class PluginError(ValueError):
    """A plugin rule cannot be loaded or is invalid."""


class RuleError(RuntimeError):
    """A rule raised while checking: a bug (ours or a plugin's), reported with its id."""


CheckFn = Callable[[Graph, RuleContext], Iterable[Finding]]


@record
class Rule:
    id: str
    name: str
    severity: Severity
    #: option defaults from the catalog
    options: Mapping[str, Any]
    check: CheckFn
    #: one-line fix hint per language, from the catalog
    fixes: Mapping[str, str] = field(default_factory=dict)
    #: option name -> its catalog spec (type, default, enum, minimum, maximum)
    option_specs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: other tools' ids for the same check (checkov), used by suppressions
    aliases: tuple[str, ...] = ()
    #: ``builtin`` or the plugin's entry-point name
    origin: str = "builtin"

    def __init__(
        self,
        id: str,
        name: str,
        severity: Severity,
        options: Mapping[str, Any],
        check: CheckFn,
        fixes: Mapping[str, str] = MISSING,
        option_specs: Mapping[str, Mapping[str, Any]] = MISSING,
        aliases: tuple[str, ...] = (),
        origin: str = "builtin",
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "id", id)
        set_field(self, "name", name)
        set_field(self, "severity", severity)
        set_field(self, "options", options)
        set_field(self, "check", check)
        set_field(self, "fixes", {} if fixes is MISSING else fixes)
        set_field(self, "option_specs", {} if option_specs is MISSING else option_specs)
        set_field(self, "aliases", aliases)
        set_field(self, "origin", origin)


def _rule_from_entry(entry: Mapping[str, Any], check: CheckFn, origin: str) -> Rule:
    from iacguard.core.catalog import fix_hint

    specs = {k: dict(v) for k, v in (entry.get("options") or {}).items()}
    return Rule(
        id=entry["id"],
        name=entry["name"],
        severity=Severity.parse(entry["severity"]),
        options={k: v["default"] for k, v in specs.items()},
        check=check,
        fixes={lang: fix_hint(entry, lang) for lang in ("terraform", "cloudformation")},
        option_specs=specs,
        aliases=tuple(entry.get("aliases") or ()),
        origin=origin,
    )


def builtin_rules() -> list[Rule]:
    from iacguard.core.catalog import load_catalog

    catalog = load_catalog()
    out = []
    for rid, module_name in BUILTIN.items():
        module = importlib.import_module(f"iacguard.rules.{module_name}")
        out.append(_rule_from_entry(catalog[rid], module.check, "builtin"))
    return out


def plugin_rules(taken: Iterable[Rule] = ()) -> list[Rule]:
    """Rules from the ``iacguard.rules`` entry points, validated."""
    from iacguard.core.catalog import validate_entry
    from iacguard.rules.plugins import entry_points

    ids = {r.id for r in taken}
    names = {r.name for r in taken}
    out: list[Rule] = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        where = f"plugin {ep.name!r} ({ep.value})"
        try:
            obj = ep.load()
        except Exception as exc:  # noqa: BLE001 - any import failure is the plugin's
            raise PluginError(f"{where}: cannot be loaded: {type(exc).__name__}: {exc}") from exc
        entry = getattr(obj, "CATALOG", None) or getattr(obj, "catalog", None)
        if entry is None and callable(obj) and not hasattr(obj, "check"):
            try:
                obj = obj()
            except Exception as exc:  # noqa: BLE001
                raise PluginError(f"{where}: failed: {type(exc).__name__}: {exc}") from exc
            entry = getattr(obj, "CATALOG", None) or getattr(obj, "catalog", None)
        check = getattr(obj, "check", None)
        if not isinstance(entry, Mapping) or not callable(check):
            raise PluginError(f"{where}: must provide a CATALOG mapping and a check(graph, ctx)")
        problems = validate_entry(dict(entry))
        if problems:
            raise PluginError(f"{where}: invalid catalog entry: {problems[0]}")
        if not RULE_ID.fullmatch(entry["id"]):
            raise PluginError(f"{where}: rule id {entry['id']!r} is not like ABC123")
        if entry["id"] in ids or entry["name"] in names:
            raise PluginError(f"{where}: rule {entry['id']} {entry['name']} is already defined")
        ids.add(entry["id"])
        names.add(entry["name"])
        out.append(_rule_from_entry(entry, check, ep.name))
    return out


def all_rules() -> list[Rule]:
    """Built-in rules plus plugins, sorted by id."""
    rules = builtin_rules()
    rules += plugin_rules(rules)
    return sorted(rules, key=lambda r: r.id)


def rule_names() -> dict[str, str]:
    """Every rule id with its name: built-in, plugin and meta rules."""
    from iacguard.core.catalog import load_catalog

    names = {r.id: r.name for r in all_rules()}
    catalog = load_catalog()
    names.update((rid, str(catalog[rid]["name"])) for rid in META)
    return names


def builtin_aliases() -> dict[str, str]:
    """Other tools' ids for the built-in rules (their catalog ``aliases``) -> rule id."""
    return {alias: rule.id for rule in builtin_rules() for alias in rule.aliases}


# ----------------------------------------------------------------------------- running


def _norm_option(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def resolve_options(rule: Rule, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The rule's defaults overridden by ``given``; unknown keys or bad values: ValueError."""
    options = dict(rule.options)
    for raw, value in (given or {}).items():
        name = _norm_option(str(raw))
        if name not in rule.options:
            known = ", ".join(sorted(rule.options)) or "none"
            raise ValueError(f"{rule.id}: unknown option {raw!r} (known options: {known})")
        spec = rule.option_specs.get(name, {})
        options[name] = _coerce(rule, name, value, spec)
    return options


_EXPECTED = {"boolean": "true or false", "integer": "an integer", "string": "a string"}
_PY_TYPES = {"bool": "boolean", "int": "integer", "str": "string"}


def _coerce(rule: Rule, name: str, value: Any, spec: Mapping[str, Any]) -> Any:
    """``value`` checked against the option's schema in the catalog by the one validator
    (``core.schema``), an integer given as ``14.0`` made ``14``; a ValueError in the option's
    own words otherwise. (A plugin option without a catalog type takes its default's type.)"""
    from iacguard.core.schema import is_type, is_valid

    kind = spec.get("type") or _PY_TYPES.get(type(rule.options[name]).__name__)
    schema = {k: spec[k] for k in ("minimum", "maximum", "enum") if k in spec}
    if kind:
        schema["type"] = kind
    if is_valid(value, schema):
        return int(value) if kind == "integer" else value
    where = f"{rule.id} option {name}"
    if kind and not is_type(value, kind):
        raise ValueError(f"{where}: expected {_EXPECTED.get(kind, kind)}, got {value!r}")
    if "minimum" in spec and value < spec["minimum"]:
        raise ValueError(f"{where}: {value} is below the minimum {spec['minimum']}")
    if "maximum" in spec and value > spec["maximum"]:
        raise ValueError(f"{where}: {value} is above the maximum {spec['maximum']}")
    raise ValueError(f"{where}: {value!r} is not one of {', '.join(map(str, spec['enum']))}")


def _lookup(mapping: Mapping[str, Any], rule: Rule) -> Any:
    for key in (rule.id, rule.name, rule.id.lower()):
        if key in mapping:
            return mapping[key]
    return None


def run_rules(
    graph: Graph,
    rules: Sequence[Rule],
    options: Mapping[str, Mapping[str, Any]] | None = None,
    severity: Mapping[str, Severity] | None = None,
    *,
    crashes: list[FileError] | None = None,
) -> list[Finding]:
    """Every finding of ``rules`` on ``graph`` (all certainties), sorted by location.

    ``options`` and ``severity`` are keyed by rule id (or name). Unknown option keys or bad
    option values raise ValueError before any rule runs. A rule that raises is a RuleError,
    unless ``crashes`` is given: then the rule is run again root by root, the roots it fails
    on become errors in ``crashes`` and its findings on every other root are kept.
    """
    options = options or {}
    severity = severity or {}
    prepared = []
    for rule in rules:
        opts = resolve_options(rule, _lookup(options, rule))
        sev = _lookup(severity, rule)
        if isinstance(sev, str):
            sev = Severity.parse(sev)
        prepared.append((rule, opts, sev or rule.severity))
    shared = Analysis(graph)
    findings: list[Finding] = []
    # Rules allocate many small acyclic objects next to a large graph: the cyclic collector
    # would rescan that graph again and again (2-3x the run time on 60k resources).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for rule, opts, sev in prepared:
            ctx = RuleContext(rule.id, rule.name, sev, opts, rule.fixes, shared)
            try:
                produced = list(rule.check(graph, ctx))
            except Exception as exc:  # noqa: BLE001 - name the rule that failed
                if crashes is None:
                    raise RuleError(_failure(rule, exc)) from exc
                produced = _root_by_root(graph, rule, opts, sev, crashes)
            for f in produced:
                if f.severity != sev:
                    f = f.with_(severity=sev)
                findings.append(f)
    finally:
        # the memo holds closures over the Analysis (KMS003's role check): emptied, nothing
        # keeps the graph alive once its rules ran, with or without the cyclic collector
        shared.memo.clear()
        if collecting:
            gc.enable()
    findings.sort(key=lambda f: (*f.sort_key(), f.message))
    return findings


def _failure(rule: Rule, exc: BaseException) -> str:
    return f"rule {rule.id} ({rule.name}, {rule.origin}) failed: {type(exc).__name__}: {exc}"


def _root_by_root(
    graph: Graph, rule: Rule, opts: Mapping[str, Any], sev: Severity, crashes: list[FileError]
) -> list[Finding]:
    """Run ``rule`` on each root's part of the graph alone (rules only follow references
    within a root, so the findings are the same); a root it fails on becomes an error."""
    resources: dict[str, list[Any]] = {}
    for r in graph.resources:
        resources.setdefault(r.root, []).append(r)
    edges: dict[str, list[Any]] = {}
    for e in graph.edges:
        edges.setdefault(e.root, []).append(e)
    produced: list[Finding] = []
    for root, members in resources.items():
        assigned = tuple(a for a in graph.assigned if a[0] == root)
        part = Graph(tuple(members), tuple(edges.get(root, ())), roots=(root,), assigned=assigned)
        ctx = RuleContext(rule.id, rule.name, sev, opts, rule.fixes, Analysis(part))
        try:
            produced.extend(rule.check(part, ctx))
        except Exception as exc:  # noqa: BLE001 - one root's crash must not lose the others
            message = f"internal error: {_failure(rule, exc)}; its findings here are missing"
            crashes.append(FileError(root, None, None, message))
    return produced
