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
        monkeypatch.setattr(pipeline, "observed_types", lambda *_: None)
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


# ----------------------------------------------------------------------------- quiet units
# a unit with nothing a built-in rule can act on is parsed, not evaluated (run.relevance)

S3 = 'resource "aws_s3_bucket" "b" {\n  count  = 2\n  bucket = "b${count.index}"\n}\n'
VAULT = 'resource "aws_backup_vault" "v" {\n  name = "v"\n}\n'
INSTANCE = 'resource "aws_instance" "i" {\n  ami = "ami-1"\n}\n'
PROVIDERS = """terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}
"""
SELECTION = 'resource "aws_backup_selection" "s" {\n  name = "s"\n}\n'


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def _quiet(root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    from iacguard.discover import discover
    from iacguard.run.pool import plan_units

    monkeypatch.chdir(root)
    return {u.label: u.quiet for u in plan_units(discover(["."]))}


def test_quiet_is_decided_per_unit_with_the_modules_it_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    call = 'module "m" {\n  source = "../%s"\n}\n'
    _tree(
        tmp_path,
        {
            "plain/main.tf": S3,
            "backup/main.tf": S3 + VAULT,
            "calls_backup/main.tf": call % "lib_backup",
            "lib_backup/main.tf": VAULT,
            "calls_plain/main.tf": call % "lib_plain",
            "lib_plain/main.tf": S3,
            "remote/main.tf": 'module "r" {\n  source = "terraform-aws-modules/s3/aws"\n}\n',
            "providers/main.tf": PROVIDERS + call % "providers_lib" + S3,
            "providers_lib/main.tf": S3,
            "loop_a/main.tf": call % "loop_b",  # a module cycle: an error evaluation finds
            "loop_b/main.tf": call % "loop_a",
            "json_call/main.tf.json": '{"module": {"m": {"source": "./x"}}}',
            "suppressed/main.tf": "# iacguard: ignore[BKP001] -- none here\n" + S3,
            "sources_only/main.tf": INSTANCE,
            "sources_selected/main.tf": INSTANCE + SELECTION,
            "escaped/main.tf": 'resource "aws_s3_bucket" "e" {\n  bucket = "\\u0041"\n}\n',
            "app.yaml": "Resources:\n  B:\n    Type: AWS::S3::Bucket\n",
            "keys.yaml": "Resources:\n  K:\n    Type: AWS::KMS::Key\n",
        },
    )
    quiet = _quiet(tmp_path, monkeypatch)
    assert {k for k, v in quiet.items() if v} == {
        "plain",
        "calls_plain",  # with lib_plain, the one module it calls (one unit)
        "providers",  # a provider's source is no module call
        "sources_only",
        "app.yaml",
    }
    assert quiet["calls_backup"] is False and quiet["sources_selected"] is False


def test_the_anchors_cover_every_type_a_rule_starts_from() -> None:
    """discover's byte markers find every resource type the rules iterate over."""
    from iacguard.discover import quiet_bytes
    from iacguard.graph.facts import KINDS

    starts = {"key", "vault", "plan", "selection"}
    for type_, kind in KINDS.items():
        text = f'resource "{type_}" "x" {{}}\nType: {type_}\n'.encode()
        if kind in starts:
            assert not quiet_bytes(text, terraform=True), type_
        elif kind in {"source", "launch_template", "role"}:  # read only beside a selection
            assert quiet_bytes(text, terraform=True), type_


def _json(root: Path, monkeypatch: pytest.MonkeyPatch, skip: bool) -> dict:
    import json

    if not skip:  # a plugin rule installed: every unit is evaluated
        monkeypatch.setattr(pipeline, "observed_types", lambda *_: None)
    monkeypatch.chdir(root)
    report = pipeline.check(["."], jobs=1)
    monkeypatch.undo()
    return json.loads(render(report))


def test_a_quiet_unit_keeps_its_syntax_errors_and_counts_declared_resources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(
        tmp_path,
        {
            "app/main.tf": S3 + 'resource "aws_s3_bucket" "broken" {\n  bucket = \n}\n',
            "app/terraform.tfvars": "x = = 1\n",
            "bad.yaml": "Resources:\n  B:\n    Type: AWS::S3::Bucket\n  - x\n",
            "keys/main.tf": 'resource "aws_kms_key" "k" {}\n',
        },
    )
    assert _quiet(tmp_path, monkeypatch) == {"app": True, "keys": False, "bad.yaml": True}
    monkeypatch.undo()
    cwd = os.getcwd()
    skipped = _json(tmp_path, monkeypatch, skip=True)
    evaluated = _json(tmp_path, monkeypatch, skip=False)
    os.chdir(cwd)
    assert skipped["errors"] == evaluated["errors"]
    assert {e["path"] for e in skipped["errors"]} == {
        "app/main.tf",
        "app/terraform.tfvars",
        "bad.yaml",
    }
    assert skipped["findings"] == evaluated["findings"] and skipped["findings"]
    assert skipped["summary"]["files"] == evaluated["summary"]["files"]
    # the quiet module's one whole block counts once (its count not expanded; the broken
    # block is not read in either run), the evaluated key as before
    assert (skipped["summary"]["resources"], evaluated["summary"]["resources"]) == (2, 3)


def _generate(dest: Path) -> None:
    import importlib.util
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    try:
        spec = importlib.util.spec_from_file_location(
            "bench_generate_q", REPO / "bench" / "generate.py"
        )
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = mod  # its dataclasses look their module up
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(REPO / "bench"))
    mod.write(mod.build("real-20k"), dest, "real-20k", mod.DEFAULT_SEED)


def test_skipping_quiet_units_keeps_findings_and_errors_on_the_realistic_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The realistic benchmark tree (mostly quiet units): the same findings and file errors
    with quiet units parsed only as with every unit evaluated."""
    _generate(tmp_path / "real")
    quiet = _quiet(tmp_path / "real", monkeypatch)
    monkeypatch.undo()
    assert sum(quiet.values()) > len(quiet) // 2 and not all(quiet.values())
    cwd = os.getcwd()
    skipped = _json(tmp_path / "real", monkeypatch, skip=True)
    evaluated = _json(tmp_path / "real", monkeypatch, skip=False)
    os.chdir(cwd)
    assert skipped["findings"] and skipped["findings"] == evaluated["findings"]
    assert skipped["errors"] == evaluated["errors"]
    assert skipped["summary"]["files"] == evaluated["summary"]["files"]


def test_the_graph_command_still_evaluates_quiet_units(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path, {"app/main.tf": S3})
    assert _quiet(tmp_path, monkeypatch) == {"app": True}
    graph = pipeline.build_graph(["."])  # what `iacguard graph` shows
    assert sorted(r.address for r in graph.resources) == [
        "aws_s3_bucket.b[0]",
        "aws_s3_bucket.b[1]",
    ]
