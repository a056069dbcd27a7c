"""Small builders for hand-made graphs (no parser involved), and running one rule on them."""

from __future__ import annotations

from functools import cache

from iacguard.core.spans import Span
from iacguard.core.values import Alternative, Depends, JsonEncoded, Known, Unknown
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


#: a key policy statement that gives AWS Backup (the service principal) every KMS action
GRANT = JsonEncoded(
    {
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "kms:*"}
        ]
    }
)


def good_key(address="aws_kms_key.k", **kw) -> Resource:
    """A key no KMS rule flags: rotation on, a policy granting AWS Backup."""
    attrs = {"enable_key_rotation": True, "policy": GRANT}
    attrs.update(kw.pop("attrs", {}))
    return res(address, "aws_kms_key", attrs, **kw)


@cache
def _rules():
    from iacguard.rules.registry import all_rules

    return all_rules()


def run(g: Graph, rule_id: str, options=None):
    """The findings of one rule (by id) on ``g``, with ``options`` for it."""
    from iacguard.rules.registry import run_rules
    from iacguard.rules.selection import select_rules

    rules = select_rules(_rules(), [rule_id])
    return run_rules(g, rules, {rule_id: options} if options else {})
