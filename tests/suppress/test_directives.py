"""The comment lexers (HCL and YAML) and the directive parser, on their own."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iacguard.suppress.comments import hcl_comments, yaml_comments
from iacguard.suppress.directives import parse_directive

NAMES = {"KMS001": "kms-key-rotation-disabled", "KMS002": "kms-key-short-deletion-window"}
CHECKOV = {"CKV_AWS_7": "KMS001"}


def texts(comments):
    return [(c.line, c.column, c.text, c.alone) for c in comments]


def test_hcl_comments_skip_strings_interpolations_and_heredocs():
    source = (
        "# top\n"  # 1
        'resource "a" "b" { // header\n'  # 2
        '  x = "# not ${var.y} // nor this"\n'  # 3
        '  y = "a${ {"k" = "#no"}["k"] }b" # yes\n'  # 4
        "  p = <<-EOF\n"  # 5
        "    # inside a heredoc\n"  # 6
        "  EOF\n"  # 7
        "  /* one\n"  # 8
        "     two */ z = 1\n"  # 9
        '  e = "escaped \\" # still a string"\n'  # 10
        "}\n"
    )
    assert texts(hcl_comments(source)) == [
        (1, 2, " top", True),
        (2, 22, " header", False),
        (4, 36, " yes", False),
        (8, 5, " one", True),
        (9, 1, "     two */", True),
    ]


def test_hcl_escaped_template_markers_do_not_open_interpolations():
    source = 'x = "$${not} %%{nor} # in string"\n# after\n'
    assert texts(hcl_comments(source)) == [(2, 2, " after", True)]


def test_yaml_comments_skip_quotes_and_block_scalars():
    source = (
        "# top\n"  # 1
        "Resources:\n"  # 2
        "  Key:  # header\n"  # 3
        "    Description: 'it#s # quoted'  # real\n"  # 4
        '    Other: "a # b"\n'  # 5
        "    Url: http://x#frag\n"  # 6
        "    Script: |\n"  # 7
        "      # in a block scalar\n"  # 8
        "      echo\n"  # 9
        "    # back in the mapping\n"  # 10
    )
    assert texts(yaml_comments(source)) == [
        (1, 2, " top", True),
        (3, 10, " header", False),
        (4, 36, " real", False),
        (10, 6, " back in the mapping", True),
    ]


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


_STRING_TEXT = st.text(
    alphabet=st.characters(
        blacklist_characters='"\\\n\r$%{}\x85\u2028\u2029', blacklist_categories=("Cs",)
    ),
    max_size=20,
)
_COMMENT_TEXT = st.text(
    alphabet=st.characters(
        blacklist_characters="\n\r\x85\u2028\u2029", blacklist_categories=("Cs",)
    ),
    max_size=20,
)


@given(st.lists(st.tuples(_STRING_TEXT, st.one_of(st.none(), _COMMENT_TEXT)), max_size=12))
def test_hcl_comments_find_exactly_the_trailing_comments(rows):
    """`k = "<anything but quotes>" # comment`: the string's '#' and '//' never count."""
    lines = [
        f'k{i} = "{value}"' + (f" #{note}" if note is not None else "")
        for i, (value, note) in enumerate(rows)
    ]
    found = [(c.line, c.text) for c in hcl_comments("\n".join(lines) + "\n")]
    expected = [(i + 1, note) for i, (_, note) in enumerate(rows) if note is not None]
    assert found == expected


@given(st.lists(st.tuples(_STRING_TEXT, st.one_of(st.none(), _COMMENT_TEXT)), max_size=12))
def test_yaml_comments_find_exactly_the_trailing_comments(rows):
    lines = [
        f'k{i}: "{value}"' + (f" #{note}" if note is not None else "")
        for i, (value, note) in enumerate(rows)
    ]
    found = [(c.line, c.text) for c in yaml_comments("\n".join(lines) + "\n")]
    expected = [(i + 1, note) for i, (_, note) in enumerate(rows) if note is not None]
    assert found == expected
