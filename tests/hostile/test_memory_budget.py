"""The memory budget for values (issue 13, "Gigabytes"): a value whose size would pass the
root's budget is not built but refused, an Unknown with a located error at its expression, and
the rest of the module is still evaluated; instances are capped per root, not per block.

Each case of ``memory_cases`` runs through the command line here, its peak RSS measured by the
kernel (``wait4``): they once took 0.8-4.2 GB, now well under 500 MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_cases import write_case
from hostile_pipeline import matches_error
from memory_cases import memory_cases

from iacguard.core.located import FileError
from iacguard.core.values import Unknown
from iacguard.evaluate.terraform.budget import RootBudget
from iacguard.evaluate.terraform.expressions import EvalContext, MapScope, evaluate
from iacguard.parse.hcl import parse_hcl

CASES = memory_cases()
MAX_RSS_KB = 500 * 1024


#: runs ARGV, prints its exit code and peak RSS (KB). The measured process is forked from this
#: small one, never from pytest: a child's ru_maxrss starts at its parent's RSS at fork time
_MEASURE = """
import os, subprocess, sys
with open(sys.argv[1], "wb") as out:
    proc = subprocess.Popen(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def _peak_rss_run(args: list[str], cwd: Path, out: Path) -> tuple[int, int]:
    """Run ``python -m iacguard ARGS`` in ``cwd``; its exit code and peak RSS (KB)."""
    env = dict(os.environ, NO_COLOR="1")
    argv = [sys.executable, "-c", _MEASURE, str(out), sys.executable, "-m", "iacguard", *args]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env, check=True)
    code, rss_kb = done.stdout.split()
    return int(code), int(rss_kb)


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="needs wait4 to measure peak RSS")
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_gigabyte_value_stops_at_the_budget(case, tmp_path):
    write_case(case, tmp_path)
    out = tmp_path / "report.json"
    args = ["check", "--jobs", "1", "--no-cache", "--output-format", "json", case.name]
    code, rss_kb = _peak_rss_run(args, tmp_path, out)
    assert code == 1
    doc = json.loads(out.read_text(encoding="utf-8"))
    errors = [FileError(e["path"], e["line"], e["column"], e["message"]) for e in doc["errors"]]
    for expect in case.expect:
        assert any(matches_error(expect, e) for e in errors), (expect, errors)
    assert not [e for e in errors if "time budget" in e.message or "internal" in e.message]
    findings = doc["findings"]
    found = {(f["rule_id"], f["resource"]["address"], f["location"]["path"]) for f in findings}
    assert set(case.good) <= found
    assert rss_kb < MAX_RSS_KB, f"peak RSS {rss_kb} KB"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_var_file_dev_zero_is_a_usage_error_not_gigabytes(tmp_path):
    """``--var-file /dev/zero`` once read 3.7 GB and dropped every Terraform module."""
    (tmp_path / "main.tf").write_text('resource "aws_kms_key" "k" {\n}\n', encoding="utf-8")
    out = tmp_path / "out.txt"
    code, rss_kb = _peak_rss_run(["check", "--var-file", "/dev/zero", "."], tmp_path, out)
    assert code == 2
    assert rss_kb < MAX_RSS_KB


def _eval(expression: str, budget: RootBudget) -> tuple[object, list[FileError]]:
    parsed = parse_hcl(f"x = {expression}\n".encode(), "t.tf")
    assert parsed.errors == ()
    ctx = EvalContext(budget=budget)
    return evaluate(parsed.body.attributes[0].expr, MapScope({}), ctx), ctx.errors


@pytest.mark.parametrize(
    "expression",
    [
        'format("%0300d", 1)',
        'format("%.300f", 1)',
        'indent(300, "a\\nb")',
        'join("", [for i in range(300) : "x"])',
        'replace("aaa", "a", join("", [for i in range(100) : "b"]))',
        'replace("aaa", "/a/", join("", [for i in range(100) : "b"]))',
        '"%{for i in range(300)}x%{endfor}"',
        "[for i in range(100) : i]",
        "concat(range(50), range(50))",
        'formatlist("%0100d", range(3))',
        'split(",", join(",", [for i in range(100) : "a"]))',
        "flatten([for i in range(20) : [i, i, i, i]])",
    ],
)
def test_each_builder_checks_its_size_first(expression):
    """Under a budget of 256 bytes each is refused at its own place, with the reason."""
    value, errors = _eval(expression, RootBudget(max_bytes=256))
    assert isinstance(value, Unknown)
    assert value.reason.startswith("over the memory budget for values (256 bytes per root")
    assert errors and {(e.path, e.line) for e in errors} == {("t.tf", 1)}


def test_within_the_budget_values_are_unchanged():
    value, errors = _eval('"${format("%05d", 7)}-${indent(2, "a\\nb")}"', RootBudget())
    assert (value, errors) == ("00007-a\n  b", [])


def test_a_refused_element_refuses_its_collection_once():
    """The outer for stops at the first refused element instead of refusing each again."""
    budget = RootBudget(max_bytes=4096)
    expression = '[for a in range(100) : join("", [for b in range(100) : "xxxxxxxxxx"])]'
    value, errors = _eval(expression, budget)
    assert isinstance(value, Unknown) and len(errors) == 1
    assert budget.used <= 4096


def test_the_instance_cap_is_per_root_not_per_block(tmp_path, monkeypatch):
    from iacguard.api import evaluate as evaluate_paths
    from iacguard.core.records import replace
    from iacguard.discover import discover
    from iacguard.evaluate.options import EvalOptions

    (tmp_path / "main.tf").write_text(
        'resource "aws_kms_key" "a" {\n  count = 30\n}\n'
        'resource "aws_kms_key" "b" {\n  count = 30\n}\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    options = replace(EvalOptions(scan_root=str(tmp_path)), max_root_instances=40)
    graph = evaluate_paths(discover(["."]), options)
    addresses = {r.address for r in graph.resources}
    assert len(addresses) == 40
    assert [(e.path, e.line) for e in graph.errors] == [("main.tf", 5)]
    assert "limit of 40 instances per root" in graph.errors[0].message


def test_a_single_resource_in_a_module_instance_counts_against_the_cap(tmp_path, monkeypatch):
    """A resource without count / for_each inside a called module is one instance per module
    instance (its instance set is made without evaluating anything, and still charged)."""
    from iacguard.api import evaluate as evaluate_paths
    from iacguard.core.records import replace
    from iacguard.discover import discover
    from iacguard.evaluate.options import EvalOptions

    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_text('resource "aws_kms_key" "k" {}\n', encoding="utf-8")
    (tmp_path / "main.tf").write_text(
        'module "m" {\n  source = "./m"\n  count  = 3\n}\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    options = replace(EvalOptions(scan_root=str(tmp_path)), max_root_instances=4)
    graph = evaluate_paths(discover(["."]), options)
    root = [r.address for r in graph.resources if r.root == "."]
    assert root == ["module.m[0].aws_kms_key.k"]  # 3 module instances + 1 key fill the cap
    errors = [(e.path, e.line, e.message) for e in graph.errors if "limit of 4" in e.message]
    assert errors == [
        (
            "m/main.tf",
            1,
            "module.m[1].aws_kms_key.k: 1 more instances would exceed the limit of 4 instances "
            "per root, counted over every count, for_each and module instance of the root; "
            "only 0 are evaluated",
        )
    ]
