"""KMS003 kms-key-missing-backup-grant.

A KMS key that protects a backup vault (the vault's key resolves to it directly, through an
alias, or through module inputs/outputs) whose effective key policy gives AWS Backup no grant.
The effective policy is an ``aws_kms_key_policy`` on the key (by ``key_id``, id or ARN), else
the key's ``policy`` / ``KeyPolicy``, else AWS's default policy. What counts as a grant is
decided by ``graph.policy.backup_grant``; an ``aws_kms_grant`` on the key to the backup
service, or to the IAM role of a backup selection whose plan targets the vault, also counts.
Option ``backup-grant``: ``explicit`` (default) requires a grant; ``iam-delegation`` also
accepts the default policy or an account-root statement (AWS Backup then works through the
backup role's IAM policy). A policy that cannot be rendered is not a finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iacguard.core.certainty import Certainty, Verdict, judge_joint, judge_value
from iacguard.core.findings import Finding
from iacguard.core.fixes import Fix
from iacguard.core.located import Located
from iacguard.core.value_ops import as_str, payloads
from iacguard.core.values import Ref, Unknown
from iacguard.graph.facts import Fact, kind_of
from iacguard.graph.model import Graph, Resource
from iacguard.graph.policy import GrantAnswer, RoleCheck, backup_grant, trusts_backup
from iacguard.rules.context import (
    Analysis,
    RuleContext,
    evidence_of,
    may_exist,
    vault_names,
)
from iacguard.rules.fix_policy import statement_fix, with_statement
from iacguard.rules.joins import resolve_target
from iacguard.rules.keys import classify_key

MODES = ("explicit", "iam-delegation")
_NEEDED_OPS = {"decrypt", "generatedatakey"}


def _key_of(shared: Analysis, resource: Resource, payload: Any) -> Resource | None:
    return classify_key(payload, resource.root, shared.graph).key


def attached_policies(shared: Analysis) -> dict[tuple[str, str], list[Resource]]:
    """``aws_kms_key_policy`` resources by the key they attach to."""
    memo = shared.memo.get("KMS003.policies")
    if memo is None:
        memo = {}
        for kp in shared.of_kind("key_policy"):
            key = _key_of(shared, kp, shared.fact(kp, "key_policy.key").payload())
            if key is not None:
                memo.setdefault((key.root, key.address), []).append(kp)
        shared.memo["KMS003.policies"] = memo
    return memo


def _grants_to_backup(shared: Analysis, key: Resource, vault: Resource) -> Resource | None:
    """An ``aws_kms_grant`` on ``key`` letting AWS Backup (or the vault's backup role) use it."""
    for grant in shared.of_kind("grant"):
        if _key_of(shared, grant, shared.fact(grant, "grant.key").payload()) is not key:
            continue
        ops = shared.fact(grant, "grant.operations").payload()
        names = {o.lower() for o in ops if isinstance(o, str)} if isinstance(ops, list) else set()
        if not _NEEDED_OPS <= names:
            continue
        grantee = shared.fact(grant, "grant.grantee").payload()
        if as_str(grantee) == "backup.amazonaws.com":
            return grant
        if grantee is not None and grantee in _backup_roles(shared, vault):
            return grant
    return None


def _backup_roles(shared: Analysis, vault: Resource) -> list[Any]:
    roles = []
    for sel in shared.of_kind("selection"):
        plan_ref = shared.fact(sel, "selection.plan").payload()
        plan = shared.graph.resolve(plan_ref) if hasattr(plan_ref, "address") else None
        if plan is None:
            continue
        targets = any(
            resolve_target(shared, plan, f.payload(), is_arn, f.path) is vault
            for rule in shared.plan_rules(plan)
            for f, is_arn in [(rule.target, False)] + [(c, True) for c in rule.copies]
        )
        if targets:
            roles.append(shared.fact(sel, "selection.role").payload())
    return roles


def role_check(shared: Analysis) -> RoleCheck:
    """Recognises the IAM roles AWS Backup works as: a role of the graph whose trust policy
    lets backup.amazonaws.com assume it, or the role given to a backup selection (in any
    world; an input that gives a selection its role gives the same role in a key policy)."""
    memo = shared.memo.get("KMS003.roles")
    if memo is not None:
        return memo
    selection_roles = [
        role
        for sel in shared.of_kind("selection")
        for role in payloads(shared.fact(sel, "selection.role").as_value())
    ]
    #: inputs a selection's role is given by (``!Ref ExistingRoleArn``): the same input named
    #: in a key policy is the same role
    selection_inputs = {
        (role.reason, role.inputs)
        for role in selection_roles
        if isinstance(role, Unknown) and role.inputs
    }
    trusted: dict[tuple[str, str], bool | None] = {}

    def check(principal: Any) -> bool | None:
        if isinstance(principal, Ref):
            role = shared.graph.resolve(principal)
            if role is None:
                return None
            if kind_of(role) != "role":
                return False
            ident = (role.root, role.address)
            if ident not in trusted:
                trusted[ident] = trusts_backup(shared.fact(role, "role.trust").payload())
            return trusted[ident]
        if isinstance(principal, str) and principal in selection_roles:
            return True
        if isinstance(principal, Unknown) and (principal.reason, principal.inputs) in (
            selection_inputs
        ):
            return True
        return None

    shared.memo["KMS003.roles"] = check
    return check


def grant_answer(shared: Analysis, payload: Any, mode: str, roles: RoleCheck) -> GrantAnswer:
    """``backup_grant`` of a policy payload, once per payload for the run: the keys of a
    module often share one rendered policy, judged in every world, for every vault and for
    the message (the memo holds the payload, so its id stays its own)."""
    memo = shared.memo.setdefault(("KMS003.grants", mode), {})
    found = memo.get(id(payload))
    if found is None:
        found = memo[id(payload)] = (payload, backup_grant(payload, mode, roles))
    return found[1]


def effective_policy(shared: Analysis, key: Resource) -> tuple[Fact, Resource]:
    """The policy fact in force and the resource it is written on."""
    attached = attached_policies(shared).get((key.root, key.address))
    if attached:
        kp = attached[-1]
        return shared.fact(kp, "key_policy.policy"), kp
    return shared.fact(key, "key.policy"), key


def check(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    mode = str(ctx.options["backup-grant"])
    if mode not in MODES:
        raise ValueError(f"KMS003 option backup-grant must be one of {', '.join(MODES)}")
    shared = ctx.shared
    for key in shared.of_kind("key"):
        vaults = shared.protected_vaults(key)
        if not vaults or not may_exist(key):
            continue
        policy, holder = effective_policy(shared, key)
        roles = role_check(shared)

        def violates(payload: Any, roles: RoleCheck = roles) -> bool | None:
            answer = grant_answer(shared, payload, mode, roles)
            return None if answer.grants is None else not answer.grants

        policy_verdict = judge_value(policy.as_value(), violates)
        if policy_verdict is None:
            continue
        flagged: list[tuple[Resource, Verdict]] = []
        for vault in vaults:
            if _grants_to_backup(shared, key, vault) is not None:
                continue
            vault_value = shared.fact(vault, "vault.key").as_value()

            if not may_exist(vault):
                continue

            def unprotected(
                vault_key: Any,
                key_policy: Any,
                v: Resource = vault,
                k: Resource = key,
                violates: Any = violates,
            ) -> bool | None:
                info = shared.classify(v, vault_key)
                if info.key is not k:
                    return None if info.key is None and info.kind == "unknown" else False
                # judged given that the key and the vault exist (their gates are reported)
                return violates(key_policy)

            verdict = judge_joint([vault_value, policy.as_value()], unprotected)
            if verdict is not None:
                flagged.append((vault, verdict))
        if flagged:
            yield _finding(ctx, key, flagged, policy, holder, mode)


def _finding(
    ctx: RuleContext,
    key: Resource,
    flagged: list[tuple[Resource, Verdict]],
    policy: Fact,
    holder: Resource,
    mode: str,
) -> Finding:
    """One finding per key, as sure as its surest vault."""
    verdict = max((v for _, v in flagged), key=lambda v: v.certainty)
    vaults = [vault for vault, _ in flagged]
    names = vault_names(vaults)
    roles = role_check(ctx.shared)
    answers = [grant_answer(ctx.shared, p, mode, roles) for p in payloads(policy.as_value())]
    answer = next(
        (a for a in answers if a.grants is False),
        next((a for a in answers if a.grants is None), answers[0]),
    )
    # the two grant modes and the rationale are in `iacguard rule KMS003` (and the finding's
    # help): a message a reviewer reads in one breath names the key, the vaults and what the
    # policy lacks
    reason = answer.reason
    if answer.grants:  # the policy grants in the worlds it can be read; others decide
        reason = "with other input values the key policy or the vault's key may differ"
    verb = "may give" if verdict.certainty is Certainty.POSSIBLE else "gives"
    message = (
        f"KMS key {key.address} protects backup vault {names} but its key policy "
        f"{verb} AWS Backup no grant{ctx.phrase(verdict, key)}: "
        f"{reason}."
    )
    location = policy.span if holder is key else key.span
    evidence = []
    for vault in vaults:
        evidence.append(Located(vault.span, f"{vault.address} is encrypted with {key.address}"))
        evidence.extend(evidence_of(ctx.shared.fact(vault, "vault.key").value))
    if holder is not key:
        evidence.append(Located(holder.span, f"{holder.address} sets the key policy"))
    evidence.extend(evidence_of(policy.value))
    evidence.append(Located(policy.span, answer.reason))
    props = {"vaults": [v.address for v in vaults], "backup_grant": mode}
    fixes: tuple[Fix, ...] = ()
    if _statement_would_grant(policy, mode, roles):
        fixes = statement_fix(ctx.shared.memo, holder, policy)
    return ctx.finding(key, verdict, message, location, evidence, props, fixes)


def _statement_would_grant(policy: Fact, mode: str, roles: RoleCheck) -> bool:
    """Whether the policy with AWS Backup's statement added grants it in every world (a Deny
    may still cancel it: then no fix is offered)."""
    if policy.value is None:
        return False
    for payload in payloads(policy.as_value()):
        extended = with_statement(payload)
        if extended is None or backup_grant(extended, mode, roles).grants is not True:
            return False
    return True
