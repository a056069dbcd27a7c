"""Write a JSON document piece by piece, byte for byte as ``json.dumps(doc, indent=2,
ensure_ascii=False) + "\\n"`` would, without building the document or its text.

A document is plain JSON data in which some lists are given as ``Stream(iterable)``: their
items are produced, encoded and written one at a time (a 1M-line monorepo's findings would
otherwise be held twice: as dicts and as one ~50 MB string). Everything that is not a
``Stream`` and holds none is encoded at once by ``indented``, which spells every value as
``json.dumps(indent=2, ensure_ascii=False)`` does (tested against it), about twice as fast.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring  # the C encoder's, when _json is there
from typing import Any, TextIO

INDENT = 2
PAD = " " * INDENT


class Stream:
    """A list whose items are produced while the document is written."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


class _Streamed(Exception):
    """``indented`` met a ``Stream``: the value is written piece by piece instead."""


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (_INF, -_INF):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


_INF = float("inf")


def _key(key: Any) -> str:
    """A dict key as ``json`` spells it (it converts numbers, booleans and None to strings)."""
    if isinstance(key, str):
        return key
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float):
        return _float(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def indented(value: Any, level: int = 0) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, nested ``level`` deep, byte for byte.

    Python's C encoder does not indent (3.11-3.13): with ``indent`` ``json`` runs its pure-Python
    encoder, a generator per level. This builds one list of pieces instead, with the C string
    encoder, about twice as fast. Raises ``_Streamed`` at a ``Stream``."""
    out: list[str] = []
    append = out.append
    quote = encode_basestring

    def enc(o: Any, pad: str) -> None:
        t = type(o)
        if t is str:
            append(quote(o))
        elif t is dict or (t is not list and t is not tuple and isinstance(o, dict)):
            if not o:
                append("{}")
                return
            inner = pad + PAD
            sep = "{" + inner
            for k, v in o.items():
                append(sep)
                append(quote(k if type(k) is str else _key(k)))
                append(": ")
                # the common leaves here, without a call (most of a finding's values)
                tv = type(v)
                if tv is str:
                    append(quote(v))
                elif v is None:
                    append("null")
                elif tv is bool:
                    append("true" if v else "false")
                elif tv is int:
                    append(int.__repr__(v))
                else:
                    enc(v, inner)
                sep = "," + inner
            append(pad + "}")
        elif t is list or t is tuple or isinstance(o, (list, tuple)):
            if not o:
                append("[]")
                return
            inner = pad + PAD
            sep = "[" + inner
            for v in o:
                append(sep)
                if type(v) is str:
                    append(quote(v))
                else:
                    enc(v, inner)
                sep = "," + inner
            append(pad + "]")
        elif o is None:
            append("null")
        elif o is True:
            append("true")
        elif o is False:
            append("false")
        elif isinstance(o, str):
            append(quote(o))
        elif isinstance(o, int):
            append(int.__repr__(o))
        elif isinstance(o, float):
            append(_float(o))
        elif isinstance(o, Stream):
            raise _Streamed
        else:
            append(json.dumps(o, ensure_ascii=False))  # its TypeError, as json.dumps raises

    enc(value, "\n" + PAD * level)
    return "".join(out)


def chunks(value: Any, level: int = 0) -> Iterator[str]:
    """The encoding of ``value`` (nested ``level`` deep) in pieces, without the final newline."""
    try:
        text = indented(value, level)
    except _Streamed:
        pass
    else:
        yield text
        return
    inner = "\n" + PAD * (level + 1)
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
            yield encode_basestring(key)
            yield ": "
        yield from chunks(item, level + 1)
    if first:
        yield opening + close
    else:
        yield "\n" + PAD * level + close


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
