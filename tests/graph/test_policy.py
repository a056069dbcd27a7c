"""Key-policy analysis: parsing every payload shape and the three-valued backup grant."""

from __future__ import annotations

import json

import pytest

from iacguard.core.values import JsonEncoded, PartialStr, Ref, Unknown
from iacguard.graph.policy import Policy, Unparsed, backup_grant, parse_policy

REGION = Unknown("pseudo parameter AWS::Region")


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(principal, action=("kms:Decrypt", "kms:GenerateDataKey"), **extra):
    return {"Effect": "Allow", "Principal": principal, "Action": list(action), **extra}


BACKUP = {"Service": "backup.amazonaws.com"}
ROOT = {"AWS": "arn:aws:iam::111122223333:root"}


def test_parse_json_string_and_dict_agree():
    data = doc(allow(BACKUP))
    from_text = parse_policy(json.dumps(data))
    from_dict = parse_policy(data)
    assert isinstance(from_text, Policy)
    assert from_text == from_dict
    assert [s.effect for s in from_text.statements] == ["Allow"]


def test_heredoc_with_trailing_comma_is_unparsed():
    text = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",}]}'
    parsed = parse_policy(text)
    assert isinstance(parsed, Unparsed)
    assert parsed.reason.startswith("the policy is not valid JSON")
    answer = backup_grant(text)
    assert answer.grants is None


def test_no_policy_is_none_and_default_policy_semantics():
    assert parse_policy(None) is None
    assert backup_grant(None).grants is False
    assert backup_grant(None, "iam-delegation").grants is True


def test_jsonencoded_structure_is_read_directly():
    data = JsonEncoded(doc(allow({"AWS": Unknown("x")}), allow(BACKUP)))
    assert backup_grant(data).grants is True


def test_partial_string_is_parsed_with_placeholders():
    text = PartialStr(
        (
            '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, '
            '"Action": "kms:*", "Condition": {"StringEquals": {"kms:ViaService": "backup.',
            REGION,
            '.amazonaws.com"}}}]}',
        )
    )
    parsed = parse_policy(text)
    assert isinstance(parsed, Policy)
    via = parsed.statements[0].condition["StringEquals"]["kms:ViaService"]
    assert via == PartialStr(("backup.", REGION, ".amazonaws.com"))
    assert backup_grant(text).grants is True


def test_unknown_and_ref_policies_cannot_tell():
    assert backup_grant(Unknown("remote module output")).grants is None
    assert backup_grant(Ref("aws_kms_key.k", "policy", "m")).grants is None


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        (BACKUP, True),
        ({"Service": ["ec2.amazonaws.com", "backup.amazonaws.com"]}, True),
        ("*", True),
        ({"AWS": "*"}, True),
        ({"Service": "ec2.amazonaws.com"}, False),
        (ROOT, False),
        ({"AWS": Unknown("role arn")}, False),
        ({"AWS": ["arn:aws:iam::111122223333:role/admin", Unknown("role arn")]}, False),
        ({"AWS": PartialStr(("arn:aws:iam::", Unknown("acct"), ":role/x"))}, False),
        ({"AWS": Ref("aws_iam_role.r", "arn", "m")}, False),
        ({"AWS": Unknown("role arn"), "Service": "backup.amazonaws.com"}, True),
        ({"AWS": Unknown("role arn"), "Service": Unknown("service")}, None),
        (Unknown("the whole principal"), None),
        (
            {
                "AWS": "arn:aws:iam::111122223333:role/aws-service-role/backup.amazonaws.com/"
                "AWSServiceRoleForBackup"
            },
            True,
        ),
    ],
)
def test_principals(principal, expected):
    assert backup_grant(doc(allow(principal))).grants is expected


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (["kms:*"], True),
        (["*"], True),
        (["kms:Decrypt", "kms:GenerateDataKey*"], True),
        (["KMS:decrypt", "kms:generatedatakey"], True),
        (["kms:Decrypt"], False),
        (["kms:Encrypt", "kms:GenerateDataKeyWithoutPlaintext"], False),
    ],
)
def test_actions_and_wildcards(actions, expected):
    assert backup_grant(doc(allow(BACKUP, actions))).grants is expected


def test_grant_may_be_split_over_statements():
    policy = doc(allow(BACKUP, ["kms:Decrypt"]), allow(BACKUP, ["kms:GenerateDataKey"]))
    assert backup_grant(policy).grants is True


def test_not_action_and_not_principal():
    not_action = {"Effect": "Allow", "Principal": BACKUP, "NotAction": ["kms:Decrypt"]}
    answer = backup_grant(doc(not_action))
    assert answer.grants is False
    assert answer.reason == "no statement allows AWS Backup kms:Decrypt"
    everyone_but_ec2 = {
        "Effect": "Allow",
        "NotPrincipal": {"Service": "ec2.amazonaws.com"},
        "Action": "kms:*",
    }
    assert backup_grant(doc(everyone_but_ec2)).grants is True


