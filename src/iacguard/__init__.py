"""iacguard: lints Terraform and CloudFormation for broken AWS Backup encryption."""

__version__ = "0.1.0"
