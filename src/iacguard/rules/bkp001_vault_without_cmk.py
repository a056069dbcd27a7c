"""BKP001 backup-vault-without-cmk.

A backup vault whose recovery points are not protected by a customer-managed KMS key: no key
set (AWS then uses its AWS-managed key ``aws/backup``), or an AWS-managed key given explicitly
(``alias/aws/backup``, its ARN, a data source of it). A key resolving to a KMS key of the graph,
a literal key ARN or a customer alias passes; so does a required input with no default (the
caller must set it). Option ``allow-aws-managed-key`` accepts AWS-managed keys.
"""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.core.certainty import Certainty
from iacguard.core.findings import Finding
from iacguard.graph.model import Graph
from iacguard.rules.context import RuleContext
from iacguard.rules.joins import describe, judge_vault


def check(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    allow = bool(ctx.options["allow-aws-managed-key"])
    for vault in ctx.shared.of_kind("vault"):
        j = judge_vault(ctx.shared, vault, allow)
        if j is None:
            continue
        # the fix is the finding's fix hint (`fix`), not repeated in the message
        verb = "may have" if j.verdict.certainty is Certainty.POSSIBLE else "has"
        message = (
            f"Backup vault {vault.address} {verb} no customer-managed KMS key"
            f"{ctx.phrase(j.verdict, vault)}: {describe(j)}."
        )
        name = ctx.shared.fact(vault, "vault.name").payload()
        props = {"vault_name": name} if isinstance(name, str) else {}
        key_span = ctx.shared.fact(vault, "vault.key").span
        yield ctx.finding(vault, j.verdict, message, key_span, j.evidence, props)
