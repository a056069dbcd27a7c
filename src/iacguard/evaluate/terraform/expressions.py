"""Evaluate HCL expressions (``parse.hcl_ast``) into payloads (``graph.values``).

The payload of an expression is plain data (None, bool, int, float, str, list, dict) with the
leaves ``Unknown``, ``Ref``, ``PartialStr`` and ``JsonEncoded`` where something is not a
literal. Names are resolved through a ``Scope`` (provided by the Terraform-semantics layer);
for-expression and template-for variables are bound here and shadow the scope.

Semantics are Terraform's. An operation that needs an unknown operand yields an Unknown (the
operand's own Unknown, so its reason and inputs travel; a ``Ref`` operand gives "depends on
aws_kms_key.k.arn, known after apply"), except where the result does not need it
(``true || x``, ``cond ? a : b`` with a known cond, ``length`` of a list with unknown
elements...). Where Terraform would fail (missing key, index out of range, wrong type) the
result is an Unknown whose reason starts with ``functions.common.ERROR_PREFIX``; ``try``/``can``
treat those as failures.

Steps applied to a ``Ref`` extend it (``aws_backup_plan.p.rule[0].rule_name`` stays a
reference into the graph rather than becoming an anonymous unknown).

``evaluate`` never raises, except ``EvalTimeout`` when ``ctx.deadline`` has passed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from iacguard.core.located import FileError, Located
from iacguard.core.records import MISSING, field, record, replace
from iacguard.core.spans import Span
from iacguard.core.values import JsonEncoded, PartialStr, Ref, Unknown
from iacguard.evaluate.terraform.budget import (
    ENTRY,
    SLOT,
    RootBudget,
    over_budget,
    parts_size,
    shallow_size,
)
from iacguard.evaluate.terraform.functions import table
from iacguard.evaluate.terraform.functions.common import (
    CallInfo,
    FunctionError,
    as_unknown,
    error,
    first_leaf,
    hcl_equal,
    is_error,
    normalize_number,
    number_text,
    number_too_large,
    partial,
    to_bool,
    to_int,
    to_number,
    to_str,
    too_large,
    type_name,
)
from iacguard.parse.hcl_ast import (
    Binary,
    Call,
    Conditional,
    Expr,
    ForExpr,
    GetAttr,
    Index,
    Literal,
    ObjectExpr,
    Postfix,
    Splat,
    Step,
    Template,
    TemplateFor,
    TemplateIf,
    Traversal,
    TupleExpr,
    Unary,
    Unsupported,
)


class EvalTimeout(Exception):
    """The evaluation deadline (``EvalContext.deadline``, a ``time.monotonic()`` value) passed."""


@runtime_checkable
class Lazy(Protocol):
    """A value materialised on demand: resource instances, module objects, var/local maps."""

    def get_attr(self, name: str, span: Span) -> Any: ...

    def index(self, key: Any, span: Span) -> Any: ...

    def materialize(self) -> Any: ...


class Scope(Protocol):
    """Resolves a root name (``var``, ``local``, ``module``, ``data``, ``each``, ``count``,
    ``path``, ``self``, ``terraform``, a resource type...) to a payload or a ``Lazy``."""

    def lookup(self, name: str, span: Span) -> Any: ...


@record(frozen=False, slots=False)
class EvalContext:
    """Mutable accumulator for one attribute's evaluation.

    ``inputs``, ``hops`` and ``refs`` are filled by the Scope (not by the evaluator).
    ``depth`` counts nested evaluations (templatefile inside templatefile...).
    ``module_dir`` / ``scan_root``: ``file()`` and ``templatefile()`` resolve relative to
    ``module_dir`` and refuse anything outside ``scan_root`` (an Unknown value *and* an entry
    in ``errors``). ``budget``: what the root may still build (``budget.RootBudget``).
    """

    inputs: set[str] = field(default_factory=set)
    hops: list[Located] = field(default_factory=list)
    refs: list[tuple[Ref, Span]] = field(default_factory=list)
    depth: int = 0
    deadline: float = math.inf
    module_dir: str = "."
    scan_root: str = "."
    #: located problems met while evaluating that the user must see as errors (``file()``
    #: outside the scanned root, a file too large to read): the caller reports them
    errors: list[FileError] = field(default_factory=list)
    #: the memory budget for values of the root (shared by all its contexts); values over
    #: it are Unknowns with a located error
    budget: RootBudget = field(default_factory=RootBudget)

    def __init__(
        self,
        inputs: set[str] = MISSING,
        hops: list[Located] = MISSING,
        refs: list[tuple[Ref, Span]] = MISSING,
        depth: int = 0,
        deadline: float = math.inf,
        module_dir: str = ".",
        scan_root: str = ".",
        errors: list[FileError] = MISSING,
        budget: RootBudget = MISSING,
    ) -> None:
        self.inputs = set() if inputs is MISSING else inputs
        self.hops = [] if hops is MISSING else hops
        self.refs = [] if refs is MISSING else refs
        self.depth = depth
        self.deadline = deadline
        self.module_dir = module_dir
        self.scan_root = scan_root
        self.errors = [] if errors is MISSING else errors
        self.budget = RootBudget() if budget is MISSING else budget

    def render_template(self, template: Expr, variables: Mapping[str, Any]) -> Any:
        """``template`` (a parsed ``templatefile``) evaluated with ``variables`` as its only
        names, one level deeper; what it reads and meets lands in this context's lists."""
        return evaluate(
            template, MapScope(variables, strict=True), replace(self, depth=self.depth + 1)
        )


