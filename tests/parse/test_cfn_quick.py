"""A quiet template's skim (``run.relevance.skim_unit`` through ``parse.cfn_quick``) reports
exactly what the located parser's path reports (errors, roots, resource count): the outline is
used only when that parser would report no error, on every fixture and corpus template, the
hostile suite's templates, hand-written templates of each error kind and generated ones."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iacguard.evaluate.cloudformation.template import is_template
from iacguard.evaluate.options import EvalOptions
from iacguard.graph.model import Graph
from iacguard.parse.cfn_nodes import MapNode
from iacguard.parse.cfn_quick import quick_outline
from iacguard.parse.cfn_yaml import load_template
from iacguard.run.relevance import skim_unit

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"
HOSTILE = REPO / "tests" / "hostile"
SUFFIXES = (".yaml", ".yml", ".json", ".template", ".cfn")

Result = tuple[tuple[object, ...], tuple[str, ...], int]


def located(path: str, options: EvalOptions) -> Result:
    """Today's path: the located parser, then ``is_template`` and the Resources mapping."""
    parsed = load_template(path, max_file_size=options.max_file_size, max_depth=options.max_depth)
    root = parsed.root
    if parsed.fatal or root is None or not is_template(root):
        graph = Graph(errors=parsed.errors, roots=(path,) if parsed.errors else ())
        return graph.errors, graph.roots, 0
    resources = root.get("Resources")
    count = len(resources.values) if isinstance(resources, MapNode) else 0
    return tuple(parsed.errors), (path,), count


def skimmed(path: str, options: EvalOptions) -> Result:
    graph, count = skim_unit("template", (), path, options)
    return graph.errors, graph.roots, count


def _templates(tree: Path) -> list[str]:
    return sorted(str(p) for p in tree.rglob("*") if p.suffix in SUFFIXES and p.is_file())


@pytest.mark.parametrize("tree", [REPO / "fixtures", CORPUS], ids=["fixtures", "corpus"])
def test_same_as_the_located_parser_on_every_template(tree: Path) -> None:
    if not tree.is_dir():
        pytest.skip(f"{tree} is not here")
    options = EvalOptions()
    paths = _templates(tree)
    results = {p: located(p, options) for p in paths}
    assert any(r[2] for r in results.values())  # templates with resources are compared
    for path in paths:
        assert skimmed(path, options) == results[path], path


def test_same_as_the_located_parser_on_the_hostile_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(HOSTILE))
    from hostile_cases import write_all

    write_all(tmp_path, include_big=False)
    options = EvalOptions()
    paths = [p for p in _templates(tmp_path) if Path(p).is_file() and not Path(p).is_symlink()]
    assert any(located(p, options)[0] for p in paths)  # broken templates among them
    for path in paths:
        assert skimmed(path, options) == located(path, options), path


HEAD = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
KEY = "  Key:\n    Type: AWS::KMS::Key\n"

