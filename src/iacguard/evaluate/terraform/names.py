"""Terraform names: what ``var.``, ``local.``, ``module.``, ``data.`` and resource references
resolve to in one module instance and one world.

``TfScope`` is the ``Scope`` of one expression evaluation: it resolves ``var``, ``local``,
``module``, ``data``, resource types, ``path``, ``terraform`` and ``self`` (and the ``each`` /
``count`` / dynamic iterator bindings it is given) through the world's state, and records into
the ``EvalContext`` the root inputs touched (``var.x``), the hops and the refs (every ``Ref``
produced and every configured attribute read from another resource, for graph edges).

The state is read through ``StateView``, the part of ``world_state.WorldState`` that names
need, so the names do not import the state that creates them.

A resource or module call whose ``count`` / ``for_each`` is unknown is a ``_Pending``: a
reference to all of it is Unknown, ``x[0]`` / ``x["k"]`` is the placeholder instance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from iacguard.core.located import Located
from iacguard.core.notes import data_source_note
from iacguard.core.spans import Span
from iacguard.core.values import Ref, Unknown
from iacguard.evaluate.terraform.expressions import EvalContext
from iacguard.evaluate.terraform.modules import ModuleCall, ResourceDecl, configured_names
from iacguard.evaluate.terraform.payloads import refs_in_payload
from iacguard.evaluate.terraform.root_shared import RootShared
from iacguard.evaluate.terraform.worlds import Entry, InstanceSet, ModuleInstance, instance_suffix
from iacguard.graph.facts import DERIVED_ATTRS, POLICY_DOCUMENT, POLICY_JSON_ATTRS


class StateView(Protocol):
    """What names read of one world's state (``world_state.WorldState``)."""

    shared: RootShared

    @property
    def ctx(self) -> EvalContext:
        """The evaluation running now."""
        ...

    def var(self, inst: ModuleInstance, name: str, span: Span, ctx: EvalContext) -> Any: ...

    def local(self, inst: ModuleInstance, name: str, span: Span, ctx: EvalContext) -> Any: ...

    def output(self, inst: ModuleInstance, name: str, span: Span, ctx: EvalContext) -> Any: ...

    def instances(
        self, inst: ModuleInstance, decl: ResourceDecl, ctx: EvalContext
    ) -> InstanceSet: ...

    def module_instances(
        self, inst: ModuleInstance, call: ModuleCall, ctx: EvalContext
    ) -> InstanceSet: ...

    def attr_entry(
        self, inst: ModuleInstance, decl: ResourceDecl, key: Any, name: str
    ) -> Entry: ...


class TfScope:
    """Names of one module instance in one world, for one evaluation (``ctx``)."""

    __slots__ = ("state", "inst", "ctx", "bindings")

    def __init__(
        self,
        state: StateView,
        inst: ModuleInstance,
        ctx: EvalContext,
        bindings: dict[str, Any],
    ) -> None:
        self.state = state
        self.inst = inst
        self.ctx = ctx
        self.bindings = bindings

    def lookup(self, name: str, span: Span) -> Any:
        if name in self.bindings:
            return self.bindings[name]
        if name == "var":
            return _Names(self, "var")
        if name == "local":
            return _Names(self, "local")
        if name == "module":
            return _Modules(self)
        if name == "data":
            return _Data(self)
        if name == "path":
            return self.state.shared.path_object(self.inst)
        if name == "terraform":
            return {"workspace": "default"}
        if name == "self":
            return Unknown("self is known only when the resource is created", span)
        if name in ("count", "each"):
            return Unknown(f"{name} is not available here", span)
        return _ResourceType(self, "managed", name)


class _Names:
    """``var`` or ``local``."""

    __slots__ = ("scope", "kind")

    def __init__(self, scope: TfScope, kind: str) -> None:
        self.scope = scope
        self.kind = kind

    def get_attr(self, name: str, span: Span) -> Any:
        s = self.scope
        if self.kind == "var":
            return s.state.var(s.inst, name, span, s.state.ctx)
        return s.state.local(s.inst, name, span, s.state.ctx)

    def index(self, key: Any, span: Span) -> Any:
        return Unknown(f"{self.kind} cannot be indexed", span)

    def materialize(self) -> Any:
        s = self.scope
        names = s.inst.config.variables if self.kind == "var" else s.inst.config.locals
        return {n: self.get_attr(n, None) for n in names}  # type: ignore[arg-type]


class _Modules:
    __slots__ = ("scope",)

    def __init__(self, scope: TfScope) -> None:
        self.scope = scope

    def get_attr(self, name: str, span: Span) -> Any:
        s = self.scope
        call = s.inst.config.module_calls.get(name)
        if call is None:
            reason = f"module.{name} is not declared"
            s.state.shared.note(span, reason)
            return Unknown(reason, span)
        found = s.state.module_instances(s.inst, call, s.state.ctx)

        def one(key: Any) -> Any:
            child = s.state.shared.child(s.inst, call, key)
            if isinstance(child, Unknown):
                return child
            return _ModuleObject(s, child)

        if found.kind == "unknown":
            return _Pending(found.reason, found.meta, one)

        if found.kind == "single":
            return one(None)
        if found.kind == "count":
            return [one(k) for k in found.keys]
        return {k: one(k) for k in found.keys}

    def index(self, key: Any, span: Span) -> Any:
        return Unknown("module cannot be indexed", span)

    def materialize(self) -> Any:
        return {n: self.get_attr(n, None) for n in self.scope.inst.config.module_calls}  # type: ignore[arg-type]