def test_unconditional_deny_cancels_conditional_deny_does_not():
    deny = {"Sid": "DenyAll", "Effect": "Deny", "Principal": "*", "Action": "kms:*"}
    answer = backup_grant(doc(allow(BACKUP), deny))
    assert answer.grants is False
    assert answer.reason == "the key policy's Deny statement 'DenyAll' cancels it"
    conditional = dict(deny, Condition={"Bool": {"aws:SecureTransport": "false"}})
    assert backup_grant(doc(allow(BACKUP), conditional)).grants is True
    other_action = dict(deny, Action="kms:ScheduleKeyDeletion")
    assert backup_grant(doc(allow(BACKUP), other_action)).grants is True


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("StringEquals", "backup.eu-west-1.amazonaws.com", True),
        ("StringEquals", ["s3.eu-west-1.amazonaws.com", "backup.us-east-1.amazonaws.com"], True),
        ("StringLike", "backup.*.amazonaws.com", True),
        ("StringEquals", "backup.amazonaws.com", False),
        ("StringEquals", "s3.eu-west-1.amazonaws.com", False),
        ("StringEquals", PartialStr(("backup.", REGION, ".amazonaws.com")), True),
        ("StringEquals", Unknown("var.service"), None),
        ("StringLike", "backup.*.amazonaws.com*", True),
        ("StringLike", "backup.eu-*.amazonaws.com", True),
        ("StringLike", "backup.??-west-1.amazonaws.com", True),
        ("StringLike", "backup.[a-z]*.amazonaws.com", False),  # IAM has no character classes
        ("StringLike", "s3.*.amazonaws.com", False),
        ("ForAnyValue:StringLike", "backup.*.amazonaws.com", True),
        ("ForAnyValue:StringEquals", ["backup.us-east-1.amazonaws.com"], True),
        ("StringEquals", "Backup.us-east-1.amazonaws.com", False),  # case-sensitive
        ("StringEqualsIgnoreCase", "Backup.us-east-1.amazonaws.com", True),
        ("StringNotEquals", "backup.us-east-1.amazonaws.com", False),
        ("StringNotLike", "s3.*.amazonaws.com", True),
    ],
)
def test_via_service(operator, value, expected):
    statement = allow({"AWS": "*"}, ["kms:*"], Condition={operator: {"kms:ViaService": value}})
    assert backup_grant(doc(statement)).grants is expected


def test_via_service_backup_global_name_message():
    statement = allow(
        {"AWS": "*"},
        Sid="ViaBackup",
        Condition={"StringEquals": {"kms:ViaService": "backup.amazonaws.com"}},
    )
    answer = backup_grant(doc(statement))
    assert answer.grants is False
    assert "statement 'ViaBackup' limits kms:ViaService" in answer.reason
    assert "backup.amazonaws.com matches nothing" in answer.reason


def test_iam_delegation_accepts_account_root():
    admin = allow(ROOT, ["kms:*"])
    assert backup_grant(doc(admin)).grants is False
    assert backup_grant(doc(admin), "iam-delegation").grants is True
    partial_root = allow(
        {"AWS": PartialStr(("arn:aws:iam::", Unknown("acct"), ":root"))}, ["kms:*"]
    )
    assert backup_grant(doc(partial_root), "iam-delegation").grants is True
    assert backup_grant(doc(allow("123456789012", ["kms:*"])), "iam-delegation").grants is True


def test_unknown_statement_blocks_a_no_but_not_a_yes():
    assert backup_grant({"Statement": [allow(ROOT), Unknown("dynamic")]}).grants is None
    assert backup_grant({"Statement": [allow(BACKUP), Unknown("dynamic")]}).grants is True
    assert backup_grant({"Statement": Unknown("concat of inputs")}).grants is None


def test_single_statement_object_and_missing_effect_is_allow():
    single = {"Statement": {"Principal": BACKUP, "Action": "kms:*"}}
    assert backup_grant(single).grants is True


def test_statement_for_a_backup_role_counts_when_recognised():
    role = Ref("aws_iam_role.backup", "arn", "m")
    policy = doc(allow({"AWS": role}))
    assert backup_grant(policy).grants is False
    assert backup_grant(policy, roles=lambda p: p == role).grants is True
    assert (
        backup_grant(doc(allow({"AWS": "arn:aws:iam::1:role/x"})), roles=lambda p: None).grants
        is False
    )


def test_trusts_backup():
    from iacguard.graph.policy import trusts_backup

    trust = {"Statement": [{"Effect": "Allow", "Principal": BACKUP, "Action": "sts:AssumeRole"}]}
    assert trusts_backup(json.dumps(trust)) is True
    ec2 = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ]
    }
    assert trusts_backup(ec2) is False
    assert trusts_backup("{broken") is None


#: AWS's example key policy for AWS Backup ("Encryption for backups in AWS Backup")
AWS_GUIDE_POLICY = doc(
    {
        "Sid": "Allow use of the key",
        "Effect": "Allow",
        "Principal": ROOT,
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": "*",
    },
    {
        "Sid": "Allow attachment of persistent resources",
        "Effect": "Allow",
        "Principal": ROOT,
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": {
            "Bool": {"kms:GrantIsForAWSResource": "true"},
            "StringLike": {"kms:ViaService": "backup.*.amazonaws.com"},
        },
    },
)


