"""The Markdown job summary of a GitHub Actions run (``$GITHUB_STEP_SUMMARY``).

GitHub shows only the first 10 annotations of each kind per step; the summary lists every
finding and file error (up to ``MAX_ROWS``), with the summary and notes lines. Text from the
scanned files is escaped so that it can neither break the table nor become Markdown or HTML.
"""

from __future__ import annotations

from iacguard.report.common import notes_line, summary_line
from iacguard.report.terminal import printable

#: rows of the findings table at most (GitHub takes up to 1 MiB of summary per step)
MAX_ROWS = 500

_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "|": "&#124;",
        "`": "&#96;",
        "*": "&#42;",
        "_": "&#95;",
        "[": "&#91;",
        "]": "&#93;",
        "\\": "&#92;",
        "#": "&#35;",
    }
)


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell: literal, one line."""
    return printable(text.replace("\r", " ").replace("\n", " ")).translate(_ESCAPES)


def render(report) -> str:
    """The summary as Markdown (ends with a newline)."""
    out = heading(report)
    rows = []
    for f in report.live:
        loc = f.location
        where = f"{loc.path}:{loc.start_line}:{loc.start_column}"
        rows.append(
            f"| {f.severity.label} | {cell(f.rule_id)} | {cell(where)} | {cell(f.address)} "
            f"| {cell(f'[{f.certainty.label}] {f.message}')} |"
        )
    rows.extend(error_rows(report))
    if rows:
        out += ["", "| severity | rule | location | resource | message |", "|---|---|---|---|---|"]
        out += bounded(rows)
    return "\n".join(out) + "\n"


def heading(report, title: str = "## iacguard") -> list[str]:
    """The title, the summary line and the notes line (the ``markdown`` format's too)."""
    out = [title, "", cell(summary_line(report))]
    notes = notes_line(report)
    if notes:
        out += ["", cell(notes)]
    return out


def error_rows(report) -> list[str]:
    """One row per file error: ``| error | file error | path:line | | message |``."""
    rows = []
    for e in report.errors:
        where = f"{e.path}:{e.line if e.line is not None else 1}"
        rows.append(f"| error | file error | {cell(where)} | | {cell(e.message)} |")
    return rows


def bounded(rows: list[str]) -> list[str]:
    """At most ``MAX_ROWS`` rows, and a line saying how many more there are."""
    if len(rows) <= MAX_ROWS:
        return rows
    more = len(rows) - MAX_ROWS
    return rows[:MAX_ROWS] + [
        "",
        f"... and {more} more (`--output-format concise` lists them all).",
    ]
