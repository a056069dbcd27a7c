"""CloudFormation templates -> the resource graph: exact values, inputs, spans, edges, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.core.located import FileError, Located
from iacguard.core.spans import Span
from iacguard.core.values import (
    Alternative,
    Depends,
    Known,
    PartialStr,
    Ref,
    Unknown,
    default_of,
    value_to_json,
)
from iacguard.evaluate.cloudformation.template import evaluate_template
from iacguard.evaluate.options import EvalOptions
from iacguard.graph.model import METADATA_ATTRIBUTE, Edge, Graph, Resource

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "graph" / "cloudformation"


def load(name: str, **options: object) -> tuple[str, Graph]:
    path = str(FIXTURES / name)
    return path, evaluate_template(path, EvalOptions(**options))  # type: ignore[arg-type]


def res(graph: Graph, address: str) -> Resource:
    found = [r for r in graph.resources if r.address == address]
    assert len(found) == 1, address
    return found[0]


REGION = Unknown("pseudo parameter AWS::Region")
ACCOUNT = Unknown("pseudo parameter AWS::AccountId")


# ----------------------------------------------------------------------------- the seed sample


def test_seed_vault_key_depends_on_the_parameter() -> None:
    path, g = load("seed_vault.yaml")
    assert g.errors == () and g.notes == ()
    assert g.roots == (path,)
    assert [r.address for r in g.resources] == [
        "BackupVaultKey",
        "BackupVaultKeyAlias",
        "EncryptedBackupVault",
    ]
    vault = res(g, "EncryptedBackupVault")
    assert vault.type == "AWS::Backup::BackupVault"
    assert vault.language == "cloudformation"
    assert vault.root == path
    assert vault.span == Span(path, 53, 3, 53, 23)
    assert vault.extent == Span(path, 53, 3, 60, 79)
    assert vault.exists == Known(True)
    arn = vault.attributes["EncryptionKeyArn"]
    assert arn == Depends(
        default=PartialStr(("arn:aws:kms:", REGION, ":", ACCOUNT, ":alias/aws/backup")),
        inputs=frozenset({"UseCustomerManagedKey"}),
        alternatives=(
            Alternative((("UseCustomerManagedKey", "true"),), Ref("BackupVaultKey", "Arn", path)),
        ),
        complete=True,
    )
    assert arn.span == Span(path, 57, 7, 60, 79)
    assert [(h.span.start_line if h.span else None, h.message) for h in arn.trace] == [
        (8, "Parameter UseCustomerManagedKey = 'false' (Default)"),
        (16, "Condition CreateCustomKey = false"),
    ]
    assert vault.spans["EncryptionKeyArn"] == Span(path, 57, 7, 60, 79)
    name = vault.attributes["BackupVaultName"]
    assert isinstance(name, Depends)
    assert name.default == "encrypted-backup-vault"
    assert name.inputs == frozenset({"VaultName"})
    assert name.complete is False
    assert name.alternatives == (
        Alternative(
            (
                (
                    "VaultName",
                    Unknown("any value of Parameter VaultName", inputs=frozenset({"VaultName"})),
                ),
            ),
            Unknown("any value of Parameter VaultName", inputs=frozenset({"VaultName"})),
        ),
    )


def test_seed_key_exists_only_when_the_parameter_says_so() -> None:
    path, g = load("seed_vault.yaml")
    key = res(g, "BackupVaultKey")
    assert key.exists == Depends(
        default=False,
        inputs=frozenset({"UseCustomerManagedKey"}),
        alternatives=(Alternative((("UseCustomerManagedKey", "true"),), True),),
        complete=True,
    )
    assert key.attributes["EnableKeyRotation"] == Known(True)
    policy = default_of(key.attributes["KeyPolicy"])
    assert policy["Statement"][0]["Principal"] == {
        "AWS": PartialStr(("arn:aws:iam::", ACCOUNT, ":root"))
    }
    assert policy["Statement"][1]["Principal"] == {"Service": "backup.amazonaws.com"}
    assert key.spans["KeyPolicy.Statement[1].Principal.Service"] == Span(path, 36, 15, 36, 44)
    assert key.spans["KeyPolicy.Statement[1].Action[4]"] == Span(path, 42, 17, 42, 34)
    alias = res(g, "BackupVaultKeyAlias")
    assert alias.attributes["TargetKeyId"] == Known(Ref("BackupVaultKey", None, path))


def test_seed_edges_carry_the_referring_expression() -> None:
    path, g = load("seed_vault.yaml")
    assert g.edges == (
        Edge(
            "BackupVaultKeyAlias",
            "TargetKeyId",
            "BackupVaultKey",
            None,
            path,
            Span(path, 52, 20, 52, 39),
        ),
        Edge(
            "EncryptedBackupVault",
            "EncryptionKeyArn",
            "BackupVaultKey",
            "Arn",
            path,
            Span(path, 59, 11, 59, 37),
        ),
    )


def test_graph_json_renders_open_alternatives() -> None:
    _, g = load("seed_vault.yaml")
    vault = res(g, "EncryptedBackupVault")
    assert value_to_json(vault.attributes["EncryptionKeyArn"]) == {
        "certainty": "input-dependent",
        "value": {"partial": "arn:aws:kms:${?}:${?}:alias/aws/backup"},
        "inputs": ["UseCustomerManagedKey"],
        "alternatives": [
            {"when": {"UseCustomerManagedKey": "true"}, "value": {"ref": "BackupVaultKey.Arn"}}
        ],
        "complete": True,
    }


# ----------------------------------------------------------------------------- intrinsics


def test_every_intrinsic_short_form() -> None:
    path, g = load("intrinsics.yaml")
    assert g.errors == () and g.notes == ()
    probe = res(g, "Probe")
    got = {k: default_of(v) for k, v in probe.attributes.items()}
    assert got == {
        "ServiceToken": Unknown("imported from another stack (Fn::ImportValue)"),
        "Ref": Ref("Key", None, path),
        "GetAttList": Ref("Key", "Arn", path),
        "SubList": PartialStr(("prod-", Ref("Key", "KeyId", path), "-${Literal}")),
        "If": "yes-prod",
        "Select": "b",
        "Split": ["x", "y"],
        "FindInMap": 35,
        "Base64": "aGVsbG8=",
        "Cidr": Unknown("Fn::Cidr is not evaluated"),
        "AZs": Unknown("the Availability Zones of a Region (Fn::GetAZs)"),
        "Both": True,
        "Either": 1,
        "Region": REGION,
        "Length": 3,
        "Json": '{"a":1}',
        "Macro": Unknown("produced by a macro (Fn::Transform)"),
    }
    assert probe.attributes["FindInMap"] == Depends(
        35, frozenset({"Env"}), (Alternative((("Env", "dev"),), 7),), complete=True
    )
    # Either is true for every Env: the alternatives agree, so it is simply known
    assert probe.attributes["Either"] == Known(1)
    assert probe.attributes["Split"] == Known(["x", "y"])
    key = res(g, "Key")
    assert key.attributes["Description"] == Depends(
        "backup-prod-key",
        frozenset({"Env"}),
        (Alternative((("Env", "dev"),), "backup-dev-key"),),
        complete=True,
    )


def test_yaml_and_json_twins_give_equal_graphs() -> None:
    _, yaml_graph = load("intrinsics.yaml")
    _, json_graph = load("intrinsics.json")
    assert json_graph.errors == ()
    assert [r.address for r in yaml_graph.resources] == [r.address for r in json_graph.resources]
    for a, b in zip(yaml_graph.resources, json_graph.resources, strict=True):
        assert a.type == b.type
        assert sorted(a.spans) == sorted(b.spans)
        assert {k: value_to_json(v) for k, v in a.attributes.items()} == {
            k: value_to_json(v) for k, v in b.attributes.items()
        }
    assert [
        (e.source, e.source_attribute, e.target, e.target_attribute) for e in yaml_graph.edges
    ] == [(e.source, e.source_attribute, e.target, e.target_attribute) for e in json_graph.edges]


def test_json_template_has_line_numbers() -> None:
    path, g = load("intrinsics.json")
    vault = res(g, "Vault")
    assert vault.span == Span(path, 28, 5, 28, 12)
    assert vault.spans["EncryptionKeyArn"] == Span(path, 32, 9, 32, 59)
    edge = next(e for e in g.edges if e.source == "Vault")
    assert edge == Edge("Vault", "EncryptionKeyArn", "Key", "Arn", path, Span(path, 32, 29, 32, 59))


def test_if_with_novalue_drops_the_statement() -> None:
    path, g = load("novalue_statement.yaml")
    key = res(g, "Key")
    policy = key.attributes["KeyPolicy"]
    assert isinstance(policy, Depends)
    assert policy.inputs == frozenset({"Service"})
    assert policy.complete is True
    root_statement = {
        "Effect": "Allow",
        "Principal": {
            "AWS": PartialStr(
                ("arn:", Unknown("pseudo parameter AWS::Partition"), ":iam::", ACCOUNT, ":root")
            )
        },
        "Action": "kms:*",
        "Resource": "*",
    }
    backup_statement = {
        "Effect": "Allow",
        "Principal": {"Service": "backup.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
    }
    assert policy.default == {"Version": "2012-10-17", "Statement": [root_statement]}
    both = {"Version": "2012-10-17", "Statement": [root_statement, backup_statement]}
    assert policy.alternatives == (
        Alternative((("Service", "ALL"),), both),
        Alternative((("Service", "backup"),), both),
    )
    # Tags: AWS::NoValue under the defaults removes the property's value
    assert key.attributes["Tags"] == Depends(
        None,
        frozenset({"Service"}),
        (
            Alternative((("Service", "ALL"),), [{"Key": "Service", "Value": "ALL"}]),
            Alternative((("Service", "backup"),), [{"Key": "Service", "Value": "backup"}]),
        ),
        complete=True,
    )
    assert "KeyPolicy.Statement[1]" not in key.spans
    assert key.spans["KeyPolicy.Statement[0].Action"] == Span(path, 21, 11, 21, 26)


def test_mappings() -> None:
    path, g = load("mappings.yaml")
    assert g.errors == () and g.notes == ()
    assert res(g, "Key").attributes["PendingWindowInDays"] == Depends(
        30, frozenset({"Stage"}), (Alternative((("Stage", "test"),), 7),), complete=True
    )
    vault = res(g, "Vault")
    assert vault.attributes["BackupVaultName"] == Depends(
        "vault-prod",
        frozenset({"Stage"}),
        (Alternative((("Stage", "test"),), "vault-test"),),
        complete=True,
    )
    assert vault.attributes["EncryptionKeyArn"] == Unknown(
        "Fn::FindInMap with a key not known (pseudo parameter AWS::AccountId)"
    )
    alias = res(g, "Alias")
    assert alias.attributes["TargetKeyId"] == Known(Ref("Key", None, path))
    assert g.edges == (Edge("Alias", "TargetKeyId", "Key", None, path, Span(path, 36, 79, 36, 87)),)


def test_conditions_using_conditions() -> None:
    path, g = load("conditions.yaml")
    assert g.errors == () and g.notes == ()
    key = res(g, "Key")
    any_env = Unknown("any value of Parameter Env", inputs=frozenset({"Env"}))
    assert key.exists == Depends(
        False,
        frozenset({"UseCmk", "Env"}),
        (
            Alternative(
                (("Env", any_env),),
                Unknown(
                    "Fn::Or of a condition that cannot be decided",
                    inputs=frozenset({"Env", "UseCmk"}),
                ),
            ),
            Alternative((("UseCmk", "true"),), True),
        ),
        complete=False,
    )
    assert [h.message for h in key.exists.trace] == [
        "Parameter UseCmk = 'false' (Default)",
        "Condition WantsCmk = false",
        "Parameter Env = 'dev' (Default)",
        "Condition IsProd = false",
        "Condition CreateKey = false",
    ]
    vault = res(g, "Vault")
    arn = vault.attributes["EncryptionKeyArn"]
    assert arn == Unknown(
        "Parameter ExistingKeyArn has no Default: the caller must set it",
        inputs=frozenset({"ExistingKeyArn", "UseCmk", "Env"}),
        required_input=True,
    )


def test_condition_cycle_is_unknown_with_a_note() -> None:
    path, g = load("condition_cycle.yaml")
    assert g.errors == ()
    assert g.notes == (Located(Span(path, 5, 3, 5, 4), "Condition cycle: B -> A -> B"),)
    key = res(g, "Key")
    assert key.exists == Unknown("Fn::And of a condition that cannot be decided")
    assert key.attributes["EnableKeyRotation"] == Unknown(
        "depends on Condition B, which cannot be decided"
    )


def test_metadata_dangling_refs_and_nested_spans() -> None:
    path, g = load("metadata_dangling.yaml")
    assert g.errors == ()
    assert g.notes == (
        Located(
            Span(path, 12, 25, 12, 47),
            "Fn::GetAtt of 'MissingKey', which this template does not declare",
        ),
        Located(
            Span(path, 13, 24, 13, 40), "Ref to 'NotDeclared', which this template does not declare"
        ),
    )
    vault = res(g, "Vault")
    assert vault.attributes["EncryptionKeyArn"] == Unknown("Fn::GetAtt of undeclared 'MissingKey'")
    assert vault.attributes[METADATA_ATTRIBUTE] == Known(
        {"iacguard": {"ignore": [{"id": "BKP001", "reason": "vault for throw-away test data"}]}}
    )
    assert vault.spans[METADATA_ATTRIBUTE] == Span(path, 5, 5, 9, 51)
    assert vault.spans[f"{METADATA_ATTRIBUTE}.iacguard.ignore[0]"] == Span(path, 8, 13, 9, 51)
    assert vault.spans[f"{METADATA_ATTRIBUTE}.iacguard.ignore[0].id"] == Span(path, 8, 13, 8, 23)
    plan = res(g, "Plan")
    assert plan.spans["BackupPlan.BackupPlanRule[0].TargetBackupVault"] == Span(
        path, 21, 13, 21, 42
    )
    assert plan.spans[
        "BackupPlan.BackupPlanRule[0].CopyActions[0].DestinationBackupVaultArn"
    ] == Span(path, 23, 17, 23, 72)
    assert g.edges == (
        Edge(
            "Plan",
            "BackupPlan.BackupPlanRule[0].TargetBackupVault",
            "Vault",
            None,
            path,
            Span(path, 21, 32, 21, 42),
        ),
        Edge(
            "Plan",
            "BackupPlan.BackupPlanRule[0].CopyActions[0].DestinationBackupVaultArn",
            "Vault",
            "BackupVaultArn",
            path,
            Span(path, 23, 44, 23, 72),
        ),
    )
    handle = res(g, "Handle")
    assert handle.attributes == {} and handle.spans == {}


# ----------------------------------------------------------------------------- errors


def test_duplicate_keys_are_errors_and_the_template_still_evaluates() -> None:
    path, g = load("duplicate_keys.yaml")
    assert g.errors == (
        FileError(
            path, 7, 7, "duplicate key 'EnableKeyRotation' (CloudFormation rejects duplicate keys)"
        ),
        FileError(path, 8, 3, "duplicate key 'Key' (CloudFormation rejects duplicate keys)"),
    )
    assert res(g, "Key").attributes == {"EnableKeyRotation": Known(True)}
    path, g = load("duplicate_keys.json")
    assert g.errors == (FileError(path, 6, 49, "duplicate key 'EnableKeyRotation'"),)


def test_python_tag_is_rejected() -> None:
    path, g = load("python_tag.yaml")
    assert g.errors == (
        FileError(
            path,
            6,
            20,
            "unsupported YAML tag !!python/object/apply:os.system "
            "(only CloudFormation's intrinsic tags)",
        ),
    )
    key = res(g, "Key")
    assert key.attributes["Description"] == Unknown(
        "rejected YAML tag !!python/object/apply:os.system"
    )


def test_an_unknown_local_tag_is_an_unknown_value_with_a_note() -> None:
    path, g = load("python_tag.yaml")
    assert [(n.span.start_line, n.message) for n in g.notes] == [
        (7, "YAML tag !Yes is not a CloudFormation intrinsic: its value is unknown here")
    ]
    rotation = res(g, "Key").attributes["EnableKeyRotation"]
    assert isinstance(rotation, Unknown)
    assert "!Yes" in rotation.reason


def test_properties_or_a_resource_under_an_unknown_tag_are_noted_not_checked(tmp_path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n"
        "  V:\n"
        "    Type: AWS::Backup::BackupVault\n"
        "    Properties: !Rain::Embed props.yaml\n"
        "  W: !Rain::Module w.yaml\n"
        "  X:\n"
        "    Type: AWS::Backup::BackupVault\n"
    )
    g = evaluate_template(str(path), EvalOptions())
    assert g.errors == ()
    assert [r.address for r in g.resources] == ["X"]
    assert [(n.span.start_line, n.message) for n in g.notes] == [
        (4, "YAML tag !Rain::Embed is not a CloudFormation intrinsic: its value is unknown here"),
        (5, "YAML tag !Rain::Module is not a CloudFormation intrinsic: its value is unknown here"),
        (4, "resource V: its Properties are unknown, not checked"),
    ]


def test_billion_laughs_is_an_error() -> None:
    path, g = load("billion_laughs.yaml")
    assert g.resources == ()
    assert g.errors == (
        FileError(
            path, 8, 12, "alias expansion exceeds 100000 nodes (a 'billion laughs' document?)"
        ),
    )


@pytest.mark.parametrize(
    ("name", "line", "column", "message"),
    [
        (
            "truncated.yaml",
            16,
            1,
            "invalid YAML: while scanning a simple key, could not find expected ':'",
        ),
        ("truncated.json", 6, 47, "invalid JSON: unterminated string"),
    ],
)
def test_truncated_files_are_located_errors(
    name: str, line: int, column: int, message: str
) -> None:
    path, g = load(name)
    assert g.resources == ()
    assert g.errors == (FileError(path, line, column, message),)


def test_not_a_template_is_ignored_silently() -> None:
    _, g = load("not_template.yaml")
    assert g == Graph()


def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"AWSTemplateFormatVersion: '2010-09-09'\nDescription: caf\xe9\n")
    g = evaluate_template(str(bad), EvalOptions())
    assert g.errors == (FileError(str(bad), 2, None, "file is not valid UTF-8"),)


# ----------------------------------------------------------------------------- worlds


def _three_params(tmp_path: Path) -> str:
    text = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  A: {Type: String, Default: a1, AllowedValues: [a1, a2, a3]}
  B: {Type: String, Default: b1, AllowedValues: [b1, b2, b3]}
  C: {Type: String, Default: c1, AllowedValues: [c1, c2, c3]}
Resources:
  Vault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: !Join ["-", [!Ref A, !Ref B, !Ref C]]
"""
    path = tmp_path / "three.yaml"
    path.write_text(text)
    return str(path)


