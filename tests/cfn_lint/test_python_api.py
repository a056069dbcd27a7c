"""iacguard's cfn-lint rules through cfn-lint's Python API: a template given as text
(``cfnlint.api.lint``: ``cfn.filename`` is None, as cfn-lsp passes it) gives the same matches
at the same lines as the file; each template is evaluated once per run whatever the number of
rules, and the evaluations kept are bounded; a template iacguard cannot check is a match of
E9100, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

cfnlint = pytest.importorskip("cfnlint")

from cfnlint.api import ManualArgs, lint  # noqa: E402
from cfnlint.core import run_checks  # noqa: E402
from cfnlint.decode import decode  # noqa: E402
from cfnlint.rules import RulesCollection  # noqa: E402

import iacguard.cfnlint  # noqa: E402
from iacguard.cfnlint import CFN_LINT_IDS, base, source  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
TEMPLATES = sorted(
    p
    for p in FIXTURES.glob("*/cloudformation/*")
    if p.suffix in (".yaml", ".json")
    and not p.name.endswith(".expected.json")
    and not decode(str(p))[1]  # what cfn-lint cannot decode is its own E0000, not ours
)
OURS = {*CFN_LINT_IDS.values(), "E9100"}


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch) -> source.EvaluationCache:
    """Each test's rules evaluate into their own cache (no evaluation from another test)."""
    cache = source.EvaluationCache()
    monkeypatch.setattr(base.IacguardRule, "cache", cache)
    monkeypatch.setattr(base.NotCheckedRule, "cache", cache)
    return cache


def only_ours() -> RulesCollection:
    """A collection of iacguard's rules alone (cfn-lint's own are not needed here)."""
    rules = RulesCollection(include_rules=["I"])
    rules.create_from_module("iacguard.cfnlint")
    return rules


def records(matches) -> list[tuple]:
    return sorted(
        (m.rule.id, m.linenumber, m.columnnumber, m.message) for m in matches if m.rule.id in OURS
    )


def lint_file(path: Path, rules: RulesCollection) -> list[tuple]:
    template, errors = decode(str(path))
    assert not errors, errors
    return records(run_checks(str(path), template, rules, ["us-east-1"]))


def test_the_module_holds_one_rule_per_iacguard_rule():
    ids = sorted(r.id for r in only_ours())
    assert ids == sorted([*CFN_LINT_IDS.values(), "E9100"])


@pytest.mark.parametrize("path", TEMPLATES, ids=[str(p.relative_to(FIXTURES)) for p in TEMPLATES])
def test_text_gives_what_the_file_gives(path, monkeypatch):
    """``cfn.filename`` None: the decoded template is evaluated, and every match is at the
    line and column the file gives it (cfn-lint's own marks place the path)."""
    rules = only_ours()
    for rule in rules:
        rule.configure({"min_certainty": "possible"} if rule.id != "E9100" else None)
    from_file = lint_file(path, rules)
    seen: list[str] = []
    real = source.check_template

    def spy(name, text=None, **kwargs):
        seen.append(name)
        return real(name, text, **kwargs)

    monkeypatch.setattr(source, "check_template", spy)
    from_text = records(lint(path.read_text(encoding="utf-8"), rules=rules))
    assert seen == [source.TEXT_NAME]  # evaluated once, as text
    assert [m[:3] for m in from_text] == [m[:3] for m in from_file]
    assert from_text == from_file


def test_min_certainty_is_a_rule_option():
    rules = only_ours()
    for rule in rules:
        rule.configure({"min_certainty": "possible"} if rule.id != "E9100" else None)
    text = (FIXTURES / "BKP001/cloudformation/condition-gated.yaml").read_text(encoding="utf-8")
    every = {m[3].split("]")[0] for m in records(lint(text, rules=rules))}
    assert any("possible" in c for c in every)
    strict = records(
        lint(
            text,
            config=ManualArgs(
                append_rules=["iacguard.cfnlint"],
                configure_rules={i: {"min_certainty": "definite"} for i in CFN_LINT_IDS.values()},
            ),
        )
    )
    assert strict and all(m[3].split("]")[0].endswith("definite") for m in strict)


