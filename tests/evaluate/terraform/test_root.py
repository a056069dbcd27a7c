"""Terraform semantics: fixtures/graph/terraform/<case> evaluated into the resource graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iacguard.core.located import Located
from iacguard.core.spans import Span
from iacguard.core.values import Alternative, Depends, JsonEncoded, Known, PartialStr, Ref, Unknown
from iacguard.discover import discover
from iacguard.evaluate.options import EvalOptions
from iacguard.evaluate.terraform.root import evaluate_modules
from iacguard.graph.model import ALWAYS, Graph

REPO = Path(__file__).resolve().parents[3]
CASES = "fixtures/graph/terraform"


def graph_of(monkeypatch: pytest.MonkeyPatch, case: str, var_files: tuple[str, ...] = ()) -> Graph:
    monkeypatch.chdir(REPO)
    found = discover([f"{CASES}/{case}"], var_files=var_files)
    options = EvalOptions(scan_root=str(REPO / CASES / case))
    return evaluate_modules(found.modules, options)


def any_value(name: str) -> Unknown:
    return Unknown(f"any value of {name}", None, frozenset({name}))


# ----------------------------------------------------------------------------- the seed


def test_seed_vault_key_depends_on_the_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    root = f"{CASES}/seed"
    path = f"{root}/main.tf"
    g = graph_of(monkeypatch, "seed")
    assert [r.address for r in g.resources] == [
        "data.aws_caller_identity.current",
        "aws_backup_vault.encrypted",
        "aws_kms_key.backup_vault[0]",
        "aws_kms_alias.backup_vault[0]",
    ]
    assert g.roots == (root,)
    vault = g.get(root, "aws_backup_vault.encrypted")
    assert vault is not None
    assert (vault.type, vault.mode, vault.module, vault.language) == (
        "aws_backup_vault",
        "managed",
        "",
        "terraform",
    )
    assert vault.span == Span(path, 81, 1, 81, 40)
    assert vault.extent == Span(path, 81, 1, 85, 2)
    assert vault.exists == ALWAYS
    flag = "var.use_customer_managed_key"
    arn = vault.attributes["kms_key_arn"]
    assert arn == Depends(
        None,
        frozenset({flag}),
        (Alternative(((flag, True),), Ref("aws_kms_key.backup_vault[0]", "arn", root)),),
        complete=True,
    )
    assert arn.span == Span(path, 83, 3, 83, 86)
    assert vault.spans["kms_key_arn"] == Span(path, 83, 3, 83, 86)
    assert Located(Span(path, 17, 1, 17, 36), f"{flag} = false (default)") in arn.trace
    assert vault.attributes["name"] == Depends(
        "encrypted-backup-vault",
        frozenset({"var.vault_name"}),
        (
            Alternative(
                (("var.vault_name", any_value("var.vault_name")),), any_value("var.vault_name")
            ),
        ),
        complete=False,
    )

    key = g.get(root, "aws_kms_key.backup_vault[0]")
    assert key is not None
    assert key.exists == Depends(
        False, frozenset({flag}), (Alternative(((flag, True),), True),), complete=True
    )
    assert key.attributes["enable_key_rotation"] == Known(True)
    assert key.attributes["deletion_window_in_days"] == Known(30)
    account = Ref("data.aws_caller_identity.current", "account_id", root)
    policy = key.attributes["policy"]
    assert isinstance(policy, Known) and isinstance(policy.value, JsonEncoded)
    first, second = policy.value.data["Statement"]
    assert first["Principal"] == {"AWS": PartialStr(("arn:aws:iam::", account, ":root"))}
    assert second == {
        "Sid": "Allow Backup Service",
        "Effect": "Allow",
        "Principal": {"Service": "backup.amazonaws.com"},
        "Action": [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:DescribeKey",
        ],
        "Resource": "*",
    }
    alias = g.get(root, "aws_kms_alias.backup_vault[0]")
    assert alias is not None
    # constant wherever the alias exists (its home world sets the flag)
    assert alias.attributes["target_key_id"] == Known(
        Ref("aws_kms_key.backup_vault[0]", "key_id", root)
    )
    assert {(e.source, e.source_attribute, e.target, e.target_attribute) for e in g.edges} == {
        ("aws_backup_vault.encrypted", "kms_key_arn", "aws_kms_key.backup_vault[0]", "arn"),
        ("aws_kms_alias.backup_vault[0]", "target_key_id", "aws_kms_key.backup_vault[0]", "key_id"),
        ("aws_kms_key.backup_vault[0]", "policy", "data.aws_caller_identity.current", "account_id"),
    }
    assert [(str(n.span), n.message) for n in g.notes] == [
        (
            f"{path}:78:1",
            "data.aws_caller_identity.current: account_id is read from the provider at plan "
            "time; unknown here",
        )
    ]
    assert g.errors == ()


# ----------------------------------------------------------------------------- inputs


def test_inputs_tfvars_order_coercion_and_enumerations(monkeypatch: pytest.MonkeyPatch) -> None:
    root = f"{CASES}/inputs"
    g = graph_of(monkeypatch, "inputs")
    key = g.get(root, "aws_kms_key.this")
    assert key is not None
    # terraform.tfvars, then a.auto.tfvars.json, then b.auto.tfvars: the last wins
    description = key.attributes["description"]
    assert isinstance(description, Depends)
    assert description.default == "primary key for from-b-auto"
    assert description.inputs == {"var.env", "var.settings"}
    assert not description.complete
    # type = string with a numeric default 30 -> "30"
    assert key.attributes["deletion_window_in_days"] == Depends(
        "30",
        frozenset({"var.deletion_window"}),
        (
            Alternative(
                (("var.deletion_window", any_value("var.deletion_window")),),
                any_value("var.deletion_window"),
            ),
        ),
        complete=False,
    )
    # type = bool with "true" -> True; the other bool is the alternative
    assert key.attributes["enable_key_rotation"] == Depends(
        True,
        frozenset({"var.rotate"}),
        (Alternative((("var.rotate", False),), False),),
        complete=True,
    )
    # optional(number, 2) fills the missing attribute; nullable = false ignores tfvars null
    tags = key.attributes["tags"]
    assert isinstance(tags, Depends)
    assert tags.default == {"Owner": "platform", "Copies": 2}

    vault = g.get(root, "aws_backup_vault.this")
    assert vault is not None
    assert vault.attributes["name"] == Depends(
        "cold-vault",
        frozenset({"var.tier"}),
        (
            Alternative((("var.tier", "warm"),), "warm-vault"),
            Alternative((("var.tier", "archive"),), "archive-vault"),
        ),
        complete=True,
    )
    required = vault.attributes["kms_key_arn"]
    assert isinstance(required, Unknown)
    assert required.required_input
    assert required.reason == "var.kms_key_arn has no default: the caller must set it"
    assert required.inputs == {"var.kms_key_arn"}

    plan = g.get(root, "aws_backup_plan.this")
    assert plan is not None
    rule = plan.attributes["rule"]
    assert isinstance(rule, Depends)
    # number from tfvars JSON (7), untyped bool default false picks the 05:00 schedule
    assert rule.default == [
        {
            "rule_name": "daily",
            "target_vault_name": "cold-vault",
            "schedule": "cron(0 5 * * ? *)",
            "lifecycle": [{"delete_after": 7}],
        }
    ]
    assert rule.inputs == {"var.retention_days", "var.tier", "var.untyped_flag"}
    flipped = [a for a in rule.alternatives if a.assignment == (("var.untyped_flag", True),)]
    assert [a.value[0]["schedule"] for a in flipped] == ["cron(0 1 * * ? *)"]
    assert plan.spans["rule[0].lifecycle[0].delete_after"] == Span(f"{root}/main.tf", 25, 7, 25, 40)
    assert plan.spans["rule[0]"] == Span(f"{root}/main.tf", 19, 3, 27, 4)
    assert [(e.source, e.source_attribute, e.target, e.target_attribute) for e in g.edges] == [
        ("aws_backup_plan.this", "rule[0].target_vault_name", "aws_backup_vault.this", "name")
    ]


def test_var_file_is_loaded_last(monkeypatch: pytest.MonkeyPatch) -> None:
    g = graph_of(monkeypatch, "inputs", var_files=(f"{CASES}/inputs/extra.tfvars.in",))
    key = g.get(f"{CASES}/inputs", "aws_kms_key.this")
    assert key is not None
    assert key.value("description") == "primary key for from-var-file"
    assert key.attributes["description"].trace == (
        Located(
            Span(f"{CASES}/inputs/variables.tf", 32, 1, 32, 20), "var.settings = {...} (default)"
        ),
        Located(
            Span(f"{CASES}/inputs/extra.tfvars.in", 1, 7, 1, 22),
            'var.env = "from-var-file" (extra.tfvars.in)',
        ),
    )


def test_a_value_from_tfvars_is_evidenced_where_it_is_assigned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the hop of a tfvars value points at the value in the tfvars file, not the variable block
    root = f"{CASES}/inputs"
    g = graph_of(monkeypatch, "inputs")
    key = g.get(root, "aws_kms_key.this")
    assert key is not None
    assert key.attributes["description"].trace == (
        Located(Span(f"{root}/variables.tf", 32, 1, 32, 20), "var.settings = {...} (default)"),
        Located(
            Span(f"{root}/b.auto.tfvars", 1, 7, 1, 20), 'var.env = "from-b-auto" (b.auto.tfvars)'
        ),
    )
    # a default keeps the variable block
    assert key.attributes["enable_key_rotation"].trace == (
        Located(Span(f"{root}/variables.tf", 12, 1, 12, 18), "var.rotate = true (default)"),
    )
    plan = g.get(root, "aws_backup_plan.this")
    assert plan is not None
    assert plan.attributes["rule"].trace[-1] == Located(
        Span(f"{root}/a.auto.tfvars.json", 1, 47, 1, 48),
        "var.retention_days = 7 (a.auto.tfvars.json)",
    )


# ----------------------------------------------------------------------------- instances


def test_count_for_each_dynamic_splat_and_for(monkeypatch: pytest.MonkeyPatch) -> None:
    root = f"{CASES}/instances"
    path = f"{root}/main.tf"
    g = graph_of(monkeypatch, "instances")
    assert [r.address for r in g.resources] == [
        "aws_kms_key.keys[0]",
        "aws_kms_key.keys[1]",
        'aws_kms_key.regional["eu-west-1"]',
        'aws_kms_key.regional["eu-west-2"]',
        'aws_backup_vault.by_name["db"]',
        'aws_backup_vault.by_name["logs"]',
        "aws_backup_plan.all",
        "aws_backup_selection.sel",
        'aws_backup_vault_notifications.by_vault["db"]',
        'aws_backup_vault_notifications.by_vault["logs"]',
    ]
    # each.key only decides existence; each.value touches what for_each touched
    notify = g.get(root, 'aws_backup_vault_notifications.by_vault["db"]')
    assert notify is not None
    assert notify.attributes["backup_vault_name"] == Known("db")
    topic = notify.attributes["sns_topic_arn"]
    assert isinstance(topic, Depends)
    assert (topic.default, topic.inputs) == (
        "arn:aws:sns:eu-west-2:111122223333:retention-90",
        frozenset({"var.vaults"}),
    )
    k0 = g.get(root, "aws_kms_key.keys[0]")
    k1 = g.get(root, "aws_kms_key.keys[1]")
    assert k0 is not None and k1 is not None
    # count.index, heredoc (indented: common leading whitespace stripped), template
    assert k0.attributes["description"] == Known("key 0 Managed by acme\nfor backups\n")
    assert k0.attributes["enable_key_rotation"] == Known(True)
    assert k1.attributes["enable_key_rotation"] == Known(False)
    unknown_count = Unknown("aws_kms_key.keys: count is not known (any value of var.key_count)")
    assert k1.exists == Depends(
        True,
        frozenset({"var.key_count"}),
        (Alternative((("var.key_count", any_value("var.key_count")),), unknown_count),),
        complete=False,
    )
    regional = g.get(root, 'aws_kms_key.regional["eu-west-1"]')
    assert regional is not None
    assert regional.attributes["description"] == Known("key in eu-west-1")

    logs = g.get(root, 'aws_backup_vault.by_name["logs"]')
    db = g.get(root, 'aws_backup_vault.by_name["db"]')
    assert logs is not None and db is not None
    # for-expression local indexed by each.key; conditional on each.key
    assert logs.value("name") == "acme-logs"
    assert logs.value("kms_key_arn") == Ref("aws_kms_key.keys[0]", "arn", root)
    # with any key_count, keys[0] (if it exists at all) is still that key: not an unknown
    assert logs.attributes["kms_key_arn"] == Depends(
        Ref("aws_kms_key.keys[0]", "arn", root),
        frozenset({"var.key_count"}),
        (
            Alternative(
                (("var.key_count", any_value("var.key_count")),),
                Ref("aws_kms_key.keys[0]", "arn", root),
            ),
        ),
        complete=False,
    )
    assert db.value("kms_key_arn") == Ref('aws_kms_key.regional["eu-west-2"]', "arn", root)

    plan = g.get(root, "aws_backup_plan.all")
    assert plan is not None
    rule = plan.attributes["rule"]
    assert isinstance(rule, Depends)
    assert rule.default == [
        {
            "rule_name": "rule-db",
            "target_vault_name": "acme-db",
            "lifecycle": [{"delete_after": 90}],
            "copy_action": [],
        },
        {
            "rule_name": "rule-logs",
            "target_vault_name": "acme-logs",
            "lifecycle": [{"delete_after": 30}],
            "copy_action": [
                {"destination_vault_arn": "arn:aws:backup:eu-west-1:111122223333:backup-vault:dr"}
            ],
        },
        {"rule_name": "static", "target_vault_name": "Default"},
    ]
    assert rule.inputs == {"var.vaults", "var.enable_copy"}
    no_copy = [a.value for a in rule.alternatives if a.assignment == (("var.enable_copy", False),)]
    assert no_copy[0][1]["copy_action"] == []
    assert plan.spans["rule[1].copy_action[0].destination_vault_arn"] == Span(path, 72, 11, 72, 108)
    assert plan.spans["rule[2].target_vault_name"] == Span(path, 80, 5, 80, 34)
    edges = {(e.source, e.source_attribute, e.target, e.target_attribute) for e in g.edges}
    assert (
        "aws_backup_plan.all",
        "rule[0].target_vault_name",
        'aws_backup_vault.by_name["db"]',
        "name",
    ) in edges
    assert (
        "aws_backup_plan.all",
        "rule[1].target_vault_name",
        'aws_backup_vault.by_name["logs"]',
        "name",
    ) in edges

    sel = g.get(root, "aws_backup_selection.sel")
    assert sel is not None
    assert sel.attributes["plan_id"] == Known(Ref("aws_backup_plan.all", "id", root))
    assert sel.value("resources") == ["DB", "LOGS"]
    # splat into a local, then index
    assert sel.value("iam_role_arn") == Ref("aws_kms_key.keys[1]", "arn", root)
    # ... but a splat over an unknown number of keys is unknown
    role = sel.attributes["iam_role_arn"]
    assert isinstance(role, Depends)
    assert [a.value for a in role.alternatives] == [unknown_count]


# ----------------------------------------------------------------------------- modules


def test_local_modules_in_the_caller_and_as_roots(monkeypatch: pytest.MonkeyPatch) -> None:
    root = f"{CASES}/modules"
    g = graph_of(monkeypatch, "modules")
    assert g.roots == (root, f"{root}/modules/vault", f"{root}/wrapper")
    assert [(r.root, r.address, r.module) for r in g.resources] == [
        (root, "aws_kms_key.backup", ""),
        (root, "aws_backup_plan.p", ""),
        (root, "module.vault.aws_backup_vault.this", "module.vault"),
        (root, 'module.per_env["dev"].aws_backup_vault.this', 'module.per_env["dev"]'),
        (root, 'module.per_env["prod"].aws_backup_vault.this', 'module.per_env["prod"]'),
        (f"{root}/modules/vault", "aws_backup_vault.this", ""),
        (f"{root}/wrapper", "module.inner.aws_backup_vault.this", "module.inner"),
    ]
    key_arn = Ref("aws_kms_key.backup", "arn", root)
    inner = g.get(root, "module.vault.aws_backup_vault.this")
    assert inner is not None
    assert inner.span == Span(f"{root}/modules/vault/main.tf", 10, 1, 10, 35)
    assert inner.attributes["kms_key_arn"] == Depends(
        key_arn,
        frozenset({"var.use_cmk"}),
        (Alternative((("var.use_cmk", False),), None),),
        complete=True,
    )
    assert inner.attributes["name"] == Known("main")
    dev = g.get(root, 'module.per_env["dev"].aws_backup_vault.this')
    assert dev is not None
    assert dev.attributes["name"] == Known("vault-dev")
    assert dev.attributes["kms_key_arn"] == Known(key_arn)

    plan = g.get(root, "aws_backup_plan.p")
    assert plan is not None
    assert plan.attributes["rule"] == Known(
        [
            {"rule_name": "local", "target_vault_name": "main"},
            {
                "rule_name": "remote",
                "target_vault_name": Unknown("remote module lgallard/backup/aws is not fetched"),
            },
        ]
    )
    assert [n.message for n in g.notes] == [
        "module.remote: remote module lgallard/backup/aws is not fetched; its outputs and "
        "resources are unknown"
    ]
    # the called directory evaluated as its own root: its inputs are free
    alone = g.get(f"{root}/modules/vault", "aws_backup_vault.this")
    assert alone is not None
    name = alone.attributes["name"]
    assert isinstance(name, Unknown) and name.required_input
    assert name.reason == "var.name has no default: the caller must set it"
    assert alone.attributes["kms_key_arn"] == Depends(
        None,
        frozenset({"var.kms_key_arn"}),
        (
            Alternative(
                (("var.kms_key_arn", any_value("var.kms_key_arn")),), any_value("var.kms_key_arn")
            ),
        ),
        complete=False,
    )
    # a caller outside the module directory (../modules/vault) passes its own key
    wrapped = g.get(f"{root}/wrapper", "module.inner.aws_backup_vault.this")
    assert wrapped is not None
    assert wrapped.value("kms_key_arn") == (
        "arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    assert wrapped.attributes["kms_key_arn"].inputs == {"var.key_arn"}
    assert {(e.source, e.target, e.target_attribute) for e in g.edges} == {
        ("aws_backup_plan.p", "module.vault.aws_backup_vault.this", "name"),
        ("module.vault.aws_backup_vault.this", "aws_kms_key.backup", "arn"),
        ('module.per_env["dev"].aws_backup_vault.this', "aws_kms_key.backup", "arn"),
        ('module.per_env["prod"].aws_backup_vault.this', "aws_kms_key.backup", "arn"),
    }


# ----------------------------------------------------------------------------- policies


def test_policy_documents_and_policy_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    root = f"{CASES}/policy"
    g = graph_of(monkeypatch, "policy")
    key_doc = g.get(root, "data.aws_iam_policy_document.key")
    assert key_doc is not None and key_doc.mode == "data"
    expected = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Root",
                "Effect": "Allow",
                "Action": "kms:*",
                "Resource": "*",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            },
            {
                "Sid": "AllowBackup",
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Principal": {"Service": "backup.amazonaws.com"},
                "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333"}},
            },
        ],
    }
    rendered = key_doc.attributes["json"]
    assert isinstance(rendered, Depends)
    assert rendered.default == json.dumps(expected, indent=2)
    assert rendered.inputs == {"var.allow_backup", "var.account_id"}
    no_backup = [
        a.value for a in rendered.alternatives if a.assignment == (("var.allow_backup", False),)
    ]
    assert json.loads(no_backup[0])["Statement"] == expected["Statement"][:1]
    assert key_doc.value("minified_json") == json.dumps(expected, separators=(",", ":"))

    override = g.get(root, "data.aws_iam_policy_document.override")
    assert override is not None
    # the override document's Root statement replaces this document's Root statement
    assert json.loads(override.value("json")) == {
        "Version": "2012-10-17",
        "Statement": expected["Statement"],
    }
    kms_doc = g.get(root, "aws_kms_key.doc")
    assert kms_doc is not None
    assert kms_doc.value("policy") == json.dumps(expected, indent=2)

    encoded = g.get(root, "aws_kms_key.encoded")
    assert encoded is not None
    policy = encoded.attributes["policy"]
    assert isinstance(policy, Known) and isinstance(policy.value, JsonEncoded)
    assert policy.value.data["Statement"][1]["Principal"] == {
        "AWS": Ref("aws_iam_role.backup", "arn", root)
    }
    from_file = g.get(root, "aws_kms_key.from_file")
    assert from_file is not None
    assert json.loads(from_file.value("policy"))["Statement"][0]["Sid"] == "File"
    from_template = g.get(root, "aws_kms_key.from_template")
    assert from_template is not None
    tpl = from_template.attributes["policy"]
    assert isinstance(tpl, Depends)
    assert json.loads(tpl.default)["Statement"][0]["Principal"] == {
        "AWS": "arn:aws:iam::111122223333:root"
    }
    assert ("aws_kms_key.doc", "policy", "data.aws_iam_policy_document.key", "json") in {
        (e.source, e.source_attribute, e.target, e.target_attribute) for e in g.edges
    }


# ----------------------------------------------------------------------------- problems


def test_cycle_dangling_reference_and_duplicate(monkeypatch: pytest.MonkeyPatch) -> None:
    root = f"{CASES}/errors"
    path = f"{root}/main.tf"
    g = graph_of(monkeypatch, "errors")
    assert [r.address for r in g.resources] == [
        "aws_backup_vault.cyclic",
        "aws_backup_vault.dangling",
        "aws_kms_key.dup",
    ]
    cyclic = g.get(root, "aws_backup_vault.cyclic")
    assert cyclic is not None
    assert cyclic.attributes["name"] == Unknown("reference cycle: local.a -> local.b -> local.a")
    dangling = g.get(root, "aws_backup_vault.dangling")
    assert dangling is not None
    assert dangling.attributes["kms_key_arn"] == Unknown("aws_kms_key.example is not declared")
    dup = g.get(root, "aws_kms_key.dup")
    assert dup is not None and dup.value("description") == "first"
    assert [str(e) for e in g.errors] == [
        f"{path}:19:1: duplicate resource aws_kms_key.dup (first declared at {path}:15:1); "
        "Terraform rejects this, the first one is used"
    ]
    assert [(str(n.span), n.message) for n in g.notes] == [
        (f"{path}:3:12", "reference cycle: local.a -> local.b -> local.a"),
        (f"{path}:12:28", "aws_kms_key.example is not declared"),
    ]


def test_broken_file_keeps_the_good_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    root = f"{CASES}/broken"
    g = graph_of(monkeypatch, "broken")
    assert [r.address for r in g.resources] == [
        "aws_kms_key.before",
        "aws_kms_key.after",
        "aws_backup_vault.v",
    ]
    assert g.errors and all(e.path == f"{root}/main.tf" and e.line for e in g.errors)
    vault = g.get(root, "aws_backup_vault.v")
    assert vault is not None
    assert vault.attributes["kms_key_arn"] == Unknown(
        "aws_kms_key.broken is not declared (a file of the module failed to parse)"
    )


def _write(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def _eval_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **options: object) -> Graph:
    monkeypatch.chdir(tmp_path)
    found = discover(["."])
    return evaluate_modules(found.modules, EvalOptions(scan_root=str(tmp_path), **options))  # type: ignore[arg-type]


def test_instance_limit_and_unknown_count(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "main.tf": """
data "aws_kms_key" "k" {
  key_id = "alias/aws/backup"
}

