"""``concise``: one line per finding, ``path:line:col: ID [certainty] message``.

A finding in a module's file that was evaluated from another root (a local module called by
several roots is checked once per caller, with that caller's inputs) ends with
``(called from ROOT)``, so the lines of two callers are told apart.
"""

from __future__ import annotations

import os

from iacguard.report.colors import Palette
from iacguard.report.common import notes_line, summary_line
from iacguard.report.terminal import printable


def finding_line(f, p: Palette, *, caller: bool = True) -> str:
    loc = f.location
    where = p.bold(printable(f"{loc.path}:{loc.start_line}:{loc.start_column}:"))
    message = f.message + (called_from(f) if caller else "")
    return f"{where} {p.red(f.rule_id)} [{f.certainty.label}] {printable(message)}"


def called_from(f) -> str:
    """`` (called from ROOT)`` when the finding's file lies outside its root directory."""
    root, path = f.root, f.location.path
    if not root or root == path or os.path.isabs(root) != os.path.isabs(path):
        return ""
    try:
        outside = os.path.relpath(path, root).startswith("..")
    except ValueError:  # other drive (Windows)
        outside = True
    return f" (called from {root})" if outside else ""


def error_line(e, p: Palette) -> str:
    where = (
        f"{e.path}:{e.line if e.line is not None else 1}:{e.column if e.column is not None else 1}:"
    )
    return f"{p.bold(printable(where))} {p.red('error:')} {printable(e.message)}"


def render(report, *, color: bool = False, quiet: bool = False) -> str:
    p = Palette(color)
    lines = [finding_line(f, p) for f in report.live]
    lines += [error_line(e, p) for e in report.errors]
    if not quiet:
        notes = notes_line(report)
        if notes:
            lines.append(notes)
        lines.append(summary_line(report))
    return "\n".join(lines) + "\n" if lines else ""
