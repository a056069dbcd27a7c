"""``html``: one self-contained HTML file, the ``markdown`` format's content and more.

The summary and notes lines, a table of the live findings and file errors (links as the
``markdown`` format makes them, ``report.links``), every backup chain a finding touches drawn
as inline SVG (``report.svg``: no script, no font, no external style), and for each finding
its message, the source lines it points at (read from the file, at most ``MAX_QUOTED`` lines
of a file up to ``MAX_SOURCE_BYTES``), its evidence, inputs and fix. A Content-Security-Policy
meta forbids every load (``default-src 'none'``): the page only needs its own inline style.
Every text from the scanned files is HTML-escaped and its control characters made visible.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from iacguard.core.topology import chains_with_findings
from iacguard.report.common import notes_line, summary_line
from iacguard.report.links import Linker, linker
from iacguard.report.svg import render_svg
from iacguard.report.terminal import printable

#: source lines quoted per finding at most (the middle of a longer span is elided)
MAX_QUOTED = 14
#: lines of context before and after the finding's span
CONTEXT = 2
#: a file larger than this is not quoted
MAX_SOURCE_BYTES = 4 * 1024 * 1024
#: findings with a detail section at most (the table lists them all)
MAX_DETAILS = 2000

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'"
)

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1f23;
background:#f6f8fa}
main{max-width:1500px;margin:0 auto;padding:20px 28px}
h1{font-size:24px;margin:8px 0}h2{font-size:19px;margin:28px 0 10px;border-bottom:1px solid #d0d7de;
padding-bottom:4px}h3{font-size:15px;margin:0 0 6px}
.summary{font-size:15px;font-weight:600}.notes{color:#57606a}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}
th,td{border-bottom:1px solid #d8dee4;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f0f3f6;font-weight:600}td.msg{max-width:720px}
.sev{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;
color:#fff}
.sev-critical{background:#8e0000}.sev-high{background:#c62828}.sev-medium{background:#ef6c00}
.sev-low{background:#607d8b}.sev-error{background:#424242}
code,pre,.loc{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
a{color:#0550ae;text-decoration:none}a:hover{text-decoration:underline}
figure{margin:0 0 18px;background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:10px;
overflow-x:auto}figcaption{font-weight:600;margin-bottom:6px}
svg.chain{max-width:100%;height:auto;display:block}
svg.chain text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;fill:#1b1f23}
svg.chain text.label{font-weight:600}svg.chain text.detail{fill:#444}
svg.chain text.edge{font-size:11px;fill:#37474f;paint-order:stroke;stroke:#fff;stroke-width:4px}
.legend span{display:inline-block;margin-right:14px}.swatch{display:inline-block;width:12px;
height:12px;border:2px solid;vertical-align:-2px;margin-right:4px;border-radius:3px}
article{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px 14px;
margin:0 0 14px}
pre.source{background:#f6f8fa;border:1px solid #d8dee4;border-radius:4px;padding:6px 0;
overflow-x:auto;margin:8px 0}
pre.source span.line{display:block;padding:0 10px;white-space:pre}
pre.source span.hit{background:#ffebe9}pre.source span.gap{color:#8c959f}
pre.source span.no{display:inline-block;min-width:4ch;color:#8c959f;text-align:right;
margin-right:12px;user-select:none}
ul.evidence{margin:6px 0;padding-left:20px}.fix{color:#1a7f37}.muted{color:#57606a}
"""


