"""Bounds and switches for evaluation, shared by every language."""

from __future__ import annotations

from collections.abc import Mapping

from iacguard.core.records import record


@record
class EvalOptions:
    #: ``file()`` / ``templatefile()`` never read outside this directory (absolute path)
    scan_root: str = "."
    max_file_size: int = 20 * 1024 * 1024
    #: deepest expression / YAML / JSON nesting accepted before a located error
    max_depth: int = 200
    #: most instances one ``count`` / ``for_each`` may expand to
    max_instances: int = 1000
    #: bytes of values one Terraform root may build (strings, lists, maps, generated blocks)
    #: before a value is refused: an Unknown and a located error at its expression
    max_value_bytes: int = 256 * 1024 * 1024
    #: most instances one Terraform root may expand to, over all its count / for_each and
    #: module instances together (``max_instances`` bounds each block)
    max_root_instances: int = 10_000
    #: wall-clock seconds one file (template) or module may take to evaluate
    time_budget: float = 20.0
    #: most alternative input assignments explored per root
    max_alternatives: int = 64
    #: parse cache directory (iacguard.parse.cache); None: no cache, nothing written
    cache_dir: str | None = None
    #: the resource types (data sources as ``data.<type>``) whose values are read after
    #: evaluation, by the rules of a check (``graph.facts.RULE_TYPES``); None: every type (the
    #: graph itself is the output). A Terraform resource of another type is still expanded and
    #: its attributes evaluated where it exists (so its instances, errors and notes are the
    #: same, except a note only another world would reach: a data source read in the branch of
    #: a conditional the defaults do not take), but not again in the alternative worlds of the
    #: inputs they read: nobody reads those values
    observed_types: frozenset[str] | None = None
    #: of a resource of an observed type, the top-level attributes (and block types) read
    #: after evaluation, by type as in ``observed_types`` (``graph.facts.RULE_ATTRIBUTES``);
    #: None, or a type not in it: every attribute. Another attribute is evaluated in the
    #: world where its instance exists (its errors, notes, spans and references there are
    #: the same), but not again in the alternative worlds of the inputs it read (so, as for
    #: a type not observed, a note only another world would reach is not made)
    observed_attributes: Mapping[str, frozenset[str]] | None = None
