"""Inputs the long fuzz run found (scripts/fuzz.py), kept as cases.

``doubling_around_an_unknown``: strings doubled through 40 locals, one of them broken by a
mutation into an unknown reference. The unknown part was doubled with every local, 2**30 parts
in one PartialStr, and the module ran past its hard time limit (seed 17, input #12029)."""

from __future__ import annotations

from iacguard.api import check
from iacguard.config.load import load_config


def _doubling_around_an_unknown() -> str:
    lines = ['  l0 = "ab"'] + [
        f'  l{i} = "${{local.l{i - 1}}}${{local.l{i - 1}}}"' for i in range(1, 40)
    ]
    lines[8] = '  l8 = "${loclocal.l8}${local.l8}"'  # the mutation: an unknown, and l9 gone
    del lines[9]
    return (
        "locals {\n"
        + "\n".join(lines)
        + "\n}\n"
        + ('resource "aws_kms_key" "k" {\n  description = local.l39\n  policy = local.l39\n}\n')
    )


def test_doubling_around_an_unknown_stays_small(tmp_path):
    (tmp_path / "main.tf").write_text(_doubling_around_an_unknown(), encoding="utf-8")
    (tmp_path / "other.tf").write_text('resource "aws_kms_key" "other" {\n}\n', encoding="utf-8")
    report = check([str(tmp_path)], load_config([str(tmp_path)]), jobs=1)
    assert not [e for e in report.errors if "time" in e.message or "budget" in e.message]
    assert "aws_kms_key.other" in {f.address for f in report.findings}


def test_adjacent_unknown_parts_are_one_part():
    from iacguard.core.values import PartialStr, Unknown
    from iacguard.evaluate.terraform.functions.common import partial

    a = Unknown("a", inputs=frozenset({"var.a"}))
    b = Unknown("b", inputs=frozenset({"var.b"}))
    merged = partial(["x", a, b, a, "y"])
    assert isinstance(merged, PartialStr) and len(merged.parts) == 3
    assert merged.parts[1].inputs == frozenset({"var.a", "var.b"})
    assert str(merged) == "x${?}y"
