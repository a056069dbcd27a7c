"""The skim of a quiet Terraform module (``evaluate.terraform.skim``, ``parse.hcl_skim``)
reports exactly the errors, in the same order, and the resource count that today's full path
(``ModuleLoader`` + ``parse_tfvars``, every file converted to the syntax tree) reports: on every
fixture, the corpus, the hostile suite's inputs, hand-written broken files of each error kind
and generated HCL-ish input."""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iacguard.core.located import FileError
from iacguard.core.units import TerraformModule
from iacguard.evaluate.terraform.modules import ModuleLoader, read_source
from iacguard.evaluate.terraform.skim import skim_modules
from iacguard.parse.hcl_skim import skim_hcl
from iacguard.parse.tfvars import parse_tfvars

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO.parent / "shared" / "corpus"
HOSTILE = REPO / "tests" / "hostile"
MAX = 20 * 1024 * 1024

Result = tuple[list[FileError], int]


def full(modules: Sequence[TerraformModule], max_size: int = MAX) -> Result:
    """Today's full path (what ``run.relevance.skim_unit`` did before the skim): every file
    parsed into the syntax tree and indexed by ``ModuleLoader``."""
    loader = ModuleLoader(max_size, ".")
    errors: list[FileError] = []
    declared = 0
    for module in modules:
        config = loader.load(module.directory, tuple(module.files))
        errors.extend(loader.take_errors(config))
        declared += len(config.resources)
        for var_file in module.var_files:
            data = read_source(var_file, max_size)
            errors.extend(
                [data] if isinstance(data, FileError) else parse_tfvars(data, var_file)[1]
            )
    return errors, declared


def skim(modules: Sequence[TerraformModule], max_size: int = MAX) -> Result:
    """The skim, as ``run.relevance.skim_unit`` runs it."""
    return skim_modules(modules, max_size)


def _discovered(tree: Path, monkeypatch: pytest.MonkeyPatch) -> list[TerraformModule]:
    from iacguard.discover import discover

    monkeypatch.chdir(tree)
    return discover(["."]).modules


def _assert_same_per_module(modules: list[TerraformModule]) -> None:
    assert modules  # the tree has modules: the comparison means something
    for module in modules:
        assert skim([module]) == full([module]), module.directory
    assert skim(modules) == full(modules)


@pytest.mark.parametrize("tree", [REPO / "fixtures", CORPUS], ids=["fixtures", "corpus"])
def test_same_as_the_full_path_on_every_module(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not tree.is_dir():
        pytest.skip(f"{tree} is not here")
    modules = _discovered(tree, monkeypatch)
    _assert_same_per_module(modules)
    errors, _ = full(modules)
    assert errors  # the trees hold broken files: errors are compared, not only empty lists


def test_same_as_the_full_path_on_the_hostile_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(HOSTILE))
    from hostile_cases import write_all

    write_all(tmp_path, include_big=False)
    _assert_same_per_module(_discovered(tmp_path, monkeypatch))


# ----------------------------------------------------------------------------- by hand

RES = 'resource "aws_instance" "a" {\n  ami = "x"\n}\n'

