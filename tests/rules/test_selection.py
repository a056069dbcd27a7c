"""The one selection function: rules that run, SUP meta-findings and config validation agree;
ruff-like select and ignore over the built-in rules."""

from __future__ import annotations

import pytest

from iacguard.rules import registry
from iacguard.rules.registry import all_rules
from iacguard.rules.selection import is_selected, names_a_rule, select_rules

#: the built-in rules and their ids, from the registry (a new rule joins its family here)
BUILTIN_RULES = all_rules()
IDS = sorted(registry.BUILTIN)


def ids(rules):
    return [r.id for r in rules]


def family(prefix: str) -> list[str]:
    """The built-in ids starting with ``prefix``, from the registry."""
    return [i for i in IDS if i.startswith(prefix)]


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


@pytest.mark.parametrize(
    ("select", "ignore", "expected"),
    [
        ((), (), IDS),
        (("KMS",), (), family("KMS")),
        (("BKP00",), ("BKP002",), [i for i in family("BKP00") if i != "BKP002"]),
        (("backup-vault-key-is-alias",), (), ["BKP003"]),  # a name selects its one rule
        (("ALL",), ("KMS",), [i for i in IDS if not i.startswith("KMS")]),
        (("KMS001",), ("KMS",), ["KMS001"]),  # the more specific select wins
        (("KMS",), ("KMS",), []),  # a tie goes to ignore
        ((), ("kms-key-rotation-disabled", "B"), [i for i in family("KMS") if i != "KMS001"]),
        (("XYZ",), (), []),
    ],
)
def test_select(select, ignore, expected):
    assert ids(select_rules(BUILTIN_RULES, select, ignore)) == expected
