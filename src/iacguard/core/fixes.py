"""A fix a finding carries: text edits to the user's files, safe or unsafe to apply (ruff's model).

A rule that knows how to repair what it found attaches ``Fix`` objects to its ``Finding``
(``Finding.fixes``). ``iacguard check --fix`` applies the safe ones, ``--unsafe-fixes`` the others
too, ``--diff`` prints what they would change; JSON, SARIF and the language server carry them.
An edit's span uses the same convention as every ``Span``: 1-based lines and columns, the end
column exclusive; an insertion has an empty span (start == end).

Columns count characters (Unicode code points) of the file decoded as UTF-8, as every ``Span``
does and as an editor shows them, not bytes: ``é`` is one column. Lines are split at ``\n`` only
(a ``\r`` before it belongs to the line). A leading byte order mark is not counted. The language
server converts to its client's position encoding (UTF-16 by default); ``offset`` below turns a
(line, column) into an index into the decoded text.
"""

from __future__ import annotations

from typing import Any, Literal

from iacguard.core.records import record
from iacguard.core.spans import Span

Applicability = Literal["safe", "unsafe"]


@record
class Edit:
    """Replace the text at ``span`` (in ``span.path``) with ``new_text``."""

    span: Span
    new_text: str

    def to_json(self) -> dict[str, Any]:
        return {"location": self.span.to_json(), "new_text": self.new_text}


@record
class Fix:
    """One repair: its edits are applied together or not at all."""

    #: what the fix does, in one line ("set enable_key_rotation = true")
    title: str
    applicability: Applicability
    edits: tuple[Edit, ...]

    @property
    def paths(self) -> frozenset[str]:
        """The files the fix edits."""
        return frozenset(e.span.path for e in self.edits)

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "applicability": self.applicability,
            "edits": [e.to_json() for e in self.edits],
        }


def line_starts(text: str) -> list[int]:
    """The index in ``text`` where each line starts (line 1 at index 0)."""
    starts = [0]
    find = text.find
    i = find("\n")
    while i != -1:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


def offset(starts: list[int], text: str, line: int, column: int) -> int | None:
    """The index in ``text`` of 1-based ``line`` and ``column`` (None: not in the text). The
    column just past a line's last character (before its ``\n``) is valid: an insertion there
    appends to the line."""
    if line < 1 or line > len(starts) or column < 1:
        return None
    begin = starts[line - 1]
    end = starts[line] - 1 if line < len(starts) else len(text)
    index = begin + column - 1
    return index if index <= end else None
