"""The layering of ARCHITECTURE.md holds: import-linter's contracts (``[tool.importlinter]`` in
pyproject.toml) pass on the tree, and they really fail when a module imports upwards or a cycle
appears; no source file grows past the size where it stops having one job.

Cross-cutting (the whole of src/), so it stays at the top of tests/, outside the mirror of src/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
#: a module longer than this holds more than one job (ARCHITECTURE.md)
MAX_LINES = 900

LINT_IMPORTS = (
    "import sys; from importlinter.cli import lint_imports_command; "
    "sys.argv[0] = 'lint-imports'; sys.exit(lint_imports_command())"
)


def _lint_imports(src: Path, config: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(src))
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache", str(config)],
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_contracts_are_kept():
    pytest.importorskip("importlinter")
    done = _lint_imports(SRC, REPO / "pyproject.toml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 6 kept, 0 broken." in done.stdout, done.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # a parser reaching up into the graph's evaluators
        ("parse/cfn_nodes.py", "import iacguard.evaluate.options", "layers"),
        # a reporter reading the machinery instead of the report
        ("report/junit.py", "import iacguard.run.pipeline", "reporters"),
        # one language's evaluator using another's
        ("evaluate/tfplan.py", "import iacguard.evaluate.cloudformation.template", "languages"),
        # a cycle between two sibling modules
        ("core/spans.py", "import iacguard.core.located", "acyclic"),
        # the evaluator re-discovering files
        ("evaluate/terraform/root.py", "import iacguard.discover", "discovery"),
        # a rule reading syntax instead of facts
        ("rules/kms001_rotation_disabled.py", "import iacguard.parse.hcl_ast", "rules"),
    ],
)
def test_a_broken_contract_is_caught(tmp_path, module, line, contract):
    pytest.importorskip("importlinter")
    shutil.copytree(SRC / "iacguard", tmp_path / "src" / "iacguard")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "src" / "iacguard" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n")
    done = _lint_imports(tmp_path / "src", tmp_path / "pyproject.toml")
    assert done.returncode != 0, done.stdout
    broken = done.stdout.split("Broken contracts")[-1]
    names = {
        "layers": "each layer imports only the layers below it",
        "reporters": "reporters read the report, not the machinery",
        "languages": "the per-language evaluators do not import each other",
        "acyclic": "no import cycles between sibling modules or packages",
        "discovery": "evaluation, the graph and the rules never see discovery",
        "rules": "rules read the graph and its facts, never syntax or an evaluator",
    }
    assert names[contract] in broken, done.stdout


def test_no_source_file_is_longer_than_one_job():
    long = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these modules (over {MAX_LINES} lines): {long}"
