"""The text a fix edits: a scanned file's decoded text, read once per run, and where in it an
attribute's value, a block's end or a mapping's last entry is.

Rules never see syntax: they know an attribute's span from the graph. A fix needs the exact
characters though (where the value starts after ``=`` or ``:``, the indentation of the block),
so these helpers read the file the span names and look at the few characters around it. They
are deliberately narrow: anything they do not recognise for sure (a comment inside a value, a
value over several lines, a heredoc) gives None, and the rule attaches no fix.
"""

from __future__ import annotations

import os
import re

from iacguard.core.files import read_regular
from iacguard.core.fixes import line_starts, offset
from iacguard.core.records import record
from iacguard.core.spans import Span

#: no fix edits a file larger than this (a generated template is not hand-edited)
MAX_FIX_FILE = 4 * 1024 * 1024


@record
class Text:
    """One file's text as the parser saw it (without a leading byte order mark)."""

    path: str
    text: str
    starts: list[int]

    @property
    def json(self) -> bool:
        """A JSON document (``.json``, or a template that starts with ``{``)."""
        return self.path.endswith(".json") or self.text.lstrip().startswith("{")

    def index(self, line: int, column: int) -> int | None:
        return offset(self.starts, self.text, line, column)

    def position(self, index: int) -> tuple[int, int]:
        """The 1-based (line, column) of an index."""
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= index:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, index - self.starts[lo] + 1

    def span(self, start: int, end: int) -> Span:
        sl, sc = self.position(start)
        el, ec = self.position(end)
        return Span(self.path, sl, sc, el, ec)

    def at(self, index: int) -> Span:
        """The empty span at an index (an insertion)."""
        return self.span(index, index)

    def slice(self, span: Span) -> tuple[int, int] | None:
        a = self.index(span.start_line, span.start_column)
        b = self.index(span.end_line, span.end_column)
        return None if a is None or b is None or b < a else (a, b)

    def line(self, number: int) -> str:
        """Line ``number`` without its line break (empty past the end)."""
        if number < 1 or number > len(self.starts):
            return ""
        begin = self.starts[number - 1]
        end = self.starts[number] - 1 if number < len(self.starts) else len(self.text)
        return self.text[begin:end].rstrip("\r")


def fixable_path(path: str) -> bool:
    """Whether a fix may edit ``path``: never a module Terraform installed (``.terraform/``)."""
    parts = os.path.normpath(path).replace("\\", "/").split("/")
    return bool(path) and ".terraform" not in parts


def read_text(path: str, memo: dict) -> Text | None:
    """The file's text, read once per run (``memo`` is the run's ``Analysis.memo``); None when
    it cannot be read, is not UTF-8 or may not be edited."""
    key = ("fix-text", path)
    if key in memo:
        return memo[key]
    found: Text | None = None
    if fixable_path(path):
        try:
            text = read_regular(path, MAX_FIX_FILE).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            text = None
        if text is not None:
            text = text[1:] if text.startswith("\ufeff") else text
            found = Text(path, text, line_starts(text))
    memo[key] = found
    return found


# ----------------------------------------------------------------------------- values

_COMMENT = re.compile(r"#|//|/\*")


@record
class ValueAt:
    """An attribute's value: its span and text (one line, no comment in it)."""

    span: Span
    text: str


def value_of(src: Text, attribute: Span, separator: str) -> ValueAt | None:
    """The value in an attribute's span (``name = value`` with ``separator`` ``=``,
    ``Key: value`` / ``"Key": value`` with ``:``): one line, no comment in it."""
    if attribute.start_line != attribute.end_line:
        return None
    bounds = src.slice(attribute)
    if bounds is None:
        return None
    a, b = bounds
    whole = src.text[a:b]
    i = 0
    if whole[:1] in "\"'":  # a quoted key
        q = whole[0]
        i = whole.find(q, 1)
        if i < 0:
            return None
        i += 1
    cut = whole.find(separator, i)
    if cut < 0:
        return None
    start = cut + 1
    while start < len(whole) and whole[start] in " \t":
        start += 1
    end = len(whole)
    while end > start and whole[end - 1] in " \t\r":
        end -= 1
    text = whole[start:end]
    if not text or (_COMMENT.search(text) and not _quoted(text)):
        return None
    return ValueAt(src.span(a + start, a + end), text)


def _quoted(text: str) -> bool:
    """A single quoted scalar with no quote of its kind inside (so ``#`` in it is text)."""
    return len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" and text[0] not in text[1:-1]


_HCL_LITERAL = re.compile(r'^(?:true|false|-?\d+|"(?:true|false|-?\d+)")$')
_YAML_LITERAL = re.compile(
    r"""^(?:true|false|True|False|TRUE|FALSE|-?\d+|'(?:[^']*)'|"(?:[^"\\]*)")$"""
)


def literal_quote(text: str, language: str) -> str | None:
    """The quote a literal boolean / number value is written with (``""`` unquoted); None when
    ``text`` is not such a literal (a reference, a function call, an intrinsic)."""
    pattern = _HCL_LITERAL if language == "terraform" else _YAML_LITERAL
    if not pattern.match(text):
        return None
    return text[0] if text[0] in "\"'" else ""


def render(value: bool | int, quote: str) -> str:
    """``true`` / ``30``, in the quotes the old value had."""
    body = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return f"{quote}{body}{quote}"


# ----------------------------------------------------------------------------- blocks


def line_indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def hcl_block_end(src: Text, extent: Span) -> int | None:
    """The index of the closing ``}`` of a Terraform block when it is alone on its line (the
    form ``terraform fmt`` writes), else None."""
    bounds = src.slice(extent)
    if bounds is None or extent.end_line == extent.start_line:
        return None
    end = bounds[1] - 1
    if src.text[end : end + 1] != "}" or src.line(extent.end_line).strip() != "}":
        return None
    return end


