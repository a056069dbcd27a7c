"""The declared dependencies are the ones used: every runtime dependency is imported by the
package (not only as a fallback for another), and the test oracles are in the test extra so
their tests run instead of skipping."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
#: distribution name -> the top-level module it installs, where they differ
MODULE = {
    "pyyaml": "yaml",
    "tree-sitter": "tree_sitter",
    "tree-sitter-hcl": "tree_sitter_hcl",
    "google-re2": "re2",
}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower()


def _fallback_lines(tree: ast.AST) -> set[int]:
    """Lines inside ``except ImportError`` handlers (an import there is a fallback)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and "ImportError" in ast.unparse(node.type or ""):
            for inner in ast.walk(node):
                if hasattr(inner, "lineno"):
                    lines.add(inner.lineno)
    return lines


def _imports() -> tuple[set[str], set[str]]:
    """Top-level modules imported by src/iacguard: (outside fallbacks, only in fallbacks)."""
    direct: set[str] = set()
    fallback: set[str] = set()
    for path in (REPO / "src" / "iacguard").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_fallback = _fallback_lines(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            target = fallback if node.lineno in in_fallback else direct
            target.update(name.split(".")[0] for name in names)
    return direct, fallback


def test_every_runtime_dependency_is_imported_by_the_package():
    """ruamel.yaml was declared but only imported when PyYAML was missing (never, PyYAML being
    declared too). A dependency limited by an environment marker (tomli before 3.11) is the
    fallback it is declared for."""
    direct, fallback = _imports()
    unused = []
    for requirement in PROJECT["dependencies"]:
        name = _name(requirement)
        module = MODULE.get(name, name.replace("-", "_"))
        if module in direct or (";" in requirement and module in fallback):
            continue
        unused.append(name)
    assert unused == []


def test_the_test_extra_installs_the_oracles_the_tests_use():
    """cfn-lint decodes the corpus templates in tests/graph/test_cloudformation_corpus.py; not
    installed, those tests skipped on every run."""
    test_extra = {_name(r): r for r in PROJECT["optional-dependencies"]["test"]}
    assert "cfn-lint" in test_extra
    assert re.sub(r"\s", "", test_extra["cfn-lint"].split("#")[0]) == "cfn-lint>=1,<2"
    import cfnlint.decode  # noqa: F401 - installed by the test extra
