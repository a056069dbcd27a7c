"""The text a fix writes follows the file's own style (YAML flow or block, quoting; JSON
indentation; Terraform alignment), and a value the fix cannot edit for sure gets no fix at
all: a comment inside it, a tfvars file or a local deciding it, a ``.tf.json`` file, a block
on one line. Each case runs the real pipeline on a small file and applies what it offers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iacguard.api import check
from iacguard.run.fixes import apply_plan, plan_fixes


def _fixed(
    tmp_path: Path,
    monkeypatch,
    name: str,
    text: str,
    *extra: tuple[str, str],
    rules: tuple[str, ...] = ("KMS001", "KMS002"),
):
    """(the fixes offered for the findings of ``rules``, the file after --fix --unsafe-fixes)."""
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(text)
    for other, body in extra:
        Path(other).write_text(body)
    report = check(["."])
    found = [f for f in report.findings if f.rule_id in rules]
    assert found, "the case must give a finding"
    apply_plan(plan_fixes(found, unsafe=True))
    return [x for f in found for x in f.fixes], Path(name).read_text()


def test_yaml_flow_properties_stay_flow(tmp_path, monkeypatch):
    text = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties: {Description: k}  # c\n"
    _, after = _fixed(tmp_path, monkeypatch, "t.yaml", text)
    assert after == text.replace("{Description: k}", "{Description: k, EnableKeyRotation: true}")


def test_yaml_quoting_and_indentation_are_kept(tmp_path, monkeypatch):
    text = (
        "Resources:\n"
        "    Key:\n"
        "        Type: AWS::KMS::Key\n"
        "        Properties:\n"
        '            EnableKeyRotation: "false"   # off for now\n'
        "            PendingWindowInDays: '7'\n"
    )
    _, after = _fixed(tmp_path, monkeypatch, "t.yaml", text)
    assert after == text.replace('"false"', '"true"').replace("'7'", "'30'")


def test_yaml_block_insertion_uses_the_entries_indentation(tmp_path, monkeypatch):
    text = (
        "Resources:\n"
        "    Key:\n"
        "        Type: AWS::KMS::Key\n"
        "        Properties:\n"
        "            Description: |\n"
        "                two\n"
        "                lines\n"
        "            # trailing comment\n"
        "    Other:\n"
        "        Type: AWS::SNS::Topic\n"
    )
    _, after = _fixed(tmp_path, monkeypatch, "t.yaml", text)
    assert after == text.replace(
        "            # trailing comment\n",
        "            # trailing comment\n            EnableKeyRotation: true\n",
    )


def test_json_keeps_its_indentation(tmp_path, monkeypatch):
    doc = {"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": "k"}}}}
    text = json.dumps(doc, indent=4) + "\n"
    _, after = _fixed(tmp_path, monkeypatch, "t.json", text)
    assert after == text.replace(
        '"Description": "k"\n', '"Description": "k",\n                "EnableKeyRotation": true\n'
    )
    one_line = json.dumps(doc) + "\n"
    _, after = _fixed(tmp_path, monkeypatch, "u.json", one_line)
    assert after == one_line.replace('"k"}', '"k", "EnableKeyRotation": true}')


def test_terraform_insertion_aligns_with_its_group(tmp_path, monkeypatch):
    text = (
        'resource "aws_kms_key" "k" {\n'
        '  description              = "k"\n'
        '  customer_master_key_spec = "SYMMETRIC_DEFAULT"\n'
        "}\n"
    )
    _, after = _fixed(tmp_path, monkeypatch, "main.tf", text)
    assert after == text.replace("}\n", "  enable_key_rotation      = true\n}\n")


@pytest.mark.parametrize(
    ("name", "text", "extra"),
    [
        # a comment inside the value
        ("main.tf", 'resource "aws_kms_key" "k" {\n  enable_key_rotation = /* x */ false\n}\n', ()),
        # a block on one line
        ("main.tf", 'resource "aws_kms_key" "k" { description = "k" }\n', ()),
        # the value comes from a local
        (
            "main.tf",
            'locals {\n  r = false\n}\nresource "aws_kms_key" "k" {\n'
            "  enable_key_rotation = local.r\n}\n",
            (),
        ),
        # the value comes from terraform.tfvars, not the default
        (
            "main.tf",
            'variable "r" {\n  default = true\n}\nresource "aws_kms_key" "k" {\n'
            "  enable_key_rotation = var.r\n}\n",
            (("terraform.tfvars", "r = false\n"),),
        ),
        # Terraform JSON syntax
        ("main.tf.json", '{"resource": {"aws_kms_key": {"k": {"description": "k"}}}}\n', ()),
        # a conditional in CloudFormation
        (
            "t.yaml",
            "Conditions:\n  C: !Equals [a, b]\nResources:\n  Key:\n    Type: AWS::KMS::Key\n"
            "    Properties:\n      EnableKeyRotation: !If [C, true, false]\n",
            (),
        ),
    ],
    ids=["comment", "one-line-block", "local", "tfvars", "tf-json", "cfn-if"],
)
def test_no_fix_where_it_cannot_be_made_safely(tmp_path, monkeypatch, name, text, extra):
    fixes, after = _fixed(tmp_path, monkeypatch, name, text, *extra)
    assert (fixes, after) == ([], text)


def test_a_default_used_elsewhere_is_an_unsafe_fix(tmp_path, monkeypatch):
    text = (
        'variable "rotate" {\n  type    = bool\n  default = false\n}\n\n'
        'resource "aws_kms_key" "k" {\n  enable_key_rotation = var.rotate\n}\n'
    )
    (fix,), _ = _fixed(tmp_path, monkeypatch, "main.tf", text)
    assert fix.applicability == "safe"
    assert fix.title == (
        "Set the default of var.rotate to true in main.tf (the finding comes from that default)"
    )
    (tmp_path / "other.tf").write_text('output "rotate" {\n  value = var.rotate\n}\n')
    (fix,), after = _fixed(tmp_path, monkeypatch, "main.tf", text)
    assert fix.applicability == "unsafe"
    assert after == text.replace("default = false", "default = true")


def test_the_backup_statement_takes_the_templates_quotes(tmp_path, monkeypatch):
    text = (
        "Resources:\n"
        "  Key:\n"
        "    Type: AWS::KMS::Key\n"
        "    Properties:\n"
        "      EnableKeyRotation: true\n"
        "      KeyPolicy:\n"
        "        Statement:\n"
        "        - Effect: Allow\n"
        '          Principal: {AWS: "arn:aws:iam::111122223333:root"}\n'
        '          Action: "kms:*"\n'
        '          Resource: "*"\n'
        "  Vault:\n"
        "    Type: AWS::Backup::BackupVault\n"
        "    Properties:\n"
        "      BackupVaultName: v\n"
        "      EncryptionKeyArn: !GetAtt Key.Arn\n"
    )
    (fix,), after = _fixed(tmp_path, monkeypatch, "t.yaml", text, rules=("KMS003",))
    assert fix.applicability == "unsafe"
    assert after == text.replace(
        '          Resource: "*"\n',
        '          Resource: "*"\n'
        "        - Sid: AllowAWSBackup\n"
        "          Effect: Allow\n"
        "          Principal:\n"
        "            Service: backup.amazonaws.com\n"
        '          Action: ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]\n'
        '          Resource: "*"\n',
    )


def test_no_fix_inside_an_installed_remote_module(tmp_path, monkeypatch):
    """A module ``terraform init`` installed under ``.terraform/`` is evaluated (its findings
    are reported) but never edited: it is not the user's code."""
    installed = tmp_path / ".terraform" / "modules" / "kms"
    installed.mkdir(parents=True)
    key = 'resource "aws_kms_key" "k" {\n  enable_key_rotation = false\n}\n'
    (installed / "main.tf").write_text(key)
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(
        '{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"kms",'
        '"Source":"registry.terraform.io/example/kms/aws","Version":"1.0.0",'
        '"Dir":".terraform/modules/kms"}]}'
    )
    root = 'module "kms" {\n  source  = "example/kms/aws"\n  version = "1.0.0"\n}\n'
    monkeypatch.chdir(tmp_path)
    Path("main.tf").write_text(root)
    (finding,) = [f for f in check(["."]).findings if f.rule_id == "KMS001"]
    assert finding.address == "module.kms.aws_kms_key.k"
    assert finding.fixes == ()


def test_a_resource_without_properties_gets_them(tmp_path, monkeypatch):
    text = (
        "Resources:\n"
        "    Key:\n"
        "        Type: AWS::KMS::Key\n"
        "    Topic:\n"
        "        Type: AWS::SNS::Topic\n"
    )
    _, after = _fixed(tmp_path, monkeypatch, "t.yaml", text)
    assert after == text.replace(
        "AWS::KMS::Key\n",
        "AWS::KMS::Key\n        Properties:\n            EnableKeyRotation: true\n",
    )
    doc = {"Resources": {"Key": {"Type": "AWS::KMS::Key"}}}
    text = json.dumps(doc, indent=2) + "\n"
    _, after = _fixed(tmp_path, monkeypatch, "t.json", text)
    assert json.loads(after)["Resources"]["Key"]["Properties"] == {"EnableKeyRotation": True}
    assert after == text.replace(
        '"AWS::KMS::Key"\n', '"AWS::KMS::Key",\n      "Properties": {"EnableKeyRotation": true}\n'
    )
