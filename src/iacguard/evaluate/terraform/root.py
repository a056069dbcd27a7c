"""Terraform module evaluation: discovered module directories -> one resource graph.

Every discovered module directory is a *root*, evaluated with its own variable defaults and
tfvars; local modules it calls are evaluated inside it with the caller's inputs (addresses
``module.NAME.aws_x.y``). Remote modules are never fetched (their outputs are Unknown, with a
note).

Inputs are the root module's variables. Every attribute is evaluated in the *default world*
(defaults and tfvars), tracking the inputs it touched; for those inputs it is evaluated again
in *alternative worlds*: a bool input flipped, a ``validation``-enumerated input set to each
other listed value, an open input (free string, number, object) set to
``Unknown("any value of var.x")``, plus one world with every enumerable touched input flipped
together. Inputs first touched in an alternative world get one more round of flips on top of
it. ``complete`` is True when every touched input is enumerable and no cap was hit
(``options.max_alternatives`` worlds per value). Evaluation is memoized per world.

Existence: the instances of a resource are the union over the default world and the
alternatives for the inputs its ``count`` / ``for_each`` (and the enclosing module calls')
touched. An instance absent under the defaults is evaluated in the first world where it
exists (its *home* world): the default payload of its attributes is then the value in that
world, and its alternatives are the worlds (from there) where it still exists.

An open input's alternative world assigns it the leaf ``Unknown("any value of var.x")``
(the Alternative's assignment holds that leaf). A ``count`` / ``for_each`` that is unknown
under the defaults keeps one placeholder instance (``x[0]`` / ``x["?"]``) whose ``exists``
is Unknown, with a note; ``x[0]`` / ``x["k"]`` of such a resource still resolves to that
instance, while splats and ``length()`` of it are unknown.

Resources of the types whose tags rules read get ``tags_all``: the root's ``aws`` provider
``default_tags`` with their own ``tags`` over them (``default_tags.py``), as in a plan.

Notes: remote modules, unresolvable local modules, dangling references, reference cycles,
data source attributes read at plan time, unknown expansions, Terraform evaluation errors
and refused ``file()`` reads found in attribute values. Errors: parse errors of every file,
duplicate declarations and attributes, instance limits, the time budget (which covers
parsing the root module; the results done so far are kept).
"""

from __future__ import annotations

import gc
import os
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from iacguard.core.located import FileError, Located
from iacguard.core.spans import Span, innermost_span
from iacguard.core.units import TerraformModule
from iacguard.core.values import (
    Alternative,
    Depends,
    Known,
    Unknown,
    Value,
    walk,
)
from iacguard.evaluate.options import EvalOptions
from iacguard.evaluate.terraform.default_tags import applies as applies_default_tags
from iacguard.evaluate.terraform.default_tags import provider_decl, tags_of, with_tags_all
from iacguard.evaluate.terraform.expressions import EvalTimeout
from iacguard.evaluate.terraform.modules import (
    ModuleConfig,
    ModuleLoader,
    configured_names,
    read_source,
)
from iacguard.evaluate.terraform.payloads import plain
from iacguard.evaluate.terraform.root_shared import RootShared
from iacguard.evaluate.terraform.types import TfType, convert, parse_type
from iacguard.evaluate.terraform.world_state import WorldState
from iacguard.evaluate.terraform.worlds import (
    DEFAULT_WORLD,
    Entry,
    InputInfo,
    Walk,
    WalkItem,
    World,
)
from iacguard.graph.facts import POLICY_DOCUMENT, POLICY_JSON_ATTRS
from iacguard.graph.model import ALWAYS, Edge, Graph, Resource


def evaluate_modules(modules: list[TerraformModule], options: EvalOptions) -> Graph:
    """Evaluate every module directory as a root into one graph."""
    # Evaluation allocates millions of small acyclic objects on big inputs: the cyclic
    # collector's repeated passes over them cost half the time. Paused for the run only.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _evaluate_modules(modules, options)
    finally:
        if paused:
            gc.enable()


def _evaluate_modules(modules: list[TerraformModule], options: EvalOptions) -> Graph:
    loader = ModuleLoader(options.max_file_size, options.scan_root, options.cache_dir)
    resources: list[Resource] = []
    edges: list[Edge] = []
    errors: list[FileError] = []
    notes: list[Located] = []
    roots: list[str] = []
    assigned: list[tuple[str, str, str]] = []
    for module in modules:
        started = time.monotonic()  # the time budget covers parsing the module too
        config = loader.load(module.directory, tuple(module.files))
        errors.extend(loader.take_errors(config))
        part = RootEvaluation(module, config, loader, options, started).run()
        resources.extend(part.resources)
        edges.extend(part.edges)
        errors.extend(part.errors)
        notes.extend(part.notes)
        assigned.extend(part.assigned)
        roots.append(module.directory)
    # a module file evaluated from several roots (a local module that is also scanned as a
    # root) reports the same located error or note once
    return Graph(
        tuple(resources),
        tuple(edges),
        tuple(dict.fromkeys(errors)),
        tuple(dict.fromkeys(notes)),
        tuple(roots),
        tuple(assigned),
    )


