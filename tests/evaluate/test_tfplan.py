"""Terraform plan JSON -> the resource graph."""

from __future__ import annotations

import json
from pathlib import Path

from iacguard.core.located import FileError
from iacguard.core.spans import Span
from iacguard.core.values import Known, Ref, Unknown
from iacguard.evaluate.options import EvalOptions
from iacguard.evaluate.tfplan import evaluate_tfplan
from iacguard.graph.model import Edge, Graph, Resource
from iacguard.parse.tfplan import parse_address, parse_reference

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "graph" / "plan"
PLAN = str(FIXTURES / "vault_key_after_apply.json")


def res(graph: Graph, address: str) -> Resource:
    found = [r for r in graph.resources if r.address == address]
    assert len(found) == 1, address
    return found[0]


def test_resources_from_every_module_level() -> None:
    g = evaluate_tfplan(PLAN, EvalOptions())
    assert g.errors == ()
    assert g.roots == (PLAN,)
    assert [(r.address, r.type, r.mode, r.module) for r in g.resources] == [
        ("aws_kms_key.backup", "aws_kms_key", "managed", ""),
        ("aws_backup_vault.primary", "aws_backup_vault", "managed", ""),
        ("data.aws_kms_alias.managed", "aws_kms_alias", "data", ""),
        ("module.dr.aws_backup_vault.this[0]", "aws_backup_vault", "managed", "module.dr"),
        ("module.dr.aws_backup_plan.this", "aws_backup_plan", "managed", "module.dr"),
    ]
    assert all(r.language == "plan" and r.root == PLAN for r in g.resources)


def test_planned_values_are_known_with_spans() -> None:
    g = evaluate_tfplan(PLAN, EvalOptions())
    key = res(g, "aws_kms_key.backup")
    assert key.span == Span(PLAN, 11, 11, 11, 42)
    assert key.extent == Span(PLAN, 10, 9, 28, 10)
    assert key.attributes["enable_key_rotation"] == Known(False)
    assert key.attributes["deletion_window_in_days"] == Known(7)
    assert key.attributes["tags"] == Known(None)
    assert key.spans["deletion_window_in_days"] == Span(PLAN, 20, 13, 20, 41)
    # policy, arn, id, key_id are after_unknown but not configured: the provider fills them in
    assert sorted(key.attributes) == [
        "bypass_policy_lockout_safety_check",
        "customer_master_key_spec",
        "deletion_window_in_days",
        "description",
        "enable_key_rotation",
        "is_enabled",
        "key_usage",
        "tags",
    ]


def test_after_unknown_with_a_reference_is_a_ref() -> None:
    g = evaluate_tfplan(PLAN, EvalOptions())
    vault = res(g, "aws_backup_vault.primary")
    assert vault.attributes["kms_key_arn"] == Known(Ref("aws_kms_key.backup", "arn", PLAN))
    assert vault.attributes["name"] == Known("primary")
    assert vault.attributes["tags"] == Known({"team": "platform"})
    assert sorted(vault.attributes) == ["force_destroy", "kms_key_arn", "name", "tags"]
    assert vault.spans["kms_key_arn"] == Span(PLAN, 132, 53, 132, 72)
    edge = Edge(
        "aws_backup_vault.primary",
        "kms_key_arn",
        "aws_kms_key.backup",
        "arn",
        PLAN,
        Span(PLAN, 132, 68, 132, 72),
    )
    assert edge in g.edges


