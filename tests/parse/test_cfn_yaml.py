"""The CloudFormation loaders: located nodes, tags, booleans, and hostile input."""

from __future__ import annotations

import pytest

from iacguard.core.located import FileError
from iacguard.core.spans import Span
from iacguard.parse.cfn_nodes import BadNode, MapNode, ScalarNode, SeqNode, to_plain
from iacguard.parse.cfn_yaml import load_template_text, load_yaml, resolve_plain
from iacguard.parse.located_json import load_json


def test_every_key_and_value_is_located() -> None:
    doc = load_yaml("Resources:\n  Key:\n    Type: AWS::KMS::Key\n", "t.yaml")
    assert doc.errors == () and not doc.fatal
    root = doc.root
    assert isinstance(root, MapNode)
    assert root.keys[0] == ScalarNode("Resources", Span("t.yaml", 1, 1, 1, 10))
    key = root.values[0]
    assert isinstance(key, MapNode)
    assert key.keys[0].span == Span("t.yaml", 2, 3, 2, 6)
    body = key.values[0]
    assert isinstance(body, MapNode)
    assert body.get("Type") == ScalarNode("AWS::KMS::Key", Span("t.yaml", 3, 11, 3, 24))
    # a block mapping ends with its last entry, not at the next token
    assert body.span == Span("t.yaml", 3, 5, 3, 24)


def test_short_forms_become_long_forms() -> None:
    text = (
        "a: !Ref X\n"
        "b: !GetAtt Key.Arn\n"
        "c: !GetAtt [Key, Arn]\n"
        "d: !GetAtt Db.Endpoint.Address\n"
        "e: !Sub ['${A}', {A: 1}]\n"
        "f: !If [C, !Condition D, !Ref AWS::NoValue]\n"
        "g: !Equals [!Ref P, 'true']\n"
        "h: !And [!Condition A, !Or [!Not [!Condition B]]]\n"
        "i: !Join ['', [a, !Select [0, !Split [',', 'x,y']]]]\n"
        "j: !FindInMap [M, !Ref P, K]\n"
        "k: !ImportValue shared\n"
        "l: !Base64 text\n"
        "m: !Cidr [10.0.0.0/16, 4, 8]\n"
        "n: !GetAZs ''\n"
        "o: !Transform {Name: AWS::Include}\n"
        "p: !Length [1, 2]\n"
        "q: !ToJsonString {a: 1}\n"
    )
    doc = load_yaml(text, "t.yaml")
    assert doc.errors == ()
    assert to_plain(doc.root) == {
        "a": {"Ref": "X"},
        "b": {"Fn::GetAtt": ["Key", "Arn"]},
        "c": {"Fn::GetAtt": ["Key", "Arn"]},
        "d": {"Fn::GetAtt": ["Db", "Endpoint.Address"]},
        "e": {"Fn::Sub": ["${A}", {"A": 1}]},
        "f": {"Fn::If": ["C", {"Condition": "D"}, {"Ref": "AWS::NoValue"}]},
        "g": {"Fn::Equals": [{"Ref": "P"}, "true"]},
        "h": {"Fn::And": [{"Condition": "A"}, {"Fn::Or": [{"Fn::Not": [{"Condition": "B"}]}]}]},
        "i": {"Fn::Join": ["", ["a", {"Fn::Select": [0, {"Fn::Split": [",", "x,y"]}]}]]},
        "j": {"Fn::FindInMap": ["M", {"Ref": "P"}, "K"]},
        "k": {"Fn::ImportValue": "shared"},
        "l": {"Fn::Base64": "text"},
        "m": {"Fn::Cidr": ["10.0.0.0/16", 4, 8]},
        "n": {"Fn::GetAZs": ""},
        "o": {"Fn::Transform": {"Name": "AWS::Include"}},
        "p": {"Fn::Length": [1, 2]},
        "q": {"Fn::ToJsonString": {"a": 1}},
    }
    # the function's key carries the span of the tagged node
    b = doc.root.get("b")  # type: ignore[union-attr]
    assert isinstance(b, MapNode)
    assert b.keys[0].span == Span("t.yaml", 2, 4, 2, 19)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("yes", True),
        ("on", True),
        ("false", False),
        ("No", False),
        ("off", False),
        ("~", None),
        ("null", None),
        ("30", 30),
        ("0x1F", 31),
        ("017", 15),
        ("1_000", 1000),
        ("-5", -5),
        ("1.5", 1.5),
        ("2010-09-09", "2010-09-09"),
        ("012345678901", "012345678901"),
        ("y", "y"),
        ("alias/aws/backup", "alias/aws/backup"),
    ],
)
def test_plain_scalars_resolve_as_yaml_1_1(text: str, value: object) -> None:
    assert resolve_plain(text) == value
    assert type(resolve_plain(text)) is type(value)


