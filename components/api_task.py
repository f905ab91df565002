"""What the API's ECS tasks share in the stage's service (ApiService) and in a pull request's preview
(PreviewApi): the hardened container definition, the Fargate task definition around it, the target
group the load balancer checks the task through, and the execution role that reads its secrets.

Functions, not a component: each resource is a child of the component that calls them, under the
same logical name as before they were shared, so no stack sees a replacement.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from .common import child_opts
from .container import health_check_command
from .iam import policy_document
from .naming import lb_name, task_family

CONTAINER_NAME = "api"
EXECUTION_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
# The root file system is read-only; /tmp is a writable task volume.
TMP_VOLUME = "tmp"

# (image, log group, region, environment, secrets' valueFrom) -> the container definitions
BuildContainers = Callable[[str, str, str, dict[str, str], dict[str, str]], list[dict[str, Any]]]


def container(
    name: str,
    image: str,
    *,
    environment: Mapping[str, str],
    secrets: Mapping[str, str],
    log_group: str,
    region: str,
    stream_prefix: str,
    drop: Sequence[str] = ("ALL",),
    command: list[str] | None = None,
    port: int | None = None,
    health_check: dict[str, Any] | None = None,
    stop_timeout: int | None = None,
) -> dict[str, Any]:
    """One container: read-only root file system with /tmp writable, unprivileged, `drop`ped
    capabilities, an init process, logs to CloudWatch; the secrets resolved by the ECS agent at start,
    so their values never touch the task definition."""
    out: dict[str, Any] = {"name": name, "image": image, "essential": True}
    if command is not None:
        out["command"] = command
    if port is not None:
        out["portMappings"] = [{"containerPort": port, "protocol": "tcp"}]
    out |= {
        "environment": [{"name": k, "value": environment[k]} for k in sorted(environment)],
        "secrets": [{"name": k, "valueFrom": secrets[k]} for k in sorted(secrets)],
        "readonlyRootFilesystem": True,
        "privileged": False,
        "mountPoints": [{"sourceVolume": TMP_VOLUME, "containerPath": "/tmp", "readOnly": False}],
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": list(drop)}},
    }
    if health_check is not None:
        out["healthCheck"] = health_check
    if stop_timeout is not None:
        out["stopTimeout"] = stop_timeout
    out["logConfiguration"] = {
        "logDriver": "awslogs",
        "options": {"awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": stream_prefix},
    }
    return out


def health_check(port: int, health_path: str) -> dict[str, Any]:
    """ECS's probe of the API container: the image's own Python, no curl (components/container.py)."""
    return {
        "command": ["CMD", *health_check_command(port, health_path)],
        "interval": 30,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 30,
    }


def container_definitions(
    image: pulumi.Input[str],
    log_group: pulumi.Input[str],
    region: pulumi.Input[str],
    environment: Mapping[str, pulumi.Input[str]],
    secrets: Mapping[str, pulumi.Input[str]],
    build: BuildContainers,
) -> pulumi.Output[str]:
    """The JSON of `build`'s containers once the image, the log group, the region and every value are known."""
    env_names, secret_names = sorted(environment), sorted(secrets)
    return pulumi.Output.all(
        image=image,
        log_group=log_group,
        region=region,
        env=pulumi.Output.all(*[environment[k] for k in env_names]),
        secrets=pulumi.Output.all(*[secrets[k] for k in secret_names]),
    ).apply(
        lambda v: json.dumps(
            build(
                v["image"],
                v["log_group"],
                v["region"],
                dict(zip(env_names, v["env"], strict=True)),
                dict(zip(secret_names, v["secrets"], strict=True)),
            )
        )
    )


def task_definition(
    parent: pulumi.Resource,
    resource_name: str,
    *,
    family: str,
    cpu: int | str,
    memory: int | str,
    cpu_architecture: str,
    execution_role: aws.iam.Role,
    task_role: aws.iam.Role,
    containers: pulumi.Input[str],
    tags: dict[str, str],
) -> aws.ecs.TaskDefinition:
    return aws.ecs.TaskDefinition(
        resource_name,
        family=task_family(family),
        requires_compatibilities=["FARGATE"],
        network_mode="awsvpc",
        cpu=str(cpu),
        memory=str(memory),
        runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
            operating_system_family="LINUX", cpu_architecture=cpu_architecture
        ),
        execution_role_arn=execution_role.arn,
        task_role_arn=task_role.arn,
        volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=TMP_VOLUME)],
        container_definitions=containers,
        tags=tags,
        opts=child_opts(parent),
    )


def target_group(
    parent: pulumi.Resource,
    name: str,
    *,
    port: int,
    vpc_id: pulumi.Input[str],
    health_path: str,
    deregistration_delay: int,
    tags: dict[str, str],
) -> aws.lb.TargetGroup:
    """The API's tasks behind a load balancer, checked on its health path."""
    return aws.lb.TargetGroup(
        f"{name}-tg",
        name=lb_name(f"{name}-tg", port, "HTTP", "ip"),
        # awsvpc tasks register by IP address, not by instance.
        target_type="ip",
        port=port,
        protocol="HTTP",
        vpc_id=vpc_id,
        deregistration_delay=deregistration_delay,
        health_check=aws.lb.TargetGroupHealthCheckArgs(
            enabled=True,
            path=health_path,
            protocol="HTTP",
            matcher="200",
            interval=15,
            timeout=5,
            healthy_threshold=2,
            unhealthy_threshold=3,
        ),
        tags=tags,
        opts=child_opts(parent),
    )


def execution_role(
    parent: pulumi.Resource,
    name: str,
    *,
    description: str,
    assume_role_policy: pulumi.Input[str],
    secrets: Mapping[str, pulumi.Input[str]],
    kms_key_arn: pulumi.Input[str] | None,
    tags: dict[str, str],
) -> aws.iam.Role:
    """The ECS agent's role: pull the image, write the logs, read exactly these secrets."""
    role = aws.iam.Role(
        f"{name}-execution-role",
        description=description,
        assume_role_policy=assume_role_policy,
        tags=tags,
        opts=child_opts(parent),
    )
    aws.iam.RolePolicyAttachment(
        f"{name}-execution-role-ecs",
        role=role.name,
        policy_arn=EXECUTION_ROLE_POLICY,
        opts=child_opts(parent),
    )
    if secrets:
        arns = [secrets[k] for k in sorted(secrets)]
        aws.iam.RolePolicy(
            f"{name}-execution-role-secrets",
            role=role.id,
            policy=pulumi.Output.all(kms_key_arn, *arns).apply(lambda v: secrets_read_policy(v[1:], v[0])),
            opts=child_opts(parent),
        )
    return role


def secrets_read_policy(arns: list[str], kms_key_arn: str | None = None) -> str:
    """Exactly these secrets, nothing else (no wildcard); and their key, only through Secrets Manager."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadApiSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": sorted(arns),
        }
    ]
    if kms_key_arn:
        statements.append(
            {
                "Sid": "DecryptApiSecrets",
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": kms_key_arn,
                "Condition": {"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}},
            }
        )
    return policy_document(*statements)
