"""The AWS provider's ``default_tags``, merged into ``tags_all`` as the provider does.

A resource of a type whose tags a rule reads (``graph.facts.SOURCES``: a backup selection picks
resources by tag) gets a ``tags_all`` attribute when the root module configures the default
``aws`` provider with ``default_tags { tags = ... }``: the default tags overridden by the
resource's own ``tags``, world by world, as in a plan's ``tags_all``. A resource given another
provider (``provider = aws.west``) or inside a module call that passes ``providers`` is left
alone: which configuration it gets is not followed here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from iacguard.core.values import Alternative, Depends, Known, Unknown, Value
from iacguard.evaluate.terraform.modules import ResourceDecl
from iacguard.evaluate.terraform.worlds import ModuleInstance
from iacguard.graph.facts import SOURCES, TAGS_ALL

PROVIDER = "aws"

#: (world) -> (payload, inputs) of the default provider's ``default_tags`` block in that world
Evaluate = Callable[[Any], tuple[Any, frozenset[str]]]


def provider_decl(instance: ModuleInstance) -> ResourceDecl | None:
    """The root's default ``aws`` provider block as a declaration whose ``default_tags`` the
    world machinery can evaluate (None when it has no ``default_tags``)."""
    block = instance.config.providers.get(PROVIDER)
    if block is None or not block.body.blocks_of("default_tags"):
        return None
    return ResourceDecl("managed", "provider", PROVIDER, block)


def applies(decl: ResourceDecl, instance: ModuleInstance) -> bool:
    """Does the root's default provider configure this resource (a type rules read tags of)?"""
    if decl.mode != "managed" or decl.type not in SOURCES:
        return False
    if decl.block.body.attribute("provider") is not None:
        return False
    probe: ModuleInstance | None = instance
    while probe is not None and probe.call is not None:
        if probe.call.block.body.attribute("providers") is not None:
            return False
        probe = probe.parent
    return True


def tags_of(block_payload: Any) -> Any:
    """``default_tags[0].tags`` of the provider block's payload ({} when not set)."""
    if isinstance(block_payload, Unknown):
        return block_payload
    if isinstance(block_payload, list):
        block_payload = block_payload[0] if block_payload else None
    if not isinstance(block_payload, Mapping):
        return {}
    tags = block_payload.get("tags")
    return {} if tags is None else tags


def _merge(defaults: Any, own: Any) -> Any:
    if isinstance(own, Unknown):
        return own
    if isinstance(defaults, Unknown):
        return defaults
    if not isinstance(defaults, Mapping) or not isinstance(own, (Mapping, type(None))):
        return Unknown("tags that are not a map")
    return {**defaults, **(own or {})}


def _worlds(value: Value) -> tuple[Any, dict[Any, Any], frozenset[str], bool]:
    if isinstance(value, Known):
        return value.value, {}, frozenset(), True
    if isinstance(value, Depends):
        alts = {a.assignment: a.value for a in value.alternatives}
        return value.default, alts, value.inputs, value.complete
    return value, {}, value.inputs, False


def merged(defaults: Value, own: Value | None) -> Value:
    """``tags_all``: the default tags with the resource's own tags over them, world by world."""
    own = own if own is not None else Known(None)
    if isinstance(own, Unknown):
        return own
    if isinstance(defaults, Unknown):
        return defaults
    d_default, d_alts, d_inputs, d_complete = _worlds(defaults)
    o_default, o_alts, o_inputs, o_complete = _worlds(own)
    default = _merge(d_default, o_default)
    if not d_alts and not o_alts and not d_inputs and not o_inputs:
        return Known(default, own.span)
    assignments = list(dict.fromkeys([*d_alts, *o_alts]))
    alternatives = tuple(
        Alternative(a, _merge(d_alts.get(a, d_default), o_alts.get(a, o_default)))
        for a in assignments
    )
    span = getattr(own, "span", None)
    return Depends(default, d_inputs | o_inputs, alternatives, d_complete and o_complete, span)


def with_tags_all(attributes: dict[str, Value], defaults: Value) -> None:
    """Add ``tags_all`` to a resource's attributes (in place)."""
    attributes[TAGS_ALL] = merged(defaults, attributes.get("tags"))
