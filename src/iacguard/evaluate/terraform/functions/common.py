"""What the function families share: errors, payload inspection, conversions, call plumbing.

A result that needs an unknown operand is ``Unknown`` (the operand's own Unknown when it is one,
so the reason and the inputs travel: ``as_unknown``, ``need_known``). Where Terraform would fail
(wrong type, missing key, bad regex...) the result is an *error* Unknown: its reason starts with
``ERROR_PREFIX`` (``error``, ``is_error``); ``try`` and ``can`` see those as failures. A body
raises ``FunctionError`` (an error Unknown) or ``Refused`` (a plain Unknown and a located error);
``table.call`` turns both into values.

The conversions are Terraform's automatic ones (``to_str``, ``to_number``, ``to_bool``,
``to_int``), ``hcl_equal`` is ``==``, ``set_order`` the order of a set, ``partial`` joins
template parts into a string. ``CallInfo`` carries what a body may need besides its arguments;
``on_known``, ``keeps_null`` and ``leaf_unknown`` are the shapes many bodies share.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from iacguard.core.records import record
from iacguard.core.spans import Span
from iacguard.core.values import LEAF_TYPES, JsonEncoded, PartialStr, Ref, Unknown
from iacguard.evaluate.terraform.budget import OverBudget, RootBudget

if TYPE_CHECKING:
    from iacguard.core.located import FileError
    from iacguard.parse.hcl_ast import Expr

ERROR_PREFIX = "invalid: "
_SCALARS = (str, int, float, bool, type(None))


class FunctionError(Exception):
    """Raised inside a function body; turned into an error Unknown by ``call``."""


class Refused(Exception):
    """A file function asked for something we will not read: an Unknown, not an error."""


def error(reason: str, span: Span | None = None) -> Unknown:
    """An Unknown standing for a Terraform evaluation error."""
    return Unknown(ERROR_PREFIX + reason, span)


def is_error(value: Any) -> bool:
    return isinstance(value, Unknown) and value.reason.startswith(ERROR_PREFIX)


def ref_text(ref: Ref) -> str:
    return ref.address + (f".{ref.attribute}" if ref.attribute else "")


def is_leaf(value: Any) -> bool:
    return isinstance(value, LEAF_TYPES)


def first_leaf(data: Any) -> Any:
    """The first Unknown/Ref/PartialStr/JsonEncoded inside ``data`` (errors first), else None."""
    found = None
    stack = [data]
    while stack:
        v = stack.pop()
        if isinstance(v, LEAF_TYPES):
            if is_error(v):
                return v
            if found is None:
                found = v
        elif isinstance(v, dict):
            stack.extend(reversed(list(v.values())))
        elif isinstance(v, (list, tuple)):
            stack.extend(reversed(v))
    return found


def find_error(data: Any) -> Unknown | None:
    leaf = first_leaf(data)
    return leaf if is_error(leaf) else None


def as_unknown(value: Any, span: Span | None = None) -> Unknown:
    """The Unknown that explains why ``value`` (a leaf, or data holding one) is not known."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Ref):
        return Unknown(f"depends on {ref_text(value)}, known after apply", span or value.span)
    if isinstance(value, PartialStr):
        for p in value.parts:
            if not isinstance(p, str):
                return as_unknown(p, span)
        return Unknown("partly unknown string", span)
    if isinstance(value, JsonEncoded):
        inner = first_leaf(value.data)
        return as_unknown(inner, span) if inner is not None else Unknown("jsonencode", span)
    inner = first_leaf(value)
    if inner is not None:
        return as_unknown(inner, span)
    return Unknown("unknown value", span)


def type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__


def number_text(n: int | float) -> str:
    """A number as Terraform prints it (``3``, ``1.5``, never ``3.0`` or ``1e-07``)."""
    if isinstance(n, float):
        if math.isnan(n) or math.isinf(n):
            raise FunctionError("number is not finite")
        if n.is_integer():
            return str(int(n))
        text = repr(n)
        if "e" in text or "E" in text:
            import decimal  # lazily, as hashlib and ipaddress below: start-up time

            text = format(decimal.Decimal(text), "f")
        return text
    return str(n)