def test_aws_backup_guide_policy_grants():
    assert backup_grant(AWS_GUIDE_POLICY).grants is True
    assert backup_grant(json.dumps(AWS_GUIDE_POLICY)).grants is True


def test_create_grant_through_via_service_is_a_grant_by_itself():
    via = {"StringEquals": {"kms:ViaService": "backup.us-east-1.amazonaws.com"}}
    assert backup_grant(doc(allow(ROOT, ["kms:CreateGrant"], Condition=via))).grants is True
    assert backup_grant(doc(allow(ROOT, ["kms:Create*"], Condition=via))).grants is True
    # without kms:ViaService, kms:CreateGrant alone is not a backup grant
    assert backup_grant(doc(allow(BACKUP, ["kms:CreateGrant"]))).grants is False
    # kms:ViaService on another service
    s3 = {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}
    assert backup_grant(doc(allow(ROOT, ["kms:CreateGrant"], Condition=s3))).grants is False
    # a Deny of kms:CreateGrant and the Decrypt/GenerateDataKey ones still cancel it
    deny_grants = {"Effect": "Deny", "Principal": "*", "Action": "kms:CreateGrant"}
    answer = backup_grant(doc(allow(ROOT, ["kms:CreateGrant"], Condition=via), deny_grants))
    assert answer.grants is False


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}, False),
        ({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abc/r-1/*"}}, False),
        ({"StringEquals": {"aws:PrincipalAccount": "111122223333"}}, False),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-*"}}, False),
        ({"StringEquals": {"aws:PrincipalOrgID": Unknown("var.org_id")}}, False),
        (
            {
                "ArnLike": {
                    "aws:PrincipalArn": "arn:aws:iam::*:role/aws-service-role/"
                    "backup.amazonaws.com/AWSServiceRoleForBackup"
                }
            },
            True,
        ),
        (
            {
                "StringEquals": {
                    "aws:PrincipalArn": [
                        "arn:aws:iam::111122223333:role/app",
                        "arn:aws:iam::111122223333:role/aws-service-role/"
                        "backup.amazonaws.com/AWSServiceRoleForBackup",
                    ]
                }
            },
            True,
        ),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}, True),
        ({"StringEquals": {"aws:PrincipalArn": Unknown("var.arns")}}, None),
        # negated and IfExists operators pass when the key is absent: no restriction
        ({"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}}, True),
        ({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}}, True),
        ({"Bool": {"aws:SecureTransport": "true"}}, True),
    ],
)
def test_wildcard_principal_restricted_to_principals_the_service_is_not(condition, expected):
    for principal in ("*", {"AWS": "*"}):
        statement = allow(principal, ["kms:*"], Condition=condition)
        assert backup_grant(doc(statement)).grants is expected, principal


def test_org_restricted_wildcard_says_why():
    statement = allow("*", Sid="Org", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-1"}})
    answer = backup_grant(doc(statement))
    assert answer.grants is False
    assert answer.reason == (
        "the key policy's statement 'Org' is conditioned on the calling principal's "
        "organization, account or ARN, which the backup service principal does not carry"
    )


def test_principal_key_conditions_do_not_exclude_a_named_backup_role():
    role = Ref("aws_iam_role.backup", "arn", "m")
    org = {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}
    statement = allow({"AWS": [role, "arn:aws:iam::1:role/other"]}, Condition=org)
    assert backup_grant(doc(statement), roles=lambda p: p == role).grants is True
    assert backup_grant(doc(allow("*", Condition=org)), roles=lambda p: p == role).grants is False


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("kms:Decrypt", "KMS:decrypt", True),  # case-insensitive, no wildcard
        ("kms:Decrypt", "kms:Decrypt2", False),
        ("kms:*", "kms:GenerateDataKey", True),
        ("kms:Generate?ataKey*", "kms:GenerateDataKeyPair", True),
        ("kms:?", "kms:", False),
        ("a\\*", "a\\xyz", True),  # a backslash is itself, the star still a wildcard
        ("a\\*", "axyz", False),
        ("a.b", "axb", False),  # regex characters are themselves
        ("[kms]", "[KMS]", True),
        ("ſtraße", "STRASSE", False),  # non-ASCII: the regex engine's case folding decides
        ("K", "\u212a", True),  # the Kelvin sign folds to k, as re.IGNORECASE has it
    ],
)
def test_iam_glob(pattern: str, text: str, expected: bool) -> None:
    import re

    from iacguard.graph.policy import iam_glob

    assert iam_glob(pattern, text) is expected
    # the reference: the pattern turned into a regex character by character
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    assert (re.fullmatch(regex, text, re.DOTALL | re.IGNORECASE) is not None) is expected
    assert iam_glob(pattern, pattern, ignore_case=False)
