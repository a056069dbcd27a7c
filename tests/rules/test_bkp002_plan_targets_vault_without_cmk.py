"""BKP002 backup-plan-targets-vault-without-cmk on hand-built graphs: target and copy
vaults by name, ARN, Ref and GetAtt, the built-in Default vault."""

from __future__ import annotations

from rule_builders import good_key, graph, res, run, span

from iacguard.core.certainty import Certainty
from iacguard.core.located import Located
from iacguard.core.values import Ref

OPEN_ARN = "arn:aws:backup:eu-west-1:111122223333:backup-vault:open"
DR_ARN = "arn:aws:backup:us-west-2:444455556666:backup-vault:dr"


def plan(rules, **kw):
    return res(
        "aws_backup_plan.p",
        "aws_backup_plan",
        {"name": "p", "rule": rules},
        line=40,
        spans={"rule[0].target_vault_name": 43, "rule[0].copy_action[0].destination_vault_arn": 46},
        **kw,
    )


def test_bkp002_target_by_name_and_copy_by_literal_arn():
    open_vault = res("aws_backup_vault.open", "aws_backup_vault", {"name": "open"}, line=6)
    sealed = res(
        "aws_backup_vault.sealed",
        "aws_backup_vault",
        {"name": "sealed", "kms_key_arn": Ref("aws_kms_key.k", "arn", "m")},
    )
    p = plan(
        [
            {
                "rule_name": "to-open",
                "target_vault_name": "open",
                "copy_action": [{"destination_vault_arn": OPEN_ARN}],
            }
        ]
    )
    findings = run(graph(good_key(), open_vault, sealed, p), "BKP002")
    assert [(f.location.start_line, f.certainty, f.properties["copy"]) for f in findings] == [
        (43, Certainty.DEFINITE, False),
        (46, Certainty.DEFINITE, True),
    ]
    first = findings[0]
    assert first.address == "aws_backup_plan.p"
    assert first.message.startswith(
        "Backup plan aws_backup_plan.p rule `to-open` stores recovery points in vault "
        "aws_backup_vault.open, which has no customer-managed KMS key: kms_key_arn is not set"
    )
    assert first.evidence[0].message == "plan rule `to-open` of aws_backup_plan.p"
    assert Located(span(6, col=1), "aws_backup_vault.open (aws_backup_vault)") in first.evidence
    assert first.properties == {
        "rule_name": "to-open",
        "copy": False,
        "vault": "aws_backup_vault.open",
        "vault_name": "open",
    }


def test_bkp002_default_vault_and_outside_targets():
    p = plan(
        [
            {
                "rule_name": "d",
                "target_vault_name": "Default",
                "copy_action": [{"destination_vault_arn": DR_ARN}],
            }
        ]
    )
    (f,) = run(graph(p), "BKP002")
    assert (f.certainty, f.location.start_line) == (Certainty.DEFINITE, 43)
    assert "the built-in vault Default" in f.message
    assert run(graph(p), "BKP002", {"allow-aws-managed-key": True}) == []


def test_bkp002_cloudformation_ref_and_getatt():
    vault = res(
        "Vault", "AWS::Backup::BackupVault", {"BackupVaultName": "v"}, language="cloudformation"
    )
    p = res(
        "Plan",
        "AWS::Backup::BackupPlan",
        {
            "BackupPlan": {
                "BackupPlanRule": [
                    {
                        "RuleName": "r",
                        "TargetBackupVault": Ref("Vault", None, "m"),
                        "CopyActions": [
                            {"DestinationBackupVaultArn": Ref("Vault", "BackupVaultArn", "m")}
                        ],
                    }
                ]
            }
        },
        language="cloudformation",
    )
    found = run(graph(vault, p), "BKP002")
    assert [f.properties["vault"] for f in found] == ["Vault", "Vault"]
