"""The registry: built-ins, plugins, ruff-like selection, options and severities."""

from __future__ import annotations

import types

import pytest
from rule_builders import graph, res

from iacguard.core.findings import Severity
from iacguard.rules import registry
from iacguard.rules.registry import (
    PluginError,
    all_rules,
    resolve_options,
    run_rules,
)
from iacguard.rules.selection import select_rules

RULES = all_rules()
IDS = sorted(registry.BUILTIN)


def ids(rules):
    return [r.id for r in rules]


def test_builtins_from_the_catalog():
    assert ids(RULES) == IDS
    by = {r.id: r for r in RULES}
    assert by["BKP001"].name == "backup-vault-without-cmk"
    assert by["BKP001"].severity is Severity.HIGH
    assert by["BKP001"].options == {"allow-aws-managed-key": False}
    assert by["KMS001"].options == {"max-rotation-period-days": 365}
    assert by["KMS002"].options == {"min-deletion-window-days": 30}
    assert by["KMS003"].options == {"backup-grant": "explicit"}
    assert by["BKP001"].aliases == ("CKV_AWS_166",)
    assert by["KMS001"].aliases == ("CKV_AWS_7", "AVD-AWS-0065", "aws-kms-auto-rotate-keys")
    assert by["KMS001"].fixes["cloudformation"].startswith("Set EnableKeyRotation: true")


@pytest.mark.parametrize(
    ("select", "ignore", "expected"),
    [
        ((), (), IDS),
        (("KMS",), (), ["KMS001", "KMS002", "KMS003"]),
        (("BKP00",), ("BKP002",), ["BKP001", "BKP003", "BKP004"]),
        (("backup-vault-key-is-alias",), (), ["BKP003"]),
        (("ALL",), ("KMS",), ["BKP001", "BKP002", "BKP003", "BKP004"]),
        (("KMS001",), ("KMS",), ["KMS001"]),  # the more specific select wins
        (("KMS",), ("KMS",), []),  # a tie goes to ignore
        ((), ("kms-key-rotation-disabled", "B"), ["KMS002", "KMS003"]),
        (("XYZ",), (), []),
    ],
)
def test_select(select, ignore, expected):
    assert ids(select_rules(RULES, select, ignore)) == expected


def test_options_validation():
    bkp001 = RULES[0]
    assert resolve_options(bkp001, {"allow_aws_managed_key": True}) == {
        "allow-aws-managed-key": True
    }
    with pytest.raises(ValueError, match="BKP001: unknown option 'colour'"):
        resolve_options(bkp001, {"colour": "red"})
    with pytest.raises(ValueError, match="expected true or false"):
        resolve_options(bkp001, {"allow-aws-managed-key": "yes"})
    by = {r.id: r for r in RULES}
    kms001, kms003 = by["KMS001"], by["KMS003"]
    with pytest.raises(ValueError, match="above the maximum 2560"):
        resolve_options(kms001, {"max-rotation-period-days": 5000})
    with pytest.raises(ValueError, match="not one of explicit, iam-delegation"):
        resolve_options(kms003, {"backup-grant": "implicit"})


def test_run_rules_options_by_name_severity_override_and_order():
    g = graph(
        res(
            "aws_backup_vault.b",
            "aws_backup_vault",
            {"kms_key_arn": "alias/aws/backup"},
            line=9,
            spans={"kms_key_arn": 10},
        ),
        res("aws_backup_vault.a", "aws_backup_vault", {}, line=1),
    )
    found = run_rules(g, RULES, severity={"BKP001": Severity.LOW})
    assert [(f.rule_id, f.address, f.severity) for f in found] == [
        ("BKP001", "aws_backup_vault.a", Severity.LOW),
        ("BKP001", "aws_backup_vault.b", Severity.LOW),
        ("BKP003", "aws_backup_vault.b", Severity.MEDIUM),
    ]
    only_alias = run_rules(g, RULES, {"backup-vault-without-cmk": {"allow-aws-managed-key": True}})
    assert [f.rule_id for f in only_alias] == ["BKP003"]
    with pytest.raises(ValueError):
        run_rules(g, RULES, {"KMS002": {"min-window": 7}})


# ----------------------------------------------------------------------------- plugins

ENTRY = {
    "id": "ACME001",
    "name": "acme-vault-named",
    "severity": "low",
    "summary": "Every vault must have a name.",
    "rationale": "Names make the vault findable.",
    "fails": ["a vault without a name"],
    "passes": ["a named vault"],
    "fix": {"terraform": 'Set name = "x".', "cloudformation": "Set BackupVaultName: x."},
    "references": [{"title": "ACME handbook"}],
}


