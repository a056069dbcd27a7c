"""Parallel evaluation: unit planning, worker count, deterministic merge, crash isolation."""

from __future__ import annotations

import importlib.util
import os
import sys
import textwrap
from pathlib import Path

import pytest

from iacguard.core.located import FileError, Located
from iacguard.discover import discover
from iacguard.evaluate.options import EvalOptions
from iacguard.graph.model import Graph
from iacguard.run import pool as parallel
from iacguard.run.pool import Unit, batches, decide_jobs, merge_unique, module_groups

REPO = Path(__file__).resolve().parents[2]


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))


def test_module_groups_keep_private_callees_with_their_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        {
            "a/main.tf": 'module "v" {\n  source = "./modules/vault"\n}\n'
            'module "s" {\n  source = "../shared"\n}\n',
            "a/modules/vault/main.tf": 'resource "aws_backup_vault" "this" {\n  name = "v"\n}\n',
            "b/main.tf": 'module "s" {\n  source = "../shared/"\n}\n'
            'provisioner "file" {\n  source = "./script.sh"\n}\n',
            "shared/main.tf": 'resource "aws_kms_key" "k" {}\n',
            "solo/main.tf": "terraform {\n  required_providers {\n    aws = {\n"
            '      source = "hashicorp/aws"\n    }\n  }\n}\n',
        },
    )
    monkeypatch.chdir(tmp_path)
    found = discover(["."])
    groups = [[m.directory for m in g] for g in module_groups(found.modules)]
    assert groups == [["a", "a/modules/vault"], ["b"], ["shared"], ["solo"]]


def test_plan_units_order_and_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            "m/main.tf": 'resource "aws_kms_key" "k" {}\n',
            "t.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    units = parallel.plan_units(discover(["."]))
    assert [(u.kind, u.label, u.weight) for u in units] == [
        ("terraform", "m", 30),
        ("template", "t.yaml", 53 // parallel.QUIET_DIVISOR),  # quiet: only parsed
    ]


def test_batches_are_consecutive_and_balanced() -> None:
    units = [Unit("template", str(i), path=str(i), weight=w) for i, w in enumerate([5] * 32)]
    got = batches(units, workers=2)  # 16 batches of weight 10
    assert got == [[2 * i, 2 * i + 1] for i in range(16)]
    assert batches([Unit("plan", "p", path="p", weight=0)], workers=4) == [[0]]
    assert batches([], workers=2) == []


def test_decide_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"m/main.tf": "x" * 1000 + "\n"})
    monkeypatch.chdir(tmp_path)
    found = discover(["."])
    monkeypatch.setattr(parallel, "available_cores", lambda: 2)
    assert decide_jobs(found, 3) == 3
    assert decide_jobs(found, 0) == 1
    assert decide_jobs(found, None) == 1  # 1001 bytes: below the threshold
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 1000)
    assert decide_jobs(found, None) == 2
    monkeypatch.setattr(parallel, "available_cores", lambda: 1)
    assert decide_jobs(found, None) == 1


def test_merge_unique_drops_repeated_errors_notes_and_roots() -> None:
    e1 = FileError("shared/main.tf", 3, 1, "syntax error")
    e2 = FileError("b.tf", None, None, "x")
    n1 = Located(None, "remote module not fetched")
    g1 = Graph(errors=(e1,), notes=(n1,), roots=("a",))
    g2 = Graph(errors=(e1, e2), notes=(n1,), roots=("a", "b"))
    merged = merge_unique([g1, g2])
    assert merged.errors == (e1, e2)
    assert merged.notes == (n1,)
    assert merged.roots == ("a", "b")


def _load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def mono(tmp_path_factory: pytest.TempPathFactory) -> Path:
    gen = _load_generator()
    out = tmp_path_factory.mktemp("mono")
    gen.generate("2500", out)
    return out / "2500"


