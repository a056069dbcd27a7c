"""The rule catalog: every entry valid against rules/schema.json (with jsonschema, and with
the loader's own small validator), rendered docs with fixed sections, the rules table."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from iacguard.core import catalog
from iacguard.core.catalog import CatalogError, load_catalog, render_rule, validate
from iacguard.rules.registry import BUILTIN

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
SCHEMA = json.loads((RULES_DIR / "schema.json").read_text())
ENTRIES = sorted(RULES_DIR.glob("*.yaml"))
#: the built-in rules, from the registry (the one id table)
MISSION = tuple(sorted(BUILTIN))


def test_catalog_dir_holds_the_checkout_rules():
    """Editable installs read ``rules/`` itself; a wheel install (as CI does) reads the
    force-included copy, which must hold the same files, byte for byte."""
    found = catalog.catalog_dir().resolve()
    shipped = {p.name: p.read_bytes() for p in found.iterdir() if p.suffix in (".json", ".yaml")}
    checkout = {
        p.name: p.read_bytes() for p in RULES_DIR.iterdir() if p.suffix in (".json", ".yaml")
    }
    assert shipped == checkout


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", ENTRIES, ids=[p.stem for p in ENTRIES])
def test_entry_valid_with_jsonschema_and_builtin_validator(path):
    entry = yaml.safe_load(path.read_text())
    jsonschema.Draft202012Validator(SCHEMA).validate(entry)
    assert validate(entry, SCHEMA) == []
    assert entry["id"] == path.stem


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"colour": "red"}, "entry: unknown key 'colour'"),
        ({"id": "bkp1"}, "entry.id: 'bkp1' does not match"),
        ({"severity": "urgent"}, "entry.severity: 'urgent' is not one of"),
        ({"fails": []}, "entry.fails: needs at least 1 items"),
        (
            {"options": {"x-y": {"type": "boolean", "default": False}}},
            "entry.options.x-y: missing required key 'description'",
        ),
        (
            {"references": [{"title": "t", "url": "http://insecure"}]},
            "entry.references[0].url: 'http://insecure' does not match",
        ),
    ],
)
def test_both_validators_reject_the_same_mistakes(change, problem):
    entry = {**yaml.safe_load((RULES_DIR / "BKP001.yaml").read_text()), **change}
    assert not jsonschema.Draft202012Validator(SCHEMA).is_valid(entry)
    problems = validate(entry, SCHEMA)
    assert any(p.startswith(problem) for p in problems), problems


def test_load_catalog_ids_names_aliases():
    entries = load_catalog()
    # these rules' names, pinned on purpose: a rule's name is a public contract (selectors,
    # suppressions and config keys use it), so renaming one must fail here
    names = {
        "BKP001": "backup-vault-without-cmk",
        "BKP002": "backup-plan-targets-vault-without-cmk",
        "BKP003": "backup-vault-key-is-alias",
        "BKP004": "backup-of-unencrypted-source",
        "KMS001": "kms-key-rotation-disabled",
        "KMS002": "kms-key-short-deletion-window",
        "KMS003": "kms-key-missing-backup-grant",
    }
    assert set(names) <= set(MISSION)
    assert {rid: e["name"] for rid, e in entries.items() if rid in names} == names
    assert entries["BKP001"]["aliases"] == ["CKV_AWS_166"]
    assert entries["KMS001"]["aliases"] == ["CKV_AWS_7", "AVD-AWS-0065", "aws-kms-auto-rotate-keys"]
    # callers get a copy: changing it does not change the next load
    entries["BKP001"]["name"] = "changed"
    assert load_catalog()["BKP001"]["name"] == "backup-vault-without-cmk"


def test_references_cover_security_hub_config_and_public_guides():
    entries = load_catalog()
    titles = {rid: " ".join(r["title"] for r in e["references"]) for rid, e in entries.items()}
    assert "Backup.1" in titles["BKP001"]
    assert "backup-recovery-point-encrypted" in titles["BKP001"]
    assert "backup_recovery_point_encrypted" in titles["BKP001"]  # Prowler's check
    assert "KMS.4" in titles["KMS001"]
    assert "cmk-backing-key-rotation-enabled" in titles["KMS001"]
    for rid in MISSION:
        references = entries[rid]["references"]
        # users read these: every reference is a public document with its address, never
        # internal material (the old "Seed 000" entries)
        assert all(r.get("url", "").startswith("https://") for r in references), rid
        assert not any("seed" in r["title"].lower() for r in references), rid
        assert any(r.get("kind") in ("aws-docs", "security-hub") for r in references), rid


@pytest.mark.parametrize("rule_id", MISSION)
def test_render_rule_has_fixed_sections(rule_id):
    text = render_rule(rule_id)
    entry = load_catalog()[rule_id]
    assert text.startswith(f"{rule_id} {entry['name']}\n\nSeverity: {entry['severity']}\n")
    positions = [
        text.index(h)
        for h in (
            "## Why it matters",
            "## What fails",
            "## What passes",
            "## How to fix",
            "## References",
        )
    ]
    assert positions == sorted(positions)
    assert "Terraform: " in text and "CloudFormation: " in text
    for name, spec in (entry.get("options") or {}).items():
        assert f"- {name} ({spec['type']}, default {json.dumps(spec['default'])}): " in text


def test_render_by_name_and_unknown():
    assert render_rule("kms-key-rotation-disabled") == render_rule("KMS001")
    assert render_rule("kms001") == render_rule("KMS001")
    with pytest.raises(CatalogError, match="unknown rule 'KMS999'"):
        render_rule("KMS999")


def test_list_rules_table():
    lines = catalog.list_rules().splitlines()
    assert lines[0].split() == ["ID", "NAME", "SEVERITY", "SUMMARY"]
    listed = [line.split()[0] for line in lines[1:]]
    assert listed == sorted(load_catalog())
    assert set(MISSION) <= set(listed)
    assert lines[1].split()[1:3] == ["backup-vault-without-cmk", "high"]


def test_fix_hints_are_one_line():
    for entry in load_catalog().values():
        for lang in ("terraform", "cloudformation"):
            hint = catalog.fix_hint(entry, lang)
            assert hint and "\n" not in hint and hint.endswith(".")


def test_installed_layout_finds_the_packaged_catalog(tmp_path):
    """As the wheel lays it out: iacguard/catalog/ (force-included rules/) beside catalog.py."""
    import shutil
    import subprocess
    import sys

    src = Path(__file__).resolve().parents[2] / "src" / "iacguard"
    shutil.copytree(src, tmp_path / "iacguard", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(RULES_DIR, tmp_path / "iacguard" / "catalog")
    code = (
        "import iacguard.core.catalog as c; from iacguard.rules.registry import all_rules; "
        "print(c.catalog_dir()); print(','.join(r.id for r in all_rules()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out == [str(tmp_path / "iacguard" / "catalog"), ",".join(MISSION)]


def test_catalog_json_is_the_yaml_generated():
    """rules/catalog.json (what a run reads) is exactly what ``python -m iacguard.core.catalog``
    writes from the YAML entries: regenerate it after editing rules/*.yaml."""
    assert (RULES_DIR / catalog.JSON_NAME).read_text(encoding="utf-8") == catalog.render_json(
        str(RULES_DIR)
    ), "rules/catalog.json is stale: run `python -m iacguard.core.catalog`"
    doc = json.loads((RULES_DIR / catalog.JSON_NAME).read_text(encoding="utf-8"))
    assert doc["entries"] == {p.stem: yaml.safe_load(p.read_text()) for p in ENTRIES}
    assert sorted(doc["sources"]) == [p.name for p in ENTRIES] + ["schema.json"]


def _copy_rules(tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def test_load_reads_the_json_when_it_matches_the_yaml(tmp_path):
    rules = _copy_rules(tmp_path)
    doc = json.loads((rules / catalog.JSON_NAME).read_text())
    doc["entries"]["BKP001"]["summary"] = "read from catalog.json"
    (rules / catalog.JSON_NAME).write_text(json.dumps(doc))
    assert catalog._load(str(rules))["BKP001"]["summary"] == "read from catalog.json"


@pytest.mark.parametrize("damage", ["edit-yaml", "edit-schema", "add-yaml", "broken-json", "gone"])
def test_load_falls_back_to_the_yaml_when_the_json_is_stale(tmp_path, damage):
    rules = _copy_rules(tmp_path)
    (rules / "BKP001.yaml").write_text(
        (rules / "BKP001.yaml")
        .read_text()
        .replace(
            "summary: A backup vault is not encrypted with a customer-managed KMS key.",
            "summary: Edited in the YAML.",
        )
    )
    fresh = catalog.render_json(str(rules))
    (rules / catalog.JSON_NAME).write_text(fresh.replace("Edited in the YAML.", "stale"))
    assert catalog._load(str(rules))["BKP001"]["summary"] == "stale"  # sources match
    catalog._load.cache_clear()
    if damage == "edit-yaml":
        text = (rules / "BKP001.yaml").read_text()
        (rules / "BKP001.yaml").write_text(text + "\n")
    elif damage == "edit-schema":
        (rules / "schema.json").write_text((rules / "schema.json").read_text() + "\n")
    elif damage == "add-yaml":
        (rules / "BKP099.yaml").write_text(
            (rules / "BKP003.yaml")
            .read_text()
            .replace("id: BKP003", "id: BKP099")
            .replace("name: backup-vault-key-is-alias", "name: backup-vault-key-is-alias-copy")
        )
    elif damage == "broken-json":
        (rules / catalog.JSON_NAME).write_text(fresh[:100])
    else:
        (rules / catalog.JSON_NAME).unlink()
    loaded = catalog._load(str(rules))
    assert loaded["BKP001"]["summary"] == "Edited in the YAML."
    assert ("BKP099" in loaded) == (damage == "add-yaml")