def test_small_products_are_explored_completely(tmp_path: Path) -> None:
    path = _three_params(tmp_path)
    g = evaluate_template(path, EvalOptions(max_alternatives=64))
    name = res(g, "Vault").attributes["BackupVaultName"]
    assert isinstance(name, Depends)
    assert name.complete is True
    assert len(name.alternatives) == 26
    assert Alternative((("A", "a3"), ("B", "b2"), ("C", "c3")), "a3-b2-c3") in name.alternatives


def test_large_products_change_one_input_at_a_time_plus_all_together(tmp_path: Path) -> None:
    path = _three_params(tmp_path)
    g = evaluate_template(path, EvalOptions(max_alternatives=10))
    name = res(g, "Vault").attributes["BackupVaultName"]
    assert isinstance(name, Depends)
    assert name.complete is False
    assert name.alternatives == (
        Alternative((("A", "a2"),), "a2-b1-c1"),
        Alternative((("A", "a3"),), "a3-b1-c1"),
        Alternative((("B", "b2"),), "a1-b2-c1"),
        Alternative((("B", "b3"),), "a1-b3-c1"),
        Alternative((("C", "c2"),), "a1-b1-c2"),
        Alternative((("C", "c3"),), "a1-b1-c3"),
        Alternative((("A", "a2"), ("B", "b2"), ("C", "c2")), "a2-b2-c2"),
    )


