"""Choosing and silencing iacguard's cfn-lint rules the way cfn-lint users do: Metadata
``cfn-lint: config: ignore_checks`` (resource and template level), ``--ignore-checks``,
``--include-checks``, ``--mandatory-checks``, ``configure_rules`` and ``append_rules`` in a
``.cfnlintrc``; and iacguard's own suppressions (comments, ``Metadata: iacguard``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from iacguard.cfnlint import CFN_LINT_IDS

REPO = Path(__file__).resolve().parents[2]
CFN_LINT = Path(sys.executable).with_name("cfn-lint")
OURS = {*CFN_LINT_IDS.values(), "E9100"}

pytestmark = pytest.mark.skipif(not CFN_LINT.is_file(), reason="cfn-lint is not installed")

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  OpenVault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: open-vault
  IgnoredVault:
    Type: AWS::Backup::BackupVault
    Metadata:
      cfn-lint:
        config:
          ignore_checks: [E9101]
    Properties:
      BackupVaultName: ignored-vault
  ShortKey:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
      PendingWindowInDays: 14
"""


def run(tmp_path: Path, text: str, *args: str, cwd: Path | None = None) -> list[tuple]:
    """cfn-lint (parseable output) on ``text``: (id, line, iacguard id) of our matches."""
    (tmp_path / "template.yaml").write_text(text)
    done = subprocess.run(
        [str(CFN_LINT), "--format", "parseable", *args, "--", "template.yaml"],
        cwd=cwd or tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    assert "Traceback" not in done.stderr, done.stderr
    out = []
    for line in done.stdout.splitlines():
        # template.yaml:3:3:3:12:E9101:[BKP001, definite] Backup vault ...
        parts = line.split(":", 6)
        if parts[5] in OURS:
            out.append((parts[5], int(parts[1]), parts[6].split(",", 1)[0].lstrip("[")))
    return sorted(out)


def test_the_findings_without_any_silencing(tmp_path):
    assert run(
        tmp_path,
        TEMPLATE.replace("ignore_checks: [E9101]", "ignore_checks: []"),
        "-a",
        "iacguard.cfnlint",
    ) == [
        ("E9101", 3, "BKP001"),
        ("E9101", 7, "BKP001"),
        ("W9202", 19, "KMS002"),
    ]


def test_resource_metadata_ignore_checks(tmp_path):
    """``Metadata: cfn-lint: config: ignore_checks: [E9101]`` on a resource silences that
    rule there only."""
    assert run(tmp_path, TEMPLATE, "-a", "iacguard.cfnlint") == [
        ("E9101", 3, "BKP001"),
        ("W9202", 19, "KMS002"),
    ]


def test_template_metadata_ignore_checks(tmp_path):
    text = TEMPLATE.replace(
        'AWSTemplateFormatVersion: "2010-09-09"\n',
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        "Metadata:\n  cfn-lint:\n    config:\n      ignore_checks: [W9202]\n",
    )
    assert run(tmp_path, text, "-a", "iacguard.cfnlint") == [("E9101", 7, "BKP001")]


def test_mandatory_checks_override_the_metadata(tmp_path):
    got = run(tmp_path, TEMPLATE, "-a", "iacguard.cfnlint", "--mandatory-checks", "E9101")
    assert ("E9101", 7, "BKP001") in got


@pytest.mark.parametrize(
    ("flags", "left"),
    [
        (["--ignore-checks", "E9101"], [("W9202", 19, "KMS002")]),
        (["--ignore-checks", "W9"], [("E9101", 3, "BKP001")]),  # a prefix, as cfn-lint reads it
        (["--ignore-checks", "E9", "W9"], []),
        # --include-checks adds to the default W and E: every iacguard rule stays
        (["--include-checks", "I"], [("E9101", 3, "BKP001"), ("W9202", 19, "KMS002")]),
    ],
)
def test_command_line_selection(tmp_path, flags, left):
    assert run(tmp_path, TEMPLATE, "-a", "iacguard.cfnlint", *flags) == left


def test_configure_rule_passes_iacguard_options(tmp_path):
    """KMS002's minimum window is iacguard's option, ``-x W9202:min_deletion_window_days``."""
    got = run(
        tmp_path,
        TEMPLATE,
        "-a",
        "iacguard.cfnlint",
        "--configure-rule",
        "W9202:min_deletion_window_days=14",
    )
    assert got == [("E9101", 3, "BKP001")]


def test_cfnlintrc_append_rules_and_configure_rules(tmp_path):
    (tmp_path / ".cfnlintrc").write_text(
        "append_rules:\n  - iacguard.cfnlint\n"
        "configure_rules:\n  W9202:\n    min_deletion_window_days: 14\n"
        "ignore_checks:\n  - E3031\n"
    )
    assert run(tmp_path, TEMPLATE) == [("E9101", 3, "BKP001")]


def test_iacguard_suppressions_are_honoured(tmp_path):
    """iacguard's own suppressions (a comment, Metadata ``iacguard: ignore``) silence the
    finding in cfn-lint as in ``iacguard check``: one template, one answer, whichever tool
    reads it. A suppression without a reason suppresses nothing, as in iacguard."""
    text = TEMPLATE.replace(
        "  OpenVault:\n",
        "  # iacguard: ignore[BKP001] -- reporting vault, no sensitive data\n  OpenVault:\n",
    ).replace(
        "  ShortKey:\n    Type: AWS::KMS::Key\n",
        "  ShortKey:\n    Type: AWS::KMS::Key\n    Metadata:\n      iacguard:\n"
        "        ignore:\n          - id: KMS002\n            reason: scratch key\n",
    )
    assert run(tmp_path, text, "-a", "iacguard.cfnlint") == []
    unreasoned = text.replace(" -- reporting vault, no sensitive data", "")
    assert run(tmp_path, unreasoned, "-a", "iacguard.cfnlint") == [("E9101", 4, "BKP001")]


def test_a_template_iacguard_cannot_read_does_not_stop_cfn_lint(tmp_path):
    """cfn-lint decodes it, iacguard refuses it (nested past its bound): E9100 at the place,
    none of iacguard's rules guesses, cfn-lint's own rules still report."""
    deep = '{"a": ' * 230 + '"x"' + "}" * 230
    text = TEMPLATE + (
        "  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      NotAProperty: x\n"
        f"    Metadata:\n      Deep: {deep}\n"
    )
    (tmp_path / "template.yaml").write_text(text)
    done = subprocess.run(
        [str(CFN_LINT), "--format", "parseable", "-a", "iacguard.cfnlint", "--", "template.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    assert "Traceback" not in done.stderr, done.stderr
    ids = [line.split(":")[5] for line in done.stdout.splitlines()]
    assert ids.count("E9100") == 1 and not set(ids) & (OURS - {"E9100"})
    line = next(x for x in done.stdout.splitlines() if ":E9100:" in x)
    assert line.startswith("template.yaml:25:") and "nesting deeper than 200 levels" in line
    assert any(i.startswith("E3") for i in ids), ids  # cfn-lint's own schema rules ran
