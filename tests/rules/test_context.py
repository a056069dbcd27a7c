"""The rule context (``iacguard.rules.context``): how a verdict becomes a Finding."""

from __future__ import annotations

from rule_builders import graph, res, run

from iacguard.core.certainty import Certainty
from iacguard.core.values import Alternative, Depends, Known, Unknown
from iacguard.graph.model import Graph


def test_definite_findings_carry_no_inputs():
    # BKP001 on purpose: every rule's findings go through RuleContext.finding, and this
    # rule's predicate (is the key null?) is the simplest to decide in every world
    vault = res(
        "aws_backup_vault.v",
        "aws_backup_vault",
        {
            "kms_key_arn": Depends(
                None, frozenset({"var.x"}), (Alternative((("var.x", True),), None),), True
            )
        },
    )
    (f,) = run(graph(vault), "BKP001")
    assert (f.certainty, f.inputs) == (Certainty.DEFINITE, ())


def _gated(exists):
    return res("aws_backup_vault.v", "aws_backup_vault", {}, exists=exists)


def test_a_gated_finding_says_when_the_resource_exists_and_lists_the_gate():
    created = Depends(
        False, frozenset({"var.create"}), (Alternative((("var.create", True),), True),), True
    )
    (f,) = run(graph(_gated(created)), "BKP001")
    assert (f.certainty, f.inputs, f.exists_when) == (
        Certainty.DEFINITE,
        ("var.create",),
        "var.create = true",
    )
    assert f.to_json()["exists_when"] == "var.create = true"
    assert " when created (var.create = true): " in f.message


def test_existence_on_by_default_names_the_input_that_removes_it():
    removable = Depends(
        True, frozenset({"var.on"}), (Alternative((("var.on", False),), False),), True
    )
    (f,) = run(graph(_gated(removable)), "BKP001")
    assert f.exists_when == "var.on = true"


def test_an_ungated_finding_has_no_existence_condition():
    (f,) = run(graph(_gated(Known(True))), "BKP001")
    assert (f.exists_when, f.to_json()["exists_when"]) == (None, None)
    assert "when created" not in f.message


def test_a_resource_that_exists_in_no_world_gives_no_finding():
    never = Depends(False, frozenset({"var.x"}), (Alternative((("var.x", True),), 0),), True)
    assert run(graph(_gated(never)), "BKP001") == []
    assert run(graph(_gated(Known(False))), "BKP001") == []


# ----------------------------------------------------------------------------- wording (#10.7)


def _keyed(value, **kw):
    return res("aws_backup_vault.v", "aws_backup_vault", {"kms_key_arn": value}, **kw)


def _null_by_default(*names):
    """kms_key_arn null with the defaults, a key in an "any value" world of each input."""
    alts = tuple(
        Alternative(((n, Unknown("any", None, frozenset({n}))),), "arn:aws:kms:k") for n in names
    )
    return Depends(None, frozenset(names), alts, False)


def test_a_default_finding_names_the_variable_default():
    (f,) = run(graph(_keyed(_null_by_default("var.kms"))), "BKP001")
    assert f.certainty is Certainty.DEFAULT
    assert " with the default of var.kms: " in f.message
    assert "default inputs" not in f.message


def test_a_default_finding_names_the_tfvars_file_that_sets_the_input():
    g = Graph((_keyed(_null_by_default("var.kms")),), assigned=(("m", "var.kms", "prod.tfvars"),))
    (f,) = run(g, "BKP001")
    assert " with var.kms from prod.tfvars: " in f.message


def test_a_default_finding_names_the_parameter_default():
    vault = res(
        "Vault",
        "AWS::Backup::BackupVault",
        {"EncryptionKeyArn": _null_by_default("KmsKeyArn")},
        language="cloudformation",
    )
    (f,) = run(graph(vault), "BKP001")
    assert " with the Default of Parameter KmsKeyArn: " in f.message


def test_a_long_input_list_is_capped_and_json_keeps_them_all():
    names = [f"var.i{n}" for n in range(6)]
    (f,) = run(graph(_keyed(_null_by_default(*names))), "BKP001")
    assert "the defaults of var.i0, var.i1 and var.i2 and 3 more: " in f.message
    assert f.inputs == tuple(names)


def test_a_possible_finding_says_may_and_no_garbled_placeholder():
    other = Unknown("any", None, frozenset({"var.rules"}))
    value = Depends(
        "arn:aws:kms:k",
        frozenset({"var.rules"}),
        ((Alternative((("var.rules", other),), None)),),
        True,
    )
    (f,) = run(graph(_keyed(value)), "BKP001")
    assert f.certainty is Certainty.POSSIBLE
    assert "may have no customer-managed KMS key for other values of var.rules: " in f.message
    assert "(another value)" not in f.message and "possibly (" not in f.message


def test_an_unseeable_value_without_inputs_says_why_not_possibly():
    (f,) = run(graph(_keyed(Unknown("remote module x is not fetched", None))), "BKP001")
    assert f.message == (
        "Backup vault aws_backup_vault.v may have no customer-managed KMS key: its kms_key_arn "
        "cannot be seen (remote module x is not fetched) and may not be a customer-managed key."
    )


def test_a_gate_input_is_not_named_again_as_a_default():
    created = Depends(
        False, frozenset({"var.create"}), (Alternative((("var.create", True),), True),), True
    )
    value = Depends(
        None,
        frozenset({"var.create"}),
        (Alternative((("var.create", False),), "arn:aws:kms:k"),),
        True,
    )
    (f,) = run(graph(_keyed(value, exists=created)), "BKP001")
    assert "when created (var.create = true): kms_key_arn" in f.message
    assert "with" not in f.message.split(": ")[0]


def test_existence_by_default_names_where_the_default_comes_from():
    on = Depends(
        True,
        frozenset({"var.n"}),
        (Alternative((("var.n", 0),), 0), Alternative((("var.n", 5),), 5)),
        False,
    )
    (f,) = run(graph(_keyed(None, exists=on)), "BKP001")
    assert f.exists_when == "with the default of var.n"
    assert "as with the default" not in f.message
