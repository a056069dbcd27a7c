"""Terraform's string functions: ``format``, ``formatlist``, ``join``, ``split``, ``replace``,
``regex``, ``substr``, ``startswith``, ``lower``, ``trim``, ``indent``...

Strings may be partly known (``PartialStr``): ``join`` and ``format`` keep the known parts,
``startswith`` / ``endswith`` / ``strcontains`` decide from them where they can. Regular
expressions are RE2 patterns compiled with Python's ``re``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from iacguard.core.values import JsonEncoded, PartialStr, Ref, Unknown
from iacguard.evaluate.terraform.budget import STR_HEADER, parts_size, str_size
from iacguard.evaluate.terraform.functions.common import (
    CallInfo,
    Fn,
    FunctionError,
    arity,
    as_list,
    as_unknown,
    charge,
    first_leaf,
    graphemes,
    is_leaf,
    need_known,
    on_known,
    partial,
    reserve,
    to_bool,
    to_int,
    to_number,
    to_str,
)
from iacguard.evaluate.terraform.functions.encoding import json_text


def _parts_of(v: Any) -> list[Any]:
    """A string-ish value as template parts (str / Unknown / Ref), or raise."""
    if isinstance(v, PartialStr):
        return list(v.parts)
    if isinstance(v, Ref):
        return [v]
    if isinstance(v, Unknown):
        return [v]
    if isinstance(v, JsonEncoded):
        return [as_unknown(v)]
    return [to_str(v)]


def _title(s: str) -> str:
    """Go's ``strings.Title``: a letter after a separator is title-cased (one character for
    one); ASCII separators are all but letters, digits and ``_``, others only spaces."""
    out = []
    prev_sep = True
    for ch in s:
        out.append(_one(ch, ch.title()) if prev_sep else ch)
        if ch.isascii():
            prev_sep = not (ch.isalnum() or ch == "_")
        else:
            prev_sep = not (ch.isalpha() or unicodedata.category(ch) == "Nd") and ch.isspace()
    return "".join(out)


def _one(ch: str, mapped: str) -> str:
    """Go maps case one character to one: a mapping to several (``ß`` -> ``SS``) is not
    made, except ``İ``, whose simple lower case is ``i``."""
    if len(mapped) == 1:
        return mapped
    return "i" if ch == "\u0130" else ch


def _case(mapping: Callable[[str], str]) -> Callable[[str], str]:
    def convert(s: str) -> str:
        if s.isascii():
            return mapping(s)
        return "".join(_one(ch, mapping(ch)) for ch in s)

    return convert


def _plain(s: str) -> bool:
    """Every character its own grapheme cluster (ASCII without CR LF)."""
    return s.isascii() and "\r\n" not in s


def _trim(s: str, chars: str) -> str:
    return s.strip(chars)


def _substr(s: str, offset: Any, length: Any) -> str:
    """Terraform's substr: counted in grapheme clusters; an offset past the end is ""."""
    off, ln = to_int(offset), to_int(length)
    chars = s if _plain(s) else graphemes(s)
    if off < 0:
        if ln == 0:  # Terraform: from a negative offset, length 0 is the rest
            ln = -1
        off = max(len(chars) + off, 0)
    if off > len(chars):
        return ""
    picked = chars[off:] if ln < 0 else chars[off : off + ln]
    return picked if isinstance(picked, str) else "".join(picked)


def fn_substr(args: list[Any], info: CallInfo) -> Any:
    arity(args, 3)
    if (u := need_known(args)) is not None:
        return u
    return _substr(to_str(args[0]), args[1], args[2])


def fn_join(args: list[Any], info: CallInfo) -> Any:
    arity(args, 2, -1)
    sep = args[0]
    if is_leaf(sep):
        return as_unknown(sep)
    sep = to_str(sep)
    parts: list[Any] = []
    first = True
    for lst in args[1:]:
        if is_leaf(lst):
            return as_unknown(lst)
        for x in as_list(lst):
            if x is None:
                raise FunctionError("join() of a list with a null element")
            if not first:
                parts.append(sep)
            first = False
            parts.extend(_parts_of(x))
    reserve(info, parts_size(parts))
    return partial(parts)


