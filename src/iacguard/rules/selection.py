"""Rule selection, ruff-like, in one place: for the rules that run (``select_rules``), for the
SUP meta-findings (``is_selected``) and for checking that a ``select`` / ``ignore`` entry names
some rule (``names_a_rule``).

A pattern is a rule id or name (any case), an id prefix (``KMS``, ``BKP00``) or ``ALL``; no
``select`` selects everything; the more specific pattern wins, ``ignore`` winning ties.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, TypeVar

_PREFIX = re.compile(r"[A-Za-z]+[0-9]*")


class _Named(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


R = TypeVar("R", bound=_Named)


def score(rule_id: str, rule_name: str, pattern: str) -> int:
    """How specifically ``pattern`` names the rule (-1: not at all)."""
    p = pattern.strip()
    if not p:
        return -1
    if p.upper() == "ALL":
        return 0
    if p.upper() == rule_id or p.lower() == rule_name:
        return 100
    if rule_id.startswith(p.upper()) and _PREFIX.fullmatch(p):
        return len(p)
    return -1


def is_selected(
    rule_id: str, rule_name: str, select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> bool:
    """Whether ``select`` / ``ignore`` keep the rule."""
    chosen = max((score(rule_id, rule_name, p) for p in select), default=0) if select else 0
    dropped = max((score(rule_id, rule_name, p) for p in ignore), default=-1)
    return chosen >= 0 and chosen > dropped


def select_rules(
    rules: Iterable[R], select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> list[R]:
    """The ``rules`` (anything with ``id`` and ``name``) that ``select`` / ``ignore`` keep."""
    return [r for r in rules if is_selected(r.id, r.name, select, ignore)]


def names_a_rule(pattern: str, rules: Mapping[str, str]) -> bool:
    """Whether a ``select`` / ``ignore`` entry names some rule of ``rules`` (id -> name)."""
    if pattern.strip().upper() == "ALL":
        return True
    return any(score(rid, name, pattern) >= 0 for rid, name in rules.items())
