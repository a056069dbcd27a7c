"""The backup-selection join (rules/selections.py) and source encryption (rules/encryption.py)
on hand-made graphs: ARN patterns, tag tests, three-valued membership, the candidate index."""

from __future__ import annotations

import pytest
from rule_builders import flag, graph, res

from iacguard.core.certainty import Certainty
from iacguard.core.values import Known, PartialStr, Ref, Unknown
from iacguard.graph.facts import SOURCES
from iacguard.rules.context import Analysis
from iacguard.rules.encryption import judge_source
from iacguard.rules.selections import HIDDEN, arn_matches, assignments, index

VOLUME = SOURCES["aws_ebs_volume"]
DB = SOURCES["aws_db_instance"]
CLUSTER = SOURCES["aws_rds_cluster"]


@pytest.mark.parametrize(
    ("pattern", "shape", "name", "expected"),
    [
        ("*", VOLUME, None, True),
        ("arn:aws:ec2:*:*:volume/*", VOLUME, None, True),
        ("arn:aws:ec2:eu-west-1:111122223333:volume/*", VOLUME, None, True),
        ("arn:aws:ec2:*:*:instance/*", VOLUME, None, False),
        ("arn:aws:rds:*:*:db:*", VOLUME, None, False),
        ("arn:aws:ec2:*:*:volume/vol-0123", VOLUME, None, False),  # an existing volume's id
        ("arn:aws:rds:*:*:db:*", DB, "orders", True),
        ("arn:aws:rds:*:*:db:ord*", DB, "orders", True),
        ("arn:aws:rds:*:*:db:bill*", DB, "orders", False),
        ("arn:aws:rds:*:*:db:orders", DB, None, False),  # not set: AWS generates it
        ("arn:aws:rds:*:*:db:orders", DB, Unknown("var.name"), None),  # cannot be seen
        ("arn:aws:rds:*:*:db:ord*", DB, None, None),
        ("arn:aws:rds:*:*:cluster:*", DB, "orders", False),
        ("arn:aws:rds:*:*:cluster:*", CLUSTER, "orders", True),
        (f"arn:aws:rds:{HIDDEN}:{HIDDEN}:db:*", DB, "orders", True),
        (f"arn:aws:rds:{HIDDEN}:{HIDDEN}:db:{HIDDEN}", DB, "orders", None),
        (f"arn:aws:ec2:{HIDDEN}:{HIDDEN}:volume/{HIDDEN}", DB, "orders", False),
        ("not an arn", VOLUME, None, False),
    ],
)
def test_arn_patterns(pattern, shape, name, expected):
    assert arn_matches(pattern, shape, name) is expected


def _selection(resources=None, tags=None, conditions=None, not_resources=None, **kw):
    attrs = {"plan_id": Ref("aws_backup_plan.p", "id", "m")}
    for key, value in (
        ("resources", resources),
        ("selection_tag", tags),
        ("condition", conditions),
        ("not_resources", not_resources),
    ):
        if value is not None:
            attrs[key] = value
    return res("aws_backup_selection.s", "aws_backup_selection", attrs, **kw)


def _volume(name, tags=None, encrypted=None, **kw):
    attrs = {}
    if tags is not None:
        attrs["tags"] = tags
    if encrypted is not None:
        attrs["encrypted"] = encrypted
    return res(f"aws_ebs_volume.{name}", "aws_ebs_volume", attrs, **kw)


def _assigned(g, selection):
    shared = Analysis(g)
    return {s.address: a.verdict.certainty for s, a in assignments(shared, selection)}


def test_resources_or_tags_and_conditions_minus_not_resources():
    tagged = _volume("tagged", {"Backup": "yes", "Team": "data"})
    ref = _volume("ref", {"Team": "web"})
    excluded = _volume("excluded", {"Backup": "yes", "Team": "data"})
    other = _volume("other", {"Team": "data"})
    sel = _selection(
        resources=[Ref("aws_ebs_volume.ref", "arn", "m")],
        tags=[{"type": "STRINGEQUALS", "key": "Backup", "value": "yes"}],
        conditions=[{"string_like": [{"key": "aws:ResourceTag/Team", "value": "*"}]}],
        not_resources=[Ref("aws_ebs_volume.excluded", "arn", "m")],
    )
    g = graph(sel, tagged, ref, excluded, other)
    assert _assigned(g, sel) == {
        "aws_ebs_volume.tagged": Certainty.DEFINITE,
        "aws_ebs_volume.ref": Certainty.DEFINITE,
    }