#: name -> (files, a message the full path reports ("": no error), whether the skim reads the
#: first file without falling back to the full parse)
CASES: dict[str, tuple[dict[str, bytes | str], str, bool]] = {
    "attribute twice": (
        {"main.tf": 'resource "a" "b" {\n  x = 1\n  y = 2\n  x = 3\n}\n'},
        "duplicate attribute 'x'",
        True,
    ),
    "attribute twice at the top level": ({"main.tf": "a = 1\nb = 2\na = 3\n"}, "'a'", True),
    "attribute twice, nested": (
        {
            "main.tf": 'resource "a" "b" {\n  rule {\n    x {\n      y = 1\n'
            "      y = {a = 1}\n    }\n  }\n  rule { z = 1 }\n}\n"
        },
        "duplicate attribute 'y' (first defined at line 4)",
        True,
    ),
    "attributes twice in order, blocks between": (
        {
            "main.tf": "a = 1\n"
            'resource "r" "n" {\n  inner {\n    x = 1\n    x = 2\n  }\n  y = 1\n  y = 1\n}\n'
            "a = 2\n"
            'output "o" {\n  value = 1\n  value = 2\n}\n'
        },
        "duplicate attribute 'x'",
        True,
    ),
    "a local twice": (
        {
            "a.tf": "locals {\n  x = 1\n  x = 2\n  y = 1\n}\nlocals {\n  y = 3\n}\n",
            "b.tf": "locals {\n  x = 4\n}\n",
        },
        "duplicate local value 'y'",
        True,
    ),
    "a variable twice, across files": (
        {
            "a.tf": 'variable "v" {}\nvariable "w" {}\n',
            "b.tf": 'variable "v" {\n  default = 1\n}\n',
        },
        "duplicate variable 'v'",
        True,
    ),
    "a label spelled with an escape": (
        {"a.tf": 'variable "ab" {}\nvariable "a\\u0062" {}\n'},
        "duplicate variable 'ab'",
        True,
    ),
    "a resource twice": (
        {"a.tf": RES + RES, "b.tf": RES + 'data "aws_ami" "a" {}\ndata "aws_ami" "a" {}\n'},
        "duplicate resource aws_instance.a (first declared at a.tf:1:1)",
        True,
    ),
    "addresses that collide": (
        {
            "a.tf": 'resource "a.b" "c" {}\nresource "a" "b.c" {}\n'
            'data "x" "y" {}\nresource "data.x" "y" {}\n'
        },
        "duplicate resource a.b.c",
        True,
    ),
    "module calls, outputs and providers twice": (
        {
            "a.tf": 'module "m" {\n  source = "./m"\n}\nmodule "m" {\n  source = "./n"\n}\n'
            'output "o" {\n  value = 1\n}\noutput "o" {\n  value = 2\n}\n'
            'provider "aws" {}\nprovider "aws" {}\nprovider "aws" {\n  alias = "w"\n}\n',
        },
        "duplicate module call 'm'",
        True,
    ),
    "blocks with the wrong number of labels": (
        {
            "a.tf": 'resource "a" {}\nresource "a" {}\nvariable "a" "b" {}\nvariable "a" "b" {}\n'
            "locals {\n  z = 1\n}\nterraform {}\nterraform {}\n" + RES + RES
        },
        "duplicate resource",
        True,
    ),
    "not ASCII: columns in characters": (
        {
            "a.tf": '/* é */ resource "ü" "b" {}\n/* ééé */ resource "ü" "b" {}\n'
            'résumé = "ß"\nrésumé = 2\nlocals {\n  é = 1\n  é = 2\n}\n'
            'variable "v" {\n  default = "ä"\n  default = 1\n}\n'
        },
        "first declared at a.tf:1:9",
        True,
    ),
    "a byte order mark": (
        {"a.tf": b"\xef\xbb\xbfa = 1\na = 2\n" + RES.encode() + RES.encode()},
        "duplicate resource aws_instance.a (first declared at a.tf:3:1)",
        True,
    ),
    "blank lines and space runs made comments": (
        {"a.tf": "a = 1\n" + "\n" * 150 + "a" + " " * 120 + "= 2\n" + RES + RES},
        "duplicate attribute 'a'",
        True,
    ),
    "a big file, its plain strings masked": (
        {
            "a.tf": "".join(f'resource "r" "n{i}" {{\n  ami = "x"\n}}\n' for i in range(8000))
            + 'resource "b" "c" {\n  x = "y"\n  x = "z"\n}\n'
        },
        "duplicate attribute 'x'",
        True,
    ),
    "a syntax error at the end": ({"a.tf": RES + 'resource "b" "c" {\n  x = 1\n'}, "syntax", False),
    "syntax errors in several places": (
        {
            "a.tf": 'resource "a" "b" {\n  x = = 1\n}\n' + RES + RES + "locals {\n  y = [1,\n}\n"
            'variable "v" {\n  default = "unclosed\n}\n',
            "b.tf": RES,
        },
        "syntax",
        False,
    ),
    "an exponent without a fraction": (
        {"a.tf": "a = 1e3\nb = 2E-2\na = 3\n"},
        "duplicate attribute 'a'",
        False,
    ),
    "nesting deeper than the converter reads": (
        {"a.tf": "a = " + "(" * 250 + "1" + ")" * 250 + "\na = 2\n" + RES + RES},
        "nesting deeper than 200",
        False,
    ),
    "nesting near the limit": (
        {"a.tf": "a = " + "[" * 190 + "1" + "]" * 190 + "\n" + "b {\n" * 90 + "}\n" * 90},
        "",
        False,
    ),
    "directives nested past Python's recursion": (
        {"a.tf": 'a = "' + "%{if x}" * 400 + "y" + "%{endif}" * 400 + '"\n'},
        "nesting too deep",
        False,
    ),
    "a literal over the limit": (
        {"a.tf": 'a = "' + "x" * (1024 * 1024 + 10) + '"\na = 1\n' + RES + RES},
        "not read",
        False,
    ),
    "a .tf.json file beside .tf files": (
        {
            "a.tf": RES + 'variable "v" {}\n',
            "b.tf.json": '{"resource": {"aws_instance": {"a": {"ami": "y", "ami": "z"}}},'
            ' "variable": {"v": {}}}',
        },
        "duplicate",
        True,
    ),
    "tfvars: an attribute twice, a block, a syntax error": (
        {
            "terraform.tfvars": "x = 1\nx = 2\nblock {\n  y = 1\n  y = 2\n}\nz = 1\n",
            "a.tf": 'variable "x" {}\n',
            "b.auto.tfvars": "y = [\n",
            "c.auto.tfvars.json": '{"x": 1, "x": 2',
            "d.auto.tfvars.json": '["x"]',
        },
        "blocks are not allowed in a variables file (found 'block')",
        True,
    ),
    "an empty file and one of comments": ({"a.tf": "", "b.tf": "# only\n/* this */\n"}, "", True),
}


