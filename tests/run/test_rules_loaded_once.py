"""A serial check loads the rules once: the types they read (``observed_types``) and the lint
share one load (the plugin look-up scans every distribution on ``sys.path``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard import api
from iacguard.rules import registry


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = registry.all_rules

    def counted():
        calls.append(1)
        return real()

    monkeypatch.setattr(registry, "all_rules", counted)
    return calls


def test_a_serial_check_loads_the_rules_once(tmp_path: Path, loads: list[int]) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_backup_vault" "v" {\n  name = "v"\n}\n')
    report = api.check([str(tmp_path)], jobs=1, use_cache=False)
    assert [f.rule_id for f in report.findings] == ["BKP001"]
    assert len(loads) == 1


def test_rules_that_cannot_load_still_fail_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_backup_vault" "v" {\n  name = "v"\n}\n')

    def broken():
        raise RuntimeError("plugin exploded")

    monkeypatch.setattr(registry, "all_rules", broken)
    with pytest.raises(api.CheckError, match="cannot load rules: plugin exploded"):
        api.check([str(tmp_path)], jobs=1, use_cache=False)
