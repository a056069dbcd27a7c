"""Terraform names in one *world*: variables, locals, resources, modules, outputs.

A **world** is an assignment of values to some root inputs (``(("var.use_cmk", True),)``);
the empty world is the default one (variable defaults and tfvars). ``WorldState`` evaluates
everything of one root module tree in one world, lazily and memoized: each local, module
variable, module output, resource attribute and instance set is computed at most once per
world, with the inputs it touched, the reference chain (hops) and the references it produced,
so that reading a cached local still reports what it depends on.

``TfScope`` is the ``hcl_eval.Scope`` of one expression evaluation: it resolves ``var``,
``local``, ``module``, ``data``, resource types, ``each`` / ``count`` / dynamic iterators,
``path``, ``terraform`` and ``self`` through the world state and records into the
``EvalContext`` the root inputs touched (``var.x``), the hops and the refs (every ``Ref``
produced and every configured attribute read from another resource, for graph edges).

Unknown ``count`` / ``for_each``: the resource keeps ONE placeholder instance, ``x[0]`` for
``count`` and ``x["?"]`` for ``for_each``, whose existence is Unknown, and a reference to the
whole resource is Unknown (we do not pretend to know how many there are).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from iacguard.core.located import FileError, Located
from iacguard.core.spans import Span
from iacguard.core.values import JsonEncoded, PartialStr, Ref, Unknown
from iacguard.evaluate.options import EvalOptions
from iacguard.evaluate.terraform.cycles import self_referring_attributes
from iacguard.evaluate.terraform.expressions import EvalContext, EvalTimeout, evaluate
from iacguard.evaluate.terraform.modules import (
    RESOURCE_META_ATTRS,
    RESOURCE_META_BLOCKS,
    ModuleCall,
    ModuleConfig,
    ModuleLoader,
    ResourceDecl,
    is_local_source,
)
from iacguard.evaluate.terraform.types import ANY, TfType, convert, parse_type
from iacguard.graph.facts import (
    DERIVED_ATTRS,
    POLICY_DOCUMENT,
    POLICY_DOCUMENT_PARTS,
    POLICY_JSON_ATTRS,
)
from iacguard.parse.hcl_ast import Attribute, Block, Body, Expr, Traversal

World = tuple[tuple[str, Any], ...]
DEFAULT_WORLD: World = ()
PLACEHOLDER_FOR_EACH_KEY = "?"
#: longest chain of nested name resolutions (local -> local -> module output -> ...)
MAX_CHAIN = 48
#: deepest module nesting followed
MAX_MODULE_DEPTH = 12


# ----------------------------------------------------------------------------- small types


@dataclass(frozen=True, slots=True)
class Entry:
    """A memoized evaluation result with what it touched."""

    payload: Any
    inputs: frozenset[str] = frozenset()
    hops: tuple[Located, ...] = ()
    refs: tuple[tuple[Ref, Span], ...] = ()
    spans: tuple[tuple[str, Span], ...] = ()
    ref_paths: tuple[tuple[tuple[str, Any, Span | None], tuple[str, ...]], ...] = ()


@dataclass(slots=True)
class Recorder:
    """Attribute path spans, and the attribute path each reference was made from."""

    spans: dict[str, Span] = field(default_factory=dict)
    ref_paths: dict[tuple[str, Any, Span | None], list[str]] = field(default_factory=dict)

    def attribute(self, path: str, span: Span, ctx: EvalContext, start: int) -> None:
        """Record ``path``'s span and the refs ``ctx`` gained since ``start`` (made while
        evaluating this attribute: a local used at two paths yields both)."""
        self.spans[path] = span
        for ref, ref_span in ctx.refs[start:]:
            paths = self.ref_paths.setdefault((ref.address, ref.attribute, ref_span), [])
            if path not in paths:
                paths.append(path)


@dataclass(eq=False, slots=True)
class ModuleInstance:
    """A module in the tree: the root (prefix "") or a called module instance."""

    prefix: str
    config: ModuleConfig
    parent: ModuleInstance | None = None
    call: ModuleCall | None = None
    key: Any = None
    depth: int = 0

    def address(self, local: str) -> str:
        return f"{self.prefix}.{local}" if self.prefix else local


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(slots=True)
class WalkItem:
    instance: ModuleInstance
    decl: ResourceDecl
    key: Any
    exists_inputs: frozenset[str]
    exists_known: bool = True  # False when count/for_each (or a module's) is unknown
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Site:
    """A resource (``decl``) or module call (``call``) of one module instance in the tree."""

    instance: ModuleInstance
    decl: ResourceDecl | None
    call: ModuleCall | None
    #: inputs the enclosing module calls' count/for_each touched
    outer: frozenset[str]
    known: bool
    reason: str


@dataclass(slots=True)
class Walk:
    """Every resource instance of the tree in one world."""

    items: dict[str, WalkItem] = field(default_factory=dict)
    #: every resource and module call, with the inputs its count/for_each (and the
    #: enclosing ones) touched, also when it expands to nothing: where alternatives may
    #: reveal more instances
    sites: list[tuple[Site, frozenset[str]]] = field(default_factory=list)
    #: address prefixes (``aws_x.y``, ``module.m``) whose count/for_each is unknown here
    unknown: dict[str, str] = field(default_factory=dict)

    def unknown_reason(self, address: str) -> str | None:
        """Why ``address`` may or may not exist here, when an expansion is unknown."""
        for prefix, reason in self.unknown.items():
            if address.startswith(prefix + "["):
                return reason
        return None


# ----------------------------------------------------------------------------- root shared


class RootShared:
    """What every world of one root shares: configuration, inputs, notes, errors."""

    def __init__(
        self,
        root_dir: str,
        config: ModuleConfig,
        loader: ModuleLoader,
        options: EvalOptions,
        inputs: dict[str, InputInfo],
        deadline: float,
    ) -> None:
        self.root_dir = root_dir
        self.config = config
        self.loader = loader
        self.options = options
        self.inputs = inputs
        self.deadline = deadline
        self.root_instance = ModuleInstance("", config)
        self.notes: dict[tuple[Any, str], Located] = {}
        self.errors: dict[tuple[Any, ...], FileError] = {}
        self._children: dict[tuple[int, str, Any], ModuleInstance | Unknown] = {}
        self._states: dict[World, WorldState] = {}
        self._types: dict[int, dict[str, TfType]] = {}
        #: id(Attribute) of a resource attribute naming its own resource, directly or
        #: through a cycle of locals and resources -> (span, message)
        self.self_refs: dict[int, tuple[Span, str]] = {}
        self._self_refs_checked: set[int] = set()

    def check_self_references(self, config: ModuleConfig) -> None:
        """Find (once per module) the resource attributes that refer to their own resource,
        directly or through locals and other resources: each is a located error, and
        evaluates to an Unknown without being evaluated."""
        if id(config) in self._self_refs_checked:
            return
        self._self_refs_checked.add(id(config))
        for found in self_referring_attributes(config.resources, config.locals):
            self.self_refs[id(found.attr)] = (found.span, found.message)
            self.error(found.span, found.message)

    def note(self, span: Span | None, message: str) -> None:
        self.notes.setdefault((span, message), Located(span, message))

    def error(self, span: Span | None, message: str, path: str | None = None) -> None:
        err = FileError(
            span.path if span else (path or self.root_dir),
            span.start_line if span else None,
            span.start_column if span else None,
            message,
        )
        self.errors.setdefault((err.path, err.line, err.column, message), err)

    def state(self, world: World) -> WorldState:
        found = self._states.get(world)
        if found is None:
            found = self._states[world] = WorldState(self, world)
        return found

    def new_ctx(self, instance: ModuleInstance) -> EvalContext:
        # Terraform resolves file() paths against the root module directory (where it
        # runs); path.module is relative to it.
        return EvalContext(
            deadline=self.deadline,
            module_dir=self.root_dir,
            scan_root=self.options.scan_root,
        )

    def path_object(self, instance: ModuleInstance) -> dict[str, str]:
        rel = os.path.relpath(instance.config.directory, self.root_dir)
        return {
            "module": rel.replace(os.sep, "/"),
            "root": ".",
            "cwd": os.path.abspath(self.root_dir).replace(os.sep, "/"),
        }

    def var_type(self, config: ModuleConfig, name: str) -> TfType:
        types = self._types.setdefault(id(config), {})
        found = types.get(name)
        if found is None:
            decl = config.variables.get(name)
            found = parse_type(decl.type_expr, self.literal) if decl else ANY
            types[name] = found
        return found

    def literal(self, expr: Expr) -> Any:
        """A self-contained expression's payload (variable defaults, tfvars, type defaults)."""
        try:
            return evaluate(expr, EmptyScope(), EvalContext(deadline=self.deadline))
        except EvalTimeout:
            return Unknown("the evaluation time budget ran out", getattr(expr, "span", None))

    def child(self, parent: ModuleInstance, call: ModuleCall, key: Any) -> ModuleInstance | Unknown:
        """The module instance ``call[key]`` under ``parent`` (or why it cannot be loaded)."""
        ident = (id(parent), call.name, key)
        found = self._children.get(ident)
        if found is not None:
            return found
        span = call.block.header_span
        result: ModuleInstance | Unknown
        source = call.source
        if source is None:
            result = Unknown(f"module.{call.name}: source is not a literal string")
        elif not is_local_source(source):
            result = Unknown(f"remote module {source} is not fetched")
            self.note(
                span,
                f"module.{call.name}: remote module {source} is not fetched; "
                "its outputs and resources are unknown",
            )
        elif parent.depth >= MAX_MODULE_DEPTH:
            result = Unknown(f"module.{call.name}: modules nested deeper than {MAX_MODULE_DEPTH}")
            self.note(span, result.reason)
        else:
            directory, why = self.loader.resolve_local(parent.config.directory, source)
            if directory is None:
                result = Unknown(f"module.{call.name}: {why}")
                self.note(span, result.reason)
            else:
                config = self.loader.load(directory)
                for err in self.loader.take_errors(config):
                    self.errors.setdefault((err.path, err.line, err.column, err.message), err)
                chain = []
                probe: ModuleInstance | None = parent
                while probe is not None:
                    chain.append(probe)
                    probe = probe.parent
                if any(_same_dir(p.config.directory, directory) for p in chain):
                    names = " -> ".join(
                        [p.prefix or parent.config.directory for p in reversed(chain)]
                        + [f"module.{call.name}"]
                    )
                    result = Unknown(f"reference cycle: module calls itself ({names})")
                    self.note(span, result.reason)
                else:
                    prefix = parent.address(f"module.{call.name}{instance_suffix(key)}")
                    result = ModuleInstance(prefix, config, parent, call, key, parent.depth + 1)
        self._children[ident] = result
        return result


