"""``full``: ruff-like findings with the source lines marked, the evidence, inputs and fix.

The only reporter that reads input files: it quotes the lines a finding points at (each file
read once per rendering; a file that cannot be read is simply not quoted).
"""

from __future__ import annotations

from pathlib import Path

from iacguard.report.colors import Palette
from iacguard.report.common import summary_line
from iacguard.report.concise import error_line, finding_line
from iacguard.report.terminal import printable

#: most source lines quoted for one finding (the middle of longer spans is elided)
MAX_QUOTED = 6
TAB = "    "


class _Sources:
    """Source lines, read lazily once per file for one rendering."""

    def __init__(self, base: str) -> None:
        self.base = Path(base)
        self.cache: dict[str, list[str] | None] = {}

    def lines(self, path: str) -> list[str] | None:
        if path not in self.cache:
            p = Path(path)
            if not p.is_absolute():
                p = self.base / p
            try:
                from iacguard.core.files import read_regular  # the overlay: standard input

                text = read_regular(p).decode("utf-8-sig", errors="replace")  # BOM: not text
                self.cache[path] = text.splitlines()
            except (OSError, ValueError):
                self.cache[path] = None
        return self.cache[path]


def _snippet(f, sources: _Sources, p: Palette) -> list[str]:
    loc = f.location
    text = sources.lines(loc.path)
    if not text or loc.start_line < 1 or loc.start_line > len(text):
        return []
    last = min(max(loc.end_line, loc.start_line), len(text))
    numbers = list(range(loc.start_line, last + 1))
    if len(numbers) > MAX_QUOTED:
        numbers = numbers[: MAX_QUOTED - 2] + [-1] + numbers[-1:]
    width = len(str(last))
    gutter = " " * width + " |"
    out = [p.blue(gutter)]
    for n in numbers:
        if n == -1:
            out.append(p.blue(" " * width + " :"))
            continue
        raw = text[n - 1]
        start = loc.start_column if n == loc.start_line else _indent(raw) + 1
        end = loc.end_column if n == loc.end_line else len(raw.rstrip()) + 1
        shown = _shown(raw)
        col0 = len(_shown(raw[: max(start - 1, 0)]))
        col1 = len(_shown(raw[: max(end - 1, 0)]))
        carets = "^" * max(col1 - col0, 1)
        out.append(p.blue(f"{n:>{width}} |") + (" " + shown if shown else ""))
        out.append(p.blue(gutter) + " " + " " * col0 + p.red(carets))
    return out


def _shown(raw: str) -> str:
    """A source line as printed: tabs expanded, control characters escaped (so the carets
    under it still line up)."""
    return printable(raw.replace("\t", TAB))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _details(f, p: Palette) -> list[str]:
    out = [
        p.cyan("  = ")
        + f"{f.rule_name} · severity {f.severity.label} · {printable(f.resource_type)} "
        + p.bold(printable(f.address))
        + (f" in {printable(f.root)}" if f.root and f.root != f.location.path else "")
    ]
    if f.evidence:
        out.append(p.cyan("  = evidence:"))
        for hop in f.evidence:
            where = f"{hop.span.path}:{hop.span.start_line}" if hop.span else "(no location)"
            out.append(f"      {p.dim(printable(where))} {printable(hop.message)}")
    if f.inputs:
        out.append(p.cyan("  = inputs: ") + printable(", ".join(f.inputs)))
    if f.fix:
        out.append(p.cyan("  = fix: ") + printable(f.fix))
    return out


def render(report, *, color: bool = False, quiet: bool = False) -> str:
    p = Palette(color)
    sources = _Sources(report.base)
    blocks: list[str] = []
    for f in report.live:
        block = [finding_line(f, p, caller=False), *_snippet(f, sources, p), *_details(f, p)]
        blocks.append("\n".join(block))
    for e in report.errors:
        blocks.append(error_line(e, p))
    if report.notes and not quiet:
        notes = []
        for n in report.notes:
            where = f"{n.span.path}:{n.span.start_line}: " if n.span else ""
            notes.append(p.dim(printable(f"{where}note: {n.message}")))
        blocks.append("\n".join(notes))
    if not quiet:
        line = summary_line(report)
        blocks.append(p.bold(line) if report.summary.findings or report.errors else p.green(line))
    return "\n\n".join(blocks) + "\n" if blocks else ""
