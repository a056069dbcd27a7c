"""Terraform plan JSON -> resources of the graph.

* resources: ``planned_values.root_module.resources`` and every ``child_modules`` level;
  address, type, mode and module as the plan gives them; root = the plan file path;
  language = "plan"; span = the resource's ``"address"`` entry, extent = its whole object;
* attributes: the ``values`` keys as Known payloads (nested blocks are already lists);
  values marked in ``resource_changes[].change.after_unknown`` are "known after apply":
  a ``Ref`` when the configuration's ``expressions`` give a ``references`` entry naming a
  resource attribute of the plan (``aws_kms_key.k.arn``), else an ``Unknown`` leaf. A
  top-level attribute the resource's configuration block does not set (or sets to a literal
  ``null``, which Terraform reads as not set) is absent even when
  ``after_unknown`` marks it (a Computed attribute the provider fills in: for an
  Optional+Computed ``kms_key_arn`` that is the AWS-managed key), as in a Terraform
  evaluation; without a configuration block (``configuration`` missing, a module the plan
  does not describe) it stays "known after apply";
* spans: every payload path (``rule[0].copy_action[0].destination_vault_arn``) points at
  its ``"key": value`` in the plan file;
* edges: one per Ref, with the span of the unknown value's ``after_unknown`` entry.
"""

from __future__ import annotations

import re
from typing import Any

from iacguard.core.located import FileError
from iacguard.core.spans import Span
from iacguard.core.values import Known, Ref, Unknown, Value
from iacguard.evaluate.options import EvalOptions
from iacguard.graph.model import Edge, Graph, Resource
from iacguard.parse.cfn_nodes import MapNode, Node, ScalarNode, SeqNode
from iacguard.parse.tfplan import is_tfplan, load_tfplan, parse_address, parse_reference

KNOWN_AFTER_APPLY = "known after apply"


def evaluate_tfplan(path: str, options: EvalOptions) -> Graph:
    parsed = load_tfplan(path, max_file_size=options.max_file_size, max_depth=options.max_depth)
    if parsed.fatal or parsed.root is None:
        return Graph(errors=parsed.errors, roots=(path,) if parsed.errors else ())
    if not is_tfplan(parsed.root):
        return Graph()
    return _PlanBuilder(path, parsed.root, list(parsed.errors)).build()  # type: ignore[arg-type]


def _get(node: Node | None, key: str) -> Node | None:
    return node.get(key) if isinstance(node, MapNode) else None


def _items(node: Node | None) -> tuple[Node, ...]:
    return node.items if isinstance(node, SeqNode) else ()


def _text(node: Node | None) -> str | None:
    if isinstance(node, ScalarNode) and isinstance(node.value, str):
        return node.value
    return None


def _entry_span(key: ScalarNode, value: Node) -> Span:
    s, e = key.span, value.span
    return Span(s.path, s.start_line, s.start_column, e.end_line, e.end_column)


