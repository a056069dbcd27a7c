"""Inline and Metadata suppressions on real graphs (Terraform and CloudFormation).

The graph comes from the real pipeline (``iacguard.api.build_graph``); the findings are
built by hand on its resources so each placement is tested independently of rule logic.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from iacguard.api import build_graph
from iacguard.core.certainty import Certainty
from iacguard.core.findings import Finding, Severity
from iacguard.core.spans import Span
from iacguard.graph.model import Graph, Resource
from iacguard.suppress.apply import apply_suppressions

BEFORE = date(2027, 1, 15)
AFTER = date(2027, 2, 1)

TERRAFORM = """\
# iacguard: ignore[KMS001] -- rotation handled by the HSM team
resource "aws_kms_key" "above" {
  description = "a"
}

resource "aws_kms_key" "header" { # iacguard: ignore[kms-key-rotation-disabled] -- by name
  description = "b"
}

resource "aws_kms_key" "inside" {
  // iacguard: ignore[KMS001,KMS002] until=2027-01-31 -- migrating in Q1
  description = "c"
}

resource "aws_kms_key" "noreason" {
  /* iacguard: ignore[KMS001] */
  description = "d"
}

resource "aws_kms_key" "checkov" {
  #checkov:skip=CKV_AWS_7:Rotation done by the HSM team
  #checkov:skip=CKV_AWS_111:not ours
  description = "e"
}

resource "aws_kms_key" "plain" {
  description = "# iacguard: ignore[KMS001] -- in a string, not a comment"
}
"""

CLOUDFORMATION = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  # iacguard: ignore[KMS001] -- rotation handled by the HSM team
  Above:
    Type: AWS::KMS::Key
    Properties:
      Description: a
  Header:  # iacguard: ignore[kms-key-rotation-disabled] -- by name
    Type: AWS::KMS::Key
    Properties:
      Description: b
  Inside:
    Type: AWS::KMS::Key
    Properties:
      # iacguard: ignore[KMS001,KMS002] until=2027-01-31 -- migrating in Q1
      Description: c
  NoReason:
    Type: AWS::KMS::Key
    Properties:
      # iacguard: ignore[KMS001]
      Description: d
  Checkov:
    Type: AWS::KMS::Key
    Metadata:
      checkov:
        skip:
          - id: CKV_AWS_7
            comment: Rotation done by the HSM team
          - id: CKV_AWS_111
            comment: not ours
    Properties:
      Description: e
  Plain:
    Type: AWS::KMS::Key
    Properties:
      Description: "# iacguard: ignore[KMS001] -- in a string, not a comment"
"""

# name in Terraform -> name in CloudFormation
NAMES = {
    "aws_kms_key.above": "Above",
    "aws_kms_key.header": "Header",
    "aws_kms_key.inside": "Inside",
    "aws_kms_key.noreason": "NoReason",
    "aws_kms_key.checkov": "Checkov",
    "aws_kms_key.plain": "Plain",
}


def kms001(resource: Resource, rule_id: str = "KMS001") -> Finding:
    names = {"KMS001": "kms-key-rotation-disabled", "KMS002": "kms-key-short-deletion-window"}
    return Finding(
        rule_id=rule_id,
        rule_name=names[rule_id],
        severity=Severity.MEDIUM,
        certainty=Certainty.DEFINITE,
        message=f"{rule_id} on {resource.address}",
        address=resource.address,
        resource_type=resource.type,
        root=resource.root,
        location=resource.span,
    )


def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str) -> Graph:
    monkeypatch.chdir(tmp_path)
    if language == "terraform":
        (tmp_path / "main.tf").write_text(TERRAFORM)
        graph = build_graph(["."])
    else:
        (tmp_path / "keys.yaml").write_text(CLOUDFORMATION)
        graph = build_graph(["keys.yaml"])
    assert not graph.errors, graph.errors
    return graph


def address(language: str, tf_address: str) -> str:
    return tf_address if language == "terraform" else NAMES[tf_address]


def by_address(findings: list[Finding], rule_id: str = "KMS001") -> dict[str, Finding]:
    return {f.address: f for f in findings if f.rule_id == rule_id}


