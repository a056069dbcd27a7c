"""Provider attributes -> the facts rules read.

This module is THE one table that maps what Terraform, CloudFormation and plan JSON call an
attribute (``enable_key_rotation``, ``EnableKeyRotation``) to a fact a rule reads
(``key.rotation_enabled``). A rule asks ``fact(resource, "key.rotation_enabled")`` and gets a
``Fact``: the attribute's Value (Known / Depends / Unknown, or None when it is not set), the
attribute path in the source language and its span (the resource header when it is not set).
Adding a resource type is adding a row to ``FACTS``.

The Terraform evaluator reads its provider knowledge here too: the computed attributes whose
value follows from configured ones (``DERIVED_ATTRS``: a vault's ``id`` is its ``name``) and the
data source whose JSON it renders from its blocks as the provider does (``POLICY_DOCUMENT``).

Also here: the small normalisations every rule needs (``as_bool``: ``True``, ``true``,
``"true"``, ``"True"`` all mean true; ``as_int``), projecting a Value onto a sub-path of its
payload (``project``), and the backup plan's rules as a list of ``PlanRule``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from iacguard.core.spans import Span
from iacguard.core.values import (
    Alternative,
    Depends,
    JsonEncoded,
    Known,
    PartialStr,
    Unknown,
    Value,
)
from iacguard.graph.model import Resource


@dataclass(frozen=True, slots=True)
class Const:
    """A fact that is fixed by the resource type (``aws_kms_external_key`` is EXTERNAL)."""

    value: Any


#: resource kind by type; data sources are keyed ``data.<type>``
KINDS: Mapping[str, str] = {
    "aws_kms_key": "key",
    "AWS::KMS::Key": "key",
    "aws_kms_replica_key": "key",
    "AWS::KMS::ReplicaKey": "key",
    "aws_kms_external_key": "key",
    "aws_kms_replica_external_key": "key",
    "aws_backup_vault": "vault",
    "AWS::Backup::BackupVault": "vault",
    "aws_backup_plan": "plan",
    "AWS::Backup::BackupPlan": "plan",
    "aws_kms_alias": "alias",
    "AWS::KMS::Alias": "alias",
    "aws_kms_key_policy": "key_policy",
    "aws_kms_grant": "grant",
    "aws_backup_selection": "selection",
    "AWS::Backup::BackupSelection": "selection",
    "aws_iam_role": "role",
    "AWS::IAM::Role": "role",
    "data.aws_kms_alias": "data_alias",
    "data.aws_kms_key": "data_key",
}

#: fact name -> attribute path (or a Const), per resource type
FACTS: Mapping[str, Mapping[str, str | Const]] = {
    "aws_kms_key": {
        "key.rotation_enabled": "enable_key_rotation",
        "key.rotation_period_days": "rotation_period_in_days",
        "key.spec": "customer_master_key_spec",
        "key.usage": "key_usage",
        "key.origin": Const("AWS_KMS"),
        "key.custom_key_store": "custom_key_store_id",
        "key.xks_key": "xks_key_id",
        "key.deletion_window_days": "deletion_window_in_days",
        "key.policy": "policy",
        "key.replica": Const(False),
    },
    "AWS::KMS::Key": {
        "key.rotation_enabled": "EnableKeyRotation",
        "key.rotation_period_days": "RotationPeriodInDays",
        "key.spec": "KeySpec",
        "key.usage": "KeyUsage",
        "key.origin": "Origin",
        "key.deletion_window_days": "PendingWindowInDays",
        "key.policy": "KeyPolicy",
        "key.replica": Const(False),
    },
    "aws_kms_replica_key": {
        "key.deletion_window_days": "deletion_window_in_days",
        "key.policy": "policy",
        "key.primary": "primary_key_arn",
        "key.replica": Const(True),
    },
    "AWS::KMS::ReplicaKey": {
        "key.deletion_window_days": "PendingWindowInDays",
        "key.policy": "KeyPolicy",
        "key.primary": "PrimaryKeyArn",
        "key.replica": Const(True),
    },
    "aws_kms_external_key": {
        "key.origin": Const("EXTERNAL"),
        "key.deletion_window_days": "deletion_window_in_days",
        "key.policy": "policy",
        "key.replica": Const(False),
    },
    "aws_kms_replica_external_key": {
        "key.origin": Const("EXTERNAL"),
        "key.deletion_window_days": "deletion_window_in_days",
        "key.policy": "policy",
        "key.replica": Const(True),
    },
    "aws_backup_vault": {"vault.name": "name", "vault.key": "kms_key_arn"},
    "AWS::Backup::BackupVault": {
        "vault.name": "BackupVaultName",
        "vault.key": "EncryptionKeyArn",
    },
    "aws_backup_plan": {"plan.name": "name", "plan.rules": "rule"},
    "AWS::Backup::BackupPlan": {
        "plan.name": "BackupPlan.BackupPlanName",
        "plan.rules": "BackupPlan.BackupPlanRule",
    },
    "aws_kms_alias": {"alias.name": "name", "alias.target": "target_key_id"},
    "AWS::KMS::Alias": {"alias.name": "AliasName", "alias.target": "TargetKeyId"},
    "aws_kms_key_policy": {"key_policy.key": "key_id", "key_policy.policy": "policy"},
    "aws_kms_grant": {
        "grant.key": "key_id",
        "grant.grantee": "grantee_principal",
        "grant.operations": "operations",
    },
    "aws_backup_selection": {"selection.plan": "plan_id", "selection.role": "iam_role_arn"},
    "AWS::Backup::BackupSelection": {
        "selection.plan": "BackupPlanId",
        "selection.role": "BackupSelection.IamRoleArn",
    },
    "aws_iam_role": {"role.trust": "assume_role_policy"},
    "AWS::IAM::Role": {"role.trust": "AssumeRolePolicyDocument"},
    "data.aws_kms_alias": {"alias.name": "name"},
    "data.aws_kms_key": {"data_key.key_id": "key_id"},
}


#: computed Terraform attributes whose value follows from configured ones: (type, attr) ->
#: the configured attribute
DERIVED_ATTRS: Mapping[tuple[str, str], str] = {
    ("aws_backup_vault", "id"): "name",
    ("aws_backup_vault", "name"): "name",
    ("aws_kms_alias", "id"): "name",
    ("aws_kms_alias", "name"): "name",
    ("aws_backup_plan", "name"): "name",
    ("aws_iam_role", "id"): "name",
}

#: the Terraform data source whose policy JSON is rendered from its blocks, as the provider does
POLICY_DOCUMENT = "aws_iam_policy_document"
#: its rendered attributes
POLICY_JSON_ATTRS = ("json", "minified_json")
#: its configured attributes (and block types) the rendering reads, in reading order
POLICY_DOCUMENT_PARTS = (
    "statement",
    "source_policy_documents",
    "override_policy_documents",
    "policy_id",
    "version",
)


@dataclass(frozen=True, slots=True)
class PlanRuleShape:
    """Where a backup plan keeps its rules' parts (relative to the plan.rules list)."""

    name: str
    target: str
    copies: str
    destination: str


