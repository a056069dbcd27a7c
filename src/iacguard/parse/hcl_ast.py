"""A small, picklable HCL syntax tree with spans (built by ``parse.hcl`` from tree-sitter-hcl).

Every node is a frozen record (``core.records``) with a ``span``
(``iacguard.core.values.Span``: 1-based lines and columns, end column exclusive, columns
counted in characters).

Expressions form a closed set (``Expr``); anything the converter does not understand becomes
``Unsupported`` and evaluates to an Unknown, never an error.

Traversal steps: ``GetAttr(name)``, ``Index(key)`` and ``Splat(full, steps)``. A splat carries
the steps that apply to *each element* (``a[*].b.c`` is ``Splat(True, (GetAttr b, GetAttr c))``;
an attribute splat ``a.*.b`` takes only the attribute steps that follow it, an index after them
applies to the resulting list, as in Terraform).
"""

from __future__ import annotations

from iacguard.core.located import FileError
from iacguard.core.records import record
from iacguard.core.spans import Span

# ----------------------------------------------------------------------------- expressions


@record
class Literal:
    """``null``, ``true``/``false``, a number (int when the text is integral) or a string."""

    value: None | bool | int | float | str
    span: Span

    def __init__(self, value: None | bool | int | float | str, span: Span) -> None:
        set_field = object.__setattr__
        set_field(self, "value", value)
        set_field(self, "span", span)


@record
class Template:
    """A quoted template or heredoc: literal text (escapes already processed) and expressions.

    ``parts`` alternate freely between ``str`` and ``Expr`` (``TemplateIf`` / ``TemplateFor``
    included). A template with a single interpolation and no text (``"${x}"``) is kept as a
    template; the evaluator returns the interpolated value unchanged, as Terraform does.
    """

    parts: tuple[str | Expr, ...]
    span: Span
    heredoc: bool = False

    def __init__(self, parts: tuple[str | Expr, ...], span: Span, heredoc: bool = False) -> None:
        set_field = object.__setattr__
        set_field(self, "parts", parts)
        set_field(self, "span", span)
        set_field(self, "heredoc", heredoc)


@record
class TemplateIf:
    """``%{ if cond }then%{ else }else%{ endif }`` inside a template."""

    cond: Expr
    then: Template
    else_: Template | None
    span: Span


@record
class TemplateFor:
    """``%{ for k, v in coll }body%{ endfor }`` inside a template."""

    key_var: str | None
    value_var: str
    collection: Expr
    body: Template
    span: Span


@record
class GetAttr:
    name: str
    span: Span

    def __init__(self, name: str, span: Span) -> None:
        set_field = object.__setattr__
        set_field(self, "name", name)
        set_field(self, "span", span)


@record
class Index:
    """``[key]`` or the legacy ``.0`` form (key is then a Literal int)."""

    key: Expr
    span: Span


@record
class Splat:
    """``[*]`` (full) or ``.*`` (attribute splat) with the steps applied to each element."""

    full: bool
    steps: tuple[Step, ...]
    span: Span


Step = GetAttr | Index | Splat


@record
class Traversal:
    """A name and its steps: ``var.x``, ``aws_kms_key.k[0].arn``, ``each.value.name``."""

    root: str
    steps: tuple[Step, ...]
    span: Span

    def __init__(self, root: str, steps: tuple[Step, ...], span: Span) -> None:
        set_field = object.__setattr__
        set_field(self, "root", root)
        set_field(self, "steps", steps)
        set_field(self, "span", span)


@record
class Postfix:
    """Steps applied to a non-name expression: ``f(x)[0]``, ``(a).b``, ``[1, 2][*]``."""

    expr: Expr
    steps: tuple[Step, ...]
    span: Span


@record
class Call:
    """``name(args...)``; ``expand_final`` for ``f(list...)``; provider functions keep their
    full name (``provider::aws::arn_parse``)."""

    name: str
    args: tuple[Expr, ...]
    expand_final: bool
    span: Span


@record
class Conditional:
    cond: Expr
    then: Expr
    else_: Expr
    span: Span


