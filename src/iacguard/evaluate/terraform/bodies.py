"""Terraform bodies: the payload of a resource's attribute or block type, with nested blocks
and ``dynamic`` blocks expanded, recording each attribute path's span and the references made
from it.
"""

from __future__ import annotations

from typing import Any

from iacguard.core.values import Unknown
from iacguard.evaluate.terraform.budget import BLOCK, over_budget
from iacguard.evaluate.terraform.expressions import EvalContext, evaluate
from iacguard.evaluate.terraform.names import StateView, TfScope
from iacguard.evaluate.terraform.payloads import describe_unknown
from iacguard.evaluate.terraform.worlds import ModuleInstance, Recorder
from iacguard.parse.hcl_ast import Attribute, Block, Body, Traversal


def eval_body_member(
    state: StateView,
    inst: ModuleInstance,
    body: Body,
    name: str,
    path: str,
    bindings: dict[str, Any],
    ctx: EvalContext,
    rec: Recorder,
) -> Any:
    """The payload of attribute or block type ``name`` of ``body`` (recorded under ``path``)."""
    attr = body.attribute(name)
    if attr is not None:
        start = len(ctx.refs)
        value = eval_attribute(state, attr, TfScope(state, inst, ctx, bindings), ctx)
        rec.attribute(path, attr.span, ctx, start)
        return value
    blocks: list[Any] = []
    for block in body.blocks:
        if block.type == name:
            here = f"{path}[{len(blocks)}]"
            rec.spans[here] = block.span
            blocks.append(eval_block(state, inst, block.body, here, bindings, ctx, rec))
        elif block.type == "dynamic" and block.labels and block.labels[0] == name:
            blocks.extend(eval_dynamic(state, inst, block, path, len(blocks), bindings, ctx, rec))
    return blocks


def eval_attribute(state: StateView, attr: Attribute, scope: TfScope, ctx: EvalContext) -> Any:
    """``attr``'s value; an Unknown, unevaluated, when it refers to its own resource."""
    self_ref = state.shared.self_refs.get(id(attr))
    if self_ref is not None:
        return Unknown(self_ref[1], self_ref[0])
    return evaluate(attr.expr, scope, ctx)


def eval_block(
    state: StateView,
    inst: ModuleInstance,
    body: Body,
    path: str,
    bindings: dict[str, Any],
    ctx: EvalContext,
    rec: Recorder,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    scope = TfScope(state, inst, ctx, bindings)
    for attr in body.attributes:
        start = len(ctx.refs)
        out[attr.name] = eval_attribute(state, attr, scope, ctx)
        rec.attribute(f"{path}.{attr.name}", attr.span, ctx, start)
    for block in body.blocks:
        name = block.labels[0] if block.type == "dynamic" and block.labels else block.type
        if name in out or not name:
            continue
        out[name] = eval_body_member(state, inst, body, name, f"{path}.{name}", bindings, ctx, rec)
    return out


def eval_dynamic(
    state: StateView,
    inst: ModuleInstance,
    block: Block,
    path: str,
    start: int,
    bindings: dict[str, Any],
    ctx: EvalContext,
    rec: Recorder,
) -> list[Any]:
    """The blocks a ``dynamic "name"`` block generates (an Unknown leaf when it cannot tell)."""
    name = block.labels[0]
    body = block.body
    iterator = name
    it_attr = body.attribute("iterator")
    if it_attr is not None and isinstance(it_attr.expr, Traversal) and not it_attr.expr.steps:
        iterator = it_attr.expr.root
    contents = body.blocks_of("content")
    for_each = body.attribute("for_each")
    if for_each is None or not contents:
        return []
    collection = eval_attribute(state, for_each, TfScope(state, inst, ctx, bindings), ctx)
    if isinstance(collection, dict):
        pairs = [(k, collection[k]) for k in sorted(collection, key=str)]
    elif isinstance(collection, (list, tuple)):
        pairs = list(enumerate(collection))
    elif collection is None:
        return []
    else:
        why = describe_unknown(collection)
        return [Unknown(f'dynamic "{name}": for_each is not known ({why})', for_each.span)]
    out: list[Any] = []
    limit = state.shared.options.max_instances
    if len(pairs) > limit:
        state.shared.error(
            for_each.span, f'dynamic "{name}": {len(pairs)} elements, over the limit of {limit}'
        )
        pairs = pairs[:limit]
    budget = state.shared.budget
    size = BLOCK * len(pairs)
    if not budget.take(size):
        what = f'dynamic "{name}" ({len(pairs)} blocks)'
        return [budget.refuse(what, size, for_each.span, state.shared.evaluation_errors)]
    for k, v in pairs:
        here = f"{path}[{start + len(out)}]"
        rec.spans[here] = contents[0].span
        inner = dict(bindings)
        inner[iterator] = {"key": k, "value": v}
        block_value = eval_block(state, inst, contents[0].body, here, inner, ctx, rec)
        refused = _refusal_in(block_value)
        if refused is not None:
            return [refused]  # the other blocks would be refused one by one
        out.append(block_value)
    return out


def _refusal_in(block: dict[str, Any]) -> Unknown | None:
    """A value of ``block`` (or of its nested blocks) the memory budget refused, if any."""
    for v in block.values():
        if over_budget(v):
            return v
        if isinstance(v, list) and v and over_budget(v[0]):
            return v[0]
    return None
