"""Each rule on hand-built graphs: exact certainty, inputs, location, message and evidence."""

from __future__ import annotations

from rule_builders import flag, graph, res, span

from iacguard.core.certainty import Certainty
from iacguard.core.findings import Severity
from iacguard.core.located import Located
from iacguard.core.values import Alternative, Depends, JsonEncoded, Ref, Unknown
from iacguard.rules.registry import all_rules, run_rules
from iacguard.rules.selection import select_rules

RULES = all_rules()
OPEN_ARN = "arn:aws:backup:eu-west-1:111122223333:backup-vault:open"
DR_ARN = "arn:aws:backup:us-west-2:444455556666:backup-vault:dr"
GRANT = JsonEncoded(
    {
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "kms:*"}
        ]
    }
)


def run(g, rule_id, options=None):
    rules = select_rules(RULES, [rule_id])
    return run_rules(g, rules, {rule_id: options} if options else {})


def good_key(address="aws_kms_key.k", **kw):
    attrs = {"enable_key_rotation": True, "policy": GRANT}
    attrs.update(kw.pop("attrs", {}))
    return res(address, "aws_kms_key", attrs, **kw)


# ----------------------------------------------------------------------------- BKP001


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
        "Backup vault aws_backup_vault.encrypted has no customer-managed KMS key with the default "
        "inputs (var.use_customer_managed_key = false): kms_key_arn is null, so AWS Backup "
        "encrypts it with the AWS-managed key aws/backup. Set kms_key_arn to a customer-managed "
        "key (aws_kms_key.<name>.arn)."
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


def test_bkp001_vault_that_may_not_exist_is_possible():
    vault = res(
        "aws_backup_vault.a", "aws_backup_vault", {}, exists=flag("var.create", False, True)
    )
    (f,) = run(graph(vault), "BKP001")
    assert (f.certainty, f.inputs) == (Certainty.POSSIBLE, ("var.create",))
    assert "when var.create = true" in f.message


# ----------------------------------------------------------------------------- BKP002


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


# ----------------------------------------------------------------------------- BKP003


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
        "Backup vault aws_backup_vault.v gives its key as an alias (aws_kms_alias.a.arn): AWS "
        "Backup requires the KMS key's ARN in kms_key_arn, not an alias. Instead, write "
        "aws_kms_alias.a.target_key_arn (or aws_kms_key.k.arn)."
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
    assert f.message.endswith("Instead, write !GetAtt Key.Arn.")
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


# ----------------------------------------------------------------------------- KMS001


def test_kms001_rotation_forms_and_eligibility():
    keys = graph(
        res("aws_kms_key.off", "aws_kms_key", {}),
        res("aws_kms_key.str", "aws_kms_key", {"enable_key_rotation": "False"}),
        res("aws_kms_key.on", "aws_kms_key", {"enable_key_rotation": "True"}),
        res("aws_kms_key.hmac", "aws_kms_key", {"customer_master_key_spec": "HMAC_256"}),
        res("aws_kms_key.sign", "aws_kms_key", {"key_usage": "SIGN_VERIFY"}),
        res("aws_kms_key.xks", "aws_kms_key", {"xks_key_id": "abc"}),
        res("Imported", "AWS::KMS::Key", {"Origin": "EXTERNAL"}, language="cloudformation"),
        res("aws_kms_replica_key.r", "aws_kms_replica_key", {}),
    )
    assert [f.address for f in run(keys, "KMS001")] == ["aws_kms_key.off", "aws_kms_key.str"]


def test_kms001_unknown_spec_is_possible_and_period_option():
    unknown_spec = res(
        "aws_kms_key.u",
        "aws_kms_key",
        {
            "customer_master_key_spec": Unknown(
                "any value of var.spec", inputs=frozenset({"var.spec"})
            )
        },
    )
    (f,) = run(graph(unknown_spec), "KMS001")
    assert (f.certainty, f.inputs) == (Certainty.POSSIBLE, ("var.spec",))
    long = res(
        "aws_kms_key.l",
        "aws_kms_key",
        {"enable_key_rotation": True, "rotation_period_in_days": 400},
        spans={"rotation_period_in_days": 5},
    )
    (f,) = run(graph(long), "KMS001")
    assert f.location == span(5)
    assert f.message == (
        "KMS key aws_kms_key.l rotates only every 400 days, longer than the 365 days allowed "
        "(option max-rotation-period-days). Set rotation_period_in_days to 365 or less."
    )
    assert run(graph(long), "KMS001", {"max-rotation-period-days": 400}) == []


# ----------------------------------------------------------------------------- KMS002


