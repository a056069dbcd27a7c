"""Write a JSON document piece by piece, byte for byte as ``json.dumps(doc, indent=2,
ensure_ascii=False) + "\\n"`` would, without building the document or its text.

A document is plain JSON data in which some lists are given as ``Stream(iterable)``: their
items are produced, encoded and written one at a time (a 1M-line monorepo's findings would
otherwise be held twice: as dicts and as one ~50 MB string). Everything that is not a
``Stream`` and holds none is encoded by ``json.dumps`` itself, so the two can never disagree
on how a value is spelled.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

INDENT = 2


class Stream:
    """A list whose items are produced while the document is written."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


def _has_stream(value: Any) -> bool:
    if isinstance(value, Stream):
        return True
    if isinstance(value, dict):
        return any(_has_stream(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_stream(v) for v in value)
    return False


def _dumps(value: Any, level: int) -> str:
    text = json.dumps(value, indent=INDENT, ensure_ascii=False)
    if level and "\n" in text:  # only structural line breaks: strings escape theirs
        text = text.replace("\n", "\n" + " " * (INDENT * level))
    return text


def chunks(value: Any, level: int = 0) -> Iterator[str]:
    """The encoding of ``value`` (nested ``level`` deep) in pieces, without the final newline."""
    if not _has_stream(value):
        yield _dumps(value, level)
        return
    inner = "\n" + " " * (INDENT * (level + 1))
    if isinstance(value, dict):
        items = iter(value.items())
        opening, close = "{", "}"
    else:
        items = iter(value.items if isinstance(value, Stream) else value)
        opening, close = "[", "]"
    first = True
    for item in items:
        yield (opening if first else ",") + inner
        first = False
        if isinstance(value, dict):
            key, item = item
            if not isinstance(key, str):
                raise TypeError(f"keys of a streamed document are strings, not {key!r}")
            yield json.dumps(key, ensure_ascii=False)
            yield ": "
        yield from chunks(item, level + 1)
    if first:
        yield opening + close
    else:
        yield "\n" + " " * (INDENT * level) + close


def write(document: Any, stream: TextIO) -> None:
    """Write ``document`` and a final newline to ``stream``."""
    out = stream.write
    buffered: list[str] = []
    size = 0
    for piece in chunks(document):
        buffered.append(piece)
        size += len(piece)
        if size >= 1 << 16:
            out("".join(buffered))
            buffered.clear()
            size = 0
    buffered.append("\n")
    out("".join(buffered))


def render(document: Any) -> str:
    """The whole text (what ``write`` writes)."""
    return "".join(chunks(document)) + "\n"
