"""Terraform reference cycles through locals and other resources ("Cycle: local.arns,
aws_kms_key.k" in Terraform): a located error at the referring expression, the attribute an
Unknown that is never evaluated, the rest of the module evaluated."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from iacguard.core.spans import Span
from iacguard.core.values import Known, PartialStr, Ref, Unknown
from iacguard.discover import discover
from iacguard.evaluate.options import EvalOptions
from iacguard.evaluate.terraform.cycles import MAX_NAMED_CYCLE, self_referring_attributes
from iacguard.evaluate.terraform.modules import ResourceDecl
from iacguard.evaluate.terraform.root import evaluate_modules
from iacguard.graph.model import Graph
from iacguard.parse.hcl_ast import Attribute, Block, Body, GetAttr, Traversal


def _write(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def _eval_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Graph:
    monkeypatch.chdir(tmp_path)
    found = discover(["."])
    return evaluate_modules(found.modules, EvalOptions(scan_root=str(tmp_path)))


def _attrs(g: Graph, address: str) -> dict[str, object]:
    resource = g.get(".", address)
    assert resource is not None, address
    return dict(resource.attributes)


def test_resource_referring_to_itself_through_a_local_with_count(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # issue 2/6: evaluated, each of 1000 instances joined all 1000 ARNs (~10 s), no error
    _write(
        tmp_path,
        {
            "main.tf": """locals {
  arns = aws_kms_key.k.*.arn
}
resource "aws_kms_key" "k" {
  count               = 1000
  description         = "${local.arns}"
  enable_key_rotation = true
}
""",
        },
    )
    started = time.perf_counter()
    g = _eval_tmp(monkeypatch, tmp_path)
    elapsed = time.perf_counter() - started
    message = "Cycle: aws_kms_key.k refers to itself through local.arns"
    assert [str(e) for e in g.errors] == [f"main.tf:6:28: {message}"]
    assert len(g.resources) == 1000
    attrs = _attrs(g, "aws_kms_key.k[999]")
    assert attrs["description"] == Unknown(message)
    assert attrs["description"].span == Span("main.tf", 6, 3, 6, 40)
    assert attrs["enable_key_rotation"] == Known(True)
    assert elapsed < 5.0, elapsed


def test_cycles_through_resources_data_sources_and_dynamic_for_each(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _write(
        tmp_path,
        {
            "main.tf": """locals {
  via_plan = aws_backup_plan.p.arn
  doc_arns = aws_kms_key.doc[*].arn
}

resource "aws_backup_vault" "v" {
  name        = "v"
  tags        = { plan = local.via_plan }
  kms_key_arn = aws_kms_key.doc.arn
}

resource "aws_backup_plan" "p" {
  name = "p-${aws_backup_vault.v.name}"
  rule {
    rule_name         = "r"
    target_vault_name = "fixed"
  }
}

data "aws_iam_policy_document" "d" {
  statement {
    actions   = ["kms:*"]
    resources = [aws_kms_key.doc.arn]
  }
}

