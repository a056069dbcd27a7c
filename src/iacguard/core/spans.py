"""Where something is in a source file."""

from __future__ import annotations

from typing import Any

from iacguard.core.records import record


@record(order=True)
class Span:
    """A range in a source file; lines and columns are 1-based, end column exclusive."""

    path: str
    start_line: int
    start_column: int
    end_line: int
    end_column: int

    def __init__(
        self, path: str, start_line: int, start_column: int, end_line: int, end_column: int
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "path", path)
        set_field(self, "start_line", start_line)
        set_field(self, "start_column", start_column)
        set_field(self, "end_line", end_line)
        set_field(self, "end_column", end_column)

    # written out (not the records' generic ones): spans are hashed and compared the most
    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return (
                self.path == other.path  # type: ignore[attr-defined]
                and self.start_line == other.start_line  # type: ignore[attr-defined]
                and self.start_column == other.start_column  # type: ignore[attr-defined]
                and self.end_line == other.end_line  # type: ignore[attr-defined]
                and self.end_column == other.end_column  # type: ignore[attr-defined]
            )
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.path, self.start_line, self.start_column, self.end_line, self.end_column))

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "start_line": self.start_line,
            "start_column": self.start_column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }

    def __str__(self) -> str:
        return f"{self.path}:{self.start_line}:{self.start_column}"


def innermost_span(exc: BaseException) -> Span | None:
    """Where in the input evaluation was when ``exc`` was raised: the span of the innermost
    traceback frame with a local that is, or has, a Span (the syntax node being evaluated),
    so a timeout or a crash can name the file and line that caused it."""
    found: Span | None = None
    tb = exc.__traceback__
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            span = value if isinstance(value, Span) else getattr(value, "span", None)
            if isinstance(span, Span) and span.path:
                found = span
                break
        tb = tb.tb_next
    return found
