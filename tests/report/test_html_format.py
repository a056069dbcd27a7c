"""``--output-format html``: one self-contained, well-formed page (every element closed; no
script, no external URL but the links of anchors; a Content-Security-Policy that forbids every
load), with the findings table, each touched backup chain as inline SVG with its failing nodes
marked, and the source lines of each finding; hostile names stay text."""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from tests.report.hostile_inputs import RAW_HTML, write_hostile

from iacguard import cli
from iacguard.api import check
from iacguard.report.html_report import render as render_html

ROOT = Path(__file__).resolve().parents[2]
VOID = {"meta", "br", "img", "input", "link", "hr", "wbr", "source", "col", "area", "base"}
#: attributes whose value a browser may load or follow
URL_ATTRIBUTES = {"href", "src", "xlink:href", "action", "formaction", "data", "poster", "srcset"}
GITHUB = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "octo/infra",
    "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
}


class Checker(HTMLParser):
    """Every element closed in order; the attributes that could load something collected."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def checked(text: str) -> Checker:
    parser = Checker()
    parser.feed(text)
    parser.close()
    assert parser.problems == []
    assert parser.stack == []
    return parser


def assert_self_contained(parser: Checker) -> None:
    names = {tag for tag, _ in parser.tags}
    assert not names & {"script", "link", "iframe", "object", "embed", "img", "foreignobject"}
    for tag, attrs in parser.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            value = value or ""
            if "url(" in value:
                assert re.fullmatch(r"url\(#[\w-]+\)", value), (tag, name, value)
            if name not in URL_ATTRIBUTES:
                continue
            assert not value.lower().startswith("javascript:"), (tag, name, value)
            if not (tag == "a" and name == "href"):  # only a link may leave the page
                assert not re.search(r"(?i)https?:|//", value), (tag, name, value)
    metas = [a for t, a in parser.tags if t == "meta" and a.get("http-equiv")]
    (csp,) = [a["content"] for a in metas if a["http-equiv"] == "Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp


@pytest.fixture
def examples(monkeypatch):
    monkeypatch.chdir(ROOT)
    return check(["examples"], topology=True, jobs=1)


def test_the_page_is_well_formed_and_self_contained(examples):
    for environ in ({}, GITHUB):
        text = render_html(examples, environ=environ)
        assert text.startswith("<!DOCTYPE html>\n")
        assert_self_contained(checked(text))
    hrefs = [a["href"] for t, a in checked(text).tags if t == "a"]
    blob = "https://github.com/octo/infra/blob/0123456789abcdef0123456789abcdef01234567/"
    assert f"{blob}examples/terraform/main.tf#L71" in hrefs


def test_the_page_has_the_table_the_chains_and_the_source_lines(examples):
    text = render_html(examples, environ={})
    parser = checked(text)
    rows = [a for t, a in parser.tags if t == "tr"]
    assert len(rows) == 1 + len(examples.live)
    svgs = re.findall(r"<svg .*?</svg>", text, re.S)
    assert len(svgs) == 3
    plan = next(s for s in svgs if "aws_backup_plan.daily" in s)
    failing = re.findall(r'<g class="node failing" data-kind="(\w+)">', plan)
    assert sorted(failing) == ["key", "key", "plan_rule", "source", "vault"]
    assert plan.count('<g class="node"') + len(failing) == 10
    # the marker ids are unique in the page
    ids = re.findall(r'<marker id="([^"]+)"', text)
    assert len(ids) == len(set(ids)) == 3
    # the BKP004 finding quotes its source lines, the finding's line marked
    source = Path(ROOT / "examples" / "terraform" / "main.tf").read_text().splitlines()
    assert f'<span class="line hit"><span class="no">71</span>{escape(source[70])}</span>' in text


def test_hostile_names_stay_text(tmp_path, monkeypatch):
    write_hostile(tmp_path)
    monkeypatch.chdir(tmp_path)
    report = check(["."], topology=True, jobs=1)
    text = render_html(report, environ={})
    for raw in RAW_HTML:
        assert raw not in text
    parser = checked(text)
    assert_self_contained(parser)
    shown = "".join(parser.text)
    assert "<script>alert(1)</script>" in shown  # as text, which is what the file says
    assert "odd%20%28dir%29%7Cx/t.yaml#L2" in text


def test_a_source_file_that_is_gone_is_not_quoted(examples, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the report's paths no longer resolve from here
    moved = examples.__class__(**{**_fields(examples), "base": str(tmp_path)})
    text = render_html(moved, environ={})
    checked(text)
    assert 'class="source"' not in text
    assert "BKP004" in text


def _fields(report) -> dict:
    from iacguard.core.records import fields

    return {f.name: getattr(report, f.name) for f in fields(report)}


def test_the_cli_writes_the_page(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "report.html"
    assert (
        cli.main(["check", "examples", "--report", f"html={out}", "--output-format", "concise"])
        == 1
    )
    text = out.read_text(encoding="utf-8")
    assert text.count("<svg ") == 3
    assert len(text) < 200_000
    capsys.readouterr()


def test_a_clean_run_and_the_hand_built_report_are_well_formed(empty_report, report):
    clean = render_html(empty_report, environ={})
    assert_self_contained(checked(clean))
    assert '<p class="muted">No findings.</p>' in clean and "<svg" not in clean
    # a report without chains (built by hand, or by a run not asked for them): table and
    # source lines only; the file error is a row
    text = render_html(report, environ={})
    assert_self_contained(checked(text))
    assert "<svg" not in text and "unexpected token &#x27;}&#x27;" in text
