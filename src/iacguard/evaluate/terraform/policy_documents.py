"""``data "aws_iam_policy_document"``: the policy JSON AWS sees, from the evaluated blocks.

``render(attrs)`` takes the data source's evaluated attribute payloads (``statement`` blocks
as a list of dicts, ``source_policy_documents``, ``override_policy_documents``, ``policy_id``,
``version``) and returns the payload of its ``json`` attribute: a ``str`` when everything is
known, else ``JsonEncoded(document)`` keeping the structure (unknown pieces as leaves).

As the AWS provider does: ``Effect`` defaults to ``Allow``; a one-element action, resource,
identifier or condition value list renders as a plain string; ``principals { type = "*",
identifiers = ["*"] }`` renders as ``"*"``; principal blocks of the same type merge; conditions
render as ``{test: {variable: values}}``; source documents' statements come first, a statement
of this document with the same ``Sid`` replaces the source's one in place; override documents'
statements replace same-``Sid`` statements in place and are appended otherwise. Key order:
``Sid, Effect, Action, NotAction, Resource, NotResource, Principal, NotPrincipal, Condition``.
"""

from __future__ import annotations

import json
from typing import Any

from iacguard.core.values import JsonEncoded, Unknown, is_fully_known

DEFAULT_VERSION = "2012-10-17"
LIST_KEYS = (
    ("actions", "Action"),
    ("not_actions", "NotAction"),
    ("resources", "Resource"),
    ("not_resources", "NotResource"),
)


def _single(values: Any) -> Any:
    """A one-element list as its element (the provider's rendering), else unchanged."""
    if isinstance(values, list) and len(values) == 1:
        return values[0]
    return values


def _dedupe(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def _principals(blocks: Any) -> Any:
    if not isinstance(blocks, list):
        return Unknown("principals are not known") if blocks is not None else None
    merged: dict[str, Any] = {}
    unknown: Unknown | None = None
    for block in blocks:
        if not isinstance(block, dict):
            unknown = block if isinstance(block, Unknown) else Unknown("principals are not known")
            continue
        ptype, idents = block.get("type"), block.get("identifiers")
        if not isinstance(ptype, str):
            unknown = Unknown("principal type is not known")
            continue
        if isinstance(idents, list):
            have = merged.setdefault(ptype, [])
            if isinstance(have, list):
                have.extend(i for i in idents if i not in have)
        else:
            merged[ptype] = idents if idents is not None else []
    if unknown is not None:
        return unknown
    if not merged:
        return None
    if list(merged) == ["*"] and merged["*"] == ["*"]:
        return "*"
    return {k: _single(v) if isinstance(v, list) else v for k, v in merged.items()}


def _conditions(blocks: Any) -> Any:
    if not isinstance(blocks, list):
        return Unknown("conditions are not known") if blocks is not None else None
    out: dict[Any, Any] = {}
    for block in blocks:
        if not isinstance(block, dict):
            return block if isinstance(block, Unknown) else Unknown("condition is not known")
        test, variable, values = block.get("test"), block.get("variable"), block.get("values")
        if not isinstance(test, str) or not isinstance(variable, str):
            return Unknown("condition test or variable is not known")
        out.setdefault(test, {})[variable] = _single(values) if isinstance(values, list) else values
    return out or None


def render_statement(stmt: Any) -> Any:
    """One ``statement`` block payload -> the statement AWS sees."""
    if not isinstance(stmt, dict):
        return stmt  # an unknown leaf (dynamic block over an unknown collection)
    out: dict[str, Any] = {}
    sid = stmt.get("sid")
    if sid not in (None, ""):
        out["Sid"] = sid
    effect = stmt.get("effect")
    out["Effect"] = "Allow" if effect is None else effect
    for key, name in LIST_KEYS:
        values = stmt.get(key)
        if values is None or values == []:
            continue
        out[name] = _single(_dedupe(values)) if isinstance(values, list) else values
    for key, name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        rendered = _principals(stmt.get(key))
        if rendered is not None:
            out[name] = rendered
    cond = _conditions(stmt.get("condition"))
    if cond is not None:
        out["Condition"] = cond
    return out


def _statements_of(doc: Any, what: str) -> list[Any]:
    """The statements of a source/override document payload (str, JsonEncoded, leaf)."""
    data: Any
    if isinstance(doc, str):
        try:
            data = json.loads(doc)
        except ValueError:
            return [Unknown(f"{what} is not valid JSON")]
    elif isinstance(doc, JsonEncoded):
        data = doc.data
    elif isinstance(doc, dict):
        data = doc
    elif doc is None:
        return []
    else:
        return [Unknown(f"{what} is not known")]
    if not isinstance(data, dict):
        return [Unknown(f"{what} is not a policy document")]
    stmts = data.get("Statement", [])
    if isinstance(stmts, dict):
        return [stmts]
    if isinstance(stmts, list):
        return list(stmts)
    return [Unknown(f"{what} statements are not known")]


def _sid(stmt: Any) -> str | None:
    if isinstance(stmt, dict):
        sid = stmt.get("Sid")
        if isinstance(sid, str) and sid:
            return sid
    return None


def _merge(base: list[Any], extra: list[Any]) -> list[Any]:
    """``extra`` statements replace same-Sid statements of ``base`` in place, else append."""
    out = list(base)
    positions = {s: i for i, st in enumerate(out) if (s := _sid(st)) is not None}
    for stmt in extra:
        sid = _sid(stmt)
        if sid is not None and sid in positions:
            out[positions[sid]] = stmt
        else:
            if sid is not None:
                positions[sid] = len(out)
            out.append(stmt)
    return out


def _docs(value: Any, what: str) -> list[tuple[Any, str]]:
    if value is None:
        return []
    if isinstance(value, list):
        return [(d, f"{what}[{i}]") for i, d in enumerate(value)]
    return [(value, what)]


def document(attrs: dict[str, Any]) -> dict[str, Any]:
    """The policy document structure (may hold unknown leaves)."""
    statements: list[Any] = []
    for doc, what in _docs(attrs.get("source_policy_documents"), "source_policy_documents"):
        statements = _merge(statements, _statements_of(doc, what))
    own = attrs.get("statement")
    if isinstance(own, list):
        statements = _merge(statements, [render_statement(s) for s in own])
    elif own is not None:
        statements.append(own if isinstance(own, Unknown) else Unknown("statements not known"))
    for doc, what in _docs(attrs.get("override_policy_documents"), "override_policy_documents"):
        statements = _merge(statements, _statements_of(doc, what))
    version = attrs.get("version")
    out: dict[str, Any] = {"Version": DEFAULT_VERSION if version is None else version}
    if attrs.get("policy_id") is not None:
        out["Id"] = attrs["policy_id"]
    out["Statement"] = statements
    return out


def render(attrs: dict[str, Any], *, minified: bool = False) -> Any:
    """The ``json`` (or ``minified_json``) payload: a str when known, else JsonEncoded."""
    doc = document(attrs)
    if not is_fully_known(doc):
        return JsonEncoded(doc)
    if minified:
        return json.dumps(doc, separators=(",", ":"))
    return json.dumps(doc, indent=2)
