"""What a vault's key payload stands for."""

from __future__ import annotations

import pytest
from rule_builders import graph, res

from iacguard.core.values import PartialStr, Ref, Unknown
from iacguard.rules.keys import (
    ABSENT,
    AWS_MANAGED,
    CMK,
    UNKNOWN,
    classify_key,
    managed_key_ids,
    show,
)

KEY = res("aws_kms_key.k", "aws_kms_key", {})
ALIAS = res(
    "aws_kms_alias.a",
    "aws_kms_alias",
    {"name": "alias/backup", "target_key_id": Ref("aws_kms_key.k", "key_id", "m")},
)
MANAGED = res("data.aws_kms_alias.m", "aws_kms_alias", {"name": "alias/aws/backup"}, mode="data")
CUSTOM = res("data.aws_kms_alias.c", "aws_kms_alias", {"name": "alias/team"}, mode="data")
DATA_KEY = res("data.aws_kms_key.d", "aws_kms_key", {"key_id": "alias/aws/backup"}, mode="data")
G = graph(KEY, ALIAS, MANAGED, CUSTOM, DATA_KEY)


def kind(payload):
    info = classify_key(payload, "m", G)
    return info.kind, info.alias_form, info.key.address if info.key else None


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (None, (ABSENT, False, None)),
        ("", (ABSENT, False, None)),
        ("alias/aws/backup", (AWS_MANAGED, True, None)),
        ("arn:aws:kms:us-east-1:111122223333:alias/aws/backup", (AWS_MANAGED, True, None)),
        ("alias/team-backup", (CMK, True, None)),
        ("arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/x", (CMK, True, None)),
        (
            "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            (CMK, False, None),
        ),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", (CMK, False, None)),
        ("mrk-1234abcd12ab34cd56ef1234567890ab", (CMK, False, None)),
        ("not-a-key", (UNKNOWN, False, None)),
        (Ref("aws_kms_key.k", "arn", "m"), (CMK, False, "aws_kms_key.k")),
        (Ref("aws_kms_alias.a", "arn", "m"), (CMK, True, "aws_kms_key.k")),
        (Ref("aws_kms_alias.a", "target_key_arn", "m"), (CMK, False, "aws_kms_key.k")),
        (Ref("data.aws_kms_alias.m", "target_key_arn", "m"), (AWS_MANAGED, False, None)),
        (Ref("data.aws_kms_alias.m", "arn", "m"), (AWS_MANAGED, True, None)),
        (Ref("data.aws_kms_alias.c", "target_key_arn", "m"), (CMK, False, None)),
        (Ref("data.aws_kms_key.d", "arn", "m"), (AWS_MANAGED, False, None)),
        (Ref("aws_kms_key.missing", "arn", "m"), (UNKNOWN, False, None)),
        (Unknown("remote module"), (UNKNOWN, False, None)),
    ],
)
def test_classify(payload, expected):
    assert kind(payload) == expected


def test_partial_strings():
    region = Unknown("pseudo parameter AWS::Region")
    managed = PartialStr(("arn:aws:kms:", region, ":", Unknown("x"), ":alias/aws/backup"))
    assert kind(managed) == (AWS_MANAGED, True, None)
    assert show(managed) == "arn:aws:kms:${AWS::Region}:${?}:alias/aws/backup"
    assert kind(PartialStr(("alias/", Unknown("var.name")))) == (UNKNOWN, True, None)
    assert kind(PartialStr(("arn:aws:kms:", region, ":1:key/", Unknown("id")))) == (
        CMK,
        False,
        None,
    )
    via_alias_ref = PartialStr(("arn:aws:kms:", region, ":1:", Ref("aws_kms_alias.a", None, "m")))
    assert kind(via_alias_ref) == (CMK, True, "aws_kms_key.k")


def test_aliases_are_followed_by_reference_inside_strings_and_by_literal_name():
    region = Unknown("pseudo parameter AWS::Region")
    account = Unknown("pseudo parameter AWS::AccountId")
    alias_ref = Ref("aws_kms_alias.a", None, "m")
    sub = PartialStr(("arn:aws:kms:", region, ":", account, ":", alias_ref))
    info = classify_key(sub, "m", G)
    assert (info.kind, info.alias_form, info.key, info.via) == (CMK, True, KEY, ALIAS)
    # the message shows the alias's name, not the reference
    assert info.text == "arn:aws:kms:${AWS::Region}:${AWS::AccountId}:alias/backup"
    # its literal name, alone or in an alias ARN of this stack's region and account
    by_name = classify_key("alias/backup", "m", G)
    assert (by_name.alias_form, by_name.key, by_name.via) == (True, KEY, ALIAS)
    assert by_name.text == "alias/backup"
    arn = PartialStr(("arn:aws:kms:", region, ":", account, ":alias/backup"))
    assert kind(arn) == (CMK, True, "aws_kms_key.k")
    # another root's alias, another name, or an ARN naming an account: not followed
    assert classify_key("alias/backup", "other", G).key is None
    assert kind("alias/backup-other") == (CMK, True, None)
    assert kind("arn:aws:kms:us-east-1:111122223333:alias/backup") == (CMK, True, None)
    literal_account = PartialStr(("arn:aws:kms:", region, ":111122223333:alias/backup"))
    assert kind(literal_account) == (CMK, True, None)


def test_managed_key_arns_from_resolved_data_sources():
    arn = "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-1111-2222-3333-444455556666"
    data = res(
        "data.aws_kms_alias.b",
        "aws_kms_alias",
        {"name": "alias/aws/backup", "target_key_arn": arn},
        mode="data",
    )
    g = graph(data)
    managed = managed_key_ids(g, [data])
    assert managed == frozenset({arn})
    info = classify_key(arn, "m", g, managed=managed)
    assert info.kind == AWS_MANAGED
    assert classify_key(arn, "m", g).kind == CMK
