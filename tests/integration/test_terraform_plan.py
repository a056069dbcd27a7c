"""Terraform itself as the oracle, part two (issue 10 item 8b): for the Terraform fixtures that
plan offline, iacguard's findings on the HCL and on the plan JSON that ``terraform show
-json`` writes agree.

The plan is made as a user would make it offline: the provider mirror (see
``test_terraform_validate``), an AWS provider with fake keys and every check that calls AWS
skipped, ``terraform plan -refresh=false -out`` then ``terraform show -json``. A plan holds the
default world only, so the comparison is:

* every HCL finding that holds with the defaults (``definite`` or ``default``) is in the plan,
  and a ``definite`` one is ``definite`` there too, unless it is about a resource gated off by
  default (its ``exists_when`` says when it exists: the plan has no such instance);
* every plan finding is an HCL finding (of any certainty): a plan never finds more.

To stay fast, the fixtures are planned together, each as a module of one configuration (one
``init``, one ``plan``, one ``show``); the BKP004 ones one by one, because a backup selection's
wildcards and tags reach every resource of its plan and would mix the cases. Fixtures that
cannot plan offline are listed below with the reason. Skipped without ``terraform`` or the
mirror.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from iacguard.api import build_graph
from iacguard.rules.registry import all_rules, run_rules

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
MIRROR = Path("/opt/tf-plugins")

PROVIDER = """provider "aws" {
  region                      = "us-east-1"
  access_key                  = "mock"
  secret_key                  = "mock"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}
"""

#: the fixtures that cannot plan offline, and why
CANNOT_PLAN = {
    "BKP001/terraform/air-gapped": "air-gapped vault arguments newer than the mirror's provider",
    "BKP002/terraform/air-gapped": "air-gapped vault arguments newer than the mirror's provider",
    "BKP001/terraform/aws-managed-data-alias": "data.aws_kms_alias reads AWS",
    "BKP003/terraform/alias-target-arn": "data.aws_kms_alias reads AWS",
    "BKP001/terraform/seed-000": "data.aws_caller_identity reads AWS",
    "BKP002/terraform/dynamic-rules": "data.aws_caller_identity reads AWS",
    "KMS003/terraform/via-service": "data.aws_caller_identity reads AWS",
    "BKP002/terraform/remote-target": "a terraform_remote_state in S3",
    "BKP004/terraform/default-tags": "an aliased provider needing credentials",
    "BKP001/terraform/gated-remote-count": "a registry module: init cannot fetch it offline",
    "BKP001/terraform/remote-module-installed": "planned on its own only (its .terraform)",
    "BKP001/terraform/for-each-required-null-key": "a required variable (no default)",
    "BKP001/terraform/gated-required-key": "a required variable (no default)",
    "BKP001/terraform/required-input": "a required variable (no default)",
    "BKP002/terraform/reference-joins": "a required variable (no default)",
    "BKP002/terraform/reference-joins-good": "a required variable (no default)",
    "BKP003/terraform/alias-forms": "a required variable (no default)",
    "BKP004/terraform/aurora": "a required variable (no default)",
    "BKP004/terraform/docdb-neptune": "a required variable (no default)",
    "BKP004/terraform/rds-databases": "a required variable (no default)",
    "BKP004/terraform/redshift": "a required variable (no default)",
    "KMS003/terraform/policy-evaluation": "a required variable (no default)",
    "BKP001/terraform/locals-conditional": "an alias in kms_key_arn, which the provider rejects",
    "BKP001/terraform/tfvars-enables-key": "an alias in kms_key_arn, which the provider rejects",
    "BKP003/terraform/gated-alias": "an alias in kms_key_arn, which the provider rejects",
    "KMS003/terraform/alias-forms": "an alias in kms_key_arn, which the provider rejects",
    "KMS002/terraform/short-windows": "windows below 7 days, which the provider rejects",
    "KMS003/terraform/unreadable-policy": "a policy that is not JSON, on purpose",
}

#: findings on the HCL that a plan cannot give, by design: values known only after apply
BY_DESIGN = {
    ("BKP004/terraform/assumed-ebs-default", "BKP004", "aws_instance.web"): (
        "root_block_device is Optional+Computed: after apply in a plan"
    ),
    ("BKP004/terraform/ec2-instances", "BKP004", "aws_instance.web"): (
        "root_block_device is Optional+Computed: after apply in a plan"
    ),
    ("BKP004/terraform/ec2-instances", "BKP004", "aws_instance.bare"): (
        "root_block_device is Optional+Computed: after apply in a plan"
    ),
    ("BKP004/terraform/ebs-volumes", "BKP004", "aws_ebs_volume.logs"): (
        "selected by an ARN wildcard, and the volume's ARN is after apply in a plan"
    ),
}


def _cases() -> list[str]:
    dirs = {
        p.parent.relative_to(FIXTURES).as_posix()
        for p in FIXTURES.glob("*/terraform/*/*.tf")
        if p.parts[len(FIXTURES.parts)] != "graph"
    }
    return sorted(d for d in dirs if d not in CANNOT_PLAN)


#: planned one by one too: in one configuration with the others they would mix
PLANNED_ALONE = {
    "KMS003/terraform/kms-grant": "the plan joins its vault by the known name `main`, which "
    "other cases' vaults have too (AWS would refuse two such vaults in one plan)",
}

CASES = _cases()
TOGETHER = [c for c in CASES if not c.startswith("BKP004/") and c not in PLANNED_ALONE]
ALONE = [c for c in CASES if c.startswith("BKP004/") or c in PLANNED_ALONE]


def _module_name(case: str) -> str:
    return "case_" + re.sub(r"\W", "_", case)


def _terraform(work: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TF_CLI_CONFIG_FILE=str(config), TF_IN_AUTOMATION="1")
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(name, None)
    return subprocess.run(
        ["terraform", *args, "-no-color"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _plan_json(work: Path, config: Path) -> Path:
    for step in (
        ("init", "-backend=false", "-input=false"),
        ("plan", "-refresh=false", "-input=false", "-lock=false", "-out=tfplan"),
    ):
        done = _terraform(work, config, *step)
        assert done.returncode == 0, done.stdout + done.stderr
    shown = _terraform(work, config, "show", "-json", "tfplan")
    assert shown.returncode == 0, shown.stderr
    out = work / "plan.tfplan.json"
    out.write_text(shown.stdout, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def cli_config(tmp_path_factory) -> Path:
    if shutil.which("terraform") is None:
        pytest.skip("terraform CLI not installed")
    if not (MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        pytest.skip("no filesystem mirror of the hashicorp/aws provider here")
    base = tmp_path_factory.mktemp("tfrc")
    (base / "cache").mkdir()
    config = base / "terraformrc"
    config.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path = "{MIRROR}"\n'
        '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n'
        '  direct { exclude = ["registry.terraform.io/hashicorp/aws"] }\n}\n'
        f'plugin_cache_dir = "{base / "cache"}"\n',
        encoding="utf-8",
    )
    return config


Key = tuple[str, str, str]  # rule id, address, certainty


def _plan_findings(plan: Path) -> list[tuple[str, str, str]]:
    graph = build_graph([str(plan)])
    return [(f.rule_id, f.address, f.certainty.label) for f in run_rules(graph, all_rules(), {})]


def _hcl_findings(case: str, monkeypatch: pytest.MonkeyPatch) -> tuple[set[Key], set[tuple]]:
    """The case's findings on its own root, and the (rule, address) of the gated ones."""
    monkeypatch.chdir(FIXTURES / case)
    found = [f for f in run_rules(build_graph(["."]), all_rules(), {}) if f.root == "."]
    return (
        {(f.rule_id, f.address, f.certainty.label) for f in found},
        {(f.rule_id, f.address) for f in found if f.exists_when},
    )