def _write(root: Path, files: dict[str, bytes | str]) -> None:
    for name, text in files.items():
        (root / name).write_bytes(text if isinstance(text, bytes) else text.encode())


def _module(root: Path, files: dict[str, bytes | str]) -> TerraformModule:
    tf = tuple(sorted(n for n in files if n.endswith((".tf", ".tf.json"))))
    var_files = tuple(sorted(n for n in files if ".tfvars" in n))
    prefix = "" if root == Path(".") else f"{root.as_posix()}/"
    return TerraformModule(
        root.as_posix(), tuple(prefix + n for n in tf), tuple(prefix + n for n in var_files)
    )


@pytest.mark.parametrize("name", list(CASES))
def test_same_as_the_full_path_on_each_error_kind(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, message, skimmed = CASES[name]
    _write(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    module = _module(Path("."), files)
    expected = full([module])
    assert skim([module]) == expected
    if message:
        assert any(message in e.message for e in expected[0]), expected
    else:
        assert expected[0] == []
    # the error kinds the skim reads itself (in the case's first file) need no full parse
    first = next(iter(files))
    assert (skim_hcl(Path(first).read_bytes(), first) is not None) == skimmed


def test_unreadable_and_too_big_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {"big.tf": RES * 10, "ok.tf": RES, "v.tfvars": "x = 1\n" * 40})
    (tmp_path / "dir.tf").mkdir()
    module = TerraformModule(
        ".", ("big.tf", "dir.tf", "gone.tf", "ok.tf"), ("v.tfvars", "no.tfvars")
    )
    expected = full([module], max_size=200)
    assert [e.message.split(":")[0].split(" ")[0] for e in expected[0]] == [
        "file",
        "cannot",
        "cannot",
        "file",
        "cannot",
    ]
    assert skim([module], max_size=200) == expected


def test_a_directory_given_twice_reports_its_errors_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "m").mkdir()
    _write(tmp_path / "m", {"a.tf": RES + RES})
    os.symlink("m", tmp_path / "n")
    monkeypatch.chdir(tmp_path)
    modules = [TerraformModule("m", ("m/a.tf",)), TerraformModule("n", ("n/a.tf",))]
    expected = full(modules)
    assert len(expected[0]) == 1 and expected[1] == 2
    assert skim(modules) == expected


