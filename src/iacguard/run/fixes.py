"""Applying the fixes findings carry (``iacguard check --fix`` / ``--diff``).

``plan_fixes`` picks the fixes to apply (safe ones; unsafe ones too with ``unsafe``), groups
their edits by file, keeps the first of two fixes whose edits overlap (the other is reported as
skipped; a fix whose edits are all already planned, the same repair reported for two instances
of a counted resource, is applied once) and computes every file's new text, edits applied
bottom-up. ``render_diff`` prints the plan as a unified diff and changes nothing;
``apply_plan`` writes each file atomically: a temporary file beside it, fsync, its mode kept,
renamed over it, and never a file whose bytes changed since the plan read them.

``within_paths`` drops the fixes that would edit a file outside the scanned paths (a local
module the user did not pass): the pipeline applies it, so JSON, SARIF and the language
server never offer them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from iacguard.core.files import read_regular
from iacguard.core.findings import Finding
from iacguard.core.fixes import Edit, Fix, line_starts, offset
from iacguard.core.located import FileError
from iacguard.core.records import MISSING, field, record

_BOM = "\ufeff"


@record(frozen=False)
class FileChange:
    """One file's text before and after its planned edits."""

    path: str
    before: bytes
    after: bytes

    def __init__(self, path: str, before: bytes, after: bytes) -> None:
        self.path = path
        self.before = before
        self.after = after


@record(frozen=False)
class FixPlan:
    """What ``--fix`` would do: the changed files, the fixes planned, skipped and left out."""

    changes: list[FileChange] = field(default_factory=list)
    #: the files of each planned fix, one entry per finding fixed (a fix shared by two
    #: findings counts twice)
    fixed: list[frozenset[str]] = field(default_factory=list)
    #: unsafe fixes left out (offered with ``--unsafe-fixes``)
    unsafe_available: int = 0
    #: fixes not applied, with the reason (an overlap, a file that cannot be read)
    skipped: list[tuple[Finding, Fix, str]] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)

    def __init__(
        self,
        changes: list[FileChange] = MISSING,
        fixed: list[frozenset[str]] = MISSING,
        unsafe_available: int = 0,
        skipped: list[tuple[Finding, Fix, str]] = MISSING,
        errors: list[FileError] = MISSING,
    ) -> None:
        self.changes = [] if changes is MISSING else changes
        self.fixed = [] if fixed is MISSING else fixed
        self.unsafe_available = unsafe_available
        self.skipped = [] if skipped is MISSING else skipped
        self.errors = [] if errors is MISSING else errors

    @property
    def applied(self) -> int:
        return len(self.fixed)

    def applied_without(self, failed: Iterable[str]) -> int:
        """The fixes applied when the files ``failed`` could not be written."""
        bad = set(failed)
        return sum(1 for files in self.fixed if not files & bad)


def within_paths(findings: Iterable[Finding], paths: Sequence[str]) -> list[Finding]:
    """``findings`` with the fixes that edit a file outside every scanned path removed. A
    named file brings its directory's files (its Terraform module, as pre-commit passes
    ``main.tf`` alone and the fix edits the default in ``variables.tf``), not subdirectories."""
    roots = [os.path.realpath(p) for p in paths or ["."]]
    modules = {os.path.dirname(r) for r in roots if not os.path.isdir(r)}

    seen: dict[str, bool] = {}

    def inside(path: str) -> bool:
        found = seen.get(path)
        if found is None:
            real = os.path.realpath(path)
            found = os.path.dirname(real) in modules or any(
                real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots
            )
            seen[path] = found
        return found

    out = []
    for f in findings:
        if f.fixes and not all(inside(p) for fix in f.fixes for p in fix.paths):
            f = f.with_(fixes=tuple(x for x in f.fixes if all(inside(p) for p in x.paths)))
        out.append(f)
    return out


