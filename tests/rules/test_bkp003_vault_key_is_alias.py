"""BKP003 backup-vault-key-is-alias on hand-built graphs: the suggested key ARN in Terraform
and CloudFormation."""

from __future__ import annotations

from rule_builders import good_key, graph, res, run, span

from iacguard.core.certainty import Certainty
from iacguard.core.values import Ref


def test_bkp003_alias_resource_suggests_target_key_arn():
    alias = res(
        "aws_kms_alias.a",
        "aws_kms_alias",
        {"name": "alias/backup", "target_key_id": Ref("aws_kms_key.k", "key_id", "m")},
    )
    vault = res(
        "aws_backup_vault.v",
        "aws_backup_vault",
        {"kms_key_arn": Ref("aws_kms_alias.a", "arn", "m")},
        spans={"kms_key_arn": 9},
    )
    (f,) = run(graph(good_key(), alias, vault), "BKP003")
    assert f.certainty is Certainty.DEFINITE
    assert f.location == span(9)
    assert f.message == (
        "Backup vault aws_backup_vault.v gives its key as an alias (aws_kms_alias.a.arn), which "
        "AWS Backup rejects in kms_key_arn: write aws_kms_alias.a.target_key_arn (or "
        "aws_kms_key.k.arn)."
    )


def test_bkp003_cloudformation_suggests_getatt():
    alias = res(
        "Alias",
        "AWS::KMS::Alias",
        {"AliasName": "alias/x", "TargetKeyId": Ref("Key", None, "m")},
        language="cloudformation",
    )
    key = res("Key", "AWS::KMS::Key", {"EnableKeyRotation": True}, language="cloudformation")
    vault = res(
        "Vault",
        "AWS::Backup::BackupVault",
        {"EncryptionKeyArn": Ref("Alias", None, "m")},
        language="cloudformation",
    )
    (f,) = run(graph(key, alias, vault), "BKP003")
    assert f.message.endswith("rejects in EncryptionKeyArn: write !GetAtt Key.Arn.")
    assert (
        run(
            graph(
                key,
                res(
                    "V2",
                    "AWS::Backup::BackupVault",
                    {"EncryptionKeyArn": Ref("Key", "Arn", "m")},
                    language="cloudformation",
                ),
            ),
            "BKP003",
        )
        == []
    )