def fn_split(args: list[Any], info: CallInfo) -> Any:
    arity(args, 2)
    if (u := need_known(args)) is not None:
        return u
    sep, s = to_str(args[0]), to_str(args[1])
    # each piece is a new string: charge their headers and text (``call`` charges the slots)
    pieces = (len(s) if sep == "" else s.count(sep) + 1) if s else 0
    charge(info, pieces * STR_HEADER + len(s))
    if s == "":
        return [""] if sep else []
    if sep == "":
        return list(s)
    return s.split(sep)


def _go_regex(pattern: str) -> Any:
    """Compile a pattern as Terraform does: RE2 syntax, matched in linear time (google-re2,
    the binding of the library Go's regexp follows), so ``(a+)+$`` cannot backtrack for
    minutes; a pattern RE2 rejects (``(?<=a)``, ``(a``) is the error Terraform gives."""
    import re2

    options = re2.Options()
    options.log_errors = False  # the error is reported here, not on stderr
    try:
        return re2.compile(pattern, options=options)
    except re2.error as exc:
        detail = (
            exc.args[0].decode("utf-8", "replace")
            if exc.args and isinstance(exc.args[0], bytes)
            else str(exc)
        )
        raise FunctionError(f"invalid regular expression {pattern!r}: {detail}") from None


def _go_replacement(repl: str) -> Callable[[Any], str]:
    def sub(m: Any) -> str:
        def group(g: re.Match[str]) -> str:
            if g.group(0) == "$$":
                return "$"
            name = g.group(1) or g.group(2)
            try:
                key: int | str = int(name)
            except ValueError:
                key = name
            try:
                return m.group(key) or ""
            except (IndexError, KeyError, ValueError):
                return ""

        return re.sub(r"\$\$|\$\{(\w+)\}|\$(\w+)", group, repl)

    return sub


def _go_matches(pattern: Any, s: str) -> list[Any]:
    """The matches Go's ``FindAll`` / ``ReplaceAll`` make: an empty match right where the
    previous match ended is skipped (Python keeps it)."""
    out: list[Any] = []
    end = -1
    for m in pattern.finditer(s):
        if m.start() == m.end() == end:
            continue
        out.append(m)
        end = m.end()
    return out


def _go_sub(pattern: Any, repl: Callable[[Any], str], s: str) -> str:
    pieces: list[str] = []
    at = 0
    for m in _go_matches(pattern, s):
        pieces.append(s[at : m.start()])
        pieces.append(repl(m))
        at = m.end()
    pieces.append(s[at:])
    return "".join(pieces)


def fn_replace(args: list[Any], info: CallInfo) -> Any:
    arity(args, 3)
    if (u := need_known(args)) is not None:
        return u
    s, old, new = (to_str(a) for a in args)
    if len(old) >= 2 and old.startswith("/") and old.endswith("/"):
        pattern = _go_regex(old[1:-1])
        if len(new) > 2 and not info.ctx.budget.fits(len(s) + len(new) * (len(s) + 1)):
            # over the budget at worst: count the matches first (linear in RE2)
            matches = sum(1 for _ in pattern.finditer(s))
            reserve(info, str_size(s) + matches * 4 * len(new))
        return _go_sub(pattern, _go_replacement(new), s)
    if len(new) > len(old):
        count = s.count(old) if old else len(s) + 1
        reserve(info, str_size(s) + count * 4 * (len(new) - len(old)))
    return s.replace(old, new)


def _regex_result(m: Any) -> Any:
    if m.re.groupindex:
        return {name: m.group(name) for name in m.re.groupindex}
    if m.re.groups:
        return list(m.groups())
    return m.group(0)


