"""Findings, file errors and fixes as Language Server Protocol objects.

Spans are 1-based lines and columns counted in characters (code points), the end column
exclusive (``iacguard.core.spans``); the protocol counts 0-based lines and columns in the
position encoding agreed at ``initialize`` (UTF-16 code units unless the client offers
another), so every column is converted against the text of its line (``Lines``: the open
buffer's text, else the file on disk).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lsprotocol import types as lsp

from iacguard.core.findings import Finding, Severity
from iacguard.core.fixes import Fix
from iacguard.core.located import FileError
from iacguard.core.spans import Span

SOURCE = "iacguard"

#: a file's lines, for column conversion: path -> its lines (empty when unreadable)
Lines = Callable[[str], Sequence[str]]
#: counts a string in the client's position units (pygls's PositionCodec.client_num_units)
Units = Callable[[str], int]

_SEVERITY = {
    Severity.CRITICAL: lsp.DiagnosticSeverity.Error,
    Severity.HIGH: lsp.DiagnosticSeverity.Error,
    Severity.MEDIUM: lsp.DiagnosticSeverity.Warning,
    Severity.LOW: lsp.DiagnosticSeverity.Information,
}


def uri_of(path: str) -> str:
    from pathlib import Path

    return Path(path).absolute().as_uri()


def position(lines: Sequence[str], line: int, column: int, units: Units) -> lsp.Position:
    """The protocol position of a 1-based (line, character column)."""
    row = max(line - 1, 0)
    text = lines[row] if row < len(lines) else ""
    return lsp.Position(line=row, character=units(text[: max(column - 1, 0)]))


def span_range(span: Span, lines: Lines, units: Units) -> lsp.Range:
    text = lines(span.path)
    start = position(text, span.start_line, span.start_column, units)
    end = position(text, span.end_line, span.end_column, units)
    if (end.line, end.character) < (start.line, start.character):
        end = start
    return lsp.Range(start=start, end=end)


def severity(level: Severity) -> lsp.DiagnosticSeverity:
    return _SEVERITY.get(level, lsp.DiagnosticSeverity.Warning)


def diagnostic(
    finding: Finding, lines: Lines, units: Units, docs: Mapping[str, str] | None = None
) -> lsp.Diagnostic:
    """A finding as a diagnostic: the rule id as ``code`` (with its documentation link when the
    catalog has one: ``docs``), the certainty in the message, the evidence hops as related
    information."""
    related = [
        lsp.DiagnosticRelatedInformation(
            location=lsp.Location(
                uri=uri_of(hop.span.path), range=span_range(hop.span, lines, units)
            ),
            message=hop.message,
        )
        for hop in finding.evidence
        if hop.span is not None and hop.span.path
    ]
    href = (docs or {}).get(finding.rule_id)
    message = f"[{finding.certainty.label}] {finding.message}"
    if finding.inputs:
        message += f" (decided by {', '.join(finding.inputs)})"
    return lsp.Diagnostic(
        range=span_range(finding.location, lines, units),
        message=message,
        severity=severity(finding.severity),
        code=finding.rule_id,
        code_description=lsp.CodeDescription(href=href) if href else None,
        source=SOURCE,
        related_information=related or None,
        data={"rule": finding.rule_id, "fixes": len(finding.fixes)},
    )


def error_diagnostic(error: FileError, lines: Sequence[str], units: Units) -> lsp.Diagnostic:
    """A file error (a syntax error, a file that is not UTF-8...) from its line and column to
    the end of that line; one without a line sits at the top of the file."""
    if error.line is None:
        start = lsp.Position(line=0, character=0)
        end = start
    else:
        start = position(lines, error.line, error.column or 1, units)
        row = error.line - 1
        end = lsp.Position(
            line=start.line, character=units(lines[row]) if row < len(lines) else start.character
        )
        if end.character < start.character:
            end = start
    return lsp.Diagnostic(
        range=lsp.Range(start=start, end=end),
        message=error.message,
        severity=lsp.DiagnosticSeverity.Error,
        source=SOURCE,
    )


def failure_diagnostic(message: str) -> lsp.Diagnostic:
    """The run could not do its job (an unusable configuration): said at the top of the file."""
    start = lsp.Position(line=0, character=0)
    return lsp.Diagnostic(
        range=lsp.Range(start=start, end=start),
        message=f"iacguard could not check this file: {message}",
        severity=lsp.DiagnosticSeverity.Error,
        source=SOURCE,
    )


def code_action(
    fix: Fix, finding: Finding, diag: lsp.Diagnostic, lines: Lines, units: Units
) -> lsp.CodeAction:
    """A fix as a quick fix; an unsafe one says so in its title and is never preferred."""
    changes: dict[str, list[lsp.TextEdit]] = {}
    for edit in fix.edits:
        changes.setdefault(uri_of(edit.span.path), []).append(
            lsp.TextEdit(range=span_range(edit.span, lines, units), new_text=edit.new_text)
        )
    title = f"{finding.rule_id}: {fix.title}"
    if fix.applicability != "safe":
        title += " (unsafe fix: review it)"
    return lsp.CodeAction(
        title=title,
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diag],
        edit=lsp.WorkspaceEdit(changes=changes),
        is_preferred=fix.applicability == "safe",
    )


def contains(outer: lsp.Range, where: lsp.Position) -> bool:
    start, end = outer.start, outer.end
    return (
        (start.line, start.character)
        <= (where.line, where.character)
        <= (
            end.line,
            end.character,
        )
    )


def overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    return (a.start.line, a.start.character) <= (b.end.line, b.end.character) and (
        b.start.line,
        b.start.character,
    ) <= (a.end.line, a.end.character)


def rule_docs(entries: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Rule id -> its documentation link, for the rules whose catalog entry has one."""
    out = {}
    for rule_id, entry in entries.items():
        for key in ("help_uri", "url", "documentation"):
            value = entry.get(key)
            if isinstance(value, str) and value.startswith(("http://", "https://")):
                out[rule_id] = value
                break
    return out