resource "aws_backup_vault" "many" {
  count = 5
  name  = "v${count.index}"
}

resource "aws_backup_vault" "unknown" {
  count = length(data.aws_kms_key.k.grant_tokens)
  name  = "u${count.index}"
}
"""
        },
    )
    g = _eval_tmp(monkeypatch, tmp_path, max_instances=2)
    assert [r.address for r in g.resources] == [
        "data.aws_kms_key.k",
        "aws_backup_vault.many[0]",
        "aws_backup_vault.many[1]",
        "aws_backup_vault.unknown[0]",
    ]
    assert [str(e) for e in g.errors] == [
        "main.tf:7:3: aws_backup_vault.many: count = 5 is over the limit of 2 instances; "
        "only the first 2 are evaluated"
    ]
    placeholder = g.get(".", "aws_backup_vault.unknown[0]")
    assert placeholder is not None
    assert isinstance(placeholder.exists, Unknown)
    assert placeholder.exists.reason.startswith("aws_backup_vault.unknown: count is not known")
    name = placeholder.attributes["name"]
    assert isinstance(name, Known) and isinstance(name.value, PartialStr)


def test_module_calling_itself_is_a_cycle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "main.tf": """
module "again" {
  source = "./"
}

resource "aws_backup_vault" "v" {
  name = module.again.name
}
"""
        },
    )
    g = _eval_tmp(monkeypatch, tmp_path)
    assert [r.address for r in g.resources] == ["aws_backup_vault.v"]
    vault = g.get(".", "aws_backup_vault.v")
    assert vault is not None
    assert vault.attributes["name"] == Unknown(
        "reference cycle: module calls itself (. -> module.again)"
    )
    assert [n.message for n in g.notes] == [
        "reference cycle: module calls itself (. -> module.again)"
    ]


def test_time_budget_gives_a_module_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "main.tf": 'variable "n" {\n  default = "v"\n}\n\n'
            'resource "aws_backup_vault" "v" {\n  name = var.n\n}\n'
        },
    )
    g = _eval_tmp(monkeypatch, tmp_path, time_budget=0.0)
    assert [e.message for e in g.errors] == [
        "time budget of 0 s exhausted: evaluation stopped, the results for this module are partial"
    ]
    assert g.resources == ()


# ----------------------------------------------------------------------------- corpus


CORPUS = REPO.parent / "shared" / "corpus"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
def test_every_corpus_module_evaluates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)
    found = discover(["."])
    assert len(found.modules) >= 30
    g = evaluate_modules(found.modules, EvalOptions(scan_root=str(CORPUS)))
    assert set(g.roots) == {m.directory for m in found.modules}
    internal = [e for e in g.errors if "internal error" in e.message]
    assert internal == []
    root = "lgallard__terraform-aws-backup/examples/simple_plan"
    plan = g.get(root, "module.aws_backup_example.aws_backup_plan.ab_plan[0]")
    assert plan is not None
    rules = plan.value("rule")
    assert [r["rule_name"] for r in rules] == ["rule-1", "rule-2"]
    vault = g.get(root, "module.aws_backup_example.aws_backup_vault.ab_vault[0]")
    assert vault is not None and vault.value("name") == "vault-3"
    dups = [e for e in g.errors if "duplicate resource aws_kms_key.unknown2" in e.message]
    assert len(dups) == 1


def test_tf_json_module_with_count(monkeypatch: pytest.MonkeyPatch) -> None:
    root = f"{CASES}/json_module"
    g = graph_of(monkeypatch, "json_module")
    assert [(r.root, r.address) for r in g.resources] == [
        (root, "aws_kms_key.k"),
        (root, "module.m[0].aws_backup_vault.this"),
        (root, "module.m[1].aws_backup_vault.this"),
        (f"{root}/mod", "aws_backup_vault.this"),
    ]
    key = g.get(root, "aws_kms_key.k")
    assert key is not None
    assert key.span.path == f"{root}/main.tf.json"
    assert key.attributes["enable_key_rotation"] == Known(True)
    assert key.value("description") == "json 2"
    second = g.get(root, "module.m[1].aws_backup_vault.this")
    assert second is not None
    assert second.attributes["name"] == Known("v1")
    unknown = Unknown("module.m: count is not known (any value of var.n)")
    assert second.exists == Depends(
        True,
        frozenset({"var.n"}),
        (Alternative((("var.n", any_value("var.n")),), unknown),),
        complete=False,
    )


def test_equality_chain_validation_enumerates(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _write(
        tmp_path,
        {
            "main.tf": """
