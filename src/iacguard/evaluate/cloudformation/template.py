"""A CloudFormation template -> resources of the graph, with three-valued attributes.

* address = logical id, type = ``Type``, root = the template path, span = the logical id key,
  extent = the key through the end of its mapping, language = "cloudformation";
* attributes = the ``Properties`` keys, each a Value; ``Metadata`` (evaluated the same way) is
  kept under the extra attribute key ``METADATA_ATTRIBUTE`` (``"__metadata__"``) for suppressions
  (``Metadata.iacguard.ignore``); ``spans`` has a span (key through value) for every payload
  path evaluated under the defaults (``BackupPlan.BackupPlanRule[0].TargetBackupVault``);
* ``exists`` = the resource's ``Condition`` as a boolean Value (Known(True) without one); its
  properties are their values in the worlds where it exists (``given_existence``: an
  ``!If [CreateVault, ...]`` on the resource's own Condition is read in the created branch);
* one Edge per ``Ref`` / ``Fn::GetAtt`` / ``${Res}`` / ``${Res.Attr}`` to a resource of the
  template, with the span of the referring expression and the property path it sits in (found
  statically, in every branch; list positions are the template's own, before any
  ``AWS::NoValue`` element is dropped).
* a template-level ``Transform`` (SAM, macros) is noted: resources are evaluated as written.

Inputs are the Parameters. A value is first evaluated in the default world (every Parameter
at its Default), recording the Parameters read. Alternatives come from worlds where ONE of
those Parameters takes each other AllowedValue (or an unknown "any value" when it has none),
plus one world with every enumerable Parameter changed together; when the full product of
their values is small enough (``max_alternatives``) it is explored instead and the result is
``complete``. Distinct worlds per template are capped by ``max_alternatives``; conditions are
memoized per world. All combinations of all conditions are never enumerated.

A file that turns out not to be a template (no ``AWSTemplateFormatVersion`` and no
``Resources`` of ``AWS::`` / ``Custom::`` types) gives an empty graph, silently.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from iacguard.core.located import FileError
from iacguard.core.spans import Span
from iacguard.core.values import Alternative, Depends, Known, Unknown, Value
from iacguard.evaluate.cloudformation.intrinsics import (
    NOVALUE,
    PSEUDO_PARAMETERS,
    SUB_VARIABLE,
    Context,
    Parameter,
    TemplateEvaluator,
    as_text,
)
from iacguard.evaluate.options import EvalOptions
from iacguard.graph.model import METADATA_ATTRIBUTE, Edge, Graph, Resource
from iacguard.parse.cfn_nodes import BadNode, MapNode, Node, ParsedDocument, ScalarNode, SeqNode

if TYPE_CHECKING:
    from iacguard.parse.cfn_quick import Outline

_TYPE_PREFIXES = ("AWS::", "Custom::", "Alexa::")
_LIST_TYPES = ("CommaDelimitedList", "List<")
_SSM_TYPES = ("AWS::SSM::Parameter::Value<",)


def evaluate_template(path: str, options: EvalOptions) -> Graph:
    """Parse and evaluate one template (see the module docstring)."""
    from iacguard.parse.cfn_yaml import load_template

    parsed = load_template(path, max_file_size=options.max_file_size, max_depth=options.max_depth)
    return evaluate_document(path, parsed, options)


def evaluate_document(path: str, parsed: ParsedDocument, options: EvalOptions) -> Graph:
    """Evaluate a template already loaded (``iacguard.parse.cfn_yaml.load_template_text``):
    the route for a template that is not a file on disk, or whose text the caller holds."""
    if parsed.fatal or parsed.root is None:
        return Graph(errors=parsed.errors, roots=(path,) if parsed.errors else ())
    root = parsed.root
    if not is_template(root):
        return Graph()
    builder = _TemplateBuilder(path, root, options, list(parsed.errors))
    for note in parsed.notes:
        builder.ev.note(note.span, note.message)
    return builder.build()


def is_template(root: Node) -> bool:
    if not isinstance(root, MapNode):
        return False
    if root.get("AWSTemplateFormatVersion") is not None:
        return True
    resources = root.get("Resources")
    if not isinstance(resources, MapNode):
        return False
    for body in resources.values:
        t = body.get("Type") if isinstance(body, MapNode) else None
        if isinstance(t, ScalarNode) and isinstance(t.value, str):
            if t.value.startswith(_TYPE_PREFIXES):
                return True
    return False


def outline_is_template(outline: Outline) -> bool:
    """``is_template`` of the root ``outline`` describes (``parse.cfn_quick``)."""
    if not outline.mapping:
        return False
    if outline.version:
        return True
    return outline.resources is not None and any(
        t.startswith(_TYPE_PREFIXES) for t in outline.types
    )


def _extent(key: ScalarNode, value: Node) -> Span:
    s, e = key.span, value.span
    return Span(s.path, s.start_line, s.start_column, e.end_line, e.end_column)


class _TemplateBuilder:
    def __init__(
        self, path: str, root: MapNode, options: EvalOptions, errors: list[FileError]
    ) -> None:
        self.path = path
        self.root = root
        self.options = options
        self.errors = errors
        self.worlds_seen: set[tuple[tuple[str, Any], ...]] = {()}
        self._worlds_memo: dict[frozenset[str], tuple[list[Any], bool]] = {}
        self.ev = TemplateEvaluator(
            path,
            self._parameters(),
            self._conditions(),
            self._section("Mappings"),
            self._resource_names(),
            options.max_depth,
        )

    # ------------------------------------------------------------------ sections

    def _section(self, name: str) -> MapNode | None:
        node = self.root.get(name)
        if node is None:
            return None
        if not isinstance(node, MapNode):
            key = self.root.key_node(name)
            span = key.span if key else node.span
            self.errors.append(
                FileError(
                    self.path, span.start_line, span.start_column, f"{name} must be a mapping"
                )
            )
            return None
        return node

    def _parameters(self) -> dict[str, Parameter]:
        out: dict[str, Parameter] = {}
        section = self._section("Parameters")
        if section is None:
            return out
        for key, body in section.items():
            name = str(key.value)
            body_map = body if isinstance(body, MapNode) else None
            type_node = body_map.get("Type") if body_map else None
            ptype = type_node.value if isinstance(type_node, ScalarNode) else "String"
            is_list = isinstance(ptype, str) and ptype.startswith(_LIST_TYPES)
            default_node = body_map.get("Default") if body_map else None
            if isinstance(default_node, ScalarNode):
                default: Any = default_node.value
            elif isinstance(default_node, SeqNode):
                default = ",".join(
                    as_text(getattr(n, "value", None)) or "" for n in default_node.items
                )
            else:
                default = Unknown(
                    f"Parameter {name} has no Default: the caller must set it",
                    span=key.span,
                    inputs=frozenset({name}),
                    required_input=True,
                )
            if (
                isinstance(ptype, str)
                and ptype.startswith(_SSM_TYPES)
                and not isinstance(default, Unknown)
            ):
                # the Default names an SSM parameter; its value is read at deploy time
                default = Unknown(
                    f"Parameter {name} is the value of SSM parameter {default!r}",
                    span=key.span,
                    inputs=frozenset({name}),
                )
            allowed_node = body_map.get("AllowedValues") if body_map else None
            allowed: tuple[Any, ...] | None = None
            if isinstance(allowed_node, SeqNode):
                allowed = tuple(n.value for n in allowed_node.items if isinstance(n, ScalarNode))
            out[name] = Parameter(name, key.span, default, allowed, is_list)
        return out

    def _conditions(self) -> dict[str, tuple[ScalarNode, Node]]:
        section = self._section("Conditions")
        if section is None:
            return {}
        return {str(k.value): (k, v) for k, v in section.items()}

    def _resource_names(self) -> set[str]:
        section = self._section("Resources")
        if section is None:
            return set()
        return {str(k.value) for k in section.keys if not str(k.value).startswith("Fn::ForEach")}

    # ------------------------------------------------------------------ values

    def _domain(self, name: str) -> tuple[list[Any], bool]:
        """Other values a Parameter can take than its default, and whether they are all."""
        param = self.ev.parameters[name]
        if param.allowed is None:
            return [
                Unknown(f"any value of Parameter {name}", span=param.span, inputs=frozenset({name}))
            ], False
        default_text = as_text(param.default)
        return [v for v in param.allowed if as_text(v) != default_text], True

    def _worlds(self, touched: set[str]) -> tuple[list[tuple[tuple[str, Any], ...]], bool]:
        """The alternative worlds to explore for a value that read ``touched`` (memoized)."""
        key = frozenset(touched)
        found = self._worlds_memo.get(key)
        if found is None:
            found = self._worlds_memo[key] = self._plan_worlds(touched)
        return found[0], found[1]

    def _plan_worlds(self, touched: set[str]) -> tuple[list[tuple[tuple[str, Any], ...]], bool]:
        names = sorted(touched & self.ev.parameters.keys())
        domains = {n: self._domain(n) for n in names}
        enumerable = all(closed for _, closed in domains.values())
        cap = self.options.max_alternatives
        sizes = [len(domains[n][0]) + 1 for n in names]
        product = 1
        for s in sizes:
            product *= s
        worlds: list[tuple[tuple[str, Any], ...]] = []
        if enumerable and product - 1 <= cap:
            choices = [[None, *domains[n][0]] for n in names]
            for combo in itertools.product(*choices):
                world = tuple((n, v) for n, v in zip(names, combo, strict=True) if v is not None)
                if world:
                    worlds.append(world)
            complete = True
        else:
            for n in names:
                worlds.extend(((n, v),) for v in domains[n][0])
            together = tuple(
                (n, domains[n][0][0]) for n in names if domains[n][1] and domains[n][0]
            )
            if len(together) > 1:
                worlds.append(together)
            complete = False
        return worlds, complete

    def value_of(
        self, compute: Callable[[Context], Any], span: Span | None, spans: dict[str, Span] | None
    ) -> Value | None:
        """Evaluate in the default world, then in the alternative worlds it needs."""
        ctx = Context({}, (), hops=[], spans=spans)
        default = compute(ctx)
        hops = tuple(ctx.hops or ())
        touched = set(ctx.touched)
        if not touched:
            if default is NOVALUE:
                return None
            if isinstance(default, Unknown):
                return default
            return Known(default, span=span, trace=hops)
        if isinstance(default, Unknown):
            return Unknown(
                default.reason,
                span=default.span or span,
                inputs=frozenset(touched) | default.inputs,
                required_input=default.required_input,
                trace=hops,
            )
        if default is NOVALUE:
            default = None
        worlds, complete = self._worlds(touched)
        alternatives: list[Alternative] = []
        inputs = set(touched)
        for world in worlds:
            if world not in self.worlds_seen:
                if len(self.worlds_seen) > self.options.max_alternatives:
                    complete = False
                    continue
                self.worlds_seen.add(world)
            alt_ctx = Context(dict(world), world)
            value = compute(alt_ctx)
            if alt_ctx.touched - touched:
                complete = False
            inputs |= alt_ctx.touched
            alternatives.append(Alternative(world, None if value is NOVALUE else value))
        if complete and all(a.value == default for a in alternatives):
            return Known(default, span=span, trace=hops)
        return Depends(
            default, frozenset(inputs), tuple(alternatives), complete, span=span, trace=hops
        )

    # ------------------------------------------------------------------ resources

    def build(self) -> Graph:
        resources: list[Resource] = []
        edges: list[Edge] = []
        section = self._section("Resources")
        deadline = time.monotonic() + self.options.time_budget
        for key, body in section.items() if section is not None else ():
            name = str(key.value)
            if time.monotonic() > deadline:
                where = key.span
                self.errors.append(
                    FileError(
                        self.path,
                        where.start_line,
                        where.start_column,
                        f"evaluation took longer than {self.options.time_budget:g} s: "
                        f"{name} and the resources after it are not checked",
                    )
                )
                break
            if name.startswith("Fn::ForEach"):
                self.ev.note(
                    key.span, f"{name}: Fn::ForEach is not expanded; its resources are not checked"
                )
                continue
            resource = self._resource(key, body)
            if resource is not None:
                resources.append(resource)
                props = body.get("Properties") if isinstance(body, MapNode) else None
                if props is not None:
                    edges.extend(self._edges(name, props, ""))
        self._check_outputs()
        transform_key = self.root.key_node("Transform")
        if transform_key is not None:
            self.ev.note(
                transform_key.span,
                "the template uses Transform (a macro such as SAM): resources are checked as "
                "written, before the transform",
            )
        return Graph(
            tuple(resources), tuple(edges), tuple(self.errors), tuple(self.ev.notes), (self.path,)
        )

    def _resource(self, key: ScalarNode, body: Node) -> Resource | None:
        name = str(key.value)
        where = key.span
        if isinstance(body, BadNode) and not body.error:
            return None  # a resource under an unknown YAML tag: the loader noted it
        if not isinstance(body, MapNode):
            self.errors.append(
                FileError(
                    self.path,
                    where.start_line,
                    where.start_column,
                    f"resource {name} must be a mapping",
                )
            )
            return None
        type_node = body.get("Type")
        if not isinstance(type_node, ScalarNode) or not isinstance(type_node.value, str):
            self.errors.append(
                FileError(
                    self.path, where.start_line, where.start_column, f"resource {name} has no Type"
                )
            )
            return None
        spans: dict[str, Span] = {}
        attributes: dict[str, Value] = {}
        props = body.get("Properties")
        if isinstance(props, BadNode) and not props.error:
            # every property is unknown: checking the resource would report what is unseen
            self.ev.note(props.span, f"resource {name}: its Properties are unknown, not checked")
            return None
        if isinstance(props, MapNode):
            for pkey, pnode in props.items():
                pname = str(pkey.value)
                value = self.value_of(
                    lambda ctx, n=pnode, p=pname: self.ev.eval(n, ctx, p),
                    _extent(pkey, pnode),
                    spans,
                )
                if value is None:
                    continue
                spans.setdefault(pname, _extent(pkey, pnode))
                attributes[pname] = value
        elif props is not None:
            self.errors.append(
                FileError(
                    self.path,
                    props.span.start_line,
                    props.span.start_column,
                    f"Properties of {name} must be a mapping",
                )
            )
        metadata = body.get("Metadata")
        metadata_key = body.key_node("Metadata")
        if metadata is not None and metadata_key is not None:
            # paths under "__metadata__" (``__metadata__.iacguard.ignore[0]``) get spans too
            where = _extent(metadata_key, metadata)
            value = self.value_of(
                lambda ctx: self.ev.eval(metadata, ctx, METADATA_ATTRIBUTE), where, spans
            )
            if value is not None:
                spans.setdefault(METADATA_ATTRIBUTE, where)
                attributes[METADATA_ATTRIBUTE] = value
        exists: Value = Known(True)
        cond = body.get("Condition")
        if isinstance(cond, ScalarNode) and isinstance(cond.value, str):
            cname = cond.value
            found = self.value_of(
                lambda ctx: self.ev.condition(cname, ctx, cond.span), cond.span, None
            )
            exists = found if found is not None else Known(True)
        elif cond is not None:
            self.ev.note(cond.span, f"Condition of {name} is not a condition name")
            exists = Unknown(f"Condition of {name} is not a condition name", span=cond.span)
        # properties in the worlds where the resource exists (none of them: as written)
        attributes = {
            k: (v if k == METADATA_ATTRIBUTE else given_existence(v, exists) or v)
            for k, v in attributes.items()
        }
        return Resource(
            address=name,
            type=type_node.value,
            root=self.path,
            span=key.span,
            attributes=attributes,
            language="cloudformation",
            exists=exists,
            spans=spans,
            extent=_extent(key, body),
        )

    def _edges(self, source: str, node: Node, path: str) -> Iterator[Edge]:
        """Static references from a resource's Properties to other resources."""
        # entries: (node, path, is a function's argument: its lists do not index the path)
        stack: list[tuple[Node, str, bool]] = [(node, path, False)]
        resources = self.ev.resources
        while stack:
            n, p, in_fn = stack.pop()
            if isinstance(n, SeqNode):
                stack.extend(
                    (item, p if in_fn else f"{p}[{i}]", in_fn)
                    for i, item in reversed(list(enumerate(n.items)))
                )
                continue
            if not isinstance(n, MapNode):
                continue
            if len(n) == 1:
                fn = n.keys[0].value
                arg = n.values[0]
                target = _target(fn, arg, resources)
                if target is not None:
                    yield Edge(source, p, target[0], target[1], self.path, n.span)
                    continue
                if fn == "Fn::Sub":
                    text = arg.items[0] if isinstance(arg, SeqNode) and arg.items else arg
                    names = _sub_names(text)
                    variables = (
                        arg.items[1] if isinstance(arg, SeqNode) and len(arg.items) > 1 else None
                    )
                    for name in names:
                        if isinstance(variables, MapNode) and variables.get(name) is not None:
                            continue
                        res, _, attr = name.partition(".")
                        if res in resources:
                            yield Edge(source, p, res, attr or None, self.path, n.span)
                    if isinstance(variables, MapNode):
                        stack.extend((v, p, True) for v in variables.values)
                    continue
                if fn == "Fn::FindInMap" and isinstance(arg, SeqNode) and len(arg.items) == 4:
                    options = arg.items[3]
                    stack.extend((n, p, True) for n in arg.items[:3])
                    if isinstance(options, MapNode):
                        stack.extend((v, p, True) for v in options.values)
                    continue
                if isinstance(fn, str) and fn.startswith("Fn::"):
                    stack.append((arg, p, True))
                    continue
            for k, v in reversed(list(n.items())):
                stack.append((v, f"{p}.{k.value}" if p else str(k.value), False))

    def _check_outputs(self) -> None:
        """Dangling references in Outputs are worth a note too (values are not kept)."""
        outputs = self._section("Outputs")
        if outputs is None:
            return
        for _, body in outputs.items():
            value = body.get("Value") if isinstance(body, MapNode) else None
            if value is not None:
                self.ev.eval(value, Context({}, ()), "")


