"""CloudFormation templates (YAML or JSON) -> located syntax nodes.

YAML is read with libyaml's event parser (PyYAML ``CSafeLoader``; the pure-Python parser when
libyaml is missing) and the node tree is built here from the events, iteratively: no
constructor is ever called, nesting is bounded by ``max_depth`` before anything recurses
(libyaml's own composer crashes on 100k nested brackets), and every alias expansion is
counted so that a "billion laughs" document is an error, not an explosion.

Decisions, consistent with cfn-lint (whose decoder uses PyYAML's YAML 1.1 resolver):

* plain scalars resolve as YAML 1.1: ``yes/no/on/off/true/false`` (any of the three usual
  casings) are booleans, ``0x1F`` / ``017`` / ``1_000`` integers, ``~`` / ``null`` None;
  timestamps (``2010-09-09``) stay strings, as CloudFormation reads them;
* mapping keys are always the text as written (``123456789012:`` is the key
  ``"123456789012"``), since CloudFormation keys are strings;
* short-form intrinsic tags become their long form (``!Ref X`` -> ``{"Ref": "X"}``,
  ``!GetAtt A.B.C`` -> ``{"Fn::GetAtt": ["A", "B.C"]}``);
* a local tag CloudFormation does not know (``!Rain::Embed file``, a transform's own tag) is
  read as cfn-lint reads it: an unknown intrinsic value (a ``BadNode`` whose reason names the
  tag, evaluated as ``Unknown``) with a located note, and the rest of the file is checked;
* any other tag (``!!python/object:...``, ``!!binary``) and a duplicate mapping key are located
  errors; the offending node is kept as a ``BadNode`` (first duplicate wins) so the rest of
  the template is still evaluated;
* a file with more than one YAML document is an error; the first document is kept.
"""

from __future__ import annotations

import re
from typing import Any

from iacguard.core.located import FileError, Located
from iacguard.core.spans import Span
from iacguard.parse.cfn_nodes import BadNode, MapNode, Node, ParsedDocument, ScalarNode, SeqNode

#: most nodes that alias expansion may add to a document before it is refused
MAX_ALIAS_EXPANSION = 100_000

#: short-form tags and their long form
_FUNCTION_NAMES = (
    "Base64 Cidr FindInMap GetAtt GetAZs ImportValue Join Select Split Sub Transform And "
    "Equals If Not Or Length ToJsonString Contains EachMemberEquals EachMemberIn RefAll "
    "ValueOf ValueOfAll"
).split()
SHORT_TAGS: dict[str, str] = {f"!{n}": f"Fn::{n}" for n in _FUNCTION_NAMES}
SHORT_TAGS["!Ref"] = "Ref"
SHORT_TAGS["!Condition"] = "Condition"

_STD = "tag:yaml.org,2002:"
_SCALAR_STD_TAGS = {
    f"{_STD}str",
    f"{_STD}int",
    f"{_STD}float",
    f"{_STD}bool",
    f"{_STD}null",
    f"{_STD}timestamp",
    "!",
}

# YAML 1.1 implicit resolution of plain scalars (PyYAML's table, minus timestamps and merge)
_BOOL_TRUE = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}
_BOOL_FALSE = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}
_NULL = {"~", "null", "Null", "NULL", ""}
_INT = re.compile(
    r"""[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+""",
    re.X,
)
_FLOAT = re.compile(
    r"""[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN)""",
    re.X,
)


