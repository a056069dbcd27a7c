"""What applies to one file: the ``per-path`` entries matching it merged into the settings, and
whether the ``exclude`` globs drop it (globs are relative to the configuration's ``root``)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from iacguard.config.model import Config


def _relative_to_root(config: Config, path: str) -> str | None:
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, config.root)
    except ValueError:
        return None
    if rel == ".." or rel.startswith(".." + os.sep):
        return None
    return Path(rel).as_posix()


def effective_for(config: Config, path: str) -> Config:
    """``config`` with the ``per-path`` entries matching ``path`` applied, in order.

    Returns ``config`` itself when none matches. In a matching entry ``select`` replaces,
    ``ignore`` adds, ``min-certainty`` and ``fail-on`` replace, ``rules`` options and
    ``severity`` merge.
    """
    if not config.per_path:
        return config
    rel = _relative_to_root(config, path)
    if rel is None:
        return config
    matching = [p for p in config.per_path if p.matches(rel)]
    if not matching:
        return config
    select = config.select
    ignore = config.ignore
    min_certainty = config.min_certainty
    fail_on = config.fail_on
    options = {k: dict(v) for k, v in config.rule_options.items()}
    severity = dict(config.severity)
    for entry in matching:
        if entry.select is not None:
            select = entry.select
        ignore = ignore + tuple(i for i in entry.ignore if i not in ignore)
        if entry.min_certainty is not None:
            min_certainty = entry.min_certainty
        if entry.fail_on is not None:
            fail_on = entry.fail_on
        for rid, values in entry.rule_options.items():
            options.setdefault(rid, {}).update(values)
        severity.update(entry.severity)
    return replace(
        config,
        select=select,
        ignore=ignore,
        min_certainty=min_certainty,
        fail_on=fail_on,
        rule_options=options,
        severity=severity,
        per_path=(),
    )


def is_excluded(config: Config, path: str) -> bool:
    """Whether ``path`` matches one of the config's ``exclude`` globs."""
    if not config.exclude:
        return False
    rel = _relative_to_root(config, path)
    if rel is None:
        return False
    import pathspec

    return bool(pathspec.GitIgnoreSpec.from_lines(config.exclude).match_file(rel))
