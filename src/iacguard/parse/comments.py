"""Comments for inline suppressions: every comment of HCL or YAML text, with its line, column
and whether it stands alone on its line (strings, heredocs and block scalars skipped).

The one comment scanner: the HCL parser keeps no comments (tree-sitter's comment nodes have
no place in a broken region, where a suppression must still be seen, and a comment query can
go quadratic on hostile input), and PyYAML keeps none at all. Suppression runs it only on the
files whose bytes name a directive."""

from __future__ import annotations

import re

from iacguard.core.lazyre import lazy_compile
from iacguard.core.records import record


@record
class Comment:
    line: int
    column: int
    text: str
    #: nothing but whitespace before it on its line
    alone: bool


_STRING_CHARS = '\\$%"\n'
_CODE_CHARS = '#/"<{}\n'
_STRING_SPECIAL = lazy_compile(r'[\\$%"\n]')
_CODE_SPECIAL = lazy_compile(r'[#/"<{}\n]')
_HEREDOC = lazy_compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")


def hcl_comments(text: str) -> list[Comment]:
    """Every comment in HCL text (``#``, ``//``, ``/* */`` one entry per line), skipping
    strings, template interpolations and heredocs."""
    out: list[Comment] = []
    n = len(text)
    i = 0
    line = 1
    line_start = 0
    # a stack of contexts: an int is code at that brace depth, None is a quoted string
    stack: list[int | None] = [0]

    def alone(at: int) -> bool:
        return text[line_start:at].strip() == ""

    while i < n:
        c = text[i]
        top = stack[-1]
        # jump over the characters that cannot change the state
        if top is None:
            if c not in _STRING_CHARS:
                found = _STRING_SPECIAL.search(text, i)
                if found is None:
                    break
                i = found.start()
                continue
        elif c not in _CODE_CHARS:
            found = _CODE_SPECIAL.search(text, i)
            if found is None:
                break
            i = found.start()
            continue
        if c == "\n":
            if top is None:  # an unterminated string: HCL forbids newlines in it
                stack.pop()
            i += 1
            line += 1
            line_start = i
            continue
        if top is None:
            if c == "\\":
                i += 2
            elif c in "$%" and text.startswith(c * 2 + "{", i):
                i += 3
            elif c in "$%" and text.startswith("{", i + 1):
                stack.append(0)
                i += 2
            elif c == '"':
                stack.pop()
                i += 1
            else:
                i += 1
            continue
        if c == "#" or (c == "/" and text.startswith("//", i)):
            end = text.find("\n", i)
            end = n if end < 0 else end
            marker = 1 if c == "#" else 2
            out.append(Comment(line, i - line_start + 1 + marker, text[i + marker : end], alone(i)))
            i = end
            continue
        if c == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            body_start = i + 2
            first = True
            segment_start = body_start
            was_alone = alone(i)
            while True:
                nl = text.find("\n", segment_start, end)
                stop = end if nl < 0 else nl
                column = (segment_start - line_start) + 1
                out.append(
                    Comment(line, column, text[segment_start:stop], was_alone if first else True)
                )
                if nl < 0:
                    break
                first = False
                line += 1
                line_start = nl + 1
                segment_start = nl + 1
            i = end
            continue
        if c == '"':
            stack.append(None)
            i += 1
            continue
        if c == "<" and text.startswith("<<", i):
            heredoc = _HEREDOC.match(text, i)
            if heredoc:
                tag = heredoc.group(1)
                closing = re.compile(r"^[ \t]*" + re.escape(tag) + r"[ \t]*\r?$", re.M)
                found = closing.search(text, heredoc.end())
                stop = n if found is None else found.end()
                line += text.count("\n", i, stop)
                last_nl = text.rfind("\n", i, stop)
                if last_nl >= 0:
                    line_start = last_nl + 1
                i = stop
                continue
        if c == "{":
            stack[-1] = top + 1
        elif c == "}":
            if top == 0 and len(stack) > 1:
                stack.pop()  # end of an interpolation: back in the string
            elif top > 0:
                stack[-1] = top - 1
        i += 1
    return out


_BLOCK_SCALAR = lazy_compile(r"(?:^|\s)[|>][-+0-9]*$")
_YAML_BREAKS = lazy_compile("\r\n|[\r\n\x85\u2028\u2029]")


def yaml_comments(text: str) -> list[Comment]:
    """Every ``#`` comment in YAML text, skipping quoted scalars and block scalars."""
    out: list[Comment] = []
    block_indent: int | None = None
    # YAML's line breaks (as the template loader counts them), not str.splitlines()'s
    for number, raw in enumerate(_YAML_BREAKS.split(text), start=1):
        stripped = raw.lstrip(" ")
        indent = len(raw) - len(stripped)
        if block_indent is not None:
            if not stripped.strip() or indent > block_indent:
                continue
            block_indent = None
        quote: str | None = None
        code_end = len(raw)
        j = 0
        while j < len(raw):
            c = raw[j]
            if quote:
                if c == quote:
                    if quote == "'" and raw.startswith("''", j):
                        j += 2
                        continue
                    quote = None
                elif c == "\\" and quote == '"':
                    j += 1
            elif c in "'\"" and (j == 0 or raw[j - 1] in " \t[{,"):
                quote = c
            elif c == "#" and (j == 0 or raw[j - 1] in " \t"):
                out.append(Comment(number, j + 2, raw[j + 1 :], raw[:j].strip() == ""))
                code_end = j
                break
            j += 1
        if quote is None and _BLOCK_SCALAR.search(raw[:code_end].rstrip()):
            block_indent = indent
    return out
