"""The vocabulary of Terraform evaluation in worlds: worlds, memo entries, module instances,
instance sets, root inputs and the records of the tree walk.

A **world** is an assignment of values to some root inputs (``(("var.use_cmk", True),)``);
the empty world is the default one (variable defaults and tfvars).

Unknown ``count`` / ``for_each``: the resource keeps ONE placeholder instance, ``x[0]`` for
``count`` and ``x["?"]`` for ``for_each``, whose existence is Unknown, and a reference to the
whole resource is Unknown (we do not pretend to know how many there are).
"""

from __future__ import annotations

from typing import Any

from iacguard.core.located import Located
from iacguard.core.records import MISSING, field, record
from iacguard.core.spans import Span
from iacguard.core.values import Ref, Unknown
from iacguard.evaluate.terraform.expressions import EvalContext
from iacguard.evaluate.terraform.modules import ModuleCall, ModuleConfig, ResourceDecl
from iacguard.evaluate.terraform.types import TfType

World = tuple[tuple[str, Any], ...]
DEFAULT_WORLD: World = ()
PLACEHOLDER_FOR_EACH_KEY = "?"


@record
class Entry:
    """A memoized evaluation result with what it touched."""

    payload: Any
    inputs: frozenset[str] = frozenset()
    hops: tuple[Located, ...] = ()
    refs: tuple[tuple[Ref, Span], ...] = ()
    spans: tuple[tuple[str, Span], ...] = ()
    ref_paths: tuple[tuple[tuple[str, Any, Span | None], tuple[str, ...]], ...] = ()

    def __init__(
        self,
        payload: Any,
        inputs: frozenset[str] = frozenset(),
        hops: tuple[Located, ...] = (),
        refs: tuple[tuple[Ref, Span], ...] = (),
        spans: tuple[tuple[str, Span], ...] = (),
        ref_paths: tuple[tuple[tuple[str, Any, Span | None], tuple[str, ...]], ...] = (),
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "payload", payload)
        set_field(self, "inputs", inputs)
        set_field(self, "hops", hops)
        set_field(self, "refs", refs)
        set_field(self, "spans", spans)
        set_field(self, "ref_paths", ref_paths)


@record(frozen=False)
class Recorder:
    """Attribute path spans, and the attribute path each reference was made from."""

    spans: dict[str, Span] = field(default_factory=dict)
    ref_paths: dict[tuple[str, Any, Span | None], list[str]] = field(default_factory=dict)

    def __init__(
        self,
        spans: dict[str, Span] = MISSING,
        ref_paths: dict[tuple[str, Any, Span | None], list[str]] = MISSING,
    ) -> None:
        self.spans = {} if spans is MISSING else spans
        self.ref_paths = {} if ref_paths is MISSING else ref_paths

    def attribute(self, path: str, span: Span, ctx: EvalContext, start: int) -> None:
        """Record ``path``'s span and the refs ``ctx`` gained since ``start`` (made while
        evaluating this attribute: a local used at two paths yields both)."""
        self.spans[path] = span
        for ref, ref_span in ctx.refs[start:]:
            paths = self.ref_paths.setdefault((ref.address, ref.attribute, ref_span), [])
            if path not in paths:
                paths.append(path)


@record(frozen=False, eq=False)
class ModuleInstance:
    """A module in the tree: the root (prefix "") or a called module instance."""

    prefix: str
    config: ModuleConfig
    parent: ModuleInstance | None = None
    call: ModuleCall | None = None
    key: Any = None
    depth: int = 0

    def __init__(
        self,
        prefix: str,
        config: ModuleConfig,
        parent: ModuleInstance | None = None,
        call: ModuleCall | None = None,
        key: Any = None,
        depth: int = 0,
    ) -> None:
        self.prefix = prefix
        self.config = config
        self.parent = parent
        self.call = call
        self.key = key
        self.depth = depth

    def address(self, local: str) -> str:
        return f"{self.prefix}.{local}" if self.prefix else local


