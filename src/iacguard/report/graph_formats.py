"""``iacguard graph`` output: JSON (the contract), Graphviz dot and Mermaid."""

from __future__ import annotations

import json
import re

from iacguard.graph.model import Graph


def render_graph(graph: Graph, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(graph.to_json(), indent=2, sort_keys=False) + "\n"
    if fmt == "dot":
        return _dot(graph)
    if fmt == "mermaid":
        return _mermaid(graph)
    raise ValueError(f"unknown graph format {fmt!r}")


def _node_id(root: str, address: str) -> str:
    return f"{root}::{address}"


def _dot(graph: Graph) -> str:
    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["digraph iacguard {", "  rankdir=LR;", "  node [shape=box, fontname=monospace];"]
    roots: dict[str, list[str]] = {}
    for r in graph.resources:
        roots.setdefault(r.root, []).append(
            f"    {q(_node_id(r.root, r.address))} [label={q(r.address + chr(10) + r.type)}];"
        )
    for i, (root, nodes) in enumerate(sorted(roots.items())):
        lines.append(f"  subgraph cluster_{i} {{")
        lines.append(f"    label={q(root)};")
        lines.extend(nodes)
        lines.append("  }")
    for e in graph.edges:
        label = e.source_attribute + (f" -> {e.target_attribute}" if e.target_attribute else "")
        source, target = q(_node_id(e.root, e.source)), q(_node_id(e.root, e.target))
        lines.append(f"  {source} -> {target} [label={q(label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid(graph: Graph) -> str:
    ids: dict[tuple[str, str], str] = {}

    def mid(root: str, address: str) -> str:
        key = (root, address)
        if key not in ids:
            ids[key] = f"n{len(ids)}"
        return ids[key]

    def label(text: str) -> str:
        return re.sub(r'["\[\]{}()<>]', lambda m: f"#{ord(m.group(0))};", text)

    lines = ["flowchart LR"]
    for r in graph.resources:
        lines.append(f'  {mid(r.root, r.address)}["{label(r.address)}<br/>{label(r.type)}"]')
    for e in graph.edges:
        source, target = mid(e.root, e.source), mid(e.root, e.target)
        lines.append(f"  {source} -->|{label(e.source_attribute)}| {target}")
    return "\n".join(lines) + "\n"
