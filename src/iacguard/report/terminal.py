"""Text from scanned files made safe to print: a hostile file must not drive the terminal.

Paths, addresses, messages (which quote values from the files) and quoted source lines can
hold control characters: ESC sequences that set the window title, clear the screen or hide
text, BEL, backspaces, carriage returns that overwrite a line, and Unicode bidirectional
controls that reorder what is shown ("Trojan Source"). Every text reporter passes such text
through ``printable``, which writes each of them as a visible escape (``\\x1b``, ``\\u202e``).
"""

from __future__ import annotations

import re

#: C0 controls except tab, DEL, C1 controls, and the Unicode bidi embedding/override/isolate
#: controls and line/paragraph separators
_UNSAFE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


#: the same without CR and LF, for formats that carry line breaks themselves (GitHub's %0A)
_UNSAFE_IN_LINES = re.compile(_UNSAFE.pattern.replace("\x0a-\x1f", "\x0b\x0c\x0e-\x1f"))


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character written as a visible escape (tab is kept, and
    CR/LF too with ``keep_newlines``)."""
    return (_UNSAFE_IN_LINES if keep_newlines else _UNSAFE).sub(_escape, text)
