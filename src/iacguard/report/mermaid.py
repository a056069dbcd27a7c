"""A backup chain (``core.topology.Chain``) as a Mermaid flowchart, for the ``markdown`` format.

Node and edge text comes from scanned files (addresses, names, ARNs): every character but
letters, digits, space and ``. _ - / : ,`` is written as a Mermaid entity code (``#35;``), so a
hostile name can neither end a label, start a new statement, nor become HTML or a Markdown
string; control characters are made visible first. Failing nodes get the ``failing`` class.
"""

from __future__ import annotations

from collections.abc import Sequence

from iacguard.core.topology import Chain
from iacguard.report.terminal import printable

#: the look of each kind of node (Mermaid shapes)
_SHAPES = {
    "plan": ('(["', '"])'),
    "plan_rule": ('["', '"]'),
    "vault": ('[("', '")]'),
    "alias": ('>"', '"]'),
    "key": ('{{"', '"}}'),
    "key_policy": ('[/"', '"/]'),
    "selection": ('[["', '"]]'),
    "source": ('["', '"]'),
}

FAILING_STYLE = "fill:#fde2e2,stroke:#c62828,stroke-width:3px,color:#000"


def text(value: str) -> str:
    """``value`` safe inside a quoted Mermaid label or an edge label."""
    out = []
    for ch in printable(value):
        if ch.isalnum() or ch in " ._-/:,":
            out.append(ch)
        else:
            out.append(f"#{ord(ch)};")
    return "".join(out)


def flowchart(chain: Chain, failing: Sequence[str] = ()) -> str:
    """The chain as ``flowchart LR`` text (no fence), failing nodes marked."""
    lines = ["flowchart LR"]
    for node in chain.nodes:
        opening, closing = _SHAPES.get(node.kind, ('["', '"]'))
        label = text(node.label) + (f"<br/>{text(node.detail)}" if node.detail else "")
        lines.append(f"  {node.id}{opening}{label}{closing}")
    for edge in chain.edges:
        arrow = f" -->|{text(edge.label)}| " if edge.label else " --> "
        lines.append(f"  {edge.source}{arrow}{edge.target}")
    if failing:
        lines.append(f"  classDef failing {FAILING_STYLE}")
        lines.append(f"  class {','.join(failing)} failing")
    return "\n".join(lines) + "\n"
