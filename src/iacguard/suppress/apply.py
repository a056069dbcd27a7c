"""Applying suppressions: each finding matched to the directives on its resource, and the SUP
meta-findings about the directives.

The reason is required: a suppression without one suppresses nothing and is reported as
SUP001. A suppression past its ``until`` date suppresses nothing and is reported as SUP003. A
suppression that matches no finding of a rule that ran, names an unknown rule or is malformed
is reported as SUP002 (checkov, trivy and tfsec skips never are: those tools may still need
them). A peer's skip applies as it does in that tool: a ``checkov:skip`` without a reason still
suppresses (and the missing reason is SUP001), a ``trivy:ignore`` / ``tfsec:ignore`` has no
reason to give and applies until its ``:exp:`` date.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date

from iacguard.core.certainty import Certainty
from iacguard.core.findings import Finding, Severity
from iacguard.graph.model import Graph
from iacguard.rules.registry import META, rule_names
from iacguard.suppress.directives import LazyMap, Suppression, collect_suppressions


def apply_suppressions(
    findings: list[Finding],
    graph: Graph,
    *,
    today: date,
    ignore_suppressions: bool = False,
    active_rules: Collection[str] | None = None,
    severity: Mapping[str, Severity] | None = None,
) -> list[Finding]:
    """``findings`` with ``suppressed`` / ``suppression_reason`` set, plus SUP meta-findings.

    Pass every finding the rules produced (before certainty filtering), so a suppression of a
    ``possible`` finding counts as used. ``active_rules`` are the ids of the rules that ran: a
    suppression of a rule that did not run is not reported unused (None: every rule ran).
    With ``ignore_suppressions`` every finding is live and no meta-finding is produced.
    """
    if ignore_suppressions:
        return [
            f.with_(suppressed=False, suppression_reason=None) if f.suppressed else f
            for f in findings
        ]
    # the rule names cost a catalog load: only read when a directive needs them
    names = LazyMap(rule_names)
    suppressions = collect_suppressions(graph, names)
    if not suppressions:
        return list(findings)
    by_target: dict[tuple[str, str], list[Suppression]] = {}
    for s in suppressions:
        for r in s.targets:
            bucket = by_target.setdefault((r.root, r.address), [])
            if not any(x is s for x in bucket):
                bucket.append(s)
    out: list[Finding] = []
    for finding in findings:
        candidates = by_target.get((finding.root, finding.address))
        if not candidates or finding.rule_id in META:
            out.append(finding)
            continue
        applied: Suppression | None = None
        for s in candidates:
            if finding.rule_id not in s.ids or s.invalid:
                continue
            s.used.add(finding.rule_id)
            usable = s.reason or s.is_peer  # a peer's skip needs no reason in that tool
            if applied is None and usable and not (s.until and s.until < today):
                applied = s
        if applied is not None:
            reason = applied.reason or f"{applied.kind.split('-')[0]} skip without a reason"
            finding = finding.with_(suppressed=True, suppression_reason=reason)
        out.append(finding)
    meta = _meta_findings(suppressions, today, active_rules, severity or {}, names)
    return out + sorted(meta, key=Finding.sort_key)


# ----------------------------------------------------------------------------- meta-findings


def _meta_findings(
    suppressions: Iterable[Suppression],
    today: date,
    active_rules: Collection[str] | None,
    severity: Mapping[str, Severity],
    names: Mapping[str, str],
) -> list[Finding]:
    out: list[Finding] = []
    for s in suppressions:
        what = ", ".join(s.ids + s.unknown) or "nothing"
        if s.invalid:
            out.append(
                _meta(
                    "SUP002",
                    s,
                    f"Invalid suppression ({s.invalid}): it suppresses nothing.",
                    severity,
                    names,
                )
            )
            continue
        if s.ids and not s.reason and s.is_peer and s.kind.startswith("checkov"):
            out.append(
                _meta(
                    "SUP001",
                    s,
                    f"Suppression of {what} has no reason (it applies, as in checkov): "
                    + (
                        "add the reason after the id: checkov:skip=ID:reason."
                        if s.kind == "checkov-comment"
                        else "add a comment: entry."
                    ),
                    severity,
                    names,
                )
            )
            continue
        if s.ids and not s.reason and not s.is_peer:
            hint = "add a reason: entry" if s.kind == "metadata" else "add `-- reason` at its end"
            out.append(
                _meta(
                    "SUP001",
                    s,
                    f"Suppression of {what} has no reason, so it suppresses nothing: {hint}.",
                    severity,
                    names,
                )
            )
            continue
        if s.until and s.until < today and s.ids:
            out.append(
                _meta(
                    "SUP003",
                    s,
                    f"Suppression of {what} expired on {s.until.isoformat()} and no longer "
                    "applies: fix the finding or extend `until` (with a reason).",
                    severity,
                    names,
                )
            )
            continue
        if s.is_peer:
            continue  # the peer tool may still need its skip: never reported unused
        problems: list[str] = []
        if s.unknown:
            problems.append("unknown rule " + ", ".join(s.unknown))
        unused = [
            rid
            for rid in s.ids
            if rid not in s.used and (active_rules is None or rid in active_rules)
        ]
        if unused:
            target = _target_text(s)
            problems.append(f"no {', '.join(unused)} finding on {target} to suppress")
        if problems:
            out.append(
                _meta(
                    "SUP002", s, "Unused suppression: " + "; ".join(problems) + ".", severity, names
                )
            )
    return out


def _target_text(s: Suppression) -> str:
    addresses = sorted({r.address for r in s.targets})
    if not addresses:
        return "no resource (put it above, on or inside a resource)"
    return (
        addresses[0] if len(addresses) == 1 else f"{addresses[0]} (and {len(addresses) - 1} more)"
    )


def _meta(
    rule_id: str,
    s: Suppression,
    message: str,
    severity: Mapping[str, Severity],
    names: Mapping[str, str],
) -> Finding:
    target = s.targets[0] if s.targets else None
    return Finding(
        rule_id=rule_id,
        rule_name=names[rule_id],
        severity=severity.get(rule_id, Severity.LOW),
        certainty=Certainty.DEFINITE,
        message=message,
        address=target.address if target else "",
        resource_type=target.type if target else "",
        root=target.root if target else s.span.path,
        location=s.span,
        properties={
            "suppression": s.kind,
            "rules": list(s.ids),
            **({"until": s.until.isoformat()} if s.until else {}),
        },
    )
