"""HCL native syntax (tree-sitter-hcl) -> ``parse.hcl_ast``: ``parse_hcl``.

This module runs tree-sitter (``parse_tree``) and recovers from syntax errors; ``hcl_convert``
turns each tree into the AST. Comments are not collected here: ``parse.comments`` is the one
comment scanner (suppressions read it). Nothing here raises on bad
input: syntax errors become located ``FileError`` values and every well-formed top-level block
still comes through. When tree-sitter's error recovery lets a broken block swallow the blocks
after it, the file is split at top-level block headers and each piece is parsed on its own; a
top-level block that contains a syntax error is dropped (never half-read: a missing attribute
could read as a wrong value).
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache
from typing import Any

from iacguard.core.lazyre import lazy_compile
from iacguard.core.located import FileError
from iacguard.core.spans import Span
from iacguard.parse.hcl_ast import Attribute, Block, Body, HclFile
from iacguard.parse.hcl_convert import MAX_ERRORS, Converter
from iacguard.parse.hcl_cut import cut_long_literals, mask_strings, restore_cuts
from iacguard.parse.hcl_support import no_gc

#: a line that starts a top-level block or attribute (used to split files with errors)
_TOP_LEVEL = lazy_compile(
    rb'^[A-Za-z_][A-Za-z0-9_-]*(?:[ \t]+(?:"[^"\n]*"|[A-Za-z_][A-Za-z0-9_-]*))*[ \t]*(?:\{|=(?!=))',
    re.MULTILINE,
)


@lru_cache(maxsize=1)
def _language() -> Any:
    """The tree-sitter language (imported lazily, once per process)."""
    import tree_sitter
    import tree_sitter_hcl

    return tree_sitter.Language(tree_sitter_hcl.language())


def parse_tree(source: bytes) -> Any:
    """The tree-sitter tree of ``source``."""
    import tree_sitter

    language = _language()
    # the read-callback form: the same tree, but Python runs between chunks, so a time limit
    # (iacguard.run.guard's signal) can stop a parse of a huge file instead of waiting it out
    return tree_sitter.Parser(language).parse(
        lambda offset, _point: source[offset : offset + 65536]
    )


def _file_span(path: str, source: bytes) -> Span:
    lines = source.count(b"\n")
    last = source[source.rfind(b"\n") + 1 :].decode("utf-8", "replace")
    return Span(path, 1, 1, lines + 1, len(last) + 1)


_EXPONENT = lazy_compile(rb"[eE][+-]?[0-9]")
_MAYBE_EXPONENT = lazy_compile(rb"[0-9][eE][+-]?[0-9]")
#: re-reads while fixing exponents: each round can clear the tree enough to show more
_EXPONENT_ROUNDS = 8


def _exponents_without_fraction(
    tree: Any, source: bytes
) -> tuple[Any, bytes, dict[int, tuple[tuple[int, int], ...]]] | None:
    """HCL's numbers may have an exponent without a fraction (``1e3``, ``1E-3``), which
    tree-sitter-hcl reads only with one (``1.0e3``): the tree of the source with ``.0``
    inserted after each such integer literal, that source, and where (file line -> (column
    in the new text, 2)) so spans can take it back out; None when there is none (the syntax
    error is a real one). An integer literal is one the tree shows (never inside a string or
    comment); one the broken tree hides shows up once the ones before it are fixed."""
    if not _MAYBE_EXPONENT.search(source):
        return None
    inserts: list[int] = []  # byte offsets in the original source, sorted
    current, current_tree = source, tree
    for _ in range(_EXPONENT_ROUNDS):
        found = []
        stack = [current_tree.root_node]
        while stack:
            node = stack.pop()
            if node.type == "numeric_lit":
                end = node.end_byte
                if current[node.start_byte : end].isdigit() and _EXPONENT.match(current, end):
                    # back to an offset in the original: 2 bytes per insertion before it
                    found.append(end - 2 * sum(1 for at in inserts if at < end - 1))
                continue
            stack.extend(node.children)
        new = sorted(set(found) - set(inserts))
        if not new:
            break
        inserts = sorted(set(inserts) | set(new))
        pieces, at = [], 0
        for offset in inserts:
            pieces += [source[at:offset], b".0"]
            at = offset
        pieces.append(source[at:])
        current = b"".join(pieces)
        current_tree = parse_tree(current)
        if not current_tree.root_node.has_error:
            break
    if not inserts:
        return None
    shifts: dict[int, list[tuple[int, int]]] = {}
    for offset in inserts:
        line = source.count(b"\n", 0, offset) + 1
        start = source.rfind(b"\n", 0, offset) + 1
        column = len(source[start:offset].decode("utf-8", "replace")) + 1
        done = sum(n for _, n in shifts.get(line, ()))
        shifts.setdefault(line, []).append((column + done, 2))
    return current_tree, current, {line: tuple(v) for line, v in shifts.items()}


def parse_hcl(source: bytes, path: str) -> HclFile:
    """Parse HCL native syntax; never raises (syntax errors become located FileErrors).

    A leading UTF-8 byte order mark is not part of the text (Terraform skips it too): it is
    dropped first, so the first line's columns are the ones an editor shows. A literal longer
    than ``hcl_cut.LITERAL_LIMIT`` is not read (tree-sitter would take gigabytes): its value is
    Unknown, with a located error."""
    if source.startswith(codecs.BOM_UTF8):
        source = source[len(codecs.BOM_UTF8) :]
    try:
        with no_gc():
            source, cuts = cut_long_literals(source, path)
            parsed = _parse_hcl(source, path, mask_strings(source))
            if cuts:
                # the cut literals come back as Unknowns, each with its located error
                body = restore_cuts(parsed.body, cuts)
                errors = tuple(c.error() for c in cuts) + parsed.errors
                return HclFile(path, body, errors[:MAX_ERRORS])
            return parsed
    except RecursionError:
        return HclFile(
            path,
            Body((), (), _file_span(path, source)),
            (FileError(path, None, None, "nesting too deep to read"),),
        )
    except Exception as exc:  # noqa: BLE001 - a parser bug must not crash the run
        return HclFile(
            path,
            Body((), (), Span(path, 1, 1, 1, 1)),
            (FileError(path, None, None, f"cannot parse: {type(exc).__name__}: {exc}"),),
        )


#: files larger than this are parsed a piece at a time (tree-sitter's tree of a 17 MB file
#: takes gigabytes; a piece's tree is freed once its blocks are converted)
PIECEWISE_BYTES = 4 * 1024 * 1024
#: about how many bytes one piece holds (cut only between top-level blocks)
PIECE_BYTES = 1024 * 1024


def _parse_hcl(source: bytes, path: str, masked: bytes | None = None) -> HclFile:
    """``source`` read from tree-sitter's tree of ``masked`` (``source`` with plain strings
    masked, or ``source`` itself); a syntax error is always located on ``source``'s own tree."""
    masked = source if masked is None else masked
    if len(source) > PIECEWISE_BYTES:
        pieces = _parse_in_pieces(source, path, masked)
        if pieces is not None:
            return pieces
    tree = parse_tree(masked)
    if masked is not source and tree.root_node.has_error:
        tree = parse_tree(source)
    file_span = _file_span(path, source)
    shifts: dict[int, tuple[tuple[int, int], ...]] = {}
    if tree.root_node.has_error:
        fixed = _exponents_without_fraction(tree, source)
        if fixed is not None:
            tree, source, shifts = fixed
    conv = Converter(source, path, shifts=shifts)
    root = tree.root_node
    body_node = next((c for c in root.children if c.type == "body"), None)
    if not root.has_error:
        body = conv.body(body_node, file_span, 0, False)
        return HclFile(path, body, tuple(conv.errors))
    # error recovery: top-level items without errors are kept as parsed; each region with an
    # error is split at top-level block headers and every piece parsed on its own, so that one
    # broken block cannot swallow the blocks after it
    top: list[Any] = []
    for c in root.children:
        if c.type == "body":
            top.extend(c.children)
        elif c.type != "comment":
            top.append(c)
    attrs: list[Attribute] = []
    blocks: list[Block] = []
    errors: list[FileError] = []
    bad: list[list[int]] = []

    def flush() -> None:
        while bad:
            lo, hi = bad.pop(0)
            _reparse_region(source, path, lo, hi, attrs, blocks, errors, shifts)

    for n in top:
        if n.type == "comment":
            continue
        if not n.has_error and n.type in ("attribute", "block"):
            flush()
            if n.type == "attribute":
                attrs.append(conv.attribute(n, 0))
            else:
                blocks.append(conv.block(n, 0))
        elif bad and n.start_byte <= bad[-1][1]:
            bad[-1][1] = max(bad[-1][1], n.end_byte)
        else:
            bad.append([n.start_byte, n.end_byte])
    flush()
    # the whole file's parse locates errors best (the pieces only say where a piece broke);
    # the pieces' errors are kept when it found none
    before = len(conv.errors)
    conv.collect_errors(root)
    if len(conv.errors) > before:
        errors = conv.errors
    else:
        errors = conv.errors + errors
    return HclFile(
        path,
        Body(tuple(attrs), tuple(blocks), file_span),
        tuple(errors[:MAX_ERRORS]),
    )


