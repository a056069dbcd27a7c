"""Input generators shared by the property tests (through ``st.randoms()``) and scripts/fuzz.py.

Everything takes a ``random.Random``: hypothesis drives it in the tests (and shrinks what it
can), a seeded one drives the long fuzz run. Three families:

* ``mutate``: truncate, splice, flip bytes, delete, duplicate, insert hostile tokens;
* ``random_hcl_module``: a Terraform file whose attribute values are random HCL expressions
  (references, functions, templates, for-expressions, splats, conditionals, heredocs...);
* ``random_cfn_template``: a CloudFormation template (YAML with short-form tags, or JSON)
  whose properties and conditions are random values and intrinsics.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from pathlib import Path

from hostile_cases import GOOD_CFN, GOOD_TF

RICH_TF = b"""\
variable "use_cmk" {
  type    = bool
  default = false
}

variable "names" {
  type    = list(string)
  default = ["a", "b"]
}

variable "required" {}

locals {
  vaults = { for n in var.names : n => upper(n) }
  arn    = var.use_cmk ? aws_kms_key.k[0].arn : null
  doc = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "kms:*" }]
  })
}

resource "aws_kms_key" "k" {
  count                   = var.use_cmk ? 1 : 0
  enable_key_rotation     = "true"
  deletion_window_in_days = 7
  policy                  = local.doc
}

resource "aws_backup_vault" "each" {
  for_each    = local.vaults
  name        = "${each.key}-${each.value}"
  kms_key_arn = local.arn
}

resource "aws_backup_plan" "p" {
  name = "plan"
  dynamic "rule" {
    for_each = var.names
    content {
      rule_name         = "r-${rule.value}"
      target_vault_name = aws_backup_vault.each[rule.value].name
      copy_action {
        destination_vault_arn = "arn:aws:backup:eu-west-1:111122223333:backup-vault:${rule.value}"
      }
    }
  }
}

data "aws_iam_policy_document" "d" {
  statement {
    sid     = "backup"
    actions = ["kms:Decrypt", "kms:GenerateDataKey*"]
    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["backup.${var.required}.amazonaws.com"]
    }
  }
}

resource "aws_kms_key_policy" "kp" {
  key_id = aws_kms_key.k[0].id
  policy = <<-EOT
    ${data.aws_iam_policy_document.d.json}
  EOT
}
"""

RICH_CFN = b"""\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  UseCmk:
    Type: String
    AllowedValues: ["true", "false"]
    Default: "false"
  Name:
    Type: String
Mappings:
  Regions:
    eu-west-1:
      Key: arn:aws:kms:eu-west-1:111122223333:key/abc
Conditions:
  Cmk: !Equals [!Ref UseCmk, "true"]
  NoCmk: !Not [!Condition Cmk]
  Both: !And [!Condition Cmk, !Or [!Condition NoCmk, !Equals [!Ref Name, x]]]
Resources:
  Key:
    Type: AWS::KMS::Key
    Condition: Cmk
    Properties:
      EnableKeyRotation: !If [Both, true, "false"]
      PendingWindowInDays: 7
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: {Service: !Sub "backup.${AWS::Region}.amazonaws.com"}
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"]
            Resource: "*"
          - !If [NoCmk, {Effect: Deny, Principal: "*", Action: "kms:*"}, !Ref AWS::NoValue]
  Alias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: !Sub alias/${Name}
      TargetKeyId: !Ref Key
  Vault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: !Join ["-", [!Ref Name, !Select [0, !Split [",", "a,b"]]]]
      EncryptionKeyArn: !If [Cmk, !GetAtt Key.Arn, !FindInMap [Regions, !Ref "AWS::Region", Key]]
  Plan:
    Type: AWS::Backup::BackupPlan
    Properties:
      BackupPlan:
        BackupPlanName: p
        BackupPlanRule:
          - RuleName: daily
            TargetBackupVault: !Ref Vault
            CopyActions:
              - DestinationBackupVaultArn: !GetAtt [Vault, BackupVaultArn]