class MapScope:
    """A Scope over a plain mapping (templatefile variables, tests).

    ``strict``: an unknown name is an error (as in templatefile); otherwise an Unknown.
    """

    __slots__ = ("names", "strict")

    def __init__(self, names: Mapping[str, Any], strict: bool = False) -> None:
        self.names = names
        self.strict = strict

    def lookup(self, name: str, span: Span) -> Any:
        if name in self.names:
            return self.names[name]
        if self.strict:
            return error(f"{name} is not defined", span)
        return Unknown(f"{name} is not defined here", span)


_PLAIN = (str, int, float, bool, type(None), list, dict)
_LEAVES = (Unknown, Ref, PartialStr, JsonEncoded)
_ARITH = frozenset({"+", "-", "*", "/", "%"})
_COMPARE = frozenset({"<", ">", "<=", ">="})


def _materialize(v: Any) -> Any:
    if isinstance(v, _PLAIN) or isinstance(v, _LEAVES):
        return v
    m = getattr(v, "materialize", None)
    if m is not None:
        return m()
    return v


def _ref_step(ref: Ref, suffix: str, span: Span) -> Ref:
    attr = (ref.attribute or "") + suffix
    if attr.startswith("."):
        attr = attr[1:]
    return Ref(ref.address, attr or None, ref.root, span)


def _index_text(key: Any) -> str:
    if isinstance(key, str):
        return '["' + key.replace("\\", "\\\\").replace('"', '\\"') + '"]'
    return f"[{number_text(key) if isinstance(key, (int, float)) else key}]"


