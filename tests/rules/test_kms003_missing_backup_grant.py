"""KMS003 kms-key-missing-backup-grant on hand-built graphs: the backup-grant modes, policies
that depend on inputs or cannot be read, attached key policies, backup roles."""

from __future__ import annotations

from rule_builders import GRANT, graph, res, run, span

from iacguard.core.certainty import Certainty
from iacguard.core.located import Located
from iacguard.core.values import Alternative, Depends, JsonEncoded, Ref, Unknown


def test_kms003_modes():
    root_only = JsonEncoded(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "kms:*",
                }
            ]
        }
    )
    key = res("aws_kms_key.k", "aws_kms_key", {"policy": root_only}, spans={"policy": 3})
    vault = res(
        "aws_backup_vault.v", "aws_backup_vault", {"kms_key_arn": Ref("aws_kms_key.k", "arn", "m")}
    )
    (f,) = run(graph(key, vault), "KMS003")
    assert (f.certainty, f.location) == (Certainty.DEFINITE, span(3))
    assert f.message == (
        "KMS key aws_kms_key.k protects backup vault aws_backup_vault.v but its key policy gives "
        "AWS Backup no grant: no statement allows AWS Backup kms:Decrypt and "
        "kms:GenerateDataKey."
    )
    assert len(f.message) < 200  # one breath (issue 10): the modes are in the catalog entry
    from iacguard.core.catalog import render_rule

    assert "iam-delegation" in render_rule("KMS003")
    assert f.properties == {"vaults": ["aws_backup_vault.v"], "backup_grant": "explicit"}
    assert run(graph(key, vault), "KMS003", {"backup-grant": "iam-delegation"}) == []


def test_kms003_policy_depending_on_input_and_unrenderable():
    policy = Depends(
        None, frozenset({"var.grant"}), (Alternative((("var.grant", True),), GRANT),), True
    )
    key = res("aws_kms_key.k", "aws_kms_key", {"policy": policy})
    vault = res(
        "aws_backup_vault.v", "aws_backup_vault", {"kms_key_arn": Ref("aws_kms_key.k", "arn", "m")}
    )
    (f,) = run(graph(key, vault), "KMS003")
    assert (f.certainty, f.inputs) == (Certainty.DEFAULT, ("var.grant",))
    opaque = res("aws_kms_key.k", "aws_kms_key", {"policy": "{not json,}"})
    assert run(graph(opaque, vault), "KMS003") == []
    unrelated = res("aws_kms_key.k", "aws_kms_key", {})
    assert run(graph(unrelated), "KMS003") == []


def test_kms003_attached_key_policy_wins():
    key = res("aws_kms_key.k", "aws_kms_key", {"policy": GRANT})
    attached = res(
        "aws_kms_key_policy.p",
        "aws_kms_key_policy",
        {"key_id": Ref("aws_kms_key.k", "id", "m"), "policy": '{"Statement": []}'},
    )
    vault = res(
        "aws_backup_vault.v", "aws_backup_vault", {"kms_key_arn": Ref("aws_kms_key.k", "arn", "m")}
    )
    (f,) = run(graph(key, attached, vault), "KMS003")
    assert f.location == key.span
    assert Located(attached.span, "aws_kms_key_policy.p sets the key policy") in f.evidence


def test_kms003_key_policy_for_the_backup_role_is_a_grant():
    trust = JsonEncoded(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "backup.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ]
        }
    )
    role = res("aws_iam_role.backup", "aws_iam_role", {"assume_role_policy": trust})
    other = res(
        "aws_iam_role.app",
        "aws_iam_role",
        {
            "assume_role_policy": JsonEncoded(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ]
                }
            )
        },
    )

    def key_for(role_address):
        return res(
            f"aws_kms_key.{role_address.split('.')[1]}",
            "aws_kms_key",
            {
                "policy": JsonEncoded(
                    {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": Ref(role_address, "arn", "m")},
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                            }
                        ]
                    }
                )
            },
        )

    vaults = [
        res(
            f"aws_backup_vault.{n}",
            "aws_backup_vault",
            {"kms_key_arn": Ref(f"aws_kms_key.{n}", "arn", "m")},
        )
        for n in ("backup", "app")
    ]
    g = graph(role, other, key_for("aws_iam_role.backup"), key_for("aws_iam_role.app"), *vaults)
    assert [f.address for f in run(g, "KMS003")] == ["aws_kms_key.app"]


def test_kms003_unknown_aws_principals_never_grant_unless_they_are_the_selection_role():
    def role_input(name):
        return Unknown(f"var.{name} has no default", inputs=frozenset({f"var.{name}"}))

    def key(name, principal):
        statement = {
            "Effect": "Allow",
            "Principal": {"AWS": principal},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        }
        return res(
            f"aws_kms_key.{name}",
            "aws_kms_key",
            {"policy": JsonEncoded({"Statement": [statement]})},
        )

    selection = res(
        "aws_backup_selection.s",
        "aws_backup_selection",
        {"iam_role_arn": role_input("backup_role"), "plan_id": Ref("aws_backup_plan.p", "id", "m")},
    )
    vaults = [
        res(
            f"aws_backup_vault.{n}",
            "aws_backup_vault",
            {"kms_key_arn": Ref(f"aws_kms_key.{n}", "arn", "m")},
        )
        for n in ("selection_role", "app_role")
    ]
    g = graph(
        selection,
        key("selection_role", role_input("backup_role")),
        key("app_role", role_input("app_role")),
        *vaults,
    )
    (f,) = run(g, "KMS003")
    assert (f.address, f.certainty) == ("aws_kms_key.app_role", Certainty.DEFINITE)


def test_kms003_judges_each_policy_payload_once(monkeypatch):
    """A policy judged in every world, for each vault the key protects and for the message
    is read once per payload (``grant_answer``), with the same finding."""
    from iacguard.rules import kms003_missing_backup_grant as kms003

    root_only = JsonEncoded(
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}}]}
    )
    key = res("aws_kms_key.k", "aws_kms_key", {"policy": root_only}, spans={"policy": 3})
    vaults = [
        res(
            f"aws_backup_vault.v{i}",
            "aws_backup_vault",
            {"kms_key_arn": Ref("aws_kms_key.k", "arn", "m")},
        )
        for i in range(3)
    ]
    read: list[object] = []
    real = kms003.backup_grant

    def counting(payload, *args, **kwargs):
        read.append(payload)
        return real(payload, *args, **kwargs)

    monkeypatch.setattr(kms003, "backup_grant", counting)
    (f,) = run(graph(key, *vaults), "KMS003")
    assert f.properties["vaults"] == [v.address for v in vaults]
    # the policy itself once; the policy with AWS Backup's statement added (the fix) once
    assert [p is root_only for p in read] == [True, False]