def test_kms002_windows_and_vault_mention():
    short = good_key(
        "aws_kms_key.s", attrs={"deletion_window_in_days": 7}, spans={"deletion_window_in_days": 4}
    )
    vault = res(
        "aws_backup_vault.v", "aws_backup_vault", {"kms_key_arn": Ref("aws_kms_key.s", "arn", "m")}
    )
    out_of_range = good_key("aws_kms_key.o", attrs={"deletion_window_in_days": "45"})
    default = good_key("aws_kms_key.d")
    found = run(graph(short, vault, out_of_range, default), "KMS002")
    assert [(f.address, f.certainty) for f in found] == [
        ("aws_kms_key.o", Certainty.DEFINITE),
        ("aws_kms_key.s", Certainty.DEFINITE),
    ]
    by = {f.address: f for f in found}
    assert "outside AWS's 7-30 day range: AWS will reject it" in by["aws_kms_key.o"].message
    assert by["aws_kms_key.s"].message == (
        "KMS key aws_kms_key.s has a short deletion window: deletion_window_in_days is 7 days, "
        "below the 30 days required (min-deletion-window-days). Set deletion_window_in_days to "
        "30. The key protects backup vault aws_backup_vault.v: deleting it makes every recovery "
        "point in that vault unrecoverable."
    )
    assert by["aws_kms_key.s"].properties == {
        "deletion_window_days": 7,
        "vaults": ["aws_backup_vault.v"],
    }
    assert run(graph(short), "KMS002", {"min-deletion-window-days": 7}) == []


# ----------------------------------------------------------------------------- KMS003


def test_kms003_modes():
    root_only = JsonEncoded(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "kms:*",
                }
            ]
        }
    )
    key = res("aws_kms_key.k", "aws_kms_key", {"policy": root_only}, spans={"policy": 3})
    vault = res(
        "aws_backup_vault.v", "aws_backup_vault", {"kms_key_arn": Ref("aws_kms_key.k", "arn", "m")}
    )
    (f,) = run(graph(key, vault), "KMS003")
    assert (f.certainty, f.location) == (Certainty.DEFINITE, span(3))
    assert f.message.startswith(
        "KMS key aws_kms_key.k protects backup vault aws_backup_vault.v but its key policy gives "
        "AWS Backup no grant: no statement of the key policy allows AWS Backup kms:Decrypt and "
        'kms:GenerateDataKey. With backup-grant = "explicit" (the default)'
    )
    assert 'with "iam-delegation" the default policy' in f.message
    assert f.properties == {"vaults": ["aws_backup_vault.v"], "backup_grant": "explicit"}
    assert run(graph(key, vault), "KMS003", {"backup-grant": "iam-delegation"}) == []


def test_kms003_policy_depending_on_input_and_unrenderable():
    policy = Depends(
        None, frozenset({"var.grant"}), (Alternative((("var.grant", True),), GRANT),), True
    )
    key = res("aws_kms_key.k", "aws_kms_key", {"policy": policy})
    vault = res(
        "aws_backup_vault.v", "aws_backup_vault", {"kms_key_arn": Ref("aws_kms_key.k", "arn", "m")}
    )
    (f,) = run(graph(key, vault), "KMS003")
    assert (f.certainty, f.inputs) == (Certainty.DEFAULT, ("var.grant",))
    opaque = res("aws_kms_key.k", "aws_kms_key", {"policy": "{not json,}"})
    assert run(graph(opaque, vault), "KMS003") == []
    unrelated = res("aws_kms_key.k", "aws_kms_key", {})
    assert run(graph(unrelated), "KMS003") == []


def test_kms003_attached_key_policy_wins():
    key = res("aws_kms_key.k", "aws_kms_key", {"policy": GRANT})
    attached = res(
        "aws_kms_key_policy.p",
        "aws_kms_key_policy",
        {"key_id": Ref("aws_kms_key.k", "id", "m"), "policy": '{"Statement": []}'},
    )
    vault = res(
        "aws_backup_vault.v", "aws_backup_vault", {"kms_key_arn": Ref("aws_kms_key.k", "arn", "m")}
    )
    (f,) = run(graph(key, attached, vault), "KMS003")
    assert f.location == key.span
    assert Located(attached.span, "aws_kms_key_policy.p sets the key policy") in f.evidence


def test_definite_findings_carry_no_inputs():
    vault = res(
        "aws_backup_vault.v",
        "aws_backup_vault",
        {
            "kms_key_arn": Depends(
                None, frozenset({"var.x"}), (Alternative((("var.x", True),), None),), True
            )
        },
    )
    (f,) = run(graph(vault), "BKP001")
    assert (f.certainty, f.inputs) == (Certainty.DEFINITE, ())


def test_kms003_key_policy_for_the_backup_role_is_a_grant():
    trust = JsonEncoded(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "backup.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ]
        }
    )
    role = res("aws_iam_role.backup", "aws_iam_role", {"assume_role_policy": trust})
    other = res(
        "aws_iam_role.app",
        "aws_iam_role",
        {
            "assume_role_policy": JsonEncoded(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ]
                }
            )
        },
    )

    def key_for(role_address):
        return res(
            f"aws_kms_key.{role_address.split('.')[1]}",
            "aws_kms_key",
            {
                "policy": JsonEncoded(
                    {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": Ref(role_address, "arn", "m")},
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                            }
                        ]
                    }
                )
            },
        )

    vaults = [
        res(
            f"aws_backup_vault.{n}",
            "aws_backup_vault",
            {"kms_key_arn": Ref(f"aws_kms_key.{n}", "arn", "m")},
        )
        for n in ("backup", "app")
    ]
    g = graph(role, other, key_for("aws_iam_role.backup"), key_for("aws_iam_role.app"), *vaults)
    assert [f.address for f in run(g, "KMS003")] == ["aws_kms_key.app"]
