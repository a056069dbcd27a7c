"""Notes (what was not evaluated) reach every format, counted by kind: a run over a module
that calls a remote module and reads a data source does not look clean in a CI format.

Before, only ``full`` and ``json`` showed notes: ``concise`` and ``github`` printed nothing,
SARIF had no notification, GitLab no issue and JUnit a green run.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from iacguard import cli
from iacguard.core.located import Located
from iacguard.core.notes import DATA_SOURCE, OTHER, REMOTE_MODULE, SKIPPED, note_kind

MAIN_TF = """\
data "aws_caller_identity" "current" {}

module "vaults" {
  source = "terraform-aws-modules/backup/aws"
}

module "more_vaults" {
  source = "git::https://example.com/vaults.git"
}

resource "aws_kms_key" "backup" {
  description         = "backup key for ${data.aws_caller_identity.current.account_id}"
  enable_key_rotation = true
}
"""


@pytest.fixture
def module(tmp_path, monkeypatch):
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(MAIN_TF)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str]:
    code = cli.main(["check", "infra", "--select", "KMS001", *args])
    return code, capsys.readouterr().out


def test_the_evaluator_notes_have_their_kinds(module, capsys):
    code, out = run(capsys, "--output-format", "json")
    notes = [Located(None, n["message"]) for n in json.loads(out)["notes"]]
    assert sorted(note_kind(n) for n in notes) == [DATA_SOURCE, REMOTE_MODULE, REMOTE_MODULE]
    assert code == 0


def test_concise_counts_notes_by_kind_before_the_summary(module, capsys):
    code, out = run(capsys, "--output-format", "concise")
    assert out.splitlines() == [
        "Notes: 2 remote module calls not fetched (nothing in them is checked: "
        "run `terraform init` first), 1 data source "
        "value unknown until plan time (--output-format full or json lists them).",
        "No findings; 1 file checked.",
    ]
    assert code == 0  # notes never fail a run


def test_quiet_concise_prints_no_notes_line(module, capsys):
    assert run(capsys, "--output-format", "concise", "--quiet") == (0, "")


def test_github_writes_one_notice(module, capsys):
    code, out = run(capsys, "--output-format", "github")
    assert out.splitlines() == [
        "::notice title=iacguard notes::Notes: 2 remote module calls not fetched (nothing in "
        "them is checked: run `terraform init` first), 1 data source value unknown until plan "
        "time (--output-format full or json lists them)."
    ]


def test_sarif_notifications_per_note(module, capsys):
    code, out = run(capsys, "--output-format", "sarif")
    (invocation,) = json.loads(out)["runs"][0]["invocations"]
    notes = invocation["toolExecutionNotifications"]
    assert sorted((n["level"], n["properties"]["kind"]) for n in notes) == [
        ("note", "data-source"),
        ("warning", "remote-module"),
        ("warning", "remote-module"),
    ]
    remote = next(n for n in notes if "terraform-aws-modules" in n["message"]["text"])
    assert remote["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "infra/main.tf", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3, "startColumn": 1},
    }


def test_gitlab_info_issues(module, capsys):
    code, out = run(capsys, "--output-format", "gitlab")
    issues = json.loads(out)
    assert sorted(
        (i["check_name"], i["severity"], i["location"]["lines"]["begin"]) for i in issues
    ) == [
        ("iacguard/note/data-source", "info", 1),
        ("iacguard/note/remote-module", "info", 3),
        ("iacguard/note/remote-module", "info", 7),
    ]
    assert len({i["fingerprint"] for i in issues}) == 3


def test_junit_skipped_testcases_per_kind(module, capsys):
    code, out = run(capsys, "--output-format", "junit")
    root = ET.fromstring(out)
    assert root.get("skipped") == "2"
    (suite,) = [s for s in root.findall("testsuite") if s.get("name") == "iacguard notes"]
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert list(cases) == ["remote-module", "data-source"]
    skipped = cases["remote-module"].find("skipped")
    assert skipped is not None
    assert (
        skipped.get("message")
        == "2 remote module calls not fetched (nothing in them is checked: run `terraform init` "
        "first)"
    )
    listed = cases["remote-module"].findtext("system-out").splitlines()
    assert [line.split(": ", 1)[0] for line in listed] == ["infra/main.tf:3", "infra/main.tf:7"]


def test_note_kinds_of_other_notes():
    """Discovery's notes on files it leaves out (no location) are ``skipped``; the rest are
    ``other``."""
    assert note_kind(Located(None, "a.yaml: symlink loop, skipped")) == SKIPPED
    assert note_kind(Located(None, "p: FIFO, not a regular file: not checked")) == SKIPPED
    assert note_kind(Located(None, "x.tf: git-ignored, checked because it was named")) == OTHER
