"""The memory budget of one root: bytes of values built, and instances expanded.

Terraform configurations can build values far larger than their source: ``format("%0999999999d",
1)``, ``indent``, ``join`` of a ``for`` of a ``for``, ``%{for}`` directives, nested ``dynamic``
blocks, module ``for_each`` x module ``for_each`` x ``count``. A ``RootBudget`` is shared by
every evaluation of one root (all its worlds); before a value is built its size is checked
(``fits``), and what is built is charged (``take``). A value over the budget is not built: it is
an ``Unknown`` saying why, with a located error at the expression (``refuse``, once per place),
and everything else of the root is still evaluated. The sizes are estimates of what CPython
holds (a string's characters plus its header, a pointer per element), so the budget bounds the
memory evaluation takes, not only the size of the output.

Instances are counted the same way, for the whole root rather than per block: every instance
of a ``count`` / ``for_each``, and every instance of a resource or module call inside a module
instance other than the root (the root's own single resources are bounded by its source).
"""

from __future__ import annotations

from typing import Any

from iacguard.core.located import FileError
from iacguard.core.records import MISSING, field, record
from iacguard.core.spans import Span
from iacguard.core.values import Unknown
from iacguard.evaluate.options import EvalOptions

#: what a list element, a template part or a set member costs beyond its own value
SLOT = 8
#: what a map entry costs beyond its value (hash, key pointer, the key itself)
ENTRY = 64
#: what a string costs beyond its characters (CPython's object header)
STR_HEADER = 49
#: what one generated block (a ``dynamic`` block's content) costs: its map and its spans
BLOCK = 2048

_DEFAULTS = EvalOptions()

#: how the reason of a value refused by the budget begins (``over_budget``)
OVER_BUDGET = "over the memory budget for values"


def str_size(s: str) -> int:
    """The bytes ``s`` takes (``isascii`` is constant-time in CPython; otherwise the widest)."""
    return STR_HEADER + (len(s) if s.isascii() else 4 * len(s))


def shallow_size(value: Any) -> int:
    """The bytes a freshly built ``value`` adds: a string's characters, a collection's slots
    (its elements are charged where they are built)."""
    if isinstance(value, str):
        return str_size(value)
    if isinstance(value, list):
        return SLOT * len(value)
    if isinstance(value, dict):
        return ENTRY * len(value)
    return 0


def parts_size(parts: list[Any]) -> int:
    """The bytes of the string template ``parts`` (str / leaves) would join into."""
    total = 0
    for p in parts:
        if isinstance(p, str):
            total += len(p) if p.isascii() else 4 * len(p)
    return total + STR_HEADER


def human(n: int) -> str:
    """``n`` bytes as people read them: 1.5 GB, 256 MB, 12 KB, 7 bytes."""
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            text = f"{n / size:.1f}".removesuffix(".0")
            return f"{text} {unit}"
    return f"{n} bytes"


def over_budget(value: Any) -> bool:
    """Whether ``value`` is an Unknown the budget refused: what holds it stops there too (a
    list with a refused element would be refused element after element)."""
    return type(value) is Unknown and value.reason.startswith(OVER_BUDGET)


class OverBudget(Exception):
    """Raised by a function body whose result would not fit (``table.call`` reports it)."""

    def __init__(self, what: str, size: int) -> None:
        super().__init__(what)
        self.what = what
        self.size = size


@record(frozen=False, slots=False)
class RootBudget:
    """What one root may still build; shared, mutable, never global (one per root)."""

    max_bytes: int = _DEFAULTS.max_value_bytes
    max_instances: int = _DEFAULTS.max_root_instances
    used: int = 0
    instances: int = 0
    #: where a refusal was reported already (a place is reported once, in any world)
    _reported: set[tuple[Any, ...]] = field(default_factory=set)

    def __init__(
        self,
        max_bytes: int = _DEFAULTS.max_value_bytes,
        max_instances: int = _DEFAULTS.max_root_instances,
        used: int = 0,
        instances: int = 0,
        _reported: set[tuple[Any, ...]] = MISSING,
    ) -> None:
        self.max_bytes = max_bytes
        self.max_instances = max_instances
        self.used = used
        self.instances = instances
        self._reported = set() if _reported is MISSING else _reported

    def fits(self, size: int) -> bool:
        return self.used + size <= self.max_bytes

    def take(self, size: int) -> bool:
        """Charge ``size`` bytes; False (and nothing charged) when they do not fit."""
        if self.used + size > self.max_bytes:
            return False
        self.used += size
        return True

    def refuse(self, what: str, size: int, span: Span | None, errors: list[FileError]) -> Unknown:
        """The Unknown standing for a value of ``size`` bytes not built, its error reported."""
        reason = (
            f"{OVER_BUDGET} ({human(self.max_bytes)} per root, {human(self.used)} built "
            f"already): {what} would take {human(size)}, not evaluated"
        )
        self._report(span, reason, errors)
        return Unknown(reason, span)

    def take_instances(self, n: int) -> int:
        """Charge up to ``n`` instances; how many fit (all of them, some, or 0)."""
        room = max(self.max_instances - self.instances, 0)
        granted = min(n, room)
        self.instances += granted
        return granted

    def refuse_instances(
        self, label: str, n: int, granted: int, span: Span | None, errors: list[FileError]
    ) -> None:
        message = (
            f"{label}: {n} more instances would exceed the limit of {self.max_instances} "
            "instances per root, counted over every count, for_each "
            f"and module instance of the root; only {granted} are evaluated"
        )
        self._report(span, message, errors)

    def _report(self, span: Span | None, message: str, errors: list[FileError]) -> None:
        key = (span.path, span.start_line, span.start_column) if span else (message,)
        if key in self._reported:
            return
        self._reported.add(key)
        if span is None:
            errors.append(FileError(".", None, None, message))
        else:
            errors.append(FileError(span.path, span.start_line, span.start_column, message))