def plan_fixes(findings: Iterable[Finding], *, unsafe: bool = False) -> FixPlan:
    """What ``--fix`` would do for the live findings (see the module docstring)."""
    plan = FixPlan()
    planned: dict[str, list[tuple[int, int, Edit]]] = {}
    texts: dict[str, tuple[bytes, str, list[int]] | None] = {}
    for finding in findings:
        if finding.suppressed or not finding.fixes:
            continue
        fix = next((x for x in finding.fixes if unsafe or x.applicability == "safe"), None)
        if fix is None:
            plan.unsafe_available += 1
            continue
        reason = _place(fix, planned, texts, plan.errors)
        if reason is None:
            plan.fixed.append(fix.paths)
        else:
            plan.skipped.append((finding, fix, reason))
    for path, edits in planned.items():
        loaded = texts[path]
        assert loaded is not None
        raw, text, _ = loaded
        for start, end, edit in sorted(edits, key=lambda t: (t[0], t[1]), reverse=True):
            text = text[:start] + edit.new_text + text[end:]
        bom = _BOM if raw.startswith(_BOM.encode()) else ""
        after = (bom + text).encode("utf-8")
        if after != raw:
            plan.changes.append(FileChange(path, raw, after))
    plan.changes.sort(key=lambda c: c.path)
    return plan


def _place(
    fix: Fix,
    planned: dict[str, list[tuple[int, int, Edit]]],
    texts: dict[str, tuple[bytes, str, list[int]] | None],
    errors: list[FileError],
) -> str | None:
    """Add ``fix``'s edits to ``planned`` (all or none); the reason when it cannot be."""
    new: list[tuple[str, int, int, Edit]] = []
    duplicate = 0
    for edit in fix.edits:
        path = edit.span.path
        if path not in texts:
            texts[path] = _load(path, errors)
        loaded = texts[path]
        if loaded is None:
            return f"{path} cannot be read"
        _, text, starts = loaded
        s = edit.span
        a = offset(starts, text, s.start_line, s.start_column)
        b = offset(starts, text, s.end_line, s.end_column)
        if a is None or b is None or b < a:
            return f"{path} changed since it was checked"
        existing = planned.get(path, [])
        if any((a, b, edit.new_text) == (x, y, e.new_text) for x, y, e in existing):
            duplicate += 1
            continue
        if any(_overlap(a, b, x, y) for x, y, _ in existing) or any(
            p == path and _overlap(a, b, x, y) for p, x, y, _ in new
        ):
            return "it overlaps another fix"
        new.append((path, a, b, edit))
    if duplicate and new:
        return "it overlaps another fix"
    for path, a, b, edit in new:
        planned.setdefault(path, []).append((a, b, edit))
    return None


def _overlap(a: int, b: int, x: int, y: int) -> bool:
    """Two edits touch: their ranges share a character, two insertions at one point, or an
    insertion at or inside the other's range."""
    if a == b or x == y:
        return x <= a <= y if a == b else a <= x <= b
    return a < y and x < b


def _load(path: str, errors: list[FileError]) -> tuple[bytes, str, list[int]] | None:
    try:
        raw = read_regular(path)
        text = raw.decode("utf-8")
    except OSError as exc:
        errors.append(FileError(path, None, None, f"cannot read for fixing: {_why(exc)}"))
        return None
    except UnicodeDecodeError:
        errors.append(FileError(path, None, None, "cannot fix: not UTF-8"))
        return None
    text = text[1:] if text.startswith(_BOM) else text
    return raw, text, line_starts(text)


def _why(exc: OSError) -> str:
    return str(exc.strerror or exc)


# ----------------------------------------------------------------------------- diff


def render_diff(plan: FixPlan) -> str:
    """The plan as a unified diff (``a/path`` -> ``b/path``), as ``ruff --diff`` prints it."""
    import difflib

    out: list[str] = []
    for change in plan.changes:
        before = change.before.decode("utf-8").splitlines(keepends=True)
        after = change.after.decode("utf-8").splitlines(keepends=True)
        for line in difflib.unified_diff(
            before, after, fromfile=f"a/{change.path}", tofile=f"b/{change.path}"
        ):
            out.append(line)
            if not line.endswith("\n"):
                out.append("\n\\ No newline at end of file\n")
    return "".join(out)


