"""Scanned files whose names are hostile to Markdown, HTML and Mermaid (table pipes, backticks,
tags, Mermaid statements, entity codes, a Markdown link), shared by the picture-format tests."""

from __future__ import annotations

from pathlib import Path

HOSTILE_TF = """\
locals {
  names = toset([
    "a|b`c</td><script>alert(1)</script>",
    "x\\"]-->y;click n0 call evil()%%{init}%%\\n#35;",
  ])
}

resource "aws_backup_vault" "v" {
  for_each = local.names
  name     = each.key
}

resource "aws_backup_plan" "p" {
  for_each = local.names
  name     = "plan"
  rule {
    rule_name         = "r|<b>${each.key}</b>"
    target_vault_name = aws_backup_vault.v[each.key].name
  }
}
"""

HOSTILE_CFN = """\
Resources:
  "Vault|<img src=x onerror=alert(1)>`[x](javascript:alert(1))":
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: v
"""

#: what must never appear unescaped in a Markdown rendering
RAW = ("<script>", "<img", "<b>", "</td>", "](javascript:", "`c<")
#: ... and in an HTML one (where a Markdown link is only text)
RAW_HTML = ("<script>", "<img", "<b>", "c</td>")


def write_hostile(root: Path) -> Path:
    (root / "tf").mkdir(parents=True)
    (root / "tf" / "main.tf").write_text(HOSTILE_TF, encoding="utf-8")
    odd = root / "odd (dir)|x"
    odd.mkdir()
    (odd / "t.yaml").write_text(HOSTILE_CFN, encoding="utf-8")
    return root
