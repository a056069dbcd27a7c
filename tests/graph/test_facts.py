"""The facts table: one vocabulary for Terraform, CloudFormation and plan attributes."""

from __future__ import annotations

import pytest
from rule_builders import res, span

from iacguard.core.value_ops import as_bool, as_int, project, split_path
from iacguard.core.values import Alternative, Depends, Known, Unknown
from iacguard.graph.facts import fact, kind_of, plan_rules


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (True, True),
        ("true", True),
        ("True", True),
        (" TRUE ", True),
        (False, False),
        ("false", False),
        ("False", False),
        (None, None),
        ("yes", None),
        (1, None),
    ],
)
def test_as_bool(payload, expected):
    assert as_bool(payload) is expected


@pytest.mark.parametrize(
    ("payload", "expected"),
    [(7, 7), ("30", 30), (30.0, 30), (" 14 ", 14), (True, None), ("7d", None), (None, None)],
)
def test_as_int(payload, expected):
    assert as_int(payload) == expected


def test_split_path():
    assert split_path("rule[0].copy_action[12].destination_vault_arn") == [
        "rule",
        0,
        "copy_action",
        12,
        "destination_vault_arn",
    ]


def test_same_fact_for_terraform_and_cloudformation():
    tf = res(
        "aws_kms_key.k",
        "aws_kms_key",
        {"enable_key_rotation": "true"},
        spans={"enable_key_rotation": 4},
    )
    cfn = res(
        "Key",
        "AWS::KMS::Key",
        {"EnableKeyRotation": True},
        language="cloudformation",
        spans={"EnableKeyRotation": 9},
    )
    f_tf, f_cfn = fact(tf, "key.rotation_enabled"), fact(cfn, "key.rotation_enabled")
    assert (f_tf.path, f_tf.payload(), f_tf.span) == ("enable_key_rotation", "true", span(4))
    assert (f_cfn.path, f_cfn.payload(), f_cfn.span.start_line) == ("EnableKeyRotation", True, 9)
    assert kind_of(tf) == kind_of(cfn) == "key"


def test_absent_fact_points_at_the_header():
    vault = res("aws_backup_vault.v", "aws_backup_vault", {"name": "v"}, line=12)
    f = fact(vault, "vault.key")
    assert f.value is None and f.absent
    assert f.span.start_line == 12
    assert f.as_value() == Known(None)


def test_constant_facts_and_data_sources():
    ext = res("aws_kms_external_key.x", "aws_kms_external_key", {})
    assert fact(ext, "key.origin").payload() == "EXTERNAL"
    data = res("data.aws_kms_alias.b", "aws_kms_alias", {"name": "alias/aws/backup"}, mode="data")
    assert kind_of(data) == "data_alias"
    assert fact(data, "alias.name").payload() == "alias/aws/backup"
    assert fact(res("x.y", "aws_s3_bucket", {}), "key.policy").value is None


def test_nested_cloudformation_path():
    plan = res(
        "Plan",
        "AWS::Backup::BackupPlan",
        {
            "BackupPlan": {
                "BackupPlanName": "p",
                "BackupPlanRule": [
                    {
                        "RuleName": "daily",
                        "TargetBackupVault": "v",
                        "CopyActions": [{"DestinationBackupVaultArn": "arn:x"}],
                    }
                ],
            }
        },
        language="cloudformation",
        spans={"BackupPlan.BackupPlanRule[0].TargetBackupVault": 20},
    )
    assert fact(plan, "plan.name").payload() == "p"
    (rule,) = plan_rules(plan)
    assert rule.name == "daily"
    assert rule.target.path == "BackupPlan.BackupPlanRule[0].TargetBackupVault"
    assert rule.target.payload() == "v"
    assert rule.target.span.start_line == 20
    assert [c.payload() for c in rule.copies] == ["arn:x"]
    assert rule.copies[0].path == (
        "BackupPlan.BackupPlanRule[0].CopyActions[0].DestinationBackupVaultArn"
    )


def test_terraform_plan_rules_and_missing_copy_actions():
    plan = res(
        "aws_backup_plan.p",
        "aws_backup_plan",
        {
            "rule": [
                {"rule_name": "a", "target_vault_name": "v1"},
                {
                    "rule_name": "b",
                    "target_vault_name": "v2",
                    "copy_action": [
                        {"destination_vault_arn": "arn:1"},
                        {"destination_vault_arn": "arn:2"},
                    ],
                },
            ]
        },
    )
    rules = plan_rules(plan)
    assert [(r.name, r.target.payload(), len(r.copies)) for r in rules] == [
        ("a", "v1", 0),
        ("b", "v2", 2),
    ]
    assert rules[1].copies[1].path == "rule[1].copy_action[1].destination_vault_arn"


def test_unknown_rules_list_gives_no_rules():
    plan = res("aws_backup_plan.p", "aws_backup_plan", {"rule": Unknown("remote")})
    assert plan_rules(plan) == []


def test_project_keeps_worlds_and_collapses_untouched_parts():
    value = Depends(
        [{"n": "x", "t": "a"}, {"n": "y", "t": "Default"}],
        frozenset({"var.v"}),
        (
            Alternative(
                (("var.v", Unknown("any value of var.v")),),
                [{"n": "x", "t": Unknown("any value of var.v")}, {"n": "y", "t": "Default"}],
            ),
        ),
        False,
    )
    first = project(value, [0, "t"])
    assert isinstance(first, Depends)
    assert first.default == "a"
    assert first.alternatives[0].value == Unknown("any value of var.v")
    assert project(value, [1, "t"]) == Known("Default")
    assert project(value, [5, "t"]) == Known(None)
    partial = Depends(
        "a", frozenset({"var.v", "var.w"}), (Alternative((("var.v", True),), "a"),), True
    )
    # var.w has no listed world: the value may still depend on it
    assert project(partial, []) is partial
