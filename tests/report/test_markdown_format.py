"""``--output-format markdown``: the step summary's heading and escaping, a table of findings
with linked locations (relative, or GitHub blob URLs at the commit in Actions) and a Mermaid
flowchart per backup plan a finding touches, failing nodes marked. Hostile names can neither
break the table, nor inject HTML, nor end a Mermaid label."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.report.hostile_inputs import RAW, write_hostile

from iacguard import cli
from iacguard.api import check
from iacguard.report import FORMATS, render
from iacguard.report.markdown import render as render_markdown

ROOT = Path(__file__).resolve().parents[2]
GITHUB = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "octo/infra",
    "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
}


@pytest.fixture
def examples(monkeypatch):
    monkeypatch.chdir(ROOT)
    return check(["examples"], topology=True, jobs=1)


def diagrams(text: str) -> list[str]:
    return re.findall(r"^```mermaid\n(.*?)^```$", text, re.S | re.M)


def table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]


def test_markdown_is_a_listed_format():
    assert "markdown" in FORMATS and "html" in FORMATS
    assert "markdown" in cli.OUTPUT_FORMATS and "html" in cli.OUTPUT_FORMATS


def test_the_table_lists_every_live_finding_with_a_relative_link(examples):
    text = render_markdown(examples, environ={})
    assert text.startswith("## iacguard\n\nFound 7 findings (5 definite, 2 default); ")
    rows = table_rows(text)
    assert rows[0] == "| severity | rule | certainty | location | message |"
    assert len(rows) == 1 + len(examples.live)
    bkp004 = next(r for r in rows if "BKP004" in r)
    cells = [c.strip() for c in bkp004.strip("|").split(" | ")]
    assert cells[:4] == [
        "high",
        "BKP004 backup-of-unencrypted-source",
        "definite",
        "[examples/terraform/main.tf:71:1](examples/terraform/main.tf#L71)",
    ]


def test_links_go_to_the_blob_at_the_commit_in_github_actions(examples):
    text = render_markdown(examples, environ=GITHUB)
    blob = "https://github.com/octo/infra/blob/0123456789abcdef0123456789abcdef01234567/"
    assert f"[examples/terraform/main.tf:71:1]({blob}examples/terraform/main.tf#L71" in text
    # a multi-line span links to the lines
    assert re.search(re.escape(blob) + r"examples/cloudformation/backup\.yaml#L12-L20\)", text)
    # something that is not what GitHub sets gives relative links, never a broken URL
    odd = dict(GITHUB, GITHUB_SERVER_URL="javascript:alert(1)//")
    assert "javascript" not in render_markdown(examples, environ=odd)


def test_one_flowchart_per_touched_chain_with_the_failing_nodes_marked(examples):
    text = render_markdown(examples, environ={})
    found = diagrams(text)
    assert len(found) == 3  # the Terraform plan, and the template's two vaults (no plan)
    plan = next(d for d in found if "aws_backup_plan.daily" in d)
    assert plan.startswith("flowchart LR\n")
    assert 'n0(["aws_backup_plan.daily<br/>backup plan"])' in plan
    assert "-->|target_vault_name|" in plan and "-->|assigns|" in plan
    assert "classDef failing " in plan
    (marked,) = re.findall(r"^  class (\S+) failing$", plan, re.M)
    ids = {m.group(2): m.group(1) for m in re.finditer(r'^  (n\d+)\W+"([^<"]+)', plan, re.M)}
    assert ids["rule daily"] in marked.split(",")
    assert ids["aws_ebs_volume.scratch"] in marked.split(",")
    assert ids["aws_backup_vault.primary"] not in marked.split(",")
    assert "#### backup plan aws&#95;backup&#95;plan.daily" in text


CLEAN_PLAN = """\
resource "aws_kms_key" "k" {
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "backup.amazonaws.com" }
      Action    = ["kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant", "kms:DescribeKey"]
      Resource  = "*"
    }]
  })
}

resource "aws_backup_vault" "v" {
  name        = "v"
  kms_key_arn = aws_kms_key.k.arn
}

resource "aws_backup_plan" "p" {
  name = "p"
  rule {
    rule_name         = "r"
    target_vault_name = aws_backup_vault.v.name
  }
}

