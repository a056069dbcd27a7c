"""Graphs and lint results across the worker process boundary, pickled compactly (the parent
loads them with ``pickle.loads``). Imported by workers only: a serial run never pickles."""

from __future__ import annotations

import io
import pickle

from iacguard.core import records
from iacguard.graph.model import Graph


class _Pickler(pickle.Pickler):
    """Pickles iacguard's records as ``cls(*fields)``: the default for slotted
    frozen records sets each field through a Python-level ``__setstate__`` loop, about 20%
    slower to load, and result transfer is the serial part of a parallel run."""

    def __init__(self, file: io.BytesIO, table: dict[type, tuple[str, ...] | None]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._table = table

    def reducer_override(self, obj: object) -> object:
        cls = type(obj)
        names = self._table.get(cls, ())
        if names == ():
            names = self._table[cls] = _init_fields(cls)
        if names is None:
            return NotImplemented
        return cls, tuple(getattr(obj, n) for n in names)


def _init_fields(cls: type) -> tuple[str, ...] | None:
    """The fields ``cls(*values)`` rebuilds an instance from, or None (default pickling)."""
    if not records.is_record(cls) or not cls.__module__.startswith("iacguard."):
        return None
    fields = records.fields(cls)
    # Graph._index is derived (rebuilt by __post_init__), never shipped
    return tuple(f.name for f in fields if not (cls is Graph and f.name == "_index"))


def dumps(obj: object) -> bytes:
    buf = io.BytesIO()
    _Pickler(buf, {}).dump(obj)
    return buf.getvalue()
