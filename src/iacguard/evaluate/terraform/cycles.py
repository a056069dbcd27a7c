"""Resource attributes that refer to their own resource, directly or through a cycle.

Terraform rejects both before planning, statically: any reference to the resource in its
configuration body, whether or not the expression would ever be evaluated ("Self-referential
block: Configuration for aws_kms_key.k may not refer to itself"), and any cycle of its
reference graph, whose nodes are whole blocks ("Cycle: local.arns, aws_kms_key.k"). Found
the same way here, once per module, so that such an attribute is never evaluated
(evaluating ``aws_kms_key.k[*].arn`` inside each of ``count`` instances, directly or through
a local, is quadratic).

Not checked, as in Terraform for the self-reference: the meta-arguments (``count``,
``for_each``, ``depends_on``, ``provider``: a reference there is a cycle, found by the
evaluator) and the ``lifecycle``, ``provisioner`` and ``connection`` blocks (where ``self.``
is how the resource is named). Those are not edges of the cycle search either, nor are
module calls and outputs (their inputs and outputs are finer nodes in Terraform's graph):
every cycle reported is one Terraform reports, some of Terraform's are not found here.
"""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.core.records import record
from iacguard.core.spans import Span
from iacguard.evaluate.terraform.modules import (
    RESOURCE_META_ATTRS,
    RESOURCE_META_BLOCKS,
    ResourceDecl,
)
from iacguard.parse.hcl_ast import (
    Attribute,
    Binary,
    Body,
    Call,
    Conditional,
    ForExpr,
    GetAttr,
    Index,
    Literal,
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


def _traversals(expr: object, bound: frozenset[str]) -> Iterator[Traversal]:
    """Every traversal of ``expr`` whose root is not a name bound by an enclosing
    for-expression (or by ``bound``), in source order (for-expression variables shadow
    names, as in Terraform)."""
    stack: list[tuple[object, frozenset[str]]] = [(expr, bound)]
    while stack:
        node, bound = stack.pop()
        cls = type(node)
        if cls is Literal or cls is str or cls is GetAttr or node is None:
            continue
        if cls is Traversal:
            if node.root not in bound:  # type: ignore[attr-defined]
                yield node  # type: ignore[misc]
            steps = node.steps  # type: ignore[attr-defined]
            stack.extend((s, bound) for s in reversed(steps) if type(s) is not GetAttr)
        elif isinstance(node, Template):
            stack.extend((p, bound) for p in reversed(node.parts) if type(p) is not str)
        elif isinstance(node, Index):
            stack.append((node.key, bound))
        elif isinstance(node, (Splat, Postfix)):
            stack.extend((s, bound) for s in reversed(node.steps))
            if isinstance(node, Postfix):
                stack.append((node.expr, bound))
        elif isinstance(node, (TemplateIf, Conditional)):
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


@record
class SelfRef:
    """An attribute of ``decl`` whose expression refers, at ``span``, to ``decl`` itself,
    directly or through locals and other resources of the same module."""

    decl: ResourceDecl
    attr: Attribute
    span: Span
    message: str


def self_referring_attributes(
    resources: dict[str, ResourceDecl], locals_: dict[str, Attribute]
) -> list[SelfRef]:
    """The attributes of a module's resources that refer to their own resource, in block
    and attribute order: directly ("Self-referential block") or through a reference cycle
    of locals and other resources, as Terraform's graph sees it ("Cycle: local.arns,
    aws_kms_key.k"). Static, whole blocks as nodes, one walk of each expression, linear.

    Not edges: the meta-arguments, ``lifecycle`` / ``provisioner`` / ``connection`` blocks,
    module calls and outputs (no false cycle through a module). A cycle of locals only is
    found by the evaluator, not here.
    """
    edges: dict[str, dict[str, Span]] = {}
    for name, attr in locals_.items():
        edges[f"local.{name}"] = _targets(attr.expr, frozenset(), resources, locals_)
    #: per resource: the attributes that refer to a local or resource, with their targets
    attr_refs: dict[str, list[tuple[Attribute, dict[str, Span]]]] = {}
    for address, decl in resources.items():
        out: dict[str, Span] = {}
        found: list[tuple[Attribute, dict[str, Span]]] = []
        for attr, bound in _attributes(decl.block.body, top=True):
            targets = _targets(attr.expr, bound, resources, locals_)
            if targets:
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
    result: list[SelfRef] = []
    for address, found in attr_refs.items():
        decl = resources[address]
        comp = component[address]
        cyclic = sizes[comp] > 1
        back: dict[str, str] | None = None
        if cyclic and sizes[comp] <= MAX_NAMED_CYCLE:
            if reverse is None:
                reverse = _reverse(edges, component)
            back = _paths_back(address, reverse)
        for attr, targets in found:
            if address in targets:
                result.append(SelfRef(decl, attr, targets[address], self_reference_message(decl)))
                continue
            if not cyclic:
                continue
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
            result.append(SelfRef(decl, attr, span, message))
    return result


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
