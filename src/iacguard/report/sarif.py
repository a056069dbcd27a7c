"""``sarif``: SARIF 2.1.0 as GitHub code scanning wants it.

Rules carry help text from the catalog and ``properties.security-severity``; results carry
URIs relative to ``%SRCROOT%`` (the repository root: the git toplevel of the scanned paths or
``--repo-root``, else the working directory), ``partialFingerprints`` that survive line moves,
evidence hops as ``relatedLocations`` and suppressed findings as ``suppressions``. File errors
(level ``error``) and notes on what was not evaluated (``warning`` for a remote module,
``note`` otherwise, the kind in ``properties.kind``) are ``toolExecutionNotifications`` of
the invocation.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from iacguard.core.findings import Finding, Severity
from iacguard.core.notes import REMOTE_MODULE, note_kind
from iacguard.report import jsonstream
from iacguard.report.common import (
    SARIF_LEVEL,
    SECURITY_SEVERITY,
    fingerprints,
    raw_bytes,
    repo_relative,
    repo_root_of,
)

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_NAME = "iacguardFingerprint/v1"
INFORMATION_URI = "https://github.com/iacguard/iacguard"


def _catalog() -> dict[str, dict[str, Any]]:
    try:
        from iacguard.core.catalog import load_catalog

        return load_catalog()
    except Exception:  # noqa: BLE001 - the report still lists rules, with less help text
        return {}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (list, tuple)):
        return "\n".join(f"- {_text(v)}" for v in value)
    if isinstance(value, dict):
        return "\n".join(f"{k}: {_text(v)}" for k, v in value.items())
    return str(value)


_LANGUAGES = {"terraform": ("Terraform", "hcl"), "cloudformation": ("CloudFormation", "yaml")}


def _fenced(body: Any, lang: str) -> list[str]:
    """A fix text: its first line as prose, the rest (the example) as a fenced code block."""
    lines = _text(body).splitlines()
    if len(lines) <= 1:
        return lines
    fence = _LANGUAGES.get(lang, (lang, ""))[1]
    return [lines[0], "", f"```{fence}", *lines[1:], "```"]


def _help_markdown(rule_id: str, name: str, entry: dict[str, Any]) -> str:
    parts = [f"## {rule_id} {name}", ""]
    if entry.get("summary"):
        parts += [_text(entry["summary"]), ""]
    for key, title in (
        ("rationale", "Why it matters"),
        ("fails", "What fails"),
        ("passes", "What passes"),
    ):
        if entry.get(key):
            parts += [f"### {title}", "", _text(entry[key]), ""]
    fix = entry.get("fix")
    if isinstance(fix, dict):
        parts += ["### How to fix", ""]
        for lang, body in fix.items():
            parts += [f"{_LANGUAGES.get(lang, (lang, ''))[0]}:", "", *_fenced(body, lang), ""]
    elif fix:
        parts += ["### How to fix", "", _text(fix), ""]
    options = entry.get("options")
    if isinstance(options, dict) and options:
        parts += ["### Options", ""]
        for opt, spec in options.items():
            spec = spec if isinstance(spec, dict) else {}
            default = json.dumps(spec.get("default")) if "default" in spec else "none"
            line = f"- `{opt}` ({spec.get('type', 'value')}, default `{default}`)"
            if spec.get("description"):
                line += f": {_text(spec['description'])}"
            parts.append(line)
        parts.append("")
    refs = entry.get("references")
    if refs:
        parts += ["### References", ""]
        for ref in refs:
            if isinstance(ref, dict):
                label = ref.get("title") or ref.get("name") or ref.get("id") or ref.get("url", "")
                url = ref.get("url")
                parts.append(f"- [{label}]({url})" if url else f"- {label}")
            else:
                parts.append(f"- {ref}")
        parts.append("")
    return "\n".join(parts).strip() + "\n"


def _help_text(rule_id: str, name: str, entry: dict[str, Any]) -> str:
    try:
        from iacguard.core.catalog import render_rule

        return render_rule(rule_id)
    except Exception:  # noqa: BLE001 - fall back to the summary
        return _text(entry.get("summary")) or f"{rule_id} {name}"


def _help_uri(entry: dict[str, Any]) -> str | None:
    for key in ("help_uri", "url", "documentation"):
        if isinstance(entry.get(key), str) and entry[key].startswith("http"):
            return entry[key]
    return None


def _rule_descriptor(rule_id: str, name: str, severity: Severity, entry: dict[str, Any]) -> dict:
    summary = _text(entry.get("summary")) or name
    full = _text(entry.get("rationale")) or summary
    # GitHub code scanning files results tagged "security" under security alerts; the rest of
    # the tags are the rule's own, from its catalog entry
    tags = ["security"]
    for t in entry.get("tags", ()) if isinstance(entry.get("tags"), list) else ():
        if t not in tags:
            tags.append(str(t))
    out: dict[str, Any] = {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": full},
        "help": {
            "text": _help_text(rule_id, name, entry),
            "markdown": _help_markdown(rule_id, name, entry),
        },
        "defaultConfiguration": {"level": SARIF_LEVEL[severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[severity],
            "severity": severity.label,
            "tags": tags,
        },
    }
    uri = _help_uri(entry)
    if uri:
        out["helpUri"] = uri
    return out


def _artifact(path: str, report) -> dict[str, Any]:
    """A path relative to ``%SRCROOT%`` (the repository root), else an absolute file URI."""
    rel = repo_relative(path, report)
    if rel is None:
        absolute = os.path.normpath(os.path.join(os.path.abspath(report.base), path))
        return {"uri": "file://" + quote(raw_bytes(Path(absolute).as_posix()))}
    return {"uri": quote(raw_bytes(rel)), "uriBaseId": "%SRCROOT%"}


def _region(span) -> dict[str, int]:
    start_line = max(span.start_line, 1)
    start_col = max(span.start_column, 1)
    end_line = max(span.end_line, start_line)
    end_col = span.end_column if end_line > start_line else max(span.end_column, start_col)
    return {
        "startLine": start_line,
        "startColumn": start_col,
        "endLine": end_line,
        "endColumn": max(end_col, 1),
    }


def _result(f: Finding, index: int, fingerprint: str, report) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": SARIF_LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(f.location.path, report),
                    "region": _region(f.location),
                },
                "logicalLocations": [
                    {
                        "name": f.address,
                        "fullyQualifiedName": f"{f.root}::{f.address}",
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": {FINGERPRINT_NAME: fingerprint},
        "properties": {
            "certainty": f.certainty.label,
            "severity": f.severity.label,
            "address": f.address,
            "resourceType": f.resource_type,
            "root": f.root,
            "inputs": list(f.inputs),
            **({"existsWhen": f.exists_when} if f.exists_when else {}),
        },
    }
    related = []
    for i, hop in enumerate(f.evidence):
        if hop.span is None:
            continue
        related.append(
            {
                "id": i + 1,
                "physicalLocation": {
                    "artifactLocation": _artifact(hop.span.path, report),
                    "region": _region(hop.span),
                },
                "message": {"text": hop.message},
            }
        )
    if related:
        out["relatedLocations"] = related
    if f.fixes:
        out["fixes"] = [_fix(x, report) for x in f.fixes]
    if f.suppressed:
        out["suppressions"] = [{"kind": "inSource", "justification": f.suppression_reason or ""}]
    return out


def _fix(fix, report) -> dict[str, Any]:
    """A SARIF ``fix`` (3.55): its edits grouped by file as ``artifactChanges``, each edit a
    ``replacement`` of ``deletedRegion`` (empty for an insertion) by ``insertedContent``; the
    applicability in ``properties``."""
    changes: dict[str, list[dict[str, Any]]] = {}
    for edit in fix.edits:
        s = edit.span
        region = {
            "startLine": s.start_line,
            "startColumn": s.start_column,
            "endLine": s.end_line,
            "endColumn": s.end_column,
        }
        changes.setdefault(s.path, []).append(
            {"deletedRegion": region, "insertedContent": {"text": edit.new_text}}
        )
    return {
        "description": {"text": fix.title},
        "artifactChanges": [
            {"artifactLocation": _artifact(path, report), "replacements": replacements}
            for path, replacements in changes.items()
        ],
        "properties": {"applicability": fix.applicability},
    }


def _notification(e, report) -> dict[str, Any]:
    out: dict[str, Any] = {"level": "error", "message": {"text": e.message}}
    location: dict[str, Any] = {"artifactLocation": _artifact(e.path, report)}
    if e.line is not None:
        region: dict[str, int] = {"startLine": max(e.line, 1)}
        if e.column is not None:
            region["startColumn"] = max(e.column, 1)
        location["region"] = region
    out["locations"] = [{"physicalLocation": location}]
    return out


def _note_notification(note, report) -> dict[str, Any]:
    """A note (what was not evaluated) as a notification: ``warning`` for a remote module
    (nothing in it is checked), ``note`` for the others; its kind in ``properties``."""
    kind = note_kind(note)
    out: dict[str, Any] = {
        "level": "warning" if kind == REMOTE_MODULE else "note",
        "message": {"text": note.message},
    }
    if note.span is not None:
        region = {"startLine": max(note.span.start_line, 1)}
        region["startColumn"] = max(note.span.start_column, 1)
        location = {"artifactLocation": _artifact(note.span.path, report), "region": region}
        out["locations"] = [{"physicalLocation": location}]
    out["properties"] = {"kind": kind}
    return out


def to_document(report) -> dict[str, Any]:
    return _document(report, list)


def _document(report, results_as) -> dict[str, Any]:
    from iacguard import __version__

    catalog = _catalog()
    rules: dict[str, tuple[str, Severity]] = {r.id: (r.name, r.severity) for r in report.rules}
    for f in report.findings:
        rules.setdefault(f.rule_id, (f.rule_name, f.severity))
    ids = sorted(rules)
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    descriptors = [
        _rule_descriptor(rid, rules[rid][0], rules[rid][1], catalog.get(rid) or {}) for rid in ids
    ]
    results = results_as(
        _result(f, index[f.rule_id], fp, report)
        for f, fp in zip(report.findings, fingerprints(report.findings), strict=True)
    )
    root_uri = Path(repo_root_of(report)).as_uri().rstrip("/") + "/"
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "iacguard",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": descriptors,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            *(_notification(e, report) for e in report.errors),
                            *(_note_notification(n, report) for n in report.notes),
                        ],
                    }
                ],
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(report) -> str:
    return json.dumps(to_document(report), indent=2, ensure_ascii=False) + "\n"


def write(report, stream: TextIO) -> None:
    """Write what ``render`` returns, one result at a time (no whole document in memory)."""
    jsonstream.write(_document(report, jsonstream.Stream), stream)


__all__ = ["render", "to_document", "write"]