resource "aws_kms_key" "doc" {
  policy = data.aws_iam_policy_document.d.json
  dynamic "tag" {
    for_each = local.doc_arns
    content {
      key = tag.value
    }
  }
}
""",
        },
    )
    g = _eval_tmp(monkeypatch, tmp_path)
    vault = "Cycle: aws_backup_vault.v refers to itself through local.via_plan -> aws_backup_plan.p"
    plan = "Cycle: aws_backup_plan.p refers to itself through aws_backup_vault.v -> local.via_plan"
    doc = "Cycle: data.aws_iam_policy_document.d refers to itself through aws_kms_key.doc"
    key = "Cycle: aws_kms_key.doc refers to itself through data.aws_iam_policy_document.d"
    key_tag = "Cycle: aws_kms_key.doc refers to itself through local.doc_arns"
    assert [str(e) for e in g.errors] == [
        f"main.tf:8:26: {vault}",
        f"main.tf:13:15: {plan}",
        f"main.tf:23:18: {doc}",
        f"main.tf:28:12: {key}",
        f"main.tf:30:16: {key_tag}",
    ]
    # the cyclic attributes are unknown, the others evaluate
    assert _attrs(g, "aws_backup_vault.v") == {
        "name": Known("v"),
        "tags": Unknown(vault),
        "kms_key_arn": Known(Ref("aws_kms_key.doc", "arn", ".")),
    }
    assert _attrs(g, "aws_backup_plan.p") == {
        "name": Unknown(plan),
        "rule": Known([{"rule_name": "r", "target_vault_name": "fixed"}]),
    }
    statement = _attrs(g, "data.aws_iam_policy_document.d")["statement"]
    assert statement == Known([{"actions": ["kms:*"], "resources": Unknown(doc)}])
    # dynamic for_each is outside the iterator's scope: its reference counts
    assert _attrs(g, "aws_kms_key.doc") == {
        "policy": Unknown(key),
        "tag": Known([Unknown(f'dynamic "tag": for_each is not known ({key_tag})')]),
    }


def test_look_alikes_are_not_cycles(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "main.tf": """locals {
  other_arns = aws_kms_key.other[*].arn
  shadowed   = [for aws_kms_key in [{ k = "x" }] : aws_kms_key.k]
  from_mod   = module.m.out
  loop_a     = local.loop_b
  loop_b     = local.loop_a
  tag_names  = ["a", "b"]
  value      = aws_kms_key.k.key_id
}

resource "aws_kms_key" "other" {
  count       = 2
  description = "other ${count.index}"
}

resource "aws_kms_key" "k" {
  description         = join(",", local.other_arns)
  policy              = local.shadowed[0]
  enable_key_rotation = { for local in [{ shadowed = "n" }] : "t" => local.shadowed }.t
  tags                = { loop = local.loop_a }
  dynamic "grant" {
    for_each = local.tag_names
    iterator = local
    content {
      name = local.value
    }
  }
  lifecycle {
    ignore_changes = [description]
  }
  provisioner "local-exec" {
    command = "echo ${local.value}"
  }
}

module "m" {
  source = "./m"
  key    = aws_kms_key.other[1].arn
  user   = aws_kms_key.uses_module.arn
}

resource "aws_kms_key" "uses_module" {
  description = local.from_mod
}
""",
            "m/main.tf": """variable "key" {}
