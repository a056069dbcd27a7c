"""Baselines: adopt iacguard on a repository with existing findings.

``iacguard baseline --output FILE`` records the live findings keyed by rule id, root,
resource address and file (never line numbers, so edits that move code keep matching), with a
count per key. ``check --baseline FILE`` then reports only findings beyond those counts, and
the entries no longer matched ("fixed").

Paths in the file are relative to the baseline file's directory, so the same baseline works
from any working directory.

File format (version 1)::

    {"version": 1, "tool": {"name": "iacguard", "version": "0.1.0"},
     "entries": [{"rule_id": "BKP001", "root": "infra", "address": "aws_backup_vault.v",
                  "path": "infra/vault.tf", "count": 1}]}
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from iacguard.config.model import ConfigError
from iacguard.core.findings import Finding
from iacguard.core.records import record

FORMAT_VERSION = 1

Key = tuple[str, str, str, str]


class BaselineError(ConfigError):
    """The baseline file cannot be used (unreadable, not JSON, wrong shape): exit code 2."""


@record
class BaselineEntry:
    rule_id: str
    root: str
    address: str
    path: str
    count: int = 1

    @property
    def key(self) -> Key:
        return (self.rule_id, self.root, self.address, self.path)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "root": self.root,
            "address": self.address,
            "path": self.path,
            "count": self.count,
        }

    def __str__(self) -> str:
        times = f" (x{self.count})" if self.count > 1 else ""
        return f"{self.path}: {self.rule_id} {self.address}{times}"


@record
class Baseline:
    entries: tuple[BaselineEntry, ...]
    #: the baseline file's directory (absolute): entry paths are relative to it
    directory: str
    path: str = ""
    tool_version: str | None = None


def _relative(path: str, directory: str) -> str:
    """``path`` (relative to the working directory, or absolute) relative to ``directory``."""
    if not path:
        return path
    absolute = os.path.abspath(path)
    try:
        return Path(os.path.relpath(absolute, directory)).as_posix()
    except ValueError:  # another drive on Windows
        return Path(absolute).as_posix()


def finding_key(finding: Finding, directory: str) -> Key:
    return (
        finding.rule_id,
        _relative(finding.root, directory),
        finding.address,
        _relative(finding.location.path, directory),
    )


def build_entries(findings: Iterable[Finding], directory: str) -> list[BaselineEntry]:
    """The entries for the live (unsuppressed) findings, counted per key, sorted."""
    counts: dict[Key, int] = {}
    relative: dict[str, str] = {}

    def rel(path: str) -> str:
        if path not in relative:
            relative[path] = _relative(path, directory)
        return relative[path]

    for f in findings:
        if f.suppressed:
            continue
        key = (f.rule_id, rel(f.root), f.address, rel(f.location.path))
        counts[key] = counts.get(key, 0) + 1
    return [BaselineEntry(*key, count=n) for key, n in sorted(counts.items())]


def write_baseline(findings: Iterable[Finding], path: str) -> None:
    """Write the baseline for ``findings`` to ``path`` atomically (a temporary file, then
    ``os.replace``). Raises ``BaselineError`` when the file cannot be written."""
    from iacguard import __version__

    target = Path(path)
    directory = str(target.absolute().parent)
    document = {
        "version": FORMAT_VERSION,
        "tool": {"name": "iacguard", "version": __version__},
        "entries": [e.to_json() for e in build_entries(findings, directory)],
    }
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    from iacguard.core.atomic import replace_atomically

    try:
        replace_atomically(
            str(target.absolute()),
            lambda fh: fh.write(text.encode("utf-8")),
            prefix=f".{target.name}.",
        )
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write the baseline: {exc.strerror or exc}") from exc


def load_baseline(path: str) -> Baseline:
    """Read a baseline file; any problem is a ``BaselineError`` naming what is wrong."""
    from iacguard.core.files import read_regular

    try:
        text = read_regular(path).decode("utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from exc
    if not isinstance(data, Mapping):
        raise BaselineError(f"{path}: expected a JSON object with version and entries")
    version = data.get("version")
    if version != FORMAT_VERSION:
        raise BaselineError(
            f"{path}: version: expected {FORMAT_VERSION}, got {json.dumps(version)}"
            " (write it again with `iacguard baseline`)"
        )
    raw = data.get("entries")
    if not isinstance(raw, list):
        raise BaselineError(f"{path}: entries: expected a list")
    entries: list[BaselineEntry] = []
    for i, item in enumerate(raw):
        entries.append(_entry(item, f"{path}: entries[{i}]"))
    tool = data.get("tool")
    tool_version = tool.get("version") if isinstance(tool, Mapping) else None
    return Baseline(
        entries=tuple(entries),
        directory=str(Path(path).absolute().parent),
        path=str(path),
        tool_version=tool_version if isinstance(tool_version, str) else None,
    )


def _entry(item: Any, where: str) -> BaselineEntry:
    if not isinstance(item, Mapping):
        raise BaselineError(f"{where}: expected an object")
    values: dict[str, Any] = {}
    for key in ("rule_id", "root", "address", "path"):
        value = item.get(key)
        if not isinstance(value, str):
            raise BaselineError(f"{where}.{key}: expected a string, got {json.dumps(value)}")
        values[key] = value
    count = item.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise BaselineError(f"{where}.count: expected an integer >= 1, got {json.dumps(count)}")
    unknown = sorted(set(item) - {"rule_id", "root", "address", "path", "count"})
    if unknown:
        raise BaselineError(f"{where}: unknown key {unknown[0]!r}")
    return BaselineEntry(count=count, **values)


def apply_baseline(
    findings: Iterable[Finding], baseline: Baseline
) -> tuple[list[Finding], list[BaselineEntry]]:
    """(findings not covered by the baseline, baseline entries that no longer match).

    A key recorded ``count`` times covers that many findings (in their order); suppressed
    findings pass through untouched and cover nothing. An entry matched fewer times than its
    count comes back with the remaining count.
    """
    remaining: dict[Key, int] = {}
    for e in baseline.entries:
        remaining[e.key] = remaining.get(e.key, 0) + e.count
    kept: list[Finding] = []
    relative: dict[str, str] = {}

    def rel(path: str) -> str:
        if path not in relative:
            relative[path] = _relative(path, baseline.directory)
        return relative[path]

    for f in findings:
        if f.suppressed:
            kept.append(f)
            continue
        key = (f.rule_id, rel(f.root), f.address, rel(f.location.path))
        left = remaining.get(key, 0)
        if left > 0:
            remaining[key] = left - 1
        else:
            kept.append(f)
    fixed = [BaselineEntry(*key, count=n) for key, n in sorted(remaining.items()) if n > 0]
    return kept, fixed
