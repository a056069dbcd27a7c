"""find_config decides whether a pyproject.toml holds a [tool.iacguard] table with two cheap
patterns, parses TOML only for the spellings those can miss, and never answers differently
from a full TOML parse (for files that spell "iacguard" literally: one that does not is never
taken for a configuration, before and after this shortcut)."""

from __future__ import annotations

import pytest
import tomllib

from iacguard.config.find import _has_tool_table

CASES = {
    "header": ("[tool.iacguard]\nselect = ['BKP001']\n", True),
    "array-of-tables": ("[[tool.iacguard.per-path]]\npaths = ['a']\n", True),
    "dotted-top-level": ("tool.iacguard.select = ['BKP001']\n", True),
    "bare-tool-table": ("[tool]\niacguard = { select = ['BKP001'] }\n", True),
    "bare-tool-dotted": ("[ tool ]\niacguard.select = ['BKP001']\n", True),
    "inline": ("tool = { iacguard = { select = ['BKP001'] } }\n", True),
    "quoted-header": ('[tool."iacguard"]\nselect = []\n', True),
    "literal-quoted-header": ("['tool'.iacguard]\nselect = []\n", True),
    "escaped-key": ('["\\u0074ool".iacguard]\nselect = []\n', True),
    "dependency-only": (
        '[project]\nname = "x"\ndependencies = ["iacguard>=0.1"]\n'
        '[project.scripts]\niacguard = "iacguard.cli:main"\n[tool.ruff]\nline-length = 100\n',
        False,
    ),
    "other-tool": ('[tool.ruff]\nextend-exclude = ["iacguard"]\n', False),
    "tool-table-without-iacguard": ("[tool]\nruff = { x = 1 }\n# iacguard later\n", False),
    "quoted-but-elsewhere": ('[project]\nname = "iacguard"\ndependencies = ["iacguard"]\n', False),
    "quoted-iacguard-key": ('[tool]\n"iacguard" = { select = [] }\n', True),
    "quoted-dotted-key": ("tool.'iacguard'.select = []\n", True),
    "broken-toml": ('[tool\niacguard = "x"\n"tool" = ', False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_has_tool_table_agrees_with_a_full_parse(tmp_path, name):
    text, expected = CASES[name]
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    assert _has_tool_table(path) is expected
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        parsed = False
    else:
        parsed = isinstance(data.get("tool"), dict) and "iacguard" in data["tool"]
    assert parsed is expected
