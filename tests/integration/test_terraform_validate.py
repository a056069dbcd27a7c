"""Terraform itself as the oracle (issue 10 item 8): every Terraform fixture is a configuration
``terraform validate`` accepts, with the local filesystem mirror of the hashicorp/aws provider,
offline, except the ones that are invalid on purpose (listed below with the reason). Each case
is validated in a copy, so no ``.terraform`` directory or lock file lands in the fixtures."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
MIRROR = Path("/opt/tf-plugins")

#: fixtures Terraform rejects on purpose, and why
INVALID_ON_PURPOSE = {
    "BKP001/terraform/air-gapped": "air-gapped vault arguments newer than the mirror's provider",
    "BKP002/terraform/air-gapped": "air-gapped vault arguments newer than the mirror's provider",
    "BKP001/terraform/gated-remote-count": "a registry module: init cannot fetch it offline",
    "BKP001/terraform/remote-module-installed": "a registry module: init cannot fetch it offline",
    "BKP003/terraform/alias-forms": "alias forms the provider rejects: what BKP003 reports",
    "BKP003/terraform/gated-alias": "an alias the provider rejects: what BKP003 reports",
    "KMS003/terraform/alias-forms": "alias forms the provider rejects (shared with BKP003)",
    "KMS002/terraform/short-windows": "windows below 7 days, which the provider rejects",
    "KMS003/terraform/unreadable-policy": "a policy that is not JSON, on purpose",
}


def _cases() -> list[str]:
    dirs = {
        p.parent.relative_to(FIXTURES).as_posix()
        for p in FIXTURES.rglob("*.tf")
        if ".terraform" not in p.parts and p.parts[len(FIXTURES.parts)] != "graph"
    }
    return sorted(dirs)


def _cli_config(tmp_path: Path) -> Path | None:
    given = os.environ.get("TF_CLI_CONFIG_FILE")
    if given and Path(given).is_file():
        return Path(given)
    if not (MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        return None
    config = tmp_path / "terraformrc"
    config.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path = "{MIRROR}"\n'
        '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n'
        '  direct { exclude = ["registry.terraform.io/hashicorp/aws"] }\n}\n',
        encoding="utf-8",
    )
    return config


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform CLI not installed")
@pytest.mark.parametrize("case", _cases())
def test_terraform_validates_the_fixture(tmp_path, case):
    config = _cli_config(tmp_path)
    if config is None:
        pytest.skip("no filesystem mirror of the hashicorp/aws provider here")
    work = tmp_path / "case"
    shutil.copytree(FIXTURES / case, work, ignore=shutil.ignore_patterns(".terraform"))
    env = dict(os.environ, TF_CLI_CONFIG_FILE=str(config), TF_IN_AUTOMATION="1")
    env.pop("TF_PLUGIN_CACHE_DIR", None)

    def terraform(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["terraform", *args, "-no-color"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    init = terraform("init", "-backend=false", "-input=false")
    done = terraform("validate") if init.returncode == 0 else init
    if case in INVALID_ON_PURPOSE:
        assert done.returncode != 0, f"{case} validates now: drop it from INVALID_ON_PURPOSE"
    else:
        assert done.returncode == 0, done.stdout + done.stderr
