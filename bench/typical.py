"""The realistic monorepo's typical infrastructure, which no rule reads (bench/generate.py).

Service stacks (VPC and subnets with ``for_each``, a security group, an S3 bucket with its
versioning / encryption / lifecycle resources, Lambda functions with IAM roles and policies,
SQS queues with ``for_each``, CloudWatch alarms with ``count``, an ECS service, calls of two
local modules, one with ``for_each``) and CloudFormation templates (a bucket, a queue, a
function, a topic, an alarm under a Condition; a JSON queue stack).
"""

from __future__ import annotations

import json
import random

ENVS = ("dev", "staging", "prod")


#: the ``terraform`` block every generated root starts with (the required AWS provider)
TERRAFORM_BLOCK = """terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40"
    }
  }
}

"""


def chance(rng: random.Random, p_true: float) -> bool:
    """True with probability ``p_true`` (the generators' one coin)."""
    return rng.random() < p_true


def tf_app_variables(rng: random.Random, team: str, env: str, service: str) -> str:
    return f"""variable "region" {{
  description = "AWS region of the stack"
  type        = string
  default     = "eu-west-{rng.randint(1, 3)}"
}}

variable "team" {{
  type    = string
  default = "{team}"
}}

variable "environment" {{
  type    = string
  default = "{env}"

  validation {{
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod"
  }}
}}

variable "service" {{
  type    = string
  default = "{service}"
}}

variable "cidr_block" {{
  type    = string
  default = "10.{rng.randint(0, 255)}.0.0/16"
}}

variable "azs" {{
  type    = list(string)
  default = ["a", "b", "c"]
}}

variable "memory_size" {{
  type    = number
  default = {rng.choice((128, 256, 512, 1024))}
}}

variable "enable_alarms" {{
  type    = bool
  default = {"true" if chance(rng, 0.7) else "false"}
}}

variable "queues" {{
  type = map(object({{ visibility = number, retention = number }}))
  default = {{
    ingest = {{ visibility = 30, retention = 345600 }}
    retry  = {{ visibility = 60, retention = 1209600 }}
  }}
}}

variable "tags" {{
  type    = map(string)
  default = {{ CostCenter = "cc-{rng.randint(1000, 9999)}" }}
}}
"""


