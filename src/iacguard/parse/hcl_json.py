"""Terraform JSON syntax (``.tf.json``) -> the same ``parse.hcl_ast`` as native HCL.

Top-level keys are block types, block labels are nested object keys, nested blocks are
recognised by name; strings holding ``${`` or ``%{`` are templates (read by ``hcl_template``).
The JSON text is read by ``offset_json``. Never raises: problems are located ``FileError``
values.
"""

from __future__ import annotations

from iacguard.core.located import FileError
from iacguard.core.spans import Span
from iacguard.parse.hcl_ast import (
    Attribute,
    Block,
    Body,
    Expr,
    HclFile,
    Literal,
    ObjectExpr,
    TupleExpr,
    Unsupported,
)
from iacguard.parse.hcl_convert import MAX_DEPTH
from iacguard.parse.hcl_support import decode, no_gc
from iacguard.parse.hcl_template import template_from_text
from iacguard.parse.offset_json import JNode, JsonError, JsonScanner

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


class JsonConverter:
    """Offset nodes of one JSON text -> AST bodies, blocks and expressions (located)."""

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

    def scan(self) -> JNode:
        """The text's JSON value (raises ``JsonError``)."""
        return JsonScanner(self.text, MAX_DEPTH).parse()

    def syntax_error(self, exc: JsonError) -> FileError:
        """The located ``invalid JSON`` error for ``exc``."""
        line, col = self.pos(min(exc.pos, len(self.text)))
        return FileError(self.path, line, col, f"invalid JSON: {exc.message}")

    def pos(self, offset: int) -> tuple[int, int]:
        import bisect

        row = bisect.bisect_right(self.starts, offset) - 1
        return row + 1, offset - self.starts[row] + 1

    def span(self, lo: int, hi: int) -> Span:
        sl, sc = self.pos(lo)
        el, ec = self.pos(hi)
        return Span(self.path, sl, sc, el, ec)

    def expr(self, node: JNode) -> Expr:
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
        expr, errors = template_from_text(text, self.path, span)
        if errors:
            return Unsupported(text[:200], span, "malformed template in JSON string")
        return expr

    def body(self, node: JNode, nested_blocks: bool, depth: int) -> Body:
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

    def _is_object_or_list(self, node: JNode) -> bool:
        return isinstance(node.value, list) and self.text[node.lo] in "{["

    def blocks(self, type_: str, key_pos: int, node: JNode, labels: int, depth: int) -> list[Block]:
        out: list[Block] = []
        if depth > MAX_DEPTH:
            self.error(node.lo, f"nesting deeper than {MAX_DEPTH} levels")
            return out

        def walk(n: JNode, got: tuple[str, ...], header_lo: int, header_hi: int) -> None:
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


def _scan_json(text: str, path: str) -> tuple[JNode | None, JsonConverter, FileError | None]:
    conv = JsonConverter(text, path, templates=True)
    try:
        return conv.scan(), conv, None
    except JsonError as exc:
        return None, conv, conv.syntax_error(exc)
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
        with no_gc():
            return _parse_tf_json(source, path)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not crash the run
        return HclFile(
            path,
            Body((), (), Span(path, 1, 1, 1, 1)),
            (FileError(path, None, None, f"cannot parse: {type(exc).__name__}: {exc}"),),
        )


def _parse_tf_json(source: bytes, path: str) -> HclFile:
    text, err = decode(source, path)
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
