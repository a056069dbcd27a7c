"""KMS001 kms-key-rotation-disabled on hand-built graphs: rotation forms, eligible keys, the
rotation period option."""

from __future__ import annotations

from rule_builders import graph, res, run, span

from iacguard.core.certainty import Certainty
from iacguard.core.values import Unknown


def test_kms001_rotation_forms_and_eligibility():
    keys = graph(
        res("aws_kms_key.off", "aws_kms_key", {}),
        res("aws_kms_key.str", "aws_kms_key", {"enable_key_rotation": "False"}),
        res("aws_kms_key.on", "aws_kms_key", {"enable_key_rotation": "True"}),
        res("aws_kms_key.hmac", "aws_kms_key", {"customer_master_key_spec": "HMAC_256"}),
        res("aws_kms_key.sign", "aws_kms_key", {"key_usage": "SIGN_VERIFY"}),
        res("aws_kms_key.xks", "aws_kms_key", {"xks_key_id": "abc"}),
        res("Imported", "AWS::KMS::Key", {"Origin": "EXTERNAL"}, language="cloudformation"),
        res("aws_kms_replica_key.r", "aws_kms_replica_key", {}),
    )
    assert [f.address for f in run(keys, "KMS001")] == ["aws_kms_key.off", "aws_kms_key.str"]


def test_kms001_unknown_spec_is_possible_and_period_option():
    unknown_spec = res(
        "aws_kms_key.u",
        "aws_kms_key",
        {
            "customer_master_key_spec": Unknown(
                "any value of var.spec", inputs=frozenset({"var.spec"})
            )
        },
    )
    (f,) = run(graph(unknown_spec), "KMS001")
    assert (f.certainty, f.inputs) == (Certainty.POSSIBLE, ("var.spec",))
    long = res(
        "aws_kms_key.l",
        "aws_kms_key",
        {"enable_key_rotation": True, "rotation_period_in_days": 400},
        spans={"rotation_period_in_days": 5},
    )
    (f,) = run(graph(long), "KMS001")
    assert f.location == span(5)
    assert f.message == (
        "KMS key aws_kms_key.l rotates only every 400 days, longer than the 365 days allowed "
        "(max-rotation-period-days)."
    )
    assert run(graph(long), "KMS001", {"max-rotation-period-days": 400}) == []


def test_kms001_an_unseen_rotation_is_not_called_false():
    # issue 10 item 7: a value under an unknown tag was reported as "EnableKeyRotation is false"
    key = res(
        "Key",
        "AWS::KMS::Key",
        {"EnableKeyRotation": Unknown("under an unknown tag", None)},
        language="cloudformation",
    )
    (f,) = run(graph(key), "KMS001")
    assert f.certainty is Certainty.POSSIBLE
    assert f.message == (
        "KMS key Key may not rotate its key material: EnableKeyRotation cannot be seen (under an "
        "unknown tag)."
    )
