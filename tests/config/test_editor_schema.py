"""The configuration schema editors use (issue 14, item 22): ``iacguard config-schema`` prints
it, ``schemas/iacguard.schema.json`` is that output (so it cannot go stale), its ``$id`` is the
URL of that file, the rule tables are filled in from the rules and the catalog, and a draft-07
validator (what taplo / Even Better TOML speak) judges a configuration as iacguard does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from iacguard.config.load import load_config
from iacguard.config.model import ConfigError
from iacguard.core.catalog import load_catalog

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "schemas" / "iacguard.schema.json"

try:
    import tomllib
except ImportError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


def _printed() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "iacguard", "config-schema"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return done.stdout


def _schema() -> dict:
    return json.loads(COMMITTED.read_text(encoding="utf-8"))


def test_the_committed_schema_is_what_the_command_prints():
    assert COMMITTED.read_text(encoding="utf-8") == _printed(), (
        "schemas/iacguard.schema.json is stale: run `iacguard config-schema > "
        "schemas/iacguard.schema.json`"
    )


def test_its_id_is_the_url_of_the_committed_file():
    schema = _schema()
    assert schema["$id"].startswith("https://")
    assert schema["$id"].endswith("/" + COMMITTED.relative_to(REPO).as_posix())
    jsonschema.Draft7Validator.check_schema(schema)
    assert "$ref" not in COMMITTED.read_text(encoding="utf-8")  # self-contained


def test_every_rule_table_is_filled_in_from_the_catalog():
    schema = _schema()
    rules = schema["properties"]["rules"]["properties"]
    severity = schema["properties"]["severity"]["properties"]
    per_path_rules = schema["properties"]["per-path"]["items"]["properties"]["rules"]
    for rule_id, entry in load_catalog().items():
        for key in (rule_id, entry["name"]):
            assert key in rules and key in severity and key in per_path_rules["properties"]
            options = rules[key]["properties"]
            assert sorted(options) == sorted(entry.get("options") or {})
            for name, spec in (entry.get("options") or {}).items():
                assert options[name]["default"] == spec["default"]
                assert options[name]["description"]


README_CONFIG = """\
select = ["BKP", "KMS"]
ignore = ["BKP003"]
min-certainty = "default"
fail-on = "medium"
exclude = ["vendor/", "**/*.generated.yaml"]

[rules.KMS002]
min-deletion-window-days = 14

[severity]
kms-key-rotation-disabled = "high"
SUP002 = "medium"

[[per-path]]
path = "legacy/**"
ignore = ["KMS001"]
min-certainty = "definite"
fail-on = "critical"
rules.KMS002.min-deletion-window-days = 7
"""


@pytest.mark.parametrize(
    "text",
    [
        README_CONFIG,
        'selct = ["KMS"]\n',  # unknown key
        "[rules.KMS002]\nmin-deletion-window-day = 14\n",  # unknown option
        '[rules.KMS002]\nmin-deletion-window-days = "x"\n',  # wrong type
        "[rules.KMS999]\nx = 1\n",  # unknown rule
        '[severity]\nKMS001 = "severe"\n',
        '[[per-path]]\nignore = ["KMS001"]\n',  # no path
        "[rules.KMS001]\nmax-rotation-period-days = 30\n",  # below the minimum
    ],
)
def test_an_editor_judges_a_configuration_as_iacguard_does(tmp_path, monkeypatch, text):
    (tmp_path / ".iacguard.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    try:
        load_config(["."])
        accepted = True
    except ConfigError:
        accepted = False
    editor = jsonschema.Draft7Validator(_schema())
    assert editor.is_valid(tomllib.loads(text)) == accepted
    assert accepted == (text == README_CONFIG)