def test_list_parameters_and_equals_compare_as_strings(tmp_path: Path) -> None:
    text = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Enabled: {Type: String, Default: "true", AllowedValues: ["true", "false"]}
  Window: {Type: Number, Default: 7}
  Zones: {Type: "List<AWS::EC2::AvailabilityZone::Name>", Default: "eu-west-1a,eu-west-1b"}
Conditions:
  IsOn: !Equals [!Ref Enabled, true]
  Seven: !Equals [!Ref Window, "7"]
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: !If [IsOn, !Ref Enabled, false]
      PendingWindowInDays: !If [Seven, !Ref Window, 30]
      Description: !Select [1, !Ref Zones]
"""
    path = tmp_path / "t.yaml"
    path.write_text(text)
    g = evaluate_template(str(path), EvalOptions())
    key = res(g, "Key")
    assert default_of(key.attributes["EnableKeyRotation"]) == "true"
    assert default_of(key.attributes["PendingWindowInDays"]) == 7
    assert default_of(key.attributes["Description"]) == "eu-west-1b"


def test_ssm_parameter_defaults_name_a_parameter_not_a_value(tmp_path: Path) -> None:
    text = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  KeyArn:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /backup/key-arn
Resources:
  Vault:
    Type: AWS::Backup::BackupVault
    Properties:
      EncryptionKeyArn: !Ref KeyArn
"""
    path = tmp_path / "t.yaml"
    path.write_text(text)
    g = evaluate_template(str(path), EvalOptions())
    assert res(g, "Vault").attributes["EncryptionKeyArn"] == Unknown(
        "Parameter KeyArn is the value of SSM parameter '/backup/key-arn'",
        inputs=frozenset({"KeyArn"}),
    )