_HCL_ATTR = re.compile(r"^(\s*)([\w-]+)(\s*)=(?!=)")


def hcl_insert_line(src: Text, close_line: int, indent: str, name: str, value: str) -> str:
    """The line(s) to insert before a block's closing line so that ``terraform fmt`` keeps
    them: aligned with the attributes just above when the name fits their ``=`` column, else
    after a blank line (a group of its own)."""
    above = close_line - 1
    group: list[re.Match[str]] = []
    n = above
    while n >= 1:
        m = _HCL_ATTR.match(src.line(n))
        if m is None or m.group(1) != indent:
            break
        group.append(m)
        n -= 1
    prev = src.line(above).strip()
    if group:
        width = max(len(m.group(2)) for m in group)
        if len(name) <= width:
            return f"{indent}{name.ljust(width)} = {value}\n"
        return f"\n{indent}{name} = {value}\n"
    if prev.endswith("{") or not prev:
        return f"{indent}{name} = {value}\n"
    return f"\n{indent}{name} = {value}\n"


def hcl_default_line(src: Text, header_line: int) -> int | None:
    """The line of ``default = ...`` directly in the block whose header is on ``header_line``
    (a ``variable`` block), by a scan that knows strings and comments; None when not found or
    the block holds anything the scan cannot follow (a heredoc)."""
    start = src.index(header_line, 1)
    if start is None:
        return None
    text = src.text
    i = text.find("{", start)
    if i < 0 or src.position(i)[0] != header_line:
        return None
    depth = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif ch == "#" or text.startswith("//", i):
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
            continue
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            if close < 0:
                return None
            i = close + 2
            continue
        elif text.startswith("<<", i):
            return None
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return None
        elif ch == "\n" and depth == 1:
            line_no = src.position(i + 1)[0]
            if re.match(r"^\s*default\s*=", src.line(line_no)):
                return line_no
        i += 1
    return None


def yaml_child_lines(src: Text, key_line: int, last_line: int) -> tuple[str, int] | None:
    """The block mapping under the key on ``key_line`` (``Properties:`` alone on its line): the
    indentation of its entries and its last line with content (up to ``last_line``)."""
    own = len(line_indent(src.line(key_line)))
    indent: str | None = None
    last = None
    for n in range(key_line + 1, last_line + 1):
        line = src.line(n)
        body = line.strip()
        if not body:
            continue
        width = len(line_indent(line))
        if width <= own:
            if body.startswith("#"):
                continue
            break
        if indent is None and not body.startswith("#"):
            indent = line_indent(line)
            if "\t" in indent:
                return None
        last = n
    if indent is None or last is None:
        return None
    return indent, last


def yaml_find_key(
    src: Text, first: int, last: int, key: str, indent: int | None = None
) -> int | None:
    """The line, between ``first`` and ``last``, of ``key:`` alone on its line (a block mapping
    follows), at ``indent`` columns when given."""
    pattern = re.compile(rf"^(\s*)['\"]?{re.escape(key)}['\"]?\s*:\s*(#.*)?$")
    for n in range(first, last + 1):
        m = pattern.match(src.line(n))
        if m and (indent is None or len(m.group(1)) == indent):
            return n
    return None


def json_object_close(src: Text, open_index: int) -> int | None:
    """The index of the ``}`` closing the object that opens at ``open_index``."""
    text = src.text
    depth = 0
    i = open_index
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i if ch == "}" else None
        i += 1
    return None


def json_member_open(src: Text, start: int, end: int, key: str) -> int | None:
    """The index of the ``{`` of member ``key`` (an object) between ``start`` and ``end``."""
    m = re.compile(rf'"{re.escape(key)}"\s*:\s*\{{').search(src.text, start, end)
    return None if m is None else m.end() - 1


def json_append_member(src: Text, open_index: int, member: str) -> tuple[int, str] | None:
    """Where to insert ``member`` (``"Key": value``) as the last member of the object opening
    at ``open_index``, and the text to insert, in the object's own layout (one member per line
    at the indentation of the last, or all on one line)."""
    close = json_object_close(src, open_index)
    if close is None:
        return None
    text = src.text
    j = close - 1
    while j > open_index and text[j] in " \t\r\n":
        j -= 1
    if j == open_index:  # an empty object: "{}" or "{\n}"
        line = src.line(src.position(open_index)[0])
        if src.position(close)[0] == src.position(open_index)[0]:
            return close, member
        indent = line_indent(line)
        step = _json_step(src)
        return j + 1, f"\n{indent}{step}{member}"
    last_line, _ = src.position(j)
    open_line, _ = src.position(open_index)
    if last_line == open_line:
        return j + 1, f", {member}"
    # the indentation of the line holding the start of the last member
    k = _member_start(text, open_index, j)
    indent = line_indent(src.line(src.position(k)[0]))
    return j + 1, f",\n{indent}{member}"


def _json_step(src: Text) -> str:
    """The file's indentation step (two spaces, four, a tab), from its second line."""
    for n in range(2, min(len(src.starts), 50) + 1):
        ind = line_indent(src.line(n))
        if ind:
            return ind
    return "  "


def _member_start(text: str, open_index: int, last: int) -> int:
    """The index where the last member of an object starts (after the last top-level comma)."""
    depth = 0
    start = open_index + 1
    i = open_index + 1
    while i <= last:
        ch = text[i]
        if ch == '"':
            i += 1
            while i <= last and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        elif ch == "," and depth == 0:
            start = i + 1
        i += 1
    while start <= last and text[start] in " \t\r\n":
        start += 1
    return start
