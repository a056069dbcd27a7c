"""Deterministic generator of realistic synthetic inputs for the benchmark.

    python bench/generate.py --sizes small,10k,100k,1m,real-100k [--out bench/out] [--seed 7]

Each size is written to ``<out>/<size>/`` (replaced if present). ``small`` is one Terraform
module of three files (the pre-commit case); ``<N>k`` / ``<N>m`` is a monorepo of about N
thousand / million lines: Terraform stacks (KMS keys with for_each, aliases, key policies from
``data "aws_iam_policy_document"`` and ``jsonencode``, vaults, backup plans with ``dynamic
"rule"`` blocks, local modules with for_each, a shared module, backup sources: tagged EBS
volumes with count, an RDS database and an EC2 instance with a backup selection by wildcard,
reference and condition) plus CloudFormation YAML and JSON templates (Parameters, Conditions,
short and long intrinsics, key policies with ``!If``/``AWS::NoValue``, templates of backup
sources). Good and bad resources are mixed so every rule fires.

``real-<N>k`` / ``real-<N>m`` is a *realistic* monorepo of that size: one stack and one template
in ``BACKUP_EVERY`` (5%) hold the backup/KMS code above; the rest is the typical infrastructure
of a monorepo that no rule reads (VPCs and subnets with ``for_each``, security groups, S3
buckets with their versioning / encryption / lifecycle resources, Lambda functions with IAM
policies, SQS queues, CloudWatch alarms, ECS services, local modules with ``for_each``,
variables, locals, outputs; CloudFormation templates of buckets, queues, functions and topics).

The same seed and size always give byte-identical trees. A ``.git`` directory marks each tree
as its own repository, so the ``.gitignore`` of an enclosing checkout (which ignores
``bench/out/``) does not hide it from discovery, and ``manifest.json`` records files and lines.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from typical import (  # noqa: E402
    DNS_MODULE,
    TERRAFORM_BLOCK,
    TF_APP_OUTPUTS,
    TOPIC_MODULE,
    cfn_app_json,
    cfn_app_yaml,
    chance,
    tf_app_main,
    tf_app_variables,
)

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
DEFAULT_SEED = 7
ROOT_SUB = "arn:aws:iam::${AWS::AccountId}:root"
NAMED = {"small": 0}
TEAMS = ("payments", "ledger", "identity", "search", "media", "orders", "data", "platform")
ENVS = ("dev", "staging", "prod")
SERVICES = ("api", "worker", "db", "cache", "files", "reports", "events", "archive", "etl")


#: a size named ``real-100k`` is the realistic monorepo of about 100k lines (``realistic_tree``)
REALISTIC = "real-"
#: in the realistic monorepo, one stack (and one template) in this many holds backup/KMS code
BACKUP_EVERY = 20


def parse_size(text: str) -> int:
    """Target line count: ``small`` -> 0 (the one-module case), ``100k`` -> 100000
    (``real-100k`` too: the realistic monorepo of that size)."""
    text = text.strip().lower()
    if text.startswith(REALISTIC):
        text = text[len(REALISTIC) :]
    if text in NAMED:
        return NAMED[text]
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([km]?)", text)
    if not m:
        raise ValueError(f"bad size {text!r}: use small, 10k, 100k, 1m, ...")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2)]
    return int(float(m.group(1)) * scale)


@dataclass
class Tree:
    files: dict[str, str] = field(default_factory=dict)

    def add(self, path: str, text: str) -> None:
        self.files[path] = text

    @property
    def lines(self) -> int:
        return sum(t.count("\n") for t in self.files.values())


# ----------------------------------------------------------------------------- Terraform


def tf_variables(rng: random.Random, team: str, env: str) -> str:
    rotation = "true" if chance(rng, 0.7) else "false"
    window = rng.choice((7, 10, 14, 30, 30, 30))
    return f'''variable "region" {{
  description = "AWS region of the stack"
  type        = string
  default     = "eu-west-{rng.randint(1, 3)}"
}}

variable "team" {{
  description = "Owning team, used in names and tags"
  type        = string
  default     = "{team}"
}}

variable "environment" {{
  description = "Deployment environment"
  type        = string
  default     = "{env}"

  validation {{
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod"
  }}
}}

variable "enable_rotation" {{
  description = "Rotate the logs key every year"
  type        = bool
  default     = {rotation}
}}

variable "deletion_window" {{
  description = "Days before a deleted key is destroyed"
  type        = number
  default     = {window}
}}

variable "use_cmk" {{
  description = "Encrypt the reports vault with a customer-managed key"
  type        = bool
  default     = {"true" if chance(rng, 0.5) else "false"}
}}

variable "vault_names" {{
  description = "Extra vaults created through the local vault module"
  type        = list(string)
  default     = ["archive", "{rng.choice(SERVICES)}"]
}}

variable "retention_days" {{
  description = "Retention of daily recovery points"
  type        = number
  default     = {rng.choice((14, 35, 90))}
}}

variable "tags" {{
  description = "Extra tags"
  type        = map(string)
  default = {{
    CostCenter = "cc-{rng.randint(1000, 9999)}"
  }}
}}
'''


def tf_key_block(rng: random.Random, name: str, policy_ref: str) -> str:
    rotation = "true" if chance(rng, 0.75) else "false"
    window = rng.choice((7, 15, 30, 30))
    return f'''resource "aws_kms_key" "{name}" {{
  description             = "${{local.name_prefix}} {name} key"
  enable_key_rotation     = {rotation}
  deletion_window_in_days = {window}
  policy                  = {policy_ref}
  tags                    = merge(local.tags, {{ Name = "${{local.name_prefix}}-{name}" }})
}}

resource "aws_kms_alias" "{name}" {{
  name          = "alias/${{local.name_prefix}}-{name}"
  target_key_id = aws_kms_key.{name}.key_id
}}
'''


def tf_main(
    rng: random.Random, idx: int, shared: str | None, extra_keys: int, vault_module: bool = True
) -> str:
    grant_backup = chance(rng, 0.8)
    backup_statement = (
        """
  statement {
    sid    = "AllowAWSBackup"
    effect = "Allow"
    actions = [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:DescribeKey",
      "kms:CreateGrant",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
  }
"""
        if grant_backup
        else ""
    )
    vault_key = rng.choice(
        (
            'aws_kms_key.backup["primary"].arn',
            'aws_kms_key.backup["primary"].arn',
            'aws_kms_alias.backup["secondary"].arn',
            "null",
        )
    )
    second_rotation = "true" if chance(rng, 0.5) else "false"
    second_window = rng.choice((7, 30))
    parts = [
        TERRAFORM_BLOCK
        + f"""provider "aws" {{
  region = var.region

  default_tags {{
    tags = {{
      Stack = "stack-{idx:05d}"
    }}
  }}
}}

data "aws_caller_identity" "current" {{}}

data "aws_partition" "current" {{}}

locals {{
  name_prefix = "${{var.team}}-${{var.environment}}-{idx:05d}"
  account_id  = data.aws_caller_identity.current.account_id
  root_arn    = "arn:${{data.aws_partition.current.partition}}:iam::${{local.account_id}}:root"
  tags = merge(var.tags, {{
    Team        = var.team
    Environment = var.environment
    ManagedBy   = "terraform"
  }})

  keys = {{
    primary   = {{ rotation = true, window = 30 }}
    secondary = {{ rotation = {second_rotation}, window = {second_window} }}
  }}

  backup_rules = [
    {{ name = "daily", schedule = "cron(0 5 * * ? *)", delete_after = var.retention_days }},
    {{ name = "weekly", schedule = "cron(0 6 ? * SUN *)", delete_after = 90 }},
    {{ name = "monthly", schedule = "cron(0 7 1 * ? *)", delete_after = 365 }},
  ]
}}

data "aws_iam_policy_document" "backup_key" {{
  statement {{
    sid       = "EnableRootPermissions"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {{
      type        = "AWS"
      identifiers = [local.root_arn]
    }}
  }}
{backup_statement}}}

resource "aws_kms_key" "backup" {{
  for_each = local.keys

  description             = "${{local.name_prefix}} ${{each.key}} backup key"
  enable_key_rotation     = each.value.rotation
  deletion_window_in_days = each.value.window
  policy                  = data.aws_iam_policy_document.backup_key.json
  tags                    = local.tags
}}

resource "aws_kms_alias" "backup" {{
  for_each = aws_kms_key.backup

  name          = "alias/${{local.name_prefix}}-${{each.key}}"
  target_key_id = each.value.key_id
}}

resource "aws_kms_key" "logs" {{
  description             = "${{local.name_prefix}} logs key"
  enable_key_rotation     = var.enable_rotation
  deletion_window_in_days = var.deletion_window
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Sid       = "EnableRootPermissions"
        Effect    = "Allow"
        Principal = {{ AWS = local.root_arn }}
        Action    = "kms:*"
        Resource  = "*"
      }},
      {{
        Sid       = "AllowBackupUse"
        Effect    = "Allow"
        Principal = {{ Service = "backup.amazonaws.com" }}
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"]
        Resource  = "*"
        Condition = {{
          StringEquals = {{ "kms:CallerAccount" = local.account_id }}
        }}
      }},
    ]
  }})
  tags = local.tags
}}
"""
    ]
    for k in range(extra_keys):
        parts.append(tf_key_block(rng, f"svc{k}", "data.aws_iam_policy_document.backup_key.json"))
    parts.append(
        f"""