class _Evaluator:
    __slots__ = ("scope", "ctx", "deadline")

    def __init__(self, scope: Scope, ctx: EvalContext) -> None:
        self.scope = scope
        self.ctx = ctx
        self.deadline = ctx.deadline

    def tick(self) -> None:
        if self.deadline != math.inf and time.monotonic() > self.deadline:
            raise EvalTimeout("evaluation deadline passed")

    # ------------------------------------------------------------------ dispatch

    def eval(self, e: Expr, env: Mapping[str, Any]) -> Any:
        t = type(e)
        if t is Literal:
            return e.value  # type: ignore[union-attr]
        if t is Traversal:
            return self.traversal(e, env)  # type: ignore[arg-type]
        if t is Template:
            return self.template(e, env)  # type: ignore[arg-type]
        if t is Call:
            return self.call(e, env)  # type: ignore[arg-type]
        if t is ObjectExpr:
            return self.object(e, env)  # type: ignore[arg-type]
        if t is TupleExpr:
            return [_materialize(self.eval(x, env)) for x in e.items]  # type: ignore[union-attr]
        if t is Conditional:
            return self.conditional(e, env)  # type: ignore[arg-type]
        if t is Binary:
            return self.binary(e, env)  # type: ignore[arg-type]
        if t is Unary:
            return self.unary(e, env)  # type: ignore[arg-type]
        if t is ForExpr:
            return self.for_expr(e, env)  # type: ignore[arg-type]
        if t is Postfix:
            base = _materialize(self.eval(e.expr, env))  # type: ignore[union-attr]
            return _materialize(self.apply_steps(base, e.steps, env))  # type: ignore[union-attr]
        if t is TemplateIf or t is TemplateFor:
            rendered = self.render([e], env)
            if isinstance(rendered, Unknown):
                return rendered
            return self.joined(rendered, e.span)  # type: ignore[union-attr]
        if t is Unsupported:
            return Unknown(f"{e.reason}: {e.text[:80]}".rstrip(": "), e.span)  # type: ignore[union-attr]
        return Unknown(f"unsupported expression {type(e).__name__}", getattr(e, "span", None))

    # ------------------------------------------------------------------ names and steps

    def traversal(self, e: Traversal, env: Mapping[str, Any]) -> Any:
        if e.root in env:
            v = env[e.root]
        else:
            v = self.scope.lookup(e.root, e.span)
        return _materialize(self.apply_steps(v, e.steps, env))

    def apply_steps(self, v: Any, steps: tuple[Step, ...], env: Mapping[str, Any]) -> Any:
        for step in steps:
            if isinstance(v, Unknown):
                return v
            st = type(step)
            if st is GetAttr:
                v = self.get_attr(v, step.name, step.span)  # type: ignore[union-attr]
            elif st is Index:
                key = _materialize(self.eval(step.key, env))  # type: ignore[union-attr]
                v = self.index(v, key, step.span)
            else:
                v = self.splat(v, step, env)  # type: ignore[arg-type]
        return v

    def get_attr(self, v: Any, name: str, span: Span) -> Any:
        if isinstance(v, dict):
            if name in v:
                return v[name]
            return error(f"no attribute {name!r} in this object", span)
        if isinstance(v, Ref):
            return _ref_step(v, "." + name, span)
        if isinstance(v, _LEAVES):
            return as_unknown(v, span)
        if isinstance(v, list):
            # legacy `list.0`-style is an Index; a get_attr on a list is an error in Terraform
            return error(f"cannot get attribute {name!r} of a list", span)
        if v is None:
            return error(f"cannot get attribute {name!r} of null", span)
        if isinstance(v, _PLAIN):
            return error(f"cannot get attribute {name!r} of a {type_name(v)}", span)
        get = getattr(v, "get_attr", None)
        if get is None:
            return Unknown(f"cannot get attribute {name!r}", span)
        return get(name, span)

    def index(self, v: Any, key: Any, span: Span) -> Any:
        if isinstance(key, _LEAVES):
            return as_unknown(key, span)
        if isinstance(v, list):
            try:
                i = to_int(key)
            except FunctionError as exc:
                return error(f"bad index: {exc}", span)
            if 0 <= i < len(v):
                return v[i]
            return error(f"index {i} out of range for a list of {len(v)}", span)
        if isinstance(v, dict):
            try:
                k = to_str(key)
            except FunctionError as exc:
                return error(f"bad key: {exc}", span)
            if k in v:
                return v[k]
            return error(f"no key {k!r} in this map", span)
        if isinstance(v, Ref):
            return _ref_step(v, _index_text(key), span)
        if isinstance(v, _LEAVES):
            return as_unknown(v, span)
        if v is None:
            return error("cannot index null", span)
        if isinstance(v, _PLAIN):
            return error(f"cannot index a {type_name(v)}", span)
        idx = getattr(v, "index", None)
        if idx is None:
            return Unknown("cannot index this value", span)
        return idx(key, span)

    def splat(self, v: Any, step: Splat, env: Mapping[str, Any]) -> Any:
        v = _materialize(v)
        if isinstance(v, _LEAVES):
            return as_unknown(v, step.span)
        if v is None:
            return []
        items = v if isinstance(v, list) else [v]
        out = []
        for item in items:
            self.tick()
            out.append(_materialize(self.apply_steps(item, step.steps, env)))
        return out

    # ------------------------------------------------------------------ templates

    def template(self, e: Template, env: Mapping[str, Any]) -> Any:
        parts = e.parts
        if len(parts) == 1 and not isinstance(parts[0], (str, TemplateIf, TemplateFor)):
            # "${x}" is x itself (HCL template unwrapping)
            return _materialize(self.eval(parts[0], env))
        rendered = self.render(parts, env)
        if isinstance(rendered, Unknown):
            return rendered
        return self.joined(rendered, e.span)

    def joined(self, rendered: list[Any], span: Span) -> Any:
        """``rendered`` template parts as one string, charged to the budget before joining."""
        budget = self.ctx.budget
        size = parts_size(rendered)
        if not budget.take(size):
            return budget.refuse("this template", size, span, self.ctx.errors)
        return partial(rendered)

    def render(self, parts: tuple[Any, ...] | list[Any], env: Mapping[str, Any]) -> Any:
        """Template parts -> list of str / Unknown / Ref, or an error Unknown."""
        out: list[Any] = []
        for p in parts:
            if isinstance(p, str):
                out.append(p)
                continue
            if isinstance(p, TemplateIf):
                cond = _materialize(self.eval(p.cond, env))
                if isinstance(cond, _LEAVES):
                    if is_error(cond):
                        return cond
                    out.append(as_unknown(cond, p.span))
                    continue
                try:
                    chosen = p.then if to_bool(cond) else p.else_
                except FunctionError as exc:
                    return error(f"template if: {exc}", p.span)
                if chosen is not None:
                    sub = self.render(chosen.parts, env)
                    if isinstance(sub, Unknown):
                        return sub
                    out.extend(sub)
                continue
            if isinstance(p, TemplateFor):
                sub = self.template_for(p, env)
                if isinstance(sub, Unknown):
                    if is_error(sub) or over_budget(sub):
                        return sub
                    out.append(sub)
                else:
                    out.extend(sub)
                continue
            v = _materialize(self.eval(p, env))
            if isinstance(v, (Unknown, Ref)):
                if is_error(v) or over_budget(v):
                    return v
                out.append(v)
            elif isinstance(v, PartialStr):
                out.extend(v.parts)
            elif isinstance(v, JsonEncoded):
                out.append(as_unknown(v, p.span))
            elif v is None:
                return error("template interpolation of a null value", p.span)
            else:
                try:
                    out.append(to_str(v))
                except FunctionError as exc:
                    return error(f"template interpolation: {exc}", p.span)
        return out

    def template_for(self, p: TemplateFor, env: Mapping[str, Any]) -> Any:
        coll = _materialize(self.eval(p.collection, env))
        pairs = self.iterate(coll, p.span)
        if isinstance(pairs, Unknown):
            return pairs
        out: list[Any] = []
        budget = self.ctx.budget
        size = 0
        for k, v in pairs:
            self.tick()
            inner = dict(env)
            if p.key_var is not None:
                inner[p.key_var] = k
            inner[p.value_var] = v
            sub = self.render(p.body.parts, inner)
            if isinstance(sub, Unknown):
                return sub
            # the text grows with each repetition: stop before it is over the budget
            size += parts_size(sub) + SLOT * len(sub)
            if not budget.fits(size):
                return budget.refuse("this %{for} directive", size, p.span, self.ctx.errors)
            out.extend(sub)
        return out

    # ------------------------------------------------------------------ collections

    def object(self, e: ObjectExpr, env: Mapping[str, Any]) -> Any:
        out: dict[str, Any] = {}
        for key_expr, value_expr in e.items:
            key = _materialize(self.eval(key_expr, env))
            if isinstance(key, _LEAVES):
                return as_unknown(key, key_expr.span)
            if key is None:
                return error("object key is null", key_expr.span)
            try:
                k = to_str(key)
            except FunctionError as exc:
                return error(f"object key: {exc}", key_expr.span)
            out[k] = _materialize(self.eval(value_expr, env))
        return out

    def iterate(self, coll: Any, span: Span) -> list[tuple[Any, Any]] | Unknown:
        if isinstance(coll, list):
            return list(enumerate(coll))
        if isinstance(coll, dict):
            return [(k, coll[k]) for k in sorted(coll)]
        if isinstance(coll, _LEAVES):
            return as_unknown(coll, span)
        if coll is None:
            return error("cannot iterate over null", span)
        return error(f"cannot iterate over a {type_name(coll)}", span)

    def for_expr(self, e: ForExpr, env: Mapping[str, Any]) -> Any:
        coll = _materialize(self.eval(e.collection, env))
        pairs = self.iterate(coll, e.span)
        if isinstance(pairs, Unknown):
            return pairs
        budget = self.ctx.budget
        size = (ENTRY if e.is_object else SLOT) * len(pairs)
        if not budget.take(size):
            return budget.refuse("this for expression", size, e.span, self.ctx.errors)
        nested = 0  # the slots of the lists and maps built as elements
        out_list: list[Any] = []
        out_map: dict[str, Any] = {}
        for k, v in pairs:
            self.tick()
            inner = dict(env)
            if e.key_var is not None:
                inner[e.key_var] = k
            inner[e.value_var] = v
            if e.cond is not None:
                c = _materialize(self.eval(e.cond, inner))
                if isinstance(c, _LEAVES):
                    return as_unknown(c, e.cond.span)
                try:
                    if not to_bool(c):
                        continue
                except FunctionError as exc:
                    return error(f"for condition: {exc}", e.cond.span)
            value = _materialize(self.eval(e.value_expr, inner))
            if over_budget(value):
                return value
            if type(value) is list or type(value) is dict:
                nested += shallow_size(value)
                if not budget.fits(nested):
                    what = "this for expression"
                    return budget.refuse(what, size + nested, e.span, self.ctx.errors)
            if not e.is_object:
                out_list.append(value)
                continue
            assert e.key_expr is not None
            key = _materialize(self.eval(e.key_expr, inner))
            if isinstance(key, _LEAVES):
                return as_unknown(key, e.key_expr.span)
            try:
                ks = to_str(key)
            except FunctionError as exc:
                return error(f"for key: {exc}", e.key_expr.span)
            if e.grouping:
                out_map.setdefault(ks, []).append(value)
            elif ks in out_map:
                return error(f"duplicate key {ks!r} in for expression", e.span)
            else:
                out_map[ks] = value
        if nested and not budget.take(nested):
            return budget.refuse("this for expression", size + nested, e.span, self.ctx.errors)
        return out_map if e.is_object else out_list

    # ------------------------------------------------------------------ operators

    def conditional(self, e: Conditional, env: Mapping[str, Any]) -> Any:
        cond = _materialize(self.eval(e.cond, env))
        if isinstance(cond, _LEAVES):
            if is_error(cond):
                return cond
            # both branches the same known value: the condition does not matter
            a = _materialize(self.eval(e.then, env))
            b = _materialize(self.eval(e.else_, env))
            if first_leaf([a, b]) is None and hcl_equal(a, b):
                return a
            return as_unknown(cond, e.cond.span)
        try:
            chosen = to_bool(cond)
        except FunctionError as exc:
            return error(f"condition: {exc}", e.cond.span)
        branch, other = (e.then, e.else_) if chosen else (e.else_, e.then)
        value = _materialize(self.eval(branch, env))
        # Terraform unifies the branch types: `c ? 30 : "7"` is a string either way
        if (
            type(other) is Literal
            and isinstance(other.value, str)
            and isinstance(value, (int, float, bool))
        ):
            return to_str(value)
        return value

    def _bool(self, e: Expr, env: Mapping[str, Any]) -> Any:
        v = _materialize(self.eval(e, env))
        if isinstance(v, _LEAVES):
            return v if is_error(v) else as_unknown(v, e.span)
        try:
            return to_bool(v)
        except FunctionError as exc:
            return error(str(exc), e.span)

    def binary(self, e: Binary, env: Mapping[str, Any]) -> Any:
        op = e.op
        if op in ("||", "&&"):
            decisive = op == "||"
            left = self._bool(e.left, env)
            if left is decisive:
                return decisive
            if is_error(left):
                return left
            right = self._bool(e.right, env)
            if right is decisive:
                return decisive
            if isinstance(left, Unknown):
                return left
            return right  # unknown, error, or the non-decisive bool
        left = _materialize(self.eval(e.left, env))
        right = _materialize(self.eval(e.right, env))
        for side in (left, right):
            if is_error(side):
                return side
        if op in ("==", "!="):
            r = hcl_equal(left, right)
            if r is None:
                return as_unknown(first_leaf([left, right]), e.span)
            return r if op == "==" else not r
        for side, sub in ((left, e.left), (right, e.right)):
            if isinstance(side, _LEAVES):
                return as_unknown(side, sub.span)
        try:
            a, b = to_number(left), to_number(right)
        except FunctionError as exc:
            return error(f"operator {op}: {exc}", e.span)
        if op in _COMPARE:
            return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        if op in ("+", "-", "*"):
            result = a + b if op == "+" else a - b if op == "-" else a * b
            return number_too_large(e.span) if too_large(result) else result
        if b == 0:
            return error(f"division by zero ({op})", e.span)
        if op == "/":
            if isinstance(a, int) and isinstance(b, int) and a % b == 0:
                return a // b
            return normalize_number(a / b)
        # %: Terraform's remainder takes the sign of the dividend
        if isinstance(a, int) and isinstance(b, int):
            q = abs(a) // abs(b)
            return a - b * (q if (a >= 0) == (b >= 0) else -q)
        return normalize_number(math.fmod(a, b))

    def unary(self, e: Unary, env: Mapping[str, Any]) -> Any:
        if e.op == "!":
            v = self._bool(e.operand, env)
            return (not v) if isinstance(v, bool) else v
        v = _materialize(self.eval(e.operand, env))
        if isinstance(v, _LEAVES):
            return v if is_error(v) else as_unknown(v, e.operand.span)
        try:
            return -to_number(v)
        except FunctionError as exc:
            return error(f"unary -: {exc}", e.span)

    # ------------------------------------------------------------------ calls

    def call(self, e: Call, env: Mapping[str, Any]) -> Any:
        self.tick()
        name = e.name
        info = CallInfo(name, e.span, self.ctx)
        lazy = table.LAZY_FUNCTIONS.get(name)
        if lazy is not None:
            thunks: list[Callable[[], Any]] = [
                (lambda a=a: _materialize(self.eval(a, env))) for a in e.args
            ]
            return lazy(thunks, info)
        if "::" in name:
            return Unknown(f"unsupported function {name}", e.span)
        if name not in table.FUNCTIONS:
            return Unknown(f"unsupported function {name}", e.span)
        args = [_materialize(self.eval(a, env)) for a in e.args]
        if e.expand_final and args:
            last = args.pop()
            if isinstance(last, _LEAVES):
                return last if is_error(last) else as_unknown(last, e.args[-1].span)
            if not isinstance(last, list):
                return error(f"{name}(): the expanded argument must be a list", e.span)
            args.extend(last)
        return table.call(name, args, info)