class _Fatal(Exception):
    def __init__(self, line: int | None, column: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


#: the integers Python converts to and from text (its 4300-digit limit), as bits
_MAX_INT_BITS = int(4300 * 3.3219280948873626)


def _int_of(text: str) -> int:
    t = text.replace("_", "")
    sign = -1 if t[0] == "-" else 1
    if t[0] in "+-":
        t = t[1:]
    if t == "0":
        return 0
    if t.startswith("0b"):
        return sign * int(t[2:], 2)
    if t.startswith("0x"):
        return sign * int(t[2:], 16)
    if t[0] == "0":
        return sign * int(t, 8)
    if ":" in t:  # sexagesimal (YAML 1.1): 1:30 is 90; a long one could outgrow any number
        value = 0
        for part in t.split(":"):
            value = value * 60 + int(part)
            if value.bit_length() > _MAX_INT_BITS:
                raise ValueError("sexagesimal integer too long")
        return sign * value
    return sign * int(t)


def _float_of(text: str) -> float:
    t = text.replace("_", "").lower()
    sign = -1.0 if t[0] == "-" else 1.0
    if t[0] in "+-":
        t = t[1:]
    if t == ".inf":
        return sign * float("inf")
    if t == ".nan":
        return float("nan")
    if ":" in t:
        value = 0.0
        for part in t.split(":"):
            value = value * 60 + float(part)
        return sign * value
    return sign * float(t)


def resolve_plain(text: str) -> Any:
    """A plain (unquoted, untagged) YAML 1.1 scalar as CloudFormation reads it."""
    if text in _BOOL_TRUE:
        return True
    if text in _BOOL_FALSE:
        return False
    if text in _NULL:
        return None
    first = text[0]
    if first in "-+0123456789.":
        if _INT.fullmatch(text):
            return _int_of(text)
        if _FLOAT.fullmatch(text):
            return _float_of(text)
    return text


class _Frame:
    __slots__ = (
        "kind",
        "tag",
        "anchor",
        "start",
        "keys",
        "values",
        "items",
        "key",
        "size",
        "seen",
        "flow",
    )

    def __init__(self, kind: str, tag: str | None, anchor: str | None, start: Any) -> None:
        self.kind = kind
        self.tag = tag
        self.anchor = anchor
        self.start = start
        self.keys: list[ScalarNode] = []
        self.values: list[Node] = []
        self.items: list[Node] = []
        self.key: ScalarNode | None | bool = None  # False: skip the next value
        self.size = 1
        self.seen: set[str] = set()
        self.flow = False


def load_yaml(text: str, path: str, *, max_depth: int = 200) -> ParsedDocument:
    """Load one YAML document into located nodes (see the module docstring for the rules)."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
    errors: list[FileError] = []
    notes: list[Located] = []

    def span(start: Any, end: Any) -> Span:
        return Span(path, start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def error(mark: Any, message: str) -> None:
        errors.append(FileError(path, mark.line + 1, mark.column + 1, message))

    anchors: dict[str, tuple[Node, int]] = {}
    open_anchors: set[str] = set()
    stack: list[_Frame] = []
    root: Node | None = None
    documents = 0
    expansion = 0

    def wrap_tag(tag: str | None, node: Node, start: Any, end: Any) -> Node:
        """Apply a collection's or scalar's explicit tag."""
        if tag is None or tag == "!":
            return node
        long = SHORT_TAGS.get(tag)
        if long is not None:
            if long == "Fn::GetAtt" and isinstance(node, ScalarNode):
                text = str(node.value) if node.value is not None else ""
                name, dot, attr = text.partition(".")
                parts: tuple[Node, ...] = (ScalarNode(name, node.span),)
                if dot:
                    parts += (ScalarNode(attr, node.span),)
                node = SeqNode(parts, node.span)
            return MapNode((ScalarNode(long, node.span),), (node,), node.span)
        if tag.startswith(_STD) and tag[len(_STD) :] in ("seq", "map"):
            return node
        if tag.startswith("!") and not tag.startswith("!!"):
            where = span(start, end)
            notes.append(Located(where, unknown_tag_note(tag)))
            return BadNode(unknown_tag_reason(tag), where, error=False)
        shown = "!!" + tag[len(_STD) :] if tag.startswith(_STD) else tag
        error(start, f"unsupported YAML tag {shown} (only CloudFormation's intrinsic tags)")
        return BadNode(f"rejected YAML tag {shown}", span(start, end))

    def scalar(ev: Any) -> Node:
        tag = ev.tag
        text = ev.value
        plain = ev.implicit[0]
        sm, em = ev.start_mark, ev.end_mark
        s = Span(path, sm.line + 1, sm.column + 1, em.line + 1, em.column + 1)
        if tag is None:
            if not plain:
                return ScalarNode(text, s)
            try:
                return ScalarNode(resolve_plain(text), s)
            except ValueError:  # an integer longer than Python converts (4300 digits)
                error(ev.start_mark, f"a number of {len(text)} digits is too long to read")
                return BadNode(f"number of {len(text)} digits", s)
        if plain and tag == "!":
            return ScalarNode(resolve_plain(text) if plain and tag is None else text, s)
        if tag in SHORT_TAGS:
            return wrap_tag(tag, ScalarNode(text, s), ev.start_mark, ev.end_mark)
        if tag in _SCALAR_STD_TAGS:
            kind = tag[len(_STD) :] if tag.startswith(_STD) else "str"
            try:
                if kind == "int":
                    return ScalarNode(_int_of(text), s)
                if kind == "float":
                    return ScalarNode(_float_of(text), s)
                if kind == "bool":
                    if text in _BOOL_TRUE or text in _BOOL_FALSE:
                        return ScalarNode(text in _BOOL_TRUE, s)
                    raise ValueError(text)
                if kind == "null":
                    return ScalarNode(None, s)
            except (ValueError, IndexError):
                error(ev.start_mark, f"{text!r} is not a valid {kind}")
                return BadNode(f"invalid {kind} {text!r}", s)
            return ScalarNode(text, s)
        return wrap_tag(tag, ScalarNode(text, s), ev.start_mark, ev.end_mark)

    def add(node: Node, size: int, key_text: str | None, mark: Any) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        top = stack[-1]
        top.size += size
        if top.kind == "seq":
            top.items.append(node)
            return
        if top.key is None:
            if not isinstance(node, ScalarNode):
                error(mark, "a mapping key must be a plain value")
                top.key = False
                return
            key = ScalarNode(key_text if key_text is not None else str(node.value), node.span)
            if key.value in top.seen:
                error(mark, f"duplicate key {key.value!r} (CloudFormation rejects duplicate keys)")
                top.key = False
                return
            top.seen.add(key.value)
            top.key = key
            return
        if top.key is not False:
            top.keys.append(top.key)  # type: ignore[arg-type]
            top.values.append(node)
        top.key = None

    scalar_event = yaml.ScalarEvent
    ev: Any = None  # the last event read, kept for explaining a failure
    try:
        loader = loader_cls(text)
        try:
            while True:
                ev = loader.get_event()
                if ev is None:
                    break
                cls = ev.__class__
                name = cls.__name__
                if cls is scalar_event:
                    top = stack[-1] if stack else None
                    if (
                        top is not None
                        and top.key is None
                        and top.kind == "map"
                        and ev.tag is None
                        and not ev.anchor
                    ):
                        # fast path for the commonest node: an untagged mapping key (its text)
                        sm, em = ev.start_mark, ev.end_mark
                        top.size += 1
                        if ev.value in top.seen:
                            add(ScalarNode(ev.value, span(sm, em)), 0, ev.value, sm)
                        else:
                            top.seen.add(ev.value)
                            top.key = ScalarNode(
                                ev.value,
                                Span(path, sm.line + 1, sm.column + 1, em.line + 1, em.column + 1),
                            )
                        continue
                    node = scalar(ev)
                    key_text = (
                        ev.value
                        if (stack and stack[-1].kind == "map" and stack[-1].key is None)
                        else None
                    )
                    if ev.anchor:
                        anchors[ev.anchor] = (node, 1)
                    add(node, 1, key_text, ev.start_mark)
                elif name in ("MappingStartEvent", "SequenceStartEvent"):
                    if len(stack) >= max_depth:
                        raise _Fatal(
                            ev.start_mark.line + 1,
                            ev.start_mark.column + 1,
                            f"nesting deeper than {max_depth} levels",
                        )
                    kind = "map" if name == "MappingStartEvent" else "seq"
                    tag = None if ev.implicit else ev.tag
                    if ev.anchor:
                        open_anchors.add(ev.anchor)
                    frame = _Frame(kind, tag, ev.anchor, ev.start_mark)
                    frame.flow = bool(ev.flow_style)
                    stack.append(frame)
                elif name in ("MappingEndEvent", "SequenceEndEvent"):
                    frame = stack.pop()
                    s = span(frame.start, ev.end_mark)
                    last = (
                        frame.values[-1]
                        if frame.values
                        else (frame.items[-1] if frame.items else None)
                    )
                    if not frame.flow and last is not None:
                        # a block collection ends with its last entry, not at the next token
                        s = Span(
                            path,
                            s.start_line,
                            s.start_column,
                            last.span.end_line,
                            last.span.end_column,
                        )
                    if frame.kind == "map":
                        built: Node = MapNode(tuple(frame.keys), tuple(frame.values), s)
                    else:
                        built = SeqNode(tuple(frame.items), s)
                    built = wrap_tag(frame.tag, built, frame.start, ev.end_mark)
                    if frame.anchor:
                        open_anchors.discard(frame.anchor)
                        anchors[frame.anchor] = (built, frame.size)
                    add(built, frame.size, None, frame.start)
                elif name == "AliasEvent":
                    if ev.anchor in open_anchors:
                        raise _Fatal(
                            ev.start_mark.line + 1,
                            ev.start_mark.column + 1,
                            f"recursive alias *{ev.anchor}",
                        )
                    found = anchors.get(ev.anchor)
                    if found is None:
                        raise _Fatal(
                            ev.start_mark.line + 1,
                            ev.start_mark.column + 1,
                            f"undefined alias *{ev.anchor}",
                        )
                    expansion += found[1]
                    if expansion > MAX_ALIAS_EXPANSION:
                        raise _Fatal(
                            ev.start_mark.line + 1,
                            ev.start_mark.column + 1,
                            f"alias expansion exceeds {MAX_ALIAS_EXPANSION} nodes "
                            "(a 'billion laughs' document?)",
                        )
                    key_text = None
                    if isinstance(found[0], ScalarNode):
                        key_text = str(found[0].value)
                    add(found[0], found[1], key_text, ev.start_mark)
                elif name == "DocumentStartEvent":
                    documents += 1
                    if documents > 1:
                        # the first document is kept: a multi-document file (Kubernetes
                        # manifests...) is then judged on it, and ignored if not a template
                        error(ev.start_mark, "more than one YAML document in a template")
                        break
        finally:
            dispose = getattr(loader, "dispose", None)
            if dispose:
                dispose()
    except _Fatal as exc:
        return ParsedDocument(
            None, (*errors, FileError(path, exc.line, exc.column, exc.message)), True
        )
    except yaml.YAMLError as exc:  # syntax, truncation, reader errors
        failed = _yaml_error(path, exc)
        # libyaml scans ahead through flow brackets and, from 0.2.6 on, has a nesting limit of
        # its own, which can fire before the events reach us: the limit a user meets is ours
        mark = getattr(ev, "end_mark", None)
        crossing = _flow_nesting_crossing(
            text,
            getattr(mark, "index", 0) or 0,
            (mark.line + 1, mark.column + 1) if mark is not None else (1, 1),
            max_depth - len(stack),
            (failed.line or 0, failed.column or 0),
        )
        if crossing is not None:
            failed = FileError(path, *crossing, f"nesting deeper than {max_depth} levels")
        return ParsedDocument(None, (*errors, failed), True)
    return ParsedDocument(root, tuple(errors), False, tuple(notes))


def unknown_tag_reason(tag: str) -> str:
    """Why a value under an unknown local tag is unknown (the tag named)."""
    return f"it is under the YAML tag {tag}, which is not a CloudFormation intrinsic"


def unknown_tag_note(tag: str) -> str:
    """The located note for an unknown local tag."""
    return f"YAML tag {tag} is not a CloudFormation intrinsic: its value is unknown here"


def _flow_nesting_crossing(
    text: str, index: int, at: tuple[int, int], room: int, stop: tuple[int, int]
) -> tuple[int, int] | None:
    """Where flow collections (``[``/``{``) opened from ``text[index:]`` (at line/column ``at``)
    first nest more than ``room`` levels deep, if that is no later than ``stop``: the (line,
    column) of the bracket that crosses.

    A lexical scan, used only to explain a parse failure: quoted scalars and comments are
    skipped, and outside flow context a bracket counts only where a value can start.
    """
    depth = 0
    line, column = at[0], at[1] - 1
    previous = ":"  # last significant character; "\n" at the start of a line
    i, n = index, len(text)
    while i < n:
        ch = text[i]
        i += 1
        column += 1
        if (line, column) > stop:
            return None
        if ch == "\n":
            line, column, previous = line + 1, 0, "\n"
            continue
        if ch in " \t\r":
            continue
        if ch == "#" and (i == 1 or text[i - 2] in " \t\n"):
            end = text.find("\n", i)
            skipped = (n if end < 0 else end) - i
            i += skipped
            column += skipped
            continue
        if ch in "\"'" and (depth or previous in "\n-:?,"):
            while i < n:
                c = text[i]
                i += 1
                column += 1
                if c == "\n":
                    line, column = line + 1, 0
                elif ch == '"' and c == "\\":
                    i += 1
                    column += 1
                elif c == ch:
                    if ch == "'" and i < n and text[i] == "'":
                        i += 1
                        column += 1
                        continue
                    break
            previous = ch
            continue
        if ch in "[{" and (depth or previous in "\n-:?,[{"):
            depth += 1
            if depth > room:
                return line, column
        elif ch in "]}" and depth:
            depth -= 1
        previous = ch
    return None


def _yaml_error(path: str, exc: Exception) -> FileError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if problem:
        message = f"{context}, {problem}" if context else str(problem)
    else:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    message = "invalid YAML: " + " ".join(message.split())
    if mark is not None:
        return FileError(path, mark.line + 1, mark.column + 1, message)
    return FileError(path, None, None, message)


def load_template_text(text: str, path: str, *, max_depth: int = 200) -> ParsedDocument:
    """YAML or JSON by content: a document starting with ``{`` is read as JSON first."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if text.lstrip()[:1] == "{":
        from iacguard.parse.located_json import load_json

        parsed = load_json(text, path, max_depth=max_depth)
        if not parsed.fatal or path.endswith(".json"):
            return parsed
        as_yaml = load_yaml(text, path, max_depth=max_depth)
        return parsed if as_yaml.fatal else as_yaml
    return load_yaml(text, path, max_depth=max_depth)


def read_text(path: str, max_file_size: int) -> tuple[str | None, FileError | None]:
    """The file's text, or a located error (unreadable, too big, not UTF-8)."""
    from iacguard.core.files import FileTooLarge, read_regular

    try:
        data = read_regular(path, max_file_size)
    except FileTooLarge as exc:
        message = f"file is {exc.size} bytes, over the limit ({max_file_size})"
        return None, FileError(path, None, None, message)
    except OSError as exc:
        return None, FileError(path, None, None, f"cannot read file: {exc.strerror or exc}")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, FileError(path, line, None, "file is not valid UTF-8")


def load_template(
    path: str, *, max_file_size: int = 20 * 1024 * 1024, max_depth: int = 200
) -> ParsedDocument:
    text, err = read_text(path, max_file_size)
    if text is None:
        return ParsedDocument(None, (err,) if err else (), True)
    return load_template_text(text, path, max_depth=max_depth)
