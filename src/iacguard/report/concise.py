"""``concise``: one line per finding, ``path:line:col: ID [certainty] message``."""

from __future__ import annotations

from iacguard.report.colors import Palette
from iacguard.report.common import summary_line
from iacguard.report.terminal import printable


def finding_line(f, p: Palette) -> str:
    loc = f.location
    where = p.bold(printable(f"{loc.path}:{loc.start_line}:{loc.start_column}:"))
    return f"{where} {p.red(f.rule_id)} [{f.certainty.label}] {printable(f.message)}"


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
        lines.append(summary_line(report))
    return "\n".join(lines) + "\n" if lines else ""
