"""Reading a file that a scanned repository or a command line names, without ever blocking:
opened with ``O_NONBLOCK`` (a named pipe cannot stall ``open`` waiting for a writer), checked
to be a regular file on the open descriptor (no race with a swap after a ``stat``), bounded in
size before anything is read. Every file iacguard reads goes through ``read_regular``.

That makes it the one place an *overlay* applies: text that stands in for a file's bytes on
disk (standard input for ``iacguard check - --stdin-filename PATH``, an editor's unsaved
buffers for ``iacguard lsp``). ``overlay({path: bytes})`` installs one for a block: inside it,
``read_regular`` / ``read_head`` of an overlaid path return its text (the file need not exist),
and ``list_dir`` / ``is_file`` list overlaid files beside those on disk. The overlay is a
context variable, not a global: each thread (each language-server run) sees only its own, and
outside the block nothing is overlaid.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

#: absolute, normalised path -> the bytes that stand in for the file (see ``overlay``)
_OVERLAY: ContextVar[Mapping[str, bytes]] = ContextVar(
    "iacguard_overlay", default=MappingProxyType({})
)


def overlay_key(path: str | os.PathLike[str]) -> str:
    """How the overlay names a path: absolute and normalised (``a/../b`` is ``b``)."""
    return os.path.abspath(os.fspath(path))


@contextmanager
def overlay(texts: Mapping[str, bytes | str]) -> Iterator[None]:
    """Within the block, the bytes of each path of ``texts`` (str is encoded as UTF-8) are read
    from there instead of the disk; an empty mapping changes nothing."""
    table = {
        overlay_key(p): t.encode("utf-8") if isinstance(t, str) else t for p, t in texts.items()
    }
    token = _OVERLAY.set(MappingProxyType({**_OVERLAY.get(), **table}))
    try:
        yield
    finally:
        _OVERLAY.reset(token)


def overlaid(path: str | os.PathLike[str]) -> bytes | None:
    """The overlay's bytes for ``path``, or None when it is read from disk."""
    table = _OVERLAY.get()
    return table.get(overlay_key(path)) if table else None


def overlaid_names(directory: str | os.PathLike[str]) -> list[str]:
    """The names of the overlaid files directly in ``directory``."""
    table = _OVERLAY.get()
    if not table:
        return []
    where = overlay_key(directory)
    return [os.path.basename(p) for p in table if os.path.dirname(p) == where]


def list_dir(directory: str | os.PathLike[str]) -> list[str]:
    """``os.listdir`` plus the overlaid files of ``directory`` (which then need not exist on
    disk); raises OSError as ``os.listdir`` does only when nothing is overlaid there."""
    extra = overlaid_names(directory)
    try:
        names = os.listdir(directory)
    except OSError:
        if not extra:
            raise
        names = []
    return sorted(set(names).union(extra))


def is_file(path: str | os.PathLike[str]) -> bool:
    """``os.path.isfile``, true for an overlaid path too."""
    return overlaid(path) is not None or os.path.isfile(path)


class NotRegularFile(OSError):
    """The path is a named pipe, a socket, a device or a directory: never read."""

    def __str__(self) -> str:
        return str(self.strerror)


class FileTooLarge(OSError):
    """The file is larger than the reader allows: not read. ``size`` is what it holds (at
    least that many bytes when it grew while being read)."""

    def __init__(self, size: int, limit: int, path: str) -> None:
        super().__init__(0, f"larger than {limit} bytes", path)
        self.size = size

    def __str__(self) -> str:
        return str(self.strerror)


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words: "a named pipe", "a device"..."""
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def not_regular_message(mode: int) -> str:
    """``"a named pipe, not a regular file"`` and the like."""
    kind = kind_of(mode)
    return kind if kind == "not a regular file" else f"{kind}, not a regular file"


_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_FLAGS |= getattr(os, "O_BINARY", 0)


def open_regular(path: str | os.PathLike[str]) -> tuple[int, os.stat_result]:
    """A descriptor of ``path`` opened for reading and its ``fstat``; raises NotRegularFile
    (closing it) when it is no regular file, OSError when it cannot be opened."""
    fd = os.open(path, _FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(0, not_regular_message(st.st_mode), os.fspath(path))
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def read_regular(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """The bytes of the regular file ``path``: all of them, or with ``limit`` at most that
    many (FileTooLarge when the file is larger). Never blocks on a pipe or a device. An
    overlaid path (``overlay``) is read from the overlay."""
    data = overlaid(path)
    if data is not None:
        if limit is not None and len(data) > limit:
            raise FileTooLarge(len(data), limit, os.fspath(path))
        return data
    fd, st = open_regular(path)
    with os.fdopen(fd, "rb") as fh:
        if limit is None:
            return fh.read()
        if st.st_size > limit:
            raise FileTooLarge(st.st_size, limit, os.fspath(path))
        data = fh.read(limit + 1)  # one byte more: a file that grew since fstat is refused too
        if len(data) > limit:
            raise FileTooLarge(len(data), limit, os.fspath(path))
        return data


def read_head(path: str | os.PathLike[str], limit: int) -> bytes:
    """The first ``limit`` bytes of the regular file ``path`` (for sniffing its kind)."""
    data = overlaid(path)
    if data is not None:
        return data[:limit]
    fd, _ = open_regular(path)
    with os.fdopen(fd, "rb") as fh:
        return fh.read(limit)
