"""Regular expressions compiled on first use, so that importing a module costs nothing for
the patterns a run never applies (compiling is ~50-200 µs a pattern: most of a module's
patterns serve input a small run does not have, such as heredocs, other tools' suppression
comments or configuration files)."""

from __future__ import annotations

import re
from typing import Any, AnyStr

#: what a compiled pattern offers, copied onto the lazy one once it is compiled
_ATTRIBUTES = (
    "match",
    "fullmatch",
    "search",
    "finditer",
    "findall",
    "sub",
    "subn",
    "split",
    "scanner",
    "pattern",
    "flags",
    "groups",
    "groupindex",
)


class LazyPattern:
    """``re.compile(pattern, flags)``, done the first time an attribute is looked up; from then
    on the compiled pattern's methods are this object's own attributes, looked up as fast."""

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:  # only for what __dict__ does not hold yet
        if name.startswith("__"):
            raise AttributeError(name)
        compiled = re.compile(*self._source)
        for attribute in _ATTRIBUTES:
            self.__dict__[attribute] = getattr(compiled, attribute)
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"LazyPattern({self._source[0]!r}, {self._source[1]!r})"


def lazy_compile(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """A pattern compiled when first used, that behaves as ``re.compile(pattern, flags)``."""
    return LazyPattern(pattern, flags)  # type: ignore[return-value]
