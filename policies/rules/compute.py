"""EC2 launch templates (the GPU hosts) and Lambda functions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ._base import Rule, RuleContext, field, items, truthy

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LAMBDA_FUNCTION = "aws:lambda/function:Function"
FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"


def _imdsv2(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    tokens = field(props, "metadataOptions", "httpTokens")
    if tokens != "required":
        yield f"instance metadata must require IMDSv2 tokens (metadataOptions.httpTokens: required); got {tokens!r}"


def _encrypted_volumes(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    mappings = items(props, "blockDeviceMappings")
    if not mappings:
        yield "no blockDeviceMappings: the root volume takes the AMI's default; declare it with ebs.encrypted"
    for m in mappings:
        ebs = field(m, "ebs")
        if ebs and not truthy(field(ebs, "encrypted")):
            yield f"EBS volume {field(m, 'deviceName', default='?')} is not encrypted"


def _reserved_concurrency(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    value = field(props, "reservedConcurrentExecutions")
    if not isinstance(value, int | float) or value < 0:
        yield "function has no reserved concurrency (reservedConcurrentExecutions); a burst can exhaust the account"


def _log_group(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if not field(props, "loggingConfig", "logGroup"):
        yield (
            "function logs to an implicit log group that keeps logs forever; "
            "create an aws.cloudwatch.LogGroup with retention and set loggingConfig.logGroup"
        )


def _url_auth(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if field(props, "authorizationType") == "NONE":
        yield "function URL is public (authorizationType NONE); put CloudFront with OAC or IAM auth in front"


def _tracing(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if field(props, "tracingConfig", "mode") != "Active":
        yield "X-Ray tracing is off (tracingConfig.mode: Active)"


RULES: tuple[Rule, ...] = (
    Rule(
        id="launch-template-imdsv2",
        description="Launch templates require IMDSv2 session tokens.",
        mirrors=("CKV_AWS_79", "AVD-AWS-0130", "ec2-imdsv2-check"),
        level="mandatory",
        resource_types=(LAUNCH_TEMPLATE,),
        validate=_imdsv2,
    ),
    Rule(
        id="launch-template-encrypted-volumes",
        description="Launch templates declare their EBS volumes encrypted.",
        mirrors=("CKV_AWS_8", "AVD-AWS-0131", "encrypted-volumes"),
        level="mandatory",
        resource_types=(LAUNCH_TEMPLATE,),
        validate=_encrypted_volumes,
    ),
    Rule(
        id="lambda-reserved-concurrency",
        description="Lambda functions reserve their concurrency.",
        mirrors=("CKV_AWS_115", "lambda-concurrency-check"),
        # Advisory: new accounts have a concurrency quota of 10, and reserving
        # any of it can fail the deployment there.
        level="advisory",
        resource_types=(LAMBDA_FUNCTION,),
        validate=_reserved_concurrency,
    ),
    Rule(
        id="lambda-log-group",
        description="Lambda functions log to an explicit log group (which log-group-retention then checks).",
        mirrors=("CKV_AWS_66", "CKV_AWS_338", "lambda-function-logging"),
        level="mandatory",
        resource_types=(LAMBDA_FUNCTION,),
        validate=_log_group,
    ),
    Rule(
        id="lambda-url-auth",
        description="Lambda function URLs require IAM auth.",
        mirrors=("CKV_AWS_258", "lambda-function-url-auth"),
        level="advisory",
        resource_types=(FUNCTION_URL,),
        validate=_url_auth,
    ),
    Rule(
        id="lambda-tracing",
        description="Lambda functions have X-Ray tracing on.",
        mirrors=("CKV_AWS_50", "AVD-AWS-0066", "lambda-function-xray-tracing"),
        level="advisory",
        resource_types=(LAMBDA_FUNCTION,),
        validate=_tracing,
    ),
)