# ----------------------------------------------------------------------------- writing


def apply_plan(plan: FixPlan) -> list[FileError]:
    """Write every planned change atomically; the errors of the files that were not written
    (each left exactly as it was)."""
    errors: list[FileError] = []
    for change in plan.changes:
        problem = write_atomically(change.path, change.before, change.after)
        if problem is not None:
            errors.append(FileError(change.path, None, None, problem))
    return errors


def write_atomically(path: str, expected: bytes, data: bytes) -> str | None:
    """Replace ``path``'s bytes ``expected`` with ``data``: written to a temporary file in the
    same directory, flushed to disk, given the file's mode and renamed over it (a symbolic
    link's target is written, the link kept). None when done, else why nothing was written."""
    from iacguard.core.atomic import replace_atomically

    target = os.path.realpath(path)
    folder = os.path.dirname(target) or "."
    try:
        done = replace_atomically(
            target,
            lambda fh: fh.write(data),
            mode=os.stat(target).st_mode & 0o7777,
            prefix=f".{os.path.basename(target)}.",
            suffix=".iacguard",
            still_wanted=lambda: read_regular(target) == expected,
        )
    except OSError as exc:
        return f"cannot write the fix: {_why(exc)}"
    if not done:
        return "not fixed: the file changed since it was read"
    _sync_dir(folder)
    return None


def _sync_dir(folder: str) -> None:
    """Make the rename durable (where directories can be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------- --fix

#: ``--fix`` passes at most (ruff's loop: a fix left out for an overlap applies on the next)
MAX_PASSES = 10


@record(frozen=False)
class FixOutcome:
    """What ``--fix`` did: the report of a check after the last pass, the fixes applied, the
    unsafe ones left, the fixes still skipped and the files that could not be read or written."""

    report: Any
    applied: int
    unsafe_available: int
    skipped: list[tuple[Finding, Fix, str]]
    errors: list[FileError]

    def __init__(
        self,
        report: Any,
        applied: int,
        unsafe_available: int,
        skipped: list[tuple[Finding, Fix, str]],
        errors: list[FileError],
    ) -> None:
        self.report = report
        self.applied = applied
        self.unsafe_available = unsafe_available
        self.skipped = skipped
        self.errors = errors


def fix_in_place(
    report: Any, recheck: Callable[[], Any], *, unsafe: bool = False, passes: int = MAX_PASSES
) -> FixOutcome:
    """Apply the fixes of ``report``'s findings, check again with ``recheck`` and apply what
    the new check offers (a fix skipped for an overlap, the second edit of a chain), until a
    pass changes nothing or ``passes`` are done; the report is always that of the files as
    they are now."""
    plan = plan_fixes(report.findings, unsafe=unsafe)
    applied = 0
    errors: list[FileError] = []
    for _ in range(passes):
        if not plan.changes:
            break
        failed = apply_plan(plan)
        errors += plan.errors + failed
        applied += plan.applied_without(e.path for e in failed)
        if len(failed) == len(plan.changes):
            break
        report = recheck()
        plan = plan_fixes(report.findings, unsafe=unsafe)
    errors += [e for e in plan.errors if e not in errors]
    return FixOutcome(report, applied, plan.unsafe_available, plan.skipped, errors)


# ----------------------------------------------------------------------------- summary


def summary_line(applied: int, unsafe_available: int) -> str:
    """``2 fixes applied (1 unsafe fix available with --unsafe-fixes)``."""
    noun = "fix" if applied == 1 else "fixes"
    line = f"{applied} {noun} applied"
    if unsafe_available:
        u = "fix" if unsafe_available == 1 else "fixes"
        line += f" ({unsafe_available} unsafe {u} available with --unsafe-fixes)"
    return line
