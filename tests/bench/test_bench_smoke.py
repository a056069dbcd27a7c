"""Smoke test of the benchmark harness on its smallest size (no timing assertions).

It tests bench/, not a module of src/, so it stays in tests/bench/ beside the mirror of src/."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench"
IACGUARD = Path(sys.executable).with_name("iacguard")


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate_smoke", BENCH / "generate.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_generator_is_deterministic_and_sized(tmp_path: Path) -> None:
    gen = _generator()
    a = gen.generate("small", tmp_path / "a")
    b = gen.generate("small", tmp_path / "b")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.tf"))
    assert [str(p) for p in files_a] == ["small/main.tf", "small/outputs.tf", "small/variables.tf"]
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    lines = sum((tmp_path / "a" / p).read_text().count("\n") for p in files_a)
    assert a == b
    assert (a["files"], a["lines"], a["templates"]) == (3, lines, 0)
    other = gen.generate("small", tmp_path / "c", seed=8)
    assert (
        other["lines"] != a["lines"]
        or (tmp_path / "c/small/main.tf").read_bytes()
        != (tmp_path / "a/small/main.tf").read_bytes()
    )
    mono = gen.build("3k")
    assert 3000 <= mono.lines < 4500
    kinds = {Path(p).suffix for p in mono.files}
    assert {".tf", ".yaml", ".json", ".tfvars"} <= kinds


def test_parse_sizes() -> None:
    gen = _generator()
    assert [gen.parse_size(s) for s in ("small", "10k", "1m", "2.5k", "1234")] == [
        0,
        10_000,
        1_000_000,
        2_500,
        1234,
    ]
    with pytest.raises(ValueError):
        gen.parse_size("big")


@pytest.mark.skipif(not IACGUARD.exists(), reason="iacguard console script not installed here")
def test_runner_end_to_end_on_small(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCH / "run.py"),
            "--quick",
            "--sizes",
            "small",
            "--checkov",
            "",
            "--no-warm",
            "--no-compile",  # a test does not write bytecode into the package
            "--out",
            str(tmp_path),
            "--iacguard",
            str(IACGUARD),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "results.json").read_text())
    assert result["version"]["bytecode"] is False
    (row,) = result["rows"]
    manifest = json.loads((tmp_path / "small" / "manifest.json").read_text())
    assert (row["size"], row["files"], row["lines"]) == ("small", 3, manifest["lines"])
    # the small module has findings on purpose (exit 1) and no file errors
    assert row["iacguard"]["rc"] == [1]
    assert row["errors"] == 0
    assert row["findings"] and all(n > 0 for n in row["findings"].values())
    assert row["parse_only"]["rc"] == [0]
    assert row["checkov"] is None
    names = [t["target"] for t in result["targets"]]
    assert names[:2] == ["small module <= 0.08 s wall", "small: >= 30x faster than checkov"]
    assert "iacguard --version <= 60 ms" in names
    assert "| small | 3 |" in proc.stdout


def test_parse_floor_uses_the_c_parsers_not_iacguard(tmp_path: Path) -> None:
    """bench/parse_only.py parses every input file with tree-sitter-hcl, PyYAML's C loader and
    json.loads, importing nothing of iacguard (the floor issue 12 measures against)."""
    gen = _generator()
    gen.generate("real-3k", tmp_path)
    floor = str(BENCH / "parse_only.py")
    probe = (
        f"import json, runpy, sys; runpy.run_path({floor!r})['main']([sys.argv[1]]);"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('iacguard'))))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "real-3k")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    first, imported = proc.stdout.splitlines()[-2:]
    manifest = json.loads((tmp_path / "real-3k" / "manifest.json").read_text())
    doc = json.loads(first)
    assert doc["files"] == manifest["files"]
    assert doc["parse_errors"] == 0
    assert json.loads(imported) == []
