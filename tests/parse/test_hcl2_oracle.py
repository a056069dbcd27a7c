"""python-hcl2 as an independent oracle for the literal values our HCL layer extracts.

For every ``.tf`` file under ../shared/corpus (skipped when absent) and under fixtures/, every
top-level attribute of every resource / data / variable / locals / module block whose value is a
literal (a string without interpolation, a number, a bool, null, or a list/object of such)
must evaluate, with an empty scope, to what python-hcl2 gives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iacguard.evaluate.terraform.expressions import EvalContext, MapScope, evaluate
from iacguard.parse.hcl import parse_hcl
from iacguard.parse.hcl_ast import Block, Body

hcl2 = pytest.importorskip("hcl2")

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / ".." / "shared" / "corpus"
LABELS = {"resource": 2, "data": 2, "variable": 1, "module": 1, "locals": 0}


class NotLiteral(Exception):
    pass


def _unquote(key: str) -> str:
    if len(key) >= 2 and key[0] == '"' and key[-1] == '"':
        return key[1:-1]
    return key


def _oracle_literal(v: Any) -> Any:
    """python-hcl2's value as plain data, or NotLiteral when it is an expression."""
    if v is None or isinstance(v, (bool, int, float)):
        return v
    if isinstance(v, str):
        if len(v) < 2 or v[0] != '"' or v[-1] != '"':
            raise NotLiteral(v)  # an expression: hcl2 8 returns them unquoted / as ${...}
        if "${" in v or "%{" in v or v.startswith('"<<'):
            raise NotLiteral(v)
        try:
            return json.loads(v)  # HCL's escapes in quoted strings are JSON's
        except ValueError:
            raise NotLiteral(v) from None
    if isinstance(v, list):
        return [_oracle_literal(x) for x in v]
    if isinstance(v, dict):
        if "__is_block__" in v:
            raise NotLiteral("block")
        return {_unquote(k): _oracle_literal(x) for k, x in v.items()}
    raise NotLiteral(repr(v))


def _same(a: Any, b: Any) -> bool:
    """Equality that tells bools from numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return (
        type(a) in (int, float)
        and type(b) in (int, float)
        and a == b
        or (type(a) is type(b) and a == b)
    )


def _oracle_blocks(tree: dict[str, Any], kind: str) -> list[tuple[tuple[str, ...], dict]]:
    """(labels, body) for each block of ``kind`` in python-hcl2's output, in file order."""
    out: list[tuple[tuple[str, ...], dict]] = []
    for entry in tree.get(kind, []):
        stack: list[tuple[tuple[str, ...], Any]] = [((), entry)]
        while stack:
            labels, node = stack.pop(0)
            if len(labels) == LABELS[kind]:
                out.append((labels, node))
                continue
            for k, child in node.items():
                if k == "__is_block__":
                    continue
                stack.append(((*labels, _unquote(k)), child))
    return out


def _compare_file(path: Path) -> tuple[int, list[str]]:
    text = path.read_text(encoding="utf-8")
    tree = hcl2.loads(text)
    ours = parse_hcl(text.encode(), str(path))
    compared = 0
    problems: list[str] = []
    for kind in LABELS:
        theirs = _oracle_blocks(tree, kind)
        mine: list[Block] = [b for b in ours.body.blocks if b.type == kind]
        if len(theirs) != len(mine):
            problems.append(f"{path}: {len(theirs)} {kind} blocks by hcl2, {len(mine)} by us")
            continue
        for (labels, body), block in zip(theirs, mine, strict=True):
            if labels != block.labels:
                problems.append(f"{path}: {kind} labels {labels} vs {block.labels}")
                continue
            compared += _compare_body(path, block.body, body, problems)
    return compared, problems


def _compare_body(path: Path, body: Body, theirs: dict[str, Any], problems: list[str]) -> int:
    compared = 0
    for attr in body.attributes:
        if attr.name not in theirs:
            problems.append(f"{path}:{attr.span.start_line}: {attr.name} missing in hcl2")
            continue
        try:
            expected = _oracle_literal(theirs[attr.name])
        except NotLiteral:
            continue
        got = evaluate(attr.expr, MapScope({}), EvalContext())
        compared += 1
        if not _same(got, expected):
            problems.append(f"{path}:{attr.span.start_line}: {attr.name}: {got!r} != {expected!r}")
    return compared


def _tf_files() -> list[Path]:
    files = sorted((REPO / "fixtures").rglob("*.tf")) if (REPO / "fixtures").is_dir() else []
    if CORPUS.is_dir():
        files += sorted(CORPUS.rglob("*.tf"))
    return files


def test_literal_values_agree_with_python_hcl2() -> None:
    files = _tf_files()
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent")
    compared = 0
    unreadable: list[str] = []
    problems: list[str] = []
    for path in files:
        try:
            n, p = _compare_file(path)
        except Exception as exc:  # python-hcl2 itself cannot parse the file
            unreadable.append(f"{path}: {type(exc).__name__}")
            continue
        compared += n
        problems.extend(p)
    assert problems == []
    # python-hcl2 reads almost all of the corpus; the comparison must not pass vacuously
    assert len(unreadable) < len(files) // 10, unreadable
    assert compared > 300, compared
