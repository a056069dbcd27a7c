"""What a check produced, as every reporter reads it: ``Report``, ``Summary``, ``RuleInfo``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from iacguard.core.certainty import Certainty
from iacguard.core.findings import Finding, Severity
from iacguard.core.located import FileError, Located
from iacguard.core.records import field, record
from iacguard.core.topology import Chain


@record
class RuleInfo:
    """A rule that ran, as reporters need it (SARIF lists every rule that ran)."""

    id: str
    name: str
    severity: Severity

    def __init__(self, id: str, name: str, severity: Severity) -> None:
        set_field = object.__setattr__
        set_field(self, "id", id)
        set_field(self, "name", name)
        set_field(self, "severity", severity)


@record
class Summary:
    #: live findings (not suppressed), the ones reported as problems
    findings: int
    #: live findings at or above ``--fail-on``: these (and file errors) decide exit code 1
    failing: int
    by_rule: Mapping[str, int]
    by_severity: Mapping[str, int]
    by_certainty: Mapping[str, int]
    files: int
    resources: int
    suppressed: int
    baseline_fixed: int
    errors: int
    #: live findings left out because the ``--baseline`` file holds them (the text summary says
    #: how many; not in the JSON document, whose version-1 keys are fixed)
    baseline_hidden: int = 0
    #: live findings left out by ``--diff-base`` (not in the files changed since the ref)
    diff_base_hidden: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": self.findings,
            "failing": self.failing,
            "by_rule": dict(self.by_rule),
            "by_severity": dict(self.by_severity),
            "by_certainty": dict(self.by_certainty),
            "files": self.files,
            "resources": self.resources,
            "suppressed": self.suppressed,
            "baseline_fixed": self.baseline_fixed,
            "errors": self.errors,
        }


@record
class Report:
    """What ``check`` found: every reporter renders this and nothing else."""

    #: live and suppressed findings at or above ``min_certainty``, sorted by location
    findings: tuple[Finding, ...]
    errors: tuple[FileError, ...]
    notes: tuple[Located, ...]
    summary: Summary
    #: baseline entries that no longer match any finding
    baseline_fixed: tuple[Any, ...] = ()
    #: every rule that ran (after --select / --ignore)
    rules: tuple[RuleInfo, ...] = ()
    min_certainty: Certainty = Certainty.DEFAULT
    fail_on: Severity = Severity.LOW
    #: the directory paths are relative to (the working directory of the run)
    base: str = "."
    #: the git ref of ``--diff-base`` (None: all findings were reported)
    diff_base: str | None = None
    #: the repository root (the git toplevel of the scanned paths, or ``--repo-root``): SARIF's
    #: ``%SRCROOT%`` and the ``github`` / ``gitlab`` paths are relative to it; None: ``base``
    repo_root: str | None = None
    #: a finding's own ``fail-on`` threshold when ``per-path`` entries set one (else ``fail_on``)
    fail_on_for: Callable[[Finding], Severity] | None = field(
        default=None, compare=False, repr=False
    )
    #: the backup chains the findings touch (``core.topology``), sorted by the plan's place;
    #: only when the run was asked for them (``check(..., topology=True)``)
    chains: tuple[Chain, ...] = ()

    @property
    def live(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.suppressed)

    @property
    def suppressed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.suppressed)

    @property
    def failing(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.live if _fails(f, self.fail_on, self.fail_on_for))

    def exit_code(self, *, exit_zero: bool = False) -> int:
        """0 nothing at or above the thresholds, 1 failing findings or file errors."""
        if exit_zero:
            return 0
        return 1 if (self.summary.failing or self.errors) else 0


def assemble(
    findings: Iterable[Finding],
    *,
    errors: Sequence[FileError] = (),
    notes: Sequence[Located] = (),
    rules: Sequence[RuleInfo] = (),
    min_certainty: Certainty = Certainty.DEFAULT,
    fail_on: Severity = Severity.LOW,
    files: int = 0,
    resources: int = 0,
    baseline_fixed: Sequence[Any] = (),
    base: str | None = None,
    repo_root: str | None = None,
    filter_certainty: bool = True,
    fail_on_for: Callable[[Finding], Severity] | None = None,
    baseline_hidden: int = 0,
    diff_base: str | None = None,
    diff_base_hidden: int = 0,
    chains: Iterable[Chain] = (),
) -> Report:
    """A Report from findings already produced (used by ``check`` and by tests).

    ``fail_on_for`` gives a finding's own threshold (``per-path`` ``fail-on``);
    ``baseline_hidden`` and ``diff_base_hidden`` count the live findings ``--baseline`` and
    ``--diff-base diff_base`` left out; ``chains`` are the backup chains (sorted here)."""
    kept = sorted(
        (f for f in findings if not filter_certainty or f.certainty >= min_certainty),
        key=Finding.sort_key,
    )
    live = [f for f in kept if not f.suppressed]
    return Report(
        findings=tuple(kept),
        errors=tuple(errors),
        notes=tuple(notes),
        summary=Summary(
            findings=len(live),
            failing=sum(1 for f in live if _fails(f, fail_on, fail_on_for)),
            by_rule=_count(f.rule_id for f in live),
            by_severity=_count(f.severity.label for f in live),
            by_certainty=_count(f.certainty.label for f in live),
            files=files,
            resources=resources,
            suppressed=len(kept) - len(live),
            baseline_fixed=len(baseline_fixed),
            errors=len(errors),
            baseline_hidden=baseline_hidden,
            diff_base_hidden=diff_base_hidden,
        ),
        baseline_fixed=tuple(baseline_fixed),
        rules=tuple(rules),
        min_certainty=min_certainty,
        fail_on=fail_on,
        base=base if base is not None else os.getcwd(),
        diff_base=diff_base,
        repo_root=repo_root,
        fail_on_for=fail_on_for,
        chains=tuple(sorted(chains, key=Chain.sort_key)),
    )


def _fails(
    finding: Finding, fail_on: Severity, fail_on_for: Callable[[Finding], Severity] | None
) -> bool:
    return finding.severity >= (fail_on if fail_on_for is None else fail_on_for(finding))


def _count(keys: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for k in keys:
        out[k] = out.get(k, 0) + 1
    return dict(sorted(out.items()))
