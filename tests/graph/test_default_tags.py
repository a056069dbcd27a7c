"""The AWS provider's default_tags become ``tags_all`` of the resource types rules read tags of
(evaluate/terraform/default_tags.py), as in a plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.core.values import Depends, Known
from iacguard.discover import discover
from iacguard.evaluate.options import EvalOptions
from iacguard.evaluate.terraform.root import evaluate_modules

MAIN = """
variable "env" {
  type    = string
  default = "prod"
}

provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = { Backup = "daily", Env = var.env }
  }
}

provider "aws" {
  alias  = "west"
  region = "us-west-2"
}

resource "aws_ebs_volume" "plain" {
  availability_zone = "eu-west-1a"
  size              = 1
}

resource "aws_ebs_volume" "own" {
  availability_zone = "eu-west-1a"
  size              = 1
  tags              = { Backup = "never", Team = "data" }
}

resource "aws_ebs_volume" "aliased" {
  provider          = aws.west
  availability_zone = "us-west-2a"
  size              = 1
}

resource "aws_kms_key" "not_a_source" {}

module "passed" {
  source    = "./child"
  providers = { aws = aws.west }
}

module "inherited" {
  source = "./child"
}
"""

CHILD = """
resource "aws_db_instance" "db" {
  instance_class = "db.t3.micro"
}
"""


def _graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, main: str = MAIN):
    (tmp_path / "main.tf").write_text(main)
    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "main.tf").write_text(CHILD)
    monkeypatch.chdir(tmp_path)
    found = discover(["."])
    g = evaluate_modules(found.modules, EvalOptions(scan_root=str(tmp_path)))
    return {r.address: r for r in g.resources if r.root == "."}


def test_default_tags_are_merged_under_the_resources_own(tmp_path, monkeypatch):
    by = _graph(tmp_path, monkeypatch)
    plain = by["aws_ebs_volume.plain"].attributes["tags_all"]
    assert isinstance(plain, Depends) and plain.inputs == frozenset({"var.env"})
    assert plain.default == {"Backup": "daily", "Env": "prod"}
    own = by["aws_ebs_volume.own"].attributes["tags_all"]
    assert own.default == {"Backup": "never", "Env": "prod", "Team": "data"}
    assert by["module.inherited.aws_db_instance.db"].attributes["tags_all"].default["Backup"] == (
        "daily"
    )


def test_only_the_default_provider_and_only_source_types(tmp_path, monkeypatch):
    by = _graph(tmp_path, monkeypatch)
    assert "tags_all" not in by["aws_ebs_volume.aliased"].attributes
    assert "tags_all" not in by["module.passed.aws_db_instance.db"].attributes
    assert "tags_all" not in by["aws_kms_key.not_a_source"].attributes


def test_no_default_tags_no_tags_all(tmp_path, monkeypatch):
    main = MAIN.replace('default_tags {\n    tags = { Backup = "daily", Env = var.env }\n  }', "")
    by = _graph(tmp_path, monkeypatch, main)
    assert all("tags_all" not in r.attributes for r in by.values())


def test_literal_default_tags_are_known(tmp_path, monkeypatch):
    main = MAIN.replace("Env = var.env", 'Env = "dev"')
    by = _graph(tmp_path, monkeypatch, main)
    assert by["aws_ebs_volume.plain"].attributes["tags_all"] == Known(
        {"Backup": "daily", "Env": "dev"}
    )