class _Sources:
    """Source lines, read once per file for one rendering (bounded, never blocking)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cache: dict[str, list[str] | None] = {}

    def lines(self, path: str) -> list[str] | None:
        if path not in self.cache:
            import os

            from iacguard.core.files import read_regular

            full = path if os.path.isabs(path) else os.path.join(self.base, path)
            try:
                data = read_regular(full, MAX_SOURCE_BYTES)
                self.cache[path] = data.decode("utf-8-sig", errors="replace").splitlines()
            except (OSError, ValueError):
                self.cache[path] = None
        return self.cache[path]


def _t(text: object) -> str:
    """Text from the scanned files, safe as HTML element content or attribute value."""
    return escape(printable(str(text)))


def _anchor(link: Linker, path: str, line: int | None, column: int | None, end=None) -> str:
    where = link.path(path) + (f":{line}" if line is not None else "")
    if line is not None and column is not None:
        where += f":{column}"
    return f'<a class="loc" href="{escape(link.url(path, line, end))}">{_t(where)}</a>'


def _quote(f, sources: _Sources) -> str:
    loc = f.location
    text = sources.lines(loc.path)
    if not text or loc.start_line < 1 or loc.start_line > len(text):
        return ""
    last = min(max(loc.end_line, loc.start_line), len(text))
    first_shown = max(loc.start_line - CONTEXT, 1)
    last_shown = min(last + CONTEXT, len(text))
    numbers: list[int] = list(range(first_shown, last_shown + 1))
    if len(numbers) > MAX_QUOTED:
        head = MAX_QUOTED // 2
        numbers = numbers[:head] + [-1] + numbers[-(MAX_QUOTED - head - 1) :]
    out = ['<pre class="source">']
    for n in numbers:
        if n == -1:
            out.append('<span class="line gap"><span class="no">⋮</span></span>')
            continue
        hit = " hit" if loc.start_line <= n <= last else ""
        out.append(f'<span class="line{hit}"><span class="no">{n}</span>{_t(text[n - 1])}</span>')
    out.append("</pre>")
    return "".join(out)


def _table(report, link: Linker) -> list[str]:
    rows = []
    for i, f in enumerate(report.live):
        loc = f.location
        where = _anchor(link, loc.path, loc.start_line, loc.start_column, loc.end_line)
        detail = f' <a href="#finding-{i}">details</a>' if i < MAX_DETAILS else ""
        rows.append(
            f'<tr><td><span class="sev sev-{f.severity.label}">{f.severity.label}</span></td>'
            f"<td><code>{_t(f.rule_id)}</code> {_t(f.rule_name)}</td>"
            f"<td>{f.certainty.label}</td><td>{where}{detail}</td>"
            f'<td class="msg">{_t(f.message)}</td></tr>'
        )
    for e in report.errors:
        rows.append(
            '<tr><td><span class="sev sev-error">error</span></td><td>file error</td><td></td>'
            f"<td>{_anchor(link, e.path, e.line, e.column)}</td>"
            f'<td class="msg">{_t(e.message)}</td></tr>'
        )
    if not rows:
        return ['<p class="muted">No findings.</p>']
    return [
        "<table><thead><tr><th>severity</th><th>rule</th><th>certainty</th><th>location</th>"
        "<th>message</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
    ]


def _chains(report, link: Linker) -> list[str]:
    drawn = chains_with_findings(report.chains, report.live)
    if not drawn:
        return []
    out = [
        '<section id="chains"><h2>Backup chains</h2>',
        '<p class="legend muted">Each backup plan a finding touches: plan rule → vault → key → '
        "key policy, and selection → the resources it assigns. "
        '<span><i class="swatch" style="background:#fde2e2;border-color:#c62828"></i>failing'
        "</span></p>",
    ]
    for i, (chain, failing) in enumerate(drawn):
        span = chain.nodes[0].span
        where = f" {_anchor(link, span.path, span.start_line, None)}" if span else ""
        out.append(
            f"<figure><figcaption>{_t(chain.title)}{where}</figcaption>"
            f"{render_svg(chain, failing, title=printable(chain.title), ident=f'chain-{i}')}"
            "</figure>"
        )
    out.append("</section>")
    return out


def _details(report, link: Linker) -> list[str]:
    findings = report.live[:MAX_DETAILS]
    if not findings:
        return []
    sources = _Sources(report.base)
    out = ['<section id="details"><h2>Findings in their source</h2>']
    for i, f in enumerate(findings):
        loc = f.location
        where = _anchor(link, loc.path, loc.start_line, loc.start_column, loc.end_line)
        out.append(
            f'<article id="finding-{i}"><h3><span class="sev sev-{f.severity.label}">'
            f"{f.severity.label}</span> <code>{_t(f.rule_id)}</code> {_t(f.rule_name)} · "
            f"{f.certainty.label} · {where}</h3>"
            f"<p>{_t(f.message)}</p>{_quote(f, sources)}"
        )
        if f.evidence:
            out.append('<ul class="evidence">')
            for e in f.evidence:
                at = _anchor(link, e.span.path, e.span.start_line, None) + ": " if e.span else ""
                out.append(f"<li>{at}{_t(e.message)}</li>")
            out.append("</ul>")
        if f.inputs:
            out.append(f'<p class="muted">Inputs: {_t(", ".join(f.inputs))}</p>')
        if f.exists_when:
            out.append(f'<p class="muted">Exists when: {_t(f.exists_when)}</p>')
        if f.fix:
            out.append(f'<p class="fix">Fix: {_t(f.fix)}</p>')
        out.append("</article>")
    if len(report.live) > MAX_DETAILS:
        more = len(report.live) - MAX_DETAILS
        out.append(f'<p class="muted">… and {more} more findings (listed in the table).</p>')
    out.append("</section>")
    return out


def render(report, environ: Mapping[str, str] | None = None) -> str:
    """The report as one HTML document (ends with a newline)."""
    link = linker(report, environ)
    notes = notes_line(report)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>iacguard report</title>",
        f"<style>{_STYLE}</style></head><body><main>",
        "<h1>iacguard</h1>",
        f'<p class="summary">{_t(summary_line(report))}</p>',
    ]
    if notes:
        out.append(f'<p class="notes">{_t(notes)}</p>')
    out.append('<section id="findings"><h2>Findings</h2>')
    out += _table(report, link)
    out.append("</section>")
    out += _chains(report, link)
    out += _details(report, link)
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"
