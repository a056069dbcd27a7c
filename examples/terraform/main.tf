# A backup setup with five mistakes iacguard catches (and one vault done right).

variable "archive_key_arn" {
  description = "Customer-managed key for the archive vault; null uses aws/backup"
  type        = string
  default     = null
}

data "aws_caller_identity" "current" {}

# Done right: rotation on, a 30-day deletion window, a policy that lets AWS Backup use it.
resource "aws_kms_key" "backup" {
  description             = "Backup vault key"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdmin"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "AwsBackup"
        Effect    = "Allow"
        Principal = { Service = "backup.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"]
        Resource  = "*"
      },
    ]
  })
}

resource "aws_backup_vault" "primary" {
  name        = "primary"
  kms_key_arn = aws_kms_key.backup.arn
}

# KMS001 (no rotation) and KMS002 (7-day deletion window).
resource "aws_kms_key" "logs" {
  description             = "Log archive key"
  deletion_window_in_days = 7
}

# BKP001: with the default inputs this vault has no customer-managed key.
resource "aws_backup_vault" "archive" {
  name        = "archive"
  kms_key_arn = var.archive_key_arn
}

# BKP002: the plan copies recovery points into that vault.
resource "aws_backup_plan" "daily" {
  name = "daily"

  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.primary.name
    schedule          = "cron(0 5 * * ? *)"

    copy_action {
      destination_vault_arn = aws_backup_vault.archive.arn
    }
  }
}

# BKP004: the plan backs up a volume that is not encrypted, so its recovery points are not
# either, whatever the vault's key.
resource "aws_ebs_volume" "scratch" {
  availability_zone = "eu-west-1a"
  size              = 100
}

resource "aws_backup_selection" "volumes" {
  name         = "volumes"
  plan_id      = aws_backup_plan.daily.id
  iam_role_arn = "arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole"
  resources    = [aws_ebs_volume.scratch.arn]
}
