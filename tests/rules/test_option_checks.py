"""Rule options given through the API are checked by the one schema validator (core.schema)
against the option's catalog entry, with messages in the option's own words."""

from __future__ import annotations

import pytest

from iacguard.rules.registry import builtin_rules, resolve_options


def _rule(rule_id: str):
    return next(r for r in builtin_rules() if r.id == rule_id)


def test_an_integer_option_written_as_a_whole_float_is_that_integer():
    # TOML and JSON readers may give 14.0; the config schema accepts it, so the run does too
    options = resolve_options(_rule("KMS002"), {"min-deletion-window-days": 14.0})
    assert options["min-deletion-window-days"] == 14
    assert type(options["min-deletion-window-days"]) is int


@pytest.mark.parametrize(
    ("rule_id", "option", "value", "message"),
    [
        ("KMS002", "min-deletion-window-days", True, "expected an integer, got True"),
        ("KMS002", "min-deletion-window-days", 14.5, "expected an integer, got 14.5"),
        ("KMS002", "min-deletion-window-days", "30", "expected an integer, got '30'"),
        ("BKP001", "allow-aws-managed-key", 1, "expected true or false, got 1"),
        ("KMS003", "backup-grant", 3, "expected a string, got 3"),
        ("KMS001", "max-rotation-period-days", 10, "10 is below the minimum 90"),
        ("KMS003", "backup-grant", "any", "'any' is not one of explicit, iam-delegation"),
    ],
)
def test_a_bad_option_value_is_refused_in_words(rule_id, option, value, message):
    with pytest.raises(ValueError) as info:
        resolve_options(_rule(rule_id), {option: value})
    assert str(info.value) == f"{rule_id} option {option}: {message}"
