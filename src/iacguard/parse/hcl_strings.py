"""HCL string and template text: escape sequences and strip markers (``~``).

Used by the tree-sitter converter (``hcl_convert``) on the literal parts of quoted strings,
heredocs and templates.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from iacguard.core.lazyre import lazy_compile
from iacguard.parse.hcl_ast import Expr

_QUOTED_ESCAPES = lazy_compile(
    r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))|\$\$\{|%%\{", re.DOTALL
)
_HEREDOC_ESCAPES = lazy_compile(r"\$\$\{|%%\{")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}

# sentinels inside template part lists for strip markers (``~``)
STRIP_BEFORE = object()  # strip trailing whitespace of the preceding text
STRIP_AFTER = object()  # strip leading whitespace of the following text


def nfc(text: str) -> str:
    """Terraform's strings are Unicode NFC-normalised (cty does it for every string): "e" and
    a combining acute accent read as "é"."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def unescape_quoted(text: str) -> str:
    if "\\" not in text and "$${" not in text and "%%{" not in text:
        return nfc(text)

    def sub(m: re.Match[str]) -> str:
        if m.group(1):
            return chr(int(m.group(1), 16))
        if m.group(2):
            try:
                return chr(int(m.group(2), 16))
            except (ValueError, OverflowError):
                return m.group(0)
        if m.group(3) is not None:
            return _SIMPLE_ESCAPES.get(m.group(3), m.group(0))
        return m.group(0)[1:]

    return nfc(_QUOTED_ESCAPES.sub(sub, text))


def unescape_heredoc(text: str) -> str:
    if "$${" not in text and "%%{" not in text:
        return nfc(text)
    return nfc(_HEREDOC_ESCAPES.sub(lambda m: m.group(0)[1:], text))


def finish_parts(parts: list[Any]) -> tuple[str | Expr, ...]:
    """Apply strip markers, merge adjacent text, drop empty text."""
    out: list[Any] = []
    strip_next = False
    for p in parts:
        if p is STRIP_BEFORE:
            if out and isinstance(out[-1], str):
                out[-1] = out[-1].rstrip()
            continue
        if p is STRIP_AFTER:
            strip_next = True
            continue
        if isinstance(p, str):
            if strip_next:
                p = p.lstrip()
            strip_next = False
            if not p:
                continue
            if out and isinstance(out[-1], str):
                out[-1] += p
            else:
                out.append(p)
        else:
            strip_next = False
            out.append(p)
    return tuple(x for x in out if not (isinstance(x, str) and not x))