class _PlanBuilder:
    def __init__(self, path: str, root: MapNode, errors: list[FileError]) -> None:
        self.path = path
        self.root = root
        self.errors = errors
        self.edges: list[Edge] = []
        #: configuration resources by module path, then by address (built on first use)
        self._config_index: dict[tuple[str, ...], dict[str, MapNode]] = {}
        self.unknown_masks: dict[str, Node] = {}
        for change in _items(root.get("resource_changes")):
            address = _text(_get(change, "address"))
            mask = _get(_get(change, "change"), "after_unknown")
            if address and mask is not None:
                self.unknown_masks[address] = mask
        self.instances: list[tuple[str, MapNode, str]] = []
        self._collect(_get(root.get("planned_values"), "root_module"), "", 0)
        self.addresses = {a for a, _, _ in self.instances}
        #: "module.a.aws_kms_key.k" (no instance keys) -> the instance addresses
        self.by_base: dict[str, list[str]] = {}
        for address in self.addresses:
            parsed = parse_address(address)
            if parsed is not None:
                base = (parsed.module + "." if parsed.module else "") + parsed.resource
                self.by_base.setdefault(base, []).append(address)

    def _collect(self, module: Node | None, module_address: str, depth: int) -> None:
        if not isinstance(module, MapNode) or depth > 100:
            return
        for res in _items(module.get("resources")):
            address = _text(_get(res, "address"))
            if isinstance(res, MapNode) and address:
                self.instances.append((address, res, module_address))
        for child in _items(module.get("child_modules")):
            self._collect(child, _text(_get(child, "address")) or module_address, depth + 1)

    def _config(self, module_names: tuple[str, ...], resource: str) -> MapNode | None:
        """The configuration block of a resource: ``configuration.root_module...``."""
        index = self._config_index.get(module_names)
        if index is None:
            module = _get(self.root.get("configuration"), "root_module")
            for name in module_names:
                module = _get(_get(_get(module, "module_calls"), name), "module")
            index = {}
            for res in _items(_get(module, "resources")):
                address = _text(_get(res, "address"))
                if address and isinstance(res, MapNode):
                    index.setdefault(address, res)
            self._config_index[module_names] = index
        return index.get(resource)

    def build(self) -> Graph:
        resources = [self._resource(*entry) for entry in self.instances]
        return Graph(tuple(resources), tuple(self.edges), tuple(self.errors), (), (self.path,))

    def _resource(self, address: str, node: MapNode, module: str) -> Resource:
        parsed = parse_address(address)
        config = self._config(parsed.module_names, parsed.resource) if parsed else None
        expressions = _get(config, "expressions")
        values = _get(node, "values")
        mask = self.unknown_masks.get(address)
        self._module = parsed.module if parsed else module
        self._address = address
        spans: dict[str, Span] = {}
        attributes: dict[str, Value] = {}
        names: list[tuple[ScalarNode, Node | None]] = []
        seen: set[str] = set()
        # the attributes the configuration sets (None: no configuration block to tell); one
        # set to a module variable the caller leaves null (or sets to null) is not set
        configured = _configured_names(config, expressions)
        self._names = parsed.module_names if parsed else ()
        if configured:
            configured = frozenset(
                n
                for n in configured
                if not self._null_expr(_get(expressions, n), self._module, self._names, 0)
            )
        for container in (values, mask):
            if isinstance(container, MapNode):
                for key in container.keys:
                    if container is mask and not _has_unknown(mask.get(key.value)):
                        continue  # only values the plan leaves to apply time; never invent
                    if (
                        container is mask
                        and configured is not None
                        and key.value not in configured
                        and _get(values, key.value) is None
                        and _is_true(mask.get(key.value))
                    ):
                        continue  # computed and not configured: the provider's default
                    if key.value not in seen:
                        seen.add(key.value)
                        names.append((key, container.get(key.value)))
        for key, _ in names:
            name = key.value
            value_node = _get(values, name)
            mask_node = _get(mask, name)
            payload = self._merge(value_node, mask_node, _get(expressions, name), name, spans)
            entry_node = value_node if value_node is not None else mask_node
            span = _entry_span(_key_of(values, mask, name), entry_node)  # type: ignore[arg-type]
            spans[name] = span
            if isinstance(payload, Unknown):
                attributes[name] = Unknown(payload.reason, span=span)
            else:
                attributes[name] = Known(payload, span=span)
        address_key = node.key_node("address")
        header = _entry_span(address_key, node.get("address")) if address_key else node.span
        mode = _text(node.get("mode"))
        return Resource(
            address=address,
            type=_text(node.get("type")) or "",
            root=self.path,
            span=header,
            attributes=attributes,
            language="plan",
            mode="data" if mode == "data" else "managed",
            module=module,
            spans=spans,
            extent=node.span,
        )

    def _merge(
        self,
        value: Node | None,
        mask: Node | None,
        expr: Node | None,
        path: str,
        spans: dict[str, Span],
    ) -> Any:
        """Planned value with "known after apply" leaves (Ref where a reference says so)."""
        if isinstance(mask, ScalarNode) and mask.value is True:
            return self._after_apply(expr, path, mask.span)
        if isinstance(value, MapNode) or (value is None and isinstance(mask, MapNode)):
            out: dict[str, Any] = {}
            keys: list[ScalarNode] = list(value.keys) if isinstance(value, MapNode) else []
            if isinstance(mask, MapNode):
                have = {k.value for k in keys}
                keys.extend(
                    k for k in mask.keys if k.value not in have and _has_unknown(mask.get(k.value))
                )
            for key in keys:
                name = key.value
                child = _get(value, name)
                child_mask = _get(mask, name)
                sub = f"{path}.{name}"
                out[name] = self._merge(child, child_mask, _get(_expr_body(expr), name), sub, spans)
                entry = child if child is not None else child_mask
                if entry is not None:
                    spans[sub] = _entry_span(key, entry)
            return out
        if isinstance(value, SeqNode) or (value is None and isinstance(mask, SeqNode)):
            items = _items(value)
            mask_items = _items(mask)
            expr_items = _items(expr)
            out_list: list[Any] = []
            for i in range(max(len(items), len(mask_items))):
                child = items[i] if i < len(items) else None
                sub = f"{path}[{i}]"
                out_list.append(
                    self._merge(
                        child,
                        mask_items[i] if i < len(mask_items) else None,
                        expr_items[i] if i < len(expr_items) else None,
                        sub,
                        spans,
                    )
                )
                entry = child if child is not None else mask_items[i]
                spans[sub] = entry.span
            return out_list
        if isinstance(value, ScalarNode):
            # a known value that the configuration computed from another resource (a key
            # already in the state): keep the link as an edge, the value stays the planned one
            target = self._referenced(expr)
            if target is not None:
                self.edges.append(
                    Edge(self._address, path, target[0], target[1], self.path, value.span)
                )
            return value.value
        return None

    def _module_config(self, names: tuple[str, ...]) -> Node | None:
        module = _get(self.root.get("configuration"), "root_module")
        for name in names:
            module = _get(_get(_get(module, "module_calls"), name), "module")
        return module

    def _caller(
        self, module: str, names: tuple[str, ...], var: str
    ) -> tuple[Node | None, str, tuple[str, ...]] | None:
        """What the calling module passes for ``var.<var>`` of the module ``names`` (at
        address ``module``): its expression (None: not passed), and the caller's address and
        names; None for a root module."""
        if not names:
            return None
        call = _get(_get(self._module_config(names[:-1]), "module_calls"), names[-1])
        if call is None:
            return None
        return _get(_get(call, "expressions"), var), _parent(module), names[:-1]

    def _null_expr(
        self, expr: Node | None, module: str, names: tuple[str, ...], depth: int
    ) -> bool:
        """Whether an attribute's expression is null as Terraform reads it: a literal
        ``null``, or a module variable the caller leaves at a null default or sets to null."""
        if _null_constant(expr):
            return True
        var = _only_variable(expr)
        if var is None or depth > 20:
            return False
        caller = self._caller(module, names, var)
        if caller is None:
            return False
        passed, parent, parent_names = caller
        if passed is None:  # not passed: the variable's default (none: required, never null)
            decl = _get(_get(self._module_config(names), "variables"), var)
            default_key = decl.key_node("default") if isinstance(decl, MapNode) else None
            return default_key is not None and _is_null(decl.get("default"))  # type: ignore[union-attr]
        return self._null_expr(passed, parent, parent_names, depth + 1)

    def _referenced(
        self,
        expr: Node | None,
        module: str | None = None,
        names: tuple[str, ...] | None = None,
        depth: int = 0,
    ) -> tuple[str, str] | None:
        """The first plan resource attribute named by an expression's ``references``; a
        module variable is followed into what the calling module passes for it."""
        module = self._module if module is None else module
        names = self._names if names is None else names
        var = _only_variable(expr)
        if var is not None and depth <= 20:
            caller = self._caller(module, names, var)
            if caller is not None and caller[0] is not None:
                return self._referenced(caller[0], caller[1], caller[2], depth + 1)
        for ref_node in _items(_get(expr, "references")):
            text = _text(ref_node)
            parsed = parse_reference(text) if text else None
            if parsed is None or parsed[1] is None:
                continue
            target, attribute = parsed
            full = f"{module}.{target}" if module else target
            if full not in self.addresses:
                instances = self.by_base.get(full, [])
                if len(instances) != 1:
                    continue
                full = instances[0]
            return full, attribute
        return None

    def _after_apply(self, expr: Node | None, path: str, span: Span) -> Any:
        target = self._referenced(expr)
        if target is None:
            return Unknown(KNOWN_AFTER_APPLY, span=span)
        self.edges.append(Edge(self._address, path, target[0], target[1], self.path, span))
        return Ref(target[0], target[1], self.path, span)


