"""Configuration: discovery, precedence, validation errors, --show-config, per-path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from iacguard.config.find import find_config
from iacguard.config.load import load_config
from iacguard.config.model import Config, ConfigError
from iacguard.config.paths import effective_for, is_excluded
from iacguard.config.show import show_config
from iacguard.config.validate import config_schema
from iacguard.core.certainty import Certainty
from iacguard.core.findings import Severity


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# ----------------------------------------------------------------------------- discovery


def test_defaults_without_any_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(["."])
    assert config.path is None
    assert (config.select, config.ignore, config.exclude) == ((), (), ())
    assert (config.min_certainty, config.fail_on) == (Certainty.DEFAULT, Severity.LOW)
    assert config.sources == {
        k: "default" for k in ("select", "ignore", "min-certainty", "fail-on", "exclude")
    }
    assert config.root == str(tmp_path)


def test_nearest_file_wins_and_pyproject_needs_the_table(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "pyproject.toml", '[tool.iacguard]\nselect = ["KMS"]\n')
    write(tmp_path / "infra" / "pyproject.toml", '[project]\nname = "infra"\n')
    write(tmp_path / "infra" / "cfn" / ".iacguard.toml", 'select = ["BKP"]\n')
    write(tmp_path / "infra" / "cfn" / "t.yaml", "")
    write(tmp_path / "infra" / "tf" / "main.tf", "")
    # infra/pyproject.toml has no [tool.iacguard]: the search goes on upwards
    assert find_config(tmp_path / "infra" / "tf" / "main.tf") == tmp_path / "pyproject.toml"
    assert load_config(["infra/tf/main.tf"]).select == ("KMS",)
    assert load_config(["infra/cfn/t.yaml"]).select == ("BKP",)
    assert load_config(["infra/cfn"]).path == str(tmp_path / "infra" / "cfn" / ".iacguard.toml")


def test_dot_iacguard_toml_beats_pyproject_in_the_same_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "pyproject.toml", '[tool.iacguard]\nselect = ["KMS"]\n')
    write(tmp_path / ".iacguard.toml", 'select = ["BKP001"]\n')
    config = load_config([])
    assert (config.select, config.sources["select"]) == (("BKP001",), ".iacguard.toml:1")


def test_explicit_config_overrides_discovery(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / ".iacguard.toml", 'select = ["BKP001"]\n')
    write(tmp_path / "ci" / "strict.toml", 'min-certainty = "possible"\nfail-on = "high"\n')
    config = load_config(["."], explicit="ci/strict.toml")
    assert config.select == ()
    assert (config.min_certainty, config.fail_on) == (Certainty.POSSIBLE, Severity.HIGH)
    assert config.root == str(tmp_path / "ci")
    with pytest.raises(ConfigError) as info:
        load_config(["."], explicit="nope.toml")
    assert str(info.value) == "--config nope.toml: no such file"
    write(tmp_path / "other" / "pyproject.toml", '[project]\nname = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_config(["."], explicit="other/pyproject.toml")
    assert str(info.value) == "other/pyproject.toml: has no [tool.iacguard] table"


def test_command_line_overrides_win_and_are_sourced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.iacguard]\nselect = ["KMS"]\nignore = ["KMS002"]\n'
        'min-certainty = "definite"\nfail-on = "medium"\n',
    )
    config = load_config(
        ["."],
        overrides={
            "select": ["KMS001,BKP"],
            "ignore": ["BKP003"],
            "min_certainty": "possible",
            "fail-on": Severity.HIGH,
        },
    )
    assert config.select == ("KMS001", "BKP")
    assert config.ignore == ("KMS002", "BKP003")
    assert (config.min_certainty, config.fail_on) == (Certainty.POSSIBLE, Severity.HIGH)
    assert config.sources == {
        "select": "--select",
        "ignore": "pyproject.toml:6 + --ignore",
        "min-certainty": "--min-certainty",
        "fail-on": "--fail-on",
        "exclude": "default",
    }
    with pytest.raises(ConfigError) as info:
        load_config(["."], overrides={"select": ["XYZ"]})
    assert str(info.value) == "--select: unknown rule, name or prefix 'XYZ'"
    with pytest.raises(ConfigError) as info:
        load_config(["."], overrides={"fail-on": "severe"})
    assert str(info.value) == "--fail-on: expected one of low, medium, high, critical, got 'severe'"


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'selct = ["KMS"]\n',
            "pyproject.toml:2: tool.iacguard.selct: unknown key (expected one of: exclude, "
            "fail-on, ignore, min-certainty, per-path, rules, select, severity)",
        ),
        (
            'min-certainty = "maybe"\n',
            "pyproject.toml:2: tool.iacguard.min-certainty: expected one of 'definite', "
            "'default', 'possible', got 'maybe'",
        ),
        (
            'select = "KMS"\n',
            "pyproject.toml:2: tool.iacguard.select: expected list, got 'KMS'",
        ),
        (
            'select = ["KMS", "NOPE1"]\n',
            "pyproject.toml:2: tool.iacguard.select[1]: unknown rule, name or prefix 'NOPE1'",
        ),
        (
            '[tool.iacguard.severity]\nKMS009 = "high"\n',
            "pyproject.toml:3: tool.iacguard.severity.KMS009: unknown rule",
        ),
        (
            '[tool.iacguard.severity]\nKMS002 = "urgent"\n',
            "pyproject.toml:3: tool.iacguard.severity.KMS002: expected one of 'low', 'medium', "
            "'high', 'critical', got 'urgent'",
        ),
        (
            '[[tool.iacguard.per-path]]\nignore = ["KMS001"]\n',
            "pyproject.toml:2: tool.iacguard.per-path[0]: missing required key 'path'",
        ),
        (
            'exclude = ["a", 3]\n',
            "pyproject.toml:2: tool.iacguard.exclude[1]: expected string, got 3",
        ),
    ],
)
def test_validation_errors_name_the_key_and_what_was_expected(tmp_path, monkeypatch, body, message):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "pyproject.toml", "[tool.iacguard]\n" + body)
    with pytest.raises(ConfigError) as info:
        load_config(["."])
    assert str(info.value) == message


def test_rule_options_are_validated_against_the_rules(tmp_path, monkeypatch):
    pytest.importorskip("iacguard.rules.registry")
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path / "pyproject.toml",
        '[tool.iacguard]\n\n[tool.iacguard.rules.KMS002]\nmin-deletion-window-days = "x"\n',
    )
    with pytest.raises(ConfigError) as info:
        load_config(["."])
    assert str(info.value) == (
        "pyproject.toml:4: tool.iacguard.rules.KMS002.min-deletion-window-days: "
        "expected integer, got 'x'"
    )
    write(tmp_path / "pyproject.toml", "[tool.iacguard.rules.KMS002]\nmin-window = 3\n")
    with pytest.raises(ConfigError) as info:
        load_config(["."])
    assert str(info.value).startswith(
        "pyproject.toml:2: tool.iacguard.rules.KMS002.min-window: unknown option for this rule"
        " (known: min-deletion-window-days"
    )
    write(tmp_path / "pyproject.toml", "[tool.iacguard.rules.KMS999]\nx = 3\n")
    with pytest.raises(ConfigError) as info:
        load_config(["."])
    assert str(info.value) == "pyproject.toml:1: tool.iacguard.rules.KMS999: unknown rule"


def test_rule_names_work_as_keys_and_become_ids(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path / ".iacguard.toml",
        'ignore = ["backup-vault-key-is-alias"]\n\n[severity]\n'
        'kms-key-short-deletion-window = "high"\nSUP002 = "medium"\n',
    )
    config = load_config(["."])
    assert config.ignore == ("backup-vault-key-is-alias",)
    assert dict(config.severity) == {"KMS002": Severity.HIGH, "SUP002": Severity.MEDIUM}
    assert config.sources["severity.KMS002"] == ".iacguard.toml:4"


def test_invalid_toml_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / ".iacguard.toml", "select = [\n")
    with pytest.raises(ConfigError) as info:
        load_config(["."])
    assert str(info.value).startswith(".iacguard.toml: invalid TOML: ")


def test_only_the_first_problem_is_spelled_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / ".iacguard.toml", 'fail-on = "x"\nmin-certainty = "y"\nfoo = 1\n')
    with pytest.raises(ConfigError) as info:
        load_config(["."])
    assert str(info.value) == (
        ".iacguard.toml:1: fail-on: expected one of 'low', 'medium', 'high', 'critical', "
        "got 'x' (and 2 more problems)"
    )


def test_schema_file_is_valid_draft_2020_12():
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(config_schema())


# ----------------------------------------------------------------------------- --show-config


def test_show_config_says_where_each_value_came_from(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path / "pyproject.toml",
        '[tool.iacguard]\nselect = ["BKP", "KMS"]\nexclude = ["vendor/**"]\n\n'
        '[[tool.iacguard.per-path]]\npath = "legacy/**"\nignore = ["KMS001"]\n'
        'min-certainty = "definite"\n',
    )
    config = load_config(["."], overrides={"fail-on": "high"})
    text = show_config(config)
    lines = [line for line in text.splitlines() if not line.startswith("[rules.")]
    assert lines[0] == f"# configuration file: {tmp_path / 'pyproject.toml'}"
    assert 'select = ["BKP", "KMS"]' in lines[1] and lines[1].endswith("# pyproject.toml:2")
    assert lines[2].startswith("ignore = []") and lines[2].endswith("# default")
    assert lines[3].startswith('min-certainty = "default"') and lines[3].endswith("# default")
    assert lines[4].startswith('fail-on = "high"') and lines[4].endswith("# --fail-on")
    assert lines[5].startswith('exclude = ["vendor/**"]') and lines[5].endswith(
        "# pyproject.toml:3"
    )
    tail = text[text.index("[[per-path]]") :].splitlines()
    assert tail == [
        "[[per-path]]  # pyproject.toml:5",
        'path = ["legacy/**"]',
        'ignore = ["KMS001"]',
        'min-certainty = "definite"',
    ]


# ----------------------------------------------------------------------------- per-path, exclude


PER_PATH = """\
[tool.iacguard]
ignore = ["BKP003"]