def _alive(payload: Any) -> bool | None:
    if payload is None or payload is False:
        return False
    return True if payload is True else None


def given_existence(value: Value, exists: Value) -> Value | None:
    """``value`` in the worlds where the resource exists (as Terraform evaluates an instance in
    its home world): a world of the value is dropped when every listed world of the
    ``Condition`` that agrees with it on the Parameters both read says the resource does not
    exist; when the default world is dropped, the first world left stands for the default.
    None: the resource exists in none of the value's worlds listed. A value that shares no Parameter
    with the Condition is the same wherever the resource exists: returned as it is."""
    if not isinstance(value, Depends) or not isinstance(exists, Depends):
        return value
    shared = value.inputs & exists.inputs
    if not shared:
        return value
    states = [({}, _alive(exists.default))] + [
        (dict(a.assignment), _alive(a.value)) for a in exists.alternatives
    ]

    def present(assignment: tuple[tuple[str, Any], ...]) -> bool | None:
        wanted = {k: v for k, v in assignment if k in shared}
        seen = [alive for world, alive in states if _agrees(world, wanted, shared)]
        if not seen:
            return None
        return False if all(a is False for a in seen) else True

    worlds = [((), value.default)] + [(a.assignment, a.value) for a in value.alternatives]
    kept = [(w, v) for w, v in worlds if present(w) is not False]
    if not kept:
        return None
    if kept[0][0] == ():
        alternatives = tuple(Alternative(w, v) for w, v in kept[1:])
        default = value.default
    else:
        default = kept[0][1]
        alternatives = tuple(Alternative(w, v) for w, v in kept)
    if value.complete and all(a.value == default for a in alternatives):
        return Known(default, span=value.span, trace=value.trace)
    return Depends(
        default, value.inputs, alternatives, value.complete, span=value.span, trace=value.trace
    )