def tf_app_main(rng: random.Random, idx: int) -> str:
    """A typical service stack: networking, buckets, a function with its role, queues, alarms,
    a container service, and calls of local modules (one with for_each)."""
    functions = rng.randint(1, 3)
    parts = [
        TERRAFORM_BLOCK
        + f"""provider "aws" {{
  region = var.region
}}

data "aws_caller_identity" "current" {{}}

data "aws_region" "current" {{}}

locals {{
  name      = "${{var.team}}-${{var.environment}}-${{var.service}}"
  subnets   = {{ for i, az in var.azs : az => cidrsubnet(var.cidr_block, 8, i) }}
  is_prod   = var.environment == "prod"
  log_days  = local.is_prod ? 90 : 14
  bucket_id = "${{local.name}}-{idx:05d}-assets"
  tags = merge(var.tags, {{
    Team        = var.team
    Environment = var.environment
    Service     = var.service
  }})
}}

resource "aws_vpc" "main" {{
  cidr_block           = var.cidr_block
  enable_dns_hostnames = true
  tags                 = merge(local.tags, {{ Name = local.name }})
}}

resource "aws_subnet" "private" {{
  for_each = local.subnets

  vpc_id            = aws_vpc.main.id
  cidr_block        = each.value
  availability_zone = "${{var.region}}${{each.key}}"
  tags              = merge(local.tags, {{ Name = "${{local.name}}-${{each.key}}" }})
}}

resource "aws_security_group" "app" {{
  name        = "${{local.name}}-app"
  description = "Application traffic"
  vpc_id      = aws_vpc.main.id

  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.cidr_block]
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}

  tags = local.tags
}}

resource "aws_s3_bucket" "assets" {{
  bucket = local.bucket_id
  tags   = local.tags
}}

resource "aws_s3_bucket_versioning" "assets" {{
  bucket = aws_s3_bucket.assets.id

  versioning_configuration {{
    status = local.is_prod ? "Enabled" : "Suspended"
  }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "assets" {{
  bucket = aws_s3_bucket.assets.id

  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "AES256"
    }}
  }}
}}

resource "aws_s3_bucket_public_access_block" "assets" {{
  bucket                  = aws_s3_bucket.assets.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

resource "aws_s3_bucket_lifecycle_configuration" "assets" {{
  bucket = aws_s3_bucket.assets.id

  rule {{
    id     = "expire-tmp"
    status = "Enabled"

    filter {{
      prefix = "tmp/"
    }}

    expiration {{
      days = {rng.choice((7, 14, 30))}
    }}
  }}
}}

resource "aws_sqs_queue" "work" {{
  for_each = var.queues

  name                       = "${{local.name}}-${{each.key}}"
  visibility_timeout_seconds = each.value.visibility
  message_retention_seconds  = each.value.retention
  tags                       = local.tags
}}

resource "aws_cloudwatch_log_group" "app" {{
  name              = "/app/${{local.name}}"
  retention_in_days = local.log_days
  tags              = local.tags
}}

resource "aws_ecs_cluster" "main" {{
  name = local.name

  setting {{
    name  = "containerInsights"
    value = local.is_prod ? "enabled" : "disabled"
  }}
}}

resource "aws_ecs_task_definition" "app" {{
  family                   = local.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  container_definitions = jsonencode([{{
    name         = var.service
    image        = "123456789012.dkr.ecr.${{var.region}}.amazonaws.com/${{var.service}}:latest"
    essential    = true
    portMappings = [{{ containerPort = 8080, protocol = "tcp" }}]
    logConfiguration = {{
      logDriver = "awslogs"
      options = {{
        awslogs-group  = aws_cloudwatch_log_group.app.name
        awslogs-region = var.region
      }}
    }}
  }}])
}}

resource "aws_ecs_service" "app" {{
  name            = local.name
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = local.is_prod ? 3 : 1
  launch_type     = "FARGATE"

  network_configuration {{
    subnets         = [for s in aws_subnet.private : s.id]
    security_groups = [aws_security_group.app.id]
  }}
}}
"""
    ]
    for f in range(functions):
        parts.append(
            f"""
resource "aws_lambda_function" "fn{f}" {{
  function_name = "${{local.name}}-fn{f}"
  role          = aws_iam_role.fn{f}.arn
  runtime       = "{rng.choice(("python3.12", "nodejs20.x", "java21"))}"
  handler       = "main.handler"
  filename      = "build/fn{f}.zip"
  memory_size   = var.memory_size
  timeout       = {rng.choice((3, 10, 30, 60))}

  environment {{
    variables = {{
      BUCKET = aws_s3_bucket.assets.id
      QUEUE  = aws_sqs_queue.work["ingest"].url
      STAGE  = var.environment
    }}
  }}

  vpc_config {{
    subnet_ids         = [for s in aws_subnet.private : s.id]
    security_group_ids = [aws_security_group.app.id]
  }}

  tags = local.tags
}}

resource "aws_iam_role" "fn{f}" {{
  name = "${{local.name}}-fn{f}"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ Service = "lambda.amazonaws.com" }}
      Action    = "sts:AssumeRole"
    }}]
  }})
  tags = local.tags
}}

resource "aws_iam_role_policy" "fn{f}" {{
  name = "access"
  role = aws_iam_role.fn{f}.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = "${{aws_s3_bucket.assets.arn}}/*"
      }},
      {{
        Effect   = "Allow"
        Action   = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"]
        Resource = [for q in aws_sqs_queue.work : q.arn]
      }},
    ]
  }})
}}

resource "aws_cloudwatch_metric_alarm" "fn{f}_errors" {{
  count = var.enable_alarms ? 1 : 0

  alarm_name          = "${{local.name}}-fn{f}-errors"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  metric_name         = "Errors"
  namespace           = "AWS/Lambda"
  period              = 300
  statistic           = "Sum"
  threshold           = {rng.choice((0, 1, 5))}
  dimensions = {{
    FunctionName = aws_lambda_function.fn{f}.function_name
  }}
}}
"""
        )
    parts.append(
        """
module "topics" {
  source   = "./modules/topic"
  for_each = toset(["events", "alerts"])

  name = "${local.name}-${each.key}"
  tags = local.tags
}

module "dns" {
  source = "./modules/dns"

  zone_name = "${var.service}.${var.environment}.example.com"
  vpc_id    = aws_vpc.main.id
}
"""
    )
    return "".join(parts)


TF_APP_OUTPUTS = """output "vpc_id" {
  value = aws_vpc.main.id
}

output "subnet_ids" {
  value = [for s in aws_subnet.private : s.id]
}

output "bucket" {
  value = aws_s3_bucket.assets.arn
}

output "topics" {
  value = { for k, m in module.topics : k => m.arn }
}
"""

