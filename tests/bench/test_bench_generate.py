"""bench/generate.py's realistic monorepo: deterministic, and backup/KMS code in 5% of it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _generator():
    sys.path.insert(0, str(REPO / "bench"))
    spec = importlib.util.spec_from_file_location(
        "bench_generate_real", REPO / "bench" / "generate.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_realistic_tree_is_deterministic_and_mostly_other_infrastructure():
    gen = _generator()
    tree = gen.build("real-40k", seed=3)
    assert tree.files == gen.build("real-40k", seed=3).files
    assert tree.lines >= 40_000
    stacks: dict[str, bool] = {}
    for path, text in tree.files.items():
        if path.endswith("/main.tf") and "/modules/" not in path:
            stacks[path] = "aws_backup_vault" in text or "aws_kms_key" in text
    backup = sum(stacks.values())
    assert backup >= 1
    assert backup / len(stacks) <= 0.06  # one stack in twenty
    templates = [t for p, t in tree.files.items() if p.startswith("cloudformation/")]
    with_backup = [t for t in templates if "AWS::Backup::" in t or "AWS::KMS::" in t]
    assert 0 < len(with_backup) / len(templates) <= 0.06
    other = "\n".join(t for p, t in tree.files.items() if p.startswith("services/"))
    for word in ("for_each", "locals", 'module "', "aws_lambda_function", "aws_s3_bucket"):
        assert word in other


def test_dense_tree_is_unchanged_by_the_realistic_one():
    gen = _generator()
    dense = gen.build("5k", seed=7)
    assert all(p.startswith(("live/", "cloudformation/", "modules/", ".git")) for p in dense.files)
    assert not any(p.startswith("services/") for p in dense.files)
