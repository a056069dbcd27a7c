"""The composite GitHub Action: its shape, and its steps' scripts executed as a runner would
(``bash --noprofile --norc -eo pipefail``, the environment GitHub gives them)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((REPO / "action.yml").read_text())
STEPS = ACTION["runs"]["steps"]
BIN = Path(sys.executable).parent
#: GitHub's `shell: bash`
BASH = [shutil.which("bash") or "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Vault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: main
"""


def step(step_id: str) -> dict:
    return next(s for s in STEPS if s.get("id") == step_id)


def run_step(
    step_id: str, cwd: Path, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess, dict]:
    """Run one step's script; returns the process and the outputs it wrote."""
    outputs = cwd / "github_output"
    outputs.write_text("")
    full = {"RUNNER_TEMP": str(cwd), "GITHUB_OUTPUT": str(outputs), **env}
    done = subprocess.run(
        [*BASH, step(step_id)["run"]],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=600,
    )
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return done, values


def test_action_is_composite_with_documented_inputs():
    assert ACTION["runs"]["using"] == "composite"
    assert sorted(ACTION["inputs"]) == [
        "args",
        "job-summary",
        "output-format",
        "paths",
        "python-version",
        "sarif-file",
    ]
    assert ACTION["inputs"]["sarif-file"]["default"] == "iacguard.sarif"
    scripts = [s["run"] for s in STEPS if "run" in s]
    assert all(s.get("shell") == "bash" for s in STEPS if "run" in s)
    # inputs reach scripts only through the environment (no ${{ }} inside run:)
    assert not any("${{" in script for script in scripts)
    assert '"$ACTION_PATH"' in step("install")["run"]


def test_third_party_actions_are_pinned_to_a_commit():
    uses = [s["uses"] for s in STEPS if "uses" in s]
    assert [u.split("@")[0] for u in uses] == ["actions/setup-python", "actions/cache"]
    assert all(re.fullmatch(r"[^@]+@[0-9a-f]{40}", u) for u in uses), uses
    text = (REPO / "action.yml").read_text()
    assert "# actions/setup-python v5." in text and "# actions/cache v4." in text