#: integers longer than this many decimal digits are not built (Python refuses to print them,
#: and building them costs time and memory): such a value is Unknown, with the reason
MAX_INT_DIGITS = 4300
_MAX_INT_BITS = int(MAX_INT_DIGITS * 3.3219280948873626)  # log2(10)


def too_large(n: Any) -> bool:
    """Whether ``n`` is an integer past ``MAX_INT_DIGITS`` digits."""
    return isinstance(n, int) and not isinstance(n, bool) and n.bit_length() > _MAX_INT_BITS


def number_too_large(span: Span | None) -> Unknown:
    return Unknown(f"a number of more than {MAX_INT_DIGITS} digits: not evaluated", span)


def normalize_number(n: float) -> int | float:
    if isinstance(n, float) and n.is_integer() and abs(n) < 2**63:
        return int(n)
    return n


def to_str(v: Any) -> str:
    """Terraform's automatic conversion to string (raises FunctionError where it fails)."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return number_text(v)
    if v is None:
        raise FunctionError("null value where a string is required")
    raise FunctionError(f"a {type_name(v)} where a string is required")


_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")


def graphemes(text: str) -> list[str]:
    """``text`` split as Terraform counts characters (``length``, ``substr``, ``strrev``):
    grapheme clusters, here a character with the combining marks, variation selectors and
    zero-width-joined characters that follow it, and CR LF as one."""
    out: list[str] = []
    join_next = False
    for ch in text:
        if out and (
            join_next
            or unicodedata.category(ch) in ("Mn", "Me", "Mc")
            or ch == "\u200d"
            or (ch == "\n" and out[-1] == "\r")
        ):
            out[-1] += ch
        else:
            out.append(ch)
        join_next = ch == "\u200d"
    return out


def to_number(v: Any) -> int | float:
    if isinstance(v, bool):
        raise FunctionError("a bool where a number is required")
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        # as Terraform parses a number: decimal digits, no spaces, underscores or 0x
        text = v
        if not _NUMBER.fullmatch(text):
            raise FunctionError(f"cannot convert {v!r} to a number")
        if _INTEGER.fullmatch(text):
            n = int(text)
            return -0.0 if n == 0 and text.startswith("-") else n  # "-0" keeps its sign
        try:
            f = float(text)
        except ValueError:
            raise FunctionError(f"cannot convert {v!r} to a number") from None
        if math.isnan(f) or math.isinf(f):
            raise FunctionError(f"cannot convert {v!r} to a number")
        return f
    if v is None:
        raise FunctionError("null value where a number is required")
    raise FunctionError(f"a {type_name(v)} where a number is required")


def to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if v == "true":
        return True
    if v == "false":
        return False
    if v is None:
        raise FunctionError("null value where a bool is required")
    raise FunctionError(f"cannot convert {v!r} to a bool")


def to_int(v: Any) -> int:
    n = to_number(v)
    if isinstance(n, float):
        if not n.is_integer():
            raise FunctionError(f"{number_text(n)} is not a whole number")
        return int(n)
    return n


def hcl_equal(a: Any, b: Any) -> bool | None:
    """Terraform ``==``: different types are unequal; None when an unknown decides it."""
    if isinstance(a, LEAF_TYPES) or isinstance(b, LEAF_TYPES):
        # a partly known string cannot equal a string its known text rules out
        if isinstance(a, PartialStr) and isinstance(b, str) and not a.could_be(b):
            return False
        if isinstance(b, PartialStr) and isinstance(a, str) and not b.could_be(a):
            return False
        # a partly known string (a template, format, join) is a string, never null: Terraform
        # refines it so (`"${var.x}-y" != null` is true whatever var.x is)
        if (a is None and isinstance(b, PartialStr)) or (b is None and isinstance(a, PartialStr)):
            return False
        return None
    ca, cb = type_name(a), type_name(b)
    if ca != cb:
        return False
    if ca == "list":
        if len(a) != len(b):
            return False
        undecided = False
        for x, y in zip(a, b, strict=True):
            r = hcl_equal(x, y)
            if r is False:
                return False
            if r is None:
                undecided = True
        return None if undecided else True
    if ca == "object":
        if set(a) != set(b):
            return False
        undecided = False
        for k in a:
            r = hcl_equal(a[k], b[k])
            if r is False:
                return False
            if r is None:
                undecided = True
        return None if undecided else True
    return bool(a == b)


def _distinct_scalars(items: list[Any]) -> list[Any] | None:
    """The first occurrence of each distinct element when every element is a known scalar
    (a dict lookup each, where comparing with ``hcl_equal`` is quadratic), else None. The key
    keeps the Terraform type, so ``true`` and ``1`` stay apart as ``hcl_equal`` keeps them."""
    if not all(type(x) in _SCALARS for x in items):
        return None
    seen: dict[tuple[str, Any], Any] = {}
    for x in items:
        seen.setdefault((type_name(x), x), x)
    return list(seen.values())


def distinct(items: list[Any]) -> list[Any]:
    """The first occurrence of each distinct element (unknown leaves are all kept)."""
    out = _distinct_scalars(items)
    if out is None:
        out = []
        for x in items:
            if isinstance(x, LEAF_TYPES) or not any(hcl_equal(x, y) is True for y in out):
                out.append(x)
    return out


def unify_primitives(items: list[Any]) -> list[Any]:
    """A collection's elements as Terraform unifies them to one type: strings among numbers
    or bools make every primitive a string (``toset([1, "a"])`` is ``["1", "a"]``); a bool
    and a number alone cannot unify."""
    kinds = {type_name(x) for x in items if x is not None and not is_leaf(x)}
    if len(kinds) < 2:
        return items
    if not kinds <= {"string", "number", "bool"}:
        raise FunctionError("elements of a collection must have the same type")
    if "string" not in kinds:
        raise FunctionError("elements of a collection must have the same type")
    return [x if x is None or is_leaf(x) else to_str(x) for x in items]


def set_order(items: list[Any]) -> list[Any]:
    """Distinct elements in Terraform's set order (strings lexically, numbers numerically),
    unified to one type first."""
    out = distinct(unify_primitives(items))
    nulls = [x for x in out if x is None]  # Terraform orders null last
    rest = [x for x in out if x is not None]
    if all(isinstance(x, str) for x in rest):
        return sorted(rest) + nulls
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in rest):
        return sorted(rest) + nulls
    return out


class CallContext(Protocol):
    """What a function may use of the evaluator's context (``EvalContext`` provides it).

    ``module_dir`` / ``scan_root``: files resolve relative to the module and are refused outside
    the scanned root; ``errors`` collects the located problems the user must see; ``depth``
    counts nested template renderings; ``budget`` is what the root may still build;
    ``render_template`` evaluates a parsed template with
    ``variables`` as its only names, one level deeper.
    """

    depth: int
    module_dir: str
    scan_root: str
    errors: list[FileError]
    #: the root's memory budget for values (``evaluate.terraform.budget``)
    budget: RootBudget

    def render_template(self, template: Expr, variables: Mapping[str, Any]) -> Any: ...


@record
class CallInfo:
    """What a function body may need besides its arguments."""

    name: str
    span: Span
    ctx: CallContext

    def __init__(self, name: str, span: Span, ctx: CallContext) -> None:
        set_field = object.__setattr__
        set_field(self, "name", name)
        set_field(self, "span", span)
        set_field(self, "ctx", ctx)


Fn = Callable[[list[Any], CallInfo], Any]


def reserve(info: CallInfo, size: int, what: str = "") -> None:
    """Check, before building it, that a result of ``size`` bytes fits the root's budget;
    raise ``OverBudget`` (``table.call`` reports it at the call) when it does not."""
    if not info.ctx.budget.fits(size):
        raise OverBudget(what or f"{info.name}()", size)


def charge(info: CallInfo, size: int) -> None:
    """Charge ``size`` bytes a body builds besides its result's own slots (the strings of
    ``formatlist``'s list); raise ``OverBudget`` when they do not fit."""
    if not info.ctx.budget.take(size):
        raise OverBudget(f"{info.name}()", size)


