"""Entry points of one group, without importing ``importlib.metadata`` when nothing declares it.

Importing ``importlib.metadata`` (with the ``email``, ``zipfile``, ``csv`` and ``tempfile``
modules it pulls in) costs ~20 ms, a tenth of a pre-commit run, and almost every installation
has no iacguard plugin. So ``entry_points(group)`` first looks, as ``importlib.metadata`` would,
at the ``*.dist-info`` / ``*.egg-info`` directories on ``sys.path`` for an ``entry_points.txt``
naming the group; only when one does (or when the environment holds something this quick look
cannot judge: a zip on ``sys.path``, an extra distribution finder, an egg, an ``*.egg-info``
file) does
it ask ``importlib.metadata``, so the answer is always the one ``importlib.metadata`` gives.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any


def entry_points(group: str) -> list[Any]:
    """The entry points of ``group`` (``importlib.metadata.EntryPoint`` objects)."""
    loaded = sys.modules.get("importlib.metadata")
    if loaded is None and not _maybe_declared(group):
        return []
    from importlib import metadata

    return list(metadata.entry_points(group=group))


def _maybe_declared(group: str) -> bool:
    """False only when no distribution on ``sys.path`` can declare ``group``."""
    from importlib.machinery import PathFinder

    for finder in sys.meta_path:
        if finder is not PathFinder and hasattr(finder, "find_distributions"):
            return True  # a custom source of distributions: let importlib.metadata ask it
    needle = group.encode()
    header = re.compile(rb"^[ \t]*\[[ \t]*" + re.escape(needle) + rb"[ \t]*\]", re.M)
    for entry in sys.path:
        directory = entry or "."
        try:
            entries = list(os.scandir(directory))  # is_dir() from the listing: no stat a name
        except NotADirectoryError:
            return True  # a zip file on sys.path
        except OSError:
            continue
        for found in entries:
            lower = found.name.lower()
            if lower.endswith(".egg"):
                return True  # an egg (its metadata is in EGG-INFO): let importlib.metadata look
            if not lower.endswith((".dist-info", ".egg-info")):
                continue
            if not found.is_dir():
                return True  # an old-style .egg-info file: let importlib.metadata read it
            try:
                with open(os.path.join(found.path, "entry_points.txt"), "rb") as fh:
                    text = fh.read()
            except OSError:
                continue
            if needle in text and header.search(text):
                return True
    return False
