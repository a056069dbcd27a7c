"""How sure a finding is: judging a three-valued value with a predicate."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from iacguard.core.records import record, replace
from iacguard.core.value_ops import combine, unknown_inputs
from iacguard.core.values import Depends, Known, Unknown, Value


class Certainty(enum.IntEnum):
    """How sure a finding is. Higher is surer; ``--min-certainty`` compares on this order."""

    POSSIBLE = 1
    DEFAULT = 2
    DEFINITE = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Certainty:
        return cls[text.strip().upper()]


@record
class Verdict:
    """A predicate's outcome on a value: how certain, and which inputs decide it."""

    certainty: Certainty
    inputs: frozenset[str] = frozenset()
    #: the assignments (described) under which the predicate does not hold
    avoided_by: tuple[str, ...] = ()
    #: the assignments under which it holds, for ``possible`` verdicts
    triggered_by: tuple[str, ...] = ()

    def __init__(
        self,
        certainty: Certainty,
        inputs: frozenset[str] = frozenset(),
        avoided_by: tuple[str, ...] = (),
        triggered_by: tuple[str, ...] = (),
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "certainty", certainty)
        set_field(self, "inputs", inputs)
        set_field(self, "avoided_by", avoided_by)
        set_field(self, "triggered_by", triggered_by)


#: A predicate on a payload: True means "violates", False "fine", None "cannot tell".
Predicate = Callable[[Any], "bool | None"]


def judge(
    value: Value, predicate: Predicate, *, unknown_is_possible: bool = True
) -> Verdict | None:
    """Decide how certainly ``predicate`` (a violation test) holds for ``value``.

    * Known and the predicate holds: ``definite``.
    * Depends: holds under the defaults and under every listed alternative of a complete
      domain: ``definite``; holds under the defaults only: ``default``; fails under the
      defaults but holds under some alternative (or the domain is open): ``possible``.
    * Unknown: ``possible`` when ``unknown_is_possible`` (the value could be anything), except
      a required input with no default, which the caller must set: no verdict.
    """
    if isinstance(value, Unknown):
        if value.required_input or not unknown_is_possible:
            return None
        return Verdict(Certainty.POSSIBLE, value.inputs)
    if isinstance(value, Known):
        return Verdict(Certainty.DEFINITE) if predicate(value.value) else None
    at_default = predicate(value.default)
    results = [(alt, predicate(alt.value)) for alt in value.alternatives]
    avoided = tuple(alt.describe() for alt, r in results if r is False)
    triggered = tuple(alt.describe() for alt, r in results if r)
    open_ended = not value.complete or any(r is None for _, r in results)
    if at_default:
        if not avoided and not open_ended:
            return Verdict(Certainty.DEFINITE, value.inputs)
        return Verdict(Certainty.DEFAULT, value.inputs, avoided_by=avoided)
    if triggered or (unknown_is_possible and (at_default is None or open_ended)):
        return Verdict(Certainty.POSSIBLE, value.inputs, triggered_by=triggered)
    return None


def weaker(a: Verdict | None, b: Verdict | None) -> Verdict | None:
    """Both must hold (a resource exists *and* its attribute is bad): the weaker certainty."""
    if a is None or b is None:
        return None
    first, second = (a, b) if a.certainty <= b.certainty else (b, a)
    return Verdict(
        first.certainty,
        a.inputs | b.inputs,
        avoided_by=a.avoided_by + b.avoided_by,
        triggered_by=a.triggered_by + b.triggered_by,
    )


def judge_value(value: Value, predicate: Predicate) -> Verdict | None:
    """``judge`` after ``completed``: every rule judges through this. A required input
    with no default is the caller's to set: never a finding."""
    return judge(completed(value), guard(predicate))


def guard(predicate: Predicate) -> Predicate:
    def guarded(payload: Any) -> bool | None:
        if isinstance(payload, Unknown) and payload.required_input:
            return False
        return predicate(payload)

    return guarded


def completed(value: Value) -> Value:
    """A Depends whose open inputs are all represented by an "any value" world (an
    alternative assigning the input an Unknown) or already unknown inside a listed payload
    is complete: a predicate that holds in those worlds holds for every value of them."""
    if not isinstance(value, Depends) or value.complete:
        return value
    covered: set[str] = set()
    for alt in value.alternatives:
        # an "any value" world, or a flipped boolean (its whole domain is listed)
        covered.update(name for name, v in alt.assignment if isinstance(v, (Unknown, bool)))
    covered.update(unknown_inputs(value.default))
    for alt in value.alternatives:
        covered.update(unknown_inputs(alt.value))
    if value.inputs <= covered:
        return replace(value, complete=True)
    return value


def judge_joint(values: list[Value], predicate: Callable[..., bool | None]) -> Verdict | None:
    """``predicate(*payloads)`` judged world by world over several values at once."""

    def joint(payloads: Any) -> bool | None:
        if any(isinstance(p, Unknown) and p.required_input for p in payloads):
            return False
        return predicate(*payloads)

    return judge_value(combine(values), joint)
