"""A rule stands alone: its module imports shared modules (context, keys, joins, graph, core),
never another rule, and its tests are its own file, named after the module (tests mirror src/)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

from iacguard.rules.registry import BUILTIN

TESTS = Path(__file__).resolve().parent


def _imports(module: str) -> set[str]:
    spec = importlib.util.find_spec(f"iacguard.rules.{module}")
    assert spec is not None and spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return out


@pytest.mark.parametrize("module", sorted(BUILTIN.values()))
def test_a_rule_imports_no_other_rule(module):
    others = {f"iacguard.rules.{m}" for m in BUILTIN.values() if m != module}
    assert _imports(module) & others == set()


@pytest.mark.parametrize("module", sorted(BUILTIN.values()))
def test_a_rule_has_its_own_test_file(module):
    path = TESTS / f"test_{module}.py"
    assert path.is_file(), f"iacguard.rules.{module} has no test file tests/rules/{path.name}"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    tests = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert any(name.startswith("test_") for name in tests), f"{path.name} holds no test"
