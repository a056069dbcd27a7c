"""Baselines on real graphs (Terraform and CloudFormation): write, apply, fixed, line moves."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from iacguard import __version__
from iacguard.api import build_graph
from iacguard.config.model import ConfigError
from iacguard.core.certainty import Certainty
from iacguard.core.findings import Finding, Severity
from iacguard.graph.model import Resource
from iacguard.run.baseline import (
    BaselineEntry,
    BaselineError,
    apply_baseline,
    load_baseline,
    write_baseline,
)

TF_VAULTS = """\
resource "aws_backup_vault" "a" {
  name = "a"
}

resource "aws_backup_vault" "b" {
  name = "b"
}
"""

CFN_VAULTS = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  A:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: a
  B:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: b
"""

LANGUAGES = ["terraform", "cloudformation"]


def finding(resource: Resource, rule_id: str = "BKP001", **extra) -> Finding:
    return Finding(
        rule_id=rule_id,
        rule_name="backup-vault-without-cmk",
        severity=Severity.HIGH,
        certainty=Certainty.DEFINITE,
        message=f"{rule_id} on {resource.address}",
        address=resource.address,
        resource_type=resource.type,
        root=resource.root,
        location=resource.span,
        **extra,
    )


def scan(language: str, text: str) -> list[Finding]:
    """One finding per vault in ``infra/`` (written with ``text``)."""
    infra = Path("infra")
    infra.mkdir(exist_ok=True)
    name = "vaults.tf" if language == "terraform" else "vaults.yaml"
    (infra / name).write_text(text)
    graph = build_graph(["infra"])
    assert not graph.errors, graph.errors
    return [finding(r) for r in sorted(graph.resources, key=lambda r: r.address)]


def source(language: str) -> str:
    return TF_VAULTS if language == "terraform" else CFN_VAULTS


def addresses(language: str) -> tuple[str, str]:
    return ("aws_backup_vault.a", "aws_backup_vault.b") if language == "terraform" else ("A", "B")


@pytest.mark.parametrize("language", LANGUAGES)
def test_write_records_keys_without_lines(tmp_path, monkeypatch, language):
    monkeypatch.chdir(tmp_path)
    findings = scan(language, source(language))
    write_baseline(findings, "baseline.json")
    data = json.loads((tmp_path / "baseline.json").read_text())
    path = "infra/vaults.tf" if language == "terraform" else "infra/vaults.yaml"
    root = "infra" if language == "terraform" else path
    a, b = addresses(language)
    assert data == {
        "version": 1,
        "tool": {"name": "iacguard", "version": __version__},
        "entries": [
            {"rule_id": "BKP001", "root": root, "address": a, "path": path, "count": 1},
            {"rule_id": "BKP001", "root": root, "address": b, "path": path, "count": 1},
        ],
    }
    assert sorted(os.listdir(tmp_path)) == ["baseline.json", "infra"]  # no temporary left


@pytest.mark.parametrize("language", LANGUAGES)
def test_apply_hides_known_findings_even_after_lines_move(tmp_path, monkeypatch, language):
    monkeypatch.chdir(tmp_path)
    original = scan(language, source(language))
    write_baseline(original, "baseline.json")
    baseline = load_baseline("baseline.json")
    # the same code pushed down by a comment block: every line number changes
    moved = scan(language, "# moved\n# down\n# by three\n" + source(language))
    assert [f.location.start_line for f in moved] == [f.location.start_line + 3 for f in original]
    new, fixed = apply_baseline(moved, baseline)
    assert (new, fixed) == ([], [])


