"""Relevance (issue 12 item 1): a check explores alternative worlds only for the values its
rules read (``EvalOptions.observed_types``), and that changes nothing a user sees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from iacguard.core.values import Depends
from iacguard.evaluate.options import EvalOptions
from iacguard.graph.facts import RULE_TYPES
from iacguard.report.json_report import render
from iacguard.run import pipeline

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"

MODULE = """
variable "prod" {
  type    = bool
  default = false
}

resource "aws_s3_bucket" "logs" {
  bucket = var.prod ? "logs-prod" : "logs-dev"
}

resource "aws_backup_vault" "main" {
  name = var.prod ? "main-prod" : "main-dev"
}
"""


def _check(target: Path, relevance: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    if not relevance:
        monkeypatch.setattr(pipeline, "observed_types", lambda: None)
    monkeypatch.chdir(target)
    report = pipeline.check(["."], jobs=1)
    monkeypatch.undo()
    return render(report)


@pytest.mark.parametrize("tree", [REPO / "fixtures", CORPUS], ids=["fixtures", "corpus"])
def test_relevance_changes_no_output(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Findings (certainty, evidence, inputs, exists_when), notes, errors and the summary's
    counts are the same with the filter on (the default) and off."""
    if not tree.is_dir():
        pytest.skip(f"{tree} is not here")
    cwd = os.getcwd()
    on = _check(tree, True, monkeypatch)
    off = _check(tree, False, monkeypatch)
    os.chdir(cwd)
    assert '"findings": [\n    {' in on  # the trees have findings: the comparison means something
    assert on == off


def test_a_check_observes_only_the_rules_types() -> None:
    assert pipeline.observed_types() == RULE_TYPES
    assert {"aws_backup_vault", "AWS::KMS::Key", "data.aws_iam_policy_document"} <= RULE_TYPES
    assert "aws_s3_bucket" not in RULE_TYPES


def test_alternatives_are_explored_only_for_observed_types(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(MODULE)
    from iacguard.discover import discover
    from iacguard.run.pool import evaluate_serial

    found = discover([str(tmp_path)])

    def values(observed: frozenset[str] | None) -> dict[str, Depends]:
        graph = evaluate_serial(found, EvalOptions(observed_types=observed))
        by = {r.type: r for r in graph.resources}
        return {
            t: by[t].attributes[a]
            for t, a in (("aws_s3_bucket", "bucket"), ("aws_backup_vault", "name"))
        }

    every = values(None)  # `iacguard graph`: every value in every world
    checked = values(RULE_TYPES)
    for value in (*every.values(), checked["aws_backup_vault"]):
        assert isinstance(value, Depends) and value.complete
        assert [a.value for a in value.alternatives] == [value.default.replace("dev", "prod")]
    bucket = checked["aws_s3_bucket"]
    assert isinstance(bucket, Depends)
    assert (bucket.default, bucket.alternatives, bucket.complete) == ("logs-dev", (), False)
    assert bucket.inputs == every["aws_s3_bucket"].inputs == frozenset({"var.prod"})
