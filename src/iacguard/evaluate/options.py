"""Bounds and switches for evaluation, shared by every language."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EvalOptions:
    #: ``file()`` / ``templatefile()`` never read outside this directory (absolute path)
    scan_root: str = "."
    max_file_size: int = 20 * 1024 * 1024
    #: deepest expression / YAML / JSON nesting accepted before a located error
    max_depth: int = 200
    #: most instances one ``count`` / ``for_each`` may expand to
    max_instances: int = 1000
    #: wall-clock seconds one file (template) or module may take to evaluate
    time_budget: float = 20.0
    #: most alternative input assignments explored per root
    max_alternatives: int = 64
    #: parse cache directory (iacguard.parse.cache); None: no cache, nothing written
    cache_dir: str | None = None
