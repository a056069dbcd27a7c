"""Messages with a place: evidence hops and notes (``Located``), and file errors."""

from __future__ import annotations

from typing import Any

from iacguard.core.records import record
from iacguard.core.spans import Span


@record
class Located:
    """A message at a place: one hop of the reference chain that produced a value (``var.x``
    at variables.tf:3), one piece of a finding's evidence, or a note on what evaluation could
    not see (an unknown worth telling the user about)."""

    span: Span | None
    message: str

    def __init__(self, span: Span | None, message: str) -> None:
        set_field = object.__setattr__
        set_field(self, "span", span)
        set_field(self, "message", message)

    # written out (not the records' generic ones): evidence hops are hashed the most
    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return (self.span, self.message) == (other.span, other.message)  # type: ignore[attr-defined]
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.span, self.message))

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.span.path if self.span else None,
            "line": self.span.start_line if self.span else None,
            "message": self.message,
        }


@record
class FileError:
    """A problem with one input file: the run goes on with every other file."""

    path: str
    line: int | None
    column: int | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"
