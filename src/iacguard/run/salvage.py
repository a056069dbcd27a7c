"""What is left of a unit whose worker process was killed: ``salvage_killed``.

A worker that dies (the out-of-memory killer, a C library aborting past the address-space cap,
any signal) takes its unit's results with it, and nothing in the dead process can say which
file did it. So the unit is cut smaller, each part run again in a fresh worker: a group of
Terraform modules module by module, a module file by file; the files that kill their worker
alone are left out, the module is evaluated again without them (its other files keep their
findings), and each killing file is a located error. ``pool._isolated`` calls this after the
unit killed a fresh worker of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from iacguard.core.located import FileError
from iacguard.core.records import replace
from iacguard.graph.model import Graph

#: a module of more files than this is not searched file by file (each try is a fresh worker)
MAX_FILES_TRIED = 32

#: runs a unit in a fresh worker: its result, or None when the worker was killed
Fresh = Callable[[Any], Any]


def killed_message(what: str) -> str:
    return f"worker killed (out of memory?) while evaluating {what}: not checked"


def salvage_killed(unit: Any, fresh: Fresh, combine: Callable[[Sequence[Any]], Any]) -> Any:
    """The results of ``unit`` (which killed a fresh worker) that smaller parts still give,
    with an error on each file, module or unit that kills a worker alone. ``combine`` merges
    several parts' results into one (a Graph or a pool.UnitLint)."""
    if unit.kind != "terraform":
        return _errors([FileError(unit.path, None, None, killed_message(unit.path))])
    parts: list[Any] = []
    modules = list(unit.modules)
    for module in modules:
        alone = replace(unit, label=module.directory, modules=(module,))
        outcome = fresh(alone) if len(modules) > 1 else None
        parts.append(outcome if outcome is not None else _module(alone, module, fresh, combine))
    return combine(parts)


def _module(unit: Any, module: Any, fresh: Fresh, combine: Callable[[Sequence[Any]], Any]) -> Any:
    files = list(module.files)
    if len(files) < 2 or len(files) > MAX_FILES_TRIED:
        path = files[0] if len(files) == 1 else module.directory
        return _errors([FileError(path, None, None, killed_message(path))])

    def with_files(chosen: Sequence[str]) -> Any:
        return replace(unit, modules=(replace(module, files=tuple(chosen)),))

    killers = [f for f in files if fresh(with_files([f])) is None]
    if not killers or len(killers) == len(files):
        return _errors([FileError(module.directory, None, None, killed_message(module.directory))])
    rest = fresh(with_files([f for f in files if f not in killers]))
    if rest is None:
        return _errors([FileError(module.directory, None, None, killed_message(module.directory))])
    left_out = "; the module's other files were checked without it"
    errors = [FileError(f, None, None, killed_message(f) + left_out) for f in killers]
    return combine([rest, _errors(errors)])


def _errors(errors: list[FileError]) -> Graph:
    return Graph(errors=tuple(errors))
