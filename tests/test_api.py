"""api.check as a library call: the Report, the progress hook, config discovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.api import CheckError, Report, check
from iacguard.core.certainty import Certainty
from iacguard.core.findings import Severity
from iacguard.rules.registry import BUILTIN

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: false
  OpenVault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: open
"""


@pytest.fixture
def template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "t.yaml"
    path.write_text(TEMPLATE)
    return path


def test_check_returns_a_report(template):
    calls: list[tuple[int, int, str]] = []
    report = check(["t.yaml"], progress=lambda *a: calls.append(a))
    assert isinstance(report, Report)
    assert [(f.rule_id, f.address, f.certainty) for f in report.findings] == [
        ("KMS001", "Key", Certainty.DEFINITE),
        ("BKP001", "OpenVault", Certainty.DEFINITE),
    ]
    assert [r.id for r in report.rules] == sorted(BUILTIN)
    assert report.summary.files == 1 and report.summary.resources == 2
    assert report.summary.failing == 2
    assert report.exit_code() == 1 and report.exit_code(exit_zero=True) == 0
    assert report.base == str(template.parent)
    assert calls[0] == (0, 1, "1 files, 0 Terraform modules")
    assert calls[-1] == (1, 1, "t.yaml")


def test_config_is_discovered_when_not_given(template):
    (template.parent / ".iacguard.toml").write_text('select = ["KMS001"]\nfail-on = "high"\n')
    report = check(["."])
    assert [f.rule_id for f in report.findings] == ["KMS001"]
    assert report.fail_on == Severity.HIGH
    assert report.exit_code() == 0


def test_unusable_rule_option_is_a_check_error(template):
    from iacguard.config.load import load_config
    from iacguard.core.records import replace

    config = replace(load_config(["."]), rule_options={"KMS002": {"no-such-option": 1}})
    with pytest.raises(CheckError, match="no-such-option"):
        check(["."], config)
