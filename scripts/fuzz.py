"""The long fuzz run: 100k+ hostile inputs through the parsers, evaluators and rules.

Not part of the test suite (tests/property runs a few hundred examples). Each input is one
file written to a scratch directory and run in-process through discovery, the evaluators
(WITHOUT iacguard.run.guard, so an exception is seen with its traceback), all rules and the JSON
rendering, under a hard per-input limit of CPU time (the evaluators get a quarter of it as
their own budget; the rest is for rules and rendering). An exception is a crash, running past
the limit is a hang; both are saved (input + traceback) under ``--out`` and counted once per
signature.

Inputs, deterministic for a ``--seed``: byte-level mutations (truncate, splice, flip, delete,
duplicate, hostile tokens) of the fixtures, the built-in samples, the hostile corpus and
(``--corpus``) real-world files; random Terraform modules and CloudFormation templates built
from a grammar of expressions and intrinsics; mutations of those; hostile shapes (lone
surrogates, huge numbers, exponents, postfix chains, multiplicative expansions, wide formats,
catastrophic regexes, Condition chains, unknown tags, doubling strings); file names that are
not UTF-8; named pipes. Every input's report is written in every output format through the
command line's writer.

    python scripts/fuzz.py --inputs 100000 --workers 2 --corpus ../shared/corpus

Exit status: 0 when there was no crash and no hang, 1 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "hostile"))

from fuzz_inputs import (  # noqa: E402
    file_name,
    hostile_shape,
    mutate,
    random_cfn_template,
    random_hcl_module,
    seed_inputs,
)
from hostile_cases import Fifo, Symlink, cases  # noqa: E402


@dataclass
class Tally:
    inputs: int = 0
    clean: int = 0
    with_errors: int = 0
    crashes: int = 0
    hangs: int = 0
    kinds: Counter = field(default_factory=Counter)
    signatures: Counter = field(default_factory=Counter)
    slowest: float = 0.0

    def add(self, other: Tally) -> None:
        self.inputs += other.inputs
        self.clean += other.clean
        self.with_errors += other.with_errors
        self.crashes += other.crashes
        self.hangs += other.hangs
        self.kinds.update(other.kinds)
        self.signatures.update(other.signatures)
        self.slowest = max(self.slowest, other.slowest)


@lru_cache(maxsize=4)
def _seeds(corpus: str | None) -> list[tuple[str, bytes]]:
    """Every seed, read once per worker process."""
    return seed_inputs(REPO, Path(corpus) if corpus else None) + _hostile_seeds()


def _hostile_seeds() -> list[tuple[str, bytes]]:
    out = []
    for case in cases():
        for rel, content in case.files.items():
            if isinstance(content, (Symlink, Fifo)) or len(content) > 300_000:
                continue
            for suffix in (".tf.json", ".tf", ".yaml", ".json"):
                if rel.endswith(suffix):
                    if suffix == ".json" and b"planned_values" in content:
                        suffix = ".plan.json"
                    out.append((suffix, content))
                    break
    return out


def make_input(index: int, seed: int, seeds: list[tuple[str, bytes]]) -> tuple[str, str, bytes]:
    """(kind, file name, bytes) of input number ``index``: the same for the same seed. One
    input in twenty gets a file name that is not UTF-8 (a byte 0xff, as ``surrogateescape``
    spells it), one in a hundred is a named pipe next to a module that reads it."""
    rnd = random.Random(seed * 1_000_003 + index)
    kind, name, data = _make(rnd, seeds)
    if rnd.random() < 0.01:
        return "fifo", "main.tf", b'resource "aws_kms_key" "k" {\n  policy = file("pipe")\n}\n'
    if rnd.random() < 0.05:
        name = "\udcff" + name
    return kind, name, data


def _make(rnd: random.Random, seeds: list[tuple[str, bytes]]) -> tuple[str, str, bytes]:
    roll = rnd.random()
    pool = [d for _, d in seeds]
    if roll < 0.35:
        suffix, data = rnd.choice(seeds)
        return "mutated-seed", file_name(suffix), mutate(rnd, data, pool)
    if roll < 0.52:
        return "random-hcl", "main.tf", random_hcl_module(rnd)
    if roll < 0.69:
        suffix, data = random_cfn_template(rnd)
        return "random-cfn", file_name(suffix), data
    if roll < 0.77:
        data = random_hcl_module(rnd)
        return "mutated-hcl", "main.tf", mutate(rnd, data, pool)
    if roll < 0.85:
        suffix, data = random_cfn_template(rnd)
        return "mutated-cfn", file_name(suffix), mutate(rnd, data, pool)
    suffix, data = hostile_shape(rnd)
    return "hostile-shape", file_name(suffix), data


def _signature(exc: BaseException) -> str:
    """Exception type + the innermost frame inside iacguard: one bug, one signature."""
    frames = traceback.extract_tb(exc.__traceback__)
    inner = [f for f in frames if "/iacguard/" in f.filename] or frames
    where = f"{Path(inner[-1].filename).name}:{inner[-1].lineno}" if inner else "?"
    return f"{type(exc).__name__} at {where}"


def _save(out: Path, what: str, index: int, name: str, data: bytes, detail: str) -> None:
    digest = hashlib.sha256(detail.encode()).hexdigest()[:10]
    target = out / f"{what}-{digest}"
    if target.exists():  # one example per signature is enough
        return
    target.mkdir(parents=True, exist_ok=True)
    (target / name).write_bytes(data)
    (target / "report.txt").write_text(f"input #{index}\n{detail}\n")


def run_slice(args: tuple[int, int, int, int, float, str, str | None]) -> Tally:
    """Worker: inputs ``start``, ``start + step``, ... below ``stop``."""
    start, stop, step, seed, limit, out_dir, corpus = args
    try:
        import resource

        gib = 3 * 1024**3  # a memory bomb becomes a MemoryError, not the OOM killer
        resource.setrlimit(resource.RLIMIT_AS, (gib, gib))
    except (ImportError, ValueError, OSError):
        pass
    from hostile_pipeline import run_direct

    from iacguard.evaluate.options import EvalOptions
    from iacguard.rules.registry import all_rules
    from iacguard.run.guard import BudgetExceeded, time_limit

    rules = all_rules()
    seeds = _seeds(corpus)
    out = Path(out_dir)
    tally = Tally()
    scratch = Path(tempfile.mkdtemp(prefix="iacguard-fuzz-"))
    report_file = Path(tempfile.mkdtemp(prefix="iacguard-fuzz-report-")) / "report"
    options = replace(EvalOptions(scan_root=str(scratch)), time_budget=max(limit / 4, 0.5))
    try:
        for index in range(start, stop, step):
            kind, name, data = make_input(index, seed, seeds)
            for old in scratch.iterdir():
                old.unlink()
            (scratch / name).write_bytes(data)
            if kind == "fifo":
                os.mkfifo(scratch / "pipe")
            tally.inputs += 1
            tally.kinds[kind] += 1
            began = time.monotonic()
            try:
                with time_limit(limit):
                    graph, _ = run_direct(
                        [str(scratch)], options, rules, write_reports_to=str(report_file)
                    )
            except BudgetExceeded:
                tally.hangs += 1
                tally.signatures[f"hang ({kind}, {name})"] += 1
                _save(out, "hang", index, name, data, f"hang: over {limit} s ({kind})")
                continue
            except Exception as exc:  # noqa: BLE001 - every exception is a finding here
                tally.crashes += 1
                sig = _signature(exc)
                tally.signatures[sig] += 1
                _save(out, "crash", index, name, data, f"{sig}\n\n{traceback.format_exc()}")
                continue
            finally:
                tally.slowest = max(tally.slowest, time.monotonic() - began)
            internal = [e for e in graph.errors if "internal error" in e.message]
            if internal:
                tally.crashes += 1
                sig = f"internal error: {internal[0].message[:120]}"
                tally.signatures[sig] += 1
                _save(out, "crash", index, name, data, sig)
            elif graph.errors:
                tally.with_errors += 1
            else:
                tally.clean += 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(report_file.parent, ignore_errors=True)
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per input")
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "iacguard-fuzz"))
    parser.add_argument("--corpus", default=None, help="also mutate files under this directory")
    parser.add_argument("--chunk", type=int, default=2_000, help="inputs per progress report")
    args = parser.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    total = Tally()
    started = time.monotonic()
    jobs = []
    for base in range(0, args.inputs, args.chunk):
        stop = min(base + args.chunk, args.inputs)
        for w in range(args.workers):
            jobs.append(
                (base + w, stop, args.workers, args.seed, args.time_limit, str(out), args.corpus)
            )
    ctx = multiprocessing.get_context("spawn")
    next_report = args.chunk
    with ctx.Pool(args.workers) as pool:
        for part in pool.imap_unordered(run_slice, jobs):
            total.add(part)
            if total.inputs >= next_report or total.inputs == args.inputs:
                next_report += args.chunk
                spent = time.monotonic() - started
                print(
                    f"{total.inputs:>7} inputs  {spent:7.1f} s  crashes {total.crashes}"
                    f"  hangs {total.hangs}",
                    flush=True,
                )
    spent = time.monotonic() - started
    print()
    print(f"inputs:      {total.inputs}")
    print(
        f"time:        {spent:.1f} s ({total.inputs / max(spent, 1e-9):.0f} inputs/s, "
        f"{args.workers} workers, limit {args.time_limit:g} s per input)"
    )
    print(f"crashes:     {total.crashes}")
    print(f"hangs:       {total.hangs}")
    print(f"clean runs:  {total.clean}; runs with located errors: {total.with_errors}")
    print(f"slowest:     {total.slowest:.2f} s")
    print("kinds:       " + ", ".join(f"{k} {v}" for k, v in sorted(total.kinds.items())))
    for sig, count in total.signatures.most_common():
        print(f"  {count:>6}  {sig}")
    if total.crashes or total.hangs:
        print(f"saved under {out}")
    return 1 if (total.crashes or total.hangs) else 0


if __name__ == "__main__":
    sys.exit(main())