LANGUAGES = ["terraform", "cloudformation"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_placement_suppresses_with_its_reason(tmp_path, monkeypatch, language):
    graph = load(tmp_path, monkeypatch, language)
    findings = [kms001(r) for r in graph.resources]
    out = apply_suppressions(findings, graph, today=BEFORE)
    got = by_address(out)
    expected = {
        "aws_kms_key.above": "rotation handled by the HSM team",
        "aws_kms_key.header": "by name",
        "aws_kms_key.inside": "migrating in Q1",
        "aws_kms_key.checkov": "Rotation done by the HSM team",
    }
    for tf_address, reason in expected.items():
        f = got[address(language, tf_address)]
        assert (f.suppressed, f.suppression_reason) == (True, reason), tf_address
    for tf_address in ("aws_kms_key.noreason", "aws_kms_key.plain"):
        f = got[address(language, tf_address)]
        assert (f.suppressed, f.suppression_reason) == (False, None), tf_address


@pytest.mark.parametrize("language", LANGUAGES)
def test_meta_findings_before_expiry(tmp_path, monkeypatch, language):
    graph = load(tmp_path, monkeypatch, language)
    out = apply_suppressions([kms001(r) for r in graph.resources], graph, today=BEFORE)
    meta = [(f.rule_id, f.address, f.location.start_line) for f in out if f.rule_id[:3] == "SUP"]
    if language == "terraform":
        # no reason (line 16); KMS002 on `inside` matches nothing (line 11)
        assert meta == [
            ("SUP002", "aws_kms_key.inside", 11),
            ("SUP001", "aws_kms_key.noreason", 16),
        ]
    else:
        assert meta == [("SUP002", "Inside", 15), ("SUP001", "NoReason", 20)]
    sup002 = next(f for f in out if f.rule_id == "SUP002")
    assert sup002.message == (
        f"Unused suppression: no KMS002 finding on {address(language, 'aws_kms_key.inside')}"
        " to suppress."
    )
    assert (sup002.rule_name, sup002.severity, sup002.certainty) == (
        "unused-suppression",
        Severity.LOW,
        Certainty.DEFINITE,
    )
    sup001 = next(f for f in out if f.rule_id == "SUP001")
    assert sup001.message == (
        "Suppression of KMS001 has no reason, so it suppresses nothing: add `-- reason` at its end."
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_expired_suppression_no_longer_suppresses(tmp_path, monkeypatch, language):
    graph = load(tmp_path, monkeypatch, language)
    findings = [kms001(r) for r in graph.resources]
    out = apply_suppressions(findings, graph, today=AFTER)
    inside = by_address(out)[address(language, "aws_kms_key.inside")]
    assert (inside.suppressed, inside.suppression_reason) == (False, None)
    expired = [f for f in out if f.rule_id == "SUP003"]
    assert len(expired) == 1
    assert expired[0].address == address(language, "aws_kms_key.inside")
    assert expired[0].message == (
        "Suppression of KMS001, KMS002 expired on 2027-01-31 and no longer applies: fix the"
        " finding or extend `until` (with a reason)."
    )
    # the last valid day still suppresses
    out = apply_suppressions(findings, graph, today=date(2027, 1, 31))
    assert by_address(out)[address(language, "aws_kms_key.inside")].suppressed


@pytest.mark.parametrize("language", LANGUAGES)
def test_suppression_applies_per_rule(tmp_path, monkeypatch, language):
    graph = load(tmp_path, monkeypatch, language)
    resource = next(
        r for r in graph.resources if r.address == address(language, "aws_kms_key.above")
    )
    out = apply_suppressions([kms001(resource), kms001(resource, "KMS002")], graph, today=BEFORE)
    flags = {(f.rule_id, f.address): f.suppressed for f in out if f.rule_id[:3] != "SUP"}
    assert flags == {("KMS001", resource.address): True, ("KMS002", resource.address): False}


@pytest.mark.parametrize("language", LANGUAGES)
def test_ignore_suppressions_shows_everything_live(tmp_path, monkeypatch, language):
    graph = load(tmp_path, monkeypatch, language)
    findings = [kms001(r) for r in graph.resources]
    out = apply_suppressions(findings, graph, today=BEFORE, ignore_suppressions=True)
    assert [f.address for f in out] == [f.address for f in findings]
    assert not any(f.suppressed for f in out)


@pytest.mark.parametrize("language", LANGUAGES)
def test_unused_not_reported_for_rules_that_did_not_run(tmp_path, monkeypatch, language):
    graph = load(tmp_path, monkeypatch, language)
    findings = [kms001(r) for r in graph.resources]
    out = apply_suppressions(findings, graph, today=BEFORE, active_rules={"KMS001"})
    assert [f.rule_id for f in out if f.rule_id == "SUP002"] == []
    # with no findings at all every iacguard suppression is unused; checkov skips never are
    out = apply_suppressions([], graph, today=BEFORE)
    unused = sorted(f.address for f in out if f.rule_id == "SUP002")
    assert unused == sorted(
        address(language, a)
        for a in ("aws_kms_key.above", "aws_kms_key.header", "aws_kms_key.inside")
    )


CFN_METADATA = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Key:
    Type: AWS::KMS::Key
    Metadata:
      iacguard:
        ignore:
          - id: KMS001
            reason: rotation handled by the HSM team
            until: 2027-01-31
          - id: [kms-key-short-deletion-window]
            reason: dev account
          - id: BKP001
  Other:
    Type: AWS::KMS::Key
    Metadata:
      iacguard:
        ignore:
          - id: KMS999
            reason: typo
    Properties:
      Description: x
"""


def test_cloudformation_metadata_form(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.yaml").write_text(CFN_METADATA)
    graph = build_graph(["t.yaml"])
    key = graph.get("t.yaml", "Key")
    other = graph.get("t.yaml", "Other")
    findings = [kms001(key), kms001(key, "KMS002"), kms001(other)]
    out = apply_suppressions(findings, graph, today=BEFORE)
    flags = {(f.rule_id, f.address): (f.suppressed, f.suppression_reason) for f in out}
    assert flags[("KMS001", "Key")] == (True, "rotation handled by the HSM team")
    assert flags[("KMS002", "Key")] == (True, "dev account")
    assert flags[("KMS001", "Other")] == (False, None)
    meta = sorted((f.rule_id, f.address, f.message) for f in out if f.rule_id[:3] == "SUP")
    assert meta == [
        (
            "SUP001",
            "Key",
            "Suppression of BKP001 has no reason, so it suppresses nothing: add a reason: entry.",
        ),
        ("SUP002", "Other", "Unused suppression: unknown rule KMS999."),
    ]
    # Metadata meta-findings are located at their entry (`- id: BKP001`)
    sup = next(f for f in out if f.rule_id == "SUP001")
    assert (sup.location.path, sup.location.start_line) == ("t.yaml", 13)
    out = apply_suppressions(findings, graph, today=AFTER)
    assert [(f.rule_id, f.address) for f in out if f.rule_id == "SUP003"] == [("SUP003", "Key")]


def test_terraform_module_resources_share_the_suppression(tmp_path, monkeypatch):
    """A suppression in a module applies to every instance the callers create."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text(
        'resource "aws_kms_key" "k" {\n'
        "  # iacguard: ignore[KMS001] -- the platform team rotates these\n"
        '  description = "k"\n'
        "}\n"
    )
    (tmp_path / "main.tf").write_text(
        'module "a" {\n  source = "./mod"\n}\nmodule "b" {\n  source = "./mod"\n}\n'
    )
    graph = build_graph(["main.tf"])
    keys = sorted(r.address for r in graph.resources if r.type == "aws_kms_key")
    assert keys == ["module.a.aws_kms_key.k", "module.b.aws_kms_key.k"]
    findings = [kms001(r) for r in graph.resources if r.type == "aws_kms_key"]
    out = apply_suppressions(findings, graph, today=BEFORE)
    assert [(f.address, f.suppressed) for f in out] == [
        ("module.a.aws_kms_key.k", True),
        ("module.b.aws_kms_key.k", True),
    ]


def test_comment_outside_any_resource_is_unused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text(
        'resource "aws_kms_key" "k" {\n  description = "k"\n}\n\n'
        "# iacguard: ignore[KMS001] -- floating\n\n"
        'variable "x" {\n  default = 1\n}\n'
    )
    graph = build_graph(["."])
    key = graph.get(".", "aws_kms_key.k") or next(r for r in graph.resources)
    out = apply_suppressions([kms001(key)], graph, today=BEFORE)
    assert out[0].suppressed is False
    meta = [(f.rule_id, f.location.start_line, f.message) for f in out[1:]]
    assert meta == [
        (
            "SUP002",
            5,
            "Unused suppression: no KMS001 finding on no resource (put it above, on or inside a"
            " resource) to suppress.",
        )
    ]


def test_hand_built_graph_without_files_is_harmless():
    resource = Resource(
        address="aws_kms_key.k",
        type="aws_kms_key",
        root="missing",
        span=Span("missing/main.tf", 1, 1, 1, 30),
        attributes={},
        language="terraform",
    )
    graph = Graph(resources=(resource,))
    finding = kms001(resource)
    assert apply_suppressions([finding], graph, today=BEFORE) == [finding]
