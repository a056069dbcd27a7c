"""Evaluate HCL expressions (``parse.hcl_ast``) into payloads (``graph.values``).

The payload of an expression is plain data (None, bool, int, float, str, list, dict) with the
leaves ``Unknown``, ``Ref``, ``PartialStr`` and ``JsonEncoded`` where something is not a
literal. Names are resolved through a ``Scope`` (provided by the Terraform-semantics layer);
for-expression and template-for variables are bound here and shadow the scope.

``evaluate`` never raises, except ``EvalTimeout`` when ``ctx.deadline`` has passed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from iacguard.graph.values import Hop, Ref, Span
from iacguard.parse.hcl_ast import Expr


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


@dataclass
class EvalContext:
    """Mutable accumulator for one attribute's evaluation.

    ``inputs``, ``hops`` and ``refs`` are filled by the Scope (not by the evaluator).
    ``depth`` counts nested evaluations (templatefile inside templatefile...).
    ``module_dir`` / ``scan_root``: ``file()`` and ``templatefile()`` resolve relative to
    ``module_dir`` and refuse anything outside ``scan_root``.
    """

    inputs: set[str] = field(default_factory=set)
    hops: list[Hop] = field(default_factory=list)
    refs: list[tuple[Ref, Span]] = field(default_factory=list)
    depth: int = 0
    deadline: float = math.inf
    module_dir: str = "."
    scan_root: str = "."


def evaluate(expr: Expr, scope: Scope, ctx: EvalContext) -> Any:
    """The payload of ``expr``; never raises except ``EvalTimeout``."""
    raise NotImplementedError  # filled in by the next commit