def test_the_jobs_python_and_path_are_left_alone():
    """No nested setup-python replaces the job's Python: it runs only when the runner has no
    Python 3.10+, and then without touching PATH; the tool's venv is never put on PATH."""
    setup = next(s for s in STEPS if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["if"] == "steps.python.outputs.python == ''"
    assert setup["with"]["update-environment"] is False
    assert not any("GITHUB_PATH" in s.get("run", "") for s in STEPS)
    assert not any("GITHUB_ENV" in s.get("run", "") for s in STEPS)


def test_pip_downloads_are_cached():
    cache = next(s for s in STEPS if s.get("uses", "").startswith("actions/cache@"))
    assert step("install")["env"]["PIP_CACHE_DIR"] == cache["with"]["path"]
    assert "steps.python.outputs.cache-key" in cache["with"]["key"]


def _tools(tmp_path: Path) -> Path:
    """A PATH directory with only the tools the find step needs besides Python."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("cksum", "cut"):
        (tools / tool).symlink_to(shutil.which(tool))
    return tools


def test_find_step_uses_the_runners_python_when_it_is_recent(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    (old / "python3").write_text("#!/bin/sh\nexit 1\n")  # what a Python 3.9 answers
    (old / "python3").chmod(0o755)
    (old / "python").symlink_to(sys.executable)
    path = os.pathsep.join([str(_tools(tmp_path)), str(old)])
    done, out = run_step("python", tmp_path, {"PATH": path, "ACTION_PATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert out["python"] == str(old / "python")
    assert re.fullmatch(r"\d+", out["cache-key"])


def test_find_step_asks_for_setup_python_when_the_runner_has_none(tmp_path):
    done, out = run_step(
        "python", tmp_path, {"PATH": str(_tools(tmp_path)), "ACTION_PATH": str(REPO)}
    )
    assert done.returncode == 0, done.stderr
    assert out["python"] == ""


@pytest.mark.precommit  # installs iacguard from this checkout into a venv (like pre-commit)
def test_install_step_builds_a_venv_off_path(tmp_path):
    env = {
        **os.environ,
        "ACTION_PATH": str(REPO),
        "IACGUARD_BASE_PYTHON": sys.executable,
        "PIP_CACHE_DIR": str(tmp_path / "pip-cache"),
    }
    done, out = run_step("install", tmp_path, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert out["iacguard"] == str(tmp_path / "iacguard-venv" / "bin" / "iacguard")
    version = subprocess.run([out["iacguard"], "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("iacguard ")
    assert not (tmp_path / "github_path").exists()


def _run_env(tmp_path: Path, **inputs: str) -> dict[str, str]:
    (tmp_path / "out").mkdir(exist_ok=True)
    return {
        **os.environ,
        "IACGUARD": str(BIN / "iacguard"),
        "IACGUARD_PYTHON": sys.executable,
        "IACGUARD_PATHS": inputs.get("paths", "."),
        "IACGUARD_ARGS": inputs.get("args", ""),
        "IACGUARD_SARIF": inputs.get("sarif", "out/iacguard.sarif"),
        "IACGUARD_FORMAT": inputs.get("format", "github"),
        "IACGUARD_SUMMARY": inputs.get("summary", "table"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "step_summary.md"),
    }


def test_run_step_writes_sarif_annotations_summary_and_outputs(tmp_path):
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "vault.yaml").write_text(TEMPLATE)
    env = _run_env(tmp_path, paths="stacks", args="--fail-on high")
    done, out = run_step("check", tmp_path, env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.startswith("::error file=stacks/vault.yaml,line=3,"), done.stdout
    sarif = json.loads((tmp_path / "out" / "iacguard.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        for r in results
    ] == [("BKP001", "stacks/vault.yaml")]
    assert out == {"exit-code": "1", "sarif-file": "out/iacguard.sarif"}
    summary = (tmp_path / "step_summary.md").read_text()
    assert summary.startswith("## iacguard\n\nFound 1 finding (1 definite); 1 file checked.")
    assert "| high | BKP001 | stacks/vault.yaml:3:3 | Vault |" in summary


def test_run_step_writes_the_markdown_job_summary_when_asked(tmp_path):
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "vault.yaml").write_text(TEMPLATE)
    done, out = run_step("check", tmp_path, _run_env(tmp_path, paths="stacks", summary="markdown"))
    assert out["exit-code"] == "1", done.stdout + done.stderr
    assert done.stdout.startswith("::error file=stacks/vault.yaml,line=3,"), done.stdout
    summary = (tmp_path / "step_summary.md").read_text()
    assert summary.count("## iacguard") == 1
    assert "| severity | rule | certainty | location | message |" in summary
    assert "```mermaid\nflowchart LR\n" in summary


def test_run_step_takes_one_path_per_line_and_quoted_args_unexpanded(tmp_path):
    """Paths with spaces, blank lines and CRLF line ends; args split like a shell's words but
    no glob, variable or ``~`` expanded (``stacks/*`` stays a literal, missing, path)."""
    for name in ("stacks one", "stacks two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "vault.yaml").write_text(TEMPLATE)
    env = _run_env(
        tmp_path,
        paths="  stacks one\r\n\n stacks two \n",
        args="--select 'BKP001' --output-file \"out/log $HOME.txt\" stacks/* ~",
        format="concise",
    )
    done, out = run_step("check", tmp_path, env)
    assert out["exit-code"] == "1", done.stdout + done.stderr
    log = (tmp_path / "out" / "log $HOME.txt").read_text().splitlines()
    assert [re.match(r"(.*?):\d+:\d+: ", line).group(1) for line in log[:-1]] == [
        "stacks one/vault.yaml",
        "stacks two/vault.yaml",
        "stacks/*",
        "~",
    ]
    assert log[-1].endswith("; 2 files checked; 2 file errors.")


def test_run_step_rejects_unbalanced_quotes(tmp_path):
    done, out = run_step("check", tmp_path, _run_env(tmp_path, args="--select 'BKP001"))
    assert done.returncode == 2
    assert out == {"exit-code": "2"}
    assert done.stdout == (
        "::error title=iacguard::the args input is not valid shell words (an unclosed quote?)\n"
    )