resource "aws_backup_vault" "main" {{
  name        = "${{local.name_prefix}}-main"
  kms_key_arn = {vault_key}
  tags        = local.tags
}}

resource "aws_backup_vault" "reports" {{
  name        = "${{local.name_prefix}}-reports"
  kms_key_arn = var.use_cmk ? aws_kms_key.logs.arn : null
  tags        = local.tags
}}

resource "aws_backup_vault" "copies" {{
  count = var.environment == "prod" ? 1 : 0

  name        = "${{local.name_prefix}}-copies-${{count.index}}"
  kms_key_arn = aws_kms_key.backup["secondary"].arn
}}

resource "aws_backup_plan" "main" {{
  name = "${{local.name_prefix}}-plan"

  dynamic "rule" {{
    for_each = local.backup_rules
    content {{
      rule_name         = rule.value.name
      target_vault_name = aws_backup_vault.main.name
      schedule          = rule.value.schedule
      start_window      = 60
      completion_window = 180

      lifecycle {{
        delete_after = rule.value.delete_after
      }}

      copy_action {{
        destination_vault_arn = aws_backup_vault.reports.arn

        lifecycle {{
          delete_after = try(rule.value.copy_delete_after, rule.value.delete_after)
        }}
      }}
    }}
  }}

  tags = local.tags
}}

