"""A backup chain (``core.topology.Chain``) drawn as inline SVG, for the ``html`` format.

A small layered layout, deterministic and without JavaScript: each node's column is the length
of the longest edge path that reaches it (chains are small DAGs; an edge that would close a
cycle is ignored for ranking), columns go left to right, nodes within a column keep the order
they were reached in, then are moved once toward the average row of their predecessors (fewer
crossings). Boxes are fixed-width with the text wrapped; edges are curves from the right side
of a box to the left side of the next (the edges of one side spread over it), labelled in the
middle. Every text is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from iacguard.core.topology import Chain, ChainNode
from iacguard.report.terminal import printable

BOX_WIDTH = 190
COLUMN_GAP = 112
ROW_GAP = 18
LINE_HEIGHT = 15
PADDING = 8
#: characters per wrapped line of a box's detail (12px sans-serif in BOX_WIDTH), and of its
#: label (bold)
WRAP = 25
LABEL_WRAP = 22
MAX_LINES = 5
#: characters of an edge label (11px, in COLUMN_GAP)
EDGE_WRAP = 18
#: where a word too long for a line is best broken (after these)
_BREAKS = "./:-,"
MARGIN = 12

#: fill and stroke per kind of node
_COLORS = {
    "plan": ("#e3f2fd", "#1565c0"),
    "plan_rule": ("#e8eaf6", "#3949ab"),
    "vault": ("#e0f2f1", "#00695c"),
    "alias": ("#f3e5f5", "#6a1b9a"),
    "key": ("#fff8e1", "#ff8f00"),
    "key_policy": ("#f1f8e9", "#558b2f"),
    "selection": ("#eceff1", "#455a64"),
    "source": ("#fafafa", "#616161"),
}
FAILING = ("#fde2e2", "#c62828")


def wrap(text: str, width: int = WRAP, limit: int = MAX_LINES) -> list[str]:
    """``text`` in lines of at most ``width`` characters (long words are cut), at most
    ``limit`` lines (the last ends with an ellipsis when text was left out)."""
    words = printable(text).split()
    lines: list[str] = []
    current = ""
    for word in words:
        while len(word) > width:
            room = width - len(current) - 1 if current else width
            cut = max((i + 1 for i, ch in enumerate(word[:room]) if ch in _BREAKS), default=0)
            if cut < 4:  # no good break in what fits on this line: start a new one
                if current:
                    lines.append(current)
                    current = ""
                    continue
                cut = max((i + 1 for i, ch in enumerate(word[:width]) if ch in _BREAKS), default=0)
                cut = cut if cut >= 4 else width
            head, word = word[:cut], word[cut:]
            lines.append(f"{current} {head}" if current else head)
            current = ""
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > limit:
        lines = lines[:limit]
        lines[-1] = lines[-1][: width - 1] + "…"
    return lines


def _columns(chain: Chain) -> dict[str, int]:
    """Each node's column: the longest path of edges reaching it."""
    ids = [n.id for n in chain.nodes]
    order = {n: i for i, n in enumerate(ids)}
    incoming: dict[str, list[str]] = {n: [] for n in ids}
    for e in chain.edges:
        if e.source in order and e.target in order and e.source != e.target:
            incoming[e.target].append(e.source)
    column: dict[str, int] = {}
    visiting: set[str] = set()

    def rank(node: str) -> int:
        if node in column:
            return column[node]
        visiting.add(node)
        best = 0
        for source in incoming[node]:
            if source not in visiting:  # an edge closing a cycle does not rank
                best = max(best, rank(source) + 1)
        visiting.discard(node)
        column[node] = best
        return best

    for node in ids:
        rank(node)
    return column


def layout(chain: Chain) -> tuple[dict[str, tuple[float, float, float, float]], float, float]:
    """Each node's box (x, y, width, height) and the drawing's width and height."""
    column = _columns(chain)
    nodes = {n.id: n for n in chain.nodes}
    by_column: dict[int, list[str]] = {}
    for n in chain.nodes:
        by_column.setdefault(column[n.id], []).append(n.id)
    heights = {i: _height(n) for i, n in nodes.items()}
    predecessors: dict[str, list[str]] = {i: [] for i in nodes}
    for e in chain.edges:
        if e.source in nodes and e.target in nodes:
            predecessors[e.target].append(e.source)
    boxes: dict[str, tuple[float, float, float, float]] = {}
    position: dict[str, float] = {}
    total_height = 0.0
    for c in sorted(by_column):
        members = by_column[c]
        if c > 0:  # toward the average place of what points at them (stable for ties)
            members = sorted(
                members,
                key=lambda i: (
                    _mean([position[p] for p in predecessors[i] if p in position])
                    if any(p in position for p in predecessors[i])
                    else float("inf"),
                ),
            )
        y = float(MARGIN)
        for rank, i in enumerate(members):
            position[i] = rank
            x = MARGIN + c * (BOX_WIDTH + COLUMN_GAP)
            boxes[i] = (float(x), y, float(BOX_WIDTH), heights[i])
            y += heights[i] + ROW_GAP
        total_height = max(total_height, y - ROW_GAP + MARGIN)
    columns = (max(by_column) + 1) if by_column else 0
    width = 2 * MARGIN + columns * BOX_WIDTH + max(columns - 1, 0) * COLUMN_GAP
    return boxes, float(width), total_height


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _lines(node: ChainNode) -> tuple[list[str], list[str]]:
    label = wrap(node.label, width=LABEL_WRAP, limit=3)
    return label, wrap(node.detail, limit=MAX_LINES) if node.detail else []


