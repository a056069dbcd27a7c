"""Over-long HCL literals cut out before tree-sitter reads a file: ``cut_long_literals``.

tree-sitter-hcl spends about 170 bytes of memory per character of a string literal or heredoc
(a 19 MB string: 3.4 GB). A quoted string or heredoc whose source is longer than
``LITERAL_LIMIT`` is replaced by ``""`` followed by a block comment that keeps every newline
and the character count of every line, so tree-sitter reads one cheap comment token and every
span outside the literal (lines and columns) stays as written. ``restore_cuts`` then turns each
placeholder ``""`` back into an Unknown (``Unsupported``) spanning the literal as written, and the
reader reports one located error per literal.

Runs of ``BLANK_LINES`` or more blank lines, and of ``SPACE_RUN`` or more spaces and tabs, in
code are made one block comment the same way (no value changes, no error, lines and columns
kept): tree-sitter-hcl spends about 600 bytes per blank line and 500 per space and, inside
brackets, time quadratic in the run.

The scan is a small HCL lexer (comments, quoted templates with their ``${``/``%{`` nesting,
heredocs, braces), run only when the file has a line or a heredoc longer than the limit or such
a run, so an ordinary file costs a few C-level searches. ``mask_strings`` (for big files) uses
it too: see there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from iacguard.core import records
from iacguard.core.lazyre import lazy_compile
from iacguard.core.located import FileError
from iacguard.core.records import record
from iacguard.core.spans import Span
from iacguard.parse.hcl_ast import Attribute, Literal, Unsupported

#: a literal whose source (quotes or heredoc markers included) is longer than this is not read
LITERAL_LIMIT = 1024 * 1024

#: interpolations nested deeper than this end the scan of their string (tree-sitter decides)
_MAX_NESTING = 100
#: this many blank lines in a row (spaces and tabs only) are read as one comment: tree-sitter-hcl
#: spends about 600 bytes per blank line, and time quadratic in a run inside brackets (4,000
#: lines of spaces in a list: 18 s, in C, where no time limit can interrupt it)
BLANK_LINES = 100
#: this many spaces or tabs in a row in code are read as one comment: tree-sitter-hcl spends
#: about 500 bytes per space (a line of 1 MB of spaces: 514 MB), and inside brackets more
SPACE_RUN = 100
_SPACE_RUN = lazy_compile(rb"[ \t]{%d,}" % SPACE_RUN)
#: whitespace from a newline to a newline: the lines between are blank (a character-class
#: run, linear in C; the number of lines is counted after)
_BLANK_RUN = lazy_compile(rb"\n[ \t\r\n]*\n")


def _blank_runs(source: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of ``BLANK_LINES`` or more blank lines: from the first blank
    line's start to the last one's newline (excluded)."""
    for m in _BLANK_RUN.finditer(source):
        lo, hi = m.start() + 1, m.end() - 1
        if hi - lo >= BLANK_LINES and source.count(b"\n", lo, hi) >= BLANK_LINES - 1:
            yield lo, hi


_HEREDOC = lazy_compile(rb"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")
#: in code: the next character that changes the lexer's state
_CODE_STOP = lazy_compile(rb'["#/{}<]')
#: in a quoted template: the next character that is not plain text
_STRING_STOP = lazy_compile(rb'["\\$%\n]')
#: the content of a plain quoted string: no escape, interpolation, directive or control
#: character (tree-sitter reads it as one literal whatever its characters are)
_PLAIN = lazy_compile(rb'[^"\\$%\x00-\x08\x0a-\x1f\x7f]+')


@record
class Cut:
    """One literal cut out: where it starts and ends as written (1-based), its size, its kind."""

    span: Span
    size: int
    kind: str

    def message(self) -> str:
        return (
            f"{self.kind} of {_size(self.size)} is not read: over the "
            f"{_size(LITERAL_LIMIT)} limit for one literal (its value is unknown)"
        )

    def error(self) -> FileError:
        span = self.span
        return FileError(span.path, span.start_line, span.start_column, self.message())


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MiB" if n % (1024 * 1024) == 0 else f"{n / 1e6:.0f} MB"
    return f"{n} bytes"


