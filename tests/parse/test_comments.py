"""The comment lexers (HCL and YAML) for inline suppressions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from iacguard.parse.comments import hcl_comments, yaml_comments


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


def test_hcl_comments_are_found_in_broken_code_and_located_exactly():
    """What a parser-side collection missed: a trailing comment in a region with a syntax
    error, and the column of a comment whose text also appears in a string before it."""
    broken = 'resource "a" "b" {\n  x = = 1 # iacguard: ignore[X] -- r\n}\n'
    assert texts(hcl_comments(broken)) == [(2, 12, " iacguard: ignore[X] -- r", False)]
    assert texts(hcl_comments('a = "/* x */" /* x */ b = 1\n')) == [(1, 17, " x */", False)]
