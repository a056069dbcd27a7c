"""The one selection function: rules that run, SUP meta-findings and config validation agree."""

from __future__ import annotations

import pytest

from iacguard.rules.selection import is_selected, names_a_rule

RULES = {"KMS001": "kms-key-rotation-disabled", "SUP002": "unused-suppression"}


@pytest.mark.parametrize(
    ("pattern", "known"),
    [
        ("ALL", True),
        (" all ", True),
        ("kms001", True),
        ("KMS-Key-Rotation-Disabled", True),
        ("KMS0", True),
        ("sup", True),
        ("KMS-", False),
        ("XYZ", False),
        ("", False),
    ],
)
def test_names_a_rule(pattern, known):
    assert names_a_rule(pattern, RULES) is known


def test_meta_rules_are_selected_like_any_rule():
    assert is_selected("SUP002", "unused-suppression")
    assert not is_selected("SUP002", "unused-suppression", ["KMS"])
    assert is_selected("SUP002", "unused-suppression", ["Unused-Suppression"])
    assert not is_selected("SUP002", "unused-suppression", ["ALL"], ["SUP"])
    assert is_selected("SUP002", "unused-suppression", ["SUP002"], ["SUP"])
