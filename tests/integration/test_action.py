"""The composite GitHub Action: its shape, and its run step executed as a runner would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((REPO / "action.yml").read_text())

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Vault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: main
"""


def test_action_is_composite_with_documented_inputs():
    assert ACTION["runs"]["using"] == "composite"
    assert sorted(ACTION["inputs"]) == [
        "args",
        "output-format",
        "paths",
        "python-version",
        "sarif-file",
    ]
    assert ACTION["inputs"]["sarif-file"]["default"] == "iacguard.sarif"
    steps = ACTION["runs"]["steps"]
    assert steps[0]["uses"] == "actions/setup-python@v5"
    assert all(step.get("shell") == "bash" for step in steps[1:])
    # inputs reach scripts only through the environment (no ${{ }} inside run:)
    assert not any("${{" in step.get("run", "") for step in steps)
    assert '"$ACTION_PATH"' in steps[1]["run"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_run_step_writes_sarif_annotations_and_outputs(tmp_path):
    step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "check")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "vault.yaml").write_text(TEMPLATE)
    outputs = tmp_path / "github_output"
    outputs.write_text("")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "GITHUB_OUTPUT": str(outputs),
        "IACGUARD_PATHS": "stacks",
        "IACGUARD_ARGS": "--fail-on high",
        "IACGUARD_SARIF": "out/iacguard.sarif",
        "IACGUARD_FORMAT": "github",
    }
    (tmp_path / "out").mkdir()
    done = subprocess.run(
        ["bash", "-c", step["run"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.startswith("::error file=stacks/vault.yaml,line=3,"), done.stdout
    sarif = json.loads((tmp_path / "out" / "iacguard.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        for r in results
    ] == [("BKP001", "stacks/vault.yaml")]
    assert outputs.read_text().splitlines() == ["exit-code=1", "sarif-file=out/iacguard.sarif"]
