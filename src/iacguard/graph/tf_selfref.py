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
from dataclasses import dataclass

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
    for attr, bound in _attributes(decl.block.body, top=True):
        span = _first_reference(attr.expr, head, bound)
        if span is not None:
            out.append((attr, span))
    return out


def _attributes(body: Body, top: bool) -> Iterator[tuple[Attribute, frozenset[str]]]:
    """Every checked attribute of ``body`` with the names bound around it (the iterator of
    an enclosing ``dynamic`` block, which Terraform does not take for a reference)."""
    stack: list[tuple[Body, bool, frozenset[str]]] = [(body, top, frozenset())]
    while stack:
        b, is_top, bound = stack.pop()
        for attr in b.attributes:
            if not (is_top and attr.name in RESOURCE_META_ATTRS):
                yield attr, bound
        for block in reversed(b.blocks):
            if is_top and block.type in RESOURCE_META_BLOCKS:
                continue
            if block.type == "dynamic" and block.labels:
                yield from _dynamic_attributes(block.body, block.labels[0], bound)
                inner = bound | {_iterator_name(block.body, block.labels[0])}
                stack.extend((c.body, False, inner) for c in reversed(block.body.blocks))
            else:
                stack.append((block.body, False, bound))


def _iterator_name(body: Body, label: str) -> str:
    it_attr = body.attribute("iterator")
    if it_attr is not None and isinstance(it_attr.expr, Traversal) and not it_attr.expr.steps:
        return it_attr.expr.root
    return label


def _dynamic_attributes(
    body: Body, label: str, bound: frozenset[str]
) -> Iterator[tuple[Attribute, frozenset[str]]]:
    """The attributes of a ``dynamic`` block itself: ``for_each`` outside the iterator's
    scope, the others (``labels``, ``iterator``) inside it."""
    inner = bound | {_iterator_name(body, label)}
    for attr in body.attributes:
        yield attr, (bound if attr.name == "for_each" else inner)


def _names(traversal: Traversal, head: tuple[str, ...]) -> bool:
    if traversal.root != head[0] or len(traversal.steps) < len(head) - 1:
        return False
    for step, name in zip(traversal.steps, head[1:], strict=False):
        if not isinstance(step, GetAttr) or step.name != name:
            return False
    return True


def _first_reference(expr: object, head: tuple[str, ...], bound: frozenset[str]) -> Span | None:
    """The span of the first traversal in ``expr`` that names ``head`` (for-expression
    variables shadow names, as in Terraform)."""
    for traversal in _traversals(expr, bound):
        if _names(traversal, head):
            return traversal.span
    return None


def _traversals(expr: object, bound: frozenset[str]) -> Iterator[Traversal]:
    """Every traversal of ``expr`` whose root is not a name bound by an enclosing
    for-expression (or by ``bound``), in source order."""
    stack: list[tuple[object, frozenset[str]]] = [(expr, bound)]
    while stack:
        node, bound = stack.pop()
        if isinstance(node, Traversal):
            if node.root not in bound:
                yield node
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


# ----------------------------------------------------------------------------- cycles

#: largest cycle whose chain of names is spelled out in the message (finding the shortest
#: chain is a search per resource of the cycle: bounded so that the check stays linear)
MAX_NAMED_CYCLE = 64


@dataclass(frozen=True, slots=True)
class CycleRef:
    """An attribute of ``decl`` whose expression refers, at ``span``, to a block that refers
    back to ``decl`` (through locals and other resources of the same module)."""

    decl: ResourceDecl
    attr: Attribute
    span: Span
    message: str


