"""Runs that do not start at the repository root (issue 14, items 6 and 7): ``--diff-base`` runs
git in the scanned repository and never runs what its configuration names (``core.fsmonitor``,
clean filters); SARIF / ``github`` / ``gitlab`` paths are relative to the git work tree (or
``--repo-root``); concise output never prints ``dir/../other``."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from iacguard.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

BAD_KEY = 'resource "aws_kms_key" "k" {\n  enable_key_rotation = false\n}\n'
OTHER_KEY = 'resource "aws_kms_key" "other" {\n  enable_key_rotation = false\n}\n'


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose branch ``feature`` changed infra/main.tf (not infra/other.tf)."""
    root = tmp_path / "repo"
    (root / "infra").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "infra" / "main.tf").write_text(BAD_KEY)
    (root / "infra" / "other.tf").write_text(OTHER_KEY)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    (root / "infra" / "main.tf").write_text(BAD_KEY + "# changed\n")
    git(root, "commit", "-q", "-am", "change")
    return root


def _outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    away = tmp_path / "elsewhere"
    away.mkdir()
    monkeypatch.chdir(away)
    return away


# ----------------------------------------------------------------------------- item 6


def test_diff_base_from_outside_the_repository(repo, tmp_path, monkeypatch, capsys):
    _outside(tmp_path, monkeypatch)
    code = main(["check", "../repo/infra", "--diff-base", "main", "--output-format", "concise"])
    out = capsys.readouterr()
    assert code == 1, out.err
    lines = out.out.splitlines()
    assert any("repo/infra/main.tf:2:3: KMS001" in line for line in lines)
    assert not any("other.tf" in line for line in lines)  # unchanged since main


def test_diff_base_spans_the_repositories_of_the_paths(repo, tmp_path, monkeypatch, capsys):
    second = tmp_path / "second"
    shutil.copytree(repo, second)
    _outside(tmp_path, monkeypatch)
    code = main(
        ["check", "../repo/infra", "../second/infra", "--diff-base", "main", "-q"]
        + ["--output-format", "concise"]
    )
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert sorted(line.split(":")[0].split("/")[-3] for line in lines) == ["repo", "second"]


def _marker_script(tmp_path: Path, name: str) -> tuple[Path, Path]:
    marker = tmp_path / f"{name}-ran"
    script = tmp_path / f"{name}.sh"
    script.write_text(f"#!/bin/sh\ntouch '{marker}'\ncat\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, marker


@pytest.mark.skipif(os.name == "nt", reason="shell script hooks")
def test_diff_base_does_not_run_the_repositorys_fsmonitor(repo, tmp_path, monkeypatch, capsys):
    script, marker = _marker_script(tmp_path, "fsmonitor")
    git(repo, "config", "core.fsmonitor", str(script))
    monkeypatch.chdir(repo)
    assert main(["check", "infra", "--diff-base", "main", "-q"]) == 1
    assert not marker.exists(), "git ran the repository's core.fsmonitor"
    assert "main.tf" in capsys.readouterr().out


@pytest.mark.skipif(os.name == "nt", reason="shell script filters")
def test_diff_base_does_not_run_the_repositorys_clean_filter(repo, tmp_path, monkeypatch, capsys):
    script, marker = _marker_script(tmp_path, "filter")
    (repo / ".gitattributes").write_text("*.tf filter=evil\n")
    git(repo, "config", "filter.evil.clean", str(script))
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-q", "-m", "attributes")
    marker.unlink(missing_ok=True)  # our own commit ran it
    with open(repo / "infra" / "main.tf", "a") as fh:  # a modified file: git diff would clean it
        fh.write("# edited\n")
    monkeypatch.chdir(repo)
    assert main(["check", "infra", "--diff-base", "main", "-q"]) == 1
    assert not marker.exists(), "git ran the repository's clean filter"
    capsys.readouterr()


# ----------------------------------------------------------------------------- item 7


def test_github_paths_are_relative_to_the_repository_root(repo, monkeypatch, capsys):
    monkeypatch.chdir(repo / "infra")
    assert main(["check", ".", "--output-format", "github", "--select", "KMS001"]) == 1
    files = {
        part.split("=", 1)[1]
        for line in capsys.readouterr().out.splitlines()
        for part in line.split("::")[1].split(" ", 1)[1].split(",")
        if part.startswith("file=")
    }
    assert files == {"infra/main.tf", "infra/other.tf"}


def test_sarif_paths_are_relative_to_the_repository_root(repo, monkeypatch, capsys):
    monkeypatch.chdir(repo / "infra")
    assert main(["check", ".", "--output-format", "sarif", "--select", "KMS001"]) == 1
    run = json.loads(capsys.readouterr().out)["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.as_uri() + "/"
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in run["results"]
        for loc in result["locations"]
    }
    assert uris == {"infra/main.tf", "infra/other.tf"}


def test_gitlab_paths_are_relative_to_the_repository_root(repo, monkeypatch, capsys):
    monkeypatch.chdir(repo / "infra")
    assert main(["check", ".", "--output-format", "gitlab", "--select", "KMS001"]) == 1
    issues = json.loads(capsys.readouterr().out)
    assert {i["location"]["path"] for i in issues} == {"infra/main.tf", "infra/other.tf"}


def test_repo_root_overrides_the_git_work_tree(repo, monkeypatch, capsys):
    monkeypatch.chdir(repo / "infra")
    args = ["check", ".", "--select", "KMS001", "--repo-root", "."]
    assert main([*args, "--output-format", "sarif"]) == 1
    run = json.loads(capsys.readouterr().out)["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == (repo / "infra").as_uri() + "/"
    assert main([*args, "--output-format", "github"]) == 1
    assert "file=main.tf," in capsys.readouterr().out


def test_repo_root_must_be_a_directory(repo, monkeypatch, capsys):
    monkeypatch.chdir(repo)
    assert main(["check", ".", "--repo-root", "nope"]) == 2
    assert capsys.readouterr().err == "iacguard: error: --repo-root nope: not a directory\n"


def test_outside_any_repository_paths_are_relative_to_the_working_directory(
    tmp_path, monkeypatch, capsys
):
    if any((p / ".git").exists() for p in (tmp_path, *tmp_path.parents)):
        pytest.skip("the temporary directory is inside a git work tree")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(BAD_KEY)
    monkeypatch.chdir(tmp_path / "infra")
    assert main(["check", ".", "--output-format", "github"]) == 1
    assert "file=main.tf," in capsys.readouterr().out


def test_concise_never_prints_dir_dot_dot_other(tmp_path, monkeypatch, capsys):
    """A module called from a root outside the working directory: its path and its
    ``(called from ROOT)`` are normalised absolute paths."""
    mono = tmp_path / "mono"
    (mono / "envs" / "prod").mkdir(parents=True)
    (mono / "modules" / "vault").mkdir(parents=True)
    (mono / "envs" / "prod" / "main.tf").write_text(
        'module "vault" {\n  source = "../../modules/vault"\n}\n'
    )
    (mono / "modules" / "vault" / "main.tf").write_text(BAD_KEY)
    here = _outside(tmp_path, monkeypatch)
    assert main(["check", "../mono", "--output-format", "concise", "-q"]) == 1
    out = capsys.readouterr().out
    assert "/../" not in out and not out.startswith("..")
    called = f"(called from {(mono / 'envs' / 'prod').as_posix()})"
    assert f"{(mono / 'modules' / 'vault' / 'main.tf').as_posix()}:2:3: KMS001" in out
    assert called in out
    assert here.as_posix() not in out