def test_not_conditions_hold_for_an_absent_tag_and_fail_for_a_matching_one():
    keep = _volume("keep", {"Backup": "yes"})
    drop = _volume("drop", {"Backup": "yes", "Tier": "scratch"})
    sel = _selection(
        tags=[{"type": "STRINGEQUALS", "key": "Backup", "value": "yes"}],
        conditions=[{"string_not_equals": [{"key": "aws:ResourceTag/Tier", "value": "scratch"}]}],
    )
    assert _assigned(graph(sel, keep, drop), sel) == {"aws_ebs_volume.keep": Certainty.DEFINITE}


def test_membership_is_three_valued():
    by_input = _volume("by_input", flag("var.backup", {"Backup": "yes"}, {"Backup": "no"}))
    unseen = _volume("unseen", Unknown("remote module output"))
    sel = _selection(tags=[{"type": "STRINGEQUALS", "key": "Backup", "value": "yes"}])
    assert _assigned(graph(sel, by_input, unseen), sel) == {
        "aws_ebs_volume.by_input": Certainty.DEFAULT,
        "aws_ebs_volume.unseen": Certainty.POSSIBLE,
    }


def test_existence_does_not_lower_membership():
    gated = _volume("gated[0]", {"Backup": "yes"}, exists=flag("var.create", False, True))
    sel = _selection(
        resources=[Ref("aws_ebs_volume.gated[0]", "arn", "m")],
        exists=flag("var.selection", True, False),
    )
    assert _assigned(graph(sel, gated), sel) == {"aws_ebs_volume.gated[0]": Certainty.DEFINITE}


def test_a_required_input_selects_nothing():
    vol = _volume("v")
    sel = _selection(resources=Unknown("var.resources has no default", required_input=True))
    assert _assigned(graph(sel, vol), sel) == {}


def test_wildcards_and_tags_stay_in_their_root():
    here = _volume("here", {"Backup": "yes"})
    there = _volume("there", {"Backup": "yes"}, root="other")
    sel = _selection(
        resources=["arn:aws:ec2:*:*:volume/*"],
        tags=[{"type": "STRINGEQUALS", "key": "Backup", "value": "yes"}],
    )
    assert _assigned(graph(sel, here, there), sel) == {"aws_ebs_volume.here": Certainty.DEFINITE}


def test_candidates_come_from_the_index_not_from_every_resource():
    """A tag selection's candidates are the sources with that tag key (and those whose tags
    cannot be read); a service wildcard's, that service's sources."""
    tagged = _volume("tagged", {"Backup": "yes"})
    untagged = [_volume(f"plain{i}", {"Team": "x"}) for i in range(5)]
    opaque = _volume("opaque", Unknown("remote module output"))
    db = res("aws_db_instance.d", "aws_db_instance", {"identifier": "d"})
    by_tag = _selection(tags=[{"type": "STRINGEQUALS", "key": "Backup", "value": "yes"}])
    by_arn = _selection(resources=["arn:aws:rds:*:*:db:*"])
    g = graph(by_tag, tagged, opaque, db, *untagged)
    idx = index(Analysis(g))
    assert [r.address for r in idx.candidates(by_tag)] == [
        "aws_ebs_volume.tagged",
        "aws_ebs_volume.opaque",
    ]
    assert [r.address for r in idx.candidates(by_arn)] == ["aws_db_instance.d"]