"""

TOKENS = (
    b"{",
    b"}",
    b"[",
    b"]",
    b"(",
    b")",
    b"${",
    b"%{",
    b"}}",
    b'"',
    b"'",
    b"\n",
    b"\t",
    b"\\",
    b":",
    b"- ",
    b"&a ",
    b"*a",
    b"!Ref ",
    b"!If ",
    b"!!python/name:os.system ",
    b"<<EOF\n",
    b"EOF\n",
    b"\x00",
    b"\xff",
    "\u00e9".encode(),
    "\u2028".encode(),
    b"#",
    b"//",
    b"/*",
    b"...",
    b"=>",
    b" ? ",
    b" : ",
    b"for x in ",
    b"count.index",
    b"each.value",
    b"var.",
    b"local.",
    b"module.",
    b"AWS::NoValue",
    b"Fn::If",
    b"Ref",
    b"1e309",
    b"-0",
    b"9" * 40,
)


def seed_inputs(
    repo: Path, corpus: Path | None = None, limit: int = 400
) -> list[tuple[str, bytes]]:
    """(suffix, bytes) seeds: built-in samples, fixtures/, and optionally a corpus directory."""
    seeds: list[tuple[str, bytes]] = [
        (".tf", GOOD_TF),
        (".tf", RICH_TF),
        (".yaml", GOOD_CFN),
        (".yaml", RICH_CFN),
    ]
    roots = [repo / "fixtures"] + ([corpus] if corpus is not None else [])
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if len(seeds) >= limit:
                break
            suffix = _suffix(path.name)
            if suffix is None or not path.is_file() or path.is_symlink():
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if len(data) > 200_000 or b"\0" in data:
                continue
            if suffix == ".json" and b"planned_values" in data:
                seeds.append((".plan.json", data))
            elif suffix == ".json" and b"AWS::" not in data:
                continue
            elif suffix in (".yaml",) and b"AWS::" not in data:
                continue
            else:
                seeds.append((suffix, data))
    return seeds


def _suffix(name: str) -> str | None:
    for suffix in (".tf.json", ".tf", ".yaml", ".yml", ".json", ".template"):
        if name.endswith(suffix):
            return {".yml": ".yaml", ".template": ".yaml"}.get(suffix, suffix)
    return None


def file_name(suffix: str) -> str:
    return {
        ".tf": "main.tf",
        ".tf.json": "main.tf.json",
        ".yaml": "template.yaml",
        ".json": "template.json",
        ".plan.json": "plan.json",
    }[suffix]


# ----------------------------------------------------------------------------- mutations


def mutate(rnd: random.Random, data: bytes, others: Iterable[bytes] = ()) -> bytes:
    """One to three random byte-level mutations of ``data``."""
    pool = list(others)
    for _ in range(rnd.randint(1, 3)):
        n = len(data)
        op = rnd.randrange(7)
        if op == 0 and n:  # truncate
            data = data[: rnd.randrange(n)]
        elif op == 1 and n:  # flip bytes
            buf = bytearray(data)
            for _ in range(rnd.randint(1, 8)):
                i = rnd.randrange(n)
                buf[i] ^= rnd.randint(1, 255)
            data = bytes(buf)
        elif op == 2 and pool:  # splice a slice of another input
            other = rnd.choice(pool)
            if other:
                a = rnd.randrange(len(other))
                b = rnd.randint(a, min(len(other), a + 400))
                i = rnd.randint(0, n)
                data = data[:i] + other[a:b] + data[i:]
        elif op == 3 and n:  # delete a range
            a = rnd.randrange(n)
            data = data[:a] + data[a + rnd.randint(1, 64) :]
        elif op == 4 and n:  # duplicate a range
            a = rnd.randrange(n)
            b = min(n, a + rnd.randint(1, 200))
            data = data[:b] + data[a:b] * rnd.randint(1, 4) + data[b:]
        else:  # insert a hostile token
            i = rnd.randint(0, n)
            data = data[:i] + rnd.choice(TOKENS) * rnd.randint(1, 3) + data[i:]
    return data


# ----------------------------------------------------------------------------- HCL

_REFS = (
    "var.use_cmk",
    "var.names",
    "var.required",
    "var.missing",
    "local.l",
    "local.m",
    "local.nope",
    "aws_kms_key.k.arn",
    "aws_kms_key.k[0].arn",
    "aws_kms_key.k.*.arn",
    "aws_kms_key.k[*].key_id",
    "aws_backup_vault.v.name",
    "aws_backup_vault.v.id",
    "data.aws_kms_alias.managed.target_key_arn",
    "data.aws_kms_alias.managed.name",
    "module.m.out",
    "module.nowhere.x",
    "each.key",
    "each.value",
    "count.index",
    "path.module",
    "path.root",
    "terraform.workspace",
    "self.arn",
    "unknown_type.x.y",
)
_FUNCS = (
    "jsonencode",
    "jsondecode",
    "merge",
    "concat",
    "flatten",
    "lookup",
    "try",
    "can",
    "coalesce",
    "compact",
    "distinct",
    "element",
    "format",
    "join",
    "split",
    "replace",
    "lower",
    "upper",
    "length",
    "keys",
    "values",
    "tolist",
    "toset",
    "tomap",
    "tostring",
    "tonumber",
    "tobool",
    "contains",
    "file",
    "templatefile",
    "fileexists",
    "range",
    "zipmap",
    "regex",
    "regexall",
    "substr",
    "slice",
    "max",
    "min",
    "sum",
    "one",
    "index",
    "sort",
    "reverse",
    "base64decode",
    "sha256",
    "cidrsubnet",
    "timestamp",
    "formatlist",
    "abs",
    "chunklist",
    "setproduct",
    "nosuchfunction",
    "provider::aws::arn_parse",
)
_STRINGS = (
    "",
    "x",
    "alias/aws/backup",
    "arn:aws:kms:eu-west-1:111122223333:key/1234",
    "arn:aws:kms:eu-west-1:111122223333:alias/aws/backup",
    "true",
    "false",
    "7",
    "1e3",
    "backup.amazonaws.com",
    "kms:*",
    "../../../../etc/passwd",
    "/etc/passwd",
    "%s%d%q%%",
    "(a+)+$",
    "$${",
    "\\u00e9",
    "\\n",
    "*",
    "Default",
)


def _hcl_string(rnd: random.Random, depth: int) -> str:
    parts = []
    for _ in range(rnd.randint(0, 3)):
        if depth > 0 and rnd.random() < 0.3:
            parts.append("${" + hcl_expr(rnd, depth - 1) + "}")
        else:
            parts.append(rnd.choice(_STRINGS).replace('"', ""))
    return '"' + "".join(parts) + '"'


def hcl_expr(rnd: random.Random, depth: int = 4) -> str:
    """A random HCL expression (syntactically plausible, semantically anything)."""
    if depth <= 0 or rnd.random() < 0.25:
        kind = rnd.randrange(6)
        if kind == 0:
            return rnd.choice(("true", "false", "null"))
        if kind == 1:
            return str(rnd.choice((0, 1, -1, 7, 30, 365, 2**53, 10**20, 1.5, -0.0)))
        if kind in (2, 3):
            return rnd.choice(_REFS)
        return _hcl_string(rnd, depth)
    d = depth - 1
    kind = rnd.randrange(13)
    if kind == 0:
        return "[" + ", ".join(hcl_expr(rnd, d) for _ in range(rnd.randint(0, 3))) + "]"
    if kind == 1:
        items = (
            f"{rnd.choice(('a', 'b', 'Version', 'Statement', 'Effect'))} = {hcl_expr(rnd, d)}"
            for _ in range(rnd.randint(0, 3))
        )
        return "{" + ", ".join(items) + "}"
    if kind == 2:
        args = ", ".join(hcl_expr(rnd, d) for _ in range(rnd.randint(0, 3)))
        ellipsis = "..." if args and rnd.random() < 0.1 else ""
        return f"{rnd.choice(_FUNCS)}({args}{ellipsis})"
    if kind == 3:
        return f"{hcl_expr(rnd, d)} ? {hcl_expr(rnd, d)} : {hcl_expr(rnd, d)}"
    if kind == 4:
        op = rnd.choice(("+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||"))
        return f"{hcl_expr(rnd, d)} {op} {hcl_expr(rnd, d)}"
    if kind == 5:
        return rnd.choice(("!", "-")) + hcl_expr(rnd, d)
    if kind == 6:
        return f"[for x in {hcl_expr(rnd, d)} : {rnd.choice(('x', hcl_expr(rnd, d)))}]"
    if kind == 7:
        cond = f" if {hcl_expr(rnd, d)}" if rnd.random() < 0.3 else ""
        group = "..." if rnd.random() < 0.2 else ""
        return f"{{for k, v in {hcl_expr(rnd, d)} : k => v{group}{cond}}}"
    if kind == 8:
        return f"({hcl_expr(rnd, d)})[{hcl_expr(rnd, d)}]"
    if kind == 9:
        return f"({hcl_expr(rnd, d)})[*].{rnd.choice(('arn', 'name', 'id'))}"
    if kind == 11:
        return f"({hcl_expr(rnd, d)})"
    return _hcl_string(rnd, depth)


def random_hcl_module(rnd: random.Random) -> bytes:
    """A Terraform file using random expressions where the rules look."""

    def e() -> str:
        if rnd.random() < 0.05:  # a heredoc, only where a whole value goes
            return f"<<-EOT\n  {_hcl_string(rnd, 2)[1:-1]}\n  EOT\n"
        return hcl_expr(rnd, rnd.randint(1, 5))

    meta = ""
    roll = rnd.random()
    if roll < 0.2:
        meta = f"  count = {e()}\n"
    elif roll < 0.4:
        meta = f"  for_each = {e()}\n"
    text = f"""\