def _parse_in_pieces(source: bytes, path: str, masked: bytes | None = None) -> HclFile | None:
    """A big file parsed piece by piece, cut only before top-level block headers, each
    piece's tree converted and freed before the next is parsed; None when any piece has a
    syntax error (the whole-file parse then decides, with its error recovery), so a valid file
    reads exactly as it would whole. tree-sitter reads ``masked`` (see ``_parse_hcl``)."""
    masked = source if masked is None else masked
    cuts = [0]
    for m in _TOP_LEVEL.finditer(source):
        if m.start() - cuts[-1] >= PIECE_BYTES:
            cuts.append(m.start())
    cuts.append(len(source))
    attrs: list[Attribute] = []
    blocks: list[Block] = []
    errors: list[FileError] = []
    row = 0
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        piece = source[lo:hi]
        broken, body, piece_errors = _read_piece(
            piece, path, row, tree_source=piece if masked is source else masked[lo:hi]
        )
        if broken:
            return None
        attrs.extend(body.attributes)
        blocks.extend(body.blocks)
        errors.extend(piece_errors)
        row += piece.count(b"\n")
    return HclFile(path, Body(tuple(attrs), tuple(blocks), _file_span(path, source)), tuple(errors))


def _read_piece(
    piece: bytes,
    path: str,
    row: int,
    col_off: int = 0,
    shifts: dict[int, tuple[tuple[int, int], ...]] | None = None,
    tree_source: bytes | None = None,
) -> tuple[bool, Body, list[FileError]]:
    """One piece of a file (starting at ``row``, ``col_off``) parsed on its own: whether it has
    a syntax error, the top-level items that parse (blocks with an error left out), and its
    located errors. Its tree (of ``tree_source``, the piece masked, when given) is freed on
    return."""
    conv = Converter(piece, path, row_off=row, col_off=col_off, shifts=shifts)
    root = parse_tree(piece if tree_source is None else tree_source).root_node
    broken = root.has_error
    if broken:
        conv.collect_errors(root)
    body_node = next((c for c in root.children if c.type == "body"), None)
    return broken, conv.body(body_node, Span(path, 1, 1, 1, 1), 0, skip_errors=True), conv.errors


def _reparse_region(
    source: bytes,
    path: str,
    lo: int,
    hi: int,
    attrs: list[Attribute],
    blocks: list[Block],
    errors: list[FileError],
    shifts: dict[int, tuple[tuple[int, int], ...]] | None = None,
) -> None:
    """Parse ``source[lo:hi]`` piece by piece (split at top-level headers); keep what parses."""
    starts = [lo] + [m.start() for m in _TOP_LEVEL.finditer(source, lo, hi) if m.start() > lo]
    starts.append(hi)
    row = source.count(b"\n", 0, lo)
    prev = lo
    for a, b in zip(starts, starts[1:], strict=False):
        if a >= b:
            continue
        row += source.count(b"\n", prev, a)
        prev = a
        line_start = source.rfind(b"\n", 0, a) + 1
        col_off = len(source[line_start:a].decode("utf-8", "replace"))
        _, body, piece_errors = _read_piece(source[a:b], path, row, col_off, shifts)
        attrs.extend(body.attributes)
        blocks.extend(body.blocks)
        errors.extend(piece_errors)
