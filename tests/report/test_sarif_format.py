"""sarif: schema-valid SARIF 2.1.0 following GitHub code scanning's rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iacguard.report import render

SCHEMA = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "schemas" / "sarif-schema-2.1.0.json"
)


def _doc(report) -> dict:
    return json.loads(render(report, "sarif"))


def test_sarif_validates_against_the_schema(report, empty_report):
    if not SCHEMA.is_file():
        pytest.skip("shared SARIF schema not present")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    for r in (report, empty_report):
        jsonschema.validate(_doc(r), schema)


def test_sarif_run_shape(report, workdir):
    doc = _doc(report)
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    (run,) = doc["runs"]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": workdir.resolve().as_uri() + "/"}}
    driver = run["tool"]["driver"]
    assert driver["name"] == "iacguard"
    # the hand-built report's rules (conftest RULES), not the registry's
    assert [r["id"] for r in driver["rules"]] == ["BKP001", "BKP002", "BKP003", "KMS001", "KMS002"]
    bkp001 = driver["rules"][0]
    assert bkp001["name"] == "backup-vault-without-cmk"
    assert bkp001["properties"]["security-severity"] == "8.0"
    assert "security" in bkp001["properties"]["tags"]
    assert bkp001["shortDescription"]["text"]
    assert bkp001["fullDescription"]["text"]
    assert bkp001["help"]["text"] and bkp001["help"]["markdown"].startswith("## BKP001")
    assert bkp001["defaultConfiguration"] == {"level": "error"}
    assert driver["rules"][4]["properties"]["security-severity"] == "3.0"
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is True
    assert invocation["toolExecutionNotifications"] == [
        {
            "level": "error",
            "message": {"text": "unexpected token '}'"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "infra/broken.tf", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 4, "startColumn": 7},
                    }
                }
            ],
        },
        {
            "level": "note",
            "message": {"text": "var.region has no default"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "infra/vaults.tf", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 2, "startColumn": 3},
                    }
                }
            ],
            "properties": {"kind": "other"},
        },
    ]


def test_sarif_results(report):
    run = _doc(report)["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["BKP003", "KMS001", "BKP001"]
    for r in results:
        assert rules[r["ruleIndex"]] == r["ruleId"]
    suppressed, kms001, bkp001 = results
    assert suppressed["suppressions"] == [
        {"kind": "inSource", "justification": "alias resolved by a macro"}
    ]
    assert "suppressions" not in kms001 and "suppressions" not in bkp001
    assert bkp001["level"] == "error" and kms001["level"] == "warning"
    assert bkp001["message"] == {
        "text": "Backup vault aws_backup_vault.open has no customer-managed KMS key."
    }
    assert bkp001["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "infra/vaults.tf", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 6, "startColumn": 1, "endLine": 6, "endColumn": 37},
    }
    assert bkp001["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": "infra/plans.tf", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 40},
            },
            "message": {"text": "plan rule `to-open` targets it"},
        },
        {
            "id": 2,
            "physicalLocation": {
                "artifactLocation": {"uri": "infra/vaults.tf", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 6, "startColumn": 1, "endLine": 6, "endColumn": 37},
            },
            "message": {"text": "no kms_key_arn"},
        },
    ]
    assert bkp001["properties"] == {
        "certainty": "default",
        "severity": "high",
        "address": "aws_backup_vault.open",
        "resourceType": "aws_backup_vault",
        "root": "infra",
        "inputs": ["var.use_cmk"],
    }


def test_sarif_fingerprints_survive_line_moves_but_not_other_resources(report):
    from iacguard.api import assemble
    from iacguard.core.records import replace
    from iacguard.core.spans import Span

    def fps(findings):
        run = json.loads(render(assemble(findings), "sarif"))["runs"][0]
        return [r["partialFingerprints"]["iacguardFingerprint/v1"] for r in run["results"]]

    live = [f for f in report.findings if f.rule_id == "BKP001"]
    moved = [replace(live[0], location=Span("infra/vaults.tf", 40, 1, 40, 37))]
    other = [replace(live[0], address="aws_backup_vault.other")]
    (before,) = fps(live)
    assert len(before) == 64 and int(before, 16) >= 0
    assert fps(moved) == [before]
    assert fps(other) != [before]
    # two findings with the same key still get distinct fingerprints
    twice = fps([live[0], replace(live[0], message="again")])
    assert twice[0] == before and twice[1] != before


def test_sarif_absolute_path_outside_root_is_a_file_uri(workdir, tmp_path_factory):
    from iacguard.api import assemble
    from iacguard.core.certainty import Certainty
    from iacguard.core.findings import Finding, Severity
    from iacguard.core.spans import Span

    outside = tmp_path_factory.mktemp("elsewhere") / "my vault.tf"
    f = Finding(
        "BKP001",
        "backup-vault-without-cmk",
        Severity.HIGH,
        Certainty.DEFINITE,
        "m",
        "a.b",
        "aws_backup_vault",
        "x",
        Span(outside.as_posix(), 1, 1, 1, 2),
    )
    run = json.loads(render(assemble([f], base=str(workdir)), "sarif"))["runs"][0]
    loc = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": outside.as_uri()}


def test_sarif_says_when_a_gated_resource_exists(report):
    from iacguard.api import assemble
    from iacguard.core.records import replace

    live = [f for f in report.findings if f.rule_id == "BKP001"]
    gated = replace(live[0], exists_when="var.create_vault = true")
    results = json.loads(render(assemble([live[0], gated]), "sarif"))["runs"][0]["results"]
    assert [r["properties"].get("existsWhen") for r in results] == [None, "var.create_vault = true"]