resource "aws_kms_key" "other" {
}
"""


def test_a_plan_no_finding_touches_is_not_drawn(tmp_path, monkeypatch):
    (tmp_path / "main.tf").write_text(CLEAN_PLAN)
    monkeypatch.chdir(tmp_path)
    report = check(["."], topology=True, jobs=1)
    assert [(f.rule_id, f.address) for f in report.live] == [("KMS001", "aws_kms_key.other")]
    text = render_markdown(report, environ={})
    assert "```mermaid" not in text and "Backup chains" not in text
    # a finding on the plan's key draws it, the good policy shown as such
    (tmp_path / "main.tf").write_text(CLEAN_PLAN.replace("rotation = true", "rotation = false"))
    text = render_markdown(check(["."], topology=True, jobs=1), environ={})
    (diagram,) = diagrams(text)
    assert '[/"key policy<br/>the key policy allows AWS Backup"/]' in diagram


def test_hostile_names_neither_break_the_table_nor_inject_html(tmp_path, monkeypatch):
    write_hostile(tmp_path)
    monkeypatch.chdir(tmp_path)
    report = check(["."], topology=True, jobs=1)
    assert len(report.live) >= 5
    text = render_markdown(report, environ={})
    for raw in RAW:
        assert raw not in text
    rows = table_rows(text)
    assert len(rows) == 1 + len(report.live)
    for row in rows:  # five cells: no pipe from a name splits one
        assert len(re.findall(r"(?<!\\)\|", row)) == 6, row
    # the odd directory name is percent-encoded in the link, escaped in the text
    assert "(odd%20%28dir%29%7Cx/t.yaml#L2)" in text
    assert "[odd (dir)&#124;x/t.yaml:2:3]" in text
    for diagram in diagrams(text):
        for line in diagram.splitlines()[1:]:
            # one statement per line, labels quoted and free of quotes, tags and brackets
            assert re.fullmatch(
                r'  (n\d+\W{1,2}"[^"<>\[\]`|]*(<br/>[^"<>\[\]`|]*)?"\W{1,2}'
                r"|n\d+ -->(\|[^|\n]*\| | )n\d+|classDef failing \S+|class [n\d,]+ failing)",
                line,
            ), line


def test_the_cli_writes_markdown_and_computes_the_chains(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    for name in GITHUB:
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["check", "examples", "--output-format", "markdown"]) == 1
    out = capsys.readouterr().out
    assert out == render(check(["examples"], topology=True, jobs=1), "markdown")
    assert len(diagrams(out)) == 3


def test_report_markdown_to_the_step_summary_replaces_the_github_summary(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(ROOT)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    args = ["check", "examples", "--output-format", "github"]
    assert cli.main([*args, "--report", f"markdown={summary}"]) == 1
    text = summary.read_text(encoding="utf-8")
    assert text.count("## iacguard") == 1 and "```mermaid" in text
    summary.unlink()
    assert cli.main(args) == 1  # without it, the github format's own summary, unchanged
    text = summary.read_text(encoding="utf-8")
    assert (
        "```mermaid" not in text and "| severity | rule | location | resource | message |" in text
    )
    capsys.readouterr()


def test_a_file_outside_the_repository_is_never_a_blob_link(examples, tmp_path):
    from iacguard.core.records import replace
    from iacguard.report.links import linker

    inner = replace(examples, repo_root=str(ROOT / "examples" / "terraform"))
    link = linker(inner, GITHUB)
    assert link.url("examples/terraform/main.tf", 3).endswith(
        "/blob/" + GITHUB["GITHUB_SHA"] + "/main.tf#L3"
    )
    assert link.url("examples/cloudformation/backup.yaml", 3, 5) == (
        "examples/cloudformation/backup.yaml#L3"
    )


def test_a_clean_run_is_the_heading_and_the_summary_line(empty_report):
    assert render_markdown(empty_report, environ={}) == (
        "## iacguard\n\nNo findings; 2 files checked.\n"
    )


def test_file_errors_are_rows_with_a_linked_location(report):
    text = render_markdown(report, environ={})
    # in the location column (the certainty column is empty)
    assert (
        "| error | file error | | [infra/broken.tf:4:7](infra/broken.tf#L4) | unexpected " in text
    )
    assert "Backup chains" not in text  # a report without chains draws none
