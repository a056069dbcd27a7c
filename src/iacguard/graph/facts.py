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
from typing import Any

from iacguard.core.records import record
from iacguard.core.spans import Span
from iacguard.core.value_ops import is_absent, normalize, path_steps, project
from iacguard.core.values import (
    Depends,
    Known,
    Unknown,
    Value,
)
from iacguard.graph.model import Resource


@record
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
    "aws_backup_logically_air_gapped_vault": "vault",
    "AWS::Backup::LogicallyAirGappedBackupVault": "vault",
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
    # backup sources whose recovery points take the source's encryption (SOURCES below)
    "aws_ebs_volume": "source",
    "AWS::EC2::Volume": "source",
    "aws_instance": "source",
    "AWS::EC2::Instance": "source",
    "aws_db_instance": "source",
    "AWS::RDS::DBInstance": "source",
    "aws_rds_cluster_instance": "source",
    "aws_rds_cluster": "source",
    "AWS::RDS::DBCluster": "source",
    "aws_docdb_cluster": "source",
    "AWS::DocDB::DBCluster": "source",
    "aws_neptune_cluster": "source",
    "AWS::Neptune::DBCluster": "source",
    "aws_redshift_cluster": "source",
    "AWS::Redshift::Cluster": "source",
    "aws_launch_template": "launch_template",
    "AWS::EC2::LaunchTemplate": "launch_template",
    "aws_ebs_encryption_by_default": "ebs_default",
}

#: what a vault without a key is encrypted with (fact ``vault.default_key``)
AWS_MANAGED_BACKUP_KEY = "the AWS-managed key aws/backup"
AWS_OWNED_KEY = "an AWS-owned key"

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
    "aws_backup_vault": {
        "vault.name": "name",
        "vault.key": "kms_key_arn",
        "vault.default_key": Const(AWS_MANAGED_BACKUP_KEY),
    },
    "AWS::Backup::BackupVault": {
        "vault.name": "BackupVaultName",
        "vault.key": "EncryptionKeyArn",
        "vault.default_key": Const(AWS_MANAGED_BACKUP_KEY),
    },
    # isolated copies: encrypted with an AWS-owned key unless a customer-managed key is named
    "aws_backup_logically_air_gapped_vault": {
        "vault.name": "name",
        "vault.key": "encryption_key_arn",
        "vault.default_key": Const(AWS_OWNED_KEY),
    },
    "AWS::Backup::LogicallyAirGappedBackupVault": {
        "vault.name": "BackupVaultName",
        "vault.key": "EncryptionKeyArn",
        "vault.default_key": Const(AWS_OWNED_KEY),
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
    "aws_backup_selection": {
        "selection.plan": "plan_id",
        "selection.role": "iam_role_arn",
        "selection.resources": "resources",
        "selection.not_resources": "not_resources",
        "selection.tags": "selection_tag",
        "selection.conditions": "condition",
    },
    "AWS::Backup::BackupSelection": {
        "selection.plan": "BackupPlanId",
        "selection.role": "BackupSelection.IamRoleArn",
        "selection.resources": "BackupSelection.Resources",
        "selection.not_resources": "BackupSelection.NotResources",
        "selection.tags": "BackupSelection.ListOfTags",
        "selection.conditions": "BackupSelection.Conditions",
    },
    "aws_ebs_encryption_by_default": {"ebs_default.enabled": "enabled"},
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
    ("aws_backup_logically_air_gapped_vault", "id"): "name",
    ("aws_backup_logically_air_gapped_vault", "name"): "name",
}

#: the Terraform data source whose policy JSON is rendered from its blocks, as the provider does
POLICY_DOCUMENT = "aws_iam_policy_document"
#: the resource types (data sources keyed ``data.<type>``) whose values the built-in rules read:
#: the kinds above, and the policy document data source key policies are rendered from
RULE_TYPES: frozenset[str] = frozenset(KINDS) | {f"data.{POLICY_DOCUMENT}"}
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