def need_known(*values: Any) -> Unknown | None:
    """An Unknown when any of ``values`` is (or holds) an unknown leaf."""
    for v in values:
        leaf = first_leaf(v)
        if leaf is not None:
            return as_unknown(leaf)
    return None


def leaf_unknown(*values: Any) -> Unknown | None:
    """The Unknown of the first of ``values`` that is itself a leaf (what a list or map holds
    does not count), else None."""
    for v in values:
        if isinstance(v, LEAF_TYPES):
            return as_unknown(v)
    return None


def arity(args: list[Any], lo: int, hi: int | None = None) -> None:
    hi = lo if hi is None else hi
    if len(args) < lo or (hi >= 0 and len(args) > hi):
        want = str(lo) if lo == hi else (f"{lo}-{hi}" if hi >= 0 else f"at least {lo}")
        raise FunctionError(f"takes {want} argument(s), got {len(args)}")


def as_list(v: Any, what: str = "argument") -> list[Any]:
    if isinstance(v, list):
        return v
    raise FunctionError(f"{what} must be a list, got {type_name(v)}")


def as_map(v: Any, what: str = "argument") -> dict[str, Any]:
    if isinstance(v, dict):
        return v
    raise FunctionError(f"{what} must be a map or object, got {type_name(v)}")


