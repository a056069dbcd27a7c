"""Rendering of aws_iam_policy_document payloads to the policy AWS sees."""

from __future__ import annotations

import json

from iacguard.core.values import JsonEncoded, Ref, Unknown
from iacguard.evaluate.terraform.policy_documents import document, render, render_statement


def test_statement_defaults_and_single_values() -> None:
    stmt = {
        "sid": "Backup",
        "actions": ["kms:Decrypt"],
        "resources": ["*", "*"],
        "principals": [{"type": "Service", "identifiers": ["backup.amazonaws.com"]}],
    }
    assert render_statement(stmt) == {
        "Sid": "Backup",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Principal": {"Service": "backup.amazonaws.com"},
    }


def test_principals_merge_wildcard_and_conditions() -> None:
    stmt = {
        "effect": "Deny",
        "not_actions": ["kms:Decrypt", "kms:Encrypt"],
        "principals": [
            {"type": "AWS", "identifiers": ["arn:aws:iam::1:root"]},
            {"type": "AWS", "identifiers": ["arn:aws:iam::2:root"]},
        ],
        "condition": [
            {
                "test": "StringEquals",
                "variable": "kms:ViaService",
                "values": ["backup.eu-west-2.amazonaws.com"],
            },
            {"test": "StringEquals", "variable": "kms:CallerAccount", "values": ["1", "2"]},
        ],
    }
    assert render_statement(stmt) == {
        "Effect": "Deny",
        "NotAction": ["kms:Decrypt", "kms:Encrypt"],
        "Principal": {"AWS": ["arn:aws:iam::1:root", "arn:aws:iam::2:root"]},
        "Condition": {
            "StringEquals": {
                "kms:ViaService": "backup.eu-west-2.amazonaws.com",
                "kms:CallerAccount": ["1", "2"],
            }
        },
    }
    star = render_statement(
        {"principals": [{"type": "*", "identifiers": ["*"]}], "actions": ["kms:*"]}
    )
    assert star == {"Effect": "Allow", "Action": "kms:*", "Principal": "*"}


def test_source_and_override_documents_merge_by_sid() -> None:
    source = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "A", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
                {"Sid": "B", "Effect": "Allow", "Action": "s3:Put*", "Resource": "*"},
            ],
        }
    )
    override = JsonEncoded(
        {
            "Statement": [
                {"Sid": "B", "Effect": "Deny", "Action": "s3:Put*", "Resource": "*"},
                {"Sid": "C", "Effect": "Allow", "Action": "kms:*", "Resource": "*"},
            ]
        }
    )
    attrs = {
        "source_policy_documents": [source],
        "statement": [{"sid": "A", "actions": ["s3:List*"], "resources": ["*"]}],
        "override_policy_documents": [override],
        "policy_id": "key-policy",
    }
    doc = document(attrs)
    assert doc == {
        "Version": "2012-10-17",
        "Id": "key-policy",
        "Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": "s3:List*", "Resource": "*"},
            {"Sid": "B", "Effect": "Deny", "Action": "s3:Put*", "Resource": "*"},
            {"Sid": "C", "Effect": "Allow", "Action": "kms:*", "Resource": "*"},
        ],
    }
    rendered = render(attrs)
    assert isinstance(rendered, str) and json.loads(rendered) == doc
    assert render(attrs, minified=True) == json.dumps(doc, separators=(",", ":"))


def test_partially_known_document_is_json_encoded() -> None:
    ref = Ref("aws_iam_role.backup", "arn", "root")
    attrs = {
        "statement": [
            {"actions": ["kms:*"], "principals": [{"type": "AWS", "identifiers": [ref]}]},
            Unknown("dynamic statement: for_each is not known"),
        ]
    }
    out = render(attrs)
    assert out == JsonEncoded(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "kms:*", "Principal": {"AWS": ref}},
                Unknown("dynamic statement: for_each is not known"),
            ],
        }
    )


def test_unknown_source_document_becomes_unknown_statement() -> None:
    out = render({"source_policy_documents": [Unknown("x")], "version": "2012-10-17"})
    assert out == JsonEncoded(
        {"Version": "2012-10-17", "Statement": [Unknown("source_policy_documents[0] is not known")]}
    )