variable "user" {}
output "out" {
  value = var.key
}
""",
        },
    )
    g = _eval_tmp(monkeypatch, tmp_path)
    assert not [e for e in g.errors if "Cycle" in e.message]
    attrs = _attrs(g, "aws_kms_key.k")
    assert attrs["description"] == Known(
        PartialStr(
            (
                Ref("aws_kms_key.other[0]", "arn", "."),
                ",",
                Ref("aws_kms_key.other[1]", "arn", "."),
            )
        )
    )
    assert attrs["policy"] == Known("x")
    assert attrs["enable_key_rotation"] == Known("n")
    assert attrs["tags"] == Known(
        {"loop": Unknown("reference cycle: local.loop_a -> local.loop_b -> local.loop_a")}
    )
    assert attrs["grant"] == Known([{"name": "a"}, {"name": "b"}])
    # a module output is not an edge: no false cycle through module "m"
    assert _attrs(g, "aws_kms_key.uses_module")["description"] == Known(
        Ref("aws_kms_key.other[1]", "arn", ".")
    )


def test_a_cycle_in_a_module_is_one_error_at_the_module_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _write(
        tmp_path,
        {
            "main.tf": 'module "a" {\n  source = "./modules/m"\n  count  = 2\n}\n',
            "modules/m/main.tf": """locals {
  arn = aws_kms_key.k.arn
}
resource "aws_kms_key" "k" {
  description = local.arn
}
""",
        },
    )
    g = _eval_tmp(monkeypatch, tmp_path)
    message = "Cycle: aws_kms_key.k refers to itself through local.arn"
    assert [str(e) for e in g.errors] == [f"modules/m/main.tf:5:17: {message}"]
    assert [(r.address, r.attributes["description"]) for r in g.resources] == [
        (address, Unknown(message))
        for address in ("module.a[0].aws_kms_key.k", "module.a[1].aws_kms_key.k", "aws_kms_key.k")
    ]


def _ring(n: int) -> dict[str, ResourceDecl]:
    """``aws_kms_key.k0`` -> ``k1`` -> ... -> ``k{n-1}`` -> ``k0``, built as syntax trees."""
    span = Span("main.tf", 1, 1, 1, 2)
    out: dict[str, ResourceDecl] = {}
    for i in range(n):
        target = Traversal(
            "aws_kms_key", (GetAttr(f"k{(i + 1) % n}", span), GetAttr("arn", span)), span
        )
        body = Body((Attribute("description", target, span),), (), span)
        block = Block("resource", ("aws_kms_key", f"k{i}"), body, span, span)
        decl = ResourceDecl("managed", "aws_kms_key", f"k{i}", block)
        out[decl.address] = decl
    return out


def test_a_long_ring_is_found_in_linear_time_and_named_when_short() -> None:
    short = self_referring_attributes(_ring(3), {})
    assert [c.message for c in short] == [
        "Cycle: aws_kms_key.k0 refers to itself through aws_kms_key.k1 -> aws_kms_key.k2",
        "Cycle: aws_kms_key.k1 refers to itself through aws_kms_key.k2 -> aws_kms_key.k0",
        "Cycle: aws_kms_key.k2 refers to itself through aws_kms_key.k0 -> aws_kms_key.k1",
    ]
    n = 20_000
    started = time.perf_counter()
    long = self_referring_attributes(_ring(n), {})
    elapsed = time.perf_counter() - started
    assert n > MAX_NAMED_CYCLE
    assert len(long) == n
    assert long[5].message == (
        f"Cycle: aws_kms_key.k5 refers to itself through aws_kms_key.k6 (a cycle of {n} blocks)"
    )
    assert elapsed < 5.0, elapsed


def test_count_and_for_each_through_a_local_are_unknown_not_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # meta-arguments are not edges of the static check: the evaluator finds these cycles
    # (it used to give "internal error: AttributeError: 'Unknown' object has no attribute
    # 'kind'" as the reason)
    _write(
        tmp_path,
        {
            "main.tf": """locals {
  arns = aws_kms_key.k[*].arn
  ids  = aws_kms_key.e[*].id
}
resource "aws_kms_key" "k" {
  count       = length(local.arns) + 1
  description = "k"
}
resource "aws_kms_key" "e" {
  for_each    = toset(local.ids)
  description = "e"
}
""",
        },
    )
    g = _eval_tmp(monkeypatch, tmp_path)
    assert g.errors == ()
    k_cycle = "reference cycle: aws_kms_key.k -> local.arns -> aws_kms_key.k"
    e_cycle = "reference cycle: aws_kms_key.e -> local.ids -> aws_kms_key.e"
    k = g.get(".", "aws_kms_key.k[0]")
    e = g.get(".", 'aws_kms_key.e["?"]')
    assert k is not None and e is not None
    assert k.exists == Unknown(f"aws_kms_key.k: count is not known ({k_cycle})")
    assert e.exists == Unknown(f"aws_kms_key.e: for_each is not known ({e_cycle})")
    assert k.attributes["description"] == Known("k")
    assert [(n.span.start_line if n.span else None, n.message) for n in g.notes] == [
        (5, k_cycle),
        (9, e_cycle),
        (
            6,
            f"aws_kms_key.k: count is not known ({k_cycle}); aws_kms_key.k[0] stands for "
            "its instances",
        ),
        (
            10,
            f'aws_kms_key.e: for_each is not known ({e_cycle}); aws_kms_key.e["?"] stands for '
            "its instances",
        ),
    ]
