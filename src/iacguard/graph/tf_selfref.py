"""Self-referential resource blocks: ``aws_kms_key.k`` naming ``aws_kms_key.k`` in its own body.

Terraform rejects them before planning ("Self-referential block: Configuration for
aws_kms_key.k may not refer to itself"), statically: any reference to the resource in its
configuration body, whether or not the expression would ever be evaluated. Found the same way
here, once per resource block, so that such an attribute is never evaluated (evaluating
``aws_kms_key.k[*].arn`` inside each of ``count`` instances is quadratic).

Not checked, as in Terraform: the meta-arguments (``count``, ``for_each``, ``depends_on``,
``provider``: a reference there is a cycle, found by the evaluator) and the ``lifecycle``,
``provisioner`` and ``connection`` blocks (where ``self.`` is how the resource is named).
"""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.graph.tf_modules import RESOURCE_META_ATTRS, RESOURCE_META_BLOCKS, ResourceDecl
from iacguard.graph.values import Span
from iacguard.parse.hcl_ast import (
    Attribute,
    Binary,
    Body,
    Call,
    Conditional,
    ForExpr,
    GetAttr,
    Index,
    ObjectExpr,
    Postfix,
    Splat,
    Template,
    TemplateFor,
    TemplateIf,
    Traversal,
    TupleExpr,
    Unary,
)


def self_reference_message(decl: ResourceDecl) -> str:
    return f"Self-referential block: {decl.address} refers to itself"


def self_references(decl: ResourceDecl) -> list[tuple[Attribute, Span]]:
    """Every attribute of ``decl``'s body (nested blocks and ``dynamic`` blocks included)
    whose expression names ``decl`` itself, with the span of the first such reference."""
    if decl.mode == "data":
        head: tuple[str, ...] = ("data", decl.type, decl.name)
    else:
        head = (decl.type, decl.name)
    out: list[tuple[Attribute, Span]] = []
    for attr in _attributes(decl.block.body, top=True):
        span = _first_reference(attr.expr, head)
        if span is not None:
            out.append((attr, span))
    return out


def _attributes(body: Body, top: bool) -> Iterator[Attribute]:
    stack = [(body, top)]
    while stack:
        b, is_top = stack.pop()
        for attr in b.attributes:
            if not (is_top and attr.name in RESOURCE_META_ATTRS):
                yield attr
        for block in reversed(b.blocks):
            if not (is_top and block.type in RESOURCE_META_BLOCKS):
                stack.append((block.body, False))


def _names(traversal: Traversal, head: tuple[str, ...]) -> bool:
    if traversal.root != head[0] or len(traversal.steps) < len(head) - 1:
        return False
    for step, name in zip(traversal.steps, head[1:], strict=False):
        if not isinstance(step, GetAttr) or step.name != name:
            return False
    return True


def _first_reference(expr: object, head: tuple[str, ...]) -> Span | None:
    """The span of the first traversal in ``expr`` that names ``head`` (for-expression
    variables shadow names, as in Terraform)."""
    stack: list[tuple[object, frozenset[str]]] = [(expr, frozenset())]
    while stack:
        node, bound = stack.pop()
        if isinstance(node, Traversal):
            if node.root not in bound and _names(node, head):
                return node.span
            stack.extend((s, bound) for s in reversed(node.steps))
        elif isinstance(node, (GetAttr, str)) or node is None:
            continue
        elif isinstance(node, Index):
            stack.append((node.key, bound))
        elif isinstance(node, Splat):
            stack.extend((s, bound) for s in reversed(node.steps))
        elif isinstance(node, Postfix):
            stack.extend((s, bound) for s in reversed(node.steps))
            stack.append((node.expr, bound))
        elif isinstance(node, Template):
            stack.extend((p, bound) for p in reversed(node.parts))
        elif isinstance(node, TemplateIf):
            stack.extend([(node.else_, bound), (node.then, bound), (node.cond, bound)])
        elif isinstance(node, (TemplateFor, ForExpr)):
            inner = bound | {node.value_var} | ({node.key_var} if node.key_var else set())
            if isinstance(node, ForExpr):
                stack.extend([(node.cond, inner), (node.value_expr, inner), (node.key_expr, inner)])
            else:
                stack.append((node.body, inner))
            stack.append((node.collection, bound))
        elif isinstance(node, Call):
            stack.extend((a, bound) for a in reversed(node.args))
        elif isinstance(node, Conditional):
            stack.extend([(node.else_, bound), (node.then, bound), (node.cond, bound)])
        elif isinstance(node, Binary):
            stack.extend([(node.right, bound), (node.left, bound)])
        elif isinstance(node, Unary):
            stack.append((node.operand, bound))
        elif isinstance(node, TupleExpr):
            stack.extend((i, bound) for i in reversed(node.items))
        elif isinstance(node, ObjectExpr):
            for k, v in reversed(node.items):
                stack.extend([(v, bound), (k, bound)])
    return None
