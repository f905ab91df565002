"""ECS: unprivileged containers, secrets from Secrets Manager, separate roles, private tasks."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ._base import Rule, RuleContext, field, items, json_doc

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
CLUSTER = "aws:ecs/cluster:Cluster"
LAMBDA_FUNCTION = "aws:lambda/function:Function"

# Whole name segments, so AI_MAX_TOKENS or ALLOWED_KEYS are not mistaken for secrets.
SECRET_NAME = re.compile(
    r"(^|_)(KEY|APIKEY|SECRET|TOKEN|PASSWORD|PASSWD|PWD)(_|$)|MONGODB_(URL|URI)|DATABASE_URL", re.IGNORECASE
)
# Names that point at a secret rather than hold it.
REFERENCE_SUFFIX = re.compile(r"_(ARN|NAME|ID|PATH|FILE)$", re.IGNORECASE)


def containers(props: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    doc = json_doc(field(props, "containerDefinitions"))
    return [c for c in doc if isinstance(c, Mapping)] if isinstance(doc, list) else []


def secret_like(name: str, value: Any) -> bool:
    """A variable whose name says secret and that carries a literal value.

    References to a secret (`OPENAI_KEY_SECRET_ARN`, `JWT_SECRET_NAME`, any
    `arn:` value) are not secrets, so they pass.
    """
    if not SECRET_NAME.search(name) or REFERENCE_SUFFIX.search(name) or value in (None, ""):
        return False
    return not (isinstance(value, str) and value.startswith("arn:"))


def _no_privileged(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for c in containers(props):
        if c.get("privileged") is True:
            yield f"container {c.get('name')!r} runs privileged"


def _read_only_root(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for c in containers(props):
        if c.get("readonlyRootFilesystem") is not True:
            yield f"container {c.get('name')!r} has a writable root file system (readonlyRootFilesystem)"


def _no_plain_secrets(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if ctx.type == LAMBDA_FUNCTION:
        variables = field(props, "environment", "variables", default={})
        for name, value in (variables or {}).items():
            if secret_like(name, value):
                yield f"environment variable {name} holds a secret in plain text; read it from Secrets Manager"
        return
    for c in containers(props):
        for env in c.get("environment") or []:
            name = str(env.get("name", ""))
            if secret_like(name, env.get("value")):
                yield (
                    f"container {c.get('name')!r} has {name} in plain environment; "
                    "use `secrets` (valueFrom a Secrets Manager ARN)"
                )


def _separate_roles(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    task_role = field(props, "taskRoleArn")
    execution_role = field(props, "executionRoleArn")
    if not execution_role:
        yield "task definition has no executionRoleArn (needed to pull images and read secrets)"
    if task_role and execution_role and task_role == execution_role:
        yield "task role and execution role are the same role; the app must not hold the agent's permissions"


def _no_public_ip(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if field(props, "networkConfiguration", "assignPublicIp") is True:
        yield "service assigns public IPs to its tasks; run them in private subnets behind the load balancer"


def _container_insights(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    settings = {field(s, "name"): field(s, "value") for s in items(props, "settings")}
    if settings.get("containerInsights") not in ("enabled", "enhanced"):
        yield "Container Insights is off (settings containerInsights)"


def _container_logging(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for c in containers(props):
        if not (c.get("logConfiguration") or {}).get("logDriver"):
            yield f"container {c.get('name')!r} has no logConfiguration"


RULES: tuple[Rule, ...] = (
    Rule(
        id="ecs-no-privileged",
        description="ECS containers do not run privileged.",
        mirrors=("CKV_AWS_334", "AVD-AWS-0035", "ecs-containers-nonprivileged"),
        level="mandatory",
        resource_types=(TASK_DEFINITION,),
        validate=_no_privileged,
    ),
    Rule(
        id="ecs-read-only-root",
        description="ECS containers run with a read-only root file system where the image allows.",
        mirrors=("CKV_AWS_336", "ecs-containers-readonly-access"),
        level="advisory",
        resource_types=(TASK_DEFINITION,),
        validate=_read_only_root,
    ),
    Rule(
        id="no-secrets-in-environment",
        description="Secret-looking variables (KEY, SECRET, TOKEN, PASSWORD, MONGODB_URL ...) never carry plain values.",
        mirrors=("AVD-AWS-0036", "CKV_AWS_45", "ecs-no-environment-secrets"),
        level="mandatory",
        resource_types=(TASK_DEFINITION, LAMBDA_FUNCTION),
        validate=_no_plain_secrets,
    ),
    Rule(
        id="ecs-separate-roles",
        description="Task definitions have an execution role distinct from the task role.",
        mirrors=("CKV_AWS_249",),
        level="mandatory",
        resource_types=(TASK_DEFINITION,),
        validate=_separate_roles,
    ),
    Rule(
        id="ecs-no-public-ip",
        description="ECS services do not assign public IPs.",
        mirrors=("CKV_AWS_333", "ecs-service-assign-public-ip-disabled", "AWS FSBP ECS.2"),
        level="mandatory",
        resource_types=(SERVICE,),
        validate=_no_public_ip,
    ),
    Rule(
        id="ecs-container-insights",
        description="ECS clusters have Container Insights on.",
        mirrors=("CKV_AWS_65", "AVD-AWS-0034", "ecs-container-insights-enabled"),
        level="advisory",
        resource_types=(CLUSTER,),
        validate=_container_insights,
    ),
    Rule(
        id="ecs-container-logging",
        description="Every ECS container ships its logs.",
        mirrors=("ecs-task-definition-log-configuration", "AWS FSBP ECS.9"),
        level="advisory",
        resource_types=(TASK_DEFINITION,),
        validate=_container_logging,
    ),
)
