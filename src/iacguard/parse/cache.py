"""An optional content-hash cache of parsed Terraform files (``--cache``, ``--cache-dir DIR``).

Off unless asked for (iacguard writes no file it was not asked to write): ``--cache`` uses
``$XDG_CACHE_HOME/iacguard`` (else ``~/.cache/iacguard``), ``--cache-dir DIR`` a directory of
your choice, ``--no-cache`` turns both off. Only HCL / ``.tf.json`` parse results are cached:
measured on the bench trees, unpickling a cached HCL syntax tree takes under half the time of
parsing it, while a cached CloudFormation template loads barely faster than parsing it again.
A quiet file a check only skims (``parse.hcl_skim``: tree-sitter's tree walked, not converted)
is neither read from nor written to the cache: skimming it costs less than unpickling it.

``evaluate.terraform.modules.parse_file`` wraps its parse call::

    from iacguard.parse.cache import cached_parse
    tree = cached_parse("hcl", path, data, parse_hcl, cache_dir)

``cache_dir`` None means no cache: ``parse_fn(data, path)`` is called and nothing is written.

The key is the sha256 of the file's bytes, the file's path (parse results carry spans that
name the path), the parser ``kind``, and a *salt*: the iacguard version, the Python version,
and the size and mtime of every module under ``iacguard/parse/`` (so an upgrade, or an edit
of a parser in a development checkout, invalidates every entry). The value is the pickled
parse result (the HCL AST is frozen picklable records, ``core.records``).

Safe under concurrent runs: an entry is written to a temporary file in its directory and
renamed into place (``os.replace`` is atomic), so a reader sees a whole entry or none. A
corrupt, truncated, foreign or unreadable entry is a miss; a failed write is ignored (the
cache is an optimisation, never a reason for a run to fail). The directory is created with
mode 0700, and since entries are pickles an entry is only read when it is a regular file owned
by the user running iacguard and not writable by group or others (anything else is a miss).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from iacguard.core.files import open_regular

T = TypeVar("T")

#: bump when the layout of an entry changes
FORMAT = 3  # 2: the syntax types moved to iacguard.core; 3: HclFile keeps no comments
_MAGIC = b"iacguard-parse-cache\n"


def default_cache_dir() -> str:
    """``$XDG_CACHE_HOME/iacguard``, else ``~/.cache/iacguard``."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not base or not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "iacguard")


def resolve_cache_dir(cache_dir: str | None, use_cache: bool | None) -> str | None:
    """The directory the run caches in, or None when caching is off: ``use_cache`` False is
    off, a ``cache_dir`` is on there, ``use_cache`` True is on in the default directory, and
    neither is off."""
    if use_cache is False:
        return None
    if cache_dir:
        return os.path.abspath(cache_dir)
    return default_cache_dir() if use_cache else None


@lru_cache(maxsize=1)
def _salt() -> str:
    """What invalidates every entry: tool version, Python, and the parser sources' stat."""
    from iacguard import __version__

    parts = [f"format={FORMAT}", f"iacguard={__version__}", f"python={sys.version_info[:2]}"]
    parse_dir = Path(__file__).resolve().parent
    try:
        names = sorted(n for n in os.listdir(parse_dir) if n.endswith(".py"))
    except OSError:
        names = []
    for name in names:
        try:
            st = os.stat(parse_dir / name)
        except OSError:
            continue
        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def entry_key(kind: str, path: str, data: bytes) -> str:
    """The hex key of the entry for ``data`` parsed as ``kind`` from ``path``."""
    import hashlib  # lazily: loading OpenSSL costs tens of ms at start-up

    h = hashlib.sha256()
    for part in (_salt(), kind, path):
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


def _entry_path(cache_dir: str, kind: str, key: str) -> str:
    safe_kind = "".join(c if c.isalnum() or c in "-_" else "_" for c in kind) or "x"
    return os.path.join(cache_dir, f"parse-v{FORMAT}", safe_kind, key[:2], key[2:] + ".pickle")


def load(cache_dir: str, kind: str, path: str, data: bytes) -> Any | None:
    """The cached parse result, or None (a miss: absent, corrupt, foreign or unreadable)."""
    import gc
    import pickle
    import stat

    key = entry_key(kind, path, data)
    try:
        fd, st = open_regular(_entry_path(cache_dir, kind, key))  # a planted FIFO: never waits
        with os.fdopen(fd, "rb") as fh:
            if not _trusted(st):
                return None
            blob = fh.read()
    except OSError:
        return None
    if not blob.startswith(_MAGIC) or not stat.S_ISREG(st.st_mode):
        return None
    # a syntax tree is many small acyclic objects: the cyclic GC would only slow loading down
    collecting = gc.isenabled()
    gc.disable()
    try:
        stored_key, value = pickle.loads(memoryview(blob)[len(_MAGIC) :])
    except Exception:  # noqa: BLE001 - any damage to an entry is a miss
        return None
    finally:
        if collecting:
            gc.enable()
    return value if stored_key == key else None


def _trusted(st: os.stat_result) -> bool:
    """An entry another user could have written is never unpickled."""
    import stat

    getuid = getattr(os, "getuid", None)
    if getuid is not None and st.st_uid != getuid():
        return False
    return stat.S_ISREG(st.st_mode) and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def store(cache_dir: str, kind: str, path: str, data: bytes, value: Any) -> bool:
    """Write the entry atomically; False (and nothing left behind) when it cannot be written."""
    import pickle

    from iacguard.core.atomic import replace_atomically

    key = entry_key(kind, path, data)
    target = _entry_path(cache_dir, kind, key)
    try:
        blob = _MAGIC + pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
        os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
        # a cache entry need not survive a crash: no fsync (a torn entry fails its key check)
        return replace_atomically(
            target, lambda fh: fh.write(blob), prefix=".tmp-", suffix="", sync=False
        )
    except Exception:  # noqa: BLE001 - unpicklable value, read-only or full disk: no cache
        return False


def cached_parse(
    kind: str,
    path: str,
    data: bytes,
    parse_fn: Callable[[bytes, str], T],
    cache_dir: str | None,
) -> T:
    """``parse_fn(data, path)``, through the cache when ``cache_dir`` is set.

    ``parse_fn`` must be deterministic in ``(data, path)`` and never raise (parse errors are
    part of its result, so they are cached and reported again on the next run).
    """
    if cache_dir is None:
        return parse_fn(data, path)
    hit = load(cache_dir, kind, path, data)
    if hit is not None:
        return hit
    value = parse_fn(data, path)
    store(cache_dir, kind, path, data, value)
    return value
