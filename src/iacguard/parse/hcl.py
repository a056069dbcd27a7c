"""HCL (tree-sitter-hcl) -> ``parse.hcl_ast``; also Terraform JSON syntax and tfvars.

Nothing here raises on bad input: syntax errors become located ``FileError`` values and every
well-formed top-level block still comes through. When tree-sitter's error recovery lets a
broken block swallow the blocks after it, the file is split at top-level block headers and
each piece is parsed on its own; a top-level block that contains a syntax error is dropped
(never half-read: a missing attribute could read as a wrong value).

Columns are 1-based *characters* (tree-sitter's byte columns are converted when a line is not
ASCII).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from iacguard.core.located import FileError
from iacguard.core.spans import Span
from iacguard.parse.hcl_ast import (
    Attribute,
    Binary,
    Block,
    Body,
    Call,
    Conditional,
    Expr,
    ForExpr,
    GetAttr,
    HclFile,
    Index,
    Literal,
    ObjectExpr,
    Postfix,
    Splat,
    Step,
    Template,
    TemplateFor,
    TemplateIf,
    Traversal,
    TupleExpr,
    Unary,
    Unsupported,
)

#: nesting deeper than this (expressions and blocks) is an error; the subtree is Unsupported
MAX_DEPTH = 200
#: at most this many syntax errors are reported per file
MAX_ERRORS = 20

_WRAPPERS = frozenset(
    {"expression", "literal_value", "collection_value", "for_expr", "operation", "template_expr"}
)
_BINARY_OPS = frozenset({"||", "&&", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%"})
_STEP_TYPES = frozenset({"get_attr", "index", "splat"})
_QUOTED_ESCAPES = re.compile(
    r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))|\$\$\{|%%\{", re.DOTALL
)
_HEREDOC_ESCAPES = re.compile(r"\$\$\{|%%\{")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
#: a line that starts a top-level block or attribute (used to split files with errors)
_TOP_LEVEL = re.compile(
    rb'^[A-Za-z_][A-Za-z0-9_-]*(?:[ \t]+(?:"[^"\n]*"|[A-Za-z_][A-Za-z0-9_-]*))*[ \t]*(?:\{|=(?!=))',
    re.MULTILINE,
)

_MISSING_NAMES = {
    "quoted_template_end": "closing '\"'",
    "heredoc_identifier": "heredoc end marker",
    "identifier": "a name or value",
    "template_interpolation_end": "'}' closing '${'",
    "template_directive_end": "'}' closing '%{'",
    "<<": "a value",
}

_LINE_COMMENT = re.compile(rb"^[ \t]*((?:#|//)[^\n]*)", re.MULTILINE)

# sentinels inside template part lists for strip markers (``~``)
_STRIP_BEFORE = object()  # strip trailing whitespace of the preceding text
_STRIP_AFTER = object()  # strip leading whitespace of the following text


@lru_cache(maxsize=1)
def _parser_parts() -> tuple[Any, Any]:
    """The tree-sitter language and comment query (imported lazily, once per process)."""
    import tree_sitter
    import tree_sitter_hcl

    language = tree_sitter.Language(tree_sitter_hcl.language())
    query = tree_sitter.Query(language, "(comment) @c")
    return language, query


def _parse_tree(source: bytes) -> Any:
    import tree_sitter

    language, _ = _parser_parts()
    # the read-callback form: the same tree, but Python runs between chunks, so a time limit
    # (iacguard.run.guard's signal) can stop a parse of a huge file instead of waiting it out
    return tree_sitter.Parser(language).parse(
        lambda offset, _point: source[offset : offset + 65536]
    )


def _unescape_quoted(text: str) -> str:
    if "\\" not in text and "$${" not in text and "%%{" not in text:
        return text

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

    return _QUOTED_ESCAPES.sub(sub, text)


def _unescape_heredoc(text: str) -> str:
    if "$${" not in text and "%%{" not in text:
        return text
    return _HEREDOC_ESCAPES.sub(lambda m: m.group(0)[1:], text)


def _finish_parts(parts: list[Any]) -> tuple[str | Expr, ...]:
    """Apply strip markers, merge adjacent text, drop empty text."""
    out: list[Any] = []
    strip_next = False
    for p in parts:
        if p is _STRIP_BEFORE:
            if out and isinstance(out[-1], str):
                out[-1] = out[-1].rstrip()
            continue
        if p is _STRIP_AFTER:
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


class _Converter:
    """Walks one tree-sitter tree into the AST."""

    __slots__ = (
        "source",
        "path",
        "ascii",
        "line_starts",
        "errors",
        "fixed_span",
        "_deep",
        "_parens",
        "row_base",
        "col_off",
    )

    def __init__(
        self,
        source: bytes,
        path: str,
        fixed_span: Span | None = None,
        row_off: int = 0,
        col_off: int = 0,
    ) -> None:
        """``row_off`` / ``col_off``: where ``source`` starts in the file (a piece of it);
        ``col_off`` (characters) applies to the piece's first row only."""
        self.row_base = row_off + 1
        self.col_off = col_off
        self.source = source
        self.path = path
        self.ascii = source.isascii()
        self.line_starts: list[int] | None = None
        self.errors: list[FileError] = []
        self.fixed_span = fixed_span
        self._deep = False
        #: ids of Conditional nodes written in parentheses (kept alive by the tree)
        self._parens: set[int] = set()

    # ------------------------------------------------------------------ locations

    def _col(self, row: int, col: int) -> int:
        if self.ascii:
            return col + 1
        if self.line_starts is None:
            starts = [0]
            find = self.source.find
            i = find(b"\n")
            while i >= 0:
                starts.append(i + 1)
                i = find(b"\n", i + 1)
            self.line_starts = starts
        if row >= len(self.line_starts):
            return col + 1
        start = self.line_starts[row]
        return len(self.source[start : start + col].decode("utf-8", "replace")) + 1

    def _loc(self, row: int, col: int) -> tuple[int, int]:
        """A tree-sitter point as the file's (line, column)."""
        c = self._col(row, col)
        return row + self.row_base, (c + self.col_off if row == 0 else c)

    def span_points(self, sp: Any, ep: Any) -> Span:
        if self.fixed_span is not None:
            return self.fixed_span
        base = self.row_base
        if self.ascii:
            sr, sc = sp
            er, ec = ep
            if self.col_off:
                sc += self.col_off if sr == 0 else 0
                ec += self.col_off if er == 0 else 0
            return Span(self.path, sr + base, sc + 1, er + base, ec + 1)
        sl, scol = self._loc(sp[0], sp[1])
        el, ecol = self._loc(ep[0], ep[1])
        return Span(self.path, sl, scol, el, ecol)

    def span(self, node: Any) -> Span:
        return self.span_points(node.start_point, node.end_point)

    def text(self, node: Any) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def too_deep(self, node: Any) -> Unsupported:
        if not self._deep:
            self._deep = True
            line, col = self._loc(*node.start_point)
            self.errors.append(
                FileError(
                    self.path,
                    line,
                    col,
                    f"nesting deeper than {MAX_DEPTH} levels: the rest is not read",
                )
            )
        text = self.text(node)
        return Unsupported(text[:80], self.span(node), f"nesting deeper than {MAX_DEPTH} levels")

    # ------------------------------------------------------------------ structure

    def body(self, node: Any | None, span: Span, depth: int, skip_errors: bool) -> Body:
        attributes: list[Attribute] = []
        blocks: list[Block] = []
        seen: dict[str, Attribute] = {}
        if node is not None:
            for child in node.children:
                t = child.type
                if skip_errors and child.has_error:
                    continue
                if t == "attribute":
                    attr = self.attribute(child, depth)
                    first = seen.get(attr.name)
                    if first is not None:
                        # Terraform rejects this ("Attribute redefined"); the first one is kept
                        self.errors.append(
                            FileError(
                                self.path,
                                attr.span.start_line,
                                attr.span.start_column,
                                f"duplicate attribute {attr.name!r} (first defined at line "
                                f"{first.span.start_line})",
                            )
                        )
                        continue
                    seen[attr.name] = attr
                    attributes.append(attr)
                elif t == "block":
                    blocks.append(self.block(child, depth))
        return Body(tuple(attributes), tuple(blocks), span)

    def attribute(self, node: Any, depth: int) -> Attribute:
        kids = node.children
        name = self.text(kids[0])
        value = next((k for k in kids[1:] if k.is_named and k.type != "comment"), None)
        if value is None:
            expr: Expr = Unsupported("", self.span(node), "missing value")
        else:
            expr = self.expr(value, depth + 1)
        span = self.span(node)
        es = expr.span
        if (es.end_line, es.end_column) > (span.end_line, span.end_column):
            # heredoc nodes end early in tree-sitter-hcl: take the value's end
            span = Span(span.path, span.start_line, span.start_column, es.end_line, es.end_column)
        return Attribute(name, expr, span)

    def block(self, node: Any, depth: int) -> Block:
        if depth > MAX_DEPTH:
            self.too_deep(node)
            sp = self.span(node)
            return Block("", (), Body((), (), sp), sp, sp)
        kids = node.children
        type_ = self.text(kids[0])
        labels: list[str] = []
        header_end = kids[0]
        body_node = None
        open_node = close_node = None
        for k in kids[1:]:
            t = k.type
            if t == "string_lit":
                labels.append(self.string_lit_text(k))
                header_end = k
            elif t == "identifier":
                labels.append(self.text(k))
                header_end = k
            elif t == "block_start":
                open_node = k
            elif t == "body":
                body_node = k
            elif t == "block_end":
                close_node = k
        span = self.span(node)
        header = self.span_points(kids[0].start_point, header_end.end_point)
        if open_node is not None and close_node is not None:
            body_span = self.span_points(open_node.end_point, close_node.start_point)
        else:
            body_span = span
        body = self.body(body_node, body_span, depth + 1, skip_errors=False)
        return Block(type_, tuple(labels), body, span, header)

    # ------------------------------------------------------------------ expressions

    def expr(self, node: Any, depth: int) -> Expr:
        if depth > MAX_DEPTH:
            return self.too_deep(node)
        # unwrap single-child wrappers without recursing
        while node.type in _WRAPPERS and node.named_child_count == 1 and node.child_count == 1:
            node = node.children[0]
        t = node.type
        if t == "expression":
            return self.compound(node, depth)
        if t == "variable_expr":
            return Traversal(self.text(node), (), self.span(node))
        if t == "literal_value":
            node = node.named_children[0] if node.named_child_count else node
            t = node.type
        if t == "numeric_lit":
            text = self.text(node)
            value: Any
            try:
                value = int(text) if text.isdigit() else float(text)
            except ValueError:
                return Unsupported(text, self.span(node), "malformed number")
            return Literal(value, self.span(node))
        if t == "bool_lit":
            return Literal(self.text(node) == "true", self.span(node))
        if t == "null_lit":
            return Literal(None, self.span(node))
        if t == "string_lit":
            return Literal(self.string_lit_text(node), self.span(node))
        if t == "quoted_template":
            return self.quoted_template(node, depth)
        if t == "heredoc_template":
            return self.heredoc(node, depth)
        if t == "function_call":
            return self.call(node, depth)
        if t == "conditional":
            parts = [c for c in node.children if c.is_named and c.type != "comment"]
            if len(parts) != 3:
                return Unsupported(self.text(node), self.span(node))
            cond = self.expr(parts[0], depth + 1)
            then = self.expr(parts[1], depth + 1)
            else_ = self.expr(parts[2], depth + 1)
            if isinstance(cond, Conditional) and id(cond) not in self._parens:
                # tree-sitter-hcl nests `a ? b : c ? d : e` to the left; HCL's conditional is
                # right-associative: a ? b : (c ? d : e)
                return self._attach(cond, then, else_)
            return Conditional(cond, then, else_, self.span(node))
        if t == "binary_operation":
            kids = [c for c in node.children if c.type != "comment"]
            at = next(
                (i for i, c in enumerate(kids) if not c.is_named and c.type in _BINARY_OPS), -1
            )
            if at <= 0 or at == len(kids) - 1:
                return Unsupported(self.text(node), self.span(node))
            return Binary(
                kids[at].type,
                self.sequence(kids[:at], depth + 1),
                self.sequence(kids[at + 1 :], depth + 1),
                self.span(node),
            )
        if t == "unary_operation":
            kids = [c for c in node.children if c.type != "comment"]
            if len(kids) < 2:
                return Unsupported(self.text(node), self.span(node))
            return Unary(kids[0].type, self.sequence(kids[1:], depth + 1), self.span(node))
        if t == "tuple":
            items = tuple(
                self.expr(c, depth + 1)
                for c in node.children
                if c.is_named and c.type not in ("tuple_start", "tuple_end", "comment")
            )
            return TupleExpr(items, self.span(node))
        if t == "object":
            return self.object(node, depth)
        if t in ("for_tuple_expr", "for_object_expr"):
            return self.for_expr(node, depth)
        return Unsupported(self.text(node)[:200], self.span(node))

    def _attach(self, left: Conditional, then: Expr, else_: Expr) -> Conditional:
        """``left ? then : else_`` re-read right-associatively: the new ``? :`` binds to the
        rightmost else branch of ``left``."""
        inner = left.else_
        if isinstance(inner, Conditional) and id(inner) not in self._parens:
            new_else: Expr = self._attach(inner, then, else_)
        else:
            s, e = inner.span, else_.span
            new_else = Conditional(
                inner,
                then,
                else_,
                Span(s.path, s.start_line, s.start_column, e.end_line, e.end_column),
            )
        s, e = left.span, new_else.span
        span = Span(s.path, s.start_line, s.start_column, e.end_line, e.end_column)
        return Conditional(left.cond, left.then, new_else, span)

    def sequence(self, kids: list[Any], depth: int) -> Expr:
        """An operand given as sibling nodes (``variable_expr get_attr ...``)."""
        if len(kids) == 1:
            return self.expr(kids[0], depth)
        return self.compound_kids(kids, kids[0], kids[-1], depth)

    def compound(self, node: Any, depth: int) -> Expr:
        """An ``expression`` node: a primary followed by traversal steps, or ``( expr )``."""
        kids = [c for c in node.children if c.type != "comment"]
        if not kids:
            return Unsupported("", self.span(node))
        return self.compound_kids(kids, node, node, depth)

    def compound_kids(self, kids: list[Any], first: Any, last: Any, depth: int) -> Expr:
        span = self.span_points(first.start_point, last.end_point)
        if depth > MAX_DEPTH:
            return self.too_deep(first)
        if kids[0].type == "(":
            inner = kids[1] if len(kids) > 1 else None
            rest = kids[3:] if len(kids) > 2 and kids[2].type == ")" else kids[2:]
            if inner is None:
                return Unsupported(self.text(first), span)
            primary_expr = self.expr(inner, depth + 1)
            steps = self.steps(rest, depth)
            if not steps:
                if isinstance(primary_expr, Conditional):
                    self._parens.add(id(primary_expr))
                return primary_expr
            return Postfix(primary_expr, steps, span)
        primary = kids[0]
        steps = self.steps(kids[1:], depth)
        if primary.type == "variable_expr":
            return Traversal(self.text(primary), steps, span)
        primary_expr = self.expr(primary, depth + 1)
        if not steps:
            return primary_expr
        return Postfix(primary_expr, steps, span)

    def steps(self, nodes: list[Any], depth: int) -> tuple[Step, ...]:
        out: list[Step] = []
        for n in nodes:
            t = n.type
            if t == "get_attr":
                ident = n.named_children
                name = self.text(ident[-1]) if ident else self.text(n).lstrip(".")
                out.append(GetAttr(name, self.span(n)))
            elif t == "index":
                inner = n.children[0] if n.child_count else n
                if inner.type == "legacy_index":
                    text = self.text(inner).lstrip(".").strip()
                    key: Expr
                    if text.isdigit():
                        key = Literal(int(text), self.span(inner))
                    else:
                        key = Literal(text, self.span(inner))
                    out.append(Index(key, self.span(n)))
                else:
                    e = next((c for c in inner.children if c.type == "expression"), None)
                    if e is None:
                        out.append(Index(Unsupported(self.text(n), self.span(n)), self.span(n)))
                    else:
                        out.append(Index(self.expr(e, depth + 1), self.span(n)))
            elif t == "splat":
                inner = n.children[0] if n.child_count else n
                full = inner.type == "full_splat"
                sub = self.steps([c for c in inner.children if c.type in _STEP_TYPES], depth)
                if full:
                    out.append(Splat(True, sub, self.span(n)))
                else:
                    # an attribute splat repeats only the attribute steps right after it;
                    # anything else applies to the resulting list
                    cut = next((i for i, x in enumerate(sub) if not isinstance(x, GetAttr)), None)
                    cut = len(sub) if cut is None else cut
                    out.append(Splat(False, sub[:cut], self.span(n)))
                    out.extend(sub[cut:])
        return tuple(out)

    def call(self, node: Any, depth: int) -> Expr:
        kids = node.children
        name = self.text(kids[0])
        args: list[Expr] = []
        expand = False
        for k in kids:
            if k.type == "function_arguments":
                for a in k.children:
                    if a.type == "ellipsis":
                        expand = True
                    elif a.is_named and a.type != "comment":
                        args.append(self.expr(a, depth + 1))
        return Call(name, tuple(args), expand, self.span(node))

    def object(self, node: Any, depth: int) -> Expr:
        items: list[tuple[Expr, Expr]] = []
        for elem in node.children:
            if elem.type != "object_elem":
                continue
            key_node = elem.child_by_field_name("key")
            val_node = elem.child_by_field_name("val")
            if key_node is None or val_node is None:
                continue
            key: Expr
            kk = [c for c in key_node.children if c.type != "comment"]
            if key_node.type == "expression" and len(kk) == 1 and kk[0].type == "variable_expr":
                key = Literal(self.text(kk[0]), self.span(kk[0]))
            else:
                key = self.expr(key_node, depth + 1)
            items.append((key, self.expr(val_node, depth + 1)))
        return ObjectExpr(tuple(items), self.span(node))

    def for_expr(self, node: Any, depth: int) -> Expr:
        is_object = node.type == "for_object_expr"
        intro = None
        exprs: list[Any] = []
        cond = None
        grouping = False
        for k in node.children:
            t = k.type
            if t == "for_intro":
                intro = k
            elif t == "expression":
                exprs.append(k)
            elif t == "ellipsis":
                grouping = True
            elif t == "for_cond":
                cond = next((c for c in k.children if c.type == "expression"), None)
        if intro is None:
            return Unsupported(self.text(node), self.span(node))
        names = [self.text(c) for c in intro.children if c.type == "identifier"]
        coll = next((c for c in intro.children if c.type == "expression"), None)
        if not names or coll is None or len(exprs) != (2 if is_object else 1):
            return Unsupported(self.text(node), self.span(node))
        key_var, value_var = (names[0], names[1]) if len(names) > 1 else (None, names[0])
        return ForExpr(
            key_var,
            value_var,
            self.expr(coll, depth + 1),
            self.expr(exprs[0], depth + 1) if is_object else None,
            self.expr(exprs[-1], depth + 1),
            self.expr(cond, depth + 1) if cond is not None else None,
            grouping,
            is_object,
            self.span(node),
        )

    # ------------------------------------------------------------------ templates

    def string_lit_text(self, node: Any) -> str:
        kids = node.children
        if not kids:
            return ""
        lo = kids[0].end_byte if kids[0].type == "quoted_template_start" else node.start_byte
        hi = kids[-1].start_byte if kids[-1].type == "quoted_template_end" else node.end_byte
        return _unescape_quoted(self.source[lo:hi].decode("utf-8", "replace"))

    def quoted_template(self, node: Any, depth: int) -> Expr:
        kids = node.children
        lo = (
            kids[0].end_byte
            if kids and kids[0].type == "quoted_template_start"
            else node.start_byte
        )
        hi = (
            kids[-1].start_byte
            if kids and kids[-1].type == "quoted_template_end"
            else node.end_byte
        )
        inner = [k for k in kids if k.start_byte >= lo and k.end_byte <= hi]
        parts = self.template_parts(inner, lo, hi, True, 0, depth)
        return self.make_template(parts, self.span(node), False)

    def make_template(self, parts: tuple[str | Expr, ...], span: Span, heredoc: bool) -> Expr:
        if all(isinstance(p, str) for p in parts):
            return Literal("".join(parts), span)  # type: ignore[arg-type]
        return Template(parts, span, heredoc)

    def heredoc(self, node: Any, depth: int) -> Expr:
        kids = node.children
        idents = [k for k in kids if k.type == "heredoc_identifier"]
        start = next((k for k in kids if k.type == "heredoc_start"), None)
        last = kids[-1] if kids else node
        span = self.span_points(node.start_point, last.end_point)
        if len(idents) < 2 or start is None:
            return Unsupported(self.text(node)[:200], span, "unterminated heredoc")
        opening, closing = idents[0], idents[-1]
        nl = self.source.find(b"\n", opening.end_byte)
        lo = nl + 1 if nl >= 0 else opening.end_byte
        hi = closing.start_byte - closing.start_point[1]
        if hi < lo:
            hi = lo
        dedent = 0
        if self.text(start).endswith("-"):
            raw = self.source[lo:hi].decode("utf-8", "replace")
            indents = [
                len(line) - len(line.lstrip(" \t"))
                for line in raw.split("\n")
                if line.strip(" \t\r")
            ]
            dedent = min(indents) if indents else 0
        inner = [
            k
            for k in kids
            if k.start_byte >= lo and k.end_byte <= hi and k.type != "heredoc_identifier"
        ]
        parts = self.template_parts(inner, lo, hi, False, dedent, depth)
        return self.make_template(parts, span, True)

    def literal_text(self, lo: int, hi: int, quoted: bool, dedent: int) -> str:
        text = self.source[lo:hi].decode("utf-8", "replace")
        if dedent:
            at_start = lo == 0 or self.source[lo - 1 : lo] == b"\n"
            lines = text.split("\n")
            for i, line in enumerate(lines):
                if i == 0 and not at_start:
                    continue
                n = 0
                while n < dedent and n < len(line) and line[n] in " \t":
                    n += 1
                lines[i] = line[n:]
            text = "\n".join(lines)
        return _unescape_quoted(text) if quoted else _unescape_heredoc(text)

    def template_parts(
        self, kids: list[Any], lo: int, hi: int, quoted: bool, dedent: int, depth: int
    ) -> tuple[str | Expr, ...]:
        parts: list[Any] = []
        pos = lo
        for k in kids:
            t = k.type
            if t == "template_literal":
                continue
            if k.start_byte > pos:
                parts.append(self.literal_text(pos, k.start_byte, quoted, dedent))
            pos = max(pos, k.end_byte)
            if t == "template_interpolation":
                marks = [c for c in k.children if c.type == "strip_marker"]
                e = next((c for c in k.children if c.type == "expression"), None)
                if marks and marks[0].start_byte < (e.start_byte if e else k.end_byte):
                    parts.append(_STRIP_BEFORE)
                parts.append(
                    self.expr(e, depth + 1)
                    if e is not None
                    else Unsupported(self.text(k), self.span(k))
                )
                if marks and e is not None and marks[-1].start_byte > e.end_byte:
                    parts.append(_STRIP_AFTER)
            elif t == "template_directive":
                directive = k.children[0] if k.child_count else k
                if directive.type == "template_if":
                    parts.extend(self.template_if(directive, quoted, dedent, depth))
                elif directive.type == "template_for":
                    parts.extend(self.template_for(directive, quoted, dedent, depth))
                else:
                    parts.append(Unsupported(self.text(k), self.span(k), "template directive"))
            else:
                parts.append(Unsupported(self.text(k)[:200], self.span(k), "template syntax"))
        if hi > pos:
            parts.append(self.literal_text(pos, hi, quoted, dedent))
        return _finish_parts(parts)

    @staticmethod
    def _marks(node: Any) -> tuple[bool, bool]:
        """(strip before, strip after) of a directive intro/end node."""
        kids = node.children
        before = len(kids) > 1 and kids[1].type == "strip_marker"
        after = len(kids) > 1 and kids[-2].type == "strip_marker"
        return before, after

    def _section(
        self,
        kids: list[Any],
        start: Any,
        end: Any,
        quoted: bool,
        dedent: int,
        depth: int,
    ) -> Template:
        inner = [k for k in kids if k.start_byte >= start.end_byte and k.end_byte <= end.start_byte]
        parts: list[Any] = []
        if self._marks(start)[1]:
            parts.append(_STRIP_AFTER)
        parts.extend(
            self.template_parts(inner, start.end_byte, end.start_byte, quoted, dedent, depth)
        )
        if self._marks(end)[0]:
            parts.append(_STRIP_BEFORE)
        span = self.span_points(start.end_point, end.start_point)
        return Template(_finish_parts(parts), span)

    def template_if(self, node: Any, quoted: bool, dedent: int, depth: int) -> list[Any]:
        kids = node.children
        intro = next((k for k in kids if k.type == "template_if_intro"), None)
        else_ = next((k for k in kids if k.type == "template_else_intro"), None)
        end = next((k for k in kids if k.type == "template_if_end"), None)
        if intro is None or end is None:
            return [Unsupported(self.text(node), self.span(node), "template if")]
        cond = next((c for c in intro.children if c.type == "expression"), None)
        if cond is None:
            return [Unsupported(self.text(node), self.span(node), "template if")]
        then = self._section(kids, intro, else_ or end, quoted, dedent, depth)
        other = self._section(kids, else_, end, quoted, dedent, depth) if else_ else None
        out: list[Any] = []
        if self._marks(intro)[0]:
            out.append(_STRIP_BEFORE)
        out.append(TemplateIf(self.expr(cond, depth + 1), then, other, self.span(node)))
        if self._marks(end)[1]:
            out.append(_STRIP_AFTER)
        return out

    def template_for(self, node: Any, quoted: bool, dedent: int, depth: int) -> list[Any]:
        kids = node.children
        start = next((k for k in kids if k.type == "template_for_start"), None)
        end = next((k for k in kids if k.type == "template_for_end"), None)
        if start is None or end is None:
            return [Unsupported(self.text(node), self.span(node), "template for")]
        names = [self.text(c) for c in start.children if c.type == "identifier"]
        coll = next((c for c in start.children if c.type == "expression"), None)
        if not names or coll is None:
            return [Unsupported(self.text(node), self.span(node), "template for")]
        key_var, value_var = (names[0], names[1]) if len(names) > 1 else (None, names[0])
        body = self._section(kids, start, end, quoted, dedent, depth)
        out: list[Any] = []
        if self._marks(start)[0]:
            out.append(_STRIP_BEFORE)
        out.append(
            TemplateFor(key_var, value_var, self.expr(coll, depth + 1), body, self.span(node))
        )
        if self._marks(end)[1]:
            out.append(_STRIP_AFTER)
        return out

    # ------------------------------------------------------------------ errors

    def collect_errors(self, root: Any) -> None:
        """One FileError per ERROR / MISSING region (outermost), at most MAX_ERRORS."""
        stack = [root]
        found: list[Any] = []
        while stack and len(found) < MAX_ERRORS:
            n = stack.pop()
            if n.type == "ERROR" or n.is_missing:
                found.append(n)
                continue
            if n.has_error:
                stack.extend(reversed(n.children))
        for n in found:
            sp = n.start_point
            if n.is_missing:
                what = _MISSING_NAMES.get(n.type, repr(n.type))
                msg = f"syntax error: missing {what}"
            elif n.end_byte <= n.start_byte or n.start_byte >= len(self.source):
                msg = "syntax error: unexpected end of file"
            else:
                snippet = self.text(n).strip().split("\n", 1)[0][:40]
                msg = f"syntax error: unexpected {snippet!r}" if snippet else "syntax error"
            line, col = self._loc(sp[0], sp[1])
            self.errors.append(FileError(self.path, line, col, msg))


