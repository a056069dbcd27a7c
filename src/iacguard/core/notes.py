"""Notes by kind: what evaluation could not see, counted so that no output looks clean when
part of the input was not evaluated.

A note is a ``Located`` message. The Terraform evaluator writes the remote-module and
data-source notes with the functions below, and ``note_kind`` recognises them by the same
phrases, so the two cannot drift; discovery's notes on files it leaves out have no location and
end with ``, skipped`` or ``: not checked``.
"""

from __future__ import annotations

from collections.abc import Iterable

from iacguard.core.located import Located

#: a module call whose source is remote (registry, git, ...): nothing inside it is checked
REMOTE_MODULE = "remote-module"
#: a data source attribute: the provider reads it at plan time
DATA_SOURCE = "data-source"
#: a file discovery left out (a symlink loop, a link out of the tree, a FIFO, ...)
SKIPPED = "skipped"
#: any other value that could not be evaluated (an unset input, a cycle, a macro, ...)
OTHER = "other"
#: the kinds, in the order outputs list them
KINDS = (REMOTE_MODULE, DATA_SOURCE, SKIPPED, OTHER)

_REMOTE_MODULE_TAIL = " is not fetched; its outputs and resources are unknown"
_DATA_SOURCE_TAIL = " is read from the provider at plan time; unknown here"
_SKIPPED_TAILS = (", skipped", ": not checked")


def remote_module_note(call: str, source: str) -> str:
    """``module.NAME: remote module SOURCE is not fetched; ...`` (kind ``remote-module``)."""
    return f"module.{call}: remote module {source}{_REMOTE_MODULE_TAIL}"


def data_source_note(address: str, attribute: str) -> str:
    """``data.T.N: ATTR is read from the provider at plan time; ...`` (kind ``data-source``)."""
    return f"{address}: {attribute}{_DATA_SOURCE_TAIL}"


def note_kind(note: Located) -> str:
    """The kind of a note (one of ``KINDS``)."""
    message = note.message
    if message.endswith(_REMOTE_MODULE_TAIL) and ": remote module " in message:
        return REMOTE_MODULE
    if message.endswith(_DATA_SOURCE_TAIL):
        return DATA_SOURCE
    if note.span is None and message.endswith(_SKIPPED_TAILS):
        return SKIPPED
    return OTHER


def count_by_kind(notes: Iterable[Located]) -> dict[str, int]:
    """How many notes of each kind, in ``KINDS`` order, kinds with none left out."""
    counts = dict.fromkeys(KINDS, 0)
    for note in notes:
        counts[note_kind(note)] += 1
    return {kind: n for kind, n in counts.items() if n}
