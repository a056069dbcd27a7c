"""Where something is in a source file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A range in a source file; lines and columns are 1-based, end column exclusive."""

    path: str
    start_line: int
    start_column: int
    end_line: int
    end_column: int

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
