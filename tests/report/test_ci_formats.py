"""junit (parsed as XML), github workflow commands and GitLab Code Quality, field by field."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET

import pytest

from iacguard.report import render
from iacguard.report.junit import classname


def test_junit_structure(report):
    root = ET.fromstring(render(report, "junit"))
    assert root.tag == "testsuites"
    assert root.attrib == {
        "name": "iacguard",
        "tests": "7",
        "failures": "2",
        "errors": "1",
        "skipped": "1",
    }
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == [
        "BKP001 backup-vault-without-cmk",
        "BKP002 backup-plan-targets-vault-without-cmk",
        "BKP003 backup-vault-key-is-alias",
        "KMS001 kms-key-rotation-disabled",
        "KMS002 kms-key-short-deletion-window",
        "iacguard",
        "iacguard notes",
    ]
    bkp001 = suites["BKP001 backup-vault-without-cmk"]
    assert (bkp001.get("tests"), bkp001.get("failures"), bkp001.get("errors")) == ("1", "1", "0")
    (case,) = bkp001.findall("testcase")
    assert case.attrib == {
        "name": "aws_backup_vault.open",
        "classname": "BKP001.infra",
        "file": "infra/vaults.tf",
        "line": "6",
    }
    failure = case.find("failure")
    assert failure.get("type") == "BKP001 high"
    assert failure.get("message") == (
        "infra/vaults.tf:6: Backup vault aws_backup_vault.open has no customer-managed KMS key."
    )
    assert failure.text.splitlines() == [
        "infra/vaults.tf:6:1: [default] Backup vault aws_backup_vault.open has no "
        "customer-managed KMS key.",
        "    infra/plans.tf:3 plan rule `to-open` targets it",
        "    infra/vaults.tf:6 no kms_key_arn",
        "    - AWS Backup then uses aws/backup",
        "    fix: Set kms_key_arn = aws_kms_key.backup.arn",
    ]
    # a rule with no live findings is one passing testcase (the suppressed BKP003 does not fail)
    for name in (
        "BKP002 backup-plan-targets-vault-without-cmk",
        "BKP003 backup-vault-key-is-alias",
    ):
        (passing,) = suites[name].findall("testcase")
        assert passing.get("name") == "no findings"
        assert passing.find("failure") is None
    (err_case,) = suites["iacguard"].findall("testcase")
    assert err_case.get("file") == "infra/broken.tf" and err_case.get("line") == "4"
    assert err_case.find("error").get("message") == "infra/broken.tf:4:7: unexpected token '}'"


def test_github_annotations(report):
    lines = render(report, "github").splitlines()
    assert lines == [
        "::warning file=infra/keys.tf,line=3,col=3,endLine=3,endColumn=30,"
        "title=KMS001 kms-key-rotation-disabled::[definite] KMS key aws_kms_key.k has automatic "
        "rotation disabled.%0AFix: Set enable_key_rotation = true",
        "::error file=infra/vaults.tf,line=6,col=1,endLine=6,endColumn=37,"
        "title=BKP001 backup-vault-without-cmk::[default] Backup vault aws_backup_vault.open has "
        "no customer-managed KMS key.%0AFix: Set kms_key_arn = aws_kms_key.backup.arn",
        "::error file=infra/broken.tf,line=4,col=7,title=iacguard error::unexpected token '}'",
        "::notice title=iacguard notes::Notes: 1 other note (--output-format full or json lists "
        "them).",
    ]


def test_github_escaping():
    from iacguard.report.github import escape_data, escape_property

    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_github_escapes_paths_and_messages(workdir):
    from iacguard.api import assemble
    from iacguard.core.certainty import Certainty
    from iacguard.core.findings import Finding, Severity
    from iacguard.core.spans import Span

    f = Finding(
        "KMS002",
        "kms-key-short-deletion-window",
        Severity.LOW,
        Certainty.DEFINITE,
        "window 7%, below 30\nfix it",
        "k",
        "aws_kms_key",
        ".",
        Span("a,b:c.tf", 2, 1, 2, 5),
    )
    (line,) = render(assemble([f]), "github").splitlines()
    assert line == (
        "::warning file=a%2Cb%3Ac.tf,line=2,col=1,endLine=2,endColumn=5,"
        "title=KMS002 kms-key-short-deletion-window::[definite] window 7%25, below 30%0Afix it"
    )


def test_gitlab_code_quality(report):
    doc = json.loads(render(report, "gitlab"))
    assert [d["check_name"] for d in doc] == [
        "KMS001",
        "BKP001",
        "iacguard/file-error",
        "iacguard/note/other",
    ]
    for d in doc:
        assert set(d) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert len(d["fingerprint"]) == 32 and int(d["fingerprint"], 16) >= 0
    kms001, bkp001, error, _note = doc
    key = "\x1f".join(("BKP001", "infra", "aws_backup_vault.open", "kms_key_arn"))
    assert bkp001 == {
        "description": "BKP001 backup-vault-without-cmk: Backup vault aws_backup_vault.open has "
        "no customer-managed KMS key.",
        "check_name": "BKP001",
        "fingerprint": hashlib.md5(key.encode()).hexdigest(),
        "severity": "critical",
        "location": {"path": "infra/vaults.tf", "lines": {"begin": 6, "end": 6}},
    }
    assert kms001["severity"] == "major"
    assert error["severity"] == "major"
    assert error["location"] == {"path": "infra/broken.tf", "lines": {"begin": 4, "end": 4}}
    assert len({d["fingerprint"] for d in doc}) == 4


def test_gitlab_severity_mapping(workdir):
    from iacguard.api import assemble
    from iacguard.core.certainty import Certainty
    from iacguard.core.findings import Finding, Severity
    from iacguard.core.spans import Span

    found = [
        Finding(
            f"KMS00{i}",
            "n",
            sev,
            Certainty.DEFINITE,
            "m",
            f"k{i}",
            "t",
            ".",
            Span("a.tf", i, 1, i, 2),
        )
        for i, sev in enumerate(Severity, start=1)
    ]
    doc = json.loads(render(assemble(found), "gitlab"))
    assert [d["severity"] for d in doc] == ["minor", "major", "critical", "blocker"]


def test_machine_formats_of_an_empty_report(empty_report):
    assert json.loads(render(empty_report, "gitlab")) == []
    assert render(empty_report, "github") == ""
    root = ET.fromstring(render(empty_report, "junit"))
    assert root.get("failures") == "0" and root.get("tests") == "5"


def test_junit_survives_control_characters(workdir):
    from iacguard.api import assemble
    from iacguard.core.certainty import Certainty
    from iacguard.core.findings import Finding, Severity
    from iacguard.core.spans import Span

    f = Finding(
        "KMS001",
        "kms-key-rotation-disabled",
        Severity.MEDIUM,
        Certainty.DEFINITE,
        "bad \x01 name",
        "k\x1b",
        "aws_kms_key",
        ".",
        Span("a.tf", 1, 1, 1, 2),
    )
    root = ET.fromstring(render(assemble([f]), "junit"))
    case = root.find("testsuite/testcase")
    assert case.get("name") == "k\ufffd"
    assert case.find("failure").get("message") == "a.tf:1: bad \ufffd name"


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        (".", "KMS001"),
        ("", "KMS001"),
        ("infra", "KMS001.infra"),
        ("infra/prod/eu-west-1", "KMS001.infra.prod.eu-west-1"),
        ("cfn/template.yaml", "KMS001.cfn.template_yaml"),
        ("./infra/", "KMS001.infra"),
        ("../shared/modules", "KMS001.up.shared.modules"),
    ],
)
def test_junit_classname_is_a_dotted_name_jenkins_and_gitlab_render(root, expected):
    # Jenkins splits a classname at its last dot (package . class): no '/', no file suffix dot,
    # no trailing dot for the root '.', which used to give 'KMS001..'
    assert classname("KMS001", root) == expected


def test_junit_classname_in_the_document(report):
    from iacguard.core.records import replace

    kms001 = next(f for f in report.findings if f.rule_id == "KMS001")
    moved = replace(report, findings=(replace(kms001, root="."),))
    root = ET.fromstring(render(moved, "junit"))
    (case,) = [c for c in root.iter("testcase") if c.get("name") == "aws_kms_key.k"]
    assert case.get("classname") == "KMS001"