def _end_marker(name: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"^[ \t]*" + re.escape(name) + rb"[ \t]*\r?$", re.MULTILINE)


def _might_have_long_literal(source: bytes, limit: int) -> bool:
    """Cheap pre-check: a line longer than ``limit`` or a heredoc whose end marker is further."""
    if len(source) <= limit:
        return False
    i, n = 0, len(source)
    while i + limit < n:  # the last newline of each window: about n / limit steps
        last = source.rfind(b"\n", i, i + limit + 1)
        if last < 0:
            return True
        i = last + 1
    for m in _HEREDOC.finditer(source):
        end = _end_marker(m.group(1)).search(source, m.end())
        if (end.start() if end else len(source)) - m.start() > limit:
            return True
    return False


def _string_end(
    source: bytes, i: int, nesting: int = 0, plain: list[tuple[int, int]] | None = None
) -> int:
    """The end (exclusive) of the quoted template whose content starts at ``i``; -1 when it
    is not closed on its line (a syntax error tree-sitter reports) or nests too deep."""
    if nesting > _MAX_NESTING:
        return -1
    n = len(source)
    while i < n:
        m = _STRING_STOP.search(source, i)
        if m is None:
            return -1
        i = m.start()
        c = source[i]
        if c == 0x22:  # "
            return i + 1
        if c == 0x0A:
            return -1
        if c == 0x5C:  # backslash escape
            i += 2
            continue
        nxt = source[i + 1 : i + 2]
        if nxt == b"{":
            i = _code_end(source, i + 2, closing=True, nesting=nesting + 1, plain=plain)
            if i < 0:
                return -1
            continue
        if source[i + 1 : i + 3] in (b"${", b"%{"):  # $${ and %%{ are literal
            i += 3
            continue
        i += 1
    return -1


def _heredoc_end(source: bytes, m: re.Match[bytes]) -> int:
    end = _end_marker(m.group(1)).search(source, m.end())
    return end.end() if end else -1


def _code_end(
    source: bytes,
    i: int,
    *,
    closing: bool,
    found: list[tuple[int, int, str]] | None = None,
    nesting: int = 0,
    kept: list[tuple[int, int]] | None = None,
    plain: list[tuple[int, int]] | None = None,
) -> int:
    """Lex code from ``i``: with ``closing``, up to the ``}`` that closes an interpolation
    (returns the offset after it, -1 when none); otherwise to the end of the source. Literals
    longer than the limit are appended to ``found`` as (start, end, kind), and every string,
    heredoc and comment to ``kept`` as (start, end): text no blank-line run may be taken from;
    the content (start, end) of every plain quoted string in code to ``plain``."""
    depth = 0
    n = len(source)
    while i < n:
        m = _CODE_STOP.search(source, i)
        if m is None:
            return -1 if closing else n
        i = m.start()
        c = source[i]
        if c == 0x22:  # "
            end = _string_end(source, i + 1, nesting, plain)
            if end < 0:
                i += 1
                continue
            if found is not None and end - i > LITERAL_LIMIT:
                found.append((i, end, "string literal"))
            if kept is not None:
                kept.append((i, end))
            if plain is not None and _PLAIN.fullmatch(source, i + 1, end - 1):
                plain.append((i + 1, end - 1))
            i = end
        elif c == 0x23:  # # comment
            nl = source.find(b"\n", i)
            end = n if nl < 0 else nl
            if kept is not None:
                kept.append((i, end))
            i = end
        elif c == 0x2F:  # / : // or /* comment, else division
            nxt = source[i + 1 : i + 2]
            if nxt == b"/":
                nl = source.find(b"\n", i)
                end = n if nl < 0 else nl
                if kept is not None:
                    kept.append((i, end))
                i = end
            elif nxt == b"*":
                close = source.find(b"*/", i + 2)
                end = n if close < 0 else close + 2
                if kept is not None:
                    kept.append((i, end))
                i = end
            else:
                i += 1
        elif c == 0x7B:  # {
            depth += 1
            i += 1
        elif c == 0x7D:  # }
            if depth == 0 and closing:
                return i + 1
            depth = max(depth - 1, 0)
            i += 1
        else:  # <
            h = _HEREDOC.match(source, i)
            if h is None:
                i += 1
                continue
            end = _heredoc_end(source, h)
            if end < 0:
                return -1 if closing else n
            if found is not None and end - i > LITERAL_LIMIT:
                found.append((i, end, "heredoc"))
            if kept is not None:
                kept.append((i, end))
            i = end
    return -1 if closing else n