def _agrees(world: dict[str, Any], wanted: dict[str, Any], names: frozenset[str]) -> bool:
    """Whether a world of the Condition gives the shared Parameters the values ``wanted`` does
    (a Parameter a world does not assign is at its default)."""
    return all(world.get(n, _DEFAULT) == wanted.get(n, _DEFAULT) for n in names)


_DEFAULT = object()


def _target(fn: Any, arg: Node, resources: set[str]) -> tuple[str, str | None] | None:
    if fn == "Ref" and isinstance(arg, ScalarNode) and arg.value in resources:
        return str(arg.value), None
    if fn == "Fn::GetAtt":
        if isinstance(arg, ScalarNode) and isinstance(arg.value, str):
            res, _, attr = arg.value.partition(".")
            return (res, attr or None) if res in resources else None
        if isinstance(arg, SeqNode) and len(arg.items) == 2:
            first, second = arg.items
            if isinstance(first, ScalarNode) and first.value in resources:
                attr = second.value if isinstance(second, ScalarNode) else None
                return str(first.value), (str(attr) if attr is not None else None)
    return None


def _sub_names(node: Node) -> list[str]:
    if not isinstance(node, ScalarNode) or not isinstance(node.value, str):
        return []
    return [
        m.group(1).strip()
        for m in SUB_VARIABLE.finditer(node.value)
        if not m.group(1).startswith("!") and m.group(1).strip() not in PSEUDO_PARAMETERS
    ]