#: name -> (text, file suffix, whether the outline reads it: no error the located parser
#: would report)
CASES: dict[str, tuple[str | bytes, str, bool]] = {
    "a template": (HEAD + KEY + "  Q:\n    Type: AWS::SQS::Queue\n", ".yaml", True),
    "short tags, local tags, !!map": (
        HEAD + KEY + "    Properties:\n      A: !Ref X\n      B: !Sub [a, {}]\n"
        "      C: !Rain::Embed f\n      D: !!map {a: 1}\n      E: ! 01\n",
        ".yaml",
        True,
    ),
    "no version, a resource type": ("Resources:\n  B:\n    Type: Custom::X\n", ".yaml", True),
    "no version, Type not a string": ("Resources:\n  B:\n    Type: yes\n", ".yaml", True),
    "no version, Type quoted": ("Resources:\n  B:\n    Type: 'AWS::S3::Bucket'\n", ".yml", True),
    "not a template": ("a: 1\nb: [1, 2]\n", ".yaml", True),
    "a scalar document": ("just text\n", ".yaml", True),
    "an empty file": ("", ".yaml", True),
    "Resources a list": (HEAD.replace("Resources:\n", "Resources: [1]\n"), ".yaml", True),
    "a byte order mark": ("\ufeff" + HEAD + KEY, ".yaml", True),
    "a duplicate key": (HEAD + KEY + KEY, ".yaml", False),
    "a duplicate key, deep": (
        HEAD + KEY + "    Properties:\n      A: 1\n      A: 2\n",
        ".yaml",
        False,
    ),
    "a collection as a key": (HEAD + KEY + "    ? [a]\n    : 1\n", ".yaml", False),
    "a tagged key": (HEAD + KEY + "    !Ref a: 1\n", ".yaml", False),
    "a python tag": (HEAD + KEY + "    P: !!python/object:os.system [x]\n", ".yaml", False),
    "a binary tag": (HEAD + KEY + "    P: !!binary aGk=\n", ".yaml", False),
    "an invalid int": (HEAD + KEY + "    P: !!int abc\n", ".yaml", False),
    "a number too long": (HEAD + KEY + "    P: " + "9" * 5000 + "\n", ".yaml", False),
    "an anchor and alias": (HEAD + KEY + "    A: &a 1\n    B: *a\n", ".yaml", False),
    "an undefined alias": (HEAD + KEY + "    B: *nowhere\n", ".yaml", False),
    "a recursive alias": (HEAD + KEY + "    A: &a [*a]\n", ".yaml", False),
    "too deep": (HEAD + KEY + "    P: " + "[" * 300 + "]" * 300 + "\n", ".yaml", False),
    "two documents": (HEAD + KEY + "---\na: 1\n", ".yaml", False),
    "a syntax error": (HEAD + KEY + "    P: [1, 2\n", ".yaml", False),
    "Resources under a tag": (
        'AWSTemplateFormatVersion: "2010-09-09"\nResources: !Ref X\n',
        ".yaml",
        False,
    ),
    "JSON": (
        '{"AWSTemplateFormatVersion": "2010-09-09",'
        ' "Resources": {"K": {"Type": "AWS::KMS::Key"}, "Q": {}}}',
        ".json",
        True,
    ),
    "JSON, no version": ('{"Resources": {"K": {"Type": "AWS::KMS::Key"}}}', ".json", True),
    "JSON not a template": ('{"a": [1, {"b": null}]}', ".json", True),
    "JSON, a duplicate key": (
        '{"Resources": {"K": {"Type": "AWS::KMS::Key", "Type": 1}}}',
        ".json",
        False,
    ),
    "JSON, NaN": ('{"Resources": {"K": {"Type": "AWS::KMS::Key", "P": NaN}}}', ".json", False),
    "JSON, too deep": ('{"Resources": ' + "[" * 250 + "]" * 250 + "}", ".json", False),
    "JSON, a number too long": ('{"Resources": ' + "9" * 5000 + "}", ".json", False),
    "JSON, a syntax error": ('{"Resources": {"K": }}', ".json", False),
    "JSON in a .template file": (
        '{"Resources": {"K": {"Type": "AWS::KMS::Key"}}}',
        ".template",
        False,
    ),
    "not UTF-8": (b"Resources:\n  K:\n    Type: \xff\n", ".yaml", False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_same_as_the_located_parser_on_each_error_kind(name: str, tmp_path: Path) -> None:
    text, suffix, quick = CASES[name]
    path = tmp_path / f"t{suffix}"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    options = EvalOptions()
    expected = located(str(path), options)
    assert skimmed(str(path), options) == expected
    readable = isinstance(text, str)
    assert (readable and quick_outline(text, str(path)) is not None) == quick
    if quick:
        assert not expected[0]


def test_a_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(HEAD + KEY * 20)
    options = EvalOptions(max_file_size=50)
    expected = located(str(path), options)
    assert "over the limit" in expected[0][0].message  # type: ignore[attr-defined]
    assert skimmed(str(path), options) == expected


def test_a_quiet_template_is_not_given_to_the_located_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The point of the outline: a template without an error builds no located node."""
    from iacguard.parse import cfn_yaml, located_json

    yaml_path, json_path = tmp_path / "t.yaml", tmp_path / "t.json"
    yaml_path.write_text(CASES["short tags, local tags, !!map"][0])  # type: ignore[arg-type]
    json_path.write_text(CASES["JSON"][0])  # type: ignore[arg-type]
    options = EvalOptions()
    expected = [located(str(p), options) for p in (yaml_path, json_path)]

    def no(*_: object, **__: object) -> None:
        raise AssertionError("located")

    monkeypatch.setattr(cfn_yaml, "load_yaml", no)
    monkeypatch.setattr(located_json, "load_json", no)
    assert [skimmed(str(p), options) for p in (yaml_path, json_path)] == expected
    assert [e[2] for e in expected] == [1, 2]


def test_same_as_the_located_parser_on_generated_templates(tmp_path: Path) -> None:
    sys.path.insert(0, str(HOSTILE))
    try:
        from fuzz_inputs import mutate, random_cfn_template
    finally:
        sys.path.remove(str(HOSTILE))
    rnd = random.Random(7)
    options = EvalOptions()
    outlined = 0
    for i in range(80):
        name, data = random_cfn_template(rnd)
        if rnd.random() < 0.5:
            data = mutate(rnd, data)
        path = tmp_path / f"{i}-{name}"
        path.write_bytes(data)
        assert skimmed(str(path), options) == located(str(path), options), data
        outlined += not located(str(path), options)[0]
    assert outlined  # some are read by the outline, not only by the located parser


_YAML_TOKENS = (
    "a",
    "b",
    "Resources",
    "Type",
    "AWS::KMS::Key",
    "AWSTemplateFormatVersion",
    ": ",
    ":",
    "\n",
    "\n  ",
    "\n    ",
    "- ",
    "!Ref ",
    "!Foo ",
    "!!str ",
    "&x ",
    "*x",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "'q'",
    '"d"',
    "#c",
    "---",
    "? ",
    "yes",
    "0x1F",
    "1_000",
    "~",
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_YAML_TOKENS), max_size=40))
def test_same_as_the_located_parser_on_token_soup(tokens: list[str]) -> None:
    import tempfile

    text = "".join(tokens)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.yaml"
        path.write_text(text)
        options = EvalOptions()
        assert skimmed(str(path), options) == located(str(path), options), text