class _ModuleObject:
    """One module instance: its outputs."""

    __slots__ = ("scope", "child")

    def __init__(self, scope: TfScope, child: ModuleInstance) -> None:
        self.scope = scope
        self.child = child

    def get_attr(self, name: str, span: Span) -> Any:
        s = self.scope
        return s.state.output(self.child, name, span, s.state.ctx)

    def index(self, key: Any, span: Span) -> Any:
        return Unknown(f"{self.child.prefix} cannot be indexed", span)

    def materialize(self) -> Any:
        return {n: self.get_attr(n, None) for n in self.child.config.outputs}  # type: ignore[arg-type]


class _Data:
    __slots__ = ("scope",)

    def __init__(self, scope: TfScope) -> None:
        self.scope = scope

    def get_attr(self, name: str, span: Span) -> Any:
        return _ResourceType(self.scope, "data", name)

    def index(self, key: Any, span: Span) -> Any:
        return Unknown("data cannot be indexed", span)

    def materialize(self) -> Any:
        return Unknown("data cannot be used as a value")


class _ResourceType:
    """``aws_kms_key`` (or ``data.aws_kms_key``): its resources by name."""

    __slots__ = ("scope", "mode", "type")

    def __init__(self, scope: TfScope, mode: str, type_: str) -> None:
        self.scope = scope
        self.mode = mode
        self.type = type_

    def _local(self, name: str) -> str:
        return f"{self.type}.{name}" if self.mode == "managed" else f"data.{self.type}.{name}"

    def get_attr(self, name: str, span: Span) -> Any:
        s = self.scope
        local = self._local(name)
        decl = s.inst.config.resources.get(local)
        if decl is None:
            where = f" in {s.inst.prefix}" if s.inst.prefix else ""
            reason = f"{local} is not declared{where}"
            if s.inst.config.broken_files:
                reason += " (a file of the module failed to parse)"
            s.state.shared.note(span, reason)
            return Unknown(reason, span)
        found = s.state.instances(s.inst, decl, s.state.ctx)
        if found.kind == "single":
            return _ResourceObject(s, decl, None)
        if found.kind == "unknown":
            return _Pending(found.reason, found.meta, lambda k: _ResourceObject(s, decl, k))
        if found.kind == "count":
            return [_ResourceObject(s, decl, k) for k in found.keys]
        return {k: _ResourceObject(s, decl, k) for k in found.keys}

    def index(self, key: Any, span: Span) -> Any:
        return Unknown(f"{self.type} cannot be indexed", span)

    def materialize(self) -> Any:
        s = self.scope
        prefix = self._local("")
        return {
            d.name: self.get_attr(d.name, d.block.header_span)
            for a, d in s.inst.config.resources.items()
            if a.startswith(prefix)
        }


class _Pending:
    """The instances of a resource or module call whose count / for_each is unknown: how
    many there are is unknown, but ``x[0]`` / ``x["k"]``, if it exists, is that instance
    (Terraform would reject the configuration otherwise)."""

    __slots__ = ("reason", "meta", "make")

    def __init__(self, reason: str, meta: str, make: Callable[[Any], Any]) -> None:
        self.reason = reason
        self.meta = meta
        self.make = make

    def get_attr(self, name: str, span: Span) -> Any:
        return Unknown(self.reason, span)

    def index(self, key: Any, span: Span) -> Any:
        if self.meta == "count":
            if isinstance(key, float) and key.is_integer():
                key = int(key)
            elif isinstance(key, str) and key.isdigit():
                key = int(key)
            if not isinstance(key, int) or isinstance(key, bool) or key < 0:
                return Unknown(self.reason, span)
        elif not isinstance(key, str):
            return Unknown(self.reason, span)
        return self.make(key)

    def materialize(self) -> Any:
        return Unknown(self.reason)


class _ResourceObject:
    """One resource instance: configured attributes are their payloads, computed ones Refs."""

    __slots__ = ("scope", "decl", "key")

    def __init__(self, scope: TfScope, decl: ResourceDecl, key: Any) -> None:
        self.scope = scope
        self.decl = decl
        self.key = key

    @property
    def address(self) -> str:
        return self.scope.inst.address(self.decl.address) + instance_suffix(self.key)

    def get_attr(self, name: str, span: Span) -> Any:
        s = self.scope
        decl = self.decl
        shared = s.state.shared
        configured = configured_names(decl)
        target = DERIVED_ATTRS.get((decl.type, name), name)
        is_policy_json = (
            decl.mode == "data" and decl.type == POLICY_DOCUMENT and name in POLICY_JSON_ATTRS
        )
        address = self.address
        if target in configured or is_policy_json:
            entry = s.state.attr_entry(s.inst, decl, self.key, target)
            s.state.ctx.inputs |= entry.inputs
            s.state.ctx.hops.append(Located(decl.block.header_span, f"{address}.{name}"))
            s.state.ctx.hops.extend(entry.hops)
            s.state.ctx.refs.extend(refs_in_payload(entry))
            s.state.ctx.refs.append((Ref(address, name, shared.root_dir, span), span))
            return entry.payload
        ref = Ref(address, name, shared.root_dir, span)
        s.state.ctx.refs.append((ref, span))
        if decl.mode == "data":
            shared.note(
                decl.block.header_span,
                data_source_note(address, name),
            )
        return ref

    def index(self, key: Any, span: Span) -> Any:
        return Unknown(f"{self.address} cannot be indexed", span)

    def materialize(self) -> Any:
        return {
            n: self.get_attr(n, self.decl.block.header_span) for n in configured_names(self.decl)
        }
