"""Everything of one Terraform root module tree evaluated in one world, memoized.

``WorldState`` evaluates lazily: each local, module variable, module output, resource
attribute and instance set is computed at most once per world, with the inputs it touched, the
reference chain (hops) and the references it produced, so that reading a cached local still
reports what it depends on. A reference cycle or a chain longer than ``MAX_CHAIN`` is an
Unknown with a note. It also expands ``count`` / ``for_each`` and walks the tree: every
resource instance of the world, and every site where other worlds may reveal more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iacguard.core import records
from iacguard.core.located import Located
from iacguard.core.spans import Span
from iacguard.core.values import Ref, Unknown
from iacguard.evaluate.terraform.bodies import eval_body_member
from iacguard.evaluate.terraform.expressions import EvalContext, evaluate
from iacguard.evaluate.terraform.modules import ModuleCall, ResourceDecl, configured_names
from iacguard.evaluate.terraform.names import TfScope
from iacguard.evaluate.terraform.payloads import describe_unknown, short
from iacguard.evaluate.terraform.root_shared import RootShared
from iacguard.evaluate.terraform.types import TfType, convert
from iacguard.evaluate.terraform.worlds import (
    PLACEHOLDER_FOR_EACH_KEY,
    SINGLE,
    Entry,
    InstanceSet,
    ModuleInstance,
    Recorder,
    Site,
    Walk,
    WalkItem,
    World,
    instance_suffix,
)
from iacguard.graph.facts import POLICY_DOCUMENT, POLICY_DOCUMENT_PARTS, POLICY_JSON_ATTRS
from iacguard.parse.hcl_ast import Body

#: longest chain of nested name resolutions (local -> local -> module output -> ...)
MAX_CHAIN = 48


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
        found = self._cache.get(("var", inst.prefix, name))
        if found is not None:  # a memo hit costs no label or closure
            _merge(ctx, found)
            return found.payload
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
        key = ("local", inst.prefix, name)
        found = self._cache.get(key)
        if found is not None:  # a memo hit costs no label or closure
            _merge(ctx, found)
            return found.payload
        label = (inst.prefix + "." if inst.prefix else "") + f"local.{name}"

        def compute(sub: EvalContext, _spans: Recorder) -> Any:
            sub.hops.append(Located(attr.span, label))
            return evaluate(attr.expr, TfScope(self, inst, sub, {}), sub)

        return self.cached(key, label, ctx, span, compute, inst)

    def output(self, inst: ModuleInstance, name: str, span: Span, ctx: EvalContext) -> Any:
        decl = inst.config.outputs.get(name)
        if decl is None or decl.value is None:
            reason = f"{inst.prefix}.{name}: the module has no such output"
            self.shared.note(span, reason)
            return Unknown(reason, span)
        key = ("output", inst.prefix, name)
        found = self._cache.get(key)
        if found is not None:  # a memo hit costs no label or closure
            _merge(ctx, found)
            return found.payload
        label = f"{inst.prefix}.{name}"

        def compute(sub: EvalContext, _spans: Recorder) -> Any:
            sub.hops.append(Located(decl.value.span, label))  # type: ignore[union-attr]
            return evaluate(decl.value.expr, TfScope(self, inst, sub, {}), sub)  # type: ignore[union-attr]

        return self.cached(key, label, ctx, span, compute, inst)

    # -- instances --------------------------------------------------------------------

    def instances(self, inst: ModuleInstance, decl: ResourceDecl, ctx: EvalContext) -> InstanceSet:
        entry = self.instances_entry(inst, decl)
        _merge(ctx, entry)
        return entry.payload

    def instances_entry(self, inst: ModuleInstance, decl: ResourceDecl) -> Entry:
        body = decl.block.body
        key = ("inst", inst.prefix, decl.address)
        found = self._cache.get(key)
        if found is not None:  # a memo hit costs no label or closure
            return _cyclic_expansion(found, body)
        label = inst.address(decl.address)
        single = self._single(key, inst, body, label, decl.block.header_span)
        if single is not None:
            return single
        entry = self.entry(
            key,
            label,
            decl.block.header_span,
            lambda sub, _spans: self._expand(inst, body, label, sub, decl.block.header_span),
            inst,
        )
        return _cyclic_expansion(entry, body)

    def module_instances_entry(self, inst: ModuleInstance, call: ModuleCall) -> Entry:
        key = ("minst", inst.prefix, call.name)
        found = self._cache.get(key)
        if found is not None:
            return _cyclic_expansion(found, call.block.body)
        label = inst.address(f"module.{call.name}")
        single = self._single(key, inst, call.block.body, label, call.block.header_span)
        if single is not None:
            return single
        entry = self.entry(
            key,
            label,
            call.block.header_span,
            lambda sub, _spans: self._expand(
                inst, call.block.body, label, sub, call.block.header_span
            ),
            inst,
        )
        return _cyclic_expansion(entry, call.block.body)

    def _single(
        self, key: tuple[Any, ...], inst: ModuleInstance, body: Body, label: str, header: Span
    ) -> Entry | None:
        """The memo entry of a block with neither ``count`` nor ``for_each``, made without
        the memo's bookkeeping: nothing is evaluated, so it touches no input and makes no
        reference (None when the block expands, or the chain is at its limit: ``entry``)."""
        if len(self._active) >= MAX_CHAIN or _expands(body):
            return None
        entry = Entry(self._charge(inst, body, label, header, SINGLE))
        self._cache[key] = entry
        return entry

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
        self, inst: ModuleInstance, body: Body, label: str, ctx: EvalContext, header: Span
    ) -> InstanceSet:
        """The instances of a block, charged to the root's instance budget (truncated, with a
        located error, when they do not fit)."""
        return self._charge(inst, body, label, header, self._expand_block(inst, body, label, ctx))

    def _charge(
        self, inst: ModuleInstance, body: Body, label: str, header: Span, found: InstanceSet
    ) -> InstanceSet:
        """``found`` charged to the root's instance budget (truncated when it does not fit)."""
        if found.kind == "unknown" or (found.kind == "single" and inst.parent is None):
            return found  # the root's own single blocks are bounded by its source
        n = len(found.keys)
        budget = self.shared.budget
        granted = budget.take_instances(n)
        if granted == n:
            return found
        meta = body.attribute("count") or body.attribute("for_each")
        span = meta.span if meta is not None else header
        budget.refuse_instances(label, n, granted, span, self.shared.evaluation_errors)
        if found.kind == "single":
            return InstanceSet("count", ())
        return records.replace(
            found, keys=found.keys[:granted], values=found.values[:granted], _index={}
        )

    def _expand_block(
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
        found = self._cache.get(("attr", address, name))
        if found is not None:  # a memo hit costs no label, closure or bookkeeping
            return found
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
        inputs: frozenset[str] = frozenset()
        chain: list[ModuleInstance] = []
        probe: ModuleInstance | None = item.instance
        while probe is not None and probe.parent is not None:
            chain.append(probe)
            probe = probe.parent
        for inst in reversed(chain):
            assert inst.call is not None and inst.parent is not None
            entry = self.module_instances_entry(inst.parent, inst.call)
            inputs |= entry.inputs
            found = entry.payload
            if found.kind == "unknown":
                return Unknown(found.reason), inputs
            if inst.key not in found.keys:
                return False, inputs
        entry = self.instances_entry(item.instance, item.decl)
        inputs |= entry.inputs
        found = entry.payload
        if found.kind == "unknown":
            return Unknown(found.reason), inputs
        return item.key in found.keys, inputs

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
        if site.decl is not None:
            decl = site.decl
            self.shared.check_self_references(inst.config)
            entry = self.instances_entry(inst, decl)
            found = entry.payload
            inputs = outer | entry.inputs
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
        entry = self.module_instances_entry(inst, call)
        found = entry.payload
        inputs = outer | entry.inputs
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
        while probe is not None and probe.parent is not None:
            assert probe.call is not None
            found = self.module_instances_entry(probe.parent, probe.call).payload
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
    """The hops in order, each once (the first of equal ones)."""
    if len(hops) < 2:
        return tuple(hops)
    return tuple(dict.fromkeys(hops))


def _dedupe_refs(refs: list[tuple[Ref, Span]]) -> tuple[tuple[Ref, Span], ...]:
    if len(refs) < 2:
        return tuple(refs)
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


def _expands(body: Body) -> bool:
    """Whether a resource or module call has ``count`` or ``for_each``."""
    return any(a.name == "count" or a.name == "for_each" for a in body.attributes)


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
    return records.replace(entry, payload=found)


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
        # the placeholder instance: reading count.index / each.* touches what the expansion
        # touched; an attribute that reads neither (``kms_key_arn = null``) does not
        names = ("index",) if found.meta == "count" else ("key", "value")
        meta = "count" if found.meta == "count" else "each"
        return {meta: _UnknownMeta(names, Unknown(found.reason), entry, ctx)}
    return {"each": _Each(key, found.each_value(key), entry, ctx)}


class _UnknownMeta:
    """``count`` / ``each`` of the placeholder instance of an unknown expansion."""

    __slots__ = ("names", "unknown", "entry", "ctx")

    def __init__(
        self, names: tuple[str, ...], unknown: Unknown, entry: Entry, ctx: EvalContext
    ) -> None:
        self.names = names
        self.unknown = unknown
        self.entry = entry
        self.ctx = ctx

    def get_attr(self, name: str, span: Span) -> Any:
        if name in self.names:
            _merge(self.ctx, self.entry)
            return self.unknown
        return Unknown(f"{name} does not exist here", span)

    def index(self, key: Any, span: Span) -> Any:
        return Unknown("count / each cannot be indexed", span)

    def materialize(self) -> Any:
        _merge(self.ctx, self.entry)
        return self.unknown


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