variable "mode" {
  type    = string
  default = "cmk"
  validation {
    condition     = var.mode == "cmk" || var.mode == "aws"
    error_message = "cmk or aws"
  }
}

variable "enabled" {
  type    = bool
  default = true
}

resource "aws_kms_key" "k" {
  count = var.enabled && var.mode == "cmk" ? 1 : 0
}

resource "aws_backup_vault" "v" {
  name        = "v"
  kms_key_arn = var.enabled && var.mode == "cmk" ? aws_kms_key.k[0].arn : null
}
"""
        },
    )
    g = _eval_tmp(monkeypatch, tmp_path)
    vault = g.get(".", "aws_backup_vault.v")
    assert vault is not None
    ref = Ref("aws_kms_key.k[0]", "arn", ".")
    assert vault.attributes["kms_key_arn"] == Depends(
        ref,
        frozenset({"var.enabled", "var.mode"}),
        (
            Alternative((("var.enabled", False),), None),
            Alternative((("var.mode", "aws"),), None),
            Alternative((("var.enabled", False), ("var.mode", "aws")), None),
        ),
        complete=True,
    )
    key = g.get(".", "aws_kms_key.k[0]")
    assert key is not None
    assert key.exists == Depends(
        True,
        frozenset({"var.enabled", "var.mode"}),
        (
            Alternative((("var.enabled", False),), False),
            Alternative((("var.mode", "aws"),), False),
            Alternative((("var.enabled", False), ("var.mode", "aws")), False),
        ),
        complete=True,
    )


# ----------------------------------------------------------------------------- self-reference


def test_self_referential_block_is_an_error_and_unknown_without_evaluating(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # bugs.md h6 item 7: each of 1000 instances splatting over all 1000 was quadratic
    _write(
        tmp_path,
        {
            "main.tf": """resource "aws_kms_key" "k" {
  count               = 1000
  enable_key_rotation = "${aws_kms_key.k.*.arn}"
  description         = "key ${count.index}"
}

