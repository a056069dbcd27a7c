"""Which units a check must evaluate (issue 12 item 1): a unit none of whose files (nor the
files of the local modules it calls, transitively) holds anything a built-in rule can act on
(``iacguard.discover.quiet_bytes``) is only parsed, for its file errors (``skim_unit``).

With a plugin rule installed (``EvalOptions.observed_types`` is None) every unit is evaluated,
as it is for ``iacguard graph``, which shows the whole graph."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from iacguard.graph.model import Graph

if TYPE_CHECKING:
    from iacguard.core.units import TerraformModule
    from iacguard.discover import Discovery
    from iacguard.evaluate.options import EvalOptions


def quiet_modules(
    found: Discovery,
    group: Sequence[TerraformModule],
    by_dir: Mapping[str, TerraformModule] | None = None,
) -> bool:
    """Whether ``group`` and every local module it calls, transitively, is quiet: each file
    seen by discovery with quiet bytes, each called directory a discovered module, and no
    call leading back to its caller (a module cycle is an error only evaluation reports).
    ``by_dir``: ``found``'s modules by directory, when the caller asks for every group."""
    quiet = found.quiet
    if not quiet:
        return False
    if by_dir is None:
        by_dir = modules_by_directory(found)
    done: set[str] = set()

    def calls(directory: str) -> list[str] | None:
        module = by_dir.get(directory)
        if module is None or any(f not in quiet for f in module.files):
            return None  # outside what discovery saw, or not quiet
        return [c for f in module.files for c in found.local_calls.get(f, ())]

    for start in (m.directory for m in group):
        if start in done:
            continue
        path: set[str] = set()
        stack: list[tuple[str, list[str]]] = []
        first = calls(start)
        if first is None:
            return False
        stack.append((start, first))
        path.add(start)
        while stack:
            directory, todo = stack[-1]
            if not todo:
                stack.pop()
                path.discard(directory)
                done.add(directory)
                continue
            callee = todo.pop()
            if callee in path:
                return False  # a cycle
            if callee in done:
                continue
            more = calls(callee)
            if more is None:
                return False
            stack.append((callee, more))
            path.add(callee)
    return True


def modules_by_directory(found: Discovery) -> dict[str, TerraformModule]:
    return {m.directory: m for m in found.modules}


def skim_unit(
    kind: str, modules: Sequence[TerraformModule], path: str, options: EvalOptions
) -> tuple[Graph, int]:
    """A quiet unit parsed, not evaluated: its file errors (syntax, unreadable files, a
    module's duplicate declarations, tfvars syntax), its roots, and as its resources the
    resource and data blocks its modules declare (count and for_each not expanded). Files are
    skimmed (``evaluate.terraform.skim``, ``parse.cfn_quick``: no syntax tree, no located
    nodes) where that gives the full parsers' errors, and read by them where it cannot."""
    if kind == "template":
        return _skim_template(path, options)
    from iacguard.evaluate.terraform.skim import skim_modules

    errors, declared = skim_modules(modules, options.max_file_size, options.cache_dir)
    graph = Graph(errors=tuple(dict.fromkeys(errors)), roots=tuple(m.directory for m in modules))
    return graph, declared


def _skim_template(path: str, options: EvalOptions) -> tuple[Graph, int]:
    """A quiet template's errors and resource count: from ``parse.cfn_quick``'s outline when
    the located parser would report no error, else from the located parser."""
    from iacguard.evaluate.cloudformation.template import is_template, outline_is_template
    from iacguard.parse.cfn_nodes import MapNode, ParsedDocument
    from iacguard.parse.cfn_quick import quick_outline
    from iacguard.parse.cfn_yaml import load_template_text, read_text

    text, err = read_text(path, options.max_file_size)
    if text is None:
        parsed = ParsedDocument(None, (err,) if err else (), True)
    else:
        outline = quick_outline(text, path, max_depth=options.max_depth)
        if outline is not None:
            if not outline_is_template(outline):
                return Graph(), 0
            return Graph(roots=(path,)), outline.resources or 0
        parsed = load_template_text(text, path, max_depth=options.max_depth)
    root = parsed.root
    if parsed.fatal or root is None or not is_template(root):
        return Graph(errors=parsed.errors, roots=(path,) if parsed.errors else ()), 0
    resources = root.get("Resources")
    count = len(resources.values) if isinstance(resources, MapNode) else 0
    return Graph(errors=tuple(parsed.errors), roots=(path,)), count
