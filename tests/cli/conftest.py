"""The CLI with ``api.check`` replaced by hand-built reports: flags -> config -> exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.core.certainty import Certainty
from iacguard.core.findings import Finding, Severity
from iacguard.core.located import FileError
from iacguard.core.spans import Span

MAIN_TF = 'resource "aws_backup_vault" "v" {\n  name = "v"\n}\n'


def finding(rule_id: str, severity: Severity, certainty: Certainty, line: int = 1) -> Finding:
    from iacguard.rules.registry import rule_names

    return Finding(
        rule_id=rule_id,
        rule_name=rule_names()[rule_id],
        severity=severity,
        certainty=certainty,
        message=f"{rule_id} message",
        address=f"res.{rule_id.lower()}",
        resource_type="aws_backup_vault",
        root=".",
        location=Span("main.tf", line, 1, line, 34),
    )


class FakeCheck:
    """Stands in for api.check: records its arguments, assembles a report from ``findings``."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.errors: list[FileError] = []
        self.calls: list[tuple[tuple, dict]] = []
        self.raises: Exception | None = None
        #: the rules the fake run says it ran (a run of no rules warns on stderr)
        self.rules: list[tuple[str, str, Severity]] = [
            ("BKP001", "backup-vault-without-cmk", Severity.HIGH)
        ]
        self.files = 1

    def __call__(self, paths, config, **kwargs):
        from iacguard.api import RuleInfo, assemble

        self.calls.append(((list(paths), config), kwargs))
        if self.raises is not None:
            raise self.raises
        return assemble(
            self.findings,
            errors=self.errors,
            min_certainty=config.min_certainty,
            fail_on=config.fail_on,
            files=self.files,
            resources=1,
            rules=[RuleInfo(*r) for r in self.rules],
        )


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeCheck:
    import iacguard.api

    (tmp_path / "main.tf").write_text(MAIN_TF)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    fake = FakeCheck()
    monkeypatch.setattr(iacguard.api, "check", fake)
    return fake


@pytest.fixture
def make():
    """The ``finding`` builder (conftest modules are not importable in importlib mode)."""
    return finding
