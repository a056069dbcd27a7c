"""Every template of ../shared/corpus parses into the graph or yields located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.core.values import Alternative, Depends, PartialStr, Unknown, default_of
from iacguard.discover import sniff
from iacguard.evaluate.cloudformation.template import evaluate_template
from iacguard.evaluate.options import EvalOptions

CORPUS = (Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus").resolve()
SUFFIXES = (".yaml", ".yml", ".json", ".template")


def _templates() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    out = []
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file() and path.suffix in SUFFIXES:
            if sniff(path, path.read_bytes()[: 256 * 1024]) == "template":
                out.append(path)
    return out


TEMPLATES = _templates()
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")


@needs_corpus
def test_the_corpus_has_templates() -> None:
    assert len(TEMPLATES) >= 25


@needs_corpus
@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_template_evaluates_or_reports_located_errors(path: Path) -> None:
    g = evaluate_template(str(path), EvalOptions())
    for error in g.errors:
        assert error.path == str(path)
        assert error.line is not None and error.line >= 1
        assert error.message and "\n" not in error.message
    if not g.errors:
        assert g.resources, "a template with no errors has resources"
    for r in g.resources:
        assert r.root == str(path) and r.language == "cloudformation"
        assert r.span.path == str(path) and r.span.start_line >= 1
        for span in r.spans.values():
            assert span.start_line >= r.span.start_line


@needs_corpus
def test_rain_embed_tag_is_an_unknown_value_with_a_note() -> None:
    path = CORPUS / (
        "aws-cloudformation__aws-cloudformation-templates/CloudFormation/StackSets/"
        "log-setup-management.yaml"
    )
    g = evaluate_template(str(path), EvalOptions())
    assert g.errors == ()
    notes = [(n.span.start_line, n.span.start_column, n.message) for n in g.notes]
    assert (
        177,
        21,
        "YAML tag !Rain::Embed is not a CloudFormation intrinsic: its value is unknown here",
    ) in notes
    stack_set = next(r for r in g.resources if r.address == "TargetAccountLogging")
    body = stack_set.attributes["TemplateBody"]
    assert isinstance(body, Unknown) and "!Rain::Embed" in body.reason


@needs_corpus
def test_widdix_statement_list_follows_the_service_parameter() -> None:
    path = CORPUS / "widdix__aws-cf-templates/security/kms-key.yaml"
    g = evaluate_template(str(path), EvalOptions())
    assert g.errors == ()
    key = next(r for r in g.resources if r.address == "Key")
    policy = key.attributes["KeyPolicy"]
    assert isinstance(policy, Depends)
    assert policy.inputs == frozenset({"Service"})
    assert policy.complete is True
    # Default ALL_SERVICES: the account root plus the all-services statement, nothing else
    statements = default_of(policy)["Statement"]
    assert len(statements) == 2
    assert "kms:ViaService" not in statements[1]["Condition"]["StringEquals"]
    by_world = {a.assignment: a.value for a in policy.alternatives}
    assert len(by_world[(("Service", "ROUTE53_DNSSEC"),)]["Statement"]) == 3
    s3 = by_world[(("Service", "s3"),)]["Statement"]
    assert len(s3) == 2
    assert s3[1]["Condition"]["StringEquals"]["kms:ViaService"] == PartialStr(
        ("s3.", Unknown("pseudo parameter AWS::Region"), ".amazonaws.com")
    )


@needs_corpus
def test_kms_key_strict_open_parameters_are_not_complete() -> None:
    path = CORPUS / "cfn-modules__kms-key-strict/module.yml"
    g = evaluate_template(str(path), EvalOptions())
    assert g.errors == ()
    key = next(r for r in g.resources if r.address == "Key")
    policy = key.attributes["KeyPolicy"]
    assert isinstance(policy, Depends)
    assert policy.inputs == frozenset({"AdminAccess", "ServiceAccess", "UseAccess"})
    assert policy.complete is False
    assert len(default_of(policy)["Statement"]) == 2
    alt = next(
        a for a in policy.alternatives if a.assignment == (("ServiceAccess", "ALL_SERVICES"),)
    )
    assert isinstance(alt, Alternative) and len(alt.value["Statement"]) == 3


def _plain(data: object) -> object:
    """cfn-lint's decoded template as plain data; its YAML dates read as the text written, and
    its reading of an unknown local tag (``!Rain::Embed x`` -> ``{"Fn::Rain::Embed": "x"}``) as
    the unknown value iacguard reads (``to_plain`` gives None)."""
    import datetime

    from iacguard.parse.cfn_yaml import SHORT_TAGS

    if isinstance(data, dict):
        if len(data) == 1:
            (key,) = data
            if str(key).startswith("Fn::") and str(key) not in SHORT_TAGS.values():
                return None
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    if isinstance(data, str):
        return str(data)
    if isinstance(data, datetime.date):
        return data.isoformat()
    return data


@needs_corpus
@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_decoding_agrees_with_cfn_lint(path: Path) -> None:
    """cfn-lint (a test-only oracle, never imported by iacguard) decodes to the same data."""
    from cfnlint import decode  # the test extra installs it: never skipped

    from iacguard.parse.cfn_nodes import to_plain
    from iacguard.parse.cfn_yaml import load_template

    mine = load_template(str(path))
    if mine.errors:
        pytest.skip("iacguard reports located errors for this template")
    theirs, matches = decode.decode_str(path.read_text())
    assert not matches
    assert to_plain(mine.root) == _plain(theirs)
