"""Remote modules after ``terraform init``: a registry, git or http module call is evaluated
from the directory ``.terraform/modules/modules.json`` records for it, as Terraform would;
nothing is ever fetched. Without the manifest the call stays unknown, with its note."""

from __future__ import annotations

import json

from iacguard.api import build_graph

CALL = 'module "backup" {\n  source = "lgallard/backup/aws"\n}\n'
VAULT = 'resource "aws_backup_vault" "this" {\n  name = "v"\n}\n'


def _manifest(root, entries):
    modules = root / ".terraform" / "modules"
    modules.mkdir(parents=True)
    (modules / "modules.json").write_text(
        json.dumps({"Modules": [{"Key": "", "Source": "", "Dir": "."}, *entries]}),
        encoding="utf-8",
    )
    return modules


def test_an_installed_module_is_evaluated_from_where_init_put_it(tmp_path):
    (tmp_path / "main.tf").write_text(CALL, encoding="utf-8")
    modules = _manifest(
        tmp_path,
        [
            {
                "Key": "backup",
                "Source": "registry.terraform.io/lgallard/backup/aws",
                "Dir": ".terraform/modules/backup",
            }
        ],
    )
    (modules / "backup").mkdir()
    (modules / "backup" / "main.tf").write_text(VAULT, encoding="utf-8")
    graph = build_graph([str(tmp_path)])
    assert "module.backup.aws_backup_vault.this" in {r.address for r in graph.resources}
    assert not [n for n in graph.notes if "not fetched" in n.message]


def test_without_the_manifest_the_call_is_unknown_and_said_so(tmp_path):
    (tmp_path / "main.tf").write_text(CALL, encoding="utf-8")
    graph = build_graph([str(tmp_path)])
    assert not [r for r in graph.resources if r.address.startswith("module.backup")]
    (note,) = [n for n in graph.notes if "not fetched" in n.message]
    assert note.message.startswith("module.backup: remote module lgallard/backup/aws")


def test_a_manifest_pointing_outside_the_tree_is_not_followed(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "main.tf").write_text(VAULT, encoding="utf-8")
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(CALL, encoding="utf-8")
    _manifest(root, [{"Key": "backup", "Source": "x", "Dir": "../elsewhere"}])
    graph = build_graph([str(root)])
    assert not [r for r in graph.resources if r.address.startswith("module.backup")]
    assert [n for n in graph.notes if "outside the scanned tree" in n.message]
