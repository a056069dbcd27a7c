"""Small builders for hand-made graphs (no parser involved)."""

from __future__ import annotations

from iacguard.core.spans import Span
from iacguard.core.values import Alternative, Depends, Known, Unknown
from iacguard.graph.model import Graph, Resource


def span(line: int, path: str = "main.tf", col: int = 3) -> Span:
    return Span(path, line, col, line, col + 10)


def res(address, type_, attrs, *, line=1, root="m", language="terraform", spans=None, **kw):
    values = {
        k: v if isinstance(v, (Known, Depends, Unknown)) else Known(v) for k, v in attrs.items()
    }
    path = "main.tf" if language != "cloudformation" else "template.yaml"
    return Resource(
        address,
        type_,
        root,
        span(line, path, 1),
        values,
        language,
        spans={k: span(v, path) for k, v in (spans or {}).items()},
        **kw,
    )


def flag(name: str, default, other) -> Depends:
    """A value decided by one boolean-like input."""
    return Depends(default, frozenset({name}), (Alternative(((name, True),), other),), True)


def graph(*resources) -> Graph:
    return Graph(tuple(resources))