variable "use_cmk" {{
  default = {e()}
}}

variable "names" {{
  default = ["a", "b"]
}}

variable "required" {{}}

locals {{
  l = {e()}
  m = {e()}
}}

resource "aws_kms_key" "k" {{
{meta}  enable_key_rotation     = {e()}
  deletion_window_in_days = {e()}
  policy                  = {e()}
}}

data "aws_kms_alias" "managed" {{
  name = {e()}
}}

resource "aws_backup_vault" "v" {{
  name        = {e()}
  kms_key_arn = {e()}
}}

resource "aws_backup_plan" "p" {{
  name = "p"
  rule {{
    rule_name         = {e()}
    target_vault_name = {e()}
    copy_action {{
      destination_vault_arn = {e()}
    }}
  }}
}}

module "m" {{
  source = {rnd.choice(('"./"', '"../x"', '"git::https://example.com/m.git"', e()))}
  key    = {e()}
}}
"""
    return text.encode()


# ----------------------------------------------------------------------------- CloudFormation

_PARAMS = ("UseCmk", "Name", "Required", "Missing")
_CONDS = ("Cmk", "NoCmk", "Mixed", "Undefined")
_RES = ("Key", "Vault", "Alias", "Nowhere")


def cfn_value(rnd: random.Random, depth: int = 4) -> object:
    """A random CloudFormation value: plain data and intrinsic functions (long form)."""
    if depth <= 0 or rnd.random() < 0.3:
        return rnd.choice(
            (
                True,
                False,
                None,
                0,
                7,
                30,
                1.5,
                "true",
                "false",
                "x",
                "alias/aws/backup",
                "arn:aws:kms:eu-west-1:111122223333:key/abc",
                "backup.amazonaws.com",
                "*",
                "kms:*",
                "${AWS::Region}",
                "${Name}",
                "${Key.Arn}",
                "${!Literal}",
                "${",
            )
        )
    d = depth - 1
    kind = rnd.randrange(14)
    if kind == 0:
        return [cfn_value(rnd, d) for _ in range(rnd.randint(0, 3))]
    if kind == 1:
        keys = ("Effect", "Action", "Principal", "Resource", "Condition", "Statement", "k")
        return {rnd.choice(keys): cfn_value(rnd, d) for _ in range(rnd.randint(0, 3))}
    if kind == 2:
        return {"Ref": rnd.choice(_PARAMS + _RES + ("AWS::Region", "AWS::NoValue"))}
    if kind == 3:
        target = rnd.choice(_RES)
        attr = rnd.choice(("Arn", "KeyId", "BackupVaultArn", "Nope"))
        return {"Fn::GetAtt": rnd.choice((f"{target}.{attr}", [target, attr], cfn_value(rnd, d)))}
    if kind == 4:
        return {"Fn::If": [rnd.choice(_CONDS), cfn_value(rnd, d), cfn_value(rnd, d)]}
    if kind == 5:
        return {
            "Fn::Sub": rnd.choice((cfn_value(rnd, d), ["${x}-${Name}", {"x": cfn_value(rnd, d)}]))
        }
    if kind == 6:
        return {"Fn::Join": [rnd.choice(("", "-", ":")), [cfn_value(rnd, d) for _ in range(2)]]}
    if kind == 7:
        return {"Fn::Select": [rnd.choice((0, 1, 5, -1, "0")), cfn_value(rnd, d)]}
    if kind == 8:
        return {"Fn::Split": [",", cfn_value(rnd, d)]}
    if kind == 9:
        return {"Fn::Equals": [cfn_value(rnd, d), cfn_value(rnd, d)]}
    if kind == 10:
        return {
            rnd.choice(("Fn::And", "Fn::Or")): [cfn_value(rnd, d) for _ in range(rnd.randint(0, 3))]
        }
    if kind == 11:
        return {"Fn::Not": [cfn_value(rnd, d)]}
    if kind == 12:
        return {"Fn::FindInMap": ["Regions", cfn_value(rnd, d), "Key"]}
    return {"Condition": rnd.choice(_CONDS)}


def _yaml(value: object, indent: int = 0) -> str:
    """Flow-style YAML with short-form tags for one-key intrinsic mappings."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((k, v),) = value.items()
            if k.startswith("Fn::") or k == "Ref":
                tag = "!" + (k[4:] if k.startswith("Fn::") else k)
                inner = _yaml(v)
                if inner.startswith("!"):  # one node cannot carry two tags: long form
                    return "{" + json.dumps(k) + ": " + inner + "}"
                return f"{tag} {inner}"
        return "{" + ", ".join(f"{json.dumps(str(k))}: {_yaml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    return json.dumps(value)


def random_cfn_template(rnd: random.Random) -> tuple[str, bytes]:
    """(suffix, bytes): a template with random properties, as YAML (tags) or JSON."""
    v = lambda: cfn_value(rnd, rnd.randint(1, 5))  # noqa: E731
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {
            "UseCmk": {"Type": "String", "AllowedValues": ["true", "false"], "Default": "false"},
            "Name": {"Type": "String", "Default": v()},
            "Required": {"Type": "String"},
        },
        "Mappings": {"Regions": {"eu-west-1": {"Key": v()}}},
        "Conditions": {
            "Cmk": {"Fn::Equals": [{"Ref": "UseCmk"}, "true"]},
            "NoCmk": {"Fn::Not": [{"Condition": "Cmk"}]},
            "Mixed": v(),
        },
        "Resources": {
            "Key": {
                "Type": "AWS::KMS::Key",
                "Properties": {
                    "EnableKeyRotation": v(),
                    "PendingWindowInDays": v(),
                    "KeyPolicy": v(),
                },
            },
            "Alias": {
                "Type": "AWS::KMS::Alias",
                "Properties": {"AliasName": v(), "TargetKeyId": v()},
            },
            "Vault": {
                "Type": "AWS::Backup::BackupVault",
                "Properties": {"BackupVaultName": v(), "EncryptionKeyArn": v()},
            },
            "Plan": {
                "Type": "AWS::Backup::BackupPlan",
                "Properties": {
                    "BackupPlan": {
                        "BackupPlanName": "p",
                        "BackupPlanRule": [
                            {
                                "RuleName": v(),
                                "TargetBackupVault": v(),
                                "CopyActions": [{"DestinationBackupVaultArn": v()}],
                            }
                        ],
                    }
                },
            },
        },
    }
    if rnd.random() < 0.5:
        template["Resources"]["Vault"]["Condition"] = rnd.choice(_CONDS)
    if rnd.random() < 0.3:
        return ".json", json.dumps(template, indent=1).encode()
    lines = []
    for section, body in template.items():
        if not isinstance(body, dict):
            lines.append(f"{section}: {_yaml(body)}")
            continue
        lines.append(f"{section}:")
        for name, item in body.items():
            lines.append(f"  {name}: {_yaml(item)}")
    return ".yaml", ("\n".join(lines) + "\n").encode()


