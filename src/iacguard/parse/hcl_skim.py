"""A quiet HCL file's errors and top-level blocks from tree-sitter's tree alone: ``skim_hcl``.

A quiet unit (``iacguard.run.relevance``) is parsed only for its file errors, and building
iacguard's syntax tree (``parse.hcl_convert``) costs about twice tree-sitter's own parse. For a
file tree-sitter reads without an error, the converter reports only two kinds of error: an
attribute set twice in one body and nesting deeper than ``MAX_DEPTH``. ``skim_hcl`` walks the
tree's bodies (blocks, their labels, attribute names; never an expression) and reports the
first kind exactly as the converter does (same message, place and order), with each top-level
block's type, labels and header span for the declaration checks a module makes.

Everything else is left to ``parse.hcl.parse_hcl`` (``skim_hcl`` returns None): a tree with an
error or a missing node, a file cut in pieces or with an over-long literal, nesting that could
come near the limit (a conservative bound from node counts), and any exception. The same
preparation runs first (a BOM dropped, runs of blanks made comments, big files' plain strings
masked), so every span is the one the full parse gives.
"""

from __future__ import annotations

import codecs
from typing import Any

from iacguard.core.located import FileError
from iacguard.core.spans import Span
from iacguard.parse.hcl_convert import Converter

#: the skim reads nothing that could nest deeper than this (the converter's limit is 200;
#: staying well below it keeps the full parse's own recursion out of the question)
SKIM_DEPTH = 150


class SkimBlock:
    """A top-level block: its type and labels, where its header and the block start, and
    (for ``locals``) the attributes the converter keeps, as (name, start line, start column)."""

    __slots__ = ("type", "labels", "_conv", "_start", "_header_end", "attributes")

    def __init__(
        self,
        type_: str,
        labels: tuple[str, ...],
        conv: Converter,
        start: tuple[int, int],
        header_end: tuple[int, int],
        attributes: tuple[tuple[str, int, int], ...] = (),
    ) -> None:
        self.type = type_
        self.labels = labels
        self._conv = conv
        self._start = start
        self._header_end = header_end
        self.attributes = attributes

    @property
    def header_span(self) -> Span:
        """The span the converter gives ``Block.header_span`` (type and labels)."""
        return self._conv.span_points(self._start, self._header_end)

    def start(self) -> tuple[int, int]:
        """(line, column) where the block starts (``Block.span``'s start)."""
        return self._conv._loc(*self._start)


class HclSkim:
    """What ``skim_hcl`` read: the file's errors (the converter's, in its order) and blocks."""

    __slots__ = ("errors", "blocks")

    def __init__(self, errors: tuple[FileError, ...], blocks: tuple[SkimBlock, ...]) -> None:
        self.errors = errors
        self.blocks = blocks


class _Unsure(Exception):
    """The skim cannot be sure to match the full parse: the caller parses in full."""


def skim_hcl(source: bytes, path: str) -> HclSkim | None:
    """``source``'s errors and top-level blocks as ``parse_hcl`` and ``Converter`` would
    report them, or None when only the full parse can say (see the module docstring)."""
    from iacguard.parse.hcl import PIECEWISE_BYTES, parse_tree
    from iacguard.parse.hcl_cut import cut_long_literals, mask_strings

    try:
        if source.startswith(codecs.BOM_UTF8):
            source = source[len(codecs.BOM_UTF8) :]
        source, cuts = cut_long_literals(source, path)
        if cuts or len(source) > PIECEWISE_BYTES:
            return None
        root = parse_tree(mask_strings(source)).root_node
        if root.has_error:
            return None
        walk = _Walk(Converter(source, path))
        body = next((c for c in root.children if c.type == "body"), None)
        if body is not None:
            walk.body(body, 0)
        return HclSkim(tuple(walk.errors), tuple(walk.blocks))
    except Exception:  # noqa: BLE001 - _Unsure, a recursion limit, a parser bug: parse in full
        return None


