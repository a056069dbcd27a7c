"""Reporters: one module per output format, each a pure function of a ``core.report.Report``.

``render(report, fmt, ...)`` returns the text to write; ``write(report, fmt, stream, ...)``
writes the same text, piece by piece for the formats that can (``json``, ``sarif``: their
findings are encoded one at a time, never held as one document); no reporter re-reads input files
except ``full`` and ``html``, which quote the source lines they mark. ``markdown`` and ``html``
also draw ``Report.chains``, which a run computes only when asked (``PICTURE_FORMATS``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from iacguard.core.report import Report

FORMATS = ("full", "concise", "json", "sarif", "junit", "github", "gitlab", "markdown", "html")
#: formats meant for programs: no progress line, no colour, no summary chatter
MACHINE_FORMATS = frozenset({"json", "sarif", "junit", "github", "gitlab", "markdown", "html"})
#: formats that draw the backup chains: the run must compute them (``check(topology=True)``)
PICTURE_FORMATS = frozenset({"markdown", "html"})

_MODULES = {
    "full": "full",
    "concise": "concise",
    "json": "json_report",
    "sarif": "sarif",
    "junit": "junit",
    "github": "github",
    "gitlab": "gitlab",
    "markdown": "markdown",
    "html": "html_report",
}


def render(report: Report, fmt: str, *, color: bool = False, quiet: bool = False) -> str:
    """The report in ``fmt``; ``color`` and ``quiet`` only matter to the text formats."""
    if fmt not in _MODULES:
        raise ValueError(f"unknown output format {fmt!r} (expected one of {', '.join(FORMATS)})")
    module = import_module(f"iacguard.report.{_MODULES[fmt]}")
    if fmt in MACHINE_FORMATS:
        return module.render(report)
    return module.render(report, color=color, quiet=quiet)


def write(
    report: Report, fmt: str, stream: TextIO, *, color: bool = False, quiet: bool = False
) -> None:
    """Write exactly what ``render`` returns to ``stream``, streamed where the format can."""
    if fmt not in _MODULES:
        raise ValueError(f"unknown output format {fmt!r} (expected one of {', '.join(FORMATS)})")
    module = import_module(f"iacguard.report.{_MODULES[fmt]}")
    if hasattr(module, "write"):
        module.write(report, stream)
    else:
        stream.write(render(report, fmt, color=color, quiet=quiet))