def fn_regex(args: list[Any], info: CallInfo) -> Any:
    arity(args, 2)
    if (u := need_known(args)) is not None:
        return u
    m = _go_regex(to_str(args[0])).search(to_str(args[1]))
    if m is None:
        raise FunctionError("the pattern did not match")
    return _regex_result(m)


def fn_regexall(args: list[Any], info: CallInfo) -> Any:
    arity(args, 2)
    if (u := need_known(args)) is not None:
        return u
    return [_regex_result(m) for m in _go_matches(_go_regex(to_str(args[0])), to_str(args[1]))]


def _affix_test(at_start: bool) -> Fn:
    """``startswith`` / ``endswith``: a partly known string is decided by the known text at
    that end where it can be."""
    has = str.startswith if at_start else str.endswith

    def body(args: list[Any], info: CallInfo) -> Any:
        arity(args, 2)
        s, affix = args
        if is_leaf(affix):
            return as_unknown(affix)
        affix = to_str(affix)
        if isinstance(s, PartialStr):
            part = s.parts[0 if at_start else -1] if s.parts else ""
            edge = part if isinstance(part, str) else ""
            if has(edge, affix):
                return True
            if not has(affix, edge):
                return False
            return as_unknown(s)
        if is_leaf(s):
            return as_unknown(s)
        return has(to_str(s), affix)

    return body


fn_startswith = _affix_test(at_start=True)
fn_endswith = _affix_test(at_start=False)


def fn_strcontains(args: list[Any], info: CallInfo) -> Any:
    arity(args, 2)
    s, sub = args
    if is_leaf(sub):
        return as_unknown(sub)
    sub = to_str(sub)
    if isinstance(s, PartialStr):
        if any(isinstance(p, str) and sub in p for p in s.parts):
            return True
        return as_unknown(s)
    if is_leaf(s):
        return as_unknown(s)
    return sub in to_str(s)


_FORMAT_VERB = re.compile(r"%(?:\[(\d+)\])?([-+# 0]*)(\d+|\*)?(?:\.(\d+))?([a-zA-Z%])")


def _format_one(
    verb: str, flags: str, width: str | None, prec: str | None, v: Any, info: CallInfo
) -> list[Any]:
    if width is not None and width != "*":
        reserve(info, int(width), f"{info.name}() width {width}")
    if prec is not None and verb in "fge":
        reserve(info, int(prec), f"{info.name}() precision {prec}")
    if verb in ("s", "v") and not (verb == "v" and "#" in flags):
        if is_leaf(v):
            return _parts_of(v)
        if verb == "v" and isinstance(v, (list, dict)):
            text = json_text(v)
        else:
            text = to_str(v)
        if prec is not None:
            text = text[: int(prec)] if _plain(text) else "".join(graphemes(text)[: int(prec)])
    elif verb == "v":  # %#v: JSON
        if is_leaf(v) or first_leaf(v) is not None:
            return [as_unknown(v)]
        text = json_text(v)
    elif verb == "q":
        if is_leaf(v):
            return [as_unknown(v)]
        text = json.dumps(to_str(v), ensure_ascii=False)
    elif verb in "dboxX":
        if is_leaf(v):
            return [as_unknown(v)]
        n = to_int(v)  # a whole number: %X of 2.0 is "2", of 0.5 an error
        text = format(n, verb)
    elif verb == "e":
        if is_leaf(v):
            return [as_unknown(v)]
        text = format(to_number(v), "e")
    elif verb in "fg":
        if is_leaf(v):
            return [as_unknown(v)]
        n = float(to_number(v))
        text = format(n, f".{prec}{verb}" if prec is not None else ("f" if verb == "f" else "g"))
        if verb == "f" and prec is None:
            text = format(n, ".6f")
    elif verb == "t":
        if is_leaf(v):
            return [as_unknown(v)]
        text = "true" if to_bool(v) else "false"
    else:
        raise FunctionError(f"unsupported format verb %{verb}")
    # the sign goes before zero padding, as Go writes it: %05d of -2 is -0002
    sign = ""
    if verb in "dfegboxX" and text.startswith("-"):
        sign, text = "-", text[1:]
    elif "+" in flags and verb in "dfeg":
        sign = "+"
    if width is not None and width != "*":
        # the width counts characters as Terraform does (grapheme clusters)
        w = int(width) - (len(text) if _plain(text) else len(graphemes(text))) + len(text)
        if "-" in flags:
            text = (sign + text).ljust(w)
        elif "0" in flags and verb in "dfegboxX":
            text = sign + text.rjust(w - len(sign), "0")
        else:
            text = (sign + text).rjust(w)
    else:
        text = sign + text
    return [text]


