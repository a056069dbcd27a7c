"""BKP002 backup-plan-targets-vault-without-cmk on hand-built graphs: target and copy
vaults by name, ARN, Ref and GetAtt, the built-in Default vault."""

from __future__ import annotations

from rule_builders import good_key, graph, res, run, span

from iacguard.core.certainty import Certainty
from iacguard.core.located import Located
from iacguard.core.values import Alternative, Depends, Ref, Unknown
from iacguard.graph.model import Edge, Graph

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


def test_bkp002_joins_through_the_reference_when_the_name_cannot_be_seen():
    # target_vault_name = aws_backup_vault.v.name, whose name is a required input: the
    # reference (an edge at that path, with the same unknown payload) decides the join
    name = Unknown("var.vault_name has no default: the caller must set it", required_input=True)
    vault = res("aws_backup_vault.v", "aws_backup_vault", {"name": name}, line=6)
    other = res("aws_backup_vault.w", "aws_backup_vault", {"name": name}, line=9)
    p = plan([{"rule_name": "daily", "target_vault_name": name}])
    edge = Edge(
        "aws_backup_plan.p", "rule[0].target_vault_name", "aws_backup_vault.v", "name", "m", None
    )
    (f,) = run(Graph((vault, other, p), (edge,)), "BKP002")
    assert (f.certainty, f.properties["vault"]) == (Certainty.DEFINITE, "aws_backup_vault.v")
    # without the reference, an unknown name joins to nothing
    assert run(Graph((vault, other, p)), "BKP002") == []


def test_bkp002_a_count_gated_plan_is_judged_as_created():
    created = Depends(
        False, frozenset({"var.create"}), (Alternative((("var.create", True),), True),), True
    )
    open_vault = res("aws_backup_vault.open", "aws_backup_vault", {"name": "open"}, line=6)
    p = plan([{"rule_name": "daily", "target_vault_name": "open"}], exists=created)
    (f,) = run(graph(open_vault, p), "BKP002")
    assert (f.certainty, f.inputs) == (Certainty.DEFINITE, ("var.create",))
    assert "when created (var.create = true)" in f.message
