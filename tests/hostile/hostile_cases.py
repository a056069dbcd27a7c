"""The hostile corpus: hand-made hostile inputs, generated at test time (never committed).

Every case is a directory of files: the hostile file(s) and a *good* file beside them whose
findings must survive. ``write_case(case, scan_dir)`` materialises a case under
``scan_dir/<case.name>/``; ``write_all(scan_dir)`` writes every case plus nothing else, which
is what the "all together" test scans. Run as a script to write the corpus somewhere::

    python tests/hostile/hostile_cases.py /tmp/hostile    # then: iacguard check /tmp/hostile

Expectations are data: ``Expect`` says where the error (or note) must be and what its message
must match; ``Case.good`` lists findings (rule, address, file) that must still be reported.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

#: Expect.line: the error must carry *some* line number (parsers know where they stopped)
SOME_LINE = -1


@dataclass(frozen=True)
class Symlink:
    target: str


@dataclass(frozen=True)
class Fifo:
    pass


Content = Union[bytes, Symlink, Fifo]  # noqa: UP007 - a runtime alias on 3.10


@dataclass(frozen=True)
class Expect:
    """An error (``kind="error"``) or note (``kind="note"``) the run must report.

    ``path`` is relative to the scan directory. ``line``: an int must match exactly,
    ``SOME_LINE`` means "some line", None means "not asserted". ``pattern`` is a regex searched
    case-insensitively in the message. ``kind="either"`` accepts an error or a note.
    """

    path: str
    pattern: str
    line: int | None = None
    kind: str = "error"


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, Content]
    expect: tuple[Expect, ...]
    #: (rule id, address, file) findings that must be reported despite the hostile files
    good: tuple[tuple[str, str, str], ...]
    #: "fifo", "symlink", "non-root": what the platform must offer for this case
    needs: tuple[str, ...] = ()
    #: files that must NOT exist after the run (a python tag that would have run a command)
    never_created: tuple[str, ...] = ()
    #: text that must not appear anywhere in the graph's values (file() traversal)
    never_read: tuple[str, ...] = ()
    slow: bool = False
    notes: str = field(default="", compare=False)


# ----------------------------------------------------------------------------- good files

GOOD_TF = b"""\
resource "aws_kms_key" "lazy" {
  description             = "a key without rotation"
  deletion_window_in_days = 30
}

resource "aws_backup_vault" "plain" {
  name = "plain-vault"
}
"""
# KMS001 on aws_kms_key.lazy (rotation absent), BKP001 on aws_backup_vault.plain (no key)
GOOD_TF_FINDINGS = (
    ("KMS001", "aws_kms_key.lazy", "main.tf"),
    ("BKP001", "aws_backup_vault.plain", "main.tf"),
)

GOOD_CFN = b"""\
AWSTemplateFormatVersion: "2010-09-09"
Description: a good template beside a hostile one
Resources:
  PlainVault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: plain-vault
  LazyKey:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: false
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              AWS: arn:aws:iam::111122223333:root
            Action: kms:*
            Resource: "*"