resource "aws_iam_role" "backup" {{
  name = "${{local.name_prefix}}-backup"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ Service = "backup.amazonaws.com" }}
      Action    = "sts:AssumeRole"
    }}]
  }})
}}

resource "aws_backup_selection" "main" {{
  name         = "${{local.name_prefix}}-selection"
  plan_id      = aws_backup_plan.main.id
  iam_role_arn = aws_iam_role.backup.arn

  selection_tag {{
    type  = "STRINGEQUALS"
    key   = "Backup"
    value = "true"
  }}
}}
"""
    )
    if vault_module:
        parts.append(
            """
module "vaults" {
  source   = "./modules/vault"
  for_each = toset(var.vault_names)

  name        = "${local.name_prefix}-${each.key}"
  kms_key_arn = each.key == "archive" ? aws_kms_key.logs.arn : null
  tags        = local.tags
}
"""
        )
    if shared:
        parts.append(
            f'''
module "baseline" {{
  source = "{shared}"

  name_prefix     = local.name_prefix
  rotation        = {"true" if chance(rng, 0.6) else "false"}
  deletion_window = {rng.choice((7, 30))}
}}
'''
        )
    return "".join(parts)


TF_OUTPUTS = """output "vault_arn" {
  description = "ARN of the main vault"
  value       = aws_backup_vault.main.arn
}

output "plan_id" {
  description = "Backup plan id"
  value       = aws_backup_plan.main.id
}

output "key_arns" {
  description = "ARNs of the backup keys"
  value       = { for k, v in aws_kms_key.backup : k => v.arn }
}
"""

VAULT_MODULE_MAIN = """resource "aws_backup_vault" "this" {
  name          = var.name
  kms_key_arn   = var.kms_key_arn
  force_destroy = false
  tags          = var.tags
}

resource "aws_backup_vault_notifications" "this" {
  count = var.sns_topic_arn == null ? 0 : 1

  backup_vault_name   = aws_backup_vault.this.name
  sns_topic_arn       = var.sns_topic_arn
  backup_vault_events = ["BACKUP_JOB_FAILED", "COPY_JOB_FAILED"]
}
"""

VAULT_MODULE_VARS = """variable "name" {
  description = "Vault name"
  type        = string
}

