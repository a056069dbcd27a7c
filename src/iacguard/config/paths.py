"""What applies to one file within one configuration: the ``per-path`` entries matching it
merged into the settings, and whether the ``exclude`` globs drop it (globs are relative to the
configuration's ``root``; which configuration applies to a file is ``resolve``'s job)."""

from __future__ import annotations

import os
from pathlib import Path

from iacguard.config.model import Config
from iacguard.core.records import replace


def relative_to(root: str, path: str) -> str | None:
    """``path`` relative to the directory ``root`` (``/`` separators), None when outside."""
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, root)
    except ValueError:
        return None
    if rel == ".." or rel.startswith(".." + os.sep):
        return None
    return Path(rel).as_posix()


def _relative_to_root(config: Config, path: str) -> str | None:
    return relative_to(config.root, path)


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
    """Whether ``path`` matches the config's ``exclude`` globs (relative to its ``root``) or the
    command line's ``--exclude`` / ``--extend-exclude`` (relative to ``cli_root``; ``--exclude``
    replaces ``exclude``). Named paths are not special here (``ConfigResolver.excluded``)."""
    file_globs = config.exclude if config.cli_exclude is None else ()
    cli_globs = (*(config.cli_exclude or ()), *config.cli_extend_exclude)
    if not file_globs and not cli_globs:
        return False
    from iacguard.core.globs import gitignore_spec

    for globs, root in ((file_globs, config.root), (cli_globs, config.cli_root)):
        rel = relative_to(root, path) if globs else None
        if rel is not None and gitignore_spec(globs).match_file(rel):
            return True
    return False