def test_quoted_scalars_stay_strings_and_keys_are_text() -> None:
    doc = load_yaml("a: 'true'\nb: \"30\"\n123456789012: x\ntrue: y\n", "t.yaml")
    assert to_plain(doc.root) == {"a": "true", "b": "30", "123456789012": "x", "true": "y"}


def test_python_tags_are_located_errors_never_constructed() -> None:
    text = "a: !!python/object/apply:os.system [echo]\nb: !!binary eA==\nc: ok\n"
    doc = load_yaml(text, "t.yaml")
    assert doc.errors == (
        FileError(
            "t.yaml",
            1,
            4,
            "unsupported YAML tag !!python/object/apply:os.system "
            "(only CloudFormation's intrinsic tags)",
        ),
        FileError(
            "t.yaml", 2, 4, "unsupported YAML tag !!binary (only CloudFormation's intrinsic tags)"
        ),
    )
    assert doc.notes == ()
    assert not doc.fatal
    assert isinstance(doc.root, MapNode)
    assert isinstance(doc.root.get("a"), BadNode)
    assert doc.root.get("c") == ScalarNode("ok", Span("t.yaml", 3, 4, 3, 6))


@pytest.mark.parametrize(
    "text",
    [
        "b: !Rain::Embed file.yaml\n",
        "b: !Foo [x, y]\n",
        "b: !MyMacro::Tag {k: v}\n",
    ],
)
def test_unknown_local_tags_are_unknown_values_with_a_note(text: str) -> None:
    doc = load_yaml(text + "c: ok\n", "t.yaml")
    tag = text.split()[1]
    assert doc.errors == ()
    assert [(n.span.start_line, n.span.start_column, n.message) for n in doc.notes] == [
        (1, 4, f"YAML tag {tag} is not a CloudFormation intrinsic: its value is unknown here")
    ]
    node = doc.root.get("b")
    assert isinstance(node, BadNode)
    assert tag in node.message
    assert doc.root.get("c") == ScalarNode("ok", Span("t.yaml", 2, 4, 2, 6))


def test_duplicate_keys_are_located_errors_and_the_first_wins() -> None:
    doc = load_yaml("a: 1\nb: 2\na: 3\n", "t.yaml")
    assert doc.errors == (
        FileError("t.yaml", 3, 1, "duplicate key 'a' (CloudFormation rejects duplicate keys)"),
    )
    assert to_plain(doc.root) == {"a": 1, "b": 2}


def test_billion_laughs_is_bounded() -> None:
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 9):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    doc = load_yaml("\n".join(lines) + "\n", "bomb.yaml")
    assert doc.fatal and doc.root is None
    assert doc.errors == (
        # l1..l4 expand to 74,718 nodes; l5's first alias of l4 (66,430 nodes) crosses the bound
        FileError(
            "bomb.yaml",
            6,
            10,
            "alias expansion exceeds 100000 nodes (a 'billion laughs' document?)",
        ),
    )


def test_small_aliases_are_shared() -> None:
    doc = load_yaml("a: &x [1, 2]\nb: *x\n", "t.yaml")
    assert doc.errors == ()
    assert to_plain(doc.root) == {"a": [1, 2], "b": [1, 2]}


def test_recursive_alias_is_an_error() -> None:
    doc = load_yaml("a: &a [*a]\n", "t.yaml")
    assert doc.errors == (FileError("t.yaml", 1, 8, "recursive alias *a"),)


def test_deep_nesting_is_an_error_before_anything_recurses() -> None:
    # libyaml's own composer crashes the process on this; we never call it
    doc = load_yaml("[" * 100_000 + "]" * 100_000, "deep.yaml", max_depth=200)
    assert doc.errors == (FileError("deep.yaml", 1, 201, "nesting deeper than 200 levels"),)
    doc = load_json("[" * 100_000 + "]" * 100_000, "deep.json", max_depth=200)
    assert doc.errors == (
        FileError("deep.json", 1, 201, "invalid JSON: nesting deeper than 200 levels"),
    )


@pytest.mark.parametrize("levels", [201, 500, 999, 1000, 1001, 5000])
def test_nesting_error_is_ours_whatever_the_yaml_library_limits(levels: int) -> None:
    # libyaml 0.2.6+ refuses more than 1000 levels while scanning ahead, before any event
    # reaches us; the user still meets iacguard's limit (the two block levels count), at the
    # bracket that crosses it
    text = "Resources:\n  K: " + "[" * levels + "]" * levels + "\n"
    doc = load_yaml(text, "deep.yaml", max_depth=200)
    assert doc.fatal
    assert doc.errors == (FileError("deep.yaml", 2, 6 + 198, "nesting deeper than 200 levels"),)


