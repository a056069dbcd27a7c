"""GitHub shows only the first 10 annotations of each kind per step: with more, the ``github``
format says so on a last log line, and in Actions (``GITHUB_STEP_SUMMARY`` set) the command
appends a Markdown job summary listing every finding. Before, findings past the tenth were
silently missing from the pull request."""

from __future__ import annotations

import pytest

from iacguard import cli
from iacguard.report.step_summary import cell

KEY = """\
resource "aws_kms_key" "k{n}" {{
  description = "key {n}"
}}
"""


@pytest.fixture
def keys(tmp_path, monkeypatch):
    """A module with twelve keys without rotation (KMS001 is medium: warning annotations)."""
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text("".join(KEY.format(n=n) for n in range(12)))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *args: str) -> tuple[int, list[str]]:
    code = cli.main(["check", "infra", "--select", "KMS001", "--output-format", "github", *args])
    return code, capsys.readouterr().out.splitlines()


def test_more_than_ten_annotations_of_a_kind_say_so(keys, capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    code, lines = run(capsys)
    assert code == 1
    assert sum(line.startswith("::warning ") for line in lines) == 12
    assert lines[-1] == (
        "iacguard: 12 warning annotations: GitHub shows the first 10 of each kind per step; "
        "the job summary lists them all."
    )
    assert not (keys / "summary.md").exists()


def test_ten_or_fewer_print_no_extra_line(keys, capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    (keys / "infra" / "main.tf").write_text(KEY.format(n=0))
    code, lines = run(capsys)
    assert [line.split(" ", 1)[0] for line in lines] == ["::warning"]


def test_step_summary_is_appended_in_actions(keys, capsys, monkeypatch):
    summary = keys / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, lines = run(capsys)
    assert code == 1
    text = summary.read_text()
    assert text.startswith("earlier step\n## iacguard\n\nFound 12 findings (12 definite); ")
    rows = [line for line in text.splitlines() if line.startswith("| medium | KMS001 |")]
    assert len(rows) == 12
    assert rows[0].startswith("| medium | KMS001 | infra/main.tf:1:1 | aws&#95;kms&#95;key.k0 |")


def test_other_formats_write_no_step_summary(keys, capsys, monkeypatch):
    summary = keys / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    cli.main(["check", "infra", "--output-format", "concise"])
    capsys.readouterr()
    assert not summary.exists()


def test_cells_cannot_break_the_table_or_inject_markup():
    assert cell("a|b\nc <img src=x> `x` *y* [l](u) \x1b[31m") == (
        "a&#124;b c &lt;img src=x&gt; &#96;x&#96; &#42;y&#42; &#91;l&#93;(u) &#92;x1b&#91;31m"
    )