resource "aws_backup_vault" "v" {
  name        = "v"
  kms_key_arn = aws_kms_key.k[0].arn
}

data "aws_iam_policy_document" "d" {
  statement {
    actions   = ["kms:*"]
    resources = [for s in data.aws_iam_policy_document.d.statement : s.sid]
  }
}

resource "aws_backup_plan" "p" {
  name = "p"
  rule {
    rule_name         = "r"
    target_vault_name = aws_backup_vault.v.name
    copy_action {
      destination_vault_arn = aws_backup_plan.p.arn
    }
  }
  provisioner "local-exec" {
    command = "echo ${self.arn} ${aws_backup_plan.p.id}"
  }
  lifecycle {
    ignore_changes = [name]
  }
}

resource "aws_kms_alias" "a" {
  name          = "alias/a"
  target_key_id = [for aws_kms_alias in ["x"] : aws_kms_alias.a][0]
}
""",
        },
    )
    g = _eval_tmp(monkeypatch, tmp_path)
    message = "Self-referential block: {} refers to itself"
    assert [str(e) for e in g.errors] == [
        "main.tf:3:28: " + message.format("aws_kms_key.k"),
        "main.tf:15:27: " + message.format("data.aws_iam_policy_document.d"),
        "main.tf:25:31: " + message.format("aws_backup_plan.p"),
    ]
    assert len(g.resources) == 1004
    key = g.get(".", "aws_kms_key.k[999]")
    assert key is not None
    assert key.attributes["enable_key_rotation"] == Unknown(message.format("aws_kms_key.k"))
    assert key.attributes["enable_key_rotation"].span == Span("main.tf", 3, 3, 3, 49)
    assert key.attributes["description"] == Known("key 999")
    # the rest of the module evaluates; no edge from the key to itself
    vault = g.get(".", "aws_backup_vault.v")
    assert vault is not None
    assert vault.attributes["kms_key_arn"] == Known(Ref("aws_kms_key.k[0]", "arn", "."))
    assert all(
        not e.target.startswith("aws_kms_key.k")
        for e in g.edges
        if e.source != "aws_backup_vault.v"
    )
    plan = g.get(".", "aws_backup_plan.p")
    assert plan is not None
    assert plan.attributes["rule"] == Known(
        [
            {
                "rule_name": "r",
                "target_vault_name": "v",
                "copy_action": [
                    {"destination_vault_arn": Unknown(message.format("aws_backup_plan.p"))}
                ],
            }
        ]
    )
    # a for-expression variable of the same name as the type is not the resource
    alias = g.get(".", "aws_kms_alias.a")
    assert alias is not None
    assert alias.attributes["target_key_id"] == Unknown(
        "invalid: cannot get attribute 'a' of a string"
    )


def test_self_reference_in_a_module_is_one_error_at_the_module_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _write(
        tmp_path,
        {
            "main.tf": 'module "a" {\n  source = "./modules/m"\n  count  = 2\n}\n',
            "modules/m/main.tf": """resource "aws_kms_key" "k" {
  description = aws_kms_key.k.arn
  provisioner "local-exec" {
    command = "echo ${self.arn}"
  }
}
""",
        },
    )
    g = _eval_tmp(monkeypatch, tmp_path)
    # evaluated from the root (two instances) and as a root of its own: reported once;
    # self. in a provisioner is how Terraform names the resource there: no error
    assert [str(e) for e in g.errors] == [
        "modules/m/main.tf:2:17: Self-referential block: aws_kms_key.k refers to itself"
    ]
    assert [(r.address, r.attributes["description"]) for r in g.resources] == [
        (address, Unknown("Self-referential block: aws_kms_key.k refers to itself"))
        for address in ("module.a[0].aws_kms_key.k", "module.a[1].aws_kms_key.k", "aws_kms_key.k")
    ]


def test_an_open_count_keeps_a_placeholder_and_each_is_touched_only_when_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "vault_name" {\n  type    = string\n  default = null\n}\n'
        'variable "vaults" {\n  type = map(string)\n}\n'
        'resource "aws_backup_vault" "named" {\n'
        "  count = var.vault_name != null ? 1 : 0\n  name  = var.vault_name\n}\n"
        'resource "aws_backup_vault" "each" {\n'
        "  for_each    = var.vaults\n  name        = each.value\n  kms_key_arn = null\n}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    found = discover(["."])
    g = evaluate_modules(found.modules, EvalOptions(scan_root=str(tmp_path)))
    named = g.get(".", "aws_backup_vault.named[0]")
    # absent under the defaults, present for some other value of var.vault_name
    assert named is not None and isinstance(named.exists, Depends)
    assert named.exists.default is False and "var.vault_name" in named.exists.inputs
    each = g.get(".", 'aws_backup_vault.each["?"]')
    assert each is not None
    assert each.attributes["kms_key_arn"] == Known(None)
    assert "var.vaults" in each.attributes["name"].inputs
