"""BKP001 backup-vault-without-cmk on hand-built graphs: exact certainty, inputs, location,
message and evidence."""

from __future__ import annotations

from rule_builders import flag, good_key, graph, res, run, span

from iacguard.core.certainty import Certainty
from iacguard.core.findings import Severity
from iacguard.core.located import Located
from iacguard.core.values import Alternative, Depends, Ref, Unknown


def test_bkp001_seed_shape_is_default_with_the_deciding_input():
    key = good_key(
        "aws_kms_key.backup_vault[0]",
        line=30,
        exists=flag("var.use_customer_managed_key", False, True),
    )
    hop = Located(span(17), "var.use_customer_managed_key = false (default)")
    kms = Depends(
        None,
        frozenset({"var.use_customer_managed_key"}),
        (
            Alternative(
                (("var.use_customer_managed_key", True),),
                Ref("aws_kms_key.backup_vault[0]", "arn", "m"),
            ),
        ),
        True,
        trace=(hop,),
    )
    vault = res(
        "aws_backup_vault.encrypted",
        "aws_backup_vault",
        {"name": "encrypted-backup-vault", "kms_key_arn": kms},
        line=80,
        spans={"kms_key_arn": 82},
    )
    (f,) = run(graph(key, vault), "BKP001")
    assert (f.rule_id, f.rule_name, f.severity) == (
        "BKP001",
        "backup-vault-without-cmk",
        Severity.HIGH,
    )
    assert f.certainty is Certainty.DEFAULT
    assert f.inputs == ("var.use_customer_managed_key",)
    assert f.location == span(82)
    assert f.message == (
        "Backup vault aws_backup_vault.encrypted has no customer-managed KMS key with "
        "var.use_customer_managed_key = false (its default): kms_key_arn is null, so AWS Backup "
        "uses the AWS-managed key aws/backup."
    )
    assert f.evidence == (
        Located(span(17), "var.use_customer_managed_key = false (default)"),
        Located(
            span(82),
            "aws_backup_vault.encrypted: kms_key_arn is null: the AWS-managed key aws/backup "
            "is used",
        ),
    )
    assert f.fix == "Set kms_key_arn to the ARN of a customer-managed key (aws_kms_key.<name>.arn)."
    assert f.properties == {"vault_name": "encrypted-backup-vault"}


def test_bkp001_missing_attribute_is_located_at_the_header_and_definite():
    vault = res(
        "Vault",
        "AWS::Backup::BackupVault",
        {"BackupVaultName": "v"},
        line=7,
        language="cloudformation",
    )
    (f,) = run(graph(vault), "BKP001")
    assert f.certainty is Certainty.DEFINITE
    assert f.inputs == ()
    assert f.location == vault.span
    assert "EncryptionKeyArn is not set" in f.message
    assert f.fix == "Set EncryptionKeyArn to a customer-managed key's ARN (!GetAtt Key.Arn)."


def test_bkp001_required_input_and_cmk_pass():
    required = Unknown("var.key has no default: the caller must set it", required_input=True)
    vaults = [
        res("aws_backup_vault.a", "aws_backup_vault", {"kms_key_arn": required}),
        res(
            "aws_backup_vault.b",
            "aws_backup_vault",
            {"kms_key_arn": Ref("aws_kms_key.k", "arn", "m")},
        ),
        res(
            "aws_backup_vault.c",
            "aws_backup_vault",
            {"kms_key_arn": "arn:aws:kms:eu-west-1:111122223333:key/abc"},
        ),
    ]
    assert run(graph(good_key(), *vaults), "BKP001") == []


def test_bkp001_unknown_key_is_possible():
    vault = res(
        "aws_backup_vault.a",
        "aws_backup_vault",
        {"kms_key_arn": Unknown("remote module output", inputs=frozenset())},
    )
    (f,) = run(graph(vault), "BKP001")
    assert f.certainty is Certainty.POSSIBLE
    assert "cannot be seen (remote module output)" in f.message


def test_bkp001_option_accepts_aws_managed_keys():
    vaults = graph(
        res("aws_backup_vault.a", "aws_backup_vault", {}),
        res("aws_backup_vault.b", "aws_backup_vault", {"kms_key_arn": "alias/aws/backup"}),
    )
    assert [f.address for f in run(vaults, "BKP001")] == [
        "aws_backup_vault.a",
        "aws_backup_vault.b",
    ]
    assert run(vaults, "BKP001", {"allow-aws-managed-key": True}) == []


def test_bkp001_existence_is_reported_not_folded_into_the_certainty():
    # count = var.create ? 1 : 0 (default false), no key: definite when created
    vault = res(
        "aws_backup_vault.a", "aws_backup_vault", {}, exists=flag("var.create", False, True)
    )
    (f,) = run(graph(vault), "BKP001")
    assert (f.certainty, f.inputs) == (Certainty.DEFINITE, ("var.create",))
    assert f.exists_when == "var.create = true"
    assert "has no customer-managed KMS key when created (var.create = true): " in f.message


def test_bkp001_gated_vault_with_a_defaulted_key_input_is_default():
    vault = res(
        "aws_backup_vault.a",
        "aws_backup_vault",
        {"kms_key_arn": flag("var.kms_key_arn", None, Unknown("any value of var.kms_key_arn"))},
        exists=flag("var.create", False, True),
    )
    (f,) = run(graph(vault), "BKP001")
    assert (f.certainty, f.inputs) == (Certainty.DEFAULT, ("var.create", "var.kms_key_arn"))
    assert "when created (var.create = true), with the default of var.kms_key_arn:" in f.message


def test_bkp001_vault_of_an_unknown_count_is_judged_on_its_key():
    vault = res(
        "aws_backup_vault.a",
        "aws_backup_vault",
        {},
        exists=Unknown("aws_backup_vault.a: count is not known (remote module x is not fetched)"),
    )
    (f,) = run(graph(vault), "BKP001")
    assert f.certainty is Certainty.DEFINITE
    assert f.exists_when == "count is not known: remote module x is not fetched"


def test_bkp001_vault_that_exists_in_no_world_is_not_a_finding():
    never = Depends(False, frozenset({"var.x"}), (Alternative((("var.x", True),), False),), True)
    vault = res("aws_backup_vault.a", "aws_backup_vault", {}, exists=never)
    assert run(graph(vault), "BKP001") == []


def test_bkp001_names_the_tfvars_file_that_decides_the_key(tmp_path):
    # issue 10 item 7: "with the default inputs" names where the value came from
    from iacguard.api import build_graph
    from iacguard.rules.registry import all_rules, run_rules

    (tmp_path / "main.tf").write_text(
        'variable "kms_key_arn" {\n  type    = string\n'
        '  default = "arn:aws:kms:us-east-1:1:key/k"\n}\n'
        'variable "name" {\n  type    = string\n  default = "v"\n}\n'
        'resource "aws_backup_vault" "v" {\n  name        = var.name\n'
        "  kms_key_arn = var.kms_key_arn\n}\n",
        encoding="utf-8",
    )
    (tmp_path / "terraform.tfvars").write_text("kms_key_arn = null\n", encoding="utf-8")
    found = [
        f for f in run_rules(build_graph([str(tmp_path)]), all_rules(), {}) if f.rule_id == "BKP001"
    ]
    (f,) = found
    assert f.certainty is Certainty.DEFAULT
    assert " with var.kms_key_arn from terraform.tfvars: kms_key_arn is null" in f.message
