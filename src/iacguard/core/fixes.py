"""A fix a finding carries: text edits to the user's files, safe or unsafe to apply (ruff's model).

A rule that knows how to repair what it found attaches ``Fix`` objects to its ``Finding``
(``Finding.fixes``). ``iacguard check --fix`` applies the safe ones, ``--unsafe-fixes`` the others
too, ``--diff`` prints what they would change; JSON, SARIF and the language server carry them.
An edit's span uses the same convention as every ``Span``: 1-based lines and columns, the end
column exclusive; an insertion has an empty span (start == end).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from iacguard.core.spans import Span

Applicability = Literal["safe", "unsafe"]


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text at ``span`` (in ``span.path``) with ``new_text``."""

    span: Span
    new_text: str

    def to_json(self) -> dict[str, Any]:
        return {"location": self.span.to_json(), "new_text": self.new_text}


@dataclass(frozen=True, slots=True)
class Fix:
    """One repair: its edits are applied together or not at all."""

    #: what the fix does, in one line ("set enable_key_rotation = true")
    title: str
    applicability: Applicability
    edits: tuple[Edit, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "applicability": self.applicability,
            "edits": [e.to_json() for e in self.edits],
        }