def test_nested_blocks_keep_lists_and_module_relative_references() -> None:
    g = evaluate_tfplan(PLAN, EvalOptions())
    plan = res(g, "module.dr.aws_backup_plan.this")
    rule = plan.attributes["rule"]
    assert rule == Known(
        [
            {
                "completion_window": 180,
                "copy_action": [
                    {
                        "lifecycle": [],
                        "destination_vault_arn": (
                            "arn:aws:backup:eu-west-2:111122223333:backup-vault:offsite"
                        ),
                    }
                ],
                "rule_name": "daily",
                "schedule": "cron(0 5 * * ? *)",
                "recovery_point_tags": Unknown("known after apply"),
                "target_vault_name": Ref("module.dr.aws_backup_vault.this[0]", "name", PLAN),
            }
        ]
    )
    assert plan.spans["rule[0].copy_action[0].destination_vault_arn"] == Span(PLAN, 93, 25, 93, 110)
    assert plan.spans["rule[0].target_vault_name"] == Span(PLAN, 164, 101, 164, 126)
    assert g.edges == (
        Edge(
            "aws_backup_vault.primary",
            "kms_key_arn",
            "aws_kms_key.backup",
            "arn",
            PLAN,
            Span(PLAN, 132, 68, 132, 72),
        ),
        # a module variable is followed into what the caller passes (issue 10 item 8b)
        Edge(
            "module.dr.aws_backup_vault.this[0]",
            "kms_key_arn",
            "data.aws_kms_alias.managed",
            "target_key_arn",
            PLAN,
            Span(PLAN, 72, 32, 72, 109),
        ),
        Edge(
            "module.dr.aws_backup_plan.this",
            "rule[0].target_vault_name",
            "module.dr.aws_backup_vault.this[0]",
            "name",
            PLAN,
            Span(PLAN, 164, 122, 164, 126),
        ),
    )
    # a value set from a module variable is simply known in the plan
    dr = res(g, "module.dr.aws_backup_vault.this[0]")
    assert dr.attributes["kms_key_arn"] == Known(
        "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-1111-2222-3333-444455556666"
    )


def test_truncated_plan_is_a_located_error(tmp_path: Path) -> None:
    text = Path(PLAN).read_text()[:500]
    path = tmp_path / "plan.json"
    path.write_text(text)
    g = evaluate_tfplan(str(path), EvalOptions())
    assert g.resources == ()
    assert g.errors == (FileError(str(path), 18, 51, "invalid JSON: unexpected end of file"),)


def test_json_that_is_not_a_plan_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "package.json"
    path.write_text('{"format_version": "1", "name": "x"}')
    assert evaluate_tfplan(str(path), EvalOptions()) == Graph()


def test_address_helpers() -> None:
    a = parse_address('module.a[0].module.b["x.y"].aws_kms_key.k["logs"]')
    assert a is not None
    assert (a.module, a.module_names, a.resource, a.key) == (
        'module.a[0].module.b["x.y"]',
        ("a", "b"),
        "aws_kms_key.k",
        '["logs"]',
    )
    assert a.instance == 'module.a[0].module.b["x.y"].aws_kms_key.k["logs"]'
    d = parse_address("data.aws_kms_key.by_alias")
    assert d is not None and (d.module, d.resource, d.key) == ("", "data.aws_kms_key.by_alias", "")
    assert parse_address("not an address") is None
    assert parse_reference("aws_kms_key.k[0].arn") == ("aws_kms_key.k[0]", "arn")
    assert parse_reference("data.aws_kms_alias.managed.target_key_arn") == (
        "data.aws_kms_alias.managed",
        "target_key_arn",
    )
    assert parse_reference("aws_kms_key.k") == ("aws_kms_key.k", None)
    assert parse_reference("var.key_arn") is None
    assert parse_reference("module.kms.key_arn") is None


def test_minified_plan_spans_are_columns_and_known_references_are_edges() -> None:
    path = str(FIXTURES / "minified_known_reference.json")
    text = Path(path).read_text()
    g = evaluate_tfplan(path, EvalOptions())
    assert g.errors == ()
    vault = res(g, "aws_backup_vault.v")
    arn = "arn:aws:kms:eu-west-1:111122223333:key/5e6f7a8b-aaaa-bbbb-cccc-ddddeeeeffff"
    assert vault.attributes["kms_key_arn"] == Known(arn)
    span = vault.spans["kms_key_arn"]
    assert (span.start_line, span.end_line) == (1, 1)
    assert text[span.start_column - 1 : span.end_column - 1] == f'"kms_key_arn":"{arn}"'
    header = vault.span
    assert text[header.start_column - 1 : header.end_column - 1] == '"address":"aws_backup_vault.v"'
    # the key is already in the state: the value is known, the link is kept as an edge
    (edge,) = g.edges
    assert (edge.source, edge.source_attribute, edge.target, edge.target_attribute) == (
        "aws_backup_vault.v",
        "kms_key_arn",
        "aws_kms_key.k[0]",
        "arn",
    )
    assert text[edge.span.start_column - 1 : edge.span.end_column - 1] == f'"{arn}"'
    key = res(g, "aws_kms_key.k[0]")
    assert key.attributes["enable_key_rotation"] == Known(True)
    assert key.attributes["arn"] == Known(arn)