class _Walk:
    """The walk of one tree's bodies, collecting the converter's duplicate-attribute errors."""

    __slots__ = ("conv", "source", "ascii", "errors", "blocks")

    def __init__(self, conv: Converter) -> None:
        self.conv = conv
        self.source = conv.source
        self.ascii = conv.ascii
        self.errors: list[FileError] = []
        self.blocks: list[SkimBlock] = []

    @staticmethod
    def block_body(kids: list[Any]) -> Any | None:
        """The block's body node (the last one, as ``Converter.block`` takes it)."""
        for k in reversed(kids):
            if k.type == "body":
                return k
        return None

    def describe(
        self, node: Any, kids: list[Any], type_: str, kept: tuple[tuple[str, int, int], ...]
    ) -> SkimBlock:
        """A top-level block as ``Converter.block`` reads its type, labels and header."""
        conv = self.conv
        labels: list[str] = []
        header_end = kids[0]
        for k in kids[1:]:
            t = k.type
            if t == "string_lit":
                labels.append(conv.string_lit_text(k))
                header_end = k
            elif t == "identifier":
                labels.append(conv.text(k))
                header_end = k
        return SkimBlock(type_, tuple(labels), conv, node.start_point, header_end.end_point, kept)

    def body(self, node: Any, depth: int, keep: bool = False) -> tuple[tuple[str, int, int], ...]:
        """``Converter.body``'s errors for the body ``node`` at ``depth``, in its order (its
        nested blocks' bodies walked, the top level's blocks described into ``blocks``); with
        ``keep``, the attributes kept (the first of each name) as (name, line, column)."""
        seen: dict[Any, Any] = {}
        kept: list[tuple[str, int, int]] = []
        source = self.source
        for child in node.children:
            t = child.type
            if t == "attribute":
                if depth + 1 + 2 * child.descendant_count > SKIM_DEPTH:
                    self.shallow(child, depth)
                name_node = child.child(0)
                key: Any = source[name_node.start_byte : name_node.end_byte]
                if not self.ascii:
                    key = key.decode("utf-8", "replace")
                first = seen.get(key)
                if first is not None:
                    self.duplicate(child, key, first)
                    continue
                seen[key] = child
                if keep:
                    line, column = self.conv._loc(*child.start_point)
                    name = key if isinstance(key, str) else key.decode("utf-8", "replace")
                    kept.append((name, line, column))
            elif t == "block":
                if depth > SKIM_DEPTH:
                    raise _Unsure
                kids = child.children
                inner = self.block_body(kids)
                if depth == 0:
                    type_ = self.conv.text(kids[0])
                    got = self.body(inner, 1, type_ == "locals") if inner is not None else ()
                    self.blocks.append(self.describe(child, kids, type_, got))
                elif inner is not None:
                    self.body(inner, depth + 1)
        return tuple(kept)

    def duplicate(self, node: Any, key: Any, first: Any) -> None:
        """The converter's error for an attribute set again (the first one is kept)."""
        name = key if isinstance(key, str) else key.decode("utf-8", "replace")
        line, column = self.conv._loc(*node.start_point)
        self.errors.append(
            FileError(
                self.conv.path,
                line,
                column,
                f"duplicate attribute {name!r} (first defined at line {first.start_point[0] + 1})",
            )
        )

    def shallow(self, attribute: Any, depth: int) -> None:
        """Raise ``_Unsure`` unless the converter stays below ``SKIM_DEPTH`` in this
        attribute's value: one tree level adds at most 2 to its depth, so a subtree of ``n``
        nodes entered at depth ``d`` reaches at most ``d + 2 n``."""
        stack = [(c, depth + 1) for c in attribute.children[1:]]
        while stack:
            node, d = stack.pop()
            if d + 2 * node.descendant_count <= SKIM_DEPTH:
                continue
            if d >= SKIM_DEPTH:
                raise _Unsure
            stack.extend((c, d + 2) for c in node.children)