def test_one_evaluation_per_template_per_run(tmp_path, monkeypatch):
    calls: list[str] = []
    real = source.check_template

    def counting(name, text=None, **kwargs):
        calls.append(name)
        return real(name, text, **kwargs)

    monkeypatch.setattr(source, "check_template", counting)
    names = []
    for i in range(3):
        path = tmp_path / f"t{i}.yaml"
        path.write_text(
            "Resources:\n  Vault:\n    Type: AWS::Backup::BackupVault\n"
            f"    Properties:\n      BackupVaultName: vault-{i}\n"
        )
        names.append(str(path))
    rules = only_ours()
    assert len(list(rules)) == 8
    matches = []
    for name in names:
        template, _ = decode(name)
        matches += run_checks(name, template, rules, ["us-east-1"])
    assert sorted(calls) == sorted(names)  # 8 rules, 3 templates: 3 evaluations
    assert [m.rule.id for m in matches] == ["E9101"] * 3


def test_the_cache_is_bounded():
    cache = source.EvaluationCache(size=2)

    class Cfn:
        filename = None

        def __init__(self, n: int) -> None:
            self.template = {"Resources": {f"V{n}": {"Type": "AWS::Backup::BackupVault"}}}

    kept = [Cfn(n) for n in range(5)]
    for cfn in kept:
        cache.get(cfn)
    assert len(cache) == 2 and cache.evaluations == 5
    cache.get(kept[-1])  # the same object: found by identity
    cache.get(Cfn(4))  # another object, the same template: found by content
    assert cache.evaluations == 5
    cache.get(kept[0])  # evicted: evaluated again
    assert cache.evaluations == 6


DEEP = (
    'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Vault:\n'
    "    Type: AWS::Backup::BackupVault\n    Properties:\n      BackupVaultName: vault\n"
    "  Bucket:\n    Type: AWS::S3::Bucket\n    Metadata:\n      Deep: "
    + '{"a": ' * 205
    + '"x"'
    + "}" * 205
    + "\n"
)


def test_a_template_iacguard_cannot_read_is_a_match_not_a_crash(tmp_path):
    """Nested past iacguard's bound (cfn-lint reads it): E9100 says so, at the place in the
    file; no rule reports a guess, and cfn-lint goes on (the text route too)."""
    path = tmp_path / "deep.yaml"
    path.write_text(DEEP)
    rules = only_ours()
    got = lint_file(path, rules)
    assert [(m[0], m[1]) for m in got] == [("E9100", 10)]
    assert "nesting deeper than 200 levels" in got[0][3]
    from_text = records(lint(DEEP, rules=rules))
    assert [m[0] for m in from_text] == ["E9100"]


def test_a_bad_option_is_cfn_lint_s_rule_error_not_a_crash():
    text = (FIXTURES / "KMS002/cloudformation/pending-window.yaml").read_text(encoding="utf-8")
    matches = lint(
        text,
        config=ManualArgs(
            append_rules=["iacguard.cfnlint"],
            configure_rules={"W9202": {"min_deletion_window_days": 3}},
        ),
    )
    errors = [m for m in matches if m.rule.id == "E0002"]
    assert errors and "below the minimum 7" in errors[0].message
    assert not [m for m in matches if m.rule.id == "W9202"]


def test_the_base_class_is_not_a_rule_of_the_module():
    from cfnlint.helpers import create_rules

    made = create_rules(iacguard.cfnlint)
    assert len(made) == 8 and all(r.id for r in made)


def test_text_honours_metadata_suppressions_not_comments():
    """A decoded template has no comments: iacguard's Metadata suppression applies there, a
    comment one cannot (the README says so); with a file both apply."""
    text = (
        "Resources:\n"
        "  # iacguard: ignore[BKP001] -- comments are gone once decoded\n"
        "  Commented:\n"
        "    Type: AWS::Backup::BackupVault\n"
        "  Declared:\n"
        "    Type: AWS::Backup::BackupVault\n"
        "    Metadata:\n"
        "      iacguard:\n"
        "        ignore:\n"
        "          - id: BKP001\n"
        "            reason: reporting vault\n"
    )
    got = records(lint(text, rules=only_ours()))
    assert [(m[0], m[1]) for m in got] == [("E9101", 3)]
