"""Which configuration file applies to a path (like ruff): from the path upwards, the nearest
directory holding a ``.iacguard.toml`` (top-level keys) or a ``pyproject.toml`` with a
``[tool.iacguard]`` table wins; in one directory ``.iacguard.toml`` beats ``pyproject.toml``.
(``iacguard.config.resolve`` asks this for every checked file's directory.)"""

from __future__ import annotations

import os
import re
from pathlib import Path

from iacguard.core.files import read_regular
from iacguard.core.lazyre import lazy_compile

CONFIG_FILE = ".iacguard.toml"
PYPROJECT = "pyproject.toml"


def find_config(start: str | os.PathLike[str]) -> Path | None:
    """The nearest configuration file at or above ``start`` (a file or directory)."""
    here = Path(start).absolute()
    try:
        is_dir = here.is_dir()
    except OSError:  # in a directory that is not searchable: look from that directory up
        is_dir = False
    if not is_dir:
        here = here.parent
    for directory in (here, *here.parents):
        found = config_in(directory)
        if found is not None:
            return found
    return None


def config_in(directory: Path) -> Path | None:
    """The configuration file of ``directory`` itself, if it has one."""
    candidate = directory / CONFIG_FILE
    if _is_file(candidate):
        return candidate
    candidate = directory / PYPROJECT
    if _is_file(candidate) and _has_tool_table(candidate):
        return candidate
    return None


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file; False when it cannot be looked at (a directory that is not
    searchable: discovery reports that directory, the run goes on)."""
    try:
        return path.is_file()
    except OSError:
        return False


_TOOL_HEADER = lazy_compile(r"^\s*\[\[?\s*tool\s*\.\s*iacguard\s*[.\]]", re.M)
_TOOL_DOTTED = lazy_compile(r"^\s*tool\s*\.\s*iacguard\s*[.=]", re.M)
#: what can spell tool.iacguard other than the two patterns above: `[tool]` (then a key
#: `iacguard`), a top-level `tool = {...}`, `tool` or `iacguard` as a quoted key, escapes
#: in quoted keys ("iacguard" as a value, a dependency or a project name, is none of these)
_EXOTIC = lazy_compile(
    r"""^\s*\[\s*tool\s*\]|^\s*tool\s*=|["']tool["']\s*[.=\]]"""
    r"""|\.\s*["']iacguard["']|["']iacguard["']\s*[.=]|\\[uU]""",
    re.M,
)


def _has_tool_table(path: Path) -> bool:
    try:
        text = read_regular(path).decode("utf-8", errors="replace")
    except OSError:
        return False
    if "iacguard" not in text:
        return False
    if _TOOL_HEADER.search(text) or _TOOL_DOTTED.search(text):
        return True
    if not _EXOTIC.search(text):
        # "iacguard" is only named elsewhere (a dependency, a script): without a bare [tool]
        # table, a top-level `tool =` key, a quoted key or an escape, no spelling of
        # tool.iacguard is left that the two patterns above miss, so skip the TOML parse
        return False
    # anything more exotic (inline tables, quoted keys): let the TOML parser decide
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        data = tomllib.loads(text)
    except Exception:  # noqa: BLE001 - a broken pyproject.toml that is not ours: not a config
        return False
    return isinstance(data.get("tool"), dict) and "iacguard" in data["tool"]


def display_path(path: Path) -> str:
    """``path`` as messages show it: relative to the working directory when below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path.as_posix()
    return Path(rel).as_posix() if not rel.startswith("..") else path.as_posix()
