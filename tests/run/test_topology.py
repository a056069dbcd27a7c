"""The backup chains a run computes for the picture formats (``check(..., topology=True)``):
plan -> plan rule -> vault -> key -> key policy verdict, selection -> plan and -> the assigned
resources that carry a finding, a vault no plan targets as a chain of its own; the same with
``--jobs 2`` as serially (the chains cross the worker pool pickled); none unless asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.api import check
from iacguard.core.topology import chains_with_findings
from iacguard.report import render

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = str(ROOT / "examples")


@pytest.fixture(scope="module")
def examples():
    return check([EXAMPLES], topology=True, jobs=1)


def _by_label(chain):
    return {n.label: n for n in chain.nodes}


def _edges(chain):
    ids = {n.id: n.label for n in chain.nodes}
    return {(ids[e.source], ids[e.target], e.label) for e in chain.edges}


def test_a_plan_chain_runs_from_rule_to_key_policy_and_from_selection_to_sources(examples):
    (chain,) = [c for c in examples.chains if c.plan == "aws_backup_plan.daily"]
    assert chain.nodes[0].kind == "plan"
    edges = _edges(chain)
    assert ("aws_backup_plan.daily", "rule daily", "") in edges
    assert ("rule daily", "aws_backup_vault.primary", "target_vault_name") in edges
    assert ("rule daily", "aws_backup_vault.archive", "destination_vault_arn") in edges
    assert ("aws_backup_vault.primary", "aws_kms_key.backup", "kms_key_arn") in edges
    assert ("aws_kms_key.backup", "key policy", "") in edges
    assert ("aws_backup_selection.volumes", "aws_backup_plan.daily", "plan_id") in edges
    assert ("aws_backup_selection.volumes", "aws_ebs_volume.scratch", "assigns") in edges
    nodes = _by_label(chain)
    assert nodes["key policy"].detail == "the key policy allows AWS Backup"
    assert nodes["aws_ebs_volume.scratch"].kind == "source"


def test_the_failing_nodes_are_those_the_live_findings_name(examples):
    (chain,) = [c for c in examples.chains if c.plan == "aws_backup_plan.daily"]
    labels = {n.id: n.label for n in chain.nodes}
    failing = {labels[i] for i in chain.failing(examples.live)}
    # BKP002 on the rule and the vault, BKP001 on the vault and its key, BKP004 on the source
    assert {"rule daily", "aws_backup_vault.archive", "aws_ebs_volume.scratch"} <= failing
    assert "aws_backup_vault.primary" not in failing
    assert "aws_kms_key.backup" not in failing
    assert "aws_backup_plan.daily" not in failing


def test_a_vault_no_plan_targets_is_a_chain_and_kms003_fails_the_key_policy(examples):
    chains = {c.plan: c for c in examples.chains if c.root.endswith("backup.yaml")}
    assert set(chains) == {"Vault", "ReplicaVault"}
    replica = chains["ReplicaVault"]
    assert replica.title == "backup vault ReplicaVault"
    assert ("ReplicaVault", "VaultKeyAlias", "EncryptionKeyArn") in _edges(replica)
    assert ("VaultKeyAlias", "VaultKey", "") in _edges(replica)
    labels = {n.id: n.label for n in replica.nodes}
    failing = {labels[i] for i in replica.failing(examples.live)}
    assert failing == {"ReplicaVault", "key policy"}  # BKP003, KMS003; not the key itself
    policy = _by_label(replica)["key policy"]
    assert policy.detail.startswith("no statement allows AWS Backup")


def test_chains_are_only_computed_when_asked():
    assert check([EXAMPLES], jobs=1).chains == ()


def test_jobs_2_gives_the_same_chains():
    serial = check([str(ROOT / "fixtures" / "BKP004"), EXAMPLES], topology=True, jobs=1)
    parallel = check([str(ROOT / "fixtures" / "BKP004"), EXAMPLES], topology=True, jobs=2)
    assert serial.chains and parallel.chains == serial.chains
    drawn = chains_with_findings(serial.chains, serial.live)
    assert drawn == chains_with_findings(parallel.chains, parallel.live)
    for fmt in ("markdown", "html"):
        assert render(parallel, fmt) == render(serial, fmt)


def test_a_chain_that_cannot_be_built_loses_only_its_picture(monkeypatch):
    from iacguard.run import topology

    def broken(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(topology._Builder, "build", broken)
    report = check([EXAMPLES], topology=True, jobs=1)
    assert len(report.live) == 7 and not report.errors
    # the plan's picture is gone; its failing vault is drawn alone, like the template's
    assert {c.plan for c in report.chains} == {"Vault", "ReplicaVault", "aws_backup_vault.archive"}


def test_a_selection_shows_at_most_max_sources_and_counts_the_rest(tmp_path, monkeypatch):
    from iacguard.run.topology import MAX_SOURCES

    volumes = "".join(
        f'resource "aws_ebs_volume" "v{i}" {{\n  availability_zone = "a"\n  size = 1\n}}\n'
        for i in range(MAX_SOURCES + 2)
    )
    (tmp_path / "main.tf").write_text(
        volumes + 'resource "aws_backup_plan" "p" {\n  name = "p"\n  rule {\n'
        '    rule_name = "r"\n    target_vault_name = "Default"\n  }\n}\n'
        'resource "aws_backup_selection" "all" {\n  name = "all"\n'
        '  iam_role_arn = "arn:aws:iam::1:role/b"\n  plan_id = aws_backup_plan.p.id\n'
        '  resources = ["*"]\n}\n'
    )
    monkeypatch.chdir(tmp_path)
    report = check(["."], topology=True, jobs=1)
    assert sum(f.rule_id == "BKP004" for f in report.live) == MAX_SOURCES + 2
    (chain,) = report.chains
    sources = [n for n in chain.nodes if n.kind == "source"]
    assert len(sources) == MAX_SOURCES + 1
    assert sources[-1].label == "+ 2 more" and not sources[-1].marks
