"""Settings per file (issue 14, item 5): each file takes the settings of the configuration file
nearest above it (ruff's semantics), whatever the order of the paths; a nested configuration is
honoured when scanning from the root; ``--config`` applies to every file; command-line flags
apply to every configuration; a finding follows the configuration of the file it is located in,
also when a module in another directory joined it."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.api import check
from iacguard.cli import main
from iacguard.config.load import load_config

BAD_KEY = """\
resource "aws_kms_key" "k" {
  enable_key_rotation     = false
  deletion_window_in_days = 7
}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A root config selecting KMS, and legacy/ with its own config ignoring KMS001."""
    (tmp_path / "pyproject.toml").write_text('[tool.iacguard]\nselect = ["KMS"]\n')
    for d in ("app", "legacy"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "main.tf").write_text(BAD_KEY)
    (tmp_path / "legacy" / ".iacguard.toml").write_text(
        'ignore = ["KMS001"]\nfail-on = "critical"\n'
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _lines(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["check", "--output-format", "concise", "--quiet", *args])
    out = capsys.readouterr().out
    return code, sorted(" ".join(line.split(" ")[:2]) for line in out.splitlines())


EXPECTED = [
    "app/main.tf:2:3: KMS001",
    "app/main.tf:3:3: KMS002",
    "legacy/main.tf:3:3: KMS002",  # legacy/.iacguard.toml ignores KMS001
]


def test_nested_config_is_honoured_when_scanning_from_the_root(repo, capsys):
    assert _lines(capsys) == (1, EXPECTED)


@pytest.mark.parametrize(
    "order", [["legacy/main.tf", "app/main.tf"], ["app/main.tf", "legacy/main.tf"]]
)
def test_the_order_of_the_paths_does_not_matter(repo, capsys, order):
    assert _lines(capsys, *order) == (1, EXPECTED)


def test_each_file_keeps_its_own_fail_on(repo, capsys):
    # legacy's fail-on is critical: its finding alone does not fail the run, app's does
    assert _lines(capsys, "legacy/main.tf")[0] == 0
    assert _lines(capsys, "legacy/main.tf", "app/main.tf")[0] == 1


def test_the_nearest_config_replaces_the_outer_one(repo, capsys):
    # legacy's config does not say `select`: all rules, not the root's KMS (no inheritance)
    (repo / "legacy" / "main.tf").write_text(BAD_KEY + 'resource "aws_backup_vault" "v" {}\n')
    code, lines = _lines(capsys, ".")
    assert "legacy/main.tf:5:1: BKP001" in lines
    assert not any(line.startswith("app/") and "BKP" in line for line in lines)


def test_config_flag_applies_to_every_file(repo, capsys):
    code, lines = _lines(capsys, "--config", "pyproject.toml")
    assert lines == sorted([*EXPECTED, "legacy/main.tf:2:3: KMS001"])


def test_command_line_flags_apply_to_every_config(repo, capsys):
    assert _lines(capsys, "--select", "KMS002") == (
        1,
        ["app/main.tf:3:3: KMS002", "legacy/main.tf:3:3: KMS002"],
    )
    assert _lines(capsys, "--ignore", "KMS002") == (1, ["app/main.tf:2:3: KMS001"])
    # --fail-on replaces every file's threshold, legacy's too
    assert _lines(capsys, "legacy", "--fail-on", "low")[0] == 1


def test_a_broken_nested_config_is_an_error_when_scanning_from_the_root(repo, capsys):
    (repo / "legacy" / ".iacguard.toml").write_text('selct = ["KMS"]\n')
    assert main(["check", "."]) == 2
    assert "legacy/.iacguard.toml:1: selct: unknown key" in capsys.readouterr().err


def test_a_nested_exclude_is_relative_to_its_own_config(repo, capsys):
    (repo / "legacy" / ".iacguard.toml").write_text('exclude = ["gen/"]\n')
    (repo / "legacy" / "gen").mkdir()
    (repo / "legacy" / "gen" / "main.tf").write_text(BAD_KEY)
    (repo / "app" / "gen").mkdir()
    (repo / "app" / "gen" / "main.tf").write_text(BAD_KEY)
    code, lines = _lines(capsys)
    assert any(line.startswith("app/gen/main.tf") for line in lines)
    assert not any(line.startswith("legacy/gen/") for line in lines)


def test_library_check_resolves_per_file_too(repo):
    report = check(["app", "legacy"])
    assert sorted(f"{f.location.path} {f.rule_id}" for f in report.live) == [
        "app/main.tf KMS001",
        "app/main.tf KMS002",
        "legacy/main.tf KMS002",
    ]
    # the config loaded for the first path resolves the others the same way
    again = check(["legacy", "app"], load_config(["legacy"]))
    assert [(f.location.path, f.rule_id) for f in again.live] == [
        (f.location.path, f.rule_id) for f in report.live
    ]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_called_module_under_another_config_keeps_its_own_settings(
    tmp_path, monkeypatch, capsys, jobs
):
    """A root module in envs/prod calls ../../modules/vault, which has its own config: the
    findings located in the module's file follow the module's config, those in the root's
    file the root's, and a join across both (a plan in the root targeting a vault in the
    module) is judged where it is located (the plan rule, in the root)."""
    (tmp_path / ".iacguard.toml").write_text("")
    (tmp_path / "envs" / "prod").mkdir(parents=True)
    (tmp_path / "modules" / "vault").mkdir(parents=True)
    (tmp_path / "modules" / "vault" / ".iacguard.toml").write_text(
        'ignore = ["KMS001", "BKP001"]\n'
    )
    (tmp_path / "modules" / "vault" / "main.tf").write_text(
        BAD_KEY
        + 'resource "aws_backup_vault" "v" {\n  name = "v"\n}\n'
        + 'output "vault" {\n  value = aws_backup_vault.v.name\n}\n'
    )
    (tmp_path / "envs" / "prod" / "main.tf").write_text(
        BAD_KEY
        + 'module "vault" {\n  source = "../../modules/vault"\n}\n'
        + 'resource "aws_backup_plan" "p" {\n  name = "p"\n  rule {\n'
        + '    rule_name         = "daily"\n'
        + "    target_vault_name = module.vault.vault\n  }\n}\n"
    )
    monkeypatch.chdir(tmp_path)
    code, lines = _lines(capsys, "envs/prod", "--jobs", jobs)
    rules_at = {(line.split(":")[0], line.split(" ")[1]) for line in lines}
    assert ("envs/prod/main.tf", "KMS001") in rules_at
    assert ("envs/prod/main.tf", "BKP002") in rules_at  # the plan, in the root: root's config
    assert ("modules/vault/main.tf", "KMS002") in rules_at
    assert ("modules/vault/main.tf", "KMS001") not in rules_at  # the module's config ignores it
    assert ("modules/vault/main.tf", "BKP001") not in rules_at