# ----------------------------------------------------------------------------- HCL


def _file_span(path: str, source: bytes) -> Span:
    lines = source.count(b"\n")
    last = source[source.rfind(b"\n") + 1 :].decode("utf-8", "replace")
    return Span(path, 1, 1, lines + 1, len(last) + 1)


def _comments(tree: Any, conv: _Converter) -> list[tuple[int, str]]:
    import tree_sitter

    _, query = _parser_parts()
    nodes = tree_sitter.QueryCursor(query).captures(tree.root_node).get("c", [])
    nodes.sort(key=lambda n: n.start_byte)  # capture order is not guaranteed
    return [(n.start_point[0] + conv.row_base, conv.text(n)) for n in nodes]


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a tree.

    The AST holds no reference cycles, but the collector's full passes over a growing heap made
    conversion superlinear (a 17 MB file: 130 s with the collector, 10 s without). It is
    switched back on afterwards only if it was on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_hcl(source: bytes, path: str) -> HclFile:
    """Parse HCL native syntax; never raises (syntax errors become located FileErrors)."""
    try:
        with _no_gc():
            return _parse_hcl(source, path)
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


def _parse_hcl(source: bytes, path: str) -> HclFile:
    tree = _parse_tree(source)
    conv = _Converter(source, path)
    root = tree.root_node
    comments = _comments(tree, conv)
    file_span = _file_span(path, source)
    body_node = next((c for c in root.children if c.type == "body"), None)
    if not root.has_error:
        body = conv.body(body_node, file_span, 0, False)
        return HclFile(path, body, tuple(conv.errors), tuple(comments))
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
            _reparse_region(source, path, lo, hi, attrs, blocks, errors, comments)

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
        tuple(sorted(set(comments))),
    )


