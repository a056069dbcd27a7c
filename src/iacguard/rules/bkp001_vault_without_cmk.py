"""BKP001 backup-vault-without-cmk.

A backup vault whose recovery points are not protected by a customer-managed KMS key: no key
set (AWS then uses its AWS-managed key ``aws/backup``), or an AWS-managed key given explicitly
(``alias/aws/backup``, its ARN, a data source of it). A key resolving to a KMS key of the graph,
a literal key ARN or a customer alias passes; so does a required input with no default (the
caller must set it). Option ``allow-aws-managed-key`` accepts AWS-managed keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from iacguard.core.certainty import Verdict
from iacguard.core.findings import Finding
from iacguard.core.located import Located
from iacguard.graph.model import Graph, Resource
from iacguard.rules.context import (
    Analysis,
    RuleContext,
    certainty_phrase,
    evidence_of,
    judged,
    payloads,
)
from iacguard.rules.keys import ABSENT, AWS_MANAGED, CMK, REQUIRED, UNKNOWN, KeyInfo

RULE_ID = "BKP001"


def violates(info: KeyInfo, allow_aws_managed: bool) -> bool | None:
    """True: not a customer-managed key; False: fine; None: cannot tell."""
    if info.kind in (ABSENT, AWS_MANAGED):
        return not allow_aws_managed
    if info.kind in (CMK, REQUIRED):
        return False
    return None


@dataclass(frozen=True, slots=True)
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


def _key_evidence(vault: Resource, info: KeyInfo, attribute: str) -> str:
    if info.kind == ABSENT:
        if attribute in vault.spans:
            return f"{vault.address}: {attribute} is null: the AWS-managed key aws/backup is used"
        return f"{vault.address}: no {attribute}: the AWS-managed key aws/backup is used"
    if info.kind == AWS_MANAGED:
        return f"{vault.address}: {attribute} = {info.text}, an AWS-managed key"
    return f"{vault.address}: {attribute} cannot be seen ({info.text or 'unknown'})"


def describe(j: VaultJudgement) -> str:
    """Why the vault is flagged, for BKP001's and BKP002's messages."""
    if j.info.kind == ABSENT:
        state = "is null" if j.attribute in j.vault.spans else "is not set"
        return (
            f"{j.attribute} {state}, so AWS Backup encrypts it with the AWS-managed key aws/backup"
        )
    if j.info.kind == AWS_MANAGED:
        return f"{j.attribute} is {j.info.text}, the AWS-managed key aws/backup"
    if j.info.text.startswith("other values of"):
        return f"{j.info.text} may leave {j.attribute} without a customer-managed key"
    return (
        f"its {j.attribute} cannot be seen ({j.info.text or 'unknown'}) and may not be a "
        "customer-managed key"
    )


def check(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    allow = bool(ctx.options["allow-aws-managed-key"])
    for vault in ctx.shared.of_kind("vault"):
        j = judge_vault(ctx.shared, vault, allow)
        if j is None:
            continue
        lang = vault.language
        fix = (
            "Set EncryptionKeyArn to a customer-managed key (!GetAtt Key.Arn)."
            if lang == "cloudformation"
            else f"Set {j.attribute} to a customer-managed key (aws_kms_key.<name>.arn)."
        )
        message = (
            f"Backup vault {vault.address} has no customer-managed KMS key"
            f"{certainty_phrase(j.verdict, lang)}: {describe(j)}. {fix}"
        )
        name = ctx.shared.fact(vault, "vault.name").payload()
        props = {"vault_name": name} if isinstance(name, str) else {}
        key_span = ctx.shared.fact(vault, "vault.key").span
        yield ctx.finding(vault, j.verdict, message, key_span, j.evidence, props)


__all__ = ["RULE_ID", "VaultJudgement", "check", "describe", "judge_vault", "payloads", "violates"]