PLAN_SHAPES: Mapping[str, PlanRuleShape] = {
    "aws_backup_plan": PlanRuleShape(
        "rule_name", "target_vault_name", "copy_action", "destination_vault_arn"
    ),
    "AWS::Backup::BackupPlan": PlanRuleShape(
        "RuleName", "TargetBackupVault", "CopyActions", "DestinationBackupVaultArn"
    ),
}


def type_key(resource: Resource) -> str:
    return f"data.{resource.type}" if resource.mode == "data" else resource.type


def kind_of(resource: Resource) -> str | None:
    """``key``, ``vault``, ``plan``, ``alias``, ... or None for types no rule reads."""
    return KINDS.get(type_key(resource))


# ----------------------------------------------------------------------------- paths

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def split_path(path: str) -> list[str | int]:
    """``"rule[0].copy_action[1].x"`` -> ``["rule", 0, "copy_action", 1, "x"]``."""
    return list(_split(path))


@lru_cache(maxsize=1024)
def _split(path: str) -> tuple[str | int, ...]:
    return tuple(int(index) if index else name for name, index in _SEGMENT.findall(path))


_MISSING = object()


def dig(payload: Any, steps: list[str | int]) -> Any:
    """The payload at ``steps`` below ``payload``: None when absent, an Unknown leaf when an
    unknown stands in the way."""
    for step in steps:
        if isinstance(payload, Unknown):
            return payload
        if isinstance(step, int):
            if isinstance(payload, (list, tuple)) and -len(payload) <= step < len(payload):
                payload = payload[step]
            else:
                return None
        elif isinstance(payload, Mapping):
            payload = payload.get(step)
        else:
            return None
    return payload


