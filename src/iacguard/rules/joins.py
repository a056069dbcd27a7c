"""Joins several rules share: a vault's key judged (BKP001's verdict, which BKP002 also asks
for, memoised per run) and described, and a backup plan's target resolved to a vault.

Rules import this module (and ``context``, ``keys``), never another rule.
"""

from __future__ import annotations

import re
from typing import Any

from iacguard.core.certainty import Verdict
from iacguard.core.located import Located
from iacguard.core.records import record
from iacguard.core.value_ops import payloads
from iacguard.core.values import PartialStr, Ref, Unknown
from iacguard.graph.facts import AWS_MANAGED_BACKUP_KEY, fact, kind_of
from iacguard.graph.model import Resource
from iacguard.rules.context import Analysis, evidence_of, judged
from iacguard.rules.keys import ABSENT, AWS_MANAGED, CMK, REQUIRED, UNKNOWN, KeyInfo

DEFAULT_VAULT = "Default"
_VAULT_ARN = re.compile(r"arn:aws[a-z-]*:backup:[^:]*:[^:]*:backup-vault:(.+)")


def violates(info: KeyInfo, allow_aws_managed: bool) -> bool | None:
    """True: not a customer-managed key; False: fine; None: cannot tell."""
    if info.kind in (ABSENT, AWS_MANAGED):
        return not allow_aws_managed
    if info.kind in (CMK, REQUIRED):
        return False
    return None


@record
class VaultJudgement:
    vault: Resource
    verdict: Verdict
    #: the key as it is in the first world where the vault is flagged
    info: KeyInfo
    evidence: tuple[Located, ...]
    attribute: str


def judge_vault(
    shared: Analysis, vault: Resource, allow_aws_managed: bool
) -> VaultJudgement | None:
    """BKP001's verdict on one vault (memoised per run: BKP002 asks again)."""
    memo_key = ("BKP001", vault.root, vault.address, allow_aws_managed)
    if memo_key in shared.memo:
        return shared.memo[memo_key]
    key_fact = shared.fact(vault, "vault.key")
    value = key_fact.as_value()

    def predicate(payload: Any) -> bool | None:
        return violates(shared.classify(vault, payload), allow_aws_managed)

    verdict = judged(vault, value, predicate)
    result = None
    if verdict is not None:
        infos = shared.key_infos(vault)
        bad = next(
            (i for i in infos if violates(i, allow_aws_managed)),
            next((i for i in infos if violates(i, allow_aws_managed) is None), None),
        )
        if bad is None:  # only an open input domain makes it possible
            bad = KeyInfo(UNKNOWN, text=f"other values of {', '.join(sorted(verdict.inputs))}")
        attribute = key_fact.path or "kms_key_arn"
        evidence = list(evidence_of(value))
        evidence.append(Located(key_fact.span, _key_evidence(vault, bad, attribute)))
        if bad.via is not None:
            evidence.append(Located(bad.via.span, f"{bad.via.address}: {bad.text}"))
        result = VaultJudgement(vault, verdict, bad, tuple(evidence), attribute)
    shared.memo[memo_key] = result
    return result


def default_key(vault: Resource) -> str:
    """What the vault is encrypted with when it names no key (fact ``vault.default_key``):
    the AWS-managed key aws/backup, or an AWS-owned key for a logically air-gapped vault."""
    text = fact(vault, "vault.default_key").payload()
    return text if isinstance(text, str) else AWS_MANAGED_BACKUP_KEY


def _key_evidence(vault: Resource, info: KeyInfo, attribute: str) -> str:
    if info.kind == ABSENT:
        used = default_key(vault)
        if attribute in vault.spans:
            return f"{vault.address}: {attribute} is null: {used} is used"
        return f"{vault.address}: no {attribute}: {used} is used"
    if info.kind == AWS_MANAGED:
        return f"{vault.address}: {attribute} = {info.text}, an AWS-managed key"
    return f"{vault.address}: {attribute} cannot be seen ({info.text or 'unknown'})"


def describe(j: VaultJudgement) -> str:
    """Why the vault is flagged, for BKP001's and BKP002's messages."""
    if j.info.kind == ABSENT:
        state = "is null" if j.attribute in j.vault.spans else "is not set"
        return f"{j.attribute} {state}, so AWS Backup uses {default_key(j.vault)}"
    if j.info.kind == AWS_MANAGED:
        return f"{j.attribute} is {j.info.text}, the AWS-managed key aws/backup"
    if j.info.text.startswith("other values of"):
        return f"{j.info.text} may leave {j.attribute} without a customer-managed key"
    return (
        f"its {j.attribute} cannot be seen ({j.info.text or 'unknown'}) and may not be a "
        "customer-managed key"
    )


# ----------------------------------------------------------------------------- plan targets


def resolve_target(
    shared: Analysis, plan: Resource, payload: Any, is_arn: bool, path: str | None = None
) -> Any:
    """The vault Resource a target payload names, ``DEFAULT_VAULT``, or None (not in the
    graph, or cannot be seen). A payload that is a reference resolves to what it references;
    a known name (or the name in a vault ARN) joins on the vault's configured name. With the
    target's attribute ``path``, a payload that cannot be read (an unknown name: a required
    input, a template string of one, a remote module's output) joins through the reference the
    plan makes there (``aws_backup_vault.v.name``, ``v[0].name``, ``join("", v[*].name)``, a
    local module's output): the vault referenced at that path whose name (or ARN) is that same
    payload."""
    if isinstance(payload, Ref):
        target = shared.graph.resolve(payload)
        return target if target is not None and kind_of(target) == "vault" else None
    if path is not None and isinstance(payload, (Unknown, PartialStr)):
        found = _by_reference(shared, plan, payload, path)
        if found is not None:
            return found
    name: str | None = None
    if isinstance(payload, str):
        if is_arn:
            m = _VAULT_ARN.fullmatch(payload.strip())
            name = m.group(1) if m else None
        else:
            name = payload
    elif isinstance(payload, PartialStr) and is_arn:
        last = payload.parts[-1] if payload.parts else None
        if isinstance(last, str) and "backup-vault:" in last:
            name = last.rsplit("backup-vault:", 1)[1] or None
    if name is None:
        return None
    found = shared.vaults_named(plan.root, name)
    if found:
        return found[0]
    return DEFAULT_VAULT if name == DEFAULT_VAULT else None


def _by_reference(shared: Analysis, plan: Resource, payload: Any, path: str) -> Resource | None:
    """The one vault the plan references at ``path`` whose name, in some world, is ``payload``
    itself (None: no such vault, or several)."""
    memo_key = ("joins.referenced", plan.root, plan.address)
    by_path = shared.memo.get(memo_key)
    if by_path is None:
        by_path = {}
        for edge in shared.graph.edges_from(plan.root, plan.address):
            target = shared.graph.get(edge.root, edge.target)
            if target is not None and kind_of(target) == "vault":
                found = by_path.setdefault(edge.source_attribute, [])
                if all(target is not t for t in found):
                    found.append(target)
        shared.memo[memo_key] = by_path
    matches = [
        vault
        for vault in by_path.get(path, ())
        if any(payload == p for p in payloads(shared.fact(vault, "vault.name").as_value()))
    ]
    return matches[0] if len(matches) == 1 else None