def test_a_quiet_module_is_not_converted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of the skim: a quiet unit's files are never converted to the syntax tree
    (the duplicate is found from tree-sitter's tree)."""
    from iacguard.evaluate.options import EvalOptions
    from iacguard.parse.hcl_convert import Converter
    from iacguard.run.relevance import skim_unit

    _write(tmp_path, CASES["a resource twice"][0])
    monkeypatch.chdir(tmp_path)
    module = _module(Path("."), CASES["a resource twice"][0])
    expected = full([module])

    def no(*_: object) -> None:
        raise AssertionError("converted")

    monkeypatch.setattr(Converter, "body", no)
    graph, declared = skim_unit("terraform", [module], "", EvalOptions(scan_root="."))
    assert (list(graph.errors), declared) == expected


# ----------------------------------------------------------------------------- generated

_NAMES = ("a", "b", "é", "count", "source")
_TYPES = ("resource", "data", "variable", "locals", "module", "output", "provider", "x")
_LABELS = ('"a"', '"b"', '"a.b"', '"b.c"', "a", '"\\u0061"', '"é"')
_VALUES = (
    "1",
    '"s"',
    "var.a",
    "[1, 2]",
    "{ a = 1, b = 2 }",
    'f("x")',
    "<<EOT\nhi\nEOT",
    "a ? b : c",
)
_NOISE = ("", "", "", "{", "}", "=", '"', "/*", "\n", "é", "${", "1e3")


def _hclish(rnd: random.Random, depth: int = 0) -> str:
    """A body: attributes and blocks from small vocabularies (duplicates likely), now and then
    a token that breaks the syntax."""
    out = []
    for _ in range(rnd.randint(0, 5)):
        if rnd.random() < 0.5 or depth > 3:
            out.append(f"{rnd.choice(_NAMES)} = {rnd.choice(_VALUES)}")
        else:
            kind = rnd.choice(_TYPES) if depth == 0 else rnd.choice(_NAMES[:3])
            labels = " ".join(rnd.choice(_LABELS) for _ in range(rnd.randint(0, 2)))
            out.append(f"{kind} {labels} {{\n{_hclish(rnd, depth + 1)}}}")
        out.append(rnd.choice(_NOISE) if rnd.random() < 0.15 else "")
    return "".join(f"{'  ' * depth}{line}\n" for line in out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32), st.integers(1, 3), st.booleans())
def test_same_as_the_full_path_on_generated_modules(seed: int, files: int, vars_: bool) -> None:
    import tempfile

    rnd = random.Random(seed)
    texts: dict[str, bytes | str] = {f"f{i}.tf": _hclish(rnd) for i in range(files)}
    if vars_:
        texts["terraform.tfvars"] = _hclish(rnd)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write(root, texts)
        module = _module(root, texts)
        assert skim([module]) == full([module]), texts


_attribute = st.builds(lambda n, v: f"{n} = {v}", st.sampled_from(_NAMES), st.sampled_from(_VALUES))


def _block(kind: str, labels: list[str], body: list[str]) -> str:
    return f"{kind} {' '.join(labels)} {{\n" + "\n".join(body) + "\n}"


_body = st.recursive(
    st.lists(st.one_of(_attribute, st.sampled_from(_NOISE)), max_size=4),
    lambda inner: st.lists(
        st.one_of(
            _attribute,
            st.builds(
                _block,
                st.sampled_from(_TYPES + _NAMES[:3]),
                st.lists(st.sampled_from(_LABELS), max_size=2),
                inner,
            ),
        ),
        max_size=5,
    ),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_body, _body)
def test_same_as_the_full_path_on_generated_bodies(first: list[str], second: list[str]) -> None:
    """Shrinkable: two files of attributes and nested blocks, now and then a broken token."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        texts: dict[str, bytes | str] = {"a.tf": "\n".join(first), "b.tf": "\n".join(second)}
        _write(root, texts)
        module = _module(root, texts)
        assert skim([module]) == full([module]), texts


def _seeded(count: int) -> Iterator[bytes]:
    sys.path.insert(0, str(HOSTILE))
    try:
        from fuzz_inputs import mutate, random_hcl_module
    finally:
        sys.path.remove(str(HOSTILE))
    rnd = random.Random(12)
    for _ in range(count):
        data = random_hcl_module(rnd)
        yield mutate(rnd, data) if rnd.random() < 0.5 else data


def test_same_as_the_full_path_on_fuzz_modules(tmp_path: Path) -> None:
    for i, data in enumerate(_seeded(60)):
        path = tmp_path / f"m{i}.tf"
        path.write_bytes(data)
        module = TerraformModule(tmp_path.as_posix(), (path.as_posix(),))
        assert skim([module]) == full([module]), data