def map_value(value: Value, fn: Callable[[Any], Any]) -> Value:
    """Apply ``fn`` to the payload in every world of ``value``."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Known):
        return normalize(Known(fn(value.value), value.span, value.trace))
    return normalize(
        Depends(
            fn(value.default),
            value.inputs,
            tuple(Alternative(a.assignment, fn(a.value)) for a in value.alternatives),
            value.complete,
            value.span,
            value.trace,
        )
    )


def normalize(value: Value) -> Value:
    """A Known/Depends whose default payload is a bare Unknown leaf is that Unknown."""
    if isinstance(value, Known) and isinstance(value.value, Unknown):
        leaf = value.value
        return Unknown(
            leaf.reason,
            leaf.span or value.span,
            leaf.inputs,
            leaf.required_input,
            leaf.trace or value.trace,
        )
    if isinstance(value, Depends) and isinstance(value.default, Unknown):
        leaf = value.default
        return Unknown(
            leaf.reason,
            leaf.span or value.span,
            leaf.inputs | value.inputs,
            leaf.required_input,
            leaf.trace or value.trace,
        )
    return value


def project(value: Value, steps: list[str | int]) -> Value:
    """The Value of a sub-path of ``value``'s payload."""
    if not steps:
        return normalize(value)
    sub = map_value(value, lambda p: dig(p, steps))
    return _collapse(sub)


def _collapse(value: Value) -> Value:
    """Narrow a projected sub-value to the inputs that change it.

    The inputs of an attribute are those its whole payload touched; a part of it (one plan
    rule's target) may depend on fewer. An input is kept when a listed world that assigns it
    gives a different payload, when it is unknown inside the default payload, or when no listed
    world assigns it (it may matter). No input left: the part is Known. The reference chain
    keeps only the hops that do not name a dropped input.
    """
    if not isinstance(value, Depends) or not value.alternatives:
        return value
    assigned: set[str] = set()
    changing: set[str] = set()
    for alt in value.alternatives:
        names = {name for name, _ in alt.assignment}
        assigned.update(names)
        if alt.value != value.default:
            changing.update(names)
    keep = (value.inputs - assigned) | changing | (unknown_inputs(value.default) & value.inputs)
    if keep == value.inputs:
        return value
    dropped = value.inputs - keep
    trace = tuple(h for h in value.trace if not _names_any(h.message, dropped))
    if not keep:
        return Known(value.default, value.span, trace)
    alternatives = tuple(
        a for a in value.alternatives if any(name in keep for name, _ in a.assignment)
    )
    return Depends(value.default, frozenset(keep), alternatives, value.complete, value.span, trace)


def _names_any(message: str, names: set[str]) -> bool:
    for name in names:
        if message.startswith((f"{name} ", f"Parameter {name} ")):
            return True
    return False


def unknown_inputs(payload: Any) -> set[str]:
    """The inputs named by Unknown leaves anywhere in a payload."""
    out: set[str] = set()
    stack = [payload]
    while stack:
        node = stack.pop()
        if isinstance(node, Unknown):
            out.update(node.inputs)
        elif isinstance(node, PartialStr):
            stack.extend(node.parts)
        elif isinstance(node, JsonEncoded):
            stack.append(node.data)
        elif isinstance(node, Mapping):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
    return out


def is_absent(value: Value | None) -> bool:
    """Not set in any world we can see (null counts as not set)."""
    if value is None:
        return True
    if isinstance(value, Known):
        return value.value is None
    if isinstance(value, Depends):
        return value.default is None and all(a.value is None for a in value.alternatives)
    return False