def _height(node: ChainNode) -> float:
    label, detail = _lines(node)
    return 2 * PADDING + LINE_HEIGHT * (len(label) + len(detail))


def _ports(
    chain: Chain, boxes: dict[str, tuple[float, float, float, float]]
) -> dict[int, tuple[float, float]]:
    """Where each forward edge leaves its source and enters its target (y): the edges of a
    side spread over it in the order of the boxes at their other end, so fanning edges and
    their labels do not start from one point."""
    out_of: dict[str, list[int]] = {}
    into: dict[str, list[int]] = {}
    for i, e in enumerate(chain.edges):
        if e.source in boxes and e.target in boxes and boxes[e.target][0] > boxes[e.source][0]:
            out_of.setdefault(e.source, []).append(i)
            into.setdefault(e.target, []).append(i)
    ports: dict[int, list[float]] = {}

    def spread(owner: str, edges: list[int], other: Callable[[int], str], slot: int) -> None:
        _x, y, _w, h = boxes[owner]
        edges = sorted(edges, key=lambda i: (boxes[other(i)][1], i))
        for k, i in enumerate(edges):
            ports.setdefault(i, [0.0, 0.0])[slot] = y + h * (k + 1) / (len(edges) + 1)

    for owner, edges in out_of.items():
        spread(owner, edges, lambda i: chain.edges[i].target, 0)
    for owner, edges in into.items():
        spread(owner, edges, lambda i: chain.edges[i].source, 1)
    return {i: (a, b) for i, (a, b) in ports.items()}


def render_svg(
    chain: Chain, failing: Sequence[str] = (), title: str = "", ident: str = "chain"
) -> str:
    """The chain as one ``<svg>`` element (no external reference, no script); ``ident`` makes
    its ids unique in the page."""
    boxes, width, height = layout(chain)
    bad = set(failing)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chain" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="{escape(title)}">',
        f'<defs><marker id="{ident}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#546e7a"/></marker></defs>',
    ]
    ports = _ports(chain, boxes)
    for n, e in enumerate(chain.edges):
        if e.source not in boxes or e.target not in boxes:
            continue
        sx, sy, sw, sh = boxes[e.source]
        tx, ty, _tw, th = boxes[e.target]
        y1, y2 = ports.get(n, (sy + sh / 2, ty + th / 2))
        x1, x2 = sx + sw, tx
        if x2 <= x1:  # same column or backwards (a cycle): loop around below
            x1, x2 = sx + sw / 2, tx + _tw / 2
            y1, y2 = sy + sh, ty + th
            mid = max(y1, y2) + ROW_GAP
            path = (
                f"M {x1:.1f} {y1:.1f} C {x1:.1f} {mid:.1f}, {x2:.1f} {mid:.1f}, {x2:.1f} {y2:.1f}"
            )
        else:
            bend = (x2 - x1) / 2
            path = (
                f"M {x1:.1f} {y1:.1f} C {x1 + bend:.1f} {y1:.1f}, {x2 - bend:.1f} {y2:.1f}, "
                f"{x2:.1f} {y2:.1f}"
            )
        out.append(
            f'<path d="{path}" fill="none" stroke="#546e7a" stroke-width="1.4" '
            f'marker-end="url(#{ident}-arrow)"/>'
        )
        if e.label:
            lx, ly = (x1 + x2) / 2, (y1 + y2) / 2 - 4
            text = escape(wrap(e.label, width=EDGE_WRAP, limit=1)[0])
            out.append(
                f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle" class="edge">{text}</text>'
            )
    for node in chain.nodes:
        x, y, w, h = boxes[node.id]
        fill, stroke = FAILING if node.id in bad else _COLORS.get(node.kind, _COLORS["source"])
        thick = 3 if node.id in bad else 1.5
        cls = "node failing" if node.id in bad else "node"
        where = f"{node.span.path}:{node.span.start_line}" if node.span is not None else ""
        tip = escape(printable(f"{node.label} ({node.detail})" + (f" at {where}" if where else "")))
        out.append(f'<g class="{cls}" data-kind="{escape(node.kind)}"><title>{tip}</title>')
        out.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="6" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{thick}"/>'
        )
        label, detail = _lines(node)
        line_y = y + PADDING + LINE_HEIGHT - 3
        for text in label:
            out.append(
                f'<text x="{x + PADDING:.1f}" y="{line_y:.1f}" class="label">{escape(text)}</text>'
            )
            line_y += LINE_HEIGHT
        for text in detail:
            out.append(
                f'<text x="{x + PADDING:.1f}" y="{line_y:.1f}" class="detail">{escape(text)}</text>'
            )
            line_y += LINE_HEIGHT
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