def _same_dir(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


# ----------------------------------------------------------------------------- world state


class WorldState:
    """Everything of one root tree evaluated in one world, memoized."""

    def __init__(self, shared: RootShared, world: World) -> None:
        self.shared = shared
        self.world = world
        self.overrides = dict(world)
        self._cache: dict[tuple[Any, ...], Entry] = {}
        self._active: list[tuple[Any, ...]] = []
        self._walk: Walk | None = None
        #: the evaluation running now: lazy objects kept in payloads (a local holding
        #: ``aws_kms_key.keys``) report what they touch to it, not to a finished context
        self._ctxs: list[EvalContext] = []

    @property
    def ctx(self) -> EvalContext:
        if self._ctxs:
            return self._ctxs[-1]
        return self.shared.new_ctx(self.shared.root_instance)

    # -- memo machinery ---------------------------------------------------------------

    def cached(
        self,
        key: tuple[Any, ...],
        label: str,
        ctx: EvalContext,
        span: Span | None,
        compute: Callable[[EvalContext, Recorder], Any],
        instance: ModuleInstance,
    ) -> Any:
        entry = self.entry(key, label, span, compute, instance)
        _merge(ctx, entry)
        return entry.payload

    def entry(
        self,
        key: tuple[Any, ...],
        label: str,
        span: Span | None,
        compute: Callable[[EvalContext, Recorder], Any],
        instance: ModuleInstance,
    ) -> Entry:
        found = self._cache.get(key)
        if found is not None:
            return found
        if key in self._active:
            start = self._active.index(key)
            labels = [_label(k) for k in self._active[start:]] + [label]
            reason = "reference cycle: " + " -> ".join(labels)
            self.shared.note(span, reason)
            return Entry(Unknown(reason, span))
        if len(self._active) >= MAX_CHAIN:
            reason = f"reference chain longer than {MAX_CHAIN} at {label}"
            self.shared.note(span, reason)
            return Entry(Unknown(reason, span))
        self._active.append(key)
        sub = self.shared.new_ctx(instance)
        self._ctxs.append(sub)
        rec = Recorder()
        try:
            payload = compute(sub, rec)
        except RecursionError:
            payload = Unknown(f"{label}: nesting too deep to evaluate", span)
        finally:
            self._active.pop()
            self._ctxs.pop()
        entry = Entry(
            payload,
            frozenset(sub.inputs),
            _dedupe_hops(sub.hops),
            _dedupe_refs(sub.refs),
            tuple(rec.spans.items()),
            tuple((k, tuple(v)) for k, v in rec.ref_paths.items()),
        )
        self._cache[key] = entry
        return entry

    # -- variables --------------------------------------------------------------------

    def var(self, inst: ModuleInstance, name: str, span: Span, ctx: EvalContext) -> Any:
        if inst.parent is None:
            return self.root_var(name, span, ctx)
        return self.cached(
            ("var", inst.prefix, name),
            f"{inst.prefix}.var.{name}",
            ctx,
            span,
            lambda sub, _spans: self._module_var(inst, name, span, sub),
            inst,
        )

    def root_var(self, name: str, span: Span, ctx: EvalContext) -> Any:
        info = self.shared.inputs.get(name)
        if info is None:
            reason = f"var.{name} is not declared"
            if self.shared.config.broken_files:
                reason += " (a file of the module failed to parse)"
            self.shared.note(span, reason)
            return Unknown(reason, span)
        ctx.inputs.add(info.name)
        if info.name in self.overrides:
            value = self.overrides[info.name]
            ctx.hops.append(Located(info.span, f"{info.name} = {short(value)} (alternative)"))
            return value
        ctx.hops.append(
            Located(
                info.value_span or info.span,
                f"{info.name} = {short(info.default)} ({info.origin})",
            )
        )
        return info.default

    def _module_var(self, inst: ModuleInstance, name: str, span: Span, ctx: EvalContext) -> Any:
        config = inst.config
        decl = config.variables.get(name)
        assert inst.call is not None and inst.parent is not None
        if decl is None:
            reason = f"{inst.prefix}: var.{name} is not declared"
            self.shared.note(span, reason)
            return Unknown(reason, span)
        type_ = self.shared.var_type(config, name)
        arg = inst.call.block.body.attribute(name)
        value: Any = None
        if arg is not None:
            ctx.hops.append(Located(arg.span, f"{inst.prefix}: var.{name} set by the caller"))
            scope = TfScope(self, inst.parent, ctx, self.module_bindings(inst, ctx))
            value = convert(evaluate(arg.expr, scope, ctx), type_)
            if value is not None or decl.nullable:
                return value
        if decl.default is not None:
            if arg is None:
                ctx.hops.append(Located(decl.span, f"{inst.prefix}: var.{name} (module default)"))
            return convert(self.shared.literal(decl.default.expr), type_)
        if arg is not None:
            return value
        return Unknown(
            f"{inst.prefix}: var.{name} has no default and the caller does not set it", span
        )

    # -- locals and outputs -----------------------------------------------------------

    def local(self, inst: ModuleInstance, name: str, span: Span, ctx: EvalContext) -> Any:
        attr = inst.config.locals.get(name)
        if attr is None:
            reason = f"local.{name} is not declared"
            if inst.config.broken_files:
                reason += " (a file of the module failed to parse)"
            self.shared.note(span, (inst.prefix + ": " if inst.prefix else "") + reason)
            return Unknown(reason, span)
        label = (inst.prefix + "." if inst.prefix else "") + f"local.{name}"

        def compute(sub: EvalContext, _spans: Recorder) -> Any:
            sub.hops.append(Located(attr.span, label))
            return evaluate(attr.expr, TfScope(self, inst, sub, {}), sub)

        return self.cached(("local", inst.prefix, name), label, ctx, span, compute, inst)

    def output(self, inst: ModuleInstance, name: str, span: Span, ctx: EvalContext) -> Any:
        decl = inst.config.outputs.get(name)
        if decl is None or decl.value is None:
            reason = f"{inst.prefix}.{name}: the module has no such output"
            self.shared.note(span, reason)
            return Unknown(reason, span)
        label = f"{inst.prefix}.{name}"

        def compute(sub: EvalContext, _spans: Recorder) -> Any:
            sub.hops.append(Located(decl.value.span, label))  # type: ignore[union-attr]
            return evaluate(decl.value.expr, TfScope(self, inst, sub, {}), sub)  # type: ignore[union-attr]

        return self.cached(("output", inst.prefix, name), label, ctx, span, compute, inst)

    # -- instances --------------------------------------------------------------------

    def instances(self, inst: ModuleInstance, decl: ResourceDecl, ctx: EvalContext) -> InstanceSet:
        entry = self.instances_entry(inst, decl)
        _merge(ctx, entry)
        return entry.payload

    def instances_entry(self, inst: ModuleInstance, decl: ResourceDecl) -> Entry:
        body = decl.block.body
        label = inst.address(decl.address)
        entry = self.entry(
            ("inst", inst.prefix, decl.address),
            label,
            decl.block.header_span,
            lambda sub, _spans: self._expand(inst, body, label, sub),
            inst,
        )
        return _cyclic_expansion(entry, body)

    def module_instances_entry(self, inst: ModuleInstance, call: ModuleCall) -> Entry:
        label = inst.address(f"module.{call.name}")
        entry = self.entry(
            ("minst", inst.prefix, call.name),
            label,
            call.block.header_span,
            lambda sub, _spans: self._expand(inst, call.block.body, label, sub),
            inst,
        )
        return _cyclic_expansion(entry, call.block.body)

    def module_instances(
        self, inst: ModuleInstance, call: ModuleCall, ctx: EvalContext
    ) -> InstanceSet:
        entry = self.module_instances_entry(inst, call)
        _merge(ctx, entry)
        return entry.payload

    def module_bindings(self, inst: ModuleInstance, ctx: EvalContext) -> dict[str, Any]:
        """``count`` / ``each`` for evaluating a module call's arguments of ``inst``."""
        assert inst.call is not None and inst.parent is not None
        if inst.key is None:
            return {}
        return instance_bindings(self.module_instances_entry(inst.parent, inst.call), inst.key, ctx)

    def _expand(
        self, inst: ModuleInstance, body: Body, label: str, ctx: EvalContext
    ) -> InstanceSet:
        count = body.attribute("count")
        for_each = body.attribute("for_each")
        scope = TfScope(self, inst, ctx, {})
        limit = self.shared.options.max_instances
        if count is not None:
            value = convert(evaluate(count.expr, scope, ctx), TfType("number"))
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                reason = f"{label}: count is not known ({describe_unknown(value)})"
                return InstanceSet("unknown", (0,), meta="count", reason=reason)
            n = int(value)
            if n > limit:
                self.shared.error(
                    count.span,
                    f"{label}: count = {n} is over the limit of {limit} instances; "
                    f"only the first {limit} are evaluated",
                )
                n = limit
            return InstanceSet("count", tuple(range(max(n, 0))))
        if for_each is not None:
            value = evaluate(for_each.expr, scope, ctx)
            pairs = _for_each_pairs(value)
            if pairs is None:
                reason = f"{label}: for_each is not known ({describe_unknown(value)})"
                return InstanceSet(
                    "unknown", (PLACEHOLDER_FOR_EACH_KEY,), (Unknown(reason),), "for_each", reason
                )
            if len(pairs) > limit:
                self.shared.error(
                    for_each.span,
                    f"{label}: for_each has {len(pairs)} elements, over the "
                    f"limit of {limit}; only the first {limit} are evaluated",
                )
                pairs = pairs[:limit]
            return InstanceSet("for_each", tuple(k for k, _ in pairs), tuple(v for _, v in pairs))
        return SINGLE

    # -- resource attributes ----------------------------------------------------------

    def attr_entry(self, inst: ModuleInstance, decl: ResourceDecl, key: Any, name: str) -> Entry:
        """The payload of a top-level attribute (or block type) of one resource instance."""
        address = inst.address(decl.address) + instance_suffix(key)
        label = f"{address}.{name}"
        if decl.type == POLICY_DOCUMENT and decl.mode == "data" and name in POLICY_JSON_ATTRS:

            def compute(sub: EvalContext, _spans: Recorder) -> Any:
                from iacguard.evaluate.terraform.policy_documents import render

                parts = {}
                for part in POLICY_DOCUMENT_PARTS:
                    if part in configured_names(decl):
                        entry = self.attr_entry(inst, decl, key, part)
                        sub.inputs |= entry.inputs
                        sub.hops.extend(entry.hops)
                        sub.refs.extend(entry.refs)
                        parts[part] = entry.payload
                return render(parts, minified=name == "minified_json")

            return self.entry(("attr", address, name), label, decl.block.header_span, compute, inst)

        self.shared.check_self_references(inst.config)

        def compute_spans(sub: EvalContext, spans: Recorder) -> Any:
            bindings = (
                instance_bindings(self.instances_entry(inst, decl), key, sub)
                if key is not None
                else {}
            )
            return eval_body_member(self, inst, decl.block.body, name, name, bindings, sub, spans)

        return self.entry(
            ("attr", address, name), label, decl.block.header_span, compute_spans, inst
        )

    def presence(self, item: WalkItem) -> tuple[Any, frozenset[str]]:
        """Whether the instance ``item`` exists in this world (True, False or an Unknown),
        and the inputs that decided it; looks only at its own module chain."""
        ctx = self.shared.new_ctx(item.instance)
        chain: list[ModuleInstance] = []
        probe: ModuleInstance | None = item.instance
        while probe is not None and probe.parent is not None:
            chain.append(probe)
            probe = probe.parent
        for inst in reversed(chain):
            assert inst.call is not None and inst.parent is not None
            found = self.module_instances(inst.parent, inst.call, ctx)
            if found.kind == "unknown":
                return Unknown(found.reason), frozenset(ctx.inputs)
            if inst.key not in found.keys:
                return False, frozenset(ctx.inputs)
        found = self.instances(item.instance, item.decl, ctx)
        if found.kind == "unknown":
            return Unknown(found.reason), frozenset(ctx.inputs)
        return item.key in found.keys, frozenset(ctx.inputs)

    # -- the tree walk ----------------------------------------------------------------

    def walk(self) -> Walk:
        """Every resource instance in this world (memoized)."""
        if self._walk is None:
            out = Walk()
            self._walk_module(self.shared.root_instance, frozenset(), True, "", out)
            self._walk = out
        return self._walk

    def _walk_module(
        self,
        inst: ModuleInstance,
        outer: frozenset[str],
        known: bool,
        reason: str,
        out: Walk,
    ) -> None:
        for decl in inst.config.resources.values():
            self.walk_site(Site(inst, decl, None, outer, known, reason), out)
        for call in inst.config.module_calls.values():
            self.walk_site(Site(inst, None, call, outer, known, reason), out)

    def walk_site(self, site: Site, out: Walk) -> None:
        """Expand one resource or module call of the tree in this world into ``out``."""
        inst, outer, known, reason = site.instance, site.outer, site.known, site.reason
        ctx = self.shared.new_ctx(inst)
        if site.decl is not None:
            decl = site.decl
            self.shared.check_self_references(inst.config)
            found = self.instances(inst, decl, ctx)
            inputs = outer | ctx.inputs
            out.sites.append((site, inputs))
            if found.kind == "unknown":
                out.unknown[inst.address(decl.address)] = found.reason
            for key in found.keys:
                address = inst.address(decl.address) + instance_suffix(key)
                out.items.setdefault(
                    address,
                    WalkItem(
                        inst,
                        decl,
                        key,
                        inputs,
                        known and found.kind != "unknown",
                        reason or found.reason,
                    ),
                )
            return
        call = site.call
        assert call is not None
        found = self.module_instances(inst, call, ctx)
        inputs = outer | ctx.inputs
        out.sites.append((site, inputs))
        if found.kind == "unknown":
            out.unknown[inst.address(f"module.{call.name}")] = found.reason
        for key in found.keys:
            child = self.shared.child(inst, call, key)
            if isinstance(child, Unknown):
                continue
            self._walk_module(
                child, inputs, known and found.kind != "unknown", reason or found.reason, out
            )

    def module_present(self, inst: ModuleInstance) -> bool:
        """Whether the module instance exists in this world (False when unknown)."""
        probe: ModuleInstance | None = inst
        ctx = self.shared.new_ctx(inst)
        while probe is not None and probe.parent is not None:
            assert probe.call is not None
            found = self.module_instances(probe.parent, probe.call, ctx)
            if found.kind == "unknown" or probe.key not in found.keys:
                return False
            probe = probe.parent
        return True


def _label(key: tuple[Any, ...]) -> str:
    kind = key[0]
    if kind == "local":
        return (key[1] + "." if key[1] else "") + f"local.{key[2]}"
    if kind == "var":
        return f"{key[1]}.var.{key[2]}"
    if kind == "output":
        return f"{key[1]}.{key[2]}"
    if kind == "attr":
        return f"{key[1]}.{key[2]}"
    return ".".join(str(k) for k in key[1:] if k)


def _dedupe_hops(hops: list[Located]) -> tuple[Located, ...]:
    seen: set[Located] = set()
    out = []
    for h in hops:
        if h not in seen:
            seen.add(h)
            out.append(h)
    return tuple(out)


def _dedupe_refs(refs: list[tuple[Ref, Span]]) -> tuple[tuple[Ref, Span], ...]:
    seen: set[tuple[str, Any, Span]] = set()
    out = []
    for ref, span in refs:
        k = (ref.address, ref.attribute, span)
        if k not in seen:
            seen.add(k)
            out.append((ref, span))
    return tuple(out)


def _for_each_pairs(value: Any) -> list[tuple[Any, Any]] | None:
    """(each.key, each.value) pairs of a known for_each collection, else None."""
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return None
        return [(k, value[k]) for k in sorted(value)]
    if isinstance(value, (list, tuple)):
        if not all(isinstance(v, str) for v in value):
            return None
        return [(v, v) for v in sorted(set(value))]
    return None


_SCALARS = (str, int, float, bool, type(None))


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` as plain data: lazy objects (resource instances, module objects) kept in
    payloads are materialized, recursively (bounded)."""
    if isinstance(value, _SCALARS) or isinstance(value, (Unknown, Ref, PartialStr)):
        return value
    if depth > 64:
        return Unknown("value nested too deep")
    if isinstance(value, dict):
        return {k: plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, JsonEncoded):
        return JsonEncoded(plain(value.data, depth + 1))
    materialize = getattr(value, "materialize", None)
    if materialize is not None:
        return plain(materialize(), depth + 1)
    return Unknown(f"not a value: {type(value).__name__}")


def _payload_refs(value: Any, out: set[tuple[str, Any]], depth: int = 0) -> None:
    if depth > 64:
        return
    if isinstance(value, Ref):
        out.add((value.address, value.attribute))
    elif isinstance(value, PartialStr):
        for part in value.parts:
            _payload_refs(part, out, depth + 1)
    elif isinstance(value, JsonEncoded):
        _payload_refs(value.data, out, depth + 1)
    elif isinstance(value, dict):
        for v in value.values():
            _payload_refs(v, out, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _payload_refs(v, out, depth + 1)


def _refs_in_payload(entry: Entry) -> list[tuple[Ref, Span]]:
    """The refs of ``entry`` that its payload carries (a reader of a configured attribute
    depends on those, not on everything the attribute's evaluation looked at)."""
    if not entry.refs:
        return []
    carried: set[tuple[str, Any]] = set()
    _payload_refs(entry.payload, carried)
    return [(r, sp) for r, sp in entry.refs if (r.address, r.attribute) in carried]


def _merge(ctx: EvalContext, entry: Entry) -> None:
    ctx.inputs |= entry.inputs
    ctx.hops.extend(entry.hops)
    ctx.refs.extend(entry.refs)


def instance_bindings(entry: Entry, key: Any, ctx: EvalContext) -> dict[str, Any]:
    """``count`` / ``each`` of instance ``key``. ``count.index`` is the key itself; reading
    ``each.value`` touches what ``for_each`` touched (``each.key`` only decides existence)."""
    found: InstanceSet = entry.payload
    if key is None or found.kind == "single":
        return {}
    if found.kind == "count":
        return {"count": {"index": key}}
    if found.kind == "unknown":
        _merge(ctx, entry)
        if found.meta == "count":
            return {"count": {"index": Unknown(found.reason)}}
        return {"each": {"key": Unknown(found.reason), "value": Unknown(found.reason)}}
    return {"each": _Each(key, found.each_value(key), entry, ctx)}


class _Each:
    """``each`` of one for_each instance."""

    __slots__ = ("key", "value", "entry", "ctx")

    def __init__(self, key: Any, value: Any, entry: Entry, ctx: EvalContext) -> None:
        self.key = key
        self.value = value
        self.entry = entry
        self.ctx = ctx

    def get_attr(self, name: str, span: Span) -> Any:
        if name == "key":
            return self.key
        if name == "value":
            _merge(self.ctx, self.entry)
            return self.value
        return Unknown(f"each.{name} does not exist", span)

    def index(self, key: Any, span: Span) -> Any:
        return Unknown("each cannot be indexed", span)

    def materialize(self) -> Any:
        return {"key": self.key, "value": self.get_attr("value", None)}  # type: ignore[arg-type]


def configured_names(decl: ResourceDecl) -> list[str]:
    """Top-level attribute and block type names of a resource block, in source order."""
    body = decl.block.body
    names: list[str] = []
    for attr in body.attributes:
        if attr.name not in RESOURCE_META_ATTRS and attr.name not in names:
            names.append(attr.name)
    for block in body.blocks:
        name = block.labels[0] if block.type == "dynamic" and block.labels else block.type
        if block.type in RESOURCE_META_BLOCKS or name in names:
            continue
        names.append(name)
    return names


def short(value: Any) -> str:
    """A value for a hop message: ``false``, ``"x"``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return '"' + (value if len(value) <= 60 else value[:57] + "...") + '"'
    if isinstance(value, Unknown):
        return f"unknown ({value.reason})"
    if isinstance(value, (list, dict)):
        return "[...]" if isinstance(value, list) else "{...}"
    return str(value)


def describe_unknown(value: Any) -> str:
    if isinstance(value, Unknown):
        return value.reason
    if isinstance(value, Ref):
        return f"depends on {value.address}.{value.attribute}, known after apply"
    if isinstance(value, (PartialStr, JsonEncoded)):
        return "not fully known"
    return f"not a valid value: {short(value)}"


def _cyclic_expansion(entry: Entry, body: Body) -> Entry:
    """``entry`` with an unknown instance set in place of the Unknown that the memo gives
    when the expansion is asked for while it is being computed (``count`` referring back to
    its own resource: a cycle)."""
    payload = entry.payload
    if not isinstance(payload, Unknown):
        return entry
    reason = payload.reason
    if body.attribute("count") is not None:
        found = InstanceSet("unknown", (0,), meta="count", reason=reason)
    else:
        found = InstanceSet(
            "unknown", (PLACEHOLDER_FOR_EACH_KEY,), (Unknown(reason),), "for_each", reason
        )
    return dataclasses.replace(entry, payload=found)


# ----------------------------------------------------------------------------- bodies


def eval_body_member(
    state: WorldState,
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


def eval_attribute(state: WorldState, attr: Attribute, scope: TfScope, ctx: EvalContext) -> Any:
    """``attr``'s value; an Unknown, unevaluated, when it refers to its own resource."""
    self_ref = state.shared.self_refs.get(id(attr))
    if self_ref is not None:
        return Unknown(self_ref[1], self_ref[0])
    return evaluate(attr.expr, scope, ctx)


def eval_block(
    state: WorldState,
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
    state: WorldState,
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
    for k, v in pairs:
        here = f"{path}[{start + len(out)}]"
        rec.spans[here] = contents[0].span
        inner = dict(bindings)
        inner[iterator] = {"key": k, "value": v}
        out.append(eval_block(state, inst, contents[0].body, here, inner, ctx, rec))
    return out


# ----------------------------------------------------------------------------- scopes


class EmptyScope:
    """For self-contained expressions (defaults, tfvars): every name is unknown."""

    def lookup(self, name: str, span: Span) -> Any:
        return Unknown(f"{name} cannot be referenced here", span)


class TfScope:
    """Names of one module instance in one world, for one evaluation (``ctx``)."""

    __slots__ = ("state", "inst", "ctx", "bindings")

    def __init__(
        self,
        state: WorldState,
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
            s.state.ctx.refs.extend(_refs_in_payload(entry))
            s.state.ctx.refs.append((Ref(address, name, shared.root_dir, span), span))
            return entry.payload
        ref = Ref(address, name, shared.root_dir, span)
        s.state.ctx.refs.append((ref, span))
        if decl.mode == "data":
            shared.note(
                decl.block.header_span,
                f"{address}: {name} is read from the provider at plan time; unknown here",
            )
        return ref

    def index(self, key: Any, span: Span) -> Any:
        return Unknown(f"{self.address} cannot be indexed", span)

    def materialize(self) -> Any:
        return {
            n: self.get_attr(n, self.decl.block.header_span) for n in configured_names(self.decl)
        }
