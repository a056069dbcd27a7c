"""``github``: GitHub Actions workflow commands, one annotation per finding.

``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=ID name::message``: severity high
and critical are ``error``, low and medium ``warning``; file errors are ``error``. Values are
escaped as the runner expects: ``%``, CR and LF in the message, plus ``:`` and ``,`` in
properties; control characters quoted from scanned files are written as visible escapes (the
Actions log renders ANSI sequences). ``file=`` is relative to the repository root (the git
toplevel of the scanned paths, or ``--repo-root``), which is what GitHub resolves it against,
so a run from a subdirectory still annotates the right file.

Notes (what was not evaluated) are one ``::notice`` with their counts by kind. GitHub shows
only the first 10 annotations of each kind per step: with more, a plain log line says so, and
``step_summary`` (``iacguard.report.step_summary``) is the Markdown the command line appends to
``$GITHUB_STEP_SUMMARY``, listing every finding.
"""

from __future__ import annotations

from iacguard.core.findings import Severity
from iacguard.report.common import notes_line, repo_relative
from iacguard.report.concise import called_from
from iacguard.report.terminal import printable

#: annotations of one kind (error, warning, notice) GitHub shows per step
SHOWN_PER_STEP = 10


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, props: list[tuple[str, object]], message: str) -> str:
    # property values come from scanned files too (a file name with ESC/OSC/BEL in it): made
    # printable like the message, so the log never carries raw terminal controls
    rendered = ",".join(
        f"{k}={escape_property(printable(str(v)))}" for k, v in props if v is not None
    )
    return f"::{kind} {rendered}::{escape_data(message)}"


def render(report) -> str:
    lines = []
    for f in report.live:
        loc = f.location
        kind = "error" if f.severity >= Severity.HIGH else "warning"
        message = (
            f"[{f.certainty.label}] {printable(f.message + called_from(f), keep_newlines=True)}"
        )
        if f.fix:
            message += f"\nFix: {printable(f.fix, keep_newlines=True)}"
        props = [
            ("file", repo_relative(loc.path, report) or loc.path),
            ("line", loc.start_line),
            ("col", loc.start_column),
            ("endLine", max(loc.end_line, loc.start_line)),
            ("endColumn", loc.end_column),
            ("title", f"{f.rule_id} {f.rule_name}"),
        ]
        lines.append(_command(kind, props, message))
    for e in report.errors:
        file = repo_relative(e.path, report) or e.path
        props = [("file", file), ("line", e.line), ("col", e.column), ("title", "iacguard error")]
        lines.append(_command("error", props, printable(e.message, keep_newlines=True)))
    notes = notes_line(report)
    if notes:
        lines.append(_command("notice", [("title", "iacguard notes")], notes))
    shown = annotations_shown_line(report)
    if shown:
        lines.append(shown)
    return "\n".join(lines) + "\n" if lines else ""


def _kinds(report) -> dict[str, int]:
    """How many ``error`` and ``warning`` annotations the run writes."""
    kinds = {"error": len(report.errors), "warning": 0}
    for f in report.live:
        kinds["error" if f.severity >= Severity.HIGH else "warning"] += 1
    return kinds


def annotations_shown_line(report) -> str | None:
    """A plain log line when GitHub will not show every annotation (it shows the first
    ``SHOWN_PER_STEP`` of each kind per step), or None."""
    kinds = _kinds(report)
    if all(n <= SHOWN_PER_STEP for n in kinds.values()):
        return None
    counts = " and ".join(f"{n} {kind}" for kind, n in kinds.items() if n)
    return (
        f"iacguard: {counts} annotations: GitHub shows the first {SHOWN_PER_STEP} of each kind "
        "per step; the job summary lists them all."
    )
