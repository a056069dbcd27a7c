"""Bounded memory in a worker (issue 12 item 4): units are linted and released one at a time,
and nothing keeps a graph alive once its rules ran."""

from __future__ import annotations

import gc
import os
import weakref
from datetime import date
from pathlib import Path

from iacguard.config.model import Config
from iacguard.config.resolve import ConfigResolver
from iacguard.discover import discover
from iacguard.evaluate.options import EvalOptions
from iacguard.rules import registry
from iacguard.run.pool import evaluate_serial, lint_units, plan_units

REPO = Path(__file__).resolve().parents[2]

VAULT = """resource "aws_backup_vault" "{name}" {{
  name = "{name}"
}}
"""

ROLE_CHECK = """resource "aws_kms_key" "k" {
  enable_key_rotation = true
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = aws_iam_role.backup.arn }
      Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
      Resource  = "*"
    }]
  })
}

resource "aws_iam_role" "backup" {
  name               = "backup"
  assume_role_policy = "{}"
}

resource "aws_backup_vault" "v" {
  name        = "v"
  kms_key_arn = aws_kms_key.k.arn
}
"""


def test_each_unit_has_its_own_result(tmp_path: Path, monkeypatch) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(VAULT.format(name=name))
    monkeypatch.chdir(tmp_path)
    found = discover(["."])
    units = plan_units(found)
    assert [u.label for u in units] == ["a", "b"]
    settings = ConfigResolver(Config())
    results = lint_units(units, EvalOptions(), settings, date(2026, 12, 1), False)
    assert len(results) == 2
    for unit, result in zip(units, results, strict=True):
        assert result.roots == (unit.label,)
        assert result.resources == 1
        assert [f.location.path for f in result.findings] == [f"{unit.label}/main.tf"]


def test_no_graph_outlives_its_rules(tmp_path: Path, monkeypatch) -> None:
    """KMS003 memoises a closure over the Analysis: without the collector, the Analysis (and
    its graph) is freed as soon as the rules ran."""
    (tmp_path / "main.tf").write_text(ROLE_CHECK)
    monkeypatch.chdir(tmp_path)
    graph = evaluate_serial(discover(["."]), EvalOptions())
    made: list[weakref.ref] = []

    class Tracked(registry.Analysis):
        def __init__(self, g):
            super().__init__(g)
            made.append(weakref.ref(self))

    monkeypatch.setattr(registry, "Analysis", Tracked)
    rules = [r for r in registry.all_rules() if r.id == "KMS003"]
    was = gc.isenabled()
    gc.disable()
    try:
        registry.run_rules(graph, rules)
        assert made, "the rules ran on an Analysis"
        assert all(ref() is None for ref in made)
    finally:
        if was:
            gc.enable()


def test_workers_fork_on_linux_while_single_threaded(monkeypatch) -> None:
    """Issue 12 item 5: a worker is forked (no new interpreter, no imports again) where that
    is safe, and spawned elsewhere or once a thread runs."""
    import sys
    import threading

    from iacguard.run import pool

    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(sys, "platform", "linux")
    assert pool.start_method() == "fork"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert pool.start_method() == "spawn"
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert pool.start_method() == "spawn"


def test_the_parent_reads_each_terraform_file_once(tmp_path: Path, monkeypatch) -> None:
    """Issue 12 item 5: discovery's read serves the module grouping too (and sizes come from
    its stat): planning the units reads no file again."""
    from collections import Counter

    import iacguard.discover as disc

    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "main.tf").write_text('module "v" {\n  source = "../vault"\n}\n')
    (tmp_path / "vault").mkdir()
    (tmp_path / "vault" / "main.tf").write_text(VAULT.format(name="v"))
    reads: Counter[str] = Counter()
    # every way discovery reads a file (it imports no other reader: ruff keeps no unused import)
    for name in ("read_regular", "read_head"):
        real = getattr(disc, name)

        def spy(path, *args, real=real, **kwargs):
            reads[os.path.relpath(path)] += 1
            return real(path, *args, **kwargs)

        monkeypatch.setattr(disc, name, spy)
    monkeypatch.chdir(tmp_path)
    found = discover(["."])
    units = plan_units(found)
    assert [[m.directory for m in u.modules] for u in units] == [["root", "vault"]]
    assert reads == {"root/main.tf": 1, "vault/main.tf": 1}


def test_the_collector_runs_once_per_unit_after_its_graph_is_gone(tmp_path: Path, monkeypatch):
    """Issue 12 item 4: collection stays linear in the input: off while a unit is evaluated
    and linted, one young-generation pass after each unit, and left as it was found."""
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(VAULT.format(name=name))
    monkeypatch.chdir(tmp_path)
    units = plan_units(discover(["."]))
    passes: list[tuple[int, bool]] = []
    real = gc.collect

    def spy(generation: int = 2) -> int:
        passes.append((generation, gc.isenabled()))
        return real(generation)

    monkeypatch.setattr(gc, "collect", spy)
    assert gc.isenabled()
    lint_units(units, EvalOptions(), ConfigResolver(Config()), date(2026, 12, 1), False)
    assert passes == [(0, False)] * 3
    assert gc.isenabled()