variable "kms_key_arn" {
  description = "Customer-managed key ARN (null: the AWS-managed key)"
  type        = string
  default     = null
}

variable "sns_topic_arn" {
  type    = string
  default = null
}

variable "tags" {
  type    = map(string)
  default = {}
}
"""

VAULT_MODULE_OUTPUTS = """output "arn" {
  value = aws_backup_vault.this.arn
}

output "name" {
  value = aws_backup_vault.this.name
}
"""

SHARED_MODULE_MAIN = """data "aws_iam_policy_document" "key" {
  statement {
    sid       = "Root"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }

  dynamic "statement" {
    for_each = var.grant_backup ? [1] : []
    content {
      sid       = "Backup"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey*", "kms:CreateGrant"]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = ["backup.amazonaws.com"]
      }
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${var.name_prefix} baseline key"
  enable_key_rotation     = var.rotation
  deletion_window_in_days = var.deletion_window
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_backup_vault" "this" {
  name        = "${var.name_prefix}-baseline"
  kms_key_arn = aws_kms_key.this.arn
}
"""

SHARED_MODULE_VARS = """variable "name_prefix" {
  type = string
}

variable "rotation" {
  type    = bool
  default = true
}

variable "deletion_window" {
  type    = number
  default = 30
}

variable "grant_backup" {
  type    = bool
  default = true
}
"""


def tf_sources(rng: random.Random, idx: int) -> str:
    """Backup sources of a stack (BKP004): tagged EBS volumes, a database and an instance, some
    unencrypted, and a selection by ARN wildcard, reference and condition."""
    volumes = rng.randint(1, 4)
    vol_encrypted = rng.choice(("true", "false", None))
    db_encrypted = rng.choice(("true", "false", None, 'var.environment == "prod"'))
    enc = f"\n  encrypted         = {vol_encrypted}" if vol_encrypted else ""
    db_enc = f"\n  storage_encrypted = {db_encrypted}" if db_encrypted else ""
    root = "true" if chance(rng, 0.5) else "false"
    return f"""resource "aws_ebs_volume" "data" {{
  count             = {volumes}
  availability_zone = "${{var.region}}a"
  size              = {rng.choice((20, 50, 100, 500))}{enc}

  tags = merge(local.tags, {{
    Name   = "${{local.name_prefix}}-data-${{count.index}}"
    Backup = "true"
  }})
}}

resource "aws_db_instance" "app" {{
  identifier        = "${{local.name_prefix}}-db"
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20{db_enc}
  tags              = local.tags
}}

resource "aws_instance" "worker" {{
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"

  root_block_device {{
    encrypted = {root}
  }}

  tags = merge(local.tags, {{ Backup = "true" }})
}}

resource "aws_backup_selection" "databases" {{
  name          = "${{local.name_prefix}}-databases"
  plan_id       = aws_backup_plan.main.id
  iam_role_arn  = aws_iam_role.backup.arn
  resources     = ["arn:aws:rds:*:*:db:*", aws_instance.worker.arn]
  not_resources = [aws_ebs_volume.data[0].arn]

  condition {{
    string_equals {{
      key   = "aws:ResourceTag/Environment"
      value = var.environment
    }}
  }}
}}
"""


def cfn_sources(rng: random.Random, idx: int) -> str:
    """A template of backup sources (BKP004): tagged volumes and a database, one selection."""
    encrypted = rng.choice(("true", "false", None))
    line = f"\n      Encrypted: {encrypted}" if encrypted else ""
    db = "true" if chance(rng, 0.5) else "false"
    return f"""AWSTemplateFormatVersion: '2010-09-09'
Description: Backup sources of stack {idx:05d}

Parameters:
  Environment:
    Type: String
    Default: prod

Resources:
  Plan:
    Type: AWS::Backup::BackupPlan
    Properties:
      BackupPlan:
        BackupPlanName: sources-{idx:05d}
        BackupPlanRule:
          - RuleName: daily
            TargetBackupVault: vault-{idx:05d}
            ScheduleExpression: cron(0 5 * * ? *)

  Selection:
    Type: AWS::Backup::BackupSelection
    Properties:
      BackupPlanId: !Ref Plan
      BackupSelection:
        SelectionName: sources-{idx:05d}
        IamRoleArn: !Sub arn:aws:iam::${{AWS::AccountId}}:role/backup-{idx:05d}
        Resources:
          - !GetAtt Database.DBInstanceArn
        ListOfTags:
          - ConditionType: STRINGEQUALS
            ConditionKey: Backup
            ConditionValue: 'true'

  Data:
    Type: AWS::EC2::Volume
    Properties:
      AvailabilityZone: !Sub ${{AWS::Region}}a
      Size: 100{line}
      Tags:
        - Key: Backup
          Value: 'true'
        - Key: Environment
          Value: !Ref Environment

  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      DBInstanceClass: db.t3.micro
      Engine: postgres
      AllocatedStorage: '20'
      StorageEncrypted: {db}
"""


def tf_tfvars(rng: random.Random) -> str:
    return (
        f"retention_days  = {rng.choice((7, 35, 120))}\n"
        f"enable_rotation = {'true' if chance(rng, 0.6) else 'false'}\n"
        f'vault_names     = ["archive", "{rng.choice(SERVICES)}", "{rng.choice(SERVICES)}x"]\n'
    )


# ----------------------------------------------------------------------------- CloudFormation


def cfn_yaml(rng: random.Random, idx: int, extra: int) -> str:
    default_cmk = "'true'" if chance(rng, 0.5) else "'false'"
    rotation = rng.choice(("true", "false", "'true'", "True"))
    pending = rng.choice((7, 14, 30))
    out = [
        f"""AWSTemplateFormatVersion: '2010-09-09'
Description: Backup vault stack {idx:05d} with an optional customer-managed key

Parameters:
  VaultName:
    Type: String
    Default: vault-{idx:05d}
  UseCustomerManagedKey:
    Type: String
    AllowedValues: ['true', 'false']
    Default: {default_cmk}
  GrantBackup:
    Type: String
    AllowedValues: ['true', 'false']
    Default: '{"true" if chance(rng, 0.8) else "false"}'
  Environment:
    Type: String
    AllowedValues: [dev, staging, prod]
    Default: {rng.choice(ENVS)}
  RetentionDays:
    Type: Number
    Default: {rng.choice((14, 35, 90))}

Mappings:
  EnvSettings:
    dev:
      PendingWindow: 7
    staging:
      PendingWindow: 14
    prod:
      PendingWindow: 30

Conditions:
  CreateCustomKey: !Equals [!Ref UseCustomerManagedKey, 'true']
  HasBackupGrant: !Equals [!Ref GrantBackup, 'true']
  IsProd: !Equals [!Ref Environment, prod]
  ProdWithKey: !And [!Condition IsProd, !Condition CreateCustomKey]

Resources:
  BackupVaultKey:
    Type: AWS::KMS::Key
    Condition: CreateCustomKey
    Properties:
      Description: !Sub 'Key for ${{VaultName}}'
      EnableKeyRotation: {rotation}
      PendingWindowInDays: !FindInMap [EnvSettings, !Ref Environment, PendingWindow]
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: EnableRootPermissions
            Effect: Allow
            Principal:
              AWS: !Sub 'arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root'
            Action: 'kms:*'
            Resource: '*'
          - !If
            - HasBackupGrant
            - Sid: AllowBackupService
              Effect: Allow
              Principal:
                Service: backup.amazonaws.com
              Action:
                - 'kms:Encrypt'
                - 'kms:Decrypt'
                - 'kms:ReEncrypt*'
                - 'kms:GenerateDataKey*'
                - 'kms:DescribeKey'
              Resource: '*'
            - !Ref AWS::NoValue
      Tags:
        - Key: Purpose
          Value: BackupVaultEncryption

  BackupVaultKeyAlias:
    Type: AWS::KMS::Alias
    Condition: CreateCustomKey
    Properties:
      AliasName: !Sub 'alias/${{VaultName}}-key'
      TargetKeyId: !Ref BackupVaultKey

  EncryptedBackupVault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: !Ref VaultName
      EncryptionKeyArn: !If
        - CreateCustomKey
        - !GetAtt BackupVaultKey.Arn
        - !Sub 'arn:aws:kms:${{AWS::Region}}:${{AWS::AccountId}}:alias/aws/backup'

  CopyVault:
    Type: AWS::Backup::BackupVault
    Condition: IsProd
    Properties:
      BackupVaultName: !Join ['-', [!Ref VaultName, copies]]
"""
    ]
    if chance(rng, 0.5):
        out.append(
            """      EncryptionKeyArn:
        Fn::GetAtt: [BackupVaultKey, Arn]
"""
        )
    out.append(
        f"""
  LogsKey:
    Type: AWS::KMS::Key
    Properties:
      Description: Logs key
      EnableKeyRotation: {"false" if chance(rng, 0.4) else "true"}
      PendingWindowInDays: {pending}
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {{ AWS: !Sub 'arn:aws:iam::${{AWS::AccountId}}:root' }}
            Action: 'kms:*'
            Resource: '*'
"""
    )
    for k in range(extra):
        vault_key = rng.choice(
            (f"!GetAtt ServiceKey{k}.Arn", f"!Ref ServiceKey{k}", "'alias/aws/backup'")
        )
        out.append(
            f"""
  ServiceKey{k}:
    Type: AWS::KMS::Key
    Properties:
      Description: !Sub '${{VaultName}} service key {k}'
      EnableKeyRotation: {"true" if chance(rng, 0.7) else "false"}
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Root
            Effect: Allow
            Principal:
              AWS: !Sub 'arn:aws:iam::${{AWS::AccountId}}:root'
            Action: 'kms:*'
            Resource: '*'

  ServiceVault{k}:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: !Sub '${{VaultName}}-svc{k}'
      EncryptionKeyArn: {vault_key}
"""
        )
    out.append(
        """
  BackupPlan:
    Type: AWS::Backup::BackupPlan
    Properties:
      BackupPlan:
        BackupPlanName: !Sub '${VaultName}-plan'
        BackupPlanRule:
          - RuleName: daily
            TargetBackupVault: !Ref EncryptedBackupVault
            ScheduleExpression: cron(0 5 * * ? *)
            Lifecycle: { DeleteAfterDays: !Ref RetentionDays }
            CopyActions:
              - DestinationBackupVaultArn: !If
                  - IsProd
                  - !GetAtt CopyVault.BackupVaultArn
                  - !Ref AWS::NoValue
          - RuleName: weekly
            TargetBackupVault:
              Ref: EncryptedBackupVault
            ScheduleExpression: cron(0 6 ? * SUN *)

Outputs:
  BackupVaultArn:
    Value: !GetAtt EncryptedBackupVault.BackupVaultArn
  KmsKeyArn:
    Condition: CreateCustomKey
    Value: !GetAtt BackupVaultKey.Arn
"""
    )
    return "".join(out)


def cfn_json(rng: random.Random, idx: int, extra: int) -> str:
    resources: dict[str, object] = {
        "Key": {
            "Type": "AWS::KMS::Key",
            "Condition": "CreateKey",
            "Properties": {
                "Description": {"Fn::Sub": "Key for ${VaultName}"},
                "EnableKeyRotation": rng.choice((True, False, "true")),
                "PendingWindowInDays": rng.choice((7, 30)),
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {
                                "AWS": {
                                    "Fn::Join": [
                                        "",
                                        ["arn:aws:iam::", {"Ref": "AWS::AccountId"}, ":root"],
                                    ]
                                }
                            },
                            "Action": "kms:*",
                            "Resource": "*",
                        },
                        {
                            "Fn::If": [
                                "GrantBackup",
                                {
                                    "Effect": "Allow",
                                    "Principal": {"Service": "backup.amazonaws.com"},
                                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                                    "Resource": "*",
                                },
                                {"Ref": "AWS::NoValue"},
                            ]
                        },
                    ],
                },
            },
        },
        "Vault": {
            "Type": "AWS::Backup::BackupVault",
            "Properties": {
                "BackupVaultName": {"Ref": "VaultName"},
                "EncryptionKeyArn": {
                    "Fn::If": [
                        "CreateKey",
                        {"Fn::GetAtt": ["Key", "Arn"]},
                        {"Ref": "AWS::NoValue"},
                    ]
                },
            },
        },
    }
    for k in range(extra):
        resources[f"Key{k}"] = {
            "Type": "AWS::KMS::Key",
            "Properties": {
                "EnableKeyRotation": chance(rng, 0.7),
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": {"Fn::Sub": ROOT_SUB}},
                            "Action": "kms:*",
                            "Resource": "*",
                        }
                    ],
                },
            },
        }
        resources[f"Vault{k}"] = {
            "Type": "AWS::Backup::BackupVault",
            "Properties": {
                "BackupVaultName": {"Fn::Sub": "${VaultName}-" + str(k)},
                "EncryptionKeyArn": rng.choice(
                    ({"Fn::GetAtt": [f"Key{k}", "Arn"]}, "alias/backup-key", {"Ref": f"Key{k}"})
                ),
            },
        }
    resources["Plan"] = {
        "Type": "AWS::Backup::BackupPlan",
        "Properties": {
            "BackupPlan": {
                "BackupPlanName": {"Fn::Sub": "${VaultName}-plan"},
                "BackupPlanRule": [
                    {
                        "RuleName": "daily",
                        "TargetBackupVault": {"Ref": "Vault"},
                        "ScheduleExpression": "cron(0 5 * * ? *)",
                    }
                ],
            }
        },
    }
    doc = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"JSON backup stack {idx:05d}",
        "Parameters": {
            "VaultName": {"Type": "String", "Default": f"json-vault-{idx:05d}"},
            "CreateCustomerKey": {
                "Type": "String",
                "AllowedValues": ["true", "false"],
                "Default": rng.choice(("true", "false")),
            },
            "GrantBackupAccess": {
                "Type": "String",
                "AllowedValues": ["true", "false"],
                "Default": "true",
            },
        },
        "Conditions": {
            "CreateKey": {"Fn::Equals": [{"Ref": "CreateCustomerKey"}, "true"]},
            "GrantBackup": {"Fn::Equals": [{"Ref": "GrantBackupAccess"}, "true"]},
        },
        "Resources": resources,
    }
    return json.dumps(doc, indent=2) + "\n"


# ----------------------------------------------------------------------------- trees


def small_tree(seed: int) -> Tree:
    """One Terraform module of three files: what a pre-commit hook sees."""
    rng = random.Random(f"{seed}:small")
    tree = Tree()
    tree.add("main.tf", tf_main(rng, 0, None, 2, vault_module=False))
    tree.add("variables.tf", tf_variables(rng, "payments", "prod"))
    tree.add("outputs.tf", TF_OUTPUTS)
    return tree


def mono_tree(target_lines: int, seed: int) -> Tree:
    """A monorepo of stacks and templates until ``target_lines`` is reached."""
    tree = Tree()
    tree.add("modules/backup-baseline/main.tf", SHARED_MODULE_MAIN)
    tree.add("modules/backup-baseline/variables.tf", SHARED_MODULE_VARS)
    tree.add(".gitignore", ".terraform/\n*.tfstate\n")
    lines = tree.lines
    idx = 0
    while lines < target_lines:
        lines += _backup_stack(tree, idx, seed)
        idx += 1
    return tree


def _names(idx: int) -> tuple[str, str, str]:
    """Stack ``idx``'s team, environment and service name."""
    team = TEAMS[idx % len(TEAMS)]
    env = ENVS[(idx // len(TEAMS)) % len(ENVS)]
    return team, env, f"{SERVICES[idx % len(SERVICES)]}-{idx:05d}"


def _add_all(tree: Tree, files: dict[str, str]) -> int:
    """Add ``files`` to ``tree``; the lines added."""
    lines = 0
    for path, text in files.items():
        tree.add(path, text)
        lines += text.count("\n")
    return lines


def _backup_stack(tree: Tree, idx: int, seed: int) -> int:
    """The files of the dense monorepo's stack ``idx`` (backup/KMS code); lines added."""
    rng = random.Random(f"{seed}:{idx}")
    team, env, service = _names(idx)
    stack = f"live/{team}/{env}/{service}"
    shared = "../../../../modules/backup-baseline" if idx % 5 == 0 else None
    files = {
        f"{stack}/main.tf": tf_main(rng, idx, shared, rng.randint(0, 3)),
        f"{stack}/variables.tf": tf_variables(rng, team, env),
        f"{stack}/outputs.tf": TF_OUTPUTS,
        f"{stack}/modules/vault/main.tf": VAULT_MODULE_MAIN,
        f"{stack}/modules/vault/variables.tf": VAULT_MODULE_VARS,
        f"{stack}/modules/vault/outputs.tf": VAULT_MODULE_OUTPUTS,
    }
    if idx % 3 == 0:
        files[f"{stack}/terraform.tfvars"] = tf_tfvars(rng)
    files[f"cloudformation/{team}/{service}.yaml"] = cfn_yaml(rng, idx, rng.randint(0, 3))
    if idx % 2 == 0:
        files[f"cloudformation/{team}/{service}-twin.json"] = cfn_json(rng, idx, rng.randint(0, 2))
    sources = random.Random(f"{seed}:{idx}:sources")
    files[f"{stack}/sources.tf"] = tf_sources(sources, idx)
    if idx % 2 == 1:
        files[f"cloudformation/{team}/{service}-sources.yaml"] = cfn_sources(sources, idx)
    return _add_all(tree, files)


def _app_stack(tree: Tree, idx: int, seed: int) -> int:
    """The files of a typical service stack ``idx`` (nothing a rule reads); lines added."""
    rng = random.Random(f"{seed}:app:{idx}")
    team, env, service = _names(idx)
    stack = f"services/{team}/{env}/{service}"
    files = {
        f"{stack}/main.tf": tf_app_main(rng, idx),
        f"{stack}/variables.tf": tf_app_variables(rng, team, env, service),
        f"{stack}/outputs.tf": TF_APP_OUTPUTS,
        **{f"{stack}/modules/topic/{n}": t for n, t in TOPIC_MODULE.items()},
        **{f"{stack}/modules/dns/{n}": t for n, t in DNS_MODULE.items()},
        f"cloudformation/{team}/{service}-app.yaml": cfn_app_yaml(rng, idx),
    }
    if idx % 2 == 0:
        files[f"cloudformation/{team}/{service}-queue.json"] = cfn_app_json(rng, idx)
    return _add_all(tree, files)


def realistic_tree(target_lines: int, seed: int) -> Tree:
    """A monorepo where one stack in ``BACKUP_EVERY`` is the dense tree's backup/KMS stack and
    the others are typical service stacks, until ``target_lines`` is reached."""
    tree = Tree()
    tree.add("modules/backup-baseline/main.tf", SHARED_MODULE_MAIN)
    tree.add("modules/backup-baseline/variables.tf", SHARED_MODULE_VARS)
    tree.add(".gitignore", ".terraform/\n*.tfstate\n")
    lines = tree.lines
    idx = 0
    while lines < target_lines:
        if idx % BACKUP_EVERY == BACKUP_EVERY - 1:
            lines += _backup_stack(tree, idx, seed)
        else:
            lines += _app_stack(tree, idx, seed)
        idx += 1
    return tree


def build(size: str, seed: int = DEFAULT_SEED) -> Tree:
    target = parse_size(size)
    if target == 0:
        return small_tree(seed)
    if size.strip().lower().startswith(REALISTIC):
        return realistic_tree(target, seed)
    return mono_tree(target, seed)


def write(tree: Tree, dest: Path, size: str, seed: int) -> dict[str, object]:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    (dest / ".git").mkdir()  # its own repository: see the module docstring
    for rel, text in sorted(tree.files.items()):
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    manifest = {
        "size": size,
        "seed": seed,
        "files": sum(1 for p in tree.files if not p.endswith(".gitignore")),
        "lines": tree.lines,
        "bytes": sum(len(t.encode()) for t in tree.files.values()),
        "terraform_files": sum(1 for p in tree.files if p.endswith((".tf", ".tfvars"))),
        "templates": sum(1 for p in tree.files if p.endswith((".yaml", ".json"))),
    }
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def generate(size: str, out: Path = DEFAULT_OUT, seed: int = DEFAULT_SEED) -> dict[str, object]:
    """Write ``size`` under ``out/size`` and return its manifest."""
    return write(build(size, seed), out / size, size, seed)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="small,100k", help="small,10k,100k,1m,real-100k")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args(argv)
    for size in [s for s in args.sizes.split(",") if s]:
        try:
            m = generate(size, args.out, args.seed)
        except ValueError as exc:
            print(f"generate: {exc}", file=sys.stderr)
            return 2
        print(f"{size}: {m['files']} files, {m['lines']} lines -> {args.out / size}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