BKP001_PLAN = FIXTURES.parents[1] / "BKP001" / "plan" / "vaults.json"


def test_unconfigured_computed_attribute_is_absent() -> None:
    # aws_backup_vault.plain: no kms_key_arn expression, after_unknown.kms_key_arn = true
    path = str(BKP001_PLAN)
    g = evaluate_tfplan(path, EvalOptions())
    plain = res(g, "aws_backup_vault.plain")
    assert plain.attributes == {
        "force_destroy": Known(False, span=Span(path, 44, 13, 44, 35)),
        "name": Known("plain", span=Span(path, 45, 13, 45, 28)),
        "tags": Known(None, span=Span(path, 46, 13, 46, 25)),
    }
    assert "kms_key_arn" not in plain.spans
    # configured from another resource's computed attribute: still known after apply (a Ref)
    encrypted = res(g, "aws_backup_vault.encrypted")
    assert encrypted.attributes["kms_key_arn"] == Known(
        Ref("aws_kms_key.backup", "arn", path, Span(path, 107, 67, 107, 71)),
        span=Span(path, 107, 52, 107, 71),
    )


def _rewrite(tmp_path: Path, source: Path, change) -> str:  # type: ignore[no-untyped-def]
    doc = json.loads(source.read_text())
    change(doc)
    out = tmp_path / "plan.json"
    out.write_text(json.dumps(doc, indent=1))
    return str(out)


def test_configured_expression_without_references_stays_known_after_apply(
    tmp_path: Path,
) -> None:
    def configure(doc: dict) -> None:
        (plain,) = [
            r
            for r in doc["configuration"]["root_module"]["resources"]
            if r["address"] == "aws_backup_vault.plain"
        ]
        plain["expressions"]["kms_key_arn"] = {}  # e.g. a function call with no references

    path = _rewrite(tmp_path, BKP001_PLAN, configure)
    plain = res(evaluate_tfplan(path, EvalOptions()), "aws_backup_vault.plain")
    assert plain.attributes["kms_key_arn"] == Unknown("known after apply")
    assert "arn" not in plain.attributes


def test_without_a_configuration_block_unknowns_stay_known_after_apply(tmp_path: Path) -> None:
    path = _rewrite(tmp_path, BKP001_PLAN, lambda doc: doc.pop("configuration"))
    plain = res(evaluate_tfplan(path, EvalOptions()), "aws_backup_vault.plain")
    assert sorted(plain.attributes) == [
        "arn",
        "force_destroy",
        "id",
        "kms_key_arn",
        "name",
        "recovery_points",
        "tags",
        "tags_all",
    ]
    assert plain.attributes["kms_key_arn"] == Unknown("known after apply")


def test_module_resources_use_their_module_calls_configuration(tmp_path: Path) -> None:
    # module.dr's configuration is configuration.root_module.module_calls.dr.module.resources
    g = evaluate_tfplan(PLAN, EvalOptions())
    dr = res(g, "module.dr.aws_backup_vault.this[0]")
    assert sorted(dr.attributes) == ["force_destroy", "kms_key_arn", "name"]

    # a module call the plan does not describe (no "module"): its resources' unknowns stay
    def drop_module(doc: dict) -> None:
        del doc["configuration"]["root_module"]["module_calls"]["dr"]["module"]

    path = _rewrite(tmp_path, Path(PLAN), drop_module)
    g = evaluate_tfplan(path, EvalOptions())
    dr = res(g, "module.dr.aws_backup_vault.this[0]")
    assert sorted(dr.attributes) == [
        "arn",
        "force_destroy",
        "id",
        "kms_key_arn",
        "name",
        "recovery_points",
        "tags_all",
    ]
    assert dr.attributes["arn"] == Unknown("known after apply")
    # the root module's resources still use theirs
    assert "arn" not in res(g, "aws_backup_vault.primary").attributes
