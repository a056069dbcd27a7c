"""The directive parser, on its own."""

from __future__ import annotations

from datetime import date

import pytest

from iacguard.suppress.directives import parse_directive

NAMES = {"KMS001": "kms-key-rotation-disabled", "KMS002": "kms-key-short-deletion-window"}
CHECKOV = {"CKV_AWS_7": "KMS001"}


@pytest.mark.parametrize(
    ("text", "ids", "unknown", "until", "reason", "invalid"),
    [
        (" iacguard: ignore[KMS001] -- why", ("KMS001",), (), None, "why", None),
        (
            " iacguard:ignore[kms001, kms-key-short-deletion-window] until=2027-01-31 -- r */",
            ("KMS001", "KMS002"),
            (),
            date(2027, 1, 31),
            "r",
            None,
        ),
        (" iacguard: ignore[KMS001]", ("KMS001",), (), None, None, None),
        (" iacguard: ignore[KMS001] --   ", ("KMS001",), (), None, None, None),
        (" iacguard: ignore[KMS9, KMS001] -- x", ("KMS001",), ("KMS9",), None, "x", None),
        (
            " iacguard: ignore[KMS001] until=2027-13-01 -- x",
            ("KMS001",),
            (),
            None,
            "x",
            "until=2027-13-01 is not a date (YYYY-MM-DD)",
        ),
        (" iacguard: ignore -- x", (), (), None, None, "no rule ids in [...]"),
        (" iacguard: ignore[] -- x", (), (), None, "x", "no rule ids in [...]"),
    ],
)
def test_parse_iacguard_directives(text, ids, unknown, until, reason, invalid):
    parsed = parse_directive(text, NAMES, CHECKOV)
    assert parsed is not None
    offset, _, s = parsed
    assert offset == 1
    assert (s.kind, s.ids, s.unknown, s.until, s.reason, s.invalid) == (
        "comment",
        ids,
        unknown,
        until,
        reason,
        invalid,
    )


def test_parse_checkov_directives():
    offset, length, s = parse_directive("checkov:skip=CKV_AWS_7:legacy key", NAMES, CHECKOV)
    assert (offset, length, s.kind, s.ids, s.reason) == (
        0,
        33,
        "checkov-comment",
        ("KMS001",),
        "legacy key",
    )
    _, _, bare = parse_directive("checkov:skip=CKV_AWS_7", NAMES, CHECKOV)
    assert (bare.ids, bare.reason) == (("KMS001",), None)
    # checkov ids without an iacguard rule are checkov's business
    assert parse_directive("checkov:skip=CKV_AWS_111:not ours", NAMES, CHECKOV) is None
    assert parse_directive(" just a comment about iacguard", NAMES, CHECKOV) is None
