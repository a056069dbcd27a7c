"""``core.gitignore``: plain ignore patterns answer exactly as ``pathspec.GitIgnoreSpec``
(on RE2, as ``core.globs`` builds it) does, without importing pathspec; anything else is left
to pathspec."""

from __future__ import annotations

import subprocess
import sys

import pathspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iacguard.core.gitignore import PlainGitIgnore, plain_gitignore
from iacguard.core.globs import gitignore_spec

TERRAFORM_GITIGNORE = """\
# Local .terraform directories
**/.terraform/*

# .tfstate files
*.tfstate
*.tfstate.*
crash.log
crash.*.log
*.tfvars
*.tfvars.json
override.tf
override.tf.json
*_override.tf
*_override.tf.json
.terraformrc
terraform.rc
.terraform.lock.hcl
/build/
docs/**/*.md
a/**/b
.idea/
?.bak
"""

PATHS = [
    ".terraform/",
    ".terraform/modules/",
    ".terraform/providers/x.tf",
    "infra/.terraform/plugins",
    "terraform.tfstate",
    "env/prod/terraform.tfstate.backup",
    "crash.log",
    "logs/crash.1.log",
    "prod.tfvars",
    "main.tf",
    "modules/vault/main.tf",
    "override.tf",
    "x_override.tf",
    "build/",
    "build/out.tf",
    "sub/build/out.tf",
    "docs/a/b/c.md",
    "docs/c.md",
    "docs/c.tf",
    "a/b",
    "a/x/y/b/",
    "a/bb",
    ".idea/",
    ".idea",
    "x.bak",
    "xy.bak",
    "a\nb/c.tfstate",
]


def _pathspec(lines: list[str]):
    return pathspec.GitIgnoreSpec.from_lines(lines, backend="re2")


def test_comments_are_plain_whatever_they_hold():
    exclude = ["# git ls-files --others", "# *.[oa]", "# *~", "#\\ x", "  ", ""]
    assert isinstance(plain_gitignore(exclude), PlainGitIgnore)
    assert not plain_gitignore(exclude).match_file("a.o")


def test_a_terraform_gitignore_is_plain_and_answers_as_pathspec():
    lines = TERRAFORM_GITIGNORE.splitlines()
    plain, reference = plain_gitignore(lines), _pathspec(lines)
    assert isinstance(plain, PlainGitIgnore)
    for path in PATHS:
        assert plain.match_file(path) == reference.match_file(path), path
        assert plain.check_file(path).include == reference.check_file(path).include, path
    assert isinstance(gitignore_spec(lines), PlainGitIgnore)


@pytest.mark.parametrize(
    "line", ["!keep.tf", "[ab].tf", "a\\*b", "*", "**", "*/", "/**", "**/", "a//b", "***"]
)
def test_other_lines_are_left_to_pathspec(line):
    assert plain_gitignore(["*.tfstate", line]) is None
    assert not isinstance(gitignore_spec(["*.tfstate", line]), PlainGitIgnore)


SEGMENT = st.sampled_from(["a", "b", "ab", ".", "*", "**", "?", "a*", "*b", "a?b", "*a*", "x.tf"])
LINE = st.builds(
    lambda lead, segs, trail, space: lead + "/".join(segs) + trail + space,
    st.sampled_from(["", "/"]),
    st.lists(SEGMENT, min_size=1, max_size=4),
    st.sampled_from(["", "/"]),
    st.sampled_from(["", " ", "\t"]),
) | st.sampled_from(["", "# comment", "/", " a"])
COMPONENT = st.sampled_from(["a", "b", "ab", "ba", "aab", ".", "x.tf", "a\nb", "axb", " a"])
PATH = st.builds(
    lambda comps, trail: "/".join(comps) + trail,
    st.lists(COMPONENT, min_size=1, max_size=5),
    st.sampled_from(["", "/"]),
)


@settings(max_examples=600, deadline=None)
@given(st.lists(LINE, min_size=1, max_size=4), st.lists(PATH, min_size=1, max_size=6))
def test_generated_plain_patterns_answer_as_pathspec(lines, paths):
    plain = plain_gitignore(lines)
    if plain is None:
        return  # pathspec's special cases (``*``, ``**``...): left to it
    reference = _pathspec(lines)
    for path in paths:
        assert plain.match_file(path) == reference.match_file(path), (lines, path)


def test_a_check_in_a_repository_with_a_plain_gitignore_imports_no_pathspec(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)  # info/exclude too
    (tmp_path / ".gitignore").write_text(TERRAFORM_GITIGNORE)
    (tmp_path / "main.tf").write_text('resource "aws_backup_vault" "v" {\n  name = "v"\n}\n')
    (tmp_path / "crash.log").write_text("")
    (tmp_path / ".terraform").mkdir()
    (tmp_path / ".terraform" / "x.tf").write_text('resource "aws_backup_vault" "w" {}\n')
    code = (
        "import sys, iacguard.cli; rc = iacguard.cli.main(sys.argv[1:]); "
        "print('pathspec' in sys.modules); sys.exit(rc)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "check", ".", "--output-format", "concise", "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "aws_backup_vault.v" in done.stdout
    assert "aws_backup_vault.w" not in done.stdout  # .terraform/x.tf is ignored
    assert done.stdout.strip().splitlines()[-1] == "False"
