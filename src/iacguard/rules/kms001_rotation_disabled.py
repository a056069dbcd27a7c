"""KMS001 kms-key-rotation-disabled.

A KMS key with automatic rotation off (``enable_key_rotation`` / ``EnableKeyRotation`` absent
or false), only where AWS can rotate it: symmetric encryption keys (spec absent or
``SYMMETRIC_DEFAULT``, usage absent or ``ENCRYPT_DECRYPT``) whose key material comes from KMS
(origin not ``EXTERNAL`` / ``AWS_CLOUDHSM`` / ``EXTERNAL_KEY_STORE``, no custom key store).
Asymmetric, HMAC, imported, custom-store and replica keys (a replica follows its primary) are
not findings. Option ``max-rotation-period-days`` (default 365) also flags a rotation period
above it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iacguard.core.certainty import Certainty, Verdict, judge_joint
from iacguard.core.findings import Finding
from iacguard.core.located import Located
from iacguard.core.value_ops import as_bool, as_int
from iacguard.core.values import Unknown, Value
from iacguard.graph.facts import Fact
from iacguard.graph.model import Graph, Resource
from iacguard.rules.context import (
    Analysis,
    RuleContext,
    evidence_of,
    may_exist,
    vault_names,
)
from iacguard.rules.fix_values import set_value

_ELIGIBLE: dict[str, tuple[str, ...]] = {
    "key.spec": ("SYMMETRIC_DEFAULT",),
    "key.usage": ("ENCRYPT_DECRYPT",),
    "key.origin": ("AWS_KMS",),
}


def _eligible_value(expected: tuple[str, ...]):
    def predicate(payload: Any) -> bool | None:
        if payload is None:
            return True
        if isinstance(payload, str):
            return payload.strip().upper() in expected
        return None

    return predicate


def _not_set(payload: Any) -> bool | None:
    if payload is None or payload == "":
        return True
    return False if isinstance(payload, (str, bool, int)) else None


def eligibility_values(shared: Analysis, key: Resource) -> list[Value] | None:
    """The facts deciding whether AWS can rotate the key (None: a replica, never)."""
    if as_bool(shared.fact(key, "key.replica").payload()) is True:
        return None
    names = ("key.spec", "key.usage", "key.origin", "key.custom_key_store", "key.xks_key")
    return [shared.fact(key, name).as_value() for name in names]


def _eligible(spec: Any, usage: Any, origin: Any, cks: Any, xks: Any) -> bool | None:
    """Can AWS rotate the key, in one world? (Judged given that the key exists: what gates its
    existence is reported with the finding, not folded in.)"""
    checks = [
        _eligible_value(_ELIGIBLE["key.spec"])(spec),
        _eligible_value(_ELIGIBLE["key.usage"])(usage),
        _eligible_value(_ELIGIBLE["key.origin"])(origin),
        _not_set(cks),
        _not_set(xks),
    ]
    if False in checks:
        return False
    return None if None in checks else True


def _rotation_off(payload: Any) -> bool | None:
    if payload is None:
        return True
    flag = as_bool(payload)
    return None if flag is None else not flag


def _rotation_on(payload: Any) -> bool | None:
    off = _rotation_off(payload)
    return None if off is None else not off


def check(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    max_period = int(ctx.options["max-rotation-period-days"])
    shared = ctx.shared
    for key in shared.of_kind("key"):
        eligibility = eligibility_values(shared, key)
        if eligibility is None or not may_exist(key):
            continue
        rotation = shared.fact(key, "key.rotation_enabled")
        vaults = shared.protected_vaults(key)
        protects = f" It protects backup vault {vault_names(vaults)}." if vaults else ""
        props: dict[str, Any] = {"vaults": [v.address for v in vaults]} if vaults else {}

        def off(*payloads: Any) -> bool | None:
            return _and(_eligible(*payloads[:-1]), _rotation_off(payloads[-1]))

        verdict = judge_joint([*eligibility, rotation.as_value()], off)
        if verdict is not None:
            yield _finding_off(ctx, key, rotation, verdict, protects, props)
            continue
        period = shared.fact(key, "key.rotation_period_days")
        if period.value is None:
            continue

        def too_long(*payloads: Any) -> bool | None:
            *rest, enabled, days = payloads
            if days is None:
                return False
            n = as_int(days)
            return _and(
                _and(_eligible(*rest), _rotation_on(enabled)), None if n is None else n > max_period
            )

        verdict = judge_joint([*eligibility, rotation.as_value(), period.as_value()], too_long)
        if verdict is None:
            continue
        days = as_int(period.payload())
        shown = f"{days} days" if days is not None else "a period"
        verb = "may rotate" if verdict.certainty is Certainty.POSSIBLE else "rotates"
        message = (
            f"KMS key {key.address} {verb} only every {shown}{ctx.phrase(verdict, key)}, "
            f"longer than the {max_period} days allowed (max-rotation-period-days).{protects}"
        )
        evidence = evidence_of(period.value) + [Located(period.span, f"{period.path} = {shown}")]
        # AWS accepts 90-2560 days: a maximum below 90 cannot be written
        fixes = set_value(shared.memo, key, period, max_period) if max_period >= 90 else ()
        yield ctx.finding(
            key,
            verdict,
            message,
            period.span,
            evidence,
            {**props, "rotation_period_days": days},
            fixes,
        )


def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _finding_off(
    ctx: RuleContext,
    key: Resource,
    rotation: Fact,
    verdict: Verdict,
    protects: str,
    props: dict[str, Any],
) -> Finding:
    cfn = key.language == "cloudformation"
    attr = rotation.path or ("EnableKeyRotation" if cfn else "enable_key_rotation")
    shown = rotation.payload()
    if rotation.absent:
        state = f"{attr} is not set (AWS's default is no rotation)"
    elif isinstance(shown, Unknown):  # not "is false": it cannot be seen
        state = f"{attr} cannot be seen ({shown.reason})"
    elif _rotation_off(shown) is None:
        state = f"{attr} cannot be seen"
    elif _rotation_off(shown):
        state = f"{attr} is false"
    else:  # off in another world
        state = f"{attr} is true by default only"
    verb = "may not rotate" if verdict.certainty is Certainty.POSSIBLE else "does not rotate"
    # the fix (enable rotation) is the finding's fix hint
    message = (
        f"KMS key {key.address} {verb} its key material{ctx.phrase(verdict, key)}: "
        f"{state}.{protects}"
    )
    evidence = evidence_of(rotation.value) + [Located(rotation.span, f"{key.address}: {state}")]
    fixes = set_value(ctx.shared.memo, key, rotation, True)
    return ctx.finding(key, verdict, message, rotation.span, evidence, props, fixes)