# ----------------------------------------------------------------------------- inputs


def load_inputs(
    config: ModuleConfig,
    var_files: Iterable[str],
    literal: Callable[[Any], Any],
    options: EvalOptions,
    errors: list[FileError],
) -> dict[str, InputInfo]:
    """The root variables with their default-world values (tfvars in order, later wins)."""
    from iacguard.parse.tfvars import parse_tfvars

    assigned: dict[str, tuple[Any, str, Span]] = {}
    for path in var_files:
        data = read_source(path, options.max_file_size)
        if isinstance(data, FileError):
            errors.append(data)
            continue
        exprs, errs = parse_tfvars(data, path)
        errors.extend(errs)
        for name, expr in exprs.items():
            assigned[name] = (literal(expr), os.path.basename(path), expr.span)
    inputs: dict[str, InputInfo] = {}
    for name, decl in config.variables.items():
        type_ = parse_type(decl.type_expr, literal)
        span = decl.span
        value_span = None
        if name in assigned:
            raw, origin, value_span = assigned[name]
        elif decl.default is not None:
            raw, origin = literal(decl.default.expr), "default"
        else:
            raw = Unknown(
                f"var.{name} has no default: the caller must set it",
                span,
                frozenset({f"var.{name}"}),
                required_input=True,
            )
            origin = "no default"
        value = convert(raw, type_)
        if value is None and not decl.nullable and decl.default is not None:
            value = convert(literal(decl.default.expr), type_)
        inputs[name] = InputInfo(
            f"var.{name}",
            span,
            value,
            origin,
            type_,
            _domain(decl, type_, value, literal),
            value_span,
        )
    return inputs


def _domain(
    decl: Any, type_: TfType, value: Any, literal: Callable[[Any], Any]
) -> tuple[Any, ...] | None:
    if decl.allowed is not None:
        values = [convert(literal(e), type_) for e in decl.allowed]
        if values and all(isinstance(v, (str, int, float, bool)) for v in values):
            out: list[Any] = []
            for v in values:
                if not any(_same(v, o) for o in out):
                    out.append(v)
            return tuple(out)
    if type_.kind == "bool" or (type_.kind == "any" and isinstance(value, bool)):
        return (True, False)
    return None


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


# ----------------------------------------------------------------------------- one root


class RootResult:
    def __init__(self) -> None:
        self.resources: list[Resource] = []
        self.edges: list[Edge] = []
        self.errors: list[FileError] = []
        self.notes: list[Located] = []
        self.assigned: list[tuple[str, str, str]] = []