def _runs_as_comments(source: bytes, kept: list[tuple[int, int]]) -> bytes:
    """``source`` with each run of ``BLANK_LINES`` or more blank lines, and each run of
    ``SPACE_RUN`` or more spaces and tabs, in code (not in a string, heredoc or comment) made
    one block comment, newlines and columns kept. (The lines are blank and hold no span; the
    run ends before its last newline, so that newline still ends the item before it. A run of
    spaces becomes `` /*`` … ``*/ ``, so a ``/`` or ``*`` next to it stays what it was.)"""
    import bisect

    starts = [a for a, _ in kept]
    runs = sorted(
        [(lo, 0, hi) for lo, hi in _blank_runs(source)]
        + [(m.start(), 1, m.end()) for m in _SPACE_RUN.finditer(source)]
    )
    pieces: list[bytes] = []
    at = 0
    for lo, kind, hi in runs:
        k = bisect.bisect_right(starts, hi) - 1  # the last kept region starting before hi
        if k >= 0 and kept[k][1] > lo:
            continue  # inside (or across) a string, heredoc or comment: content, kept
        if lo < at:
            continue
        if kind == 0:
            comment = b"/*" + b"\n" * source.count(b"\n", lo, hi) + b"*/"
        else:
            comment = b" /*" + b" " * (hi - lo - 6) + b"*/ "
        pieces += [source[at:lo], comment]
        at = hi
    if not pieces:
        return source
    pieces.append(source[at:])
    return b"".join(pieces)


def _placeholder(text: str) -> str:
    """``""`` and a block comment with the newlines and per-line character counts of ``text``."""
    lines = text.split("\n")
    if len(lines) == 1:
        return '""/*' + " " * max(len(text) - 6, 0) + "*/"
    first = '""/*' + " " * max(len(lines[0]) - 4, 0)
    middle = [" " * len(line) for line in lines[1:-1]]
    last = " " * max(len(lines[-1]) - 2, 0) + "*/"
    return "\n".join([first, *middle, last])


def cut_long_literals(source: bytes, path: str) -> tuple[bytes, tuple[Cut, ...]]:
    """``source`` with every literal longer than ``LITERAL_LIMIT`` replaced by a placeholder
    (see the module docstring), and the cuts; ``source`` itself when there is none."""
    long_literal = _might_have_long_literal(source, LITERAL_LIMIT)
    runs = next(_blank_runs(source), None) is not None or _SPACE_RUN.search(source) is not None
    if not long_literal and not runs:
        return source, ()
    found: list[tuple[int, int, str]] = []
    kept: list[tuple[int, int]] = []
    _code_end(source, 0, closing=False, found=found, kept=kept if runs else None)
    if runs:
        source = _runs_as_comments(source, kept)
    if not found:
        return source, ()
    pieces: list[bytes] = []
    cuts: list[Cut] = []
    at = 0
    line = 1
    for lo, hi, kind in found:
        line += source.count(b"\n", at, lo)
        line_start = source.rfind(b"\n", 0, lo) + 1
        column = len(source[line_start:lo].decode("utf-8", "replace")) + 1
        text = source[lo:hi].decode("utf-8", "replace")
        if kind == "heredoc" and text.endswith("\n"):
            text = text[:-1]
            hi -= 1
        rows = text.split("\n")
        end_line = line + len(rows) - 1
        end_column = (column if len(rows) == 1 else 1) + len(rows[-1])
        cuts.append(Cut(Span(path, line, column, end_line, end_column), hi - lo, kind))
        pieces += [source[at:lo], _placeholder(text).encode()]
        line = end_line
        at = hi
    pieces.append(source[at:])
    return b"".join(pieces), tuple(cuts)