@pytest.mark.parametrize("language", LANGUAGES)
def test_new_and_fixed(tmp_path, monkeypatch, language):
    monkeypatch.chdir(tmp_path)
    write_baseline(scan(language, source(language)), "baseline.json")
    baseline = load_baseline("baseline.json")
    a, b = addresses(language)
    if language == "terraform":
        changed = TF_VAULTS.replace('"b"', '"c"')  # vault b renamed to c
        c = "aws_backup_vault.c"
        path, root = "infra/vaults.tf", "infra"
    else:
        changed = CFN_VAULTS.replace("  B:", "  C:")
        c = "C"
        path = root = "infra/vaults.yaml"
    new, fixed = apply_baseline(scan(language, changed), baseline)
    assert [f.address for f in new] == [c]
    assert fixed == [BaselineEntry("BKP001", root, b, path, 1)]
    assert str(fixed[0]) == f"{path}: BKP001 {b}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_counts_per_key(tmp_path, monkeypatch, language):
    monkeypatch.chdir(tmp_path)
    findings = scan(language, source(language))
    twice = [findings[0], findings[0].with_(message="second")]
    write_baseline(twice, "baseline.json")
    baseline = load_baseline("baseline.json")
    assert [e.count for e in baseline.entries] == [2]
    three = [*twice, findings[0].with_(message="third")]
    new, fixed = apply_baseline(three, baseline)
    assert ([f.message for f in new], fixed) == (["third"], [])
    new, fixed = apply_baseline(twice[:1], baseline)
    assert new == []
    assert [(e.address, e.count) for e in fixed] == [(findings[0].address, 1)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_suppressed_findings_are_not_recorded_and_pass_through(tmp_path, monkeypatch, language):
    monkeypatch.chdir(tmp_path)
    first, second = scan(language, source(language))
    hidden = second.with_(suppressed=True, suppression_reason="accepted")
    write_baseline([first, hidden], "baseline.json")
    baseline = load_baseline("baseline.json")
    assert [e.address for e in baseline.entries] == [first.address]
    new, fixed = apply_baseline([first, hidden], baseline)
    assert (new, fixed) == ([hidden], [])


@pytest.mark.parametrize("language", LANGUAGES)
def test_paths_are_relative_to_the_baseline_file(tmp_path, monkeypatch, language):
    monkeypatch.chdir(tmp_path)
    findings = scan(language, source(language))
    (tmp_path / "ci").mkdir()
    write_baseline(findings, "ci/baseline.json")
    entries = json.loads((tmp_path / "ci" / "baseline.json").read_text())["entries"]
    assert entries[0]["path"].startswith("../infra/vaults.")
    # run again from inside infra/: the findings' paths are now relative to it
    monkeypatch.chdir(tmp_path / "infra")
    graph = build_graph(["."])
    again = [finding(r) for r in sorted(graph.resources, key=lambda r: r.address)]
    assert again[0].location.path != findings[0].location.path
    new, fixed = apply_baseline(again, load_baseline("../ci/baseline.json"))
    assert (new, fixed) == ([], [])


def test_load_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cases = {
        "missing.json": None,
        "text.json": "not json",
        "old.json": json.dumps({"version": 0, "entries": []}),
        "shape.json": json.dumps({"version": 1, "entries": {}}),
        "entry.json": json.dumps(
            {"version": 1, "entries": [{"rule_id": "BKP001", "root": ".", "address": 3}]}
        ),
        "count.json": json.dumps(
            {
                "version": 1,
                "entries": [{"rule_id": "B", "root": ".", "address": "a", "path": "p", "count": 0}],
            }
        ),
    }
    for name, text in cases.items():
        if text is not None:
            (tmp_path / name).write_text(text)
    messages = {}
    for name in cases:
        with pytest.raises(BaselineError) as info:
            load_baseline(name)
        assert isinstance(info.value, ConfigError)  # the CLI's exit 2
        messages[name] = str(info.value)
    assert messages == {
        "missing.json": "missing.json: no such file",
        "text.json": "text.json:1:1: not JSON: Expecting value",
        "old.json": (
            "old.json: version: expected 1, got 0 (write it again with `iacguard baseline`)"
        ),
        "shape.json": "shape.json: entries: expected a list",
        "entry.json": "entry.json: entries[0].address: expected a string, got 3",
        "count.json": "count.json: entries[0].count: expected an integer >= 1, got 0",
    }


def test_write_replaces_atomically(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "baseline.json"
    target.write_text("old")
    write_baseline([], "baseline.json")
    assert json.loads(target.read_text())["entries"] == []
    with pytest.raises(BaselineError) as info:
        write_baseline([], "no/such/dir/baseline.json")
    assert str(info.value).startswith("no/such/dir/baseline.json: cannot write the baseline: ")