class RootEvaluation:
    def __init__(
        self,
        module: TerraformModule,
        config: ModuleConfig,
        loader: ModuleLoader,
        options: EvalOptions,
        started: float | None = None,
    ) -> None:
        self.module = module
        self.options = options
        begin = time.monotonic() if started is None else started
        self.deadline = begin + options.time_budget
        self.errors: list[FileError] = []
        from iacguard.evaluate.terraform.expressions import EvalContext, evaluate
        from iacguard.evaluate.terraform.root_shared import EmptyScope

        def literal(expr: Any) -> Any:
            try:
                return evaluate(expr, EmptyScope(), EvalContext(deadline=self.deadline))
            except EvalTimeout:
                return Unknown("the evaluation time budget ran out", getattr(expr, "span", None))

        inputs = load_inputs(config, module.var_files, literal, options, self.errors)
        self.shared = RootShared(module.directory, config, loader, options, inputs, self.deadline)
        self.cap = max(options.max_alternatives, 1)
        self._states: dict[World, WorldState] = {}
        self._default_tags: Value | None | bool = False  # False: not looked at yet

    def state(self, world: World) -> WorldState:
        """Everything of this root in ``world`` (one state per world, memoized)."""
        found = self._states.get(world)
        if found is None:
            found = self._states[world] = WorldState(self.shared, world)
        return found

    # -- worlds ---------------------------------------------------------------------

    def alt_worlds(self, base: World, touched: Iterable[str]) -> list[World]:
        """Worlds one touched input away from ``base`` (plus all enumerable ones flipped)."""
        current = dict(base)
        out: list[World] = []
        flips: dict[str, Any] = {}
        for name in sorted(touched):
            info = self.shared.inputs.get(name[4:]) if name.startswith("var.") else None
            if info is None or name in current:
                continue
            value = info.default
            if info.domain is None:
                if isinstance(value, Unknown):
                    continue
                out.append(
                    _with(base, {name: Unknown(f"any value of {name}", None, frozenset({name}))})
                )
                continue
            others = [v for v in info.domain if not _same(v, value)]
            for v in others:
                out.append(_with(base, {name: v}))
            if others:
                flips[name] = others[0]
        if len(flips) >= 2:
            out.append(_with(base, flips))
        return out

    def enumerable(self, name: str) -> bool:
        info = self.shared.inputs.get(name[4:]) if name.startswith("var.") else None
        return info is not None and info.domain is not None

    def explore(
        self,
        base: World,
        touched: frozenset[str],
        run: Callable[[World], tuple[Any, frozenset[str]] | None],
    ) -> tuple[list[tuple[World, Any]], frozenset[str], bool]:
        """Results in the alternative worlds of ``touched`` from ``base`` (two rounds).

        ``run`` returns (result, inputs touched) or None to skip the world. Returns the
        results, every input touched, and whether a cap was hit.
        """
        results: list[tuple[World, Any]] = []
        seen: set[World] = {base}
        all_inputs = set(touched)
        truncated = False
        queue = [(w, 1) for w in self.alt_worlds(base, touched)]
        while queue:
            world, level = queue.pop(0)
            if world in seen:
                continue
            if len(results) >= self.cap:
                truncated = True
                break
            seen.add(world)
            got = run(world)
            if got is None:
                continue
            result, inputs = got
            results.append((world, result))
            new = inputs - all_inputs - {k for k, _ in world}
            all_inputs |= inputs
            if new:
                if level >= 2:
                    truncated = True
                else:
                    queue.extend((w, level + 1) for w in self.alt_worlds(world, new))
        return results, frozenset(all_inputs), truncated

    # -- the run --------------------------------------------------------------------

    def run(self) -> RootResult:
        out = RootResult()
        out.errors.extend(self.errors)
        try:
            self._build(out)
        except EvalTimeout as exc:
            out.errors.append(
                _located(
                    exc,
                    self.module.directory,
                    f"time budget of {self.options.time_budget:g} s exhausted: evaluation "
                    "stopped, the results for this module are partial",
                )
            )
        except RecursionError as exc:
            out.errors.append(_located(exc, self.module.directory, "nesting too deep to evaluate"))
        out.edges = _dedupe_edges(out.edges)
        for err in self.shared.evaluation_errors:
            self.shared.errors.setdefault((err.path, err.line, err.column, err.message), err)
        out.errors.extend(self.shared.errors.values())
        out.notes.extend(self.shared.notes.values())
        out.assigned.extend(
            (self.module.directory, info.name, info.origin)
            for info in self.shared.inputs.values()
            if info.origin not in ("default", "no default")
        )
        return out

    def _build(self, out: RootResult) -> None:
        walk0 = self.state(DEFAULT_WORLD).walk()
        homes: dict[str, tuple[World, WalkItem]] = {
            a: (DEFAULT_WORLD, i) for a, i in walk0.items.items()
        }
        # instances absent under the defaults: expand each resource / module call again in
        # the worlds its count/for_each inputs give. An enumerable input reveals instances;
        # an open one ("any value of var.x") makes the expansion unknown: a resource that has
        # no instance under the defaults then keeps its placeholder (``x[0]`` / ``x["?"]``),
        # which exists for some values of those inputs.
        placeholders: dict[str, tuple[World, WalkItem]] = {}
        for site, touched in walk0.sites:
            if not touched:
                continue
            for world in self.alt_worlds(DEFAULT_WORLD, touched)[: self.cap]:
                state = self.state(world)
                if not state.module_present(site.instance):
                    continue
                found = Walk()
                state.walk_site(site, found)
                for address, item in found.items.items():
                    if address in homes:
                        continue
                    if item.exists_known:
                        homes[address] = (world, item)
                    else:
                        placeholders.setdefault(address, (world, item))
        present = {_declared(item) for item in walk0.items.values()}
        for address, found in placeholders.items():
            if _declared(found[1]) not in present:
                homes.setdefault(address, found)
        for address, (home, item) in homes.items():
            self._resource(out, address, home, item, walk0.items)

    def _exists(self, address: str, home: World, item: WalkItem, in_default: bool) -> Value:
        touched = item.exists_inputs
        if not item.exists_known and home != DEFAULT_WORLD:
            # a placeholder found in an "any value" world: absent under the defaults, present
            # for some other values of the inputs its count / for_each read
            reason = item.reason or "count / for_each is not known"
            inputs = touched | {k for k, _ in home}
            return Depends(
                False,
                inputs,
                (Alternative(home, Unknown(reason, None, inputs)),),
                False,
                item.decl.block.header_span,
            )
        if not item.exists_known:
            body = item.decl.block.body
            meta = body.attribute("count") or body.attribute("for_each")
            self.shared.note(
                meta.span if meta is not None else item.decl.block.header_span,
                f"{item.reason or 'count / for_each is not known'}; "
                f"{address} stands for its instances",
            )
            return Unknown(
                item.reason or "count / for_each is not known", item.decl.block.header_span, touched
            )
        if home == DEFAULT_WORLD and not touched:
            return ALWAYS

        def run(world: World) -> tuple[Any, frozenset[str]]:
            return self.state(world).presence(item)

        results, inputs, truncated = self.explore(home, touched, run)
        alternatives = []
        if home != DEFAULT_WORLD:
            alternatives.append(Alternative(home, True))
        alternatives.extend(Alternative(w, r) for w, r in results)
        inputs = inputs | {k for k, _ in home}
        complete = not truncated and all(self.enumerable(n) for n in inputs)
        if in_default and complete and all(a.value is True for a in alternatives):
            return ALWAYS
        return Depends(
            in_default, inputs, tuple(alternatives), complete, item.decl.block.header_span
        )

    def _resource(
        self, out: RootResult, address: str, home: World, item: WalkItem, default_items: dict
    ) -> None:
        decl, inst, key = item.decl, item.instance, item.key
        exists = self._exists(address, home, item, address in default_items)
        names = configured_names(decl)
        if decl.mode == "data" and decl.type == POLICY_DOCUMENT:
            names += [n for n in POLICY_JSON_ATTRS if n not in names]
        attributes: dict[str, Value] = {}
        spans: dict[str, Span] = {}
        home_state = self.state(home)
        observed = self.options.observed_types
        type_key = decl.type if decl.mode == "managed" else f"data.{decl.type}"
        alternatives = observed is None or type_key in observed
        by_type = self.options.observed_attributes
        read = by_type.get(type_key) if alternatives and by_type is not None else None
        for name in names:
            entry = home_state.attr_entry(inst, decl, key, name)
            here = dict(entry.spans)
            paths = dict(entry.ref_paths)
            spans.update(here)
            span = here.get(name) or here.get(f"{name}[0]") or decl.block.header_span
            explore = alternatives and (read is None or name in read)
            value, refs = self._value(address, home, item, name, entry, span, explore)
            attributes[name] = value
            for ref, ref_span in refs:
                ref_key = (ref.address, ref.attribute, ref_span)
                for path in paths.get(ref_key) or (_source_path(name, here, ref_span),):
                    out.edges.append(
                        Edge(
                            address,
                            path,
                            ref.address,
                            ref.attribute,
                            self.module.directory,
                            ref_span,
                        )
                    )
        if applies_default_tags(decl, inst):
            defaults = self.default_tags()
            if defaults is not None:
                with_tags_all(attributes, defaults)
        out.resources.append(
            Resource(
                address=address,
                type=decl.type,
                root=self.module.directory,
                span=decl.block.header_span,
                attributes=attributes,
                language="terraform",
                mode=decl.mode,  # type: ignore[arg-type]
                module=inst.prefix,
                exists=exists,
                spans=spans,
                extent=decl.block.span,
            )
        )

    def default_tags(self) -> Value | None:
        """The root's default ``aws`` provider's ``default_tags`` tags (None: not configured)."""
        if self._default_tags is not False:
            return self._default_tags  # type: ignore[return-value]
        root = self.shared.root_instance
        decl = provider_decl(root)
        value: Value | None = None
        if decl is not None:
            span = decl.block.header_span
            entry = self.state(DEFAULT_WORLD).attr_entry(root, decl, None, "default_tags")
            payload = tags_of(plain(entry.payload))
            if isinstance(payload, Unknown):
                value = Unknown(payload.reason, span, payload.inputs | entry.inputs)
            elif not entry.inputs:
                value = Known(payload, span)
            else:

                def run(world: World) -> tuple[Any, frozenset[str]]:
                    got = self.state(world).attr_entry(root, decl, None, "default_tags")
                    return tags_of(plain(got.payload)), got.inputs

                results, inputs, truncated = self.explore(DEFAULT_WORLD, entry.inputs, run)
                complete = not truncated and all(self.enumerable(n) for n in inputs)
                alternatives = tuple(Alternative(w, r) for w, r in results)
                value = Depends(payload, inputs, alternatives, complete, span)
        self._default_tags = value
        return value

    def _value(
        self,
        address: str,
        home: World,
        item: WalkItem,
        name: str,
        entry: Entry,
        span: Span,
        alternatives: bool = True,
    ) -> tuple[Value, list[Any]]:
        """The attribute's Value: its payload in the home world, and (``alternatives``) in
        the alternative worlds of the inputs it read; without, an input-dependent value has
        no alternatives and is not complete (nobody reads it: ``EvalOptions.observed_types``,
        ``observed_attributes``)."""
        refs = list(entry.refs)
        payload = plain(entry.payload)
        # a placeholder found in an "any value" world: an error there (an index of a resource
        # absent in that world) is an artefact of the world, not worth a note
        if item.exists_known or home == DEFAULT_WORLD:
            for problem in _problems(payload):
                self.shared.note(problem.span or span, f"{address}.{name}: {problem.reason}")
        if isinstance(payload, Unknown):
            return (
                Unknown(
                    payload.reason,
                    span,
                    payload.inputs | entry.inputs,
                    payload.required_input,
                    entry.hops,
                ),
                refs,
            )
        pinned = {k for k, _ in home}
        if not entry.inputs - pinned:
            # constant wherever the instance exists (its home world pins the rest)
            return Known(payload, span, entry.hops), refs
        if not alternatives:
            return Depends(payload, entry.inputs, (), False, span, entry.hops), refs

        def run(world: World) -> tuple[Any, frozenset[str]] | None:
            state = self.state(world)
            if state.presence(item)[0] is not True:
                return None  # the instance does not exist there: nothing to say
            got = state.attr_entry(item.instance, item.decl, item.key, name)
            refs.extend(got.refs)
            return plain(got.payload), got.inputs

        results, inputs, truncated = self.explore(home, entry.inputs, run)
        complete = not truncated and all(self.enumerable(n) for n in inputs)
        alternatives = tuple(Alternative(w, r) for w, r in results)
        return Depends(payload, inputs, alternatives, complete, span, entry.hops), refs