def _configured_names(config: Node | None, expressions: Node | None) -> frozenset[str] | None:
    """The attribute names a resource's configuration block sets; None without the block.

    Terraform writes an ``expressions`` entry for every attribute the configuration sets
    (``constant_value``, ``references``, or ``{}`` for an expression with neither), and omits
    ``expressions`` when the block sets none."""
    if not isinstance(config, MapNode):
        return None
    if isinstance(expressions, MapNode):
        # `x = null` is `x` not set, as Terraform reads it: an Optional+Computed attribute
        # set to null is filled in by the provider (kms_key_arn: the AWS-managed key)
        return frozenset(
            k.value
            for k, v in zip(expressions.keys, expressions.values, strict=True)
            if not _null_constant(v)
        )
    return frozenset()


def _parent(module: str) -> str:
    """``module.a[0].module.b`` -> ``module.a[0]``; ``module.a`` -> ``""``."""
    return re.sub(r'(?:^|\.)module\.[\w-]+(?:\[(?:"[^"]*"|[^\]]*)\])?$', "", module)


def _only_variable(expr: Node | None) -> str | None:
    """``x`` when an expression is just ``var.x`` (its ``references`` name only it)."""
    refs = [_text(r) for r in _items(_get(expr, "references"))]
    if not refs or not isinstance(expr, MapNode) or expr.get("constant_value") is not None:
        return None
    first = refs[0] or ""
    m = re.fullmatch(r"var\.([\w-]+)", first)
    return m.group(1) if m and all(r == first for r in refs) else None


