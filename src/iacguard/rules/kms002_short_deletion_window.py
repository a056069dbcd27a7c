"""KMS002 kms-key-short-deletion-window.

A KMS key (replica keys and external keys included) whose ``deletion_window_in_days`` /
``PendingWindowInDays`` is below ``min-deletion-window-days`` (default 30; not set means AWS's
30). A value outside AWS's 7-30 range is a finding too: AWS rejects it. The message says when
the key protects a backup vault: deleting the key makes every recovery point in the vault
unrecoverable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iacguard.core.certainty import Certainty
from iacguard.core.findings import Finding
from iacguard.core.located import Located
from iacguard.core.value_ops import as_int
from iacguard.graph.model import Graph
from iacguard.rules.context import RuleContext, evidence_of, judged, vault_names
from iacguard.rules.fix_values import set_value

AWS_DEFAULT = 30
AWS_MIN, AWS_MAX = 7, 30


def check(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    minimum = int(ctx.options["min-deletion-window-days"])
    shared = ctx.shared

    def violates(payload: Any) -> bool | None:
        if payload is None:
            return AWS_DEFAULT < minimum
        days = as_int(payload)
        if days is None:
            return None
        return days < minimum or not AWS_MIN <= days <= AWS_MAX

    for key in shared.of_kind("key"):
        window = shared.fact(key, "key.deletion_window_days")
        verdict = judged(key, window.as_value(), violates)
        if verdict is None:
            continue
        shown = window.payload()
        days = as_int(shown)
        attr = window.path
        if shown is None:
            state = f"{attr} is not set (AWS's default {AWS_DEFAULT} days)"
        elif days is None:
            state = f"{attr} cannot be seen"
        else:
            state = f"{attr} is {days} days"
        possible = verdict.certainty is Certainty.POSSIBLE
        if possible:
            # no "set it to 30": with the defaults it may well be 30 already
            bound = (
                f"below {minimum} days"
                if minimum >= AWS_MAX
                else f"below {minimum} or above {AWS_MAX} days"
            )
            if shown is None:
                problem = (
                    f"{attr} is not set by default (AWS's default {AWS_DEFAULT} days), but other "
                    f"values may be {bound}"
                )
            else:
                problem = f"{state} by default, but other values may be {bound}"
        elif days is not None and not AWS_MIN <= days <= AWS_MAX:
            problem = f"{state}, outside AWS's {AWS_MIN}-{AWS_MAX} day range: AWS will reject it"
        else:
            problem = f"{state}, below the {minimum} days required (min-deletion-window-days)"
        vaults = shared.protected_vaults(key)
        protects = ""
        if vaults:
            protects = (
                f" Deleting it loses the recovery points of backup vault {vault_names(vaults)}."
            )
        # the fix (a longer window) is the finding's fix hint
        verb = "may have" if possible else "has"
        message = (
            f"KMS key {key.address} {verb} a short deletion window{ctx.phrase(verdict, key)}: "
            f"{problem}.{protects}"
        )
        evidence = evidence_of(window.value) + [Located(window.span, f"{key.address}: {state}")]
        evidence += [Located(v.span, f"{v.address} is encrypted with this key") for v in vaults]
        props: dict[str, Any] = {"deletion_window_days": days}
        if vaults:
            props["vaults"] = [v.address for v in vaults]
        fixes: tuple = ()
        if days is not None:  # not set means AWS's 30: nothing to raise
            target = AWS_MAX if days > AWS_MAX else min(max(minimum, AWS_MIN), AWS_MAX)
            fixes = set_value(shared.memo, key, window, target)
        yield ctx.finding(key, verdict, message, window.span, evidence, props, fixes)
