"""``iacguard.run.template``: one template checked alone, from a file or from text, evaluated
once whatever the rules asked; findings per rule and options, suppressions applied, paths
into the template; a bad template is an error, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.api import check_template
from iacguard.core.certainty import Certainty

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

TEXT = """\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
      PendingWindowInDays: 14
  # iacguard: ignore[BKP001] -- scratch vault
  Scratch:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: scratch
      EncryptionKeyArn: !Ref KeyAlias
"""


def test_text_is_checked_under_its_name_with_paths():
    checked = check_template("mem.yaml", TEXT)
    assert checked.errors == ()
    (short,) = checked.findings("KMS002")
    assert short.certainty is Certainty.DEFINITE and short.location.start_line == 6
    assert checked.path_of(short.location) == [
        "Resources",
        "Key",
        "Properties",
        "PendingWindowInDays",
    ]


def test_findings_follow_the_options_given():
    checked = check_template("mem.yaml", TEXT)
    assert checked.findings("KMS002", {"min-deletion-window-days": 14}) == []
    assert len(checked.findings("KMS002", {"min_deletion_window_days": 30})) == 1
    with pytest.raises(ValueError, match="below the minimum 7"):
        checked.findings("KMS002", {"min-deletion-window-days": 3})


def test_suppressions_in_a_file_apply(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(TEXT)
    (vault,) = check_template(str(path)).findings("BKP001")
    assert vault.suppressed and vault.suppression_reason == "scratch vault"


def test_a_fixture_file_gives_its_expected_findings():
    checked = check_template(str(FIXTURES / "BKP003/cloudformation/ref-alias.yaml"))
    assert [(f.address, f.location.start_line) for f in checked.findings("BKP003")] == [
        ("RefAliasVault", 17),
        ("SubAliasVault", 22),
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("Resources: [\n", "invalid YAML"),
        ('{"Resources": {"A": \n', "JSON"),
        ("Resources:\n  A: " + "[" * 300 + "]" * 300 + "\n", "nesting deeper than 200 levels"),
    ],
)
def test_a_bad_template_is_an_error_not_an_exception(text, error):
    checked = check_template("bad.yaml", text)
    assert checked.errors and error.lower() in checked.errors[0].message.lower()
    assert checked.findings("BKP001") == []


def test_failed():
    checked = type(check_template("x.yaml", "{}")).failed("x.yaml", "cannot be written out")
    assert [e.message for e in checked.errors] == ["cannot be written out"]
    assert checked.findings("KMS001") == []