def _reparse_region(
    source: bytes,
    path: str,
    lo: int,
    hi: int,
    attrs: list[Attribute],
    blocks: list[Block],
    errors: list[FileError],
    comments: list[tuple[int, str]],
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
        piece = source[a:b]
        sub = _Converter(piece, path, row_off=row, col_off=col_off)
        tree = _parse_tree(piece)
        root = tree.root_node
        if root.has_error:
            sub.collect_errors(root)
        body_node = next((c for c in root.children if c.type == "body"), None)
        body = sub.body(body_node, Span(path, 1, 1, 1, 1), 0, skip_errors=True)
        attrs.extend(body.attributes)
        blocks.extend(body.blocks)
        errors.extend(sub.errors)
        comments.extend(_comments(tree, sub))
        if root.has_error:
            # the comment query does not look inside ERROR nodes: read whole-line comments of
            # a broken piece lexically (inline suppressions must still be seen)
            at, line = 0, row + 1
            for m in _LINE_COMMENT.finditer(piece):
                line += piece.count(b"\n", at, m.start())
                at = m.start()
                comments.append((line, m.group(1).decode("utf-8", "replace").rstrip("\r")))


# ----------------------------------------------------------------------------- JSON syntax

#: blocks whose JSON form is ``{"type": {"label1": {"label2": {body}}}}``
_JSON_LABELS = {
    "resource": 2,
    "data": 2,
    "module": 1,
    "provider": 0,
    "variable": 1,
    "output": 1,
    "locals": 0,
    "terraform": 0,
    "moved": 0,
    "import": 0,
    "check": 1,
    "removed": 0,
}
#: nested names that are blocks (not attributes) inside resource bodies, for JSON syntax
_JSON_NESTED_BLOCKS = frozenset(
    {
        "lifecycle",
        "provisioner",
        "connection",
        "dynamic",
        "content",
        "rule",
        "copy_action",
        "selection_tag",
        "advanced_backup_setting",
        "statement",
        "principals",
        "not_principals",
        "condition",
        "backend",
        "required_providers",
        "validation",
        "precondition",
        "postcondition",
        "scan_action",
        "index_actions",
    }
)
#: nested blocks that take labels in JSON (``dynamic "name"``, ``provisioner "local-exec"``)
_JSON_LABELLED_NESTED = {"dynamic": 1, "provisioner": 1, "backend": 1}


class _JNode:
    """A JSON value with its byte range."""

    __slots__ = ("value", "lo", "hi")

    def __init__(self, value: Any, lo: int, hi: int) -> None:
        self.value = value  # scalar, list[_JNode], or list[tuple[str, int, _JNode]]
        self.lo = lo
        self.hi = hi


class _JsonError(Exception):
    def __init__(self, pos: int, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


class _JsonScanner:
    """A small JSON reader that keeps every value's position (depth-bounded)."""

    def __init__(self, text: str) -> None:
        import json.decoder

        self.text = text
        self.scanstring = json.decoder.scanstring

    def ws(self, i: int) -> int:
        m = _WS.match(self.text, i)
        return m.end() if m else i

    def parse(self) -> _JNode:
        i = self.ws(0)
        node, i = self.value(i, 0)
        i = self.ws(i)
        if i != len(self.text):
            raise _JsonError(i, "extra data after the JSON value")
        return node

    def value(self, i: int, depth: int) -> tuple[_JNode, int]:
        if depth > MAX_DEPTH:
            raise _JsonError(i, f"nesting deeper than {MAX_DEPTH} levels")
        text = self.text
        if i >= len(text):
            raise _JsonError(i, "unexpected end of file")
        c = text[i]
        if c == "{":
            items: list[tuple[str, int, _JNode]] = []
            j = self.ws(i + 1)
            if j < len(text) and text[j] == "}":
                return _JNode(items, i, j + 1), j + 1
            while True:
                if j >= len(text) or text[j] != '"':
                    raise _JsonError(j, "expected a string key")
                key_pos = j
                try:
                    key, j = self.scanstring(text, j + 1)
                except ValueError as exc:
                    raise _JsonError(j, str(exc).split(":")[0]) from None
                j = self.ws(j)
                if j >= len(text) or text[j] != ":":
                    raise _JsonError(j, "expected ':'")
                j = self.ws(j + 1)
                node, j = self.value(j, depth + 1)
                items.append((key, key_pos, node))
                j = self.ws(j)
                if j < len(text) and text[j] == ",":
                    j = self.ws(j + 1)
                    continue
                if j < len(text) and text[j] == "}":
                    return _JNode(items, i, j + 1), j + 1
                raise _JsonError(j, "expected ',' or '}'")
        if c == "[":
            elems: list[_JNode] = []
            j = self.ws(i + 1)
            if j < len(text) and text[j] == "]":
                return _JNode(elems, i, j + 1), j + 1
            while True:
                node, j = self.value(j, depth + 1)
                elems.append(node)
                j = self.ws(j)
                if j < len(text) and text[j] == ",":
                    j = self.ws(j + 1)
                    continue
                if j < len(text) and text[j] == "]":
                    return _JNode(elems, i, j + 1), j + 1
                raise _JsonError(j, "expected ',' or ']'")
        if c == '"':
            try:
                s, j = self.scanstring(text, i + 1)
            except ValueError as exc:
                raise _JsonError(i, str(exc).split(":")[0]) from None
            return _JNode(s, i, j), j
        for word, val in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, i):
                return _JNode(val, i, i + len(word)), i + len(word)
        m = _NUMBER.match(text, i)
        if m and m.end() > i:
            num = m.group(0)
            v: Any = float(num) if (m.group(1) or m.group(2)) else int(num)
            return _JNode(v, i, m.end()), m.end()
        raise _JsonError(i, f"unexpected character {c!r}")


class _JsonConverter:
    def __init__(self, text: str, path: str, templates: bool) -> None:
        self.text = text
        self.path = path
        self.templates = templates
        starts = [0]
        i = text.find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = text.find("\n", i + 1)
        self.starts = starts
        self.errors: list[FileError] = []
        import json.decoder

        self._scanstring = json.decoder.scanstring

    def pos(self, offset: int) -> tuple[int, int]:
        import bisect

        row = bisect.bisect_right(self.starts, offset) - 1
        return row + 1, offset - self.starts[row] + 1

    def span(self, lo: int, hi: int) -> Span:
        sl, sc = self.pos(lo)
        el, ec = self.pos(hi)
        return Span(self.path, sl, sc, el, ec)

    def expr(self, node: _JNode) -> Expr:
        v = node.value
        span = self.span(node.lo, node.hi)
        if isinstance(v, list):
            if v and isinstance(v[0], tuple) or (not v and self.text[node.lo] == "{"):
                items = tuple((Literal(k, self.span(kp, kp + 1)), self.expr(n)) for k, kp, n in v)
                return ObjectExpr(items, span)
            return TupleExpr(tuple(self.expr(n) for n in v), span)
        if isinstance(v, str) and self.templates and ("${" in v or "%{" in v):
            return self.template(v, span)
        return Literal(v, span)

    def template(self, text: str, span: Span) -> Expr:
        """A JSON string that holds a template."""
        expr, errors = _template_from_text(text, self.path, span)
        if errors:
            return Unsupported(text[:200], span, "malformed template in JSON string")
        return expr

    def body(self, node: _JNode, nested_blocks: bool, depth: int) -> Body:
        span = self.span(node.lo, node.hi)
        if not isinstance(node.value, list) or (
            node.value and not isinstance(node.value[0], tuple)
        ):
            if isinstance(node.value, list) and not node.value and self.text[node.lo] == "{":
                return Body((), (), span)
            self.error(node.lo, "expected a JSON object")
            return Body((), (), span)
        attributes: list[Attribute] = []
        blocks: list[Block] = []
        for key, kp, child in node.value:
            if key == "//":
                continue  # JSON-syntax comment
            if nested_blocks and key in _JSON_NESTED_BLOCKS and self._is_object_or_list(child):
                labels = _JSON_LABELLED_NESTED.get(key, 0)
                blocks.extend(self.blocks(key, kp, child, labels, depth + 1))
            else:
                attributes.append(Attribute(key, self.expr(child), self.span(kp, child.hi)))
        return Body(tuple(attributes), tuple(blocks), span)

    def _is_object_or_list(self, node: _JNode) -> bool:
        return isinstance(node.value, list) and self.text[node.lo] in "{["

    def blocks(
        self, type_: str, key_pos: int, node: _JNode, labels: int, depth: int
    ) -> list[Block]:
        out: list[Block] = []
        if depth > MAX_DEPTH:
            self.error(node.lo, f"nesting deeper than {MAX_DEPTH} levels")
            return out

        def walk(n: _JNode, got: tuple[str, ...], header_lo: int, header_hi: int) -> None:
            if self.text[n.lo] == "[":
                for elem in n.value:
                    walk(elem, got, header_lo, header_hi)
                return
            if len(got) < labels:
                if self.text[n.lo] != "{":
                    self.error(n.lo, f"expected an object of {type_} labels")
                    return
                for k, kp, child in n.value:
                    # the innermost label key is where the block is named
                    walk(child, (*got, k), kp, self._key_end(kp))
                return
            if self.text[n.lo] != "{":
                self.error(n.lo, f"expected a {type_} block object")
                return
            body = self.body(n, type_ not in ("locals", "output"), depth)
            out.append(
                Block(
                    type_,
                    got,
                    body,
                    self.span(header_lo, n.hi),
                    self.span(header_lo, header_hi),
                )
            )

        walk(node, (), key_pos, self._key_end(key_pos))
        return out

    def _key_end(self, key_pos: int) -> int:
        """The offset after the JSON string key starting at ``key_pos``."""
        try:
            return self._scanstring(self.text, key_pos + 1)[1]
        except ValueError:
            return key_pos + 1

    def error(self, offset: int, message: str) -> None:
        line, col = self.pos(offset)
        self.errors.append(FileError(self.path, line, col, message))


_TEMPLATE_MARKER = "IACGUARD_TEMPLATE_EOT_7f3a"


def _template_from_text(text: str, path: str, span: Span) -> tuple[Expr, tuple[FileError, ...]]:
    """Parse template text (no quotes) by wrapping it in a heredoc; every node gets ``span``."""
    src = f"x = <<{_TEMPLATE_MARKER}\n{text}\n{_TEMPLATE_MARKER}\n".encode()
    tree = _parse_tree(src)
    if tree.root_node.has_error:
        conv = _Converter(src, path)
        conv.collect_errors(tree.root_node)
        errors = tuple(
            FileError(path, (e.line or 2) - 1, e.column, e.message) for e in conv.errors
        ) or (FileError(path, None, None, "syntax error in template"),)
        return Unsupported(text[:200], span, "malformed template"), errors
    conv = _Converter(src, path, fixed_span=span)
    body_node = next((c for c in tree.root_node.children if c.type == "body"), None)
    body = conv.body(body_node, span, 0, False)
    if not body.attributes:
        return Unsupported(text[:200], span, "malformed template"), (
            FileError(path, None, None, "syntax error in template"),
        )
    expr = body.attributes[0].expr
    errors = tuple(conv.errors)
    # the heredoc adds a final newline that the text does not have
    if isinstance(expr, Literal) and isinstance(expr.value, str):
        value = expr.value[:-1] if expr.value.endswith("\n") else expr.value
        return Literal(value, span), errors
    if isinstance(expr, Template):
        parts = list(expr.parts)
        if parts and isinstance(parts[-1], str) and parts[-1].endswith("\n"):
            parts[-1] = parts[-1][:-1]
            if not parts[-1]:
                parts.pop()
        return Template(tuple(parts), span, False), errors
    return expr, errors


def parse_template(text: str, path: str) -> tuple[Expr, tuple[FileError, ...]]:
    """A template file's text (``templatefile()``) as one expression; never raises."""
    lines = text.count("\n")
    span = Span(path, 1, 1, lines + 1, len(text) - text.rfind("\n"))
    try:
        return _template_from_text(text, path, span)
    except RecursionError:
        return Unsupported("", span, "template nested too deep"), (
            FileError(path, None, None, "template nested too deep"),
        )


def _decode(source: bytes, path: str) -> tuple[str | None, FileError | None]:
    try:
        return source.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, FileError(path, None, None, f"not UTF-8 text: {exc.reason}")


def _scan_json(text: str, path: str) -> tuple[_JNode | None, _JsonConverter, FileError | None]:
    conv = _JsonConverter(text, path, templates=True)
    try:
        return _JsonScanner(text).parse(), conv, None
    except _JsonError as exc:
        line, col = conv.pos(min(exc.pos, len(text)))
        return None, conv, FileError(path, line, col, f"invalid JSON: {exc.message}")
    except RecursionError:
        return None, conv, FileError(path, None, None, "invalid JSON: nesting too deep")


def parse_tf_json(source: bytes, path: str) -> HclFile:
    """Parse Terraform JSON syntax (``.tf.json``) into the same AST.

    Top-level keys are block types (labels as nested object keys); strings are templates
    (``"${var.x}"`` is an expression). Nested blocks inside resources are recognised by name
    (``rule``, ``copy_action``, ``statement``, ``dynamic``, ``lifecycle``...); other nested
    objects stay attributes, whose payload has the same shape.
    """
    try:
        with _no_gc():
            return _parse_tf_json(source, path)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not crash the run
        return HclFile(
            path,
            Body((), (), Span(path, 1, 1, 1, 1)),
            (FileError(path, None, None, f"cannot parse: {type(exc).__name__}: {exc}"),),
        )


def _parse_tf_json(source: bytes, path: str) -> HclFile:
    text, err = _decode(source, path)
    if text is None:
        return HclFile(path, Body((), (), Span(path, 1, 1, 1, 1)), (err,))  # type: ignore[arg-type]
    root, conv, err = _scan_json(text, path)
    file_span = conv.span(0, len(text))
    if root is None:
        return HclFile(path, Body((), (), file_span), (err,))  # type: ignore[arg-type]
    if text[root.lo] != "{":
        return HclFile(
            path,
            Body((), (), file_span),
            (FileError(path, 1, 1, "a .tf.json file must hold a JSON object"),),
        )
    blocks: list[Block] = []
    attributes: list[Attribute] = []
    for key, kp, child in root.value:
        if key == "//":
            continue
        labels = _JSON_LABELS.get(key)
        if labels is None:
            conv.error(kp, f"unknown top-level block type {key!r} in Terraform JSON")
            continue
        blocks.extend(conv.blocks(key, kp, child, labels, 1))
    return HclFile(path, Body(tuple(attributes), tuple(blocks), file_span), tuple(conv.errors))


def parse_tfvars(source: bytes, path: str) -> tuple[dict[str, Expr], tuple[FileError, ...]]:
    """``.tfvars`` (HCL attributes) or ``.tfvars.json`` (by the path's suffix).

    In ``.tfvars.json`` strings are literal values (Terraform does not read templates there).
    """
    if path.endswith(".json"):
        text, err = _decode(source, path)
        if text is None:
            return {}, (err,)  # type: ignore[arg-type]
        conv = _JsonConverter(text, path, templates=False)
        try:
            root = _JsonScanner(text).parse()
        except _JsonError as exc:
            line, col = conv.pos(min(exc.pos, len(text)))
            return {}, (FileError(path, line, col, f"invalid JSON: {exc.message}"),)
        if text[root.lo] != "{":
            return {}, (FileError(path, 1, 1, "a .tfvars.json file must hold a JSON object"),)
        return {k: conv.expr(n) for k, _, n in root.value}, ()
    parsed = parse_hcl(source, path)
    errors = list(parsed.errors)
    for b in parsed.body.blocks:
        errors.append(
            FileError(
                path,
                b.span.start_line,
                b.span.start_column,
                f"blocks are not allowed in a variables file (found {b.type!r})",
            )
        )
    return {a.name: a.expr for a in parsed.body.attributes}, tuple(errors)