@record
class Binary:
    """``op`` is one of ``|| && == != < > <= >= + - * / %``."""

    op: str
    left: Expr
    right: Expr
    span: Span


@record
class Unary:
    """``op`` is ``!`` or ``-``."""

    op: str
    operand: Expr
    span: Span


@record
class TupleExpr:
    items: tuple[Expr, ...]
    span: Span

    def __init__(self, items: tuple[Expr, ...], span: Span) -> None:
        set_field = object.__setattr__
        set_field(self, "items", items)
        set_field(self, "span", span)


@record
class ObjectExpr:
    """``{k = v, ...}``: a bare-identifier key is ``Literal("k")``; ``(expr) = v`` keeps expr."""

    items: tuple[tuple[Expr, Expr], ...]
    span: Span

    def __init__(self, items: tuple[tuple[Expr, Expr], ...], span: Span) -> None:
        set_field = object.__setattr__
        set_field(self, "items", items)
        set_field(self, "span", span)


@record
class ForExpr:
    """``[for v in c : e if cond]`` / ``{for k, v in c : ke => ve... if cond}``."""

    key_var: str | None
    value_var: str
    collection: Expr
    key_expr: Expr | None
    value_expr: Expr
    cond: Expr | None
    grouping: bool
    is_object: bool
    span: Span


@record
class Unsupported:
    """Anything not understood (or nested too deep): evaluates to Unknown."""

    text: str
    span: Span
    reason: str = "unsupported expression"


Expr = (
    Literal
    | Template
    | TemplateIf
    | TemplateFor
    | Traversal
    | Postfix
    | Call
    | Conditional
    | Binary
    | Unary
    | TupleExpr
    | ObjectExpr
    | ForExpr
    | Unsupported
)

# ----------------------------------------------------------------------------- structure


@record
class Attribute:
    """``name = expr``; ``span`` covers the whole attribute, ``expr.span`` the value."""

    name: str
    expr: Expr
    span: Span

    def __init__(self, name: str, expr: Expr, span: Span) -> None:
        set_field = object.__setattr__
        set_field(self, "name", name)
        set_field(self, "expr", expr)
        set_field(self, "span", span)


@record
class Body:
    attributes: tuple[Attribute, ...]
    blocks: tuple[Block, ...]
    span: Span

    def __init__(
        self, attributes: tuple[Attribute, ...], blocks: tuple[Block, ...], span: Span
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "attributes", attributes)
        set_field(self, "blocks", blocks)
        set_field(self, "span", span)

    def attribute(self, name: str) -> Attribute | None:
        """The (first) attribute called ``name``."""
        for a in self.attributes:
            if a.name == name:
                return a
        return None

    def blocks_of(self, type_: str) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.type == type_)


@record
class Block:
    """``type "label" ... { body }``; ``span`` is the whole block, ``header_span`` runs from the
    type to the end of the last label (the line a finding points at)."""

    type: str
    labels: tuple[str, ...]
    body: Body
    span: Span
    header_span: Span

    def __init__(
        self, type: str, labels: tuple[str, ...], body: Body, span: Span, header_span: Span
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "type", type)
        set_field(self, "labels", labels)
        set_field(self, "body", body)
        set_field(self, "span", span)
        set_field(self, "header_span", header_span)


@record
class HclFile:
    """One parsed file. ``errors`` are located syntax errors (the rest still comes through).
    Comments are not kept: ``parse.comments`` is the one comment scanner."""

    path: str
    body: Body
    errors: tuple[FileError, ...] = ()


__all__ = [
    "Attribute",
    "Binary",
    "Block",
    "Body",
    "Call",
    "Conditional",
    "Expr",
    "ForExpr",
    "GetAttr",
    "HclFile",
    "Index",
    "Literal",
    "ObjectExpr",
    "Postfix",
    "Splat",
    "Step",
    "Template",
    "TemplateFor",
    "TemplateIf",
    "Traversal",
    "TupleExpr",
    "Unary",
    "Unsupported",
]