def _is_null(node: Node | None) -> bool:
    return isinstance(node, ScalarNode) and node.value is None


def _null_constant(expr: Node | None) -> bool:
    if not isinstance(expr, MapNode) or len(expr.keys) != 1:
        return False
    value = expr.get("constant_value")
    return isinstance(value, ScalarNode) and value.value is None


def _is_true(node: Node | None) -> bool:
    return isinstance(node, ScalarNode) and node.value is True


def _expr_body(expr: Node | None) -> Node | None:
    """Nested block expressions are lists of one mapping; attribute maps are not expressions."""
    if isinstance(expr, SeqNode) and len(expr.items) == 1:
        return expr.items[0]
    return expr


def _key_of(values: Node | None, mask: Node | None, name: str) -> ScalarNode | None:
    for container in (values, mask):
        if isinstance(container, MapNode):
            key = container.key_node(name)
            if key is not None:
                return key
    return None


def _has_unknown(mask: Node | None) -> bool:
    """Whether an ``after_unknown`` subtree marks anything as known after apply."""
    stack = [mask]
    while stack:
        n = stack.pop()
        if isinstance(n, ScalarNode) and n.value is True:
            return True
        if isinstance(n, MapNode):
            stack.extend(n.values)
        elif isinstance(n, SeqNode):
            stack.extend(n.items)
    return False
