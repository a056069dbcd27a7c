"""Relevance (issue 12 item 1): a check explores alternative worlds only for the values its
rules read (``EvalOptions.observed_types``), and that changes nothing a user sees."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from iacguard.core.values import Depends
from iacguard.evaluate.options import EvalOptions
from iacguard.graph.facts import RULE_ATTRIBUTES, RULE_TYPES
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
  tags = { Stage = var.prod ? "prod" : "dev" }
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
    assert pipeline.observed_attributes(RULE_TYPES) == RULE_ATTRIBUTES
    assert pipeline.observed_attributes(None) is None  # a plugin rule: every attribute
    assert "kms_key_arn" in RULE_ATTRIBUTES["aws_backup_vault"]
    assert "tags" not in RULE_ATTRIBUTES["aws_backup_vault"]  # no rule reads a vault's tags
    assert "tags" in RULE_ATTRIBUTES["aws_ebs_volume"]  # a selection picks volumes by tag
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


def test_alternatives_are_explored_only_for_attributes_rules_read(tmp_path: Path) -> None:
    """Of an observed type, an attribute no rule reads (a vault's tags) is evaluated under the
    defaults, with its inputs, but not in other worlds on a check; `iacguard graph` (no
    filter) still explores it, and what rules read (the vault's name) is explored in both."""
    (tmp_path / "main.tf").write_text(MODULE)
    from iacguard.discover import discover
    from iacguard.run.pool import evaluate_serial

    found = discover([str(tmp_path)])

    def vault(options: EvalOptions) -> dict[str, Depends]:
        graph = evaluate_serial(found, options)
        (resource,) = [r for r in graph.resources if r.type == "aws_backup_vault"]
        return dict(resource.attributes)  # type: ignore[arg-type]

    every = vault(EvalOptions())
    checked = vault(EvalOptions(observed_types=RULE_TYPES, observed_attributes=RULE_ATTRIBUTES))
    for name in ("name", "tags"):
        assert isinstance(every[name], Depends) and every[name].complete
        assert len(every[name].alternatives) == 1
    assert checked["name"] == every["name"]
    tags = checked["tags"]
    assert isinstance(tags, Depends)
    assert (tags.default, tags.alternatives, tags.complete) == ({"Stage": "dev"}, (), False)
    assert tags.inputs == every["tags"].inputs == frozenset({"var.prod"})
    assert tags.span == every["tags"].span


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


# the regular expressions quiet_bytes and _calls_in were first written with (``\b`` and one
# alternation), the oracle for the faster literal searches that replaced them
_ORACLE_ANCHORS = re.compile(rb"aws_kms_|aws_backup_|AWS::KMS::|AWS::Backup::")
_ORACLE_DIRECTIVE_OR_ESCAPE = re.compile(rb"(?i:iacguard)|\\[uUx]")
_ORACLE_HEADER = re.compile(rb"""\bmodule\s+"[^"]*"\s*\{""")
_ORACLE_SOURCE = re.compile(rb"""\bsource\s*=\s*"([^"]*)\"""")
_ORACLE_LOCAL = re.compile(rb"""\bsource\s*=\s*"(\.\.?/[^"]*)\"""")


def _oracle_quiet(data: bytes, terraform: bool) -> bool:
    if _ORACLE_ANCHORS.search(data) or _ORACLE_DIRECTIVE_OR_ESCAPE.search(data):
        return False
    if not terraform or b"module" not in data:
        return True
    if b'"module"' in data:
        return False
    for header in _ORACLE_HEADER.finditer(data):
        source = _ORACLE_SOURCE.search(data, header.end())
        if source is None or not source.group(1).startswith((b"./", b"../")):
            return False
    return True


def _oracle_calls(data: bytes, directory: str) -> tuple[str, ...]:
    out = {
        os.path.normpath(os.path.join(directory, m.group(1).decode("utf-8", "replace"))): None
        for m in _ORACLE_LOCAL.finditer(data)
    }
    return tuple(out)


_PIECES = [
    "module", "source", "xmodule", "_source", "module_", " ", "\n", "=", '"', "{", "}", "./",
    "../", "a", "9", "aws_kms_", "aws_backup_", "AWS::KMS::", "AWS::Backup::", "IacGuard",
    "iacguarD", "\\u", "\\x", "\\n", "#", "é", 'module "a" {', 'xmodule "a" {',
    'module_ "a"{', 'source = "./m"', 'xsource = "./m"', '_source="../m"', 'source = "git::m"',
    'source="m"', '"module"', 'module  "b"\n {',
]  # fmt: skip


@given(st.lists(st.sampled_from(_PIECES), max_size=40), st.booleans())
# a match refused for the word byte before it holds one that is not: searched on from its start
@example(['xsource = "./', 'source = "./m"'], True)
@example(['xmodule "', 'module "a" {', 'source = "git::m"'], True)
@settings(max_examples=3000, deadline=None)
def test_quiet_bytes_and_local_calls_as_the_regular_expressions_say(
    pieces: list[str], terraform: bool
) -> None:
    from iacguard.core.markers import calls_in as _calls_in
    from iacguard.core.markers import quiet_bytes

    data = "".join(pieces).encode()
    assert quiet_bytes(data, terraform=terraform) == _oracle_quiet(data, terraform)
    assert _calls_in(data, "stack") == _oracle_calls(data, "stack")