# ----------------------------------------------------------------------------- facts


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact of one resource: its Value (None when not set), path and span."""

    resource: Resource
    name: str
    #: the attribute path in the resource's own language (``kms_key_arn``, ``EncryptionKeyArn``)
    path: str
    value: Value | None
    #: the attribute's span, or the resource header when it is not set
    span: Span

    @property
    def absent(self) -> bool:
        return is_absent(self.value)

    def payload(self) -> Any:
        """The payload under the default inputs (None when not set)."""
        v = self.value
        if v is None:
            return None
        if isinstance(v, Known):
            return v.value
        if isinstance(v, Depends):
            return v.default
        return v

    def as_value(self) -> Value:
        """The value with "not set" as a Known None (so predicates can judge absence)."""
        return self.value if self.value is not None else Known(None, self.span)


def attribute_path(resource: Resource, name: str) -> str | None:
    """The attribute path behind fact ``name`` for this resource type (None: no such fact)."""
    entry = FACTS.get(type_key(resource), {}).get(name)
    return entry if isinstance(entry, str) else None


def fact(resource: Resource, name: str) -> Fact:
    """Fact ``name`` of ``resource`` (value None when the type has no such attribute or it is
    not set)."""
    entry = FACTS.get(type_key(resource), {}).get(name)
    if entry is None:
        return Fact(resource, name, "", None, resource.span)
    if isinstance(entry, Const):
        return Fact(resource, name, "", Known(entry.value), resource.span)
    return Fact(resource, name, entry, value_at(resource, entry), resource.span_of(entry))


def value_at(resource: Resource, path: str) -> Value | None:
    """The Value at an attribute path such as ``BackupPlan.BackupPlanRule[0].RuleName``."""
    steps = _split(path)
    if not steps:
        return None
    top = resource.attributes.get(steps[0])  # type: ignore[arg-type]
    if top is None:
        return None
    if len(steps) == 1:
        return normalize(top)
    sub = project(top, list(steps[1:]))
    return None if is_absent(sub) else sub


# ----------------------------------------------------------------------------- scalars


def as_bool(payload: Any) -> bool | None:
    """``True``/``true``/``"true"``/``"True"`` -> True; the false forms -> False; else None."""
    if isinstance(payload, bool):
        return payload
    if isinstance(payload, str):
        low = payload.strip().lower()
        if low == "true":
            return True
        if low == "false":
            return False
    return None


def as_int(payload: Any) -> int | None:
    """An integer written as a number or a numeric string; else None."""
    if isinstance(payload, bool):
        return None
    if isinstance(payload, int):
        return payload
    if isinstance(payload, float) and payload.is_integer():
        return int(payload)
    if isinstance(payload, str) and re.fullmatch(r"\s*-?\d+\s*", payload):
        return int(payload)
    return None


def as_str(payload: Any) -> str | None:
    return payload if isinstance(payload, str) else None


# ----------------------------------------------------------------------------- plan rules


@dataclass(frozen=True, slots=True)
class PlanRule:
    """One rule of a backup plan (one element of ``rule`` / ``BackupPlanRule``)."""

    plan: Resource
    index: int
    #: the rule's name under the default inputs (``rule_name`` / ``RuleName``), or ``#i``
    name: str
    target: Fact
    #: one Fact per copy action's destination vault ARN
    copies: tuple[Fact, ...]
    span: Span


def plan_rules(plan: Resource) -> list[PlanRule]:
    """The rules of a backup plan as the default inputs give them (dynamic blocks expanded by
    the evaluator). An unknown rules list gives no rules."""
    shape = PLAN_SHAPES.get(plan.type)
    base = attribute_path(plan, "plan.rules")
    if shape is None or base is None:
        return []
    rules_value = value_at(plan, base)
    if rules_value is None or isinstance(rules_value, Unknown):
        return []
    payload = rules_value.value if isinstance(rules_value, Known) else rules_value.default
    if isinstance(payload, Mapping):
        payload = [payload]
    if not isinstance(payload, (list, tuple)):
        return []
    out = []
    for i, item in enumerate(payload):
        prefix = f"{base}[{i}]"
        name_payload = item.get(shape.name) if isinstance(item, Mapping) else None
        name = name_payload if isinstance(name_payload, str) else f"#{i}"
        target_path = f"{prefix}.{shape.target}"
        target = _sub_fact(plan, "plan.rule.target", rules_value, [i, shape.target], target_path)
        copies = []
        raw = item.get(shape.copies) if isinstance(item, Mapping) else None
        if isinstance(raw, Mapping):
            raw = [raw]
        if isinstance(raw, (list, tuple)):
            for j in range(len(raw)):
                path = f"{prefix}.{shape.copies}[{j}].{shape.destination}"
                copies.append(
                    _sub_fact(
                        plan,
                        "plan.rule.copy_destination",
                        rules_value,
                        [i, shape.copies, j, shape.destination],
                        path,
                    )
                )
        out.append(PlanRule(plan, i, name, target, tuple(copies), plan.span_of(prefix)))
    return out


def _sub_fact(
    resource: Resource, name: str, value: Value, steps: list[str | int], path: str
) -> Fact:
    sub = project(value, steps)
    return Fact(
        resource,
        name,
        path,
        None if is_absent(sub) else sub,
        resource.span_of(path),
    )
