"""``json``: the documented, stable contract (``"version": "1"``; see README "Output formats")."""

from __future__ import annotations

import json
from typing import Any, TextIO

from iacguard.core.records import asdict, is_record
from iacguard.core.values import to_jsonable
from iacguard.report import jsonstream

SCHEMA_VERSION = "1"


def _entry(entry: Any) -> Any:
    if hasattr(entry, "to_json"):
        return entry.to_json()
    if is_record(entry) and not isinstance(entry, type):
        return to_jsonable(asdict(entry))
    return to_jsonable(entry)


def finding_json(f) -> dict[str, Any]:
    out = f.to_json()
    out["suppression_reason"] = f.suppression_reason if f.suppressed else None
    out["properties"] = to_jsonable(dict(f.properties)) if f.properties else {}
    return out


def to_document(report) -> dict[str, Any]:
    return _document(report, list)


def _document(report, findings) -> dict[str, Any]:
    from iacguard import __version__

    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "iacguard", "version": __version__},
        "findings": findings(finding_json(f) for f in report.findings),
        "errors": [e.to_json() for e in report.errors],
        "notes": [n.to_json() for n in report.notes],
        "baseline_fixed": [_entry(e) for e in report.baseline_fixed],
        "summary": report.summary.to_json(),
    }


def render(report) -> str:
    return json.dumps(to_document(report), indent=2, ensure_ascii=False) + "\n"


def write(report, stream: TextIO) -> None:
    """Write what ``render`` returns, one finding at a time (no whole document in memory)."""
    jsonstream.write(_document(report, jsonstream.Stream), stream)