def test_time_budget_stops_with_a_located_error() -> None:
    path, g = load("seed_vault.yaml", time_budget=-1.0)
    assert g.resources == ()
    assert g.errors == (
        FileError(
            path,
            18,
            3,
            "evaluation took longer than -1 s: BackupVaultKey and the resources after it "
            "are not checked",
        ),
    )


def test_transform_is_noted(tmp_path: Path) -> None:
    text = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Key:
    Type: AWS::KMS::Key
"""
    path = tmp_path / "sam.yaml"
    path.write_text(text)
    g = evaluate_template(str(path), EvalOptions())
    assert g.notes == (
        Located(
            Span(str(path), 2, 1, 2, 10),
            "the template uses Transform (a macro such as SAM): resources are checked as "
            "written, before the transform",
        ),
    )
    assert [r.address for r in g.resources] == ["Key"]


def test_multi_document_yaml_that_is_not_a_template_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "k8s.yaml"
    path.write_text(
        "kind: ConfigMap\ndata: {note: 'Resources use AWS::KMS::Key'}\n---\nkind: Secret\n"
    )
    assert evaluate_template(str(path), EvalOptions()) == Graph()


def test_condition_that_is_not_a_name(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Resources:\n"
        "  Key:\n"
        "    Type: AWS::KMS::Key\n"
        "    Condition: [A, B]\n"
    )
    g = evaluate_template(str(path), EvalOptions())
    assert res(g, "Key").exists == Unknown("Condition of Key is not a condition name")
    assert g.notes == (
        Located(Span(str(path), 5, 16, 5, 22), "Condition of Key is not a condition name"),
    )


def test_properties_are_read_where_the_condition_holds(tmp_path: Path) -> None:
    # !If on the resource's own Condition: where the vault exists, the key is set
    template = tmp_path / "gated.yaml"
    template.write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Parameters:\n"
        "  CreateVault: {Type: String, AllowedValues: ['true', 'false'], Default: 'false'}\n"
        "  Name: {Type: String, Default: v}\n"
        "Conditions:\n"
        "  Create: !Equals [!Ref CreateVault, 'true']\n"
        "Resources:\n"
        "  Key: {Type: 'AWS::KMS::Key', Condition: Create}\n"
        "  Vault:\n"
        "    Type: AWS::Backup::BackupVault\n"
        "    Condition: Create\n"
        "    Properties:\n"
        "      BackupVaultName: !Ref Name\n"
        "      EncryptionKeyArn: !If [Create, !GetAtt Key.Arn, !Ref 'AWS::NoValue']\n",
        encoding="utf-8",
    )
    g = evaluate_template(str(template), EvalOptions())
    vault = res(g, "Vault")
    assert isinstance(vault.exists, Depends) and vault.exists.default is False
    key = vault.attributes["EncryptionKeyArn"]
    assert isinstance(key, Known) and key.value == Ref("Key", "Arn", str(template))
    # a property sharing no Parameter with the Condition is as it was
    assert isinstance(vault.attributes["BackupVaultName"], Depends)