def _key(g: Graph) -> tuple:
    """The graph as comparable values, independent of order (and of str hashing: reprs of
    frozensets differ between processes, the sets are equal)."""
    from collections import Counter

    return (
        {(r.root, r.address): r for r in g.resources},
        Counter(g.edges),
        Counter(g.errors),
        Counter(g.notes),
    )


def test_parallel_equals_serial_and_is_deterministic(
    mono: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iacguard.api import evaluate

    monkeypatch.chdir(mono)
    found = discover(["."])
    assert len(found.modules) >= 4 and len(found.templates) >= 2
    options = EvalOptions(scan_root=str(mono))
    serial = evaluate(found, options, jobs=1, use_cache=False)
    ticks: list[tuple[int, int]] = []
    two = parallel.evaluate_parallel(found, options, 2, lambda d, t, _: ticks.append((d, t)))
    three = parallel.evaluate_parallel(found, options, 3)
    assert len(serial.resources) > 50
    assert _key(two) == _key(serial)
    assert two.resources == three.resources and two.edges == three.edges
    assert two.errors == three.errors and two.notes == three.notes
    units = len(parallel.plan_units(found))
    assert ticks == [(i, units) for i in range(1, units + 1)]


CRASHY = """
import os
from iacguard.run import pool as parallel

def batch(units, options):
    if any(u.path.endswith("boom.yaml") for u in units):
        os._exit(3)
    return parallel._evaluate_batch(units, options)
"""


def test_a_worker_crash_loses_only_its_unit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = (
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  V:\n"
        "    Type: AWS::Backup::BackupVault\n    Properties:\n      BackupVaultName: v\n"
    )
    write(tmp_path / "helpers", {"crashy_worker.py": CRASHY})
    write(tmp_path / "in", {"a.yaml": template, "boom.yaml": template, "c.yaml": template})
    monkeypatch.syspath_prepend(str(tmp_path / "helpers"))
    monkeypatch.chdir(tmp_path / "in")
    import crashy_worker

    found = discover(["."])
    graph = parallel.evaluate_parallel(
        found, EvalOptions(scan_root=str(tmp_path / "in")), 2, worker=crashy_worker.batch
    )
    assert sorted((r.root, r.address) for r in graph.resources) == [
        ("a.yaml", "V"),
        ("c.yaml", "V"),
    ]
    assert graph.errors == (
        FileError(
            "boom.yaml",
            None,
            None,
            "worker killed (out of memory?) while evaluating boom.yaml: not checked",
        ),
    )
    sys.modules.pop("crashy_worker", None)


def test_evaluate_uses_the_pool_only_when_asked_or_big(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iacguard import api

    write(tmp_path, {"t.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n"})
    monkeypatch.chdir(tmp_path)
    calls: list[int] = []
    monkeypatch.setattr(
        parallel, "evaluate_parallel", lambda f, o, w, p=None: calls.append(w) or Graph()
    )
    found = discover(["."])
    api.evaluate(found, EvalOptions(scan_root=str(tmp_path)), jobs=None, use_cache=False)
    api.evaluate(found, EvalOptions(scan_root=str(tmp_path)), jobs=1, use_cache=False)
    api.evaluate(found, EvalOptions(scan_root=str(tmp_path)), jobs=2, use_cache=False)
    assert calls == [2]
    assert os.cpu_count()


def test_check_with_jobs_gives_the_same_report(mono: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    from iacguard.api import check
    from iacguard.config.model import Config

    monkeypatch.chdir(mono)
    day = date(2026, 1, 1)
    serial = check(["."], Config(), jobs=1, use_cache=False, today=day)
    pooled = check(["."], Config(), jobs=2, use_cache=False, today=day)
    assert serial.summary.findings > 20
    assert pooled.findings == serial.findings
    assert pooled.errors == serial.errors
    assert pooled.notes == serial.notes
    assert pooled.summary == serial.summary
    assert pooled.rules == serial.rules


SLEEPY = """
import os, sys, time

def batch(units, options):
    with open(os.environ["PIDS_FILE"], "a") as fh:
        fh.write(f"{os.getpid()}\\n")
    time.sleep(120)
    return b""

if __name__ == "__main__":
    from iacguard.run import pool as parallel
    from iacguard.discover import discover
    from iacguard.evaluate.options import EvalOptions
    found = discover(["."])
    parallel.evaluate_parallel(found, EvalOptions(scan_root="."), 2, worker=batch)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_exit_when_the_parent_is_killed(tmp_path: Path) -> None:
    import signal
    import subprocess
    import time

    template = "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n"
    write(tmp_path / "in", {"a.yaml": template, "b.yaml": template})
    write(tmp_path, {"sleepy_worker.py": SLEEPY})
    pids_file = tmp_path / "pids"
    env = {**os.environ, "PIDS_FILE": str(pids_file), "PYTHONPATH": str(tmp_path)}
    parent = subprocess.Popen(
        [sys.executable, str(tmp_path / "sleepy_worker.py")], cwd=tmp_path / "in", env=env
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pids = pids_file.read_text().split() if pids_file.exists() else []
        if len(pids) == 2:
            break
        time.sleep(0.1)
    assert len(pids) == 2
    workers = [int(p) for p in pids]
    assert all(_alive(p) for p in workers)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    assert [p for p in workers if _alive(p)] == []


def _address_space_limit() -> int:
    import resource

    return resource.getrlimit(resource.RLIMIT_AS)[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is Linux's")
def test_workers_run_with_a_capped_address_space() -> None:
    """The last line of defence under the value budgets: a worker that still allocates past
    the cap gets a MemoryError (a located error for its unit), not the OOM killer."""
    from iacguard.run.pool import WORKER_ADDRESS_SPACE, _pool

    with _pool(1) as pool:
        limit = pool.submit(_address_space_limit).result(timeout=120)
    assert 0 < limit <= WORKER_ADDRESS_SPACE


def test_results_share_equal_strings_spans_and_hops_across_the_process_boundary() -> None:
    """A worker's findings repeat paths, types and evidence: the parent, which holds every
    unit's findings until the report is written, gets one object for each equal value."""
    import pickle

    from iacguard.core.certainty import Certainty
    from iacguard.core.findings import Finding, Severity
    from iacguard.core.spans import Span
    from iacguard.run.transfer import dumps

    def fresh(text: str) -> str:
        return "".join(list(text))  # an equal string that is another object

    def finding(address: str) -> Finding:
        span = Span(fresh("stack/main.tf"), 3, 1, 5, 2)
        hop = Located(Span(fresh("stack/vars.tf"), 1, 1, 1, 9), fresh("var.key = null"))
        return Finding(
            "BKP001", fresh("vault-without-cmk"), Severity.HIGH, Certainty.DEFINITE,
            fresh("vault has no key"), address, fresh("aws_backup_vault"), "stack", span,
            evidence=(hop,), inputs=(fresh("var.key"),), properties={"n": 1.0},
        )  # fmt: skip

    sent = [finding("aws_backup_vault.a"), finding("aws_backup_vault.b")]
    assert sent[0].location.path is not sent[1].location.path
    got = pickle.loads(dumps(sent))
    assert got == sent
    a, b = got
    assert a.address != b.address
    assert a.location is b.location
    assert a.resource_type is b.resource_type and a.message is b.message
    assert a.evidence is b.evidence and a.inputs is b.inputs
    # values that compare equal to values of other types are never merged: 1 == True
    assert pickle.loads(dumps([(1, "x"), (True, "x")])) == [(1, "x"), (True, "x")]
    mixed = pickle.loads(dumps([Located(None, "1"), (1.0,), (True,)]))
    assert type(mixed[2][0]) is bool and type(mixed[1][0]) is float
