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

Also here: the backup plan's rules as a list of ``PlanRule``. The operations on values the
facts use (projecting a Value onto a sub-path, normalising, ``as_bool``...) live with the
values, in ``core.value_ops``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from iacguard.core.spans import Span
from iacguard.core.value_ops import is_absent, normalize, path_steps, project
from iacguard.core.values import (
    Depends,
    Known,
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
    steps = path_steps(path)
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
