"""Numbers of any size are values or located errors, never internal errors that lose a file
or a root (Python refuses to convert integers of more than 4300 digits to or from text)."""

from __future__ import annotations

import json

from iacguard.api import check
from iacguard.config.load import load_config

DIGITS = "9" * 5000
KEY_TF = 'resource "aws_kms_key" "plain" {\n  description = "neighbour"\n}\n'


def _run(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return check([str(tmp_path)], load_config([str(tmp_path)]))


def test_a_huge_integer_in_yaml_is_a_located_error_and_the_rest_is_checked(tmp_path):
    template = (
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  K:\n    Type: AWS::KMS::Key\n"
        f"    Properties:\n      PendingWindowInDays: {DIGITS}\n"
    )
    report = _run(tmp_path, {"t.yaml": template, "main.tf": KEY_TF})
    (error,) = report.errors
    assert (error.line, error.column) == (6, 28)
    assert error.message == "a number of 5000 digits is too long to read"
    assert {f.address for f in report.findings if f.rule_id == "KMS001"} == {
        "K",
        "aws_kms_key.plain",
    }


def test_a_long_sexagesimal_yaml_integer_is_a_located_error(tmp_path):
    template = (
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  K:\n    Type: AWS::KMS::Key\n"
        f"    Properties:\n      PendingWindowInDays: 1{':59' * 3000}\n"
    )
    report = _run(tmp_path, {"t.yaml": template})
    assert [e.line for e in report.errors] == [6]
    assert "too long to read" in report.errors[0].message


def test_a_huge_integer_in_json_is_a_located_error(tmp_path):
    doc = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"K": {"Type": "AWS::KMS::Key"}}}
    text = json.dumps(doc)[:-2] + ', "Properties": {"PendingWindowInDays": ' + DIGITS + "}}}}"
    report = _run(tmp_path, {"t.json": text, "main.tf": KEY_TF})
    (error,) = report.errors
    assert error.path.endswith("t.json") and error.line == 1
    assert error.message == "invalid JSON: a number of 5000 digits is too long to read"
    assert {f.address for f in report.findings} == {"aws_kms_key.plain"}


def test_huge_terraform_numbers_are_unknown_not_a_crash(tmp_path):
    main = (
        'resource "aws_kms_key" "computed" {\n  deletion_window_in_days = pow(10, 5000)\n}\n'
        'resource "aws_kms_key" "literal" {\n  deletion_window_in_days = ' + DIGITS + "\n}\n"
        'resource "aws_kms_key" "product" {\n'
        "  deletion_window_in_days = pow(10, 4000) * pow(10, 4000)\n}\n"
        'resource "aws_kms_key" "gigantic" {\n  deletion_window_in_days = pow(10, 1000000000)\n}\n'
    )
    report = _run(tmp_path, {"main.tf": main})
    assert report.errors == ()  # no "internal error: rule KMS002 failed" for the root
    kms001 = {f.address for f in report.findings if f.rule_id == "KMS001"}
    assert kms001 == {
        "aws_kms_key.computed",
        "aws_kms_key.literal",
        "aws_kms_key.product",
        "aws_kms_key.gigantic",
    }
    # the windows cannot be seen: no definite KMS002 claims a number it could not read
    assert not [
        f for f in report.findings if f.rule_id == "KMS002" and f.certainty.label != "possible"
    ]
