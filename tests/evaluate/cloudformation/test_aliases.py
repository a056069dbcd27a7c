"""CloudFormation aliases: every way a template names an AWS::KMS::Alias reaches its
TargetKeyId key, and messages show the alias's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.core.value_ops import payloads
from iacguard.evaluate.cloudformation.template import evaluate_template
from iacguard.evaluate.options import EvalOptions
from iacguard.graph.facts import fact
from iacguard.rules.keys import classify_key
from iacguard.rules.registry import all_rules, run_rules

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
      PendingWindowInDays: 7
  KeyAlias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: alias/vault-key
      TargetKeyId: !Ref Key
  Ref:
    Type: AWS::Backup::BackupVault
    Properties:
      EncryptionKeyArn: !Ref KeyAlias
  Name:
    Type: AWS::Backup::BackupVault
    Properties:
      EncryptionKeyArn: alias/vault-key
  Sub:
    Type: AWS::Backup::BackupVault
    Properties:
      EncryptionKeyArn: !Sub 'arn:aws:kms:${AWS::Region}:${AWS::AccountId}:${KeyAlias}'
  SubList:
    Type: AWS::Backup::BackupVault
    Properties:
      EncryptionKeyArn: !Sub
        - 'arn:aws:kms:${AWS::Region}:${AWS::AccountId}:${A}'
        - A: !Ref KeyAlias
  Join:
    Type: AWS::Backup::BackupVault
    Properties:
      EncryptionKeyArn: !Join
        - ':'
        - [arn:aws:kms, !Ref 'AWS::Region', !Ref 'AWS::AccountId', !Ref KeyAlias]
"""

SHOWN = "arn:aws:kms:${AWS::Region}:${AWS::AccountId}:alias/vault-key"


@pytest.fixture
def graph(tmp_path: Path):
    path = tmp_path / "aliases.yaml"
    path.write_text(TEMPLATE)
    return evaluate_template(str(path), EvalOptions())


@pytest.mark.parametrize(
    ("vault", "shown"),
    [
        ("Ref", "!Ref KeyAlias"),
        ("Name", "alias/vault-key"),
        ("Sub", SHOWN),
        ("SubList", SHOWN),
        ("Join", SHOWN),
    ],
)
def test_every_alias_form_reaches_the_target_key(graph, vault, shown):
    resource = next(r for r in graph.resources if r.address == vault)
    (payload,) = payloads(fact(resource, "vault.key").as_value())
    info = classify_key(payload, resource.root, graph)
    assert info.key is not None and info.key.address == "Key"
    assert info.via is not None and info.via.address == "KeyAlias"
    assert info.alias_form
    assert info.text == shown


def test_messages_name_every_vault_and_the_alias(graph):
    findings = run_rules(graph, all_rules(), {})
    (kms002,) = [f for f in findings if f.rule_id == "KMS002"]
    # the message names three and counts the rest; the properties list them all
    assert "backup vault Ref, Name, Sub and 2 more." in kms002.message
    assert kms002.properties["vaults"] == ["Ref", "Name", "Sub", "SubList", "Join"]
    bkp003 = {f.address: f.message for f in findings if f.rule_id == "BKP003"}
    assert set(bkp003) == {"Ref", "Name", "Sub", "SubList", "Join"}
    assert f"({SHOWN})" in bkp003["Sub"] and "${KeyAlias}" not in bkp003["Sub"]
    assert bkp003["Join"].endswith("write !GetAtt Key.Arn.")