"""
GOOD_CFN_FINDINGS = (("BKP001", "PlainVault", "good.yaml"), ("KMS001", "LazyKey", "good.yaml"))

CFN_HEAD = b'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'


def _tf_case(name: str, files: dict[str, Content], expect: tuple[Expect, ...], **kw) -> Case:
    """A Terraform module holding ``main.tf`` (good) and the hostile files."""
    all_files: dict[str, Content] = {"main.tf": GOOD_TF, **files}
    good = tuple((r, a, f"{name}/{f}") for r, a, f in GOOD_TF_FINDINGS)
    return Case(name, {f"{name}/{k}": v for k, v in all_files.items()}, expect, good, **kw)


def _cfn_case(name: str, files: dict[str, Content], expect: tuple[Expect, ...], **kw) -> Case:
    """A directory holding ``good.yaml`` (a good template) and the hostile files."""
    all_files: dict[str, Content] = {"good.yaml": GOOD_CFN, **files}
    good = tuple((r, a, f"{name}/{f}") for r, a, f in GOOD_CFN_FINDINGS)
    return Case(name, {f"{name}/{k}": v for k, v in all_files.items()}, expect, good, **kw)


def _resource_cycle_case() -> Case:
    """A resource referring to itself through a local, 1000 times over (evaluating it was
    quadratic: ~10 s, and no error), and a ring of 300 keys each referring to the next one
    through a local (Terraform: "Cycle: ..."): located errors, found statically."""
    ring = 300
    bad = (
        b"locals {\n  arns = aws_kms_key.k.*.arn\n}\n"
        b'resource "aws_kms_key" "k" {\n  count               = 1000\n'
        b'  description         = "${local.arns}"\n  enable_key_rotation = true\n}\n'
    )
    bad += b"locals {\n" + b"".join(
        b"  r%d = aws_kms_key.r%d.arn\n" % (i, (i + 1) % ring) for i in range(ring)
    )
    bad += b"}\n" + b"".join(
        b'resource "aws_kms_key" "r%d" {\n  description = local.r%d\n}\n' % (i, i)
        for i in range(ring)
    )
    line, _ = _line_col(bad, b'resource "aws_kms_key" "r0"')
    expect = (
        Expect(
            "cycle_resource_local/bad.tf",
            r"^Cycle: aws_kms_key\.k refers to itself through local\.arns$",
            6,
        ),
        Expect(
            "cycle_resource_local/bad.tf",
            rf"^Cycle: aws_kms_key\.r0 refers to itself through local\.r0 \(a cycle of {2 * ring}"
            r" blocks\)$",
            line + 1,
        ),
    )
    return _tf_case("cycle_resource_local", {"bad.tf": bad}, expect)


def _line_col(data: bytes, needle: bytes) -> tuple[int, int]:
    """1-based line and byte column of the first occurrence of ``needle``."""
    at = data.index(needle)
    line = data.count(b"\n", 0, at) + 1
    return line, at - (data.rfind(b"\n", 0, at) + 1) + 1


# ----------------------------------------------------------------------------- the cases

SYNTAX = r"syntax|parse|unexpected|expected|missing|unclosed|unterminated|end of|eof|invalid"
DEPTH = r"nest|depth|deep"


def cases() -> list[Case]:
    out: list[Case] = []

    # -- binary / encoding ---------------------------------------------------------------
    blob = b"\x1f\x8b\x08\x00" + bytes(range(256)) * 8
    out.append(
        _tf_case("binary_tf", {"blob.tf": blob}, (Expect("binary_tf/blob.tf", "binary", 1),))
    )
    bad = CFN_HEAD + b"  Vault:\n    Type: AWS::Backup::BackupVault\x00\n"
    out.append(
        _cfn_case("binary_cfn", {"bad.yaml": bad}, (Expect("binary_cfn/bad.yaml", "binary", 4),))
    )
    bad = b'resource "aws_kms_key" "k" {\n  description = "caf\xe9 cr\xe8me"\n}\n'
    line, col = _line_col(bad, b"\xe9")
    out.append(_tf_case("utf8_tf", {"bad.tf": bad}, (Expect("utf8_tf/bad.tf", "utf-8", line),)))
    bad = (
        CFN_HEAD
        + b"  Vault:\n    Type: AWS::Backup::BackupVault\n    Properties:\n"
        + (b"      BackupVaultName: \xff\xfe-vault\n")
    )
    line, col = _line_col(bad, b"\xff")
    out.append(
        _cfn_case("utf8_cfn", {"bad.yaml": bad}, (Expect("utf8_cfn/bad.yaml", "utf-8", line),))
    )
    utf16 = "\ufeff".encode("utf-16-le") + GOOD_CFN.decode().encode("utf-16-le")
    out.append(
        _cfn_case("utf16_cfn", {"wide.yaml": utf16}, (Expect("utf16_cfn/wide.yaml", "utf-16", 1),))
    )

    # -- truncated and unbalanced ---------------------------------------------------------
    cut = GOOD_TF.replace(b"lazy", b"other").replace(b"plain", b"other")
    cut = cut[: cut.index(b"deletion_window_in_days")]
    out.append(
        _tf_case(
            "truncated_hcl", {"bad.tf": cut}, (Expect("truncated_hcl/bad.tf", SYNTAX, SOME_LINE),)
        )
    )
    cut = (
        GOOD_CFN[: GOOD_CFN.index(b"            Principal:")] + b"            Principal: {AWS: [arn"
    )
    out.append(
        _cfn_case(
            "truncated_yaml",
            {"bad.yaml": cut},
            (Expect("truncated_yaml/bad.yaml", SYNTAX, SOME_LINE),),
        )
    )
    good_json = (
        b'{\n  "AWSTemplateFormatVersion": "2010-09-09",\n  "Resources": {\n'
        b'    "JsonVault": {\n      "Type": "AWS::Backup::BackupVault",\n'
        b'      "Properties": {\n        "BackupVaultName": "json-vault"\n      }\n    }\n  }\n}\n'
    )
    cut = good_json[: good_json.index(b'"BackupVaultName"') + 20]
    out.append(
        _cfn_case(
            "truncated_json",
            {"bad.json": cut},
            (Expect("truncated_json/bad.json", SYNTAX, SOME_LINE),),
        )
    )
    plan = (
        b'{"format_version":"1.2","terraform_version":"1.9.0","planned_values":{"root_module":'
        b'{"resources":[{"address":"aws_backup_vault.v","mode":"managed","type":"aws_backup_vault",'
        b'"name":"v","values":{"name":"v","kms_key_arn":nu'
    )
    out.append(
        _cfn_case(
            "truncated_plan",
            {"plan.json": plan},
            (Expect("truncated_plan/plan.json", SYNTAX, SOME_LINE),),
        )
    )
    cut = b'{\n  "resource": {\n    "aws_backup_vault": {\n      "v": {\n        "name": "x'
    out.append(
        _tf_case(
            "truncated_tf_json",
            {"bad.tf.json": cut},
            (Expect("truncated_tf_json/bad.tf.json", SYNTAX, SOME_LINE),),
        )
    )
    bad = (
        b'resource "aws_kms_key" "unbalanced" {\n  description = "x"\n  tags = {\n'
        b'    team = "a"\n}\n\nresource "aws_backup_vault" "after" {\n  name = "after"\n'
    )
    out.append(
        _tf_case(
            "unbalanced_hcl", {"bad.tf": bad}, (Expect("unbalanced_hcl/bad.tf", SYNTAX, SOME_LINE),)
        )
    )
    bad = b'resource "aws_kms_key" "extra" {\n  description = "x"\n}\n}\n}\n'
    out.append(
        _tf_case(
            "extra_brace_hcl",
            {"bad.tf": bad},
            (Expect("extra_brace_hcl/bad.tf", SYNTAX, SOME_LINE),),
        )
    )
    bad = b'resource "aws_kms_key" "h" {\n  policy = <<POLICY\n{"Version": "2012-10-17"}\n'
    out.append(
        _tf_case(
            "heredoc_open", {"bad.tf": bad}, (Expect("heredoc_open/bad.tf", SYNTAX, SOME_LINE),)
        )
    )

    # -- depth -----------------------------------------------------------------------------
    n = 10_000
    bad = b"locals {\n  deep = " + b"[" * n + b"]" * n + b"\n}\n"
    out.append(_tf_case("deep_hcl", {"bad.tf": bad}, (Expect("deep_hcl/bad.tf", DEPTH, 2),)))
    bad = b"locals {\n  deep = " + b"{a = " * n + b"1" + b"}" * n + b"\n}\n"
    out.append(
        _tf_case("deep_hcl_object", {"bad.tf": bad}, (Expect("deep_hcl_object/bad.tf", DEPTH, 2),))
    )
    bad = b"locals {\n  deep = " + b"(" * n + b"1" + b")" * n + b"\n}\n"
    out.append(
        _tf_case("deep_hcl_parens", {"bad.tf": bad}, (Expect("deep_hcl_parens/bad.tf", DEPTH, 2),))
    )
    bad = (
        CFN_HEAD + b"  DeepVault:\n    Type: AWS::Backup::BackupVault\n    Properties:\n"
        b"      BackupVaultName: " + b"[" * n + b"]" * n + b"\n"
    )
    out.append(_cfn_case("deep_yaml", {"bad.yaml": bad}, (Expect("deep_yaml/bad.yaml", DEPTH, 6),)))
    bad = (
        CFN_HEAD + b"  DeepVault:\n    Type: AWS::Backup::BackupVault\n    Properties:\n"
        b"      Tags:\n"
        + b"".join(b" " * (i + 7) + b"k:\n" for i in range(1_000))
        + b" " * 1007
        + b"k: v\n"
    )
    out.append(
        _cfn_case(
            "deep_yaml_block", {"bad.yaml": bad}, (Expect("deep_yaml_block/bad.yaml", DEPTH, None),)
        )
    )
    bad = (
        b'{"AWSTemplateFormatVersion": "2010-09-09",\n"Resources": {"DeepVault": {"Type": '
        b'"AWS::Backup::BackupVault",\n"Properties": {"BackupVaultName": '
        + b"[" * n
        + b"]" * n
        + b"}}}}\n"
    )
    out.append(_cfn_case("deep_json", {"bad.json": bad}, (Expect("deep_json/bad.json", DEPTH, 3),)))

    bad = b'{"locals": {"deep": ' + b"[" * n + b"]" * n + b"}}\n"
    out.append(
        _tf_case(
            "deep_tf_json", {"bad.tf.json": bad}, (Expect("deep_tf_json/bad.tf.json", DEPTH, 1),)
        )
    )
    bad = b"deep = " + b"[" * n + b"]" * n + b"\n"
    out.append(
        _tf_case(
            "deep_tfvars",
            {"terraform.tfvars": bad},
            (Expect("deep_tfvars/terraform.tfvars", DEPTH, 1),),
        )
    )
    bad = (
        b'{"format_version": "1.2", "planned_values": {"root_module": {"resources": '
        + b"[" * n
        + b"]" * n
        + b"}}}\n"
    )
    out.append(
        _cfn_case("deep_plan", {"plan.json": bad}, (Expect("deep_plan/plan.json", DEPTH, 1),))
    )

    # -- expansion ---------------------------------------------------------------------------
    lines = [b'AWSTemplateFormatVersion: "2010-09-09"', b"Metadata:"]
    lines.append(b'  l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]')
    for i in range(1, 10):
        lines.append(b"  l%d: &l%d [" % (i, i) + b", ".join([b"*l%d" % (i - 1)] * 9) + b"]")
    lines += [
        b"Resources:",
        b"  LaughVault:",
        b"    Type: AWS::Backup::BackupVault",
        b"    Properties:",
        b"      BackupVaultName: !Join ['', *l9]",
        b"",
    ]
    out.append(
        _cfn_case(
            "billion_laughs",
            {"bad.yaml": b"\n".join(lines)},
            (Expect("billion_laughs/bad.yaml", r"alias|expan|too (big|large|many)", None),),
        )
    )
    merge = [b'AWSTemplateFormatVersion: "2010-09-09"', b"Metadata:"]
    merge.append(b"  m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}")
    for i in range(1, 12):
        merge.append(b"  m%d: &m%d" % (i, i))
        merge += [b"    k%d: *m%d" % (j, i - 1) for j in range(8)]
    merge += [
        b"Resources:",
        b"  MergeVault:",
        b"    Type: AWS::Backup::BackupVault",
        b"    Properties:",
        b"      BackupVaultTags:",
        b"        <<: *m11",
        b"",
    ]
    out.append(
        _cfn_case(
            "merge_key_bomb",
            {"bad.yaml": b"\n".join(merge)},
            (Expect("merge_key_bomb/bad.yaml", r"alias|expan|too (big|large|many)", None),),
        )
    )
    bad = (
        b'resource "aws_backup_vault" "many" {\n'
        b'  count = 100000000\n  name  = "v-${count.index}"\n}\n'
    )
    out.append(
        _tf_case(
            "count_explosion",
            {"bad.tf": bad},
            (Expect("count_explosion/bad.tf", r"count|instances|expan|too many", None, "either"),),
        )
    )
    bad = (
        b'resource "aws_backup_vault" "each" {\n'
        b"  for_each = toset([for i in range(1000000) : tostring(i)])\n"
        b'  name     = "v-${each.key}"\n}\n'
    )
    out.append(
        _tf_case(
            "for_each_explosion",
            {"bad.tf": bad},
            (
                Expect(
                    "for_each_explosion/bad.tf",
                    r"range|for_each|instances|expan|too (many|large)",
                    None,
                    "either",
                ),
            ),
        )
    )
    out.append(_cfn_conditions_case())

    # -- cycles --------------------------------------------------------------------------------
    bad = (
        b"locals {\n  a = local.b\n  b = local.a\n}\n\n"
        b'resource "aws_backup_vault" "cyclic" {\n'
        b"  name        = local.a\n  kms_key_arn = local.b\n}\n"
    )
    out.append(
        _tf_case(
            "cycle_locals",
            {"bad.tf": bad},
            (Expect("cycle_locals/bad.tf", "cycle", SOME_LINE, "either"),),
        )
    )
    selfcall = b'module "again" {\n  source = "./"\n}\n'
    out.append(
        _tf_case(
            "cycle_module_self",
            {"self.tf": selfcall},
            (Expect("cycle_module_self/self.tf", r"cycle|recurs|itself", SOME_LINE, "either"),),
        )
    )
    parent = b'module "child" {\n  source = "./child"\n  key    = module.child.key_out\n}\n'
    child = (
        b'variable "key" {}\n\noutput "key_out" {\n  value = var.key\n}\n\n'
        b'resource "aws_backup_vault" "child" {\n'
        b'  name        = "child"\n  kms_key_arn = var.key\n}\n'
    )
    out.append(
        _tf_case(
            "cycle_module_io",
            {"io.tf": parent, "child/main.tf": child},
            (Expect("cycle_module_io/child/main.tf", "cycle", SOME_LINE, "either"),),
        )
    )
    a = b'module "b" {\n  source = "../b"\n}\n'
    b = b'module "a" {\n  source = "../a"\n}\n'
    out.append(
        _tf_case(
            "cycle_module_mutual",
            {"a/main.tf": a, "b/main.tf": b},
            (Expect("cycle_module_mutual/a/main.tf", r"cycle|recurs|itself", SOME_LINE, "either"),),
        )
    )
    bad = (
        CFN_HEAD.replace(b"Resources:\n", b"")
        + b"Conditions:\n  Ping: !Condition Pong\n  Pong: !Not [!Condition Ping]\n"
        b"Resources:\n  CycleVault:\n    Type: AWS::Backup::BackupVault\n    Condition: Ping\n"
        b"    Properties:\n      BackupVaultName: cyc\n"
    )
    out.append(
        _cfn_case(
            "cycle_cfn_conditions",
            {"bad.yaml": bad},
            (Expect("cycle_cfn_conditions/bad.yaml", "cycle", SOME_LINE, "either"),),
        )
    )

    out.append(_resource_cycle_case())

    # -- duplicates --------------------------------------------------------------------------
    bad = (
        CFN_HEAD + b"  Twin:\n    Type: AWS::Backup::BackupVault\n"
        b"  Twin:\n    Type: AWS::KMS::Key\n"
    )
    out.append(
        _cfn_case(
            "duplicate_yaml",
            {"bad.yaml": bad},
            (Expect("duplicate_yaml/bad.yaml", "duplicate", 5),),
        )
    )
    bad = (
        b'{\n  "Resources": {\n    "Twin": {"Type": "AWS::Backup::BackupVault"},\n'
        b'    "Twin": {"Type": "AWS::KMS::Key"}\n  }\n}\n'
    )
    out.append(
        _cfn_case(
            "duplicate_json",
            {"bad.json": bad},
            (Expect("duplicate_json/bad.json", "duplicate", 4),),
        )
    )
    bad = b'resource "aws_backup_vault" "twice" {\n  name = "a"\n  name = "b"\n}\n'
    out.append(
        _tf_case(
            "duplicate_hcl_attribute",
            {"bad.tf": bad},
            (
                Expect(
                    "duplicate_hcl_attribute/bad.tf", r"duplicate|redefined|already", 3, "either"
                ),
            ),
        )
    )

    # -- safety ---------------------------------------------------------------------------------
    marker = "PWNED_BY_YAML"
    bad = (
        CFN_HEAD + b"  Tagged:\n    Type: AWS::Backup::BackupVault\n    Properties:\n"
        b"      BackupVaultName: !!python/object/apply:os.system ['touch "
        + marker.encode()
        + b"']\n"
    )
    out.append(
        _cfn_case(
            "python_tag",
            {"bad.yaml": bad},
            (Expect("python_tag/bad.yaml", r"tag|python", 6),),
            never_created=(marker,),
        )
    )
    bad = CFN_HEAD + b"  Tagged:\n    Type: !!python/name:os.system\n"
    out.append(
        _cfn_case(
            "python_name_tag",
            {"bad.yaml": bad},
            (Expect("python_name_tag/bad.yaml", r"tag|python", 4),),
        )
    )
    bad = (
        b'resource "aws_kms_key" "leaky" {\n'
        b'  description = "reads outside the root"\n'
        b'  policy      = file("../../../../../../../../etc/passwd")\n}\n'
    )
    out.append(
        _tf_case(
            "path_traversal",
            {"bad.tf": bad},
            (Expect("path_traversal/bad.tf", r"outside|root|travers", 3, "either"),),
            never_read=("root:x:0:0",),
        )
    )
    bad = (
        b'resource "aws_kms_key" "leaky_template" {\n'
        b'  description = "reads outside the root"\n'
        b'  policy      = templatefile("/etc/passwd", {})\n}\n'
    )
    out.append(
        _tf_case(
            "path_absolute",
            {"bad.tf": bad},
            (Expect("path_absolute/bad.tf", r"outside|root|travers", 3, "either"),),
            never_read=("root:x:0:0",),
        )
    )

    escape = (
        b'module "up" {\n  source = "../../../../../../../../etc"\n}\n\n'
        b'module "linked" {\n  source = "./etc_link"\n}\n\n'
        b'resource "aws_backup_vault" "escaped" {\n  name = module.up.anything\n}\n'
    )
    out.append(
        _tf_case(
            "module_escape",
            {"modules.tf": escape, "etc_link": Symlink("/etc")},
            (
                Expect("module_escape/modules.tf", r"outside the scanned|not loaded", 1, "either"),
                Expect("module_escape/modules.tf", r"outside the scanned|not loaded", 5, "either"),
            ),
            needs=("symlink",),
            never_read=("root:x:0:0",),
        )
    )

    long_source = b'module "long" {\n  source = "./' + b"x" * 300 + b'"\n}\n'
    out.append(
        _tf_case(
            "module_long_source",
            {"long.tf": long_source},
            (Expect("module_long_source/long.tf", r"local module", 1, "either"),),
        )
    )

    # -- the file system --------------------------------------------------------------------
    out.append(
        _tf_case(
            "symlink_loop",
            {
                "loop": Symlink("."),
                "up": Symlink(".."),
                "a.tf": Symlink("b.tf"),
                "b.tf": Symlink("a.tf"),
            },
            (
                Expect("symlink_loop/loop", "symlink loop", None, "note"),
                Expect("symlink_loop/a.tf", "symlink loop", None, "note"),
            ),
            needs=("symlink",),
        )
    )
    out.append(
        _tf_case(
            "symlink_escape",
            {"leak.tf": Symlink("/etc/passwd"), "etc": Symlink("/etc")},
            (
                Expect("symlink_escape/leak.tf", "leaves the scanned root", None, "note"),
                Expect("symlink_escape/etc", "leaves the scanned root", None, "note"),
            ),
            needs=("symlink",),
            never_read=("root:x:0:0",),
        )
    )
    out.append(
        _tf_case(
            "fifo",
            {"pipe.tf": Fifo(), "pipe.yaml": Fifo()},
            (
                Expect("fifo/pipe.tf", "named pipe", None),
                Expect("fifo/pipe.yaml", "named pipe", None, "note"),
            ),
            needs=("fifo",),
        )
    )
    from memory_cases import memory_cases  # the "Gigabytes" cases; they import this module

    out.extend(memory_cases())
    big = b"# padding\n" * (2_200_000)  # 22 MB: over the default --max-file-size (20 MB)
    out.append(
        _tf_case(
            "too_large", {"huge.tf": big}, (Expect("too_large/huge.tf", "max-file-size", None),)
        )
    )
    return out


def _cfn_conditions_case() -> Case:
    """40 Parameters and 40 Conditions built on each other (cfn-lint#2874 went exponential)."""
    n = 40
    lines = [b'AWSTemplateFormatVersion: "2010-09-09"', b"Parameters:"]
    for i in range(n):
        lines += [
            b"  P%d:" % i,
            b"    Type: String",
            b"    AllowedValues: [a, b]",
            b"    Default: a",
        ]
    lines.append(b"Conditions:")
    lines.append(b"  C0: !Equals [!Ref P0, b]")
    for i in range(1, n):
        lines.append(
            b"  C%d: !Or [!And [!Condition C%d, !Equals [!Ref P%d, b]], !Not [!Condition C%d]]"
            % (i, i - 1, i, i - 1)
        )
    lines += [b"Resources:", b"  KeyA:", b"    Type: AWS::KMS::Key", b"    Properties:"]
    lines += [b"      EnableKeyRotation: true"]
    value = b"!GetAtt KeyA.Arn"
    for i in range(n):
        value = b"!If [C%d, %s, !Ref AWS::NoValue]" % (i, value)
    lines += [b"  ChainVault:", b"    Type: AWS::Backup::BackupVault", b"    Properties:"]
    lines += [b"      BackupVaultName: chain", b"      EncryptionKeyArn: " + value, b""]
    return _cfn_case("cfn_conditions", {"chain.yaml": b"\n".join(lines)}, ())


def big_case(resources: int = 60_000) -> Case:
    """One Terraform file of ``resources`` vaults, about 17 MB: checked in time or stopped."""
    chunks = [b"# generated: %d backup vaults without a customer-managed key\n" % resources]
    pad = b"x" * 190
    for i in range(resources):
        chunks.append(
            b'resource "aws_backup_vault" "v%05d" {\n  name = "vault-%05d"\n'
            b'  tags = {\n    padding = "%s"\n  }\n}\n\n' % (i, i, pad)
        )
    files = {"big/huge.tf": b"".join(chunks)}
    good = ("BKP001", "aws_backup_vault.v00000", "big/huge.tf")
    return Case("big", files, (), (good,), slow=True)


# ----------------------------------------------------------------------------- writing


def supported(need: str) -> bool:
    if need == "fifo":
        return hasattr(os, "mkfifo")
    if need == "symlink":
        return hasattr(os, "symlink") and sys.platform != "win32"
    if need == "non-root":
        return not hasattr(os, "geteuid") or os.geteuid() != 0
    return True


def write_case(case: Case, scan_dir: Path) -> None:
    for rel, content in case.files.items():
        path = scan_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Symlink):
            os.symlink(content.target, path)
        elif isinstance(content, Fifo):
            os.mkfifo(path)
        else:
            path.write_bytes(content)


def write_all(scan_dir: Path, *, include_big: bool = True) -> list[Case]:
    """Every case (that this platform supports) under ``scan_dir``; returns them."""
    chosen = [c for c in cases() if all(supported(n) for n in c.needs)]
    if include_big:
        chosen.append(big_case())
    for case in chosen:
        write_case(case, scan_dir)
    return chosen


if __name__ == "__main__":  # pragma: no cover - manual use
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    target.mkdir(parents=True, exist_ok=True)
    written = write_all(target)
    print(f"wrote {len(written)} cases under {target}")
