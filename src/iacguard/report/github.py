"""``github``: GitHub Actions workflow commands, one annotation per finding.

``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=ID name::message``: severity high
and critical are ``error``, low and medium ``warning``; file errors are ``error``. Values are
escaped as the runner expects: ``%``, CR and LF in the message, plus ``:`` and ``,`` in
properties; control characters quoted from scanned files are written as visible escapes (the
Actions log renders ANSI sequences). ``file=`` is relative to the repository root (the git
toplevel of the scanned paths, or ``--repo-root``), which is what GitHub resolves it against,
so a run from a subdirectory still annotates the right file.
"""

from __future__ import annotations

from iacguard.core.findings import Severity
from iacguard.report.common import repo_relative
from iacguard.report.concise import called_from
from iacguard.report.terminal import printable


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, props: list[tuple[str, object]], message: str) -> str:
    rendered = ",".join(f"{k}={escape_property(str(v))}" for k, v in props if v is not None)
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
    return "\n".join(lines) + "\n" if lines else ""