TOPIC_MODULE = {
    "main.tf": """resource "aws_sns_topic" "this" {
  name = var.name
  tags = var.tags
}

resource "aws_sns_topic_policy" "this" {
  arn = aws_sns_topic.this.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.this.arn
    }]
  })
}
""",
    "variables.tf": """variable "name" {
  type = string
}

variable "tags" {
  type    = map(string)
  default = {}
}
""",
    "outputs.tf": """output "arn" {
  value = aws_sns_topic.this.arn
}
""",
}

DNS_MODULE = {
    "main.tf": """resource "aws_route53_zone" "this" {
  name = var.zone_name

  vpc {
    vpc_id = var.vpc_id
  }
}

resource "aws_route53_record" "api" {
  zone_id = aws_route53_zone.this.zone_id
  name    = "api.${var.zone_name}"
  type    = "CNAME"
  ttl     = 300
  records = ["lb.${var.zone_name}"]
}
""",
    "variables.tf": """variable "zone_name" {
  type = string
}

variable "vpc_id" {
  type = string
}
""",
}


def cfn_app_yaml(rng: random.Random, idx: int) -> str:
    """A typical template no rule reads: a bucket, a queue, a function with its role, a topic."""
    return f"""AWSTemplateFormatVersion: '2010-09-09'
Description: Service stack {idx:05d}

Parameters:
  Environment:
    Type: String
    AllowedValues: [dev, staging, prod]
    Default: {rng.choice(ENVS)}
  MemorySize:
    Type: Number
    Default: {rng.choice((128, 256, 512))}

Conditions:
  IsProd: !Equals [!Ref Environment, prod]

Resources:
  Assets:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub 'assets-{idx:05d}-${{Environment}}'
      VersioningConfiguration:
        Status: !If [IsProd, Enabled, Suspended]
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: AES256
      Tags:
        - Key: Environment
          Value: !Ref Environment

  Work:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub 'work-{idx:05d}-${{Environment}}'
      VisibilityTimeout: {rng.choice((30, 60, 120))}

  Events:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub 'events-{idx:05d}'

  FunctionRole:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: ['s3:GetObject', 's3:PutObject']
            Resource: !Sub '${{Assets.Arn}}/*'
          - Effect: Allow
            Action: sqs:SendMessage
            Resource: !GetAtt Work.Arn

  Function:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub 'fn-{idx:05d}-${{Environment}}'
      Runtime: python3.12
      Handler: main.handler
      MemorySize: !Ref MemorySize
      Timeout: {rng.choice((3, 10, 30))}
      Role: !Sub 'arn:aws:iam::${{AWS::AccountId}}:role/fn-{idx:05d}'
      Code:
        S3Bucket: !Ref Assets
        S3Key: fn.zip
      Environment:
        Variables:
          QUEUE: !Ref Work
          TOPIC: !Ref Events

  Alarm:
    Type: AWS::CloudWatch::Alarm
    Condition: IsProd
    Properties:
      AlarmName: !Sub 'fn-{idx:05d}-errors'
      Namespace: AWS/Lambda
      MetricName: Errors
      Statistic: Sum
      Period: 300
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanThreshold
      Dimensions:
        - Name: FunctionName
          Value: !Ref Function

Outputs:
  BucketArn:
    Value: !GetAtt Assets.Arn
  QueueUrl:
    Value: !Ref Work
"""


def cfn_app_json(rng: random.Random, idx: int) -> str:
    doc = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Queue stack {idx:05d}",
        "Parameters": {"Stage": {"Type": "String", "Default": rng.choice(ENVS)}},
        "Resources": {
            "Queue": {
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "QueueName": {"Fn::Sub": f"q-{idx:05d}-${{Stage}}"},
                    "RedrivePolicy": {
                        "deadLetterTargetArn": {"Fn::GetAtt": ["Dead", "Arn"]},
                        "maxReceiveCount": rng.choice((3, 5, 10)),
                    },
                },
            },
            "Dead": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"MessageRetentionPeriod": 1209600},
            },
            "Topic": {
                "Type": "AWS::SNS::Topic",
                "Properties": {
                    "Subscription": [
                        {"Endpoint": {"Fn::GetAtt": ["Queue", "Arn"]}, "Protocol": "sqs"}
                    ]
                },
            },
        },
        "Outputs": {"QueueArn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}}},
    }
    return json.dumps(doc, indent=2) + "\n"
