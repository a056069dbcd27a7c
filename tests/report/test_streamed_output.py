"""json and sarif are written piece by piece (report.write); the bytes are exactly render's."""

from __future__ import annotations

import io
import json

import pytest

from iacguard.report import jsonstream, render, write


@pytest.mark.parametrize("fmt", ["json", "sarif", "concise", "junit", "gitlab", "markdown", "html"])
def test_write_equals_render(report, fmt):
    out = io.StringIO()
    write(report, fmt, out)
    assert out.getvalue() == render(report, fmt)


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_streamed_formats_encode_findings_one_at_a_time(report, fmt, monkeypatch):
    """The findings list reaches the encoder as a Stream, not as a built list."""
    seen: list[type] = []
    real = jsonstream.chunks

    def spy(value, level=0):
        if isinstance(value, jsonstream.Stream):
            seen.append(type(value.items))
        return real(value, level)

    monkeypatch.setattr(jsonstream, "chunks", spy)
    out = io.StringIO()
    write(report, fmt, out)
    assert seen and all(t is not list for t in seen)
    assert out.getvalue() == render(report, fmt)


def _doc(index: int, stream):
    """Document ``index`` with its lazy lists given as ``stream(iterator)``: jsonstream.Stream
    for the streamed encoding, ``list`` for the document built whole."""
    return [
        lambda: {},
        lambda: [],
        lambda: {"a": stream(iter([]))},
        lambda: {"a": stream(iter([1, "x\ny", None, 2.5, True]))},
        lambda: {
            "v": "1",
            "nested": {"deep": [stream({"k": [1, {}]} for _ in range(3)), []]},
            "empty": {},
            "text": 'é \u202e \x1b[31m "quoted"',
            "after": [{"a": [1, [2, [3]]]}],
        },
        lambda: [stream(iter([stream(iter([{"x": 1}])), stream(iter([]))]))],
    ][index]()


@pytest.mark.parametrize("index", range(6))
def test_jsonstream_matches_json_dumps(index):
    streamed = io.StringIO()
    jsonstream.write(_doc(index, jsonstream.Stream), streamed)
    expected = json.dumps(_doc(index, list), indent=2, ensure_ascii=False) + "\n"
    assert streamed.getvalue() == expected
    assert jsonstream.render(_doc(index, jsonstream.Stream)) == expected


def test_jsonstream_refuses_keys_json_would_convert():
    with pytest.raises(TypeError, match="keys of a streamed document are strings"):
        jsonstream.render({1: jsonstream.Stream([])})


def test_jsonstream_writes_in_large_pieces():
    """Many small items are buffered into few writes (one write per item would be slow)."""
    writes: list[int] = []

    class Sink(io.StringIO):
        def write(self, s):
            writes.append(len(s))
            return super().write(s)

    sink = Sink()
    doc = {"items": jsonstream.Stream({"n": i} for i in range(20000))}
    jsonstream.write(doc, sink)
    assert (
        sink.getvalue()
        == json.dumps({"items": [{"n": i} for i in range(20000)]}, indent=2, ensure_ascii=False)
        + "\n"
    )
    assert 1 < len(writes) < 20


def _json_values():
    from hypothesis import strategies as st

    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=True, allow_infinity=True)
        | st.text()
    )
    keys = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.tuples(inner, inner)
            | st.dictionaries(keys, inner, max_size=4)
        ),
        max_leaves=30,
    )


def test_indented_is_json_dumps_with_indent_byte_for_byte():
    """The fast encoder of the streamed formats (issue 12 item 5) spells every value, key,
    escape, float and empty container as ``json.dumps(indent=2, ensure_ascii=False)``."""
    from hypothesis import given, settings

    @settings(max_examples=400, deadline=None)
    @given(_json_values(), st_levels())
    def check(value, level):
        expected = json.dumps(value, indent=2, ensure_ascii=False)
        if level:
            expected = expected.replace("\n", "\n" + "  " * level)
        assert jsonstream.indented(value, level) == expected

    check()
    with pytest.raises(TypeError):
        jsonstream.indented({"x": object()})


def st_levels():
    from hypothesis import strategies as st

    return st.integers(min_value=0, max_value=3)
