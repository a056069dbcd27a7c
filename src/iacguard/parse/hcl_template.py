"""HCL string templates: a template file's text (``templatefile()``) or a template held in a
Terraform JSON string, read as one expression.

The text is wrapped in a heredoc and parsed by tree-sitter (``parse.hcl``); every node of the
result carries the one span given.
"""

from __future__ import annotations

from iacguard.core.located import FileError
from iacguard.core.spans import Span
from iacguard.parse.hcl import parse_tree
from iacguard.parse.hcl_ast import Expr, Literal, Template, Unsupported
from iacguard.parse.hcl_convert import Converter

_TEMPLATE_MARKER = "IACGUARD_TEMPLATE_EOT_7f3a"


def template_from_text(text: str, path: str, span: Span) -> tuple[Expr, tuple[FileError, ...]]:
    """Parse template text (no quotes) by wrapping it in a heredoc; every node gets ``span``."""
    src = f"x = <<{_TEMPLATE_MARKER}\n{text}\n{_TEMPLATE_MARKER}\n".encode()
    tree = parse_tree(src)
    if tree.root_node.has_error:
        conv = Converter(src, path)
        conv.collect_errors(tree.root_node)
        errors = tuple(
            FileError(path, (e.line or 2) - 1, e.column, e.message) for e in conv.errors
        ) or (FileError(path, None, None, "syntax error in template"),)
        return Unsupported(text[:200], span, "malformed template"), errors
    conv = Converter(src, path, fixed_span=span)
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
        return template_from_text(text, path, span)
    except RecursionError:
        return Unsupported("", span, "template nested too deep"), (
            FileError(path, None, None, "template nested too deep"),
        )
