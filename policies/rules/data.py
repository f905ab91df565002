"""Storage, registries, logs, secrets and alerting: encrypted, scanned, retained, wired."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ._base import Rule, RuleContext, field, items

EFS = "aws:efs/fileSystem:FileSystem"
ECR = "aws:ecr/repository:Repository"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SECRET = "aws:secretsmanager/secret:Secret"
SNS_TOPIC = "aws:sns/topic:Topic"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"

MIN_RECOVERY_WINDOW_DAYS = 7


def _efs_encrypted(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if field(props, "encrypted") is not True:
        yield "EFS file system is not encrypted at rest (encrypted: true)"


def _ecr_scan(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if field(props, "imageScanningConfiguration", "scanOnPush") is not True:
        yield "ECR repository does not scan images on push (imageScanningConfiguration.scanOnPush)"


def _ecr_immutable(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    mutability = field(props, "imageTagMutability", default="MUTABLE")
    if not str(mutability).startswith("IMMUTABLE"):
        yield f"ECR tags are {mutability}; a pinned release tag must not be overwritten (IMMUTABLE)"


def _log_retention(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    days = field(props, "retentionInDays", default=0)
    if not isinstance(days, int | float) or days <= 0:
        yield "log group keeps logs forever (retentionInDays not set)"


def _recovery_window(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    days = field(props, "recoveryWindowInDays", default=30)
    if isinstance(days, int | float) and days < MIN_RECOVERY_WINDOW_DAYS:
        yield (
            f"secret is deleted after {int(days)} days without recovery "
            f"(recoveryWindowInDays < {MIN_RECOVERY_WINDOW_DAYS}); a mistaken delete in prod would be final"
        )


def _sns_encrypted(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if not field(props, "kmsMasterKeyId"):
        yield "SNS topic is not encrypted (kmsMasterKeyId; CloudWatch alarms need a customer key, not alias/aws/sns)"


def _alarm_actions(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if field(props, "actionsEnabled") is False:
        yield "alarm actions are disabled (actionsEnabled: false)"
    elif not items(props, "alarmActions"):
        yield "alarm notifies no one (alarmActions is empty)"


RULES: tuple[Rule, ...] = (
    Rule(
        id="efs-encrypted",
        description="EFS file systems are encrypted at rest.",
        mirrors=("CKV_AWS_42", "AVD-AWS-0037", "efs-encrypted-check"),
        level="mandatory",
        resource_types=(EFS,),
        validate=_efs_encrypted,
    ),
    Rule(
        id="ecr-scan-on-push",
        description="ECR repositories scan images on push.",
        mirrors=("CKV_AWS_163", "AVD-AWS-0030", "ecr-private-image-scanning-enabled"),
        level="mandatory",
        resource_types=(ECR,),
        validate=_ecr_scan,
    ),
    Rule(
        id="ecr-immutable-tags",
        description="ECR image tags are immutable.",
        mirrors=("CKV_AWS_51", "AVD-AWS-0031", "ecr-private-tag-immutability-enabled"),
        level="mandatory",
        resource_types=(ECR,),
        validate=_ecr_immutable,
    ),
    Rule(
        id="log-group-retention",
        description="CloudWatch log groups have a retention period.",
        mirrors=("CKV_AWS_66", "cw-loggroup-retention-period-check"),
        level="mandatory",
        resource_types=(LOG_GROUP,),
        validate=_log_retention,
    ),
    Rule(
        id="secrets-recovery-window-prod",
        description="In prod, Secrets Manager secrets keep a recovery window of at least 7 days.",
        mirrors=("secretsmanager-secret-recovery-window", "AWS FSBP SecretsManager (deletion)"),
        level="mandatory",
        resource_types=(SECRET,),
        validate=_recovery_window,
        stages=("prod",),
    ),
    Rule(
        id="sns-encrypted",
        description="SNS topics are encrypted with KMS.",
        mirrors=("CKV_AWS_26", "AVD-AWS-0095", "sns-encrypted-kms"),
        level="advisory",
        resource_types=(SNS_TOPIC,),
        validate=_sns_encrypted,
    ),
    Rule(
        id="alarm-actions",
        description="CloudWatch alarms notify someone.",
        mirrors=("cloudwatch-alarm-action-check", "AWS FSBP CloudWatch.15"),
        level="advisory",
        resource_types=(METRIC_ALARM,),
        validate=_alarm_actions,
    ),
)
