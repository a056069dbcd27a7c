"""Terraform semantics: every attribute of a ``count`` / ``for_each`` instance is evaluated with
that instance's own ``count.index`` / ``each.key`` / ``each.value``, also the attributes that
come after one referring to another resource (the values Terraform's plan gives, checked with
``terraform plan`` against the provider mirror)."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.core.values import Known, Ref
from iacguard.discover import discover
from iacguard.evaluate.options import EvalOptions
from iacguard.evaluate.terraform.root import evaluate_modules
from iacguard.graph.model import Graph

MAIN = """
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

locals {
  subnets = { for i, az in ["a", "b"] : az => cidrsubnet("10.0.0.0/16", 8, i) }
}

resource "aws_subnet" "private" {
  for_each          = local.subnets
  vpc_id            = aws_vpc.main.id
  cidr_block        = each.value
  availability_zone = "eu-west-1${each.key}"
}

resource "aws_kms_key" "regional" {
  count               = 2
  description         = "key for ${aws_vpc.main.id}"
  enable_key_rotation = count.index == 0
}
"""


def graph_of(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Graph:
    (tmp_path / "main.tf").write_text(MAIN)
    monkeypatch.chdir(tmp_path)
    found = discover(["."])
    return evaluate_modules(found.modules, EvalOptions(scan_root=str(tmp_path)))


def value_of(graph: Graph, address: str, name: str) -> object:
    resource = graph.get(".", address)
    assert resource is not None, address
    value = resource.attributes[name]
    assert isinstance(value, Known), (address, name, value)
    return value.value


def test_each_after_a_reference_is_the_instance_s_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    g = graph_of(monkeypatch, tmp_path)
    assert [n.message for n in g.notes] == []
    for key, cidr in (("a", "10.0.0.0/24"), ("b", "10.0.1.0/24")):
        address = f'aws_subnet.private["{key}"]'
        assert isinstance(value_of(g, address, "vpc_id"), Ref)
        assert value_of(g, address, "cidr_block") == cidr
        assert value_of(g, address, "availability_zone") == f"eu-west-1{key}"


def test_count_index_after_a_reference_is_the_instance_s_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    g = graph_of(monkeypatch, tmp_path)
    assert value_of(g, "aws_kms_key.regional[0]", "enable_key_rotation") is True
    assert value_of(g, "aws_kms_key.regional[1]", "enable_key_rotation") is False