def evaluate(expr: Expr, scope: Scope, ctx: EvalContext) -> Any:
    """The payload of ``expr``; never raises except ``EvalTimeout``."""
    ev = _Evaluator(scope, ctx)
    ev.tick()
    try:
        return _materialize(ev.eval(expr, {}))
    except EvalTimeout:
        raise
    except RecursionError:
        return Unknown("expression nested too deep to evaluate", getattr(expr, "span", None))
    except Exception as exc:  # noqa: BLE001 - errors are values: never crash the run
        return Unknown(f"internal error: {type(exc).__name__}: {exc}", getattr(expr, "span", None))


def evaluate_in(expr: Expr, scope: Scope, ctx: EvalContext, bindings: Mapping[str, Any]) -> Any:
    """``evaluate`` with extra local names bound (e.g. a dynamic block's iterator)."""
    ev = _Evaluator(scope, ctx)
    ev.tick()
    try:
        return _materialize(ev.eval(expr, bindings))
    except EvalTimeout:
        raise
    except RecursionError:
        return Unknown("expression nested too deep to evaluate", getattr(expr, "span", None))
    except Exception as exc:  # noqa: BLE001 - errors are values: never crash the run
        return Unknown(f"internal error: {type(exc).__name__}: {exc}", getattr(expr, "span", None))