# ----------------------------------------------------------------------------- hostile shapes
#
# The shapes that broke runs outside the byte-mutation and grammar generators' reach (issue
# 13): lone surrogates, huge numbers, exponents, long postfix chains, multiplicative
# expansions, catastrophic regexes, Condition chains, unknown YAML tags. Sizes are drawn so
# that most inputs stay small and some reach the limits.


def _size(rnd: random.Random, small: int, large: int) -> int:
    return rnd.randint(1, small) if rnd.random() < 0.8 else rnd.randint(small, large)


def hostile_shape(rnd: random.Random) -> tuple[str, bytes]:
    """(suffix, bytes) of one input of a hostile shape."""
    kind = rnd.randrange(10)
    key = 'resource "aws_kms_key" "k" {\n  %s\n}\n'
    if kind == 0:  # lone surrogates in every language
        escape = rnd.choice(("\\ud800", "\\udfff", "\\udc80", "\\ud834\\ud834"))
        which = rnd.randrange(3)
        if which == 0:
            return ".tf", (key % f'description = "a{escape}b"').encode()
        if which == 1:
            doc = '{"resource": {"aws_backup_vault": {"v": {"name": "x' + escape + 'y"}}}}'
            return ".tf.json", doc.encode()
        doc = (
            '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"V'
            + escape
            + '": {"Type": "AWS::Backup::BackupVault"}}}'
        )
        return ".json", doc.encode()
    if kind == 1:  # integers around Python's 4300-digit text limit, in every language
        digits = "9" * rnd.choice((4299, 4300, 4301, _size(rnd, 10, 6000)))
        which = rnd.randrange(3)
        if which == 0:
            return ".tf", (key % f"deletion_window_in_days = {digits}").encode()
        if which == 1:
            return ".yaml", (
                "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  K:\n"
                f"    Type: AWS::KMS::Key\n    Properties:\n      PendingWindowInDays: {digits}\n"
            ).encode()
        return ".tf", (key % f"deletion_window_in_days = pow(10, {len(digits)})").encode()
    if kind == 2:  # exponents without a fraction, anywhere an expression goes
        lit = rnd.choice(("1e3", "7E0", "2e+2", "5e-1", "1e308", "1e999"))
        return ".tf", (key % f"deletion_window_in_days = [{lit}, {lit}][0]").encode()
    if kind == 3:  # long postfix chains
        steps = "".join(rnd.choice(("[0]", ".x", "[*]")) for _ in range(_size(rnd, 50, 20000)))
        return ".tf", f"locals {{\n  x = local.y{steps}\n}}\n".encode()
    if kind == 4:  # multiplicative expansions
        n = _size(rnd, 20, 400)
        inner = f"[for i in range({n}) : [for j in range({n}) : i * j]]"
        return ".tf", (key % f"deletion_window_in_days = length(flatten({inner}))").encode()
    if kind == 5:  # wide formats and indents
        width = _size(rnd, 100, 100_000_000)
        call = rnd.choice((f'format("%0{width}d", 1)', f'indent({width}, "a\\nb")'))
        return ".tf", (key % f"description = {call}\n  policy = {call}").encode()
    if kind == 6:  # catastrophic regexes
        subject = "a" * _size(rnd, 30, 5000)
        pattern = rnd.choice(("^(a+)+$", "(a*)*b", "^(a|aa)+$", "(x+x+)+y"))
        return ".tf", (
            key % f'enable_key_rotation = can(regex("{pattern}", "{subject}!"))'
        ).encode()
    if kind == 7:  # Conditions naming Conditions, chains and rings
        n = _size(rnd, 20, 6000)
        ring = rnd.random() < 0.5
        lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Conditions:"]
        lines += [
            f"  C{i}: !Condition C{(i + 1) % n}" if ring or i else "  C0: !Equals [a, a]"
            for i in range(n)
        ]
        lines += [
            "Resources:",
            "  V:",
            "    Type: AWS::Backup::BackupVault",
            f"    Condition: C{n - 1}",
        ]
        return ".yaml", ("\n".join(lines) + "\n").encode()
    if kind == 8:  # tags no parser knows, and short-form intrinsics in odd places
        tag = rnd.choice(("!Rain::Embed x.txt", "!Custom [1, 2]", "!!python/object:os.system x"))
        return ".yaml", (
            "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  V:\n"
            f"    Type: AWS::Backup::BackupVault\n    Properties:\n      BackupVaultName: {tag}\n"
        ).encode()
    # doubling strings through locals
    n = _size(rnd, 10, 45)
    body = ['  s0 = "ab"'] + [
        f'  s{i} = "${{local.s{i - 1}}}${{local.s{i - 1}}}"' for i in range(1, n)
    ]
    return ".tf", (
        "locals {\n"
        + "\n".join(body)
        + "\n}\n"
        + key % f"description = local.s{n - 1}\n  policy = local.s{n - 1}"
    ).encode()
