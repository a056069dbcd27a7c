"""Terraform's regex functions use RE2: linear time, RE2 syntax. Python's ``re`` backtracked
for 30-60 s on ``regex("^(a+)+$", ...)`` and dropped the module; now such a pattern is
evaluated at once, and a pattern RE2 rejects is the error Terraform gives."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from iacguard.api import check
from iacguard.config.load import load_config
from iacguard.evaluate.terraform.expressions import EvalContext, MapScope, evaluate
from iacguard.parse.hcl import parse_hcl

CATASTROPHIC = [
    'regex("^(a+)+$", "%s!")' % ("a" * 5000),
    'regexall("(a*)*b", "%s")' % ("a" * 5000),
    'replace("%s!", "/^(a|aa)+$/", "x")' % ("a" * 5000),
]


def _eval(expression: str):
    parsed = parse_hcl(f"x = {expression}\n".encode(), "t.tf")
    assert parsed.errors == ()
    return evaluate(parsed.body.attributes[0].expr, MapScope({}), EvalContext())


def test_catastrophic_patterns_are_evaluated_not_backtracked(tmp_path):
    # each pattern decides a key's rotation flag, so the rule must evaluate it
    keys = "".join(
        f'resource "aws_kms_key" "k{i}" {{\n  enable_key_rotation = {e} != null\n}}\n'
        for i, e in enumerate(CATASTROPHIC)
    )
    plain = 'resource "aws_kms_key" "plain" {\n}\n'
    (tmp_path / "main.tf").write_text(keys + plain, encoding="utf-8")
    report = check([str(tmp_path)], load_config([str(tmp_path)]), jobs=1)
    assert not [e for e in report.errors if "budget" in e.message], report.errors
    # regex() found no match: an error value (Terraform fails there), so k0 cannot be judged;
    # regexall() and replace() evaluated to values: rotation on, no finding
    assert {f.address for f in report.findings if f.rule_id == "KMS001"} <= {
        "aws_kms_key.plain",
        "aws_kms_key.k0",
    }
    assert "aws_kms_key.plain" in {f.address for f in report.findings}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('regex("(?P<k>\\\\w+)=(\\\\d+)", "a=1")', {"k": "a"}),
        ('regexall("\\\\d+", "a1b22c333")', ["1", "22", "333"]),
        ('replace("a-b-c", "/-/", "+")', "a+b+c"),
        ('regex("[0-9]+", "x\\u0663y12")', "12"),  # \d and [0-9] are ASCII in RE2, as in Go
    ],
)
def test_re2_semantics(expression, expected):
    assert _eval(expression) == expected


def test_a_pattern_re2_rejects_is_an_error():
    result = _eval('regex("(?<=a)b", "ab")')
    assert getattr(result, "reason", "").startswith("invalid: regex(): invalid regular expression")


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform CLI not installed")
def test_terraform_agrees(tmp_path):
    cases = ['regexall("[a-z]+", "ab12cd")', 'replace("x1y22", "/[0-9]+/", "#")']
    (tmp_path / "main.tf").write_text("", encoding="utf-8")
    done = subprocess.run(
        ["terraform", "console"],
        input=f"jsonencode([{', '.join(cases)}])\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    theirs = json.loads(json.loads(done.stdout.strip().splitlines()[-1]))
    assert theirs == [_eval(c) for c in cases]