def disagreements(case: str, hcl: set[Key], gated: set[tuple], plan: set[Key]) -> list[str]:
    planned = {(r, a): c for r, a, c in plan}
    seen = {(r, a) for r, a, _ in hcl}
    out = []
    for rule, address, certainty in sorted(hcl):
        if (case, rule, address) in BY_DESIGN or certainty == "possible":
            continue
        got = planned.get((rule, address))
        if got is None and (rule, address) not in gated:
            out.append(f"{case}: {rule} {address} [{certainty}] on the HCL, not in the plan")
        elif got is not None and certainty == "definite" and got != "definite":
            out.append(f"{case}: {rule} {address} definite on the HCL, {got} in the plan")
    for rule, address, certainty in sorted(plan):
        if (rule, address) not in seen:
            out.append(f"{case}: {rule} {address} [{certainty}] in the plan only")
    return out


@pytest.fixture(scope="module")
def together(cli_config, tmp_path_factory) -> dict[str, set[Key]]:
    """The plan findings of every TOGETHER case, planned as modules of one configuration."""
    work = tmp_path_factory.mktemp("plan-together")
    calls = []
    for case in TOGETHER:
        name = _module_name(case)
        shutil.copytree(FIXTURES / case, work / name, ignore=shutil.ignore_patterns(".terraform"))
        tfvars = work / name / "terraform.tfvars"  # a module reads no tfvars: pass them
        args = tfvars.read_text(encoding="utf-8") if tfvars.is_file() else ""
        calls.append(f'module "{name}" {{\n  source = "./{name}"\n{args}}}\n')
    (work / "main.tf").write_text("".join(calls), encoding="utf-8")
    (work / "provider.tf").write_text(PROVIDER, encoding="utf-8")
    by_case: dict[str, set[Key]] = {case: set() for case in TOGETHER}
    names = {_module_name(c): c for c in TOGETHER}
    for rule, address, certainty in _plan_findings(_plan_json(work, cli_config)):
        m = re.match(r"module\.(case_\w+?)\.(.+)$", address)
        assert m and m.group(1) in names, address
        by_case[names[m.group(1)]].add((rule, m.group(2), certainty))
    return by_case


@pytest.mark.parametrize("case", TOGETHER)
def test_hcl_and_plan_findings_agree(case, together, monkeypatch):
    hcl, gated = _hcl_findings(case, monkeypatch)
    assert not disagreements(case, hcl, gated, together[case])


@pytest.mark.parametrize("case", ALONE)
def test_hcl_and_plan_findings_agree_planned_alone(case, cli_config, tmp_path, monkeypatch):
    work = tmp_path / "case"
    shutil.copytree(FIXTURES / case, work, ignore=shutil.ignore_patterns(".terraform"))
    (work / "zz_provider.tf").write_text(PROVIDER, encoding="utf-8")
    plan = set(_plan_findings(_plan_json(work, cli_config)))
    hcl, gated = _hcl_findings(case, monkeypatch)
    assert not disagreements(case, hcl, gated, plan)


def test_every_fixture_is_compared_or_listed_with_its_reason():
    every = {
        p.parent.relative_to(FIXTURES).as_posix()
        for p in FIXTURES.glob("*/terraform/*/*.tf")
        if p.parts[len(FIXTURES.parts)] != "graph"
    }
    assert set(CASES) | set(CANNOT_PLAN) == every
    assert set(CANNOT_PLAN) <= every, "a listed fixture is gone: drop it from CANNOT_PLAN"