[tool.iacguard.rules.KMS002]
min-deletion-window-days = 14

[[tool.iacguard.per-path]]
path = ["legacy/**"]
ignore = ["KMS001"]
min-certainty = "definite"

[[tool.iacguard.per-path]]
path = "legacy/cfn/*.yaml"
select = ["BKP"]

[tool.iacguard.per-path.rules.KMS002]
min-deletion-window-days = 7

[tool.iacguard.per-path.severity]
BKP001 = "critical"
"""


@pytest.mark.parametrize(
    "path", ["legacy/tf/main.tf", "legacy/cfn/vault.yaml", "app/main.tf", "app/t.yaml"]
)
def test_effective_for_applies_matching_entries_in_order(tmp_path, monkeypatch, path):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "pyproject.toml", PER_PATH)
    config = load_config(["."])
    effective = effective_for(config, path)
    if path.startswith("app/"):
        assert effective is config
        return
    assert effective.ignore == ("BKP003", "KMS001")
    assert effective.min_certainty is Certainty.DEFINITE
    assert effective.per_path == ()
    if path.endswith(".tf"):
        assert effective.select == ()
        assert effective.rule_options == {"KMS002": {"min-deletion-window-days": 14}}
        assert effective.severity == {}
    else:
        assert effective.select == ("BKP",)
        assert effective.rule_options == {"KMS002": {"min-deletion-window-days": 7}}
        assert effective.severity == {"BKP001": Severity.CRITICAL}


def test_per_path_globs_are_relative_to_the_config_file(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", PER_PATH)
    write(tmp_path / "legacy" / "tf" / "main.tf", "")
    monkeypatch.chdir(tmp_path / "legacy")
    config = load_config(["."])
    assert effective_for(config, "tf/main.tf").ignore == ("BKP003", "KMS001")
    assert effective_for(config, os.path.join(str(tmp_path), "legacy", "tf", "main.tf")).ignore == (
        "BKP003",
        "KMS001",
    )
    # a path outside the config's directory gets no per-path override
    assert effective_for(config, "/elsewhere/legacy/x.tf") is config


def test_exclude_globs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / ".iacguard.toml", 'exclude = ["vendor/", "**/*.generated.yaml"]\n')
    config = load_config(["."])
    assert is_excluded(config, "vendor/mod/main.tf")
    assert is_excluded(config, "stacks/a.generated.yaml")
    assert not is_excluded(config, "stacks/a.yaml")
    assert not is_excluded(Config(), "vendor/mod/main.tf")


# ----------------------------------------------------------------------------- quick validation


SAMPLES = [
    {},
    {"select": ["KMS", "BKP001"], "ignore": ["backup-vault-key-is-alias"]},
    {"select": "KMS"},
    {"select": [""]},
    {"select": [1]},
    {"min-certainty": "possible", "fail-on": "critical"},
    {"min-certainty": "sure"},
    {"fail-on": True},
    {"exclude": ["a/**", "b"]},
    {"exclude": "a"},
    {"rules": {"KMS002": {"min-deletion-window-days": 14}}},
    {"rules": {"KMS002": {"min-deletion-window-days": 14.0}}},
    {"rules": {"KMS002": {"min-deletion-window-days": True}}},
    {"rules": {"KMS002": {"min-deletion-window-days": "x"}}},
    {"rules": {"KMS002": {"other": 1}}},
    {"rules": {"kms-key-short-deletion-window": {"min-deletion-window-days": 7}}},
    {"rules": {"KMS999": {}}},
    {"rules": {"KMS001": {"max-rotation-period-days": 10}}},
    {"rules": {"BKP001": {"allow-aws-managed-key": "yes"}}},
    {"rules": {"KMS003": {"backup-grant": "iam-delegation"}}},
    {"rules": {"KMS003": {"backup-grant": "anything"}}},
    {"rules": "KMS002"},
    {"severity": {"KMS002": "high", "SUP001": "medium"}},
    {"severity": {"KMS002": "urgent"}},
    {"severity": {"NOPE": "high"}},
    {"per-path": [{"path": "legacy/**", "ignore": ["KMS001"]}]},
    {"per-path": [{"path": ["a", "b"], "select": ["BKP"], "min-certainty": "definite"}]},
    {"per-path": [{"path": []}]},
    {"per-path": [{"path": 3}]},
    {"per-path": [{"ignore": ["KMS001"]}]},
    {"per-path": [{"path": "x", "fail-on": "high"}]},
    {"per-path": [{"path": "x", "rules": {"KMS002": {"min-deletion-window-days": "7"}}}]},
    {"per-path": {"path": "x"}},
    {"unknown": 1},
]


@pytest.mark.parametrize("data", SAMPLES)
def test_quick_validation_agrees_with_jsonschema(data):
    from jsonschema import Draft202012Validator

    from iacguard.core.schema import is_valid

    schema = config_schema()
    assert is_valid(data, schema, schema) == Draft202012Validator(schema).is_valid(data)


def test_a_valid_config_does_not_import_jsonschema(tmp_path):
    import subprocess
    import sys

    write(
        tmp_path / ".iacguard.toml",
        'select = ["KMS"]\n[rules.KMS002]\nmin-deletion-window-days = 14\n',
    )
    code = (
        "import sys; from iacguard.config.load import load_config; c = load_config(['.']); "
        "print(c.select, 'jsonschema' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "('KMS',) False"
