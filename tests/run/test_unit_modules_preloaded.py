"""``lint_units`` imports what linting its units imports on first use before it freezes what
is alive (``gc.freeze``): no module of iacguard is imported while the units are linted, so
the collection after each unit walks only what the unit left, not a freshly imported
evaluator (most of a small run's objects)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json, sys
from iacguard.run import pool
seen = {}
real_freeze, real_lint = gc.freeze, pool.lint_units
def freeze():
    seen.setdefault("frozen", set(sys.modules))
    real_freeze()
def lint_units(*args, **kwargs):
    out = real_lint(*args, **kwargs)
    seen.setdefault("linted", set(sys.modules))
    return out
gc.freeze, pool.lint_units = freeze, lint_units
from iacguard import api
report = api.check([sys.argv[1]], jobs=1, use_cache=False)
late = sorted(m for m in seen["linted"] - seen["frozen"] if m.startswith("iacguard"))
print(json.dumps({"findings": len(report.findings), "late": late}))
"""


@pytest.mark.parametrize(
    "target",
    ["fixtures/BKP001/terraform", "fixtures/BKP001/cloudformation", "fixtures/BKP001/plan"],
)
def test_no_module_is_imported_while_units_are_linted(target: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(REPO / target)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(done.stdout)
    assert seen["findings"] > 0  # the units were really evaluated and linted
    assert seen["late"] == []
