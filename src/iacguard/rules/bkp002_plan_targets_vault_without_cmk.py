"""BKP002 backup-plan-targets-vault-without-cmk.

A backup plan rule whose target vault (``target_vault_name`` / ``TargetBackupVault``: a vault
*name*) or copy destination (``destination_vault_arn`` / ``DestinationBackupVaultArn``: an
*ARN*) or logically air-gapped target (``target_logically_air_gapped_backup_vault_arn`` /
``TargetLogicallyAirGappedBackupVaultArn``: an *ARN*) is a vault BKP001 flags, or the built-in
vault ``Default`` (always encrypted with the AWS-managed key). Names join on the vault's
configured name within the same root; ARNs join through references (``.arn``, ``!GetAtt
V.BackupVaultArn``) or by the name inside a literal or interpolated vault ARN. A target outside
the graph (another account, region, remote state) is not a finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iacguard.core.certainty import Certainty, Verdict, completed, judge_value, weaker
from iacguard.core.findings import Finding
from iacguard.core.located import Located
from iacguard.core.records import record
from iacguard.core.value_ops import map_value, payloads
from iacguard.core.values import Known, Unknown, Value
from iacguard.graph.facts import Fact, PlanRule
from iacguard.graph.model import Graph, Resource
from iacguard.rules.context import RuleContext, evidence_of, may_exist
from iacguard.rules.joins import DEFAULT_VAULT, describe, judge_vault, resolve_target


def check(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    allow = bool(ctx.options["allow-aws-managed-key"])
    shared = ctx.shared
    for plan in shared.of_kind("plan"):
        if not may_exist(plan):
            continue  # what gates the plan is reported with the finding, not folded in
        for rule in shared.plan_rules(plan):
            for target, is_arn in rule.targets():
                if target.value is None:
                    continue
                yield from _judge_target(ctx, allow, plan, rule, target, is_arn)


def _judge_target(
    ctx: RuleContext,
    allow: bool,
    plan: Resource,
    rule: PlanRule,
    target: Fact,
    is_arn: bool,
) -> Iterator[Finding]:
    shared = ctx.shared
    rule_name, rule_span, rule_air_gapped = rule.name, rule.span, rule.air_gapped
    assert target.value is not None
    # each world's payload as the vault it targets (a reference is followed even when the
    # vault's name cannot be seen)
    targeted = _targeted(ctx, plan, target, is_arn)
    candidates: list[Any] = []
    for payload in payloads(targeted):
        found = payload if isinstance(payload, _Target) else None
        if found is not None and all(found.vault is not c for c in candidates):
            candidates.append(found.vault)
    for vault in candidates:
        if vault == DEFAULT_VAULT:
            if allow:
                continue
            vault_verdict: Verdict | None = Verdict(Certainty.DEFINITE)
            vault_text = "the built-in vault Default"
            why = "AWS Backup uses the AWS-managed key aws/backup"
            vault_evidence: tuple[Located, ...] = (
                Located(None, "the vault Default is created by AWS with the AWS-managed key"),
            )
        else:
            j = judge_vault(shared, vault, allow)
            if j is None:
                continue
            vault_verdict = j.verdict
            vault_text = f"vault {vault.address}"
            why = describe(j)
            vault_evidence = j.evidence

        def predicate(payload: Any, wanted: Any = vault) -> bool | None:
            if payload is None:  # no such rule / copy action in this world
                return False
            return payload.vault is wanted if isinstance(payload, _Target) else None

        verdict = weaker(judge_value(targeted, predicate), vault_verdict)
        if verdict is None:
            continue
        copy = is_arn and target is not rule_air_gapped
        action = "copies recovery points to" if copy else "stores recovery points in"
        # the fix (target a vault with a customer-managed key) is the finding's fix hint
        verb = "may have" if verdict.certainty is Certainty.POSSIBLE else "has"
        message = (
            f"Backup plan {plan.address} rule `{rule_name}` {action} {vault_text}, which {verb} "
            f"no customer-managed KMS key{ctx.phrase(verdict, plan)}: {why}."
        )
        evidence = [Located(rule_span, f"plan rule `{rule_name}` of {plan.address}")]
        evidence.extend(evidence_of(target.value))
        evidence.append(Located(target.span, f"{target.path} -> {vault_text}"))
        if vault != DEFAULT_VAULT:
            evidence.append(Located(vault.span, f"{vault.address} ({vault.type})"))
        evidence.extend(vault_evidence)
        props: dict[str, Any] = {"rule_name": rule_name, "copy": copy}
        if vault == DEFAULT_VAULT:
            props["vault_name"] = DEFAULT_VAULT
        else:
            props["vault"] = vault.address
            name = shared.fact(vault, "vault.name").payload()
            if isinstance(name, str):
                props["vault_name"] = name
        yield ctx.finding(plan, verdict, message, target.span, evidence, props)


@record
class _Target:
    """A payload resolved to the vault it targets (a Resource or ``DEFAULT_VAULT``)."""

    vault: Any


def _targeted(ctx: RuleContext, plan: Resource, target: Fact, is_arn: bool) -> Value:
    """The target's Value with each world's payload replaced by the vault it resolves to
    (``_Target``); payloads that resolve to nothing are kept as they are."""
    assert target.value is not None

    def resolve(payload: Any) -> Any:
        if payload is None:
            return None
        found = resolve_target(ctx.shared, plan, payload, is_arn, target.path)
        return payload if found is None else _Target(found)

    if isinstance(target.value, Unknown):
        found = resolve(target.value)
        return Known(found, target.value.span) if isinstance(found, _Target) else target.value
    # completed first: an input unknown inside a payload is covered there, whatever it resolves to
    return map_value(completed(target.value), resolve)