def on_known(fn: Callable[..., Any], n: int, convert: Callable[[Any], Any] = to_str) -> Fn:
    """A function of ``n`` arguments that needs them all known: ``fn`` of each converted
    (to a string unless ``convert`` says otherwise)."""

    def body(args: list[Any], info: CallInfo) -> Any:
        arity(args, n)
        if (u := need_known(args)) is not None:
            return u
        return fn(*(convert(a) for a in args))

    return body


def keeps_null(convert: Callable[[Any], Any]) -> Fn:
    """A function of one argument: null stays null, an unknown stays unknown, else
    ``convert`` of it."""

    def body(args: list[Any], info: CallInfo) -> Any:
        arity(args, 1)
        v = args[0]
        if v is None:
            return None
        if is_leaf(v):
            return as_unknown(v)
        return convert(v)

    return body


def partial(parts: Iterable[Any]) -> Any:
    """Merge parts into a str (all known) or a PartialStr. Adjacent unknown parts are one
    unknown part (unknown text then unknown text is unknown text, with both's inputs): a
    string doubled through locals around an unknown then stays one part, not 2**n."""
    out: list[Any] = []
    run: list[str] = []  # adjacent strings, joined once (``+=`` would be quadratic)
    for p in parts:
        if isinstance(p, str):
            if p:
                run.append(p)
            continue
        if run:
            out.append("".join(run))
            run = []
        if isinstance(p, Unknown) and out and isinstance(out[-1], Unknown):
            first = out[-1]
            if not p.inputs <= first.inputs or (first.required_input and not p.required_input):
                out[-1] = Unknown(
                    first.reason,
                    first.span,
                    first.inputs | p.inputs,
                    first.required_input and p.required_input,
                    first.trace,
                )
            continue
        out.append(p)
    if not out:
        return "".join(run)
    if run:
        out.append("".join(run))
    return PartialStr(tuple(out))


def known_after_apply(args: list[Any], info: CallInfo) -> Any:
    """A function whose result is only known at apply (the clock, a random value)."""
    return Unknown(f"{info.name}() is not known until apply", info.span)
