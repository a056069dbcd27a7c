"""CloudFormation intrinsics over located nodes, in one "world" (an assignment of Parameters).

``TemplateEvaluator.eval`` turns a node into payload data (``values``' plain data with
``Unknown`` / ``Ref`` / ``PartialStr`` / ``JsonEncoded`` leaves) under the world carried by a
``Context``, recording the Parameters it read (``touched``), the hops that explain the value
and, on request, the span of every payload path. ``NOVALUE`` is ``!Ref AWS::NoValue``: a
mapping key or list element that evaluates to it is dropped.

Conditions are memoized per world; a condition that refers back to itself is a cycle (an
Unknown plus a note), never a recursion.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

from iacguard.core.located import Located
from iacguard.core.records import MISSING, field, record
from iacguard.core.spans import Span
from iacguard.core.values import JsonEncoded, PartialStr, Ref, Unknown, is_fully_known
from iacguard.parse.cfn_nodes import BadNode, MapNode, Node, ScalarNode, SeqNode

PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId",
        "AWS::Region",
        "AWS::Partition",
        "AWS::StackName",
        "AWS::URLSuffix",
        "AWS::StackId",
        "AWS::NotificationARNs",
    }
)


class _NoValue:
    """``!Ref AWS::NoValue``: removes the key or list element it is the value of."""

    def __repr__(self) -> str:
        return "NOVALUE"


NOVALUE = _NoValue()

SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


@record
class Parameter:
    name: str
    span: Span
    #: the value under the defaults (an Unknown for a Parameter with no Default)
    default: Any
    #: AllowedValues as written, or None (any value)
    allowed: tuple[Any, ...] | None
    is_list: bool


#: Conditions naming Conditions, nested deeper than this, are not evaluated (a located note)
MAX_CONDITION_CHAIN = 100


@record(frozen=False)
class Context:
    """One evaluation: the world, what it read, and (optionally) where payload paths are."""

    world: dict[str, Any]
    key: tuple[tuple[str, Any], ...]
    touched: set[str] = field(default_factory=set)
    hops: list[Located] | None = None
    spans: dict[str, Span] | None = None
    conditions_open: list[str] = field(default_factory=list)
    depth: int = 0

    def __init__(
        self,
        world: dict[str, Any],
        key: tuple[tuple[str, Any], ...],
        touched: set[str] = MISSING,
        hops: list[Located] | None = None,
        spans: dict[str, Span] | None = None,
        conditions_open: list[str] = MISSING,
        depth: int = 0,
    ) -> None:
        self.world = world
        self.key = key
        self.touched = set() if touched is MISSING else touched
        self.hops = hops
        self.spans = spans
        self.conditions_open = [] if conditions_open is MISSING else conditions_open
        self.depth = depth


def as_text(value: Any) -> str | None:
    """A scalar as CloudFormation stringifies it (``true`` -> "true"), else None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return None


def _list_parameter(text: Any) -> Any:
    return text.split(",") if isinstance(text, str) else text


