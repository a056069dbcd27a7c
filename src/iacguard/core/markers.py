"""What in a file's bytes a built-in rule can act on, read without parsing: the markers
discovery uses to find *quiet* files (``run.relevance``: parsed for their errors, not
evaluated) and the local module directories a Terraform file calls."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from iacguard.core.lazyre import lazy_compile

#: the prefixes of every resource type a built-in rule starts from (a key, a vault, a plan, a
#: selection: ``graph.facts.ANCHOR_KINDS``; tests/run/test_relevance.py checks the cover). The
#: other types rules read (sources, roles, policy documents, data keys) matter only beside one
ANCHOR_PREFIXES = (b"aws_kms_", b"aws_backup_", b"AWS::KMS::", b"AWS::Backup::")
#: what else makes a file's bytes worth evaluating: a suppression directive (any spelling of
#: ``iacguard``: its unused-directive finding), an escape that could spell a type name, a
#: remote module call (its installed copy may hold backup code; the "not fetched" note)
_ESCAPE = lazy_compile(rb"\\[uUx]")


def _anchored(data: bytes) -> bool:
    """Whether ``data`` holds a type name a rule starts from (``bytes.find`` per literal: a
    quarter of what one alternation of them costs ``re`` on the realistic 1m tree)."""
    return any(prefix in data for prefix in ANCHOR_PREFIXES)


#: these three are searched for at a word boundary (``_at_word``): as ``\bmodule...`` they
#: cost ``re`` five times as much (no literal prefix to skip ahead to)
_MODULE_HEADER = lazy_compile(rb"""module\s+"[^"]*"\s*\{""")
#: a module block's source (its first ``source =``: nested blocks of a call hold none)
_SOURCE = lazy_compile(rb"""source\s*=\s*"([^"]*)\"""")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _at_word(pattern: re.Pattern[bytes], data: bytes, pos: int = 0) -> Iterator[re.Match[bytes]]:
    """The matches ``finditer`` of ``\b`` + ``pattern`` would give (``pattern`` starts with a
    word character): each match not preceded by a word byte, searched on from its end."""
    search = pattern.search
    while True:
        m = search(data, pos)
        if m is None:
            return
        start = m.start()
        if start and data[start - 1] in _WORD_BYTES:
            pos = start + 1
            continue
        yield m
        pos = m.end()


def quiet_bytes(data: bytes, *, terraform: bool) -> bool:
    """Whether a file's bytes hold nothing a built-in rule can act on: no type name a rule
    starts from, no suppression directive, no escape, and (Terraform) no module call that is
    not local (a ``required_providers`` source is not a call). A JSON Terraform file with a
    ``module`` key is never quiet (its calls are not read from the bytes)."""
    if _anchored(data) or b"iacguard" in data.lower() or (b"\\" in data and _ESCAPE.search(data)):
        return False
    if not terraform or b"module" not in data:
        return True
    if b'"module"' in data:
        return False
    for header in _at_word(_MODULE_HEADER, data):
        source = next(_at_word(_SOURCE, data, header.end()), None)
        if source is None or not source.group(1).startswith((b"./", b"../")):
            return False
    return True


_LOCAL_SOURCE = lazy_compile(rb"""source\s*=\s*"(\.\.?/[^"]*)\"""")


def calls_in(data: bytes, directory: str) -> tuple[str, ...]:
    """Directories (normalised, as discover writes them) a file of ``directory`` calls as
    local modules."""
    if b"source" not in data:
        return ()
    out: dict[str, None] = {}
    for m in _at_word(_LOCAL_SOURCE, data):
        source = m.group(1).decode("utf-8", "replace")
        out[os.path.normpath(os.path.join(directory, source)).replace(os.sep, "/")] = None
    return tuple(out)
