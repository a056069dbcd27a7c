"""Small pieces several reporters share: fingerprints, severity levels, the summary and notes
lines."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from iacguard.core.findings import Finding, Severity
from iacguard.core.notes import DATA_SOURCE, OTHER, REMOTE_MODULE, SKIPPED, count_by_kind


def repo_root_of(report) -> str:
    """The absolute directory repository-relative paths are relative to: ``report.repo_root``
    (the git toplevel, or ``--repo-root``), else the run's working directory."""
    return os.path.abspath(getattr(report, "repo_root", None) or report.base)


def repo_relative(path: str, report, root: str | None = None) -> str | None:
    """``path`` (as findings carry it: relative to the run's working directory, or absolute)
    relative to the repository root, with ``/`` separators; None when it lies outside."""
    if not path:
        return None
    top = root if root is not None else repo_root_of(report)
    absolute = os.path.normpath(os.path.join(os.path.abspath(report.base), path))
    try:
        rel = os.path.relpath(absolute, top)
    except ValueError:  # another drive (Windows)
        return None
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return rel.replace(os.sep, "/")


def raw_bytes(text: str) -> bytes:
    """``text`` as bytes for hashing and URIs, whatever scanned files put in it: a file name's
    undecodable bytes (decoded with ``surrogateescape``) as they were, a lone surrogate from a
    ``\\u`` escape as its UTF-8-style form, so no report ever fails to encode."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def fingerprint_key(finding: Finding) -> str:
    """What identifies a finding across edits: rule, root, address, attribute — never lines."""
    return "\x1f".join((finding.rule_id, finding.root, finding.address, finding.attribute))


def fingerprints(findings: Iterable[Finding], algorithm: str = "sha256") -> Iterator[str]:
    """One stable hex digest per finding; repeats of the same key get an occurrence suffix."""
    import hashlib  # lazily: loading OpenSSL costs ~4 ms, and the text formats never hash

    seen: dict[str, int] = {}
    for f in findings:
        key = fingerprint_key(f)
        n = seen.get(key, 0)
        seen[key] = n + 1
        if n:
            key += f"\x1f{n}"
        yield hashlib.new(algorithm, raw_bytes(key)).hexdigest()


#: GitHub code scanning reads properties.security-severity as a CVSS-like score
SECURITY_SEVERITY = {
    Severity.LOW: "3.0",
    Severity.MEDIUM: "5.5",
    Severity.HIGH: "8.0",
    Severity.CRITICAL: "9.5",
}

SARIF_LEVEL = {
    Severity.LOW: "note",
    Severity.MEDIUM: "warning",
    Severity.HIGH: "error",
    Severity.CRITICAL: "error",
}

GITLAB_SEVERITY = {
    Severity.LOW: "minor",
    Severity.MEDIUM: "major",
    Severity.HIGH: "critical",
    Severity.CRITICAL: "blocker",
}


def summary_line(report) -> str:
    """``Found 3 findings (1 definite, 2 default); 12 files checked; 1 suppressed.``"""
    s = report.summary
    parts = [_files(s.files)]
    if s.findings:
        order = ("definite", "default", "possible")
        by = ", ".join(f"{s.by_certainty[c]} {c}" for c in order if s.by_certainty.get(c))
        head = f"Found {plural(s.findings, 'finding')} ({by})"
    else:
        head = "No findings"
    if s.findings and s.failing != s.findings:
        if getattr(report, "fail_on_for", None) is not None:
            parts.append(f"{s.failing} at or above their fail-on threshold (per-path)")
        else:
            parts.append(f"{s.failing} at or above --fail-on {report.fail_on.label}")
    if s.suppressed:
        parts.append(f"{s.suppressed} suppressed")
    if s.baseline_hidden:
        parts.append(f"{s.baseline_hidden} hidden by --baseline")
    if s.baseline_fixed:
        entries = "baseline entry" if s.baseline_fixed == 1 else "baseline entries"
        parts.append(f"{s.baseline_fixed} {entries} fixed")
    if s.diff_base_hidden:
        parts.append(f"{s.diff_base_hidden} hidden by --diff-base {report.diff_base}")
    if s.errors:
        parts.append(plural(s.errors, "file error"))
    return head + "; " + "; ".join(parts) + "."


#: how the notes line names each kind of note (iacguard.core.notes): noun, then what of one
#: and of several
_NOTE_PHRASES = {
    REMOTE_MODULE: (
        "remote module call",
        "not fetched (nothing in it is checked: run `terraform init` first)",
        "not fetched (nothing in them is checked: run `terraform init` first)",
    ),
    DATA_SOURCE: ("data source value", "unknown until plan time", "unknown until plan time"),
    SKIPPED: ("file", "skipped", "skipped"),
    OTHER: ("other note", "", ""),
}


def notes_line(report) -> str | None:
    """``Notes: 2 remote module calls not fetched, ...`` or None without notes: the text and CI
    formats that do not list notes say how many there are, so a partial run never looks clean."""
    counts = count_by_kind(report.notes)
    if not counts:
        return None
    parts = ", ".join(note_phrase(kind, n) for kind, n in counts.items())
    return f"Notes: {parts} (--output-format full or json lists them)."


def note_phrase(kind: str, n: int) -> str:
    """``2 remote module calls not fetched (nothing in them is checked: run `terraform init`
    first)``."""
    noun, of_one, of_many = _NOTE_PHRASES[kind]
    what = of_one if n == 1 else of_many
    return plural(n, noun) + (f" {what}" if what else "")


def plural(n: int, noun: str) -> str:
    """``1 finding``, ``2 findings``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _files(n: int) -> str:
    return f"{plural(n, 'file')} checked"