@record
class PlanRuleShape:
    """Where a backup plan keeps its rules' parts (relative to the plan.rules list)."""

    name: str
    target: str
    copies: str
    destination: str
    #: the logically air-gapped vault the rule backs up to directly (an ARN)
    air_gapped: str


PLAN_SHAPES: Mapping[str, PlanRuleShape] = {
    "aws_backup_plan": PlanRuleShape(
        "rule_name",
        "target_vault_name",
        "copy_action",
        "destination_vault_arn",
        "target_logically_air_gapped_backup_vault_arn",
    ),
    "AWS::Backup::BackupPlan": PlanRuleShape(
        "RuleName",
        "TargetBackupVault",
        "CopyActions",
        "DestinationBackupVaultArn",
        "TargetLogicallyAirGappedBackupVaultArn",
    ),
}


# ----------------------------------------------------------------------------- backup sources


@record
class SourceShape:
    """A resource type whose recovery points take the source's own encryption (AWS Backup does
    not fully manage it): where the encryption is set and what AWS does when it is not.

    Paths are relative to the resource; ``block[]`` means every element of a list (an element
    without the next step, a mapping with no ``ebs`` say, is no volume)."""

    #: for messages: ``EBS volume``
    label: str
    #: the ARN's service and the resource part before the name: ``("ec2", "volume/")``
    arn_service: str
    arn_resource: str
    #: the settings that must all be true (one per volume for an instance)
    encrypted: tuple[str, ...]
    #: what an absent setting means (AWS's default): False unencrypted, True encrypted
    default: bool = False
    #: account-level EBS encryption by default encrypts it whatever the setting says
    ebs: bool = False
    #: set: the encryption comes from a snapshot or a source database (cannot be seen)
    inherits: tuple[str, ...] = ()
    #: an Aurora instance: the cluster this attribute names decides
    cluster: str | None = None
    #: the launch template reference (an instance's volumes may come from it)
    launch_template: str | None = None
    #: settings a launch template stands in for when the instance does not set them
    from_template: tuple[str, ...] = ()
    #: (attribute, value) with which AWS always encrypts (Aurora Serverless v1)
    always_encrypted_when: tuple[str, str] | None = None
    #: the name in its ARN (``db:NAME``, ``cluster:NAME``), for literal ARNs and patterns
    name: str | None = None
    #: the resource tags (a map in Terraform, a Key/Value list in CloudFormation)
    tags: str = "tags"
    #: extra words for the message
    note: str = ""


_RDS_RESTORES = ("snapshot_identifier", "restore_to_point_in_time")
_REDSHIFT_NOTE = (
    "AWS now rejects new unencrypted Redshift clusters, so only an existing one can be like this"
)

