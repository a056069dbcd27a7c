"""BKP004 backup-of-unencrypted-source.

A resource that a backup selection assigns to a backup plan, of a type whose recovery points
take the source's own encryption (EBS volumes, EC2 instances, RDS databases, Aurora, DocumentDB,
Neptune and Redshift clusters: ``graph.facts.SOURCES``), while the source is not encrypted: its
recovery points will be unencrypted whatever the vault's key (Security Hub Backup.1 fails).
Membership (``rules.selections``) and encryption (``rules.encryption``) are each judged world by
world; the finding is as sure as the weaker of the two and is not lowered by what gates the
resources' existence. One finding per source, on its encryption setting (or block header),
with the chain selection -> plan -> target vault. Option ``assume-ebs-encryption-by-default``:
the account encrypts new EBS volumes by default.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iacguard.core.certainty import Certainty, weaker
from iacguard.core.findings import Finding
from iacguard.core.located import Located
from iacguard.graph.facts import SOURCES
from iacguard.graph.model import Graph, Resource
from iacguard.rules.context import RuleContext, exists_verdict
from iacguard.rules.encryption import SourceJudgement, judge_source
from iacguard.rules.joins import resolve_target
from iacguard.rules.selections import Assignment, assignments, plan_of


def check(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    assume = bool(ctx.options["assume-ebs-encryption-by-default"])
    shared = ctx.shared
    best: dict[int, tuple[SourceJudgement, Assignment, Any]] = {}
    for selection in shared.of_kind("selection"):
        if exists_verdict(selection) is None:
            continue

        def flaggable(source: Resource) -> bool:
            return (
                exists_verdict(source) is not None
                and judge_source(shared, source, assume) is not None
            )

        chosen = {id(s): (s, a) for s, a in assignments(shared, selection, flaggable)}
        for source, assignment in chosen.values():
            judgement = judge_source(shared, source, assume)
            assert judgement is not None
            if judgement.cluster is not None and id(judgement.cluster) in chosen:
                continue  # the cluster itself is assigned: reported there
            verdict = weaker(judgement.verdict, assignment.verdict)
            if verdict is None:
                continue
            found = best.get(id(source))
            if found is None or verdict.certainty > found[2].certainty:
                best[id(source)] = (judgement, assignment, verdict)
    for judgement, assignment, verdict in best.values():
        yield _finding(ctx, judgement, assignment, verdict)


def _finding(ctx: RuleContext, j: SourceJudgement, a: Assignment, verdict: Any) -> Finding:
    shared = ctx.shared
    source, selection = j.source, a.selection
    shape = SOURCES[source.type]
    plan = plan_of(shared, selection)
    plan_text = f"backup plan {plan.address}" if plan is not None else "a backup plan"
    phrase = ctx.phrase(verdict, source)
    label = "Aurora instance" if j.cluster is not None else shape.label
    verb = "may not be" if verdict.certainty is Certainty.POSSIBLE else "is not"
    # one breath: what, why and which plan. The selection (also in properties), "AWS's
    # default: unencrypted" and the type's note are in the evidence; the fix (encrypt the
    # source or exclude it; for an existing database, snapshot, copy encrypted and restore)
    # is the fix hint and the catalog's
    state = j.state.replace(" (AWS's default: unencrypted)", "").replace(" decides, and there", ":")
    message = (
        f"{label} {source.address} {verb} encrypted{phrase}: {state}, yet {plan_text} backs it "
        "up, so its recovery points are unencrypted whatever the vault key."
    )
    evidence = [
        Located(selection.span_of(a.path), f"{selection.address} assigns it: {a.why}"),
        *_plan_chain(ctx, plan),
        *j.evidence,
    ]
    if shape.note:
        evidence.append(Located(source.span, f"{source.address}: {shape.note}"))
    props: dict[str, Any] = {"selection": selection.address, "source_type": label}
    if plan is not None:
        props["plan"] = plan.address
    return ctx.finding(source, verdict, message, j.span, evidence, props)


def _plan_chain(ctx: RuleContext, plan: Resource | None) -> list[Located]:
    """The plan and the vaults its rules write to, each located."""
    if plan is None:
        return []
    shared = ctx.shared
    out = [Located(plan.span, f"{plan.address} (backup plan)")]
    for rule in shared.plan_rules(plan):
        for target, is_arn in rule.targets():
            vault = resolve_target(shared, plan, target.payload(), is_arn, target.path)
            shown = vault if isinstance(vault, str) else getattr(vault, "address", None)
            where = f"vault {shown}" if shown else "a vault outside the graph"
            out.append(Located(target.span, f"rule `{rule.name}` {target.path} -> {where}"))
    return out