@record
class InstanceSet:
    """The instances of a resource (or module call) in one world.

    ``kind``: "single", "count", "for_each" or "unknown" (with one placeholder key).
    ``values``: ``each.value`` per key (for_each).
    """

    kind: str
    keys: tuple[Any, ...]
    values: tuple[Any, ...] = ()
    meta: str = ""  # "count" / "for_each" for kind unknown
    reason: str = ""

    _index: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def __init__(
        self,
        kind: str,
        keys: tuple[Any, ...],
        values: tuple[Any, ...] = (),
        meta: str = "",
        reason: str = "",
        _index: dict[Any, Any] = MISSING,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "kind", kind)
        set_field(self, "keys", keys)
        set_field(self, "values", values)
        set_field(self, "meta", meta)
        set_field(self, "reason", reason)
        set_field(self, "_index", {} if _index is MISSING else _index)

    def each_value(self, key: Any) -> Any:
        index = self._index
        if not index and self.values:
            index.update(zip(self.keys, self.values, strict=False))
        if key in index:
            return index[key]
        return Unknown(f"each.value for key {key!r} is not known in this world")


SINGLE = InstanceSet("single", (None,))


def instance_suffix(key: Any) -> str:
    if key is None:
        return ""
    if isinstance(key, int) and not isinstance(key, bool):
        return f"[{key}]"
    text = str(key).replace("\\", "\\\\").replace('"', '\\"')
    return f'["{text}"]'


@record
class InputInfo:
    """A root module variable: its default-world value and the values worth trying."""

    name: str  # "var.x"
    span: Span
    default: Any
    origin: str  # "default", "terraform.tfvars"...
    type: TfType
    #: the other values to try; None: open (any value)
    domain: tuple[Any, ...] | None
    #: where the default-world value is assigned when not in the declaration (the value in
    #: a tfvars file); None: ``span``
    value_span: Span | None = None


@record(frozen=False)
class WalkItem:
    instance: ModuleInstance
    decl: ResourceDecl
    key: Any
    exists_inputs: frozenset[str]
    exists_known: bool = True  # False when count/for_each (or a module's) is unknown
    reason: str = ""

    def __init__(
        self,
        instance: ModuleInstance,
        decl: ResourceDecl,
        key: Any,
        exists_inputs: frozenset[str],
        exists_known: bool = True,
        reason: str = "",
    ) -> None:
        self.instance = instance
        self.decl = decl
        self.key = key
        self.exists_inputs = exists_inputs
        self.exists_known = exists_known
        self.reason = reason


@record
class Site:
    """A resource (``decl``) or module call (``call``) of one module instance in the tree."""

    instance: ModuleInstance
    decl: ResourceDecl | None
    call: ModuleCall | None
    #: inputs the enclosing module calls' count/for_each touched
    outer: frozenset[str]
    known: bool
    reason: str

    def __init__(
        self,
        instance: ModuleInstance,
        decl: ResourceDecl | None,
        call: ModuleCall | None,
        outer: frozenset[str],
        known: bool,
        reason: str,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "instance", instance)
        set_field(self, "decl", decl)
        set_field(self, "call", call)
        set_field(self, "outer", outer)
        set_field(self, "known", known)
        set_field(self, "reason", reason)


@record(frozen=False)
class Walk:
    """Every resource instance of the tree in one world."""

    items: dict[str, WalkItem] = field(default_factory=dict)
    #: every resource and module call, with the inputs its count/for_each (and the
    #: enclosing ones) touched, also when it expands to nothing: where alternatives may
    #: reveal more instances
    sites: list[tuple[Site, frozenset[str]]] = field(default_factory=list)
    #: address prefixes (``aws_x.y``, ``module.m``) whose count/for_each is unknown here
    unknown: dict[str, str] = field(default_factory=dict)

    def __init__(
        self,
        items: dict[str, WalkItem] = MISSING,
        sites: list[tuple[Site, frozenset[str]]] = MISSING,
        unknown: dict[str, str] = MISSING,
    ) -> None:
        self.items = {} if items is MISSING else items
        self.sites = [] if sites is MISSING else sites
        self.unknown = {} if unknown is MISSING else unknown

    def unknown_reason(self, address: str) -> str | None:
        """Why ``address`` may or may not exist here, when an expansion is unknown."""
        for prefix, reason in self.unknown.items():
            if address.startswith(prefix + "["):
                return reason
        return None
