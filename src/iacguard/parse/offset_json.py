"""JSON with character offsets, for Terraform JSON syntax (``.tf.json``, ``.tfvars.json``).

Every value keeps its character range in the text (``JNode.lo`` / ``hi``) and every object
key its offset; object items stay in order, duplicate keys included (the Terraform JSON
reader sees every one). Nesting deeper than ``max_depth`` is an error, checked before
recursing.

This is not ``located_json`` (CloudFormation JSON, plan files): its messages, its depth count
and its handling of duplicate keys differ, and the located errors of ``.tf.json`` files are
part of iacguard's output.
"""

from __future__ import annotations

from typing import Any

from iacguard.core.lazyre import lazy_compile


class JNode:
    """A JSON value with its range of character offsets in the text."""

    __slots__ = ("value", "lo", "hi")

    def __init__(self, value: Any, lo: int, hi: int) -> None:
        self.value = value  # scalar, list[JNode], or list[tuple[str, int, JNode]]
        self.lo = lo
        self.hi = hi


class JsonError(Exception):
    """A JSON syntax error at character offset ``pos``."""

    def __init__(self, pos: int, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


_WS = lazy_compile(r"[ \t\n\r]*")
_NUMBER = lazy_compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


class JsonScanner:
    """A small JSON reader that keeps every value's position (depth-bounded)."""

    def __init__(self, text: str, max_depth: int) -> None:
        import json.decoder

        self.text = text
        self.max_depth = max_depth
        self.scanstring = json.decoder.scanstring

    def ws(self, i: int) -> int:
        m = _WS.match(self.text, i)
        return m.end() if m else i

    def parse(self) -> JNode:
        i = self.ws(0)
        node, i = self.value(i, 0)
        i = self.ws(i)
        if i != len(self.text):
            raise JsonError(i, "extra data after the JSON value")
        return node

    def value(self, i: int, depth: int) -> tuple[JNode, int]:
        if depth > self.max_depth:
            raise JsonError(i, f"nesting deeper than {self.max_depth} levels")
        text = self.text
        if i >= len(text):
            raise JsonError(i, "unexpected end of file")
        c = text[i]
        if c == "{":
            items: list[tuple[str, int, JNode]] = []
            j = self.ws(i + 1)
            if j < len(text) and text[j] == "}":
                return JNode(items, i, j + 1), j + 1
            while True:
                if j >= len(text) or text[j] != '"':
                    raise JsonError(j, "expected a string key")
                key_pos = j
                try:
                    key, j = self.scanstring(text, j + 1)
                except ValueError as exc:
                    raise JsonError(j, str(exc).split(":")[0]) from None
                j = self.ws(j)
                if j >= len(text) or text[j] != ":":
                    raise JsonError(j, "expected ':'")
                j = self.ws(j + 1)
                node, j = self.value(j, depth + 1)
                items.append((key, key_pos, node))
                j = self.ws(j)
                if j < len(text) and text[j] == ",":
                    j = self.ws(j + 1)
                    continue
                if j < len(text) and text[j] == "}":
                    return JNode(items, i, j + 1), j + 1
                raise JsonError(j, "expected ',' or '}'")
        if c == "[":
            elems: list[JNode] = []
            j = self.ws(i + 1)
            if j < len(text) and text[j] == "]":
                return JNode(elems, i, j + 1), j + 1
            while True:
                node, j = self.value(j, depth + 1)
                elems.append(node)
                j = self.ws(j)
                if j < len(text) and text[j] == ",":
                    j = self.ws(j + 1)
                    continue
                if j < len(text) and text[j] == "]":
                    return JNode(elems, i, j + 1), j + 1
                raise JsonError(j, "expected ',' or ']'")
        if c == '"':
            try:
                s, j = self.scanstring(text, i + 1)
            except ValueError as exc:
                raise JsonError(i, str(exc).split(":")[0]) from None
            return JNode(s, i, j), j
        for word, val in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, i):
                return JNode(val, i, i + len(word)), i + len(word)
        m = _NUMBER.match(text, i)
        if m and m.end() > i:
            num = m.group(0)
            try:
                v: Any = float(num) if (m.group(1) or m.group(2)) else int(num)
            except ValueError:  # an integer longer than Python converts (4300 digits)
                raise JsonError(i, f"a number of {len(num)} digits is too long to read") from None
            return JNode(v, i, m.end()), m.end()
        raise JsonError(i, f"unexpected character {c!r}")