#: files at least this big are given to tree-sitter with plain strings masked (below it the
#: scan costs about what it saves)
MASK_BYTES = 256 * 1024


#: the top-level scan of ``_plain_strings``, from where it is: code up to (group 1) a comment,
#: a plain quoted string (group 2: its content), any other quote, a heredoc's ``<<``, or a
#: ``/`` or ``<`` that is neither
_MASK_TOKEN = lazy_compile(
    rb'[^#/"<]*(#[^\n]*|//[^\n]*|/\*.*?(?:\*/|\Z)|"([^"\\$%\x00-\x08\x0a-\x1f\x7f]+)"|"|<<|[/<])',
    re.DOTALL,
)


def _plain_strings(source: bytes) -> list[tuple[int, int]]:
    """(start, end) of the content of every plain quoted string in code, as ``_code_end``
    reads the file; comments and plain strings are matched whole in C, other strings and
    heredocs are skipped with ``_string_end`` and ``_heredoc_end`` (a plain string inside an
    interpolation is found there)."""
    plain: list[tuple[int, int]] = []
    match = _MASK_TOKEN.match
    i, n = 0, len(source)
    while i < n:
        m = match(source, i)
        if m is None:
            break
        if m.start(2) >= 0:
            plain.append(m.span(2))
            i = m.end()
            continue
        token = m.group(1)
        if token == b'"':
            end = _string_end(source, m.end(), 0, plain)
            i = m.end() if end < 0 else end
        elif token == b"<<":
            h = _HEREDOC.match(source, m.start(1))
            if h is None:
                i = m.start(1) + 1
                continue
            end = _heredoc_end(source, h)
            if end < 0:
                break
            i = end
        else:  # a comment, or a lone / or <
            i = m.end()
    return plain


def mask_strings(source: bytes) -> bytes:
    """``source`` with the content of every plain quoted string in code (see ``_PLAIN``)
    replaced by as many spaces: what tree-sitter reads instead of ``source`` when the file is
    ``MASK_BYTES`` or more. tree-sitter-hcl lexes string content about 20 times slower than
    whitespace, which it skips; the tree has the same nodes at the same offsets (a plain
    string's ``string_lit`` keeps its quotes, only its ``template_literal`` child goes, which
    nothing reads), so the converter reads every value and span from ``source`` itself."""
    if len(source) < MASK_BYTES:
        return source
    plain = _plain_strings(source)
    if not plain:
        return source
    buf = bytearray(source)
    for lo, hi in plain:
        buf[lo:hi] = b" " * (hi - lo)
    return bytes(buf)


def restore_cuts(node: Any, cuts: tuple[Cut, ...]) -> Any:
    """``node`` (an AST node, tuple or value) with each placeholder ``""`` of ``cuts`` replaced
    by an ``Unsupported`` spanning the literal as written."""
    at = {(c.span.start_line, c.span.start_column): c for c in cuts}
    return _restore(node, at)


def _restore(node: Any, at: dict[tuple[int, int], Cut]) -> Any:
    if isinstance(node, Literal):
        cut = at.get((node.span.start_line, node.span.start_column))
        if cut is not None and node.value == "":
            return Unsupported("", cut.span, cut.message())
        return node
    if isinstance(node, tuple):
        new = tuple(_restore(x, at) for x in node)
        return node if all(a is b for a, b in zip(new, node, strict=True)) else new
    if records.is_record(node) and not isinstance(node, type):
        changes = {}
        for f in records.fields(node):
            value = getattr(node, f.name)
            new = _restore(value, at)
            if new is not value:
                changes[f.name] = new
        if not changes:
            return node
        if isinstance(node, Attribute) and "expr" in changes:
            # the attribute ends where its (cut) value ends, as written
            es, sp = changes["expr"].span, node.span
            if (es.end_line, es.end_column) > (sp.end_line, sp.end_column):
                changes["span"] = records.replace(
                    sp, end_line=es.end_line, end_column=es.end_column
                )
        return records.replace(node, **changes)
    return node
