"""Where a key was written: the line of every dotted key path in a TOML text (a light scan, so
errors and ``--show-config`` can point at ``pyproject.toml:12``)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from iacguard.core.lazyre import lazy_compile

_HEADER = lazy_compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = lazy_compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _split_key(text: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def key_lines(text: str, prefix: tuple[str, ...]) -> dict[str, int]:
    """Line numbers (1-based) of keys, as dotted paths below ``prefix`` (a light TOML scan).

    Arrays of tables are indexed (``per-path[1].select``). Lines inside multi-line strings
    may be misread; the first occurrence of a path wins, and a path not found falls back to
    its parent (``locate``).
    """
    out: dict[str, int] = {}
    table: list[str] | None = [] if not prefix else None
    counters: dict[tuple[str, ...], int] = {}
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        header = _HEADER.match(raw)
        if header:
            keys = _split_key(header.group(2))
            if tuple(keys[: len(prefix)]) != prefix:
                table = None
                continue
            keys = keys[len(prefix) :]
            if header.group(1) == "[[":
                index = counters.get(tuple(keys), -1) + 1
                counters[tuple(keys)] = index
                keys = [*keys[:-1], f"{keys[-1]}[{index}]"] if keys else keys
            table = keys
            if keys:
                out.setdefault(".".join(keys), number)
            continue
        assign = _ASSIGN.match(raw)
        if assign:
            keys = _split_key(assign.group(1))
            if table is None:
                if prefix and tuple(keys[: len(prefix)]) == prefix:
                    full = keys[len(prefix) :]
                else:
                    continue
            else:
                full = table + keys
            if full:
                out.setdefault(".".join(full), number)
    return out


def locate(lines: Mapping[str, int], dotted: str) -> int | None:
    """The line of a dotted key path, else of its nearest parent."""
    key = dotted
    while key:
        if key in lines:
            return lines[key]
        if key.endswith("]") and "[" in key:
            key = key[: key.rfind("[")]
            if key in lines:
                return lines[key]
        cut = key.rfind(".")
        if cut < 0:
            break
        key = key[:cut]
    return lines.get(key) if key else None
