"""The library entry points: ``build_graph`` and ``check``.

Everything the command line does goes through here; nothing here prints.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from iacguard.discover import Discovery, discover
from iacguard.graph.model import FileError, Graph
from iacguard.graph.options import EvalOptions


def evaluate(found: Discovery, options: EvalOptions) -> Graph:
    """Evaluate every discovered unit into one graph; a failing unit becomes an error."""
    graphs: list[Graph] = [Graph(errors=tuple(found.errors), notes=tuple(found.notes))]
    if found.modules:
        from iacguard.graph.terraform import evaluate_modules

        graphs.append(_guarded("terraform modules", lambda: evaluate_modules(found.modules, options)))
    if found.templates:
        from iacguard.graph.cloudformation import evaluate_template

        for path in found.templates:
            graphs.append(_guarded(path, lambda p=path: evaluate_template(p, options)))
    if found.plans:
        from iacguard.graph.plan import evaluate_plan

        for path in found.plans:
            graphs.append(_guarded(path, lambda p=path: evaluate_plan(p, options)))
    return Graph.merge(graphs)


def _guarded(where: str, work) -> Graph:
    """Run one unit's evaluation; an exception is a bug, reported as a located error."""
    try:
        return work()
    except RecursionError:
        return Graph(errors=(FileError(where, None, None, "nesting too deep to evaluate"),))
    except Exception as exc:  # noqa: BLE001 - a bug in one unit must not lose the others
        return Graph(
            errors=(FileError(where, None, None, f"internal error while evaluating: {type(exc).__name__}: {exc}"),)
        )


def build_graph(
    paths: Sequence[str | os.PathLike[str]] = (),
    *,
    var_files: Sequence[str] = (),
    options: EvalOptions | None = None,
) -> Graph:
    """Discover and evaluate ``paths`` into one resource graph."""
    found = discover(paths, var_files=var_files)
    if options is None:
        options = EvalOptions(scan_root=_scan_root(paths))
    return evaluate(found, options)


def _scan_root(paths: Sequence[str | os.PathLike[str]]) -> str:
    """The common directory of the scanned paths: file() may not read above it."""
    dirs = [Path(p).resolve() if Path(p).is_dir() else Path(p).resolve().parent for p in paths or ["."]]
    return os.path.commonpath([str(d) for d in dirs])