def _plugin_check(graph, ctx):
    for r in ctx.shared.of_kind("vault"):
        if r.get("name") is None:
            yield ctx.finding(r, _definite(), "unnamed", r.span)


def _definite():
    from iacguard.core.certainty import Certainty, Verdict

    return Verdict(Certainty.DEFINITE)


class FakeEntryPoint:
    def __init__(self, name, obj, value="acme.rules:rule"):
        self.name, self._obj, self.value = name, obj, value

    def load(self):
        if isinstance(self._obj, Exception):
            raise self._obj
        return self._obj


def with_plugins(monkeypatch, *eps):
    import importlib.metadata

    monkeypatch.setattr(
        importlib.metadata,
        "entry_points",
        lambda group=None: list(eps) if group == registry.ENTRY_POINT_GROUP else [],
    )


def test_plugin_rule_runs_like_a_builtin(monkeypatch):
    plugin = types.SimpleNamespace(CATALOG=ENTRY, check=_plugin_check)
    with_plugins(monkeypatch, FakeEntryPoint("acme", plugin))
    rules = all_rules()
    assert ids(rules) == ["ACME001"] + IDS
    acme = next(r for r in rules if r.id == "ACME001")
    assert (acme.origin, acme.severity) == ("acme", Severity.LOW)
    found = run_rules(graph(res("aws_backup_vault.v", "aws_backup_vault", {})), [acme])
    assert [(f.rule_id, f.message, f.fix) for f in found] == [
        ("ACME001", "unnamed", 'Set name = "x".')
    ]


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (ImportError("no module acme"), "cannot be loaded: ImportError: no module acme"),
        (types.SimpleNamespace(check=_plugin_check), "must provide a CATALOG mapping"),
        (
            types.SimpleNamespace(CATALOG={**ENTRY, "colour": "red"}, check=_plugin_check),
            "invalid catalog entry: entry: unknown key 'colour'",
        ),
        (
            types.SimpleNamespace(CATALOG={**ENTRY, "id": "BKP001"}, check=_plugin_check),
            "rule BKP001 acme-vault-named is already defined",
        ),
        (
            types.SimpleNamespace(CATALOG={**ENTRY, "severity": "urgent"}, check=_plugin_check),
            "invalid catalog entry: entry.severity: 'urgent' is not one of",
        ),
    ],
)
def test_bad_plugins_are_clear_errors(monkeypatch, obj, message):
    with_plugins(monkeypatch, FakeEntryPoint("acme", obj))
    with pytest.raises(PluginError) as info:
        all_rules()
    assert str(info.value).startswith("plugin 'acme' (acme.rules:rule): ")
    assert message in str(info.value)


def test_a_failing_rule_is_named(monkeypatch):
    def boom(graph, ctx):
        raise KeyError("vault")

    plugin = types.SimpleNamespace(CATALOG=ENTRY, check=boom)
    with_plugins(monkeypatch, FakeEntryPoint("acme", plugin))
    acme = [r for r in all_rules() if r.id == "ACME001"]
    with pytest.raises(
        registry.RuleError,
        match=r"rule ACME001 \(acme-vault-named, acme\) "
        r"failed: KeyError: 'vault'",
    ):
        run_rules(graph(), acme)


def test_a_rule_that_fails_on_one_root_loses_only_that_root(monkeypatch, tmp_path):
    """Through check(): the failing root is a located error (exit 1, like any file error);
    the rule's findings on the other root and every other rule's findings stay."""
    from iacguard.api import check
    from iacguard.config.model import Config

    def fussy(graph, ctx):
        for r in ctx.shared.of_kind("vault"):
            if r.get("name") is not None and r.get("name").value == "boom":
                raise KeyError("boom")
        yield from _plugin_check(graph, ctx)

    for name, vault_name in (("fine", None), ("broken", "boom")):
        root = tmp_path / name
        root.mkdir()
        attrs = f'  name = "{vault_name}"\n' if vault_name else ""
        (root / "main.tf").write_text(f'resource "aws_backup_vault" "v" {{\n{attrs}}}\n')
    plugin = types.SimpleNamespace(CATALOG=ENTRY, check=fussy)
    with_plugins(monkeypatch, FakeEntryPoint("acme", plugin))
    monkeypatch.chdir(tmp_path)
    report = check(["."], Config(), jobs=1)
    assert [(e.path, e.message) for e in report.errors] == [
        (
            "broken",
            "internal error: rule ACME001 (acme-vault-named, acme) failed: KeyError: 'boom'; "
            "its findings here are missing",
        )
    ]
    got = sorted((f.rule_id, f.location.path) for f in report.findings)
    assert got == [
        ("ACME001", "fine/main.tf"),
        ("BKP001", "broken/main.tf"),
        ("BKP001", "fine/main.tf"),
    ]