SOURCES: Mapping[str, SourceShape] = {
    "aws_ebs_volume": SourceShape("EBS volume", "ec2", "volume/", ("encrypted",), ebs=True),
    "AWS::EC2::Volume": SourceShape(
        "EBS volume", "ec2", "volume/", ("Encrypted",), ebs=True, tags="Tags"
    ),
    "aws_instance": SourceShape(
        "EC2 instance",
        "ec2",
        "instance/",
        ("root_block_device[0].encrypted", "ebs_block_device[].encrypted"),
        ebs=True,
        launch_template="launch_template",
        from_template=("root_block_device[0].encrypted",),
    ),
    "AWS::EC2::Instance": SourceShape(
        "EC2 instance",
        "ec2",
        "instance/",
        ("BlockDeviceMappings[].Ebs.Encrypted",),
        ebs=True,
        launch_template="LaunchTemplate",
        tags="Tags",
    ),
    "aws_db_instance": SourceShape(
        "RDS database",
        "rds",
        "db:",
        ("storage_encrypted",),
        inherits=("replicate_source_db", *_RDS_RESTORES),
        name="identifier",
    ),
    "AWS::RDS::DBInstance": SourceShape(
        "RDS database",
        "rds",
        "db:",
        ("StorageEncrypted",),
        inherits=(
            "SourceDBInstanceIdentifier",
            "DBSnapshotIdentifier",
            "SourceDBClusterIdentifier",
        ),
        cluster="DBClusterIdentifier",
        name="DBInstanceIdentifier",
        tags="Tags",
    ),
    "aws_rds_cluster_instance": SourceShape(
        "Aurora instance", "rds", "db:", (), cluster="cluster_identifier", name="identifier"
    ),
    "aws_rds_cluster": SourceShape(
        "RDS cluster",
        "rds",
        "cluster:",
        ("storage_encrypted",),
        inherits=("replication_source_identifier", *_RDS_RESTORES),
        always_encrypted_when=("engine_mode", "serverless"),
        name="cluster_identifier",
    ),
    "AWS::RDS::DBCluster": SourceShape(
        "RDS cluster",
        "rds",
        "cluster:",
        ("StorageEncrypted",),
        inherits=("SnapshotIdentifier", "SourceDBClusterIdentifier", "ReplicationSourceIdentifier"),
        always_encrypted_when=("EngineMode", "serverless"),
        name="DBClusterIdentifier",
        tags="Tags",
    ),
    "aws_docdb_cluster": SourceShape(
        "DocumentDB cluster",
        "rds",
        "cluster:",
        ("storage_encrypted",),
        inherits=_RDS_RESTORES,
        name="cluster_identifier",
    ),
    "AWS::DocDB::DBCluster": SourceShape(
        "DocumentDB cluster",
        "rds",
        "cluster:",
        ("StorageEncrypted",),
        inherits=("SnapshotIdentifier", "SourceDBClusterIdentifier"),
        name="DBClusterIdentifier",
        tags="Tags",
    ),
    "aws_neptune_cluster": SourceShape(
        "Neptune cluster",
        "rds",
        "cluster:",
        ("storage_encrypted",),
        inherits=("snapshot_identifier", "replication_source_identifier"),
        name="cluster_identifier",
    ),
    "AWS::Neptune::DBCluster": SourceShape(
        "Neptune cluster",
        "rds",
        "cluster:",
        ("StorageEncrypted",),
        inherits=("SnapshotIdentifier", "SourceDBClusterIdentifier"),
        name="DBClusterIdentifier",
        tags="Tags",
    ),
    "aws_redshift_cluster": SourceShape(
        "Redshift cluster",
        "redshift",
        "cluster:",
        ("encrypted",),
        default=True,
        inherits=("snapshot_identifier",),
        name="cluster_identifier",
        note=_REDSHIFT_NOTE,
    ),
    "AWS::Redshift::Cluster": SourceShape(
        "Redshift cluster",
        "redshift",
        "cluster:",
        ("Encrypted",),
        default=True,
        inherits=("SnapshotIdentifier",),
        name="ClusterIdentifier",
        tags="Tags",
        note=_REDSHIFT_NOTE,
    ),
}

#: a launch template's volumes (``block[]``: every mapping that has an EBS volume)
LAUNCH_TEMPLATE_VOLUMES: Mapping[str, str] = {
    "aws_launch_template": "block_device_mappings[].ebs[0].encrypted",
    "AWS::EC2::LaunchTemplate": "LaunchTemplateData.BlockDeviceMappings[].Ebs.Encrypted",
}

#: plan JSON's tags with the provider's ``default_tags`` merged in
TAGS_ALL = "tags_all"


@record
class SelectionShape:
    """How a backup selection writes its tag tests (relative to one ``selection.tags`` entry
    and one ``selection.conditions`` block)."""

    tag_type: str
    tag_key: str
    tag_value: str
    #: operator -> the list of ``{key, value}`` tests under it
    operators: Mapping[str, str]
    cond_key: str
    cond_value: str


SELECTION_SHAPES: Mapping[str, SelectionShape] = {
    "aws_backup_selection": SelectionShape(
        "type",
        "key",
        "value",
        {
            "string_equals": "StringEquals",
            "string_like": "StringLike",
            "string_not_equals": "StringNotEquals",
            "string_not_like": "StringNotLike",
        },
        "key",
        "value",
    ),
    "AWS::Backup::BackupSelection": SelectionShape(
        "ConditionType",
        "ConditionKey",
        "ConditionValue",
        {op: op for op in ("StringEquals", "StringLike", "StringNotEquals", "StringNotLike")},
        "ConditionKey",
        "ConditionValue",
    ),
}