def reference_cycles(
    resources: dict[str, ResourceDecl], locals_: dict[str, Attribute]
) -> list[CycleRef]:
    """The attributes of the module's resources that are part of a reference cycle through
    locals or other resources, as Terraform's graph sees them ("Cycle: local.arns,
    aws_kms_key.k"): statically, whole blocks as nodes, in linear time.

    Not edges, as elsewhere in this module: meta-arguments, ``lifecycle`` / ``provisioner``
    / ``connection`` blocks, module calls and outputs (no false cycle through a module).
    A reference of a resource to itself is a self-reference (reported by
    ``self_references``), and a cycle of locals only is found by the evaluator: neither is
    reported here.
    """
    edges: dict[str, dict[str, Span]] = {}
    for name, attr in locals_.items():
        edges[f"local.{name}"] = _targets(attr.expr, frozenset(), resources, locals_)
    #: per resource: (attribute, [(target, span)]) of the attributes that refer to a node
    attr_refs: dict[str, list[tuple[Attribute, dict[str, Span]]]] = {}
    for address, decl in resources.items():
        out: dict[str, Span] = {}
        found: list[tuple[Attribute, dict[str, Span]]] = []
        for attr, bound in _attributes(decl.block.body, top=True):
            targets = _targets(attr.expr, bound, resources, locals_)
            if targets and address not in targets:
                found.append((attr, targets))
            for target, span in targets.items():
                out.setdefault(target, span)
        out.pop(address, None)
        edges[address] = out
        attr_refs[address] = found
    component = _components(edges)
    sizes: dict[int, int] = {}
    for comp in component.values():
        sizes[comp] = sizes.get(comp, 0) + 1
    reverse: dict[str, list[str]] | None = None
    cycles: list[CycleRef] = []
    for address, found in attr_refs.items():
        comp = component[address]
        if sizes[comp] < 2:
            continue
        if reverse is None:
            reverse = _reverse(edges, component)
        back = _paths_back(address, reverse) if sizes[comp] <= MAX_NAMED_CYCLE else None
        for attr, targets in found:
            hit = next(((t, s) for t, s in targets.items() if component[t] == comp), None)
            if hit is None:
                continue
            target, span = hit
            if back is not None:
                chain = [target]
                while back[chain[-1]] != address:
                    chain.append(back[chain[-1]])
                through = " -> ".join(chain)
            else:
                through = f"{target} (a cycle of {sizes[comp]} blocks)"
            message = f"Cycle: {address} refers to itself through {through}"
            cycles.append(CycleRef(resources[address], attr, span, message))
    return cycles


def _head_address(
    traversal: Traversal, resources: dict[str, ResourceDecl], locals_: dict[str, Attribute]
) -> str | None:
    """The local or resource (of this module) that ``traversal`` names, if any."""
    steps = traversal.steps
    if not steps or not isinstance(steps[0], GetAttr):
        return None
    first = steps[0].name
    if traversal.root == "local":
        return f"local.{first}" if first in locals_ else None
    if traversal.root == "data":
        if len(steps) < 2 or not isinstance(steps[1], GetAttr):
            return None
        address = f"data.{first}.{steps[1].name}"
    else:
        address = f"{traversal.root}.{first}"
    return address if address in resources else None


def _targets(
    expr: object,
    bound: frozenset[str],
    resources: dict[str, ResourceDecl],
    locals_: dict[str, Attribute],
) -> dict[str, Span]:
    """The locals and resources ``expr`` refers to, each with its first reference's span."""
    out: dict[str, Span] = {}
    for traversal in _traversals(expr, bound):
        address = _head_address(traversal, resources, locals_)
        if address is not None and address not in out:
            out[address] = traversal.span
    return out


def _components(edges: dict[str, dict[str, Span]]) -> dict[str, int]:
    """Strongly connected component of every node (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    component: dict[str, int] = {}
    counter = 0
    comps = 0
    for start in edges:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(edges[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = comps
                    if member == node:
                        break
                comps += 1
    return component


def _reverse(edges: dict[str, dict[str, Span]], component: dict[str, int]) -> dict[str, list[str]]:
    """The edges inside components, reversed."""
    out: dict[str, list[str]] = {}
    for source, targets in edges.items():
        for target in targets:
            if component[target] == component[source]:
                out.setdefault(target, []).append(source)
    return out


def _paths_back(address: str, reverse: dict[str, list[str]]) -> dict[str, str]:
    """For each node that reaches ``address``, its next node on a shortest path there."""
    back: dict[str, str] = {}
    queue = [address]
    for node in queue:
        for source in reverse.get(node, ()):
            if source not in back and source != address:
                back[source] = node
                queue.append(source)
    return back
