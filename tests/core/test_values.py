"""The three-valued values: partial strings, and leaves (references, unknowns) inside data."""

from iacguard.core.values import JsonEncoded, PartialStr, Ref, Unknown, is_fully_known, to_jsonable


def test_partial_string_matches_what_it_could_be():
    s = PartialStr(
        (
            "arn:aws:kms:",
            Unknown("AWS::Region"),
            ":",
            Unknown("AWS::AccountId"),
            ":alias/aws/backup",
        )
    )
    assert s.could_be("arn:aws:kms:eu-west-1:123456789012:alias/aws/backup")
    assert not s.could_be("arn:aws:kms:eu-west-1:123456789012:key/abc")
    assert str(s) == "arn:aws:kms:${?}:${?}:alias/aws/backup"


def test_leaves_make_data_not_fully_known_and_render_to_json():
    data = {"a": [1, Ref("x", "arn", "r")], "b": JsonEncoded({"c": Unknown("u")})}
    assert not is_fully_known(data)
    assert is_fully_known({"a": [1, "b", None, True]})
    assert to_jsonable(data) == {
        "a": [1, {"ref": "x.arn"}],
        "b": {"jsonencode": {"c": {"unknown": "u"}}},
    }
