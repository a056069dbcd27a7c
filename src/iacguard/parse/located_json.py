"""JSON with positions: a small strict decoder producing located nodes (``cfn_nodes``).

The standard ``json`` module keeps no positions, so CloudFormation JSON templates and
Terraform plan files are read here. Strict RFC 8259 JSON: no comments, no trailing commas, no
NaN; duplicate object keys are located errors (the first wins, as the template is rejected by
CloudFormation anyway); nesting deeper than ``max_depth`` is an error, checked before
recursing. Columns count characters, 1-based, end exclusive.
"""

from __future__ import annotations

import json
import re
from typing import Any

from iacguard.core.located import FileError
from iacguard.core.spans import Span
from iacguard.parse.cfn_nodes import MapNode, Node, ParsedDocument, ScalarNode, SeqNode

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"((?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*)"')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


class _Error(Exception):
    def __init__(self, pos: int, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


class _Decoder:
    """Recursive descent; positions are turned into line/column in increasing order only,
    so line tracking is incremental (no search per node)."""

    def __init__(self, text: str, path: str, max_depth: int) -> None:
        self.text = text
        self.path = path
        self.max_depth = max_depth
        self.errors: list[FileError] = []
        self._line = 1
        self._line_start = 0
        self._scanned = 0

    def loc(self, pos: int) -> tuple[int, int]:
        """(line, column) of ``pos``; ``pos`` never goes below an earlier call's."""
        if pos > self._scanned:
            text = self.text
            newlines = text.count("\n", self._scanned, pos)
            if newlines:
                self._line += newlines
                self._line_start = text.rfind("\n", self._scanned, pos) + 1
            self._scanned = pos
        return self._line, pos - self._line_start + 1

    def where(self, pos: int) -> tuple[int, int]:
        """(line, column) of any position (for errors)."""
        line = self.text.count("\n", 0, pos) + 1
        return line, pos - (self.text.rfind("\n", 0, pos) + 1) + 1

    def scalar(self, value: Any, start: int, end: int) -> ScalarNode:
        sl, sc = self.loc(start)
        el, ec = self.loc(end)
        return ScalarNode(value, Span(self.path, sl, sc, el, ec))

    def ws(self, pos: int) -> int:
        if pos < len(self.text) and self.text[pos] in " \t\n\r":
            return _WS.match(self.text, pos).end()  # type: ignore[union-attr]
        return pos

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
            return self.scalar(s, pos, end), end
        if c == "t" and text.startswith("true", pos):
            return self.scalar(True, pos, pos + 4), pos + 4
        if c == "f" and text.startswith("false", pos):
            return self.scalar(False, pos, pos + 5), pos + 5
        if c == "n" and text.startswith("null", pos):
            return self.scalar(None, pos, pos + 4), pos + 4
        m = _NUMBER.match(text, pos)
        if m and m.end() > pos:
            try:
                number: Any = float(m.group(0)) if m.group(1) or m.group(2) else int(m.group(0))
            except ValueError:  # an integer longer than Python converts (4300 digits)
                raise _Error(
                    pos, f"a number of {m.end() - pos} digits is too long to read"
                ) from None
            return self.scalar(number, pos, m.end()), m.end()
        raise _Error(pos, f"unexpected character {c!r}")

    def _enter(self, pos: int, depth: int) -> None:
        if depth > self.max_depth:
            raise _Error(pos, f"nesting deeper than {self.max_depth} levels")

    def obj(self, start: int, depth: int) -> tuple[Node, int]:
        self._enter(start, depth)
        text = self.text
        sl, sc = self.loc(start)
        keys: list[ScalarNode] = []
        values: list[Node] = []
        seen: set[str] = set()
        pos = self.ws(start + 1)
        if text.startswith("}", pos):
            el, ec = self.loc(pos + 1)
            return MapNode((), (), Span(self.path, sl, sc, el, ec)), pos + 1
        while True:
            if pos >= len(text):
                raise _Error(pos, "unexpected end of file inside an object")
            if text[pos] != '"':
                raise _Error(pos, "expected a string key")
            key, end = self.string(pos)
            key_node = self.scalar(key, pos, end)
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
                el, ec = self.loc(pos + 1)
                span = Span(self.path, sl, sc, el, ec)
                return MapNode(tuple(keys), tuple(values), span), pos + 1
            if pos >= len(text):
                raise _Error(pos, "unexpected end of file inside an object")
            raise _Error(pos, "expected ',' or '}' in an object")

    def arr(self, start: int, depth: int) -> tuple[Node, int]:
        self._enter(start, depth)
        text = self.text
        sl, sc = self.loc(start)
        items: list[Node] = []
        pos = self.ws(start + 1)
        if text.startswith("]", pos):
            el, ec = self.loc(pos + 1)
            return SeqNode((), Span(self.path, sl, sc, el, ec)), pos + 1
        while True:
            node, pos = self.value(pos, depth)
            items.append(node)
            pos = self.ws(pos)
            if text.startswith(",", pos):
                pos = self.ws(pos + 1)
                continue
            if text.startswith("]", pos):
                el, ec = self.loc(pos + 1)
                return SeqNode(tuple(items), Span(self.path, sl, sc, el, ec)), pos + 1
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
