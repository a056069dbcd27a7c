"""Property tests: the located loaders read the same data as the reference decoders."""

from __future__ import annotations

import json

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from iacguard.parse.cfn_nodes import MapNode, Node, SeqNode, to_plain
from iacguard.parse.cfn_yaml import load_yaml
from iacguard.parse.located_json import load_json

keys = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=False, allow_infinity=False, width=64)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


def _spans_are_ordered(node: Node) -> None:
    """Every child starts inside its parent; keys come before their values."""
    if isinstance(node, SeqNode):
        for item in node.items:
            assert (item.span.start_line, item.span.start_column) >= (
                node.span.start_line,
                node.span.start_column,
            )
            _spans_are_ordered(item)
    elif isinstance(node, MapNode):
        for key, value in node.items():
            assert (key.span.start_line, key.span.start_column) < (
                value.span.start_line,
                value.span.start_column,
            )
            _spans_are_ordered(value)


@settings(max_examples=150, deadline=None)
@given(documents, st.sampled_from([None, 2]))
def test_json_decoder_agrees_with_json_module(data: object, indent: int | None) -> None:
    text = json.dumps(data, indent=indent, ensure_ascii=indent is None)
    doc = load_json(text, "t.json")
    assert doc.errors == ()
    assert to_plain(doc.root) == json.loads(text)
    _spans_are_ordered(doc.root)


@settings(max_examples=150, deadline=None)
@given(documents, st.booleans())
def test_yaml_loader_agrees_with_pyyaml(data: object, flow: bool) -> None:
    # string keys only, as CloudFormation's: PyYAML then quotes any key that would resolve
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    doc = load_yaml(text, "t.yaml")
    assert doc.errors == ()
    assert to_plain(doc.root) == yaml.safe_load(text)
    if doc.root is not None:
        _spans_are_ordered(doc.root)