class TemplateEvaluator:
    """Evaluates nodes of one template (Parameters, Mappings, Conditions, resources)."""

    def __init__(
        self,
        path: str,
        parameters: dict[str, Parameter],
        conditions: dict[str, tuple[ScalarNode, Node]],
        mappings: MapNode | None,
        resources: set[str],
        max_depth: int,
    ) -> None:
        self.path = path
        self.parameters = parameters
        self.conditions = conditions
        self.mappings = mappings
        self.resources = resources
        self.max_depth = max_depth
        self.notes: list[Located] = []
        self._note_keys: set[tuple[Span | None, str]] = set()
        self._condition_memo: dict[tuple[Any, str], tuple[Any, frozenset[str], tuple[Located, ...]]]
        self._condition_memo = {}
        self._functions: dict[str, Callable[[Node, Context, str, Span], Any]] = {
            "Fn::GetAtt": self._getatt,
            "Fn::Sub": self._sub,
            "Fn::If": self._if,
            "Fn::Equals": self._equals,
            "Fn::And": self._and,
            "Fn::Or": self._or,
            "Fn::Not": self._not,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._findinmap,
            "Fn::Base64": self._base64,
            "Fn::Length": self._length,
            "Fn::ToJsonString": self._tojsonstring,
            "Fn::GetAZs": self._opaque("the Availability Zones of a Region (Fn::GetAZs)"),
            "Fn::ImportValue": self._opaque("imported from another stack (Fn::ImportValue)"),
            "Fn::Cidr": self._opaque("Fn::Cidr is not evaluated"),
            "Fn::Transform": self._opaque("produced by a macro (Fn::Transform)"),
        }

    # ------------------------------------------------------------------ helpers

    def note(self, span: Span | None, message: str) -> None:
        key = (span, message)
        if key not in self._note_keys:
            self._note_keys.add(key)
            self.notes.append(Located(span, message))

    def unknown(self, reason: str, span: Span | None, ctx: Context | None = None) -> Unknown:
        inputs = frozenset(ctx.touched) if ctx is not None else frozenset()
        return Unknown(reason, span=span, inputs=inputs)

    def _hop(self, ctx: Context, span: Span | None, message: str) -> None:
        if ctx.hops is not None and not any(h.message == message for h in ctx.hops):
            ctx.hops.append(Located(span, message))

    # ------------------------------------------------------------------ generic

    def eval(self, node: Node, ctx: Context, path: str) -> Any:
        """The payload of ``node`` in ``ctx``'s world (NOVALUE for ``AWS::NoValue``)."""
        if isinstance(node, ScalarNode):
            return node.value
        if isinstance(node, BadNode):
            return Unknown(node.message, span=node.span)
        ctx.depth += 1
        try:
            if ctx.depth > self.max_depth:
                self.note(node.span, f"nested deeper than {self.max_depth} levels: not evaluated")
                return Unknown("nested too deep to evaluate", span=node.span)
            if isinstance(node, SeqNode):
                out: list[Any] = []
                for item in node.items:
                    sub_path = f"{path}[{len(out)}]"
                    v = self.eval(item, ctx, sub_path)
                    if v is NOVALUE:
                        continue
                    if ctx.spans is not None:
                        ctx.spans.setdefault(sub_path, item.span)
                    out.append(v)
                return out
            if len(node) == 1:
                name = node.keys[0].value
                if name == "Ref":
                    return self._ref(node.values[0], ctx, node.span)
                fn = self._functions.get(name) if isinstance(name, str) else None
                if fn is not None:
                    return fn(node.values[0], ctx, path, node.span)
                if isinstance(name, str) and name.startswith("Fn::"):
                    self.note(node.span, f"{name} is not evaluated: its value is unknown")
                    return Unknown(f"{name} is not evaluated", span=node.span)
            result: dict[str, Any] = {}
            for key, value in node.items():
                sub_path = f"{path}.{key.value}" if path else str(key.value)
                v = self.eval(value, ctx, sub_path)
                if v is NOVALUE:
                    continue
                if ctx.spans is not None:
                    s = key.span
                    e = value.span
                    ctx.spans.setdefault(
                        sub_path,
                        Span(s.path, s.start_line, s.start_column, e.end_line, e.end_column),
                    )
                result[key.value] = v
            return result
        finally:
            ctx.depth -= 1

    def _args(
        self, node: Node, ctx: Context, path: str, count: tuple[int, ...]
    ) -> list[Any] | None:
        """Evaluated list arguments when ``node`` is a list of an accepted length."""
        if not isinstance(node, SeqNode) or len(node.items) not in count:
            return None
        return [self.eval(item, ctx, path) for item in node.items]

    def _bad(self, fn: str, span: Span, ctx: Context, why: str = "malformed arguments") -> Unknown:
        self.note(span, f"{fn}: {why}")
        return self.unknown(f"{fn} with {why}", span, ctx)

    # ------------------------------------------------------------------ references

    def parameter_value(self, name: str, ctx: Context, span: Span | None) -> Any:
        param = self.parameters[name]
        ctx.touched.add(name)
        if name in ctx.world:
            value = ctx.world[name]
        else:
            value = param.default
            if isinstance(value, Unknown):
                self._hop(ctx, param.span, f"Parameter {name} has no Default")
            else:
                self._hop(ctx, param.span, f"Parameter {name} = {value!r} (Default)")
        if param.is_list and not isinstance(value, Unknown):
            return _list_parameter(value)
        return value

    def _ref(self, arg: Node, ctx: Context, span: Span) -> Any:
        name = arg.value if isinstance(arg, ScalarNode) else None
        if not isinstance(name, str):
            return self._bad("Ref", span, ctx, "a name that is not a literal string")
        return self.reference(name, ctx, span)

    def reference(self, name: str, ctx: Context, span: Span) -> Any:
        if name == "AWS::NoValue":
            return NOVALUE
        if name in self.parameters:
            return self.parameter_value(name, ctx, span)
        if name in PSEUDO_PARAMETERS:
            return Unknown(f"pseudo parameter {name}", span=span)
        if name in self.resources:
            return Ref(name, None, self.path, span)
        self.note(span, f"Ref to {name!r}, which this template does not declare")
        return Unknown(f"Ref to undeclared {name!r}", span=span)

    def _getatt(self, arg: Node, ctx: Context, path: str, span: Span) -> Any:
        if isinstance(arg, ScalarNode) and isinstance(arg.value, str):
            name, _, attr_text = arg.value.partition(".")
            attr: Any = attr_text or None
        elif isinstance(arg, SeqNode) and len(arg.items) == 2:
            first = arg.items[0]
            name = first.value if isinstance(first, ScalarNode) else None
            attr = self.eval(arg.items[1], ctx, path)
        else:
            return self._bad("Fn::GetAtt", span, ctx)
        if not isinstance(name, str):
            return self._bad("Fn::GetAtt", span, ctx, "a resource name that is not literal")
        if name not in self.resources:
            self.note(span, f"Fn::GetAtt of {name!r}, which this template does not declare")
            return Unknown(f"Fn::GetAtt of undeclared {name!r}", span=span)
        if not isinstance(attr, str) or not attr:
            return self.unknown(f"Fn::GetAtt of {name} with a computed attribute name", span, ctx)
        return Ref(name, attr, self.path, span)

    def _sub(self, arg: Node, ctx: Context, path: str, span: Span) -> Any:
        variables: MapNode | None = None
        if isinstance(arg, SeqNode) and len(arg.items) == 2:
            text_node, vars_node = arg.items
            if not isinstance(vars_node, MapNode):
                return self._bad("Fn::Sub", span, ctx)
            variables = vars_node
        else:
            text_node = arg
        if not isinstance(text_node, ScalarNode) or not isinstance(text_node.value, str):
            return self._bad("Fn::Sub", span, ctx, "a template that is not a literal string")
        text = text_node.value
        parts: list[Any] = []
        pos = 0
        for m in SUB_VARIABLE.finditer(text):
            parts.append(text[pos : m.start()])
            pos = m.end()
            inner = m.group(1)
            if inner.startswith("!"):
                parts.append("${" + inner[1:] + "}")
                continue
            name = inner.strip()
            var_node = variables.get(name) if variables is not None else None
            if var_node is not None:
                value = self.eval(var_node, ctx, path)
            elif name in self.parameters or name in PSEUDO_PARAMETERS or name in self.resources:
                value = self.reference(name, ctx, span)
            elif "." in name and name.partition(".")[0] in self.resources:
                res, _, attr = name.partition(".")
                value = Ref(res, attr, self.path, span)
            else:
                self.note(
                    span, f"Fn::Sub refers to ${{{name}}}, which this template does not declare"
                )
                value = Unknown(f"Fn::Sub variable {name!r} is not declared", span=span)
            parts.append(value)
        parts.append(text[pos:])
        return self._concat(parts, "Fn::Sub", span, ctx)

    def _concat(self, parts: list[Any], fn: str, span: Span, ctx: Context) -> Any:
        """Join payload pieces into a str, or a PartialStr when some are not known."""
        out: list[Any] = []
        for p in parts:
            if p is NOVALUE:
                continue
            if isinstance(p, PartialStr):
                pieces: tuple[Any, ...] = p.parts
            else:
                text = as_text(p)
                if text is not None:
                    pieces = (text,)
                elif isinstance(p, (Unknown, Ref)):
                    pieces = (p,)
                else:
                    return self.unknown(f"{fn} of a value that is not a string", span, ctx)
            for piece in pieces:
                if isinstance(piece, str):
                    if not piece:
                        continue
                    if out and isinstance(out[-1], str):
                        out[-1] += piece
                        continue
                out.append(piece)
        if all(isinstance(p, str) for p in out):
            return "".join(out)
        return PartialStr(tuple(out))

    # ------------------------------------------------------------------ conditions

    def condition(self, name: str, ctx: Context, span: Span | None) -> Any:
        """True / False / Unknown for the named condition in ``ctx``'s world."""
        entry = self.conditions.get(name)
        if entry is None:
            self.note(span, f"Condition {name!r} is not declared")
            return Unknown(f"Condition {name!r} is not declared", span=span)
        key_node, body = entry
        if name in ctx.conditions_open:
            cycle = " -> ".join([*ctx.conditions_open[ctx.conditions_open.index(name) :], name])
            self.note(key_node.span, f"Condition cycle: {cycle}")
            return Unknown(f"Condition cycle: {cycle}", span=key_node.span)
        memo_key = (ctx.key, name)
        memo = self._condition_memo.get(memo_key)
        if memo is None and len(ctx.conditions_open) >= MAX_CONDITION_CHAIN:
            # a chain of Conditions naming Conditions is evaluated by recursion: refuse it at
            # a depth no real template reaches, located, and keep checking the rest
            reason = f"Condition {name}: a chain of more than {MAX_CONDITION_CHAIN} conditions"
            self.note(key_node.span, f"{reason}; not evaluated")
            return Unknown(reason, span=key_node.span)
        if memo is None:
            inner = Context(
                ctx.world,
                ctx.key,
                hops=[] if ctx.hops is not None else None,
                conditions_open=[*ctx.conditions_open, name],
            )
            value = self._truth(self.eval_condition_expr(body, inner), body.span, inner)
            hops = tuple(inner.hops or ())
            memo = (value, frozenset(inner.touched), hops)
            # safe even inside a cycle: every condition that reaches one is Unknown
            self._condition_memo[memo_key] = memo
        value, touched, hops = memo
        ctx.touched |= touched
        if ctx.hops is not None:
            for h in hops:
                self._hop(ctx, h.span, h.message)
            shown = value if isinstance(value, Unknown) else str(value).lower()
            if isinstance(shown, Unknown):
                self._hop(ctx, key_node.span, f"Condition {name} cannot be decided")
            else:
                self._hop(ctx, key_node.span, f"Condition {name} = {shown}")
        return value

    def eval_condition_expr(self, node: Node, ctx: Context) -> Any:
        """Like ``eval`` but ``{"Condition": X}`` names a condition (inside And/Or/Not/If)."""
        if isinstance(node, MapNode) and len(node) == 1 and node.keys[0].value == "Condition":
            arg = node.values[0]
            if isinstance(arg, ScalarNode) and isinstance(arg.value, str):
                return self.condition(arg.value, ctx, node.span)
            return self._bad("Condition", node.span, ctx)
        return self.eval(node, ctx, "")

    def _truth(self, value: Any, span: Span, ctx: Context) -> Any:
        if isinstance(value, bool) or isinstance(value, Unknown):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return self.unknown("a condition that is not a boolean", span, ctx)

    def _cond_args(self, arg: Node, ctx: Context) -> list[Any] | None:
        if not isinstance(arg, SeqNode) or not arg.items:
            return None
        return [self._truth(self.eval_condition_expr(n, ctx), n.span, ctx) for n in arg.items]

    def _if(self, arg: Node, ctx: Context, path: str, span: Span) -> Any:
        if not isinstance(arg, SeqNode) or len(arg.items) != 3:
            return self._bad("Fn::If", span, ctx)
        cond_node, when_true, when_false = arg.items
        if not isinstance(cond_node, ScalarNode) or not isinstance(cond_node.value, str):
            return self._bad("Fn::If", span, ctx, "a condition name that is not literal")
        chosen = self.condition(cond_node.value, ctx, cond_node.span)
        if chosen is True:
            return self.eval(when_true, ctx, path)
        if chosen is False:
            return self.eval(when_false, ctx, path)
        a = self.eval(when_true, ctx, path)
        b = self.eval(when_false, ctx, path)
        if a == b:
            return a
        return self.unknown(
            f"depends on Condition {cond_node.value}, which cannot be decided", span, ctx
        )

    def _equals(self, arg: Node, ctx: Context, path: str, span: Span) -> Any:
        args = self._args(arg, ctx, path, (2,))
        if args is None:
            return self._bad("Fn::Equals", span, ctx)
        a, b = args
        if is_fully_known(a) and is_fully_known(b):
            return _normalise(a) == _normalise(b)
        for x, y in ((a, b), (b, a)):
            if isinstance(x, PartialStr) and as_text(y) is not None:
                if not x.could_be(as_text(y) or ""):
                    return False
        return self.unknown("Fn::Equals of a value not known statically", span, ctx)

    def _and(self, arg: Node, ctx: Context, path: str, span: Span) -> Any:
        values = self._cond_args(arg, ctx)
        if values is None:
            return self._bad("Fn::And", span, ctx)
        if any(v is False for v in values):
            return False
        if all(v is True for v in values):
            return True
        return self.unknown("Fn::And of a condition that cannot be decided", span, ctx)

    def _or(self, arg: Node, ctx: Context, path: str, span: Span) -> Any:
        values = self._cond_args(arg, ctx)
        if values is None:
            return self._bad("Fn::Or", span, ctx)
        if any(v is True for v in values):
            return True
        if all(v is False for v in values):
            return False
        return self.unknown("Fn::Or of a condition that cannot be decided", span, ctx)

    def _not(self, arg: Node, ctx: Context, path: str, span: Span) -> Any:
        values = self._cond_args(arg, ctx)
        if values is None or len(values) != 1:
            return self._bad("Fn::Not", span, ctx)
        v = values[0]
        return (not v) if isinstance(v, bool) else v

    # ------------------------------------------------------------------ data functions

    def _join(self, arg: Node, ctx: Context, path: str, span: Span) -> Any:
        args = self._args(arg, ctx, path, (2,))
        if args is None or not isinstance(args[0], str):
            return self._bad("Fn::Join", span, ctx)
        delim, items = args
        if isinstance(items, Unknown):
            return items
        if not isinstance(items, list):
            return self._bad("Fn::Join", span, ctx, "a value that is not a list")
        parts: list[Any] = []
        for i, item in enumerate(items):
            if i:
                parts.append(delim)
            parts.append(item)
        return self._concat(parts, "Fn::Join", span, ctx)

    def _select(self, arg: Node, ctx: Context, path: str, span: Span) -> Any:
        args = self._args(arg, ctx, path, (2,))
        if args is None:
            return self._bad("Fn::Select", span, ctx)
        index, items = args
        text = as_text(index)
        if text is None or not text.strip().lstrip("-").isdigit():
            if isinstance(index, Unknown):
                return index
            return self._bad("Fn::Select", span, ctx, "an index that is not a number")
        if isinstance(items, Unknown):
            return items
        if not isinstance(items, list):
            return self.unknown("Fn::Select from a value that is not a list", span, ctx)
        i = int(text)
        if not 0 <= i < len(items):
            return self._bad("Fn::Select", span, ctx, f"index {i} out of range")
        return items[i]

    def _split(self, arg: Node, ctx: Context, path: str, span: Span) -> Any:
        args = self._args(arg, ctx, path, (2,))
        if args is None or not isinstance(args[0], str) or not args[0]:
            return self._bad("Fn::Split", span, ctx)
        delim, text = args
        if isinstance(text, str):
            return text.split(delim)
        if isinstance(text, Unknown):
            return text
        return self.unknown("Fn::Split of a string not known statically", span, ctx)

    def _findinmap(self, arg: Node, ctx: Context, path: str, span: Span) -> Any:
        if not isinstance(arg, SeqNode) or len(arg.items) not in (3, 4):
            return self._bad("Fn::FindInMap", span, ctx)
        keys = [self.eval(n, ctx, path) for n in arg.items[:3]]
        fallback: Node | None = None
        if len(arg.items) == 4:
            opts = arg.items[3]
            fallback = opts.get("DefaultValue") if isinstance(opts, MapNode) else None
        for k in keys:
            if as_text(k) is None:
                if isinstance(k, Unknown):
                    return self.unknown(
                        f"Fn::FindInMap with a key not known ({k.reason})", span, ctx
                    )
                return self.unknown("Fn::FindInMap with a key not known statically", span, ctx)
        names = [as_text(k) for k in keys]
        node: Node | None = self.mappings
        for name in names:
            node = node.get(name) if isinstance(node, MapNode) else None
        if node is None:
            if fallback is not None:
                return self.eval(fallback, ctx, path)
            self.note(span, f"Fn::FindInMap: no entry {'/'.join(map(str, names))} in Mappings")
            return Unknown(f"no Mappings entry {'/'.join(map(str, names))}", span=span)
        return self.eval(node, ctx, path)

    def _base64(self, arg: Node, ctx: Context, path: str, span: Span) -> Any:
        value = self.eval(arg, ctx, path)
        if isinstance(value, str):
            return base64.b64encode(value.encode()).decode()
        return self.unknown("Fn::Base64 of a string not known statically", span, ctx)

    def _length(self, arg: Node, ctx: Context, path: str, span: Span) -> Any:
        value = self.eval(arg, ctx, path)
        if isinstance(value, list):
            return len(value)
        return self.unknown("Fn::Length of a list not known statically", span, ctx)

    def _tojsonstring(self, arg: Node, ctx: Context, path: str, span: Span) -> Any:
        value = self.eval(arg, ctx, path)
        if is_fully_known(value):
            return json.dumps(value, separators=(",", ":"))
        return JsonEncoded(value)

    def _opaque(self, reason: str) -> Callable[[Node, Context, str, Span], Any]:
        def opaque(arg: Node, ctx: Context, path: str, span: Span) -> Any:
            self.eval(arg, ctx, path)  # inputs it reads still matter
            return Unknown(reason, span=span)

        return opaque


def _normalise(value: Any) -> Any:
    """CloudFormation compares as strings: ``true`` equals ``"true"``, 1 equals ``"1"``."""
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    text = as_text(value)
    return text if text is not None else value
