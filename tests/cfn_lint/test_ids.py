"""The cfn-lint ids of iacguard's rules: a public table (users write them in ``.cfnlintrc``
and Metadata), in cfn-lint's range for its users' rules, the letter from the rule's severity,
and the README's table the same as the code's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("cfnlint")

from iacguard.cfnlint import CFN_LINT_IDS  # noqa: E402
from iacguard.cfnlint.base import SEVERITY_LETTERS  # noqa: E402
from iacguard.core.catalog import load_catalog  # noqa: E402
from iacguard.rules.registry import BUILTIN  # noqa: E402

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_builtin_rule_has_an_id_in_cfn_lint_s_user_range():
    assert set(CFN_LINT_IDS) == set(BUILTIN)
    catalog = load_catalog()
    for rid, cid in CFN_LINT_IDS.items():
        assert re.fullmatch(r"[EWI]9[12][0-9]{2}", cid), cid
        assert cid[0] == SEVERITY_LETTERS[catalog[rid]["severity"]], rid
        assert cid[2] == {"BKP": "1", "KMS": "2"}[rid[:3]] and cid[3:] == rid[4:], rid
    assert len(set(CFN_LINT_IDS.values())) == len(CFN_LINT_IDS)


def test_the_readme_table_is_the_code_s():
    text = README.read_text(encoding="utf-8")
    section = text.split("### cfn-lint\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([EWI]9\d{3}) \| (\w+) \| `([\w-]+)` \|$", section, re.M)
    catalog = load_catalog()
    assert rows == [(cid, rid, catalog[rid]["name"]) for rid, cid in CFN_LINT_IDS.items()]
    assert "| E9100 |" in section
    assert "pip install 'iacguard-backup[cfnlint]'" in section
    assert "cfnLint.appendRules" in section and "append_rules:" in section