#: attributes of data sources rules read besides their facts: what a data source of an
#: AWS-managed alias or key resolves to (a plan JSON's values; ``rules.keys``)
MANAGED_KEY_ATTRS: Mapping[str, tuple[str, ...]] = {
    "data.aws_kms_alias": ("target_key_arn", "target_key_id"),
    "data.aws_kms_key": ("arn", "id", "key_id"),
}


def _top(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


def _rule_attributes() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {key: set() for key in RULE_TYPES}
    for key, facts in FACTS.items():
        out[key].update(_top(p) for p in facts.values() if isinstance(p, str))
    for key, shape in SOURCES.items():
        paths = [*shape.encrypted, *shape.inherits, *shape.from_template, shape.tags, TAGS_ALL]
        paths += [p for p in (shape.cluster, shape.launch_template, shape.name) if p]
        if shape.always_encrypted_when is not None:
            paths.append(shape.always_encrypted_when[0])
        out[key].update(_top(p) for p in paths)
    for key, path in LAUNCH_TEMPLATE_VOLUMES.items():
        out[key].add(_top(path))
    for key, names in MANAGED_KEY_ATTRS.items():
        out[key].update(names)
    # every attribute of a policy document: the key policies read its rendering, in every
    # world, and what its blocks meet there (a data source read at plan time) is a note
    del out[f"data.{POLICY_DOCUMENT}"]
    return {key: frozenset(names) for key, names in out.items()}


#: the top-level attributes (and block types) whose values the built-in rules read, per
#: resource type of ``RULE_TYPES`` (``EvalOptions.observed_attributes``): the facts above, the
#: backup sources' settings, tags and names, launch template volumes, managed key data
#: sources. What those values reference is evaluated with them; another attribute's value
#: is evaluated under the default inputs only. A policy document data source (not in it) has
#: every attribute explored.
RULE_ATTRIBUTES: Mapping[str, frozenset[str]] = _rule_attributes()


def type_key(resource: Resource) -> str:
    return f"data.{resource.type}" if resource.mode == "data" else resource.type


def kind_of(resource: Resource) -> str | None:
    """``key``, ``vault``, ``plan``, ``alias``, ... or None for types no rule reads."""
    return KINDS.get(type_key(resource))


# ----------------------------------------------------------------------------- paths


# ----------------------------------------------------------------------------- facts


@record
class Fact:
    """One fact of one resource: its Value (None when not set), path and span."""

    resource: Resource
    name: str
    #: the attribute path in the resource's own language (``kms_key_arn``, ``EncryptionKeyArn``)
    path: str
    value: Value | None
    #: the attribute's span, or the resource header when it is not set
    span: Span

    def __init__(
        self, resource: Resource, name: str, path: str, value: Value | None, span: Span
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "resource", resource)
        set_field(self, "name", name)
        set_field(self, "path", path)
        set_field(self, "value", value)
        set_field(self, "span", span)

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


@record
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
    #: the logically air-gapped vault it backs up to directly (an ARN; value None: not set)
    air_gapped: Fact | None = None

    def targets(self) -> list[tuple[Fact, bool]]:
        """Every vault the rule writes to, with whether it is given as an ARN: the target
        vault (a name), the air-gapped target (when set), the copy destinations."""
        out = [(self.target, False)]
        if self.air_gapped is not None and self.air_gapped.value is not None:
            out.append((self.air_gapped, True))
        out.extend((c, True) for c in self.copies)
        return out


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
        gapped_path = f"{prefix}.{shape.air_gapped}"
        gapped = _sub_fact(
            plan, "plan.rule.air_gapped", rules_value, [i, shape.air_gapped], gapped_path
        )
        out.append(PlanRule(plan, i, name, target, tuple(copies), plan.span_of(prefix), gapped))
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
