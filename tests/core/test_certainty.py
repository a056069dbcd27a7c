"""Certainty: judging a predicate on a three-valued value gives the finding's certainty
(``judge``), and ``weaker`` combines two verdicts."""

from iacguard.core.certainty import Certainty, judge, weaker
from iacguard.core.values import Alternative, Depends, Known, PartialStr, Ref, Unknown


def is_none(v):
    """A BKP001-like predicate: a reference to a key is fine, an unknown cannot tell."""
    if isinstance(v, Ref):
        return False
    if isinstance(v, (Unknown, PartialStr)):
        return None
    return v is None


def test_known_violation_is_definite():
    assert judge(Known(None), is_none).certainty is Certainty.DEFINITE
    assert judge(Known("arn:aws:kms:eu-west-1:1:key/x"), is_none) is None


def test_default_violation_avoided_by_another_input():
    key = Ref("aws_kms_key.k[0]", "arn", "m")
    value = Depends(
        default=None,
        inputs=frozenset({"var.use_cmk"}),
        alternatives=(Alternative((("var.use_cmk", True),), key),),
        complete=True,
    )
    verdict = judge(value, is_none)
    assert verdict.certainty is Certainty.DEFAULT
    assert verdict.inputs == frozenset({"var.use_cmk"})
    assert verdict.avoided_by == ("var.use_cmk = True",)


def test_violation_under_every_enumerated_input_is_definite():
    value = Depends(None, frozenset({"var.a"}), (Alternative((("var.a", False),), None),), True)
    assert judge(value, is_none).certainty is Certainty.DEFINITE


def test_open_domain_keeps_default_certainty():
    value = Depends(
        None, frozenset({"var.key"}), (Alternative((("var.key", "?"),), Unknown("any")),)
    )
    assert judge(value, is_none).certainty is Certainty.DEFAULT


def test_violation_only_for_other_inputs_is_possible():
    value = Depends("arn", frozenset({"var.a"}), (Alternative((("var.a", False),), None),), True)
    verdict = judge(value, is_none)
    assert verdict.certainty is Certainty.POSSIBLE
    assert verdict.triggered_by == ("var.a = False",)


def test_no_violation_for_any_enumerated_input_is_no_verdict():
    value = Depends("a", frozenset({"var.a"}), (Alternative((("var.a", False),), "b"),), True)
    assert judge(value, is_none) is None


def test_unknown_is_possible_but_required_input_is_the_callers_duty():
    assert judge(Unknown("data source"), is_none).certainty is Certainty.POSSIBLE
    assert judge(Unknown("var.k has no default", required_input=True), is_none) is None
    assert judge(Unknown("data source"), is_none, unknown_is_possible=False) is None


def test_weaker_takes_the_lower_certainty_and_unites_inputs():
    a = judge(Known(None), is_none)
    b = judge(Depends(None, frozenset({"var.x"}), (), False), is_none)
    both = weaker(a, b)
    assert both.certainty is Certainty.DEFAULT
    assert both.inputs == frozenset({"var.x"})
    assert weaker(a, None) is None
