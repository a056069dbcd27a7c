"""Every install line a user copies installs *this* project: the name ``iacguard`` on PyPI
belongs to an unrelated tool with the same command, so the distribution is ``iacguard-backup``
(the import package and the command stay ``iacguard``)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
DISTRIBUTION = "iacguard-backup"
#: what a pip install line may name: this checkout, the action's own path, the distribution,
#: or the tools beside it (pip itself, checkov for the benchmark, pre-commit)
ALLOWED = re.compile(
    r"""^(?:\.|'\.\[[a-z,]+\]'|"\.\[[a-z,]+\]"|\.\[[a-z,]+\]|"\$ACTION_PATH"|"\$\{ACTION_PATH\}"|"""
    + re.escape(DISTRIBUTION)
    + r"""(?:\[[a-z,]+\])?(?:[=<>~!]=?[0-9.*]+)?|'"""
    + re.escape(DISTRIBUTION)
    + r"""\[[a-z,]+\]'|checkov|pre-commit|pip)$"""
)


def _install_targets(text: str) -> list[str]:
    """The package arguments of every ``pip install`` in a text (flags dropped)."""
    targets = []
    for m in re.finditer(r"pip(?:3)? install ([^\n#&|;]*)", text):
        words = [w.rstrip("`);,") for w in m.group(1).split() if not w.startswith("-")]
        words = [w for w in words if w]
        targets.extend(words)
    return targets


def test_the_distribution_name_is_ours():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == DISTRIBUTION
    assert project["scripts"] == {"iacguard": "iacguard.cli:main"}


def test_every_install_line_installs_this_project():
    files = [REPO / "README.md", REPO / "action.yml", REPO / ".ci" / "run"]
    files += sorted((REPO / "bench").glob("*.md"))
    seen = {}
    for path in files:
        if path.is_file():
            for target in _install_targets(path.read_text(encoding="utf-8")):
                seen.setdefault(target, path.name)
    assert seen, "no install line found: the check would pass on nothing"
    wrong = {t: where for t, where in seen.items() if not ALLOWED.match(t)}
    assert wrong == {}, f"these install something else, or an unknown name: {wrong}"


def test_the_check_catches_the_old_name():
    assert not ALLOWED.match("iacguard")
    assert _install_targets("    - pip install --quiet iacguard   # note\n") == ["iacguard"]
