"""``markdown``: a pull-request comment or a job summary (``$GITHUB_STEP_SUMMARY``).

The step summary's heading, summary and notes lines and its escaping (``step_summary.cell``:
text from scanned files can neither break the table nor become Markdown or HTML), then a table
of the live findings and file errors (severity, rule, certainty, linked location, message; at
most ``step_summary.MAX_ROWS`` rows), then for each backup plan a finding touches a Mermaid
flowchart of its chain (``report.chains``, see ``core.topology``), the failing nodes marked
(at most ``MAX_DIAGRAMS``; the ``html`` format draws them all). Links are relative to the
repository root, or GitHub blob URLs at the commit in a GitHub Actions run
(``report.links``).
"""

from __future__ import annotations

from collections.abc import Mapping

from iacguard.core.topology import chains_with_findings
from iacguard.report.links import Linker, linker
from iacguard.report.mermaid import flowchart
from iacguard.report.step_summary import bounded, cell, heading

#: diagrams at most (a pull-request comment holds 65,536 characters)
MAX_DIAGRAMS = 20


def location_cell(link: Linker, path: str, line: int | None, column: int | None, end=None) -> str:
    """``[path:line:col](url)``, the text escaped and the URL percent-encoded."""
    where = link.path(path) + (f":{line}" if line is not None else "")
    if line is not None and column is not None:
        where += f":{column}"
    return f"[{cell(where)}]({link.url(path, line, end)})"


def render(report, environ: Mapping[str, str] | None = None) -> str:
    """The report as GitHub-flavoured Markdown (ends with a newline)."""
    link = linker(report, environ)
    out = heading(report)
    rows = []
    for f in report.live:
        loc = f.location
        where = location_cell(link, loc.path, loc.start_line, loc.start_column, loc.end_line)
        rows.append(
            f"| {f.severity.label} | {cell(f.rule_id)} {cell(f.rule_name)} "
            f"| {f.certainty.label} | {where} | {cell(f.message)} |"
        )
    for e in report.errors:  # the location in its column; no certainty
        where = location_cell(link, e.path, e.line if e.line is not None else 1, e.column)
        rows.append(f"| error | file error | | {where} | {cell(e.message)} |")
    if rows:
        out += ["", "| severity | rule | certainty | location | message |"]
        out += ["|---|---|---|---|---|"]
        out += bounded(rows)
    drawn = chains_with_findings(report.chains, report.live)
    if drawn:
        out += ["", "### Backup chains", ""]
        out.append(
            "Each backup plan a finding touches: plan rule → vault → key → key policy, and "
            "selection → the resources it assigns; failing nodes are red."
        )
    for chain, failing in drawn[:MAX_DIAGRAMS]:
        span = chain.nodes[0].span
        where = f" ({location_cell(link, span.path, span.start_line, None)})" if span else ""
        out += ["", f"#### {cell(chain.title)}{where}", "", "```mermaid"]
        out.append(flowchart(chain, failing).rstrip("\n"))
        out.append("```")
    if len(drawn) > MAX_DIAGRAMS:
        more = len(drawn) - MAX_DIAGRAMS
        out += ["", f"... and {more} more (`--output-format html` draws them all)."]
    return "\n".join(out) + "\n"
