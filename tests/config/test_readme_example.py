"""The README's configuration example is a valid configuration (docs stay true)."""

from __future__ import annotations

from pathlib import Path

from iacguard.config.load import load_config
from iacguard.core.certainty import Certainty
from iacguard.core.findings import Severity

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_configuration_example_loads(tmp_path, monkeypatch):
    section = README.read_text().split("## Configuration", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "pyproject.toml").write_text(example)
    monkeypatch.chdir(tmp_path)
    config = load_config(["."])
    assert (config.select, config.ignore) == (("BKP", "KMS"), ("BKP003",))
    assert (config.min_certainty, config.fail_on) == (Certainty.DEFAULT, Severity.MEDIUM)
    assert config.rule_options == {"KMS002": {"min-deletion-window-days": 14}}
    assert config.severity == {"KMS001": Severity.HIGH, "SUP002": Severity.MEDIUM}
    (entry,) = config.per_path
    assert (entry.paths, entry.ignore, entry.min_certainty) == (
        ("legacy/**",),
        ("KMS001",),
        Certainty.DEFINITE,
    )
    assert entry.rule_options == {"KMS002": {"min-deletion-window-days": 7}}