def test_brackets_in_quotes_and_comments_are_not_nesting() -> None:
    text = "a: '" + "[" * 3000 + "'\nb: \"" + "{" * 3000 + '"  # ' + "[" * 3000 + "\n"
    doc = load_yaml(text, "q.yaml", max_depth=200)
    assert doc.errors == ()
    assert to_plain(doc.root) == {"a": "[" * 3000, "b": "{" * 3000}


def test_truncated_yaml_and_json_are_located_errors() -> None:
    doc = load_yaml("Resources:\n  Key:\n    Type: [AWS::KMS::Key\n", "t.yaml")
    assert doc.fatal
    assert doc.errors == (
        FileError(
            "t.yaml",
            4,
            1,
            "invalid YAML: while parsing a flow sequence, did not find expected ',' or ']'",
        ),
    )
    doc = load_template_text('{"Resources": {"Key": {"Type": "AWS::KMS', "t.json")
    assert doc.errors == (FileError("t.json", 1, 32, "invalid JSON: unterminated string"),)


def test_two_documents_are_an_error() -> None:
    doc = load_yaml("a: 1\n---\nb: 2\n", "t.yaml")
    assert doc.errors == (FileError("t.yaml", 2, 1, "more than one YAML document in a template"),)
    assert not doc.fatal
    assert to_plain(doc.root) == {"a": 1}


def test_json_decoder_locates_every_value() -> None:
    text = '{\n  "a": [1, 2.5, "x\\u0041"],\n  "b": {"c": true, "d": null}\n}'
    doc = load_json(text, "t.json")
    assert doc.errors == ()
    root = doc.root
    assert isinstance(root, MapNode)
    assert to_plain(root) == {"a": [1, 2.5, "xA"], "b": {"c": True, "d": None}}
    a = root.get("a")
    assert isinstance(a, SeqNode)
    assert a.span == Span("t.json", 2, 8, 2, 27)
    assert a.items[2] == ScalarNode("xA", Span("t.json", 2, 17, 2, 26))
    assert root.key_node("b") == ScalarNode("b", Span("t.json", 3, 3, 3, 6))
    assert root.span == Span("t.json", 1, 1, 4, 2)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"a": 1,}', FileError("t.json", 1, 9, "invalid JSON: expected a string key")),
        (
            '{"a": 1} x',
            FileError("t.json", 1, 10, "invalid JSON: extra data after the JSON document"),
        ),
        ('{"a": NaN}', FileError("t.json", 1, 7, "invalid JSON: unexpected character 'N'")),
        ('{"a" 1}', FileError("t.json", 1, 6, "invalid JSON: expected ':' after an object key")),
        ("[1 2]", FileError("t.json", 1, 4, "invalid JSON: expected ',' or ']' in an array")),
    ],
)
def test_json_decoder_is_strict(text: str, error: FileError) -> None:
    doc = load_json(text, "t.json")
    assert doc.fatal and doc.errors == (error,)


def test_json_duplicate_keys_are_errors() -> None:
    doc = load_json('{"a": 1,\n "a": 2}', "t.json")
    assert doc.errors == (FileError("t.json", 2, 2, "duplicate key 'a'"),)
    assert to_plain(doc.root) == {"a": 1}


def test_json_looking_yaml_falls_back_to_yaml() -> None:
    # a YAML flow mapping with an unquoted key is not JSON; a .yaml file is read as YAML then
    doc = load_template_text("{Resources: {Key: {Type: 'AWS::KMS::Key'}}}\n", "t.yaml")
    assert doc.errors == ()
    assert to_plain(doc.root) == {"Resources": {"Key": {"Type": "AWS::KMS::Key"}}}


def test_path_at_names_the_element_a_position_starts():
    """``path_at``: a mapping key starting there names its entry; a position inside a value
    descends into it; a sequence item by index; nothing but the root: empty."""
    from iacguard.parse.cfn_nodes import path_at

    text = (
        "Resources:\n"
        "  Vault:\n"
        "    Type: AWS::Backup::BackupVault\n"
        "    Properties:\n"
        "      EncryptionKeyArn: !Ref Alias\n"
        "      Tags:\n"
        "        - Key: a\n"
        "          Value: b\n"
    )
    root = load_template_text(text, "t.yaml").root
    assert path_at(root, 2, 3) == ["Resources", "Vault"]
    assert path_at(root, 5, 7) == ["Resources", "Vault", "Properties", "EncryptionKeyArn"]
    assert path_at(root, 5, 26) == ["Resources", "Vault", "Properties", "EncryptionKeyArn", "Ref"]
    assert path_at(root, 8, 11) == ["Resources", "Vault", "Properties", "Tags", 0, "Value"]
    assert path_at(root, 9, 1) == []
