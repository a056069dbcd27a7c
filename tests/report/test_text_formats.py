"""full and concise: exact text, colours only when asked."""

from __future__ import annotations

from iacguard.report import render

CONCISE = """\
infra/keys.tf:3:3: KMS001 [definite] KMS key aws_kms_key.k has automatic rotation disabled.
infra/vaults.tf:6:1: BKP001 [default] Backup vault aws_backup_vault.open has no customer-managed KMS key.
infra/broken.tf:4:7: error: unexpected token '}'
Notes: 1 other note (--output-format full or json lists them).
Found 2 findings (1 definite, 1 default); 4 files checked; 1 suppressed; 1 file error.
"""  # noqa: E501

FULL = """\
infra/keys.tf:3:3: KMS001 [definite] KMS key aws_kms_key.k has automatic rotation disabled.
  |
3 |   enable_key_rotation = false
  |   ^^^^^^^^^^^^^^^^^^^^^^^^^^^
  = kms-key-rotation-disabled · severity medium · aws_kms_key aws_kms_key.k in infra
  = fix: Set enable_key_rotation = true

infra/vaults.tf:6:1: BKP001 [default] Backup vault aws_backup_vault.open has no customer-managed KMS key.
  |
6 | resource "aws_backup_vault" "open" {
  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  = backup-vault-without-cmk · severity high · aws_backup_vault aws_backup_vault.open in infra
  = evidence:
      infra/plans.tf:3 plan rule `to-open` targets it
      infra/vaults.tf:6 no kms_key_arn
      (no location) AWS Backup then uses aws/backup
  = inputs: var.use_cmk
  = fix: Set kms_key_arn = aws_kms_key.backup.arn

infra/broken.tf:4:7: error: unexpected token '}'

infra/vaults.tf:2: note: var.region has no default

Found 2 findings (1 definite, 1 default); 4 files checked; 1 suppressed; 1 file error.
"""  # noqa: E501


def test_concise_exact(report):
    assert render(report, "concise") == CONCISE


def test_concise_quiet_drops_summary_only(report):
    assert render(report, "concise", quiet=True) == "".join(CONCISE.splitlines(True)[:3])


def test_full_exact(report):
    assert render(report, "full") == FULL


def test_full_quiet_has_no_notes_or_summary(report):
    text = render(report, "full", quiet=True)
    assert "note:" not in text
    assert "Found" not in text
    assert text.startswith("infra/keys.tf:3:3: KMS001 [definite]")


def test_full_without_color_has_no_escape_codes(report):
    assert "\x1b[" not in render(report, "full")


def test_full_color_marks_id_and_carets(report):
    text = render(report, "full", color=True)
    assert "\x1b[1;31mKMS001\x1b[0m" in text
    assert "\x1b[1;31m" + "^" * 27 + "\x1b[0m" in text
    # stripping the codes gives the plain text back
    import re

    assert re.sub(r"\x1b\[[0-9;]*m", "", text) == FULL


def test_full_multiline_span_is_elided(workdir):
    from iacguard.api import assemble
    from iacguard.core.certainty import Certainty
    from iacguard.core.findings import Finding, Severity
    from iacguard.core.spans import Span

    body = "".join(f"  line{i} = {i}\n" for i in range(1, 11))
    (workdir / "long.tf").write_text('resource "x" "y" {\n' + body + "}\n")
    f = Finding(
        "KMS001",
        "kms-key-rotation-disabled",
        Severity.MEDIUM,
        Certainty.DEFINITE,
        "m",
        "x.y",
        "x",
        ".",
        Span("long.tf", 1, 1, 12, 2),
    )
    text = render(assemble([f], files=1), "full", quiet=True)
    lines = text.splitlines()
    assert lines[1:4] == ["   |", ' 1 | resource "x" "y" {', "   | " + "^" * 18]
    assert "   :" in lines
    assert lines[-4:-1] == ["   :", "12 | }", "   | ^"]


def test_full_missing_source_file_still_reports(workdir):
    from iacguard.api import assemble
    from iacguard.core.certainty import Certainty
    from iacguard.core.findings import Finding, Severity
    from iacguard.core.spans import Span

    f = Finding(
        "KMS001",
        "kms-key-rotation-disabled",
        Severity.MEDIUM,
        Certainty.DEFINITE,
        "gone",
        "x.y",
        "x",
        ".",
        Span("nowhere.tf", 5, 1, 5, 4),
    )
    text = render(assemble([f], files=1), "full", quiet=True)
    assert text == (
        "nowhere.tf:5:1: KMS001 [definite] gone\n"
        "  = kms-key-rotation-disabled · severity medium · x x.y in .\n"
    )


def test_empty_report_says_so(empty_report):
    assert render(empty_report, "concise") == "No findings; 2 files checked.\n"
    assert render(empty_report, "full") == "No findings; 2 files checked.\n"
    assert render(empty_report, "concise", quiet=True) == ""


def test_summary_counts_below_fail_on(report):
    from iacguard.api import assemble
    from iacguard.core.findings import Severity

    high = assemble(report.findings, files=4, fail_on=Severity.HIGH)
    assert high.summary.failing == 1
    assert render(high, "concise").splitlines()[-1] == (
        "Found 2 findings (1 definite, 1 default); 4 files checked; "
        "1 at or above --fail-on high; 1 suppressed."
    )


def test_a_module_file_finding_names_the_root_that_called_it(workdir):
    """Two callers of one local module give two findings on the same line: concise and
    github say which caller each is from; full says it in its details line instead."""
    from iacguard.api import check
    from iacguard.config.model import Config

    (workdir / "modules" / "vault").mkdir(parents=True)
    (workdir / "modules" / "vault" / "main.tf").write_text(
        'variable "key" {\n  default = null\n}\n'
        'resource "aws_backup_vault" "this" {\n  name        = "v"\n  kms_key_arn = var.key\n}\n'
    )
    for caller in ("prod", "dev"):
        (workdir / caller).mkdir()
        (workdir / caller / "main.tf").write_text(
            'module "vault" {\n  source = "../modules/vault"\n}\n'
        )
    report = check(["prod", "dev"], Config(), jobs=1)
    lines = render(report, "concise", quiet=True).splitlines()
    assert [line.split(" BKP001 ")[0] for line in lines] == ["modules/vault/main.tf:6:3:"] * 2
    assert sorted(line.rsplit(". ", 1)[1] for line in lines) == [
        "(called from dev)",
        "(called from prod)",
    ]
    github = render(report, "github").splitlines()
    assert sorted("(called from dev)" in line for line in github) == [False, True]
    assert sorted("(called from prod)" in line for line in github) == [False, True]
    full = render(report, "full", quiet=True)
    assert "(called from" not in full
    assert "module.vault.aws_backup_vault.this in prod" in full
