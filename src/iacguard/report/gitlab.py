"""``gitlab``: GitLab Code Quality JSON (an array of issues with md5 fingerprints).

Paths are relative to the repository root (the git toplevel, or ``--repo-root``), as GitLab
wants them. File errors are issues too (check_name ``iacguard/file-error``) so a broken file is
never silently green in the merge request widget, and so is each located note on what was not
evaluated (severity ``info``, check_name ``iacguard/note/<kind>``: ``remote-module``,
``data-source``, ``other``); discovery's notes on skipped files have no location, which Code
Quality requires, and are left out.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from iacguard.core.notes import note_kind
from iacguard.report.common import GITLAB_SEVERITY, fingerprints, raw_bytes, repo_relative


def to_document(report) -> list[dict[str, Any]]:
    live = report.live
    out: list[dict[str, Any]] = []
    for f, fp in zip(live, fingerprints(live, "md5"), strict=True):
        loc = f.location
        out.append(
            {
                "description": f"{f.rule_id} {f.rule_name}: {f.message}",
                "check_name": f.rule_id,
                "fingerprint": fp,
                "severity": GITLAB_SEVERITY[f.severity],
                "location": {
                    "path": repo_relative(loc.path, report) or loc.path,
                    "lines": {"begin": loc.start_line, "end": max(loc.end_line, loc.start_line)},
                },
            }
        )
    for e in report.errors:
        path = repo_relative(e.path, report) or e.path
        key = f"file-error\x1f{path}\x1f{e.message}"
        line = e.line if e.line is not None else 1
        out.append(
            {
                "description": f"iacguard could not check this file: {e.message}",
                "check_name": "iacguard/file-error",
                "fingerprint": hashlib.md5(raw_bytes(key)).hexdigest(),
                "severity": "major",
                "location": {"path": path, "lines": {"begin": line, "end": line}},
            }
        )
    for note in report.notes:
        if note.span is None:  # discovery's notes on skipped files: Code Quality needs a path
            continue
        kind = note_kind(note)
        key = f"note\x1f{kind}\x1f{note.span.path}\x1f{note.message}"
        out.append(
            {
                "description": f"iacguard did not evaluate everything here: {note.message}",
                "check_name": f"iacguard/note/{kind}",
                "fingerprint": hashlib.md5(raw_bytes(key)).hexdigest(),
                "severity": "info",
                "location": {
                    "path": note.span.path,
                    "lines": {"begin": note.span.start_line, "end": note.span.start_line},
                },
            }
        )
    return out


def render(report) -> str:
    return json.dumps(to_document(report), indent=2, ensure_ascii=False) + "\n"