def test_interpolated_arn_of_a_source_names_that_source():
    vol = _volume("v", language="cloudformation")
    other = _volume("w", language="cloudformation")
    arn = PartialStr(
        ("arn:aws:ec2:", Unknown("AWS::Region"), ":", Unknown("AWS::AccountId"), ":volume/")
        + (Ref("aws_ebs_volume.v", None, "m"),)
    )
    sel = _selection(resources=[arn])
    assert _assigned(graph(sel, vol, other), sel) == {"aws_ebs_volume.v": Certainty.DEFINITE}


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({}, Certainty.DEFINITE),
        ({"encrypted": False}, Certainty.DEFINITE),
        ({"encrypted": True}, None),
        ({"encrypted": "true"}, None),
        ({"encrypted": flag("var.enc", False, True)}, Certainty.DEFAULT),
        ({"encrypted": Unknown("data source")}, Certainty.POSSIBLE),
        ({"encrypted": Unknown("var.enc has no default", required_input=True)}, None),
    ],
)
def test_ebs_volume_encryption(attrs, expected):
    vol = res("aws_ebs_volume.v", "aws_ebs_volume", attrs)
    judged = judge_source(Analysis(graph(vol)), vol, False)
    assert (judged.verdict.certainty if judged else None) == expected


def test_ebs_encryption_by_default_covers_volumes_not_databases():
    vol = res("aws_ebs_volume.v", "aws_ebs_volume", {"encrypted": False})
    db = res("aws_db_instance.d", "aws_db_instance", {})
    on = res("aws_ebs_encryption_by_default.on", "aws_ebs_encryption_by_default", {})
    shared = Analysis(graph(vol, db, on))
    assert judge_source(shared, vol, False) is None
    assert judge_source(shared, db, False) is not None
    off = res(
        "aws_ebs_encryption_by_default.off", "aws_ebs_encryption_by_default", {"enabled": False}
    )
    assert judge_source(Analysis(graph(vol, off)), vol, False) is not None
    assert judge_source(Analysis(graph(vol)), vol, True) is None  # the option


@pytest.mark.parametrize(
    ("type_", "attrs", "flagged"),
    [
        ("aws_db_instance", {"storage_encrypted": False}, True),
        ("aws_db_instance", {"replicate_source_db": "orders"}, False),
        ("aws_db_instance", {"snapshot_identifier": "snap"}, False),
        ("aws_rds_cluster", {}, True),
        ("aws_rds_cluster", {"engine_mode": "serverless"}, False),
        ("aws_rds_cluster", {"engine_mode": "provisioned"}, True),
        ("aws_redshift_cluster", {}, False),
        ("aws_redshift_cluster", {"encrypted": False}, True),
        ("aws_neptune_cluster", {}, True),
        ("aws_docdb_cluster", {"storage_encrypted": True}, False),
        ("AWS::RDS::DBInstance", {"DBSnapshotIdentifier": "snap"}, False),
        ("AWS::EC2::Instance", {}, True),  # the AMI's root volume
        ("AWS::EC2::Instance", {"BlockDeviceMappings": [{"Ebs": {"Encrypted": True}}]}, False),
        ("AWS::EC2::Instance", {"BlockDeviceMappings": [{"VirtualName": "ephemeral0"}]}, True),
    ],
)
def test_source_rows(type_, attrs, flagged):
    r = res("x", type_, attrs, language="cloudformation" if "::" in type_ else "terraform")
    assert (judge_source(Analysis(graph(r)), r, False) is not None) is flagged


def test_an_aurora_instance_follows_its_cluster():
    cluster = res("aws_rds_cluster.c", "aws_rds_cluster", {"cluster_identifier": "c"})
    by_ref = res(
        "aws_rds_cluster_instance.i",
        "aws_rds_cluster_instance",
        {"cluster_identifier": Ref("aws_rds_cluster.c", "id", "m")},
    )
    by_name = res(
        "aws_rds_cluster_instance.j", "aws_rds_cluster_instance", {"cluster_identifier": "c"}
    )
    elsewhere = res(
        "aws_rds_cluster_instance.k", "aws_rds_cluster_instance", {"cluster_identifier": "far"}
    )
    shared = Analysis(graph(cluster, by_ref, by_name, elsewhere))
    assert judge_source(shared, by_ref, False).cluster is cluster
    assert judge_source(shared, by_name, False).cluster is cluster
    assert judge_source(shared, elsewhere, False) is None
    encrypted = res("aws_rds_cluster.c", "aws_rds_cluster", {"storage_encrypted": Known(True)})
    assert judge_source(Analysis(graph(encrypted, by_ref)), by_ref, False) is None
