"""JSON with positions: a small strict decoder producing located nodes (``cfn_nodes``).

The standard ``json`` module keeps no positions, so CloudFormation JSON templates and
Terraform plan files are read here. Strict RFC 8259 JSON: no comments, no trailing commas, no
NaN; duplicate object keys are located errors (the first wins, as the template is rejected by
CloudFormation anyway); nesting deeper than ``max_depth`` is an error, checked before
recursing. Columns count characters, 1-based, end exclusive.
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

from iacguard.graph.model import FileError
from iacguard.graph.values import Span
from iacguard.parse.cfn import ParsedDocument
from iacguard.parse.cfn_nodes import MapNode, Node, ScalarNode, SeqNode

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"((?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*)"')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


class _Error(Exception):
    def __init__(self, pos: int, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


class _Decoder:
    def __init__(self, text: str, path: str, max_depth: int) -> None:
        self.text = text
        self.path = path
        self.max_depth = max_depth
        self.errors: list[FileError] = []
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def where(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.line_starts, pos) - 1
        return i + 1, pos - self.line_starts[i] + 1

    def span(self, start: int, end: int) -> Span:
        sl, sc = self.where(start)
        el, ec = self.where(end)
        return Span(self.path, sl, sc, el, ec)

    def ws(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()  # type: ignore[union-attr]

    def string(self, pos: int) -> tuple[str, int]:
        m = _STRING.match(self.text, pos)
        if m is None:
            end = self.text.find('"', pos + 1)
            if end < 0:
                raise _Error(pos, "unterminated string")
            raise _Error(pos, "invalid string (control character or bad escape)")
        raw = m.group(1)
        if "\\" in raw:
            raw = json.loads(m.group(0))
        return raw, m.end()

    def value(self, pos: int, depth: int) -> tuple[Node, int]:
        text = self.text
        if pos >= len(text):
            raise _Error(pos, "unexpected end of file")
        c = text[pos]
        if c == "{":
            return self.obj(pos, depth + 1)
        if c == "[":
            return self.arr(pos, depth + 1)
        if c == '"':
            s, end = self.string(pos)
            return ScalarNode(s, self.span(pos, end)), end
        if text.startswith("true", pos):
            return ScalarNode(True, self.span(pos, pos + 4)), pos + 4
        if text.startswith("false", pos):
            return ScalarNode(False, self.span(pos, pos + 5)), pos + 5
        if text.startswith("null", pos):
            return ScalarNode(None, self.span(pos, pos + 4)), pos + 4
        m = _NUMBER.match(text, pos)
        if m and m.end() > pos:
            number: Any = float(m.group(0)) if m.group(1) or m.group(2) else int(m.group(0))
            return ScalarNode(number, self.span(pos, m.end())), m.end()
        raise _Error(pos, f"unexpected character {c!r}")

    def _enter(self, pos: int, depth: int) -> None:
        if depth > self.max_depth:
            raise _Error(pos, f"nesting deeper than {self.max_depth} levels")

    def obj(self, start: int, depth: int) -> tuple[Node, int]:
        self._enter(start, depth)
        text = self.text
        keys: list[ScalarNode] = []
        values: list[Node] = []
        seen: set[str] = set()
        pos = self.ws(start + 1)
        if text.startswith("}", pos):
            return MapNode((), (), self.span(start, pos + 1)), pos + 1
        while True:
            if pos >= len(text):
                raise _Error(pos, "unexpected end of file inside an object")
            if text[pos] != '"':
                raise _Error(pos, "expected a string key")
            key, end = self.string(pos)
            key_node = ScalarNode(key, self.span(pos, end))
            pos = self.ws(end)
            if not text.startswith(":", pos):
                raise _Error(pos, "expected ':' after an object key")
            pos = self.ws(pos + 1)
            node, pos = self.value(pos, depth)
            if key in seen:
                line, col = key_node.span.start_line, key_node.span.start_column
                self.errors.append(FileError(self.path, line, col, f"duplicate key {key!r}"))
            else:
                seen.add(key)
                keys.append(key_node)
                values.append(node)
            pos = self.ws(pos)
            if text.startswith(",", pos):
                pos = self.ws(pos + 1)
                continue
            if text.startswith("}", pos):
                return MapNode(tuple(keys), tuple(values), self.span(start, pos + 1)), pos + 1
            if pos >= len(text):
                raise _Error(pos, "unexpected end of file inside an object")
            raise _Error(pos, "expected ',' or '}' in an object")

    def arr(self, start: int, depth: int) -> tuple[Node, int]:
        self._enter(start, depth)
        text = self.text
        items: list[Node] = []
        pos = self.ws(start + 1)
        if text.startswith("]", pos):
            return SeqNode((), self.span(start, pos + 1)), pos + 1
        while True:
            node, pos = self.value(pos, depth)
            items.append(node)
            pos = self.ws(pos)
            if text.startswith(",", pos):
                pos = self.ws(pos + 1)
                continue
            if text.startswith("]", pos):
                return SeqNode(tuple(items), self.span(start, pos + 1)), pos + 1
            if pos >= len(text):
                raise _Error(pos, "unexpected end of file inside an array")
            raise _Error(pos, "expected ',' or ']' in an array")


def load_json(text: str, path: str, *, max_depth: int = 200) -> ParsedDocument:
    """Decode one JSON document into located nodes; problems are located errors."""
    if text.startswith("\ufeff"):
        text = text[1:]
    decoder = _Decoder(text, path, max_depth)
    try:
        pos = decoder.ws(0)
        node, pos = decoder.value(pos, 0)
        pos = decoder.ws(pos)
        if pos != len(text):
            raise _Error(pos, "extra data after the JSON document")
    except _Error as exc:
        line, col = decoder.where(min(exc.pos, len(text)))
        err = FileError(path, line, col, f"invalid JSON: {exc.message}")
        return ParsedDocument(None, (*decoder.errors, err), True)
    return ParsedDocument(node, tuple(decoder.errors), False)
