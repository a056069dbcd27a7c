"""One tree-sitter-hcl syntax tree -> ``parse.hcl_ast`` (structure, expressions, templates).

``Converter`` walks nodes only: it neither loads tree-sitter nor splits broken files (that is
``parse.hcl``). Nesting deeper than ``MAX_DEPTH`` becomes ``Unsupported`` with one located
error; ``collect_errors`` turns ERROR / MISSING nodes into located ``FileError`` values.

Columns are 1-based *characters* (tree-sitter's byte columns are converted when a line is not
ASCII).
"""

from __future__ import annotations

from collections.abc import Mapping
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
from iacguard.parse.hcl_strings import (
    STRIP_AFTER,
    STRIP_BEFORE,
    finish_parts,
    unescape_heredoc,
    unescape_quoted,
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

_MISSING_NAMES = {
    "quoted_template_end": "closing '\"'",
    "heredoc_identifier": "heredoc end marker",
    "identifier": "a name or value",
    "template_interpolation_end": "'}' closing '${'",
    "template_directive_end": "'}' closing '%{'",
    "<<": "a value",
}


class Converter:
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
        "shifts",
    )

    def __init__(
        self,
        source: bytes,
        path: str,
        fixed_span: Span | None = None,
        row_off: int = 0,
        col_off: int = 0,
        shifts: Mapping[int, tuple[tuple[int, int], ...]] | None = None,
    ) -> None:
        """``row_off`` / ``col_off``: where ``source`` starts in the file (a piece of it);
        ``col_off`` (characters) applies to the piece's first row only. ``shifts``: text the
        reader inserted (file line -> (column, characters) pairs), taken back out of every
        column after it, so spans point into the file as written."""
        self.shifts = shifts or {}
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
        line, column = row + self.row_base, (c + self.col_off if row == 0 else c)
        if self.shifts and line in self.shifts:
            column -= sum(n for at, n in self.shifts[line] if column > at)
        return line, column

    def span_points(self, sp: Any, ep: Any) -> Span:
        if self.fixed_span is not None:
            return self.fixed_span
        base = self.row_base
        if self.ascii and not self.shifts:
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
            except ValueError:  # an integer longer than Python converts (4300 digits)
                reason = f"a number of {len(text)} digits: too long to read"
                return Unsupported(text[:40], self.span(node), reason)
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
        return unescape_quoted(self.source[lo:hi].decode("utf-8", "replace"))

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
        return unescape_quoted(text) if quoted else unescape_heredoc(text)

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
                    parts.append(STRIP_BEFORE)
                parts.append(
                    self.expr(e, depth + 1)
                    if e is not None
                    else Unsupported(self.text(k), self.span(k))
                )
                if marks and e is not None and marks[-1].start_byte > e.end_byte:
                    parts.append(STRIP_AFTER)
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
        return finish_parts(parts)

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
            parts.append(STRIP_AFTER)
        parts.extend(
            self.template_parts(inner, start.end_byte, end.start_byte, quoted, dedent, depth)
        )
        if self._marks(end)[0]:
            parts.append(STRIP_BEFORE)
        span = self.span_points(start.end_point, end.start_point)
        return Template(finish_parts(parts), span)

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
            out.append(STRIP_BEFORE)
        out.append(TemplateIf(self.expr(cond, depth + 1), then, other, self.span(node)))
        if self._marks(end)[1]:
            out.append(STRIP_AFTER)
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
            out.append(STRIP_BEFORE)
        out.append(
            TemplateFor(key_var, value_var, self.expr(coll, depth + 1), body, self.span(node))
        )
        if self._marks(end)[1]:
            out.append(STRIP_AFTER)
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