def _located(exc: BaseException, directory: str, message: str) -> FileError:
    """``message`` at the file and line evaluation was at when ``exc`` stopped it (the module
    directory when that cannot be seen)."""
    where = innermost_span(exc)
    if where is None:
        return FileError(directory, None, None, message)
    return FileError(where.path, where.start_line, where.start_column, message)


def _declared(item: WalkItem) -> tuple[str, str]:
    """The declaration an instance comes from: its module path without instance keys, and
    its resource address (``module.a["x"].aws_y.z[0]`` -> ``("module.a.", "aws_y.z")``)."""
    return _KEYS.sub("", item.instance.prefix), item.decl.address


_KEYS = re.compile(r"\[[^\]]*\]")


def _problems(payload: Any) -> list[Unknown]:
    """Unknown leaves that stand for a Terraform evaluation error or a refused file read:
    worth a located note (Terraform would fail there, or we would not look)."""
    if isinstance(payload, (str, int, float, bool)) or payload is None:
        return []
    from iacguard.evaluate.terraform.functions.common import ERROR_PREFIX

    return [
        node
        for node in walk(payload, max_depth=64)
        if isinstance(node, Unknown)
        and (node.reason.startswith(ERROR_PREFIX) or "outside the scanned root" in node.reason)
    ]


def _with(base: World, changes: dict[str, Any]) -> World:
    merged = dict(base)
    merged.update(changes)
    return tuple(sorted(merged.items(), key=lambda kv: kv[0]))


def _contains(outer: Span, inner: Span) -> bool:
    return (
        outer.path == inner.path
        and (outer.start_line, outer.start_column) <= (inner.start_line, inner.start_column)
        and (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column)
    )


def _source_path(name: str, spans: dict[str, Span], ref_span: Span | None) -> str:
    """The deepest attribute path whose span holds the referring expression."""
    best = name
    if ref_span is None:
        return best
    for path, span in spans.items():
        if len(path) > len(best) and _contains(span, ref_span):
            best = path
    return best


def _dedupe_edges(edges: list[Edge]) -> list[Edge]:
    seen: set[Edge] = set()
    out = []
    for e in edges:
        if e not in seen:
            seen.add(e)
            out.append(e)
    return out
