"""``lazy_compile``: a pattern that behaves as ``re.compile``'s, compiled on first use, so the
modules of a small run's path import without compiling patterns the run never applies."""

from __future__ import annotations

import importlib
import re

import pytest

from iacguard.core.lazyre import LazyPattern, lazy_compile

#: modules a pre-commit check imports whose patterns serve input it may not have
ON_THE_SMALL_PATH = (
    "iacguard.config.find",
    "iacguard.config.lines",
    "iacguard.discover",
    "iacguard.graph.policy",
    "iacguard.parse.comments",
    "iacguard.parse.hcl",
    "iacguard.parse.hcl_cut",
    "iacguard.parse.hcl_strings",
    "iacguard.parse.offset_json",
    "iacguard.suppress.directives",
)


@pytest.mark.parametrize(
    ("pattern", "flags", "text"),
    [
        (r"(?P<word>\w+)\s*=\s*(\d+)", 0, "a = 1, bb=22 and c =3"),
        (r"^x.*$", re.M | re.I, "X1\nno\nxy"),
        (rb"[ \t]+", 0, b"a  b\tc"),
    ],
)
def test_it_behaves_as_the_compiled_pattern(pattern, flags, text):
    lazy, real = lazy_compile(pattern, flags), re.compile(pattern, flags)
    assert lazy.groups == real.groups and lazy.groupindex == real.groupindex
    assert lazy.pattern == real.pattern and lazy.flags == real.flags
    empty = text[:0]
    for method, args in [
        ("findall", (text,)),
        ("split", (text,)),
        ("sub", (empty, text)),
        ("subn", (empty, text)),
    ]:
        assert getattr(lazy, method)(*args) == getattr(real, method)(*args)
    for method in ("match", "search", "fullmatch"):
        got, want = getattr(lazy, method)(text), getattr(real, method)(text)
        assert (got and got.span()) == (want and want.span())
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in real.finditer(text)]


def test_it_compiles_on_first_use_once():
    lazy = lazy_compile(r"a+")
    assert isinstance(lazy, LazyPattern) and "search" not in vars(lazy)
    assert lazy.search("baa").span() == (1, 3)
    first = vars(lazy)["search"]
    assert lazy.search is first  # compiled once: its methods are now the object's own


@pytest.mark.parametrize("name", ON_THE_SMALL_PATH)
def test_importing_the_small_path_compiles_no_pattern(name):
    module = importlib.import_module(name)
    patterns = {k: v for k, v in vars(module).items() if isinstance(v, (re.Pattern, LazyPattern))}
    assert patterns  # the module has patterns: the check means something
    assert not [k for k, v in patterns.items() if isinstance(v, re.Pattern)]