def format_parts(fmt: str, values: list[Any], info: CallInfo) -> Any:
    parts: list[Any] = []
    pos = 0
    argi = 0
    highest = 0  # arguments used, as Terraform counts them: one left over is an error
    for m in _FORMAT_VERB.finditer(fmt):
        parts.append(fmt[pos : m.start()])
        pos = m.end()
        explicit, flags, width, prec, verb = m.groups()
        if verb == "%":
            parts.append("%")
            continue
        if explicit is not None:
            argi = int(explicit) - 1
        if argi >= len(values) or argi < 0:
            raise FunctionError(f"not enough arguments for format {fmt!r}")
        parts.extend(_format_one(verb, flags, width, prec, values[argi], info))
        argi += 1
        highest = max(highest, argi)
    if highest < len(values):
        raise FunctionError(f"too many arguments; only {highest} used by format {fmt!r}")
    parts.append(fmt[pos:])
    reserve(info, parts_size(parts))
    return partial(parts)


def fn_format(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1, -1)
    fmt = args[0]
    if is_leaf(fmt):
        return as_unknown(fmt)
    return format_parts(to_str(fmt), args[1:], info)


def fn_formatlist(args: list[Any], info: CallInfo) -> Any:
    arity(args, 1, -1)
    fmt = args[0]
    if is_leaf(fmt):
        return as_unknown(fmt)
    fmt = to_str(fmt)
    length = None
    for a in args[1:]:
        if is_leaf(a):
            return as_unknown(a)
        if isinstance(a, list):
            if length is not None and len(a) != length:
                raise FunctionError("formatlist() lists differ in length")
            length = len(a)
    if length is None:
        length = 1
    out = []
    for i in range(length):
        row = [a[i] if isinstance(a, list) else a for a in args[1:]]
        line = format_parts(to_str(fmt), row, info)
        if isinstance(line, str):
            charge(info, str_size(line))  # the list's slots are charged by ``call``
        out.append(line)
    return out


def fn_indent(args: list[Any], info: CallInfo) -> Any:
    arity(args, 2)
    if (u := need_known(args)) is not None:
        return u
    n, text = to_int(args[0]), to_str(args[1])
    if n < 0:
        raise FunctionError("indent() of a negative number of spaces")
    reserve(info, str_size(text) + max(n, 0) * (text.count("\n") + 1))
    pad = " " * n
    return text.replace("\n", "\n" + pad)


fn_lower = on_known(_case(str.lower), 1)
fn_upper = on_known(_case(str.upper), 1)
fn_title = on_known(_title, 1)
fn_trimspace = on_known(str.strip, 1)
fn_trimprefix = on_known(lambda s, p: s[len(p) :] if p and s.startswith(p) else s, 2)
fn_trimsuffix = on_known(lambda s, p: s[: -len(p)] if p and s.endswith(p) else s, 2)
fn_trim = on_known(_trim, 2)
fn_chomp = on_known(lambda s: re.sub(r"(\r\n|\n|\r)+$", "", s), 1)
fn_strrev = on_known(lambda s: s[::-1] if _plain(s) else "".join(graphemes(s)[::-1]), 1)
