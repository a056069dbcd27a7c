"""A 300 KB expression of ``local.y[0][0]...`` once cost a minute inside tree-sitter's comment
query (native code the time guard cannot interrupt): the parser no longer runs one, so the file
is read and evaluated like any other, within its budget and with its neighbours' findings."""

from __future__ import annotations

from iacguard.api import check
from iacguard.config.load import load_config


def test_a_long_postfix_chain_is_read_within_its_budget(tmp_path):
    chain = tmp_path / "chain"
    chain.mkdir()
    (chain / "main.tf").write_text(
        "locals {\n  x = local.y" + "[0]" * 100_000 + "\n}\n", encoding="utf-8"
    )
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "main.tf").write_text(
        'resource "aws_kms_key" "k" {\n}\n', encoding="utf-8"
    )
    report = check([str(tmp_path)], load_config([str(tmp_path)]), jobs=1)
    assert not [e for e in report.errors if "budget" in e.message], report.errors
    assert [f.address for f in report.findings] == ["aws_kms_key.k"]
