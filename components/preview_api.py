"""PreviewApi: a pull request's own API service on dev's cluster, behind dev's load balancer.

Nothing here is shared with another stack's lifetime except by reference: the
preview adds a target group and a listener rule to dev's listener, a security
group for its tasks, and two rules on dev's security groups that let dev's load
balancer reach the tasks and the tasks reach dev's Ollama. `pulumi destroy` of
the preview removes exactly those, and dev is as it was.

Routing: the preview's CloudFront distribution adds a header to every request it
forwards to dev's load balancer (`route_header: route_value`); the listener rule
forwards requests carrying it to this preview's target group
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html,
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/add-origin-custom-headers.html).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from analysis.errors import UserError

from .common import child_opts, merge_tags, sg_rule
from .container import MONGO_IMAGE, MONGO_PORT, health_check_command
from .iam import assume_role_policy, policy_document
from .naming import lb_name, task_family

CONTAINER_NAME = "api"
EXECUTION_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
# ALB listener rule priorities (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html).
MAX_PRIORITY = 50000


@dataclass
class PreviewApiArgs:
    image_ref: pulumi.Input[str]
    # dev's, from the stack reference
    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[list[str]]
    cluster_arn: pulumi.Input[str]
    listener_arn: pulumi.Input[str]
    alb_security_group_id: pulumi.Input[str]
    # the preview's own
    route_priority: int
    route_header: str
    route_value: str
    port: int = 8000
    health_path: str = "/api/health"
    cpu: int = 256
    memory: int = 512
    count: int = 1
    environment: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    secrets: dict[str, pulumi.Input[str]] = field(default_factory=dict)  # env name -> Secrets Manager ARN
    # dev's Ollama task security group; None when dev runs no Ollama
    ollama_security_group_id: pulumi.Input[str] | None = None
    ollama_port: int = 11434
    log_retention_days: int = 7
    # Env name of the preview database's connection string in `secrets`: declares a one-off
    # task that drops that database, run at teardown from inside the VPC (Atlas admits dev's
    # NAT addresses, not the CI runner's). None: the preview has no database.
    drop_database_env: str | None = None
    mongo_image: str = MONGO_IMAGE
    # A command run once in the API's image, with its environment and secrets, on the new
    # database (the app's seed); None: no seed task.
    seed_command: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    stack: str = field(kw_only=True)
    project: str = field(kw_only=True)


class PreviewApi(pulumi.ComponentResource):
    service_name: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    target_group_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    drop_task_definition_arn: pulumi.Output[str] | None
    seed_task_definition_arn: pulumi.Output[str] | None

    def __init__(self, name: str, args: PreviewApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:preview:PreviewApi", name, None, opts)
        self._name = name
        self._args = args
        self._validate()
        self._region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        self._account_id = identity.account_id

        self.task_sg = self._create_security_group()
        self.target_group = self._create_target_group()
        self.rule = self._create_listener_rule()
        self.log_group = self._create_log_group()
        self.execution_role = self._create_execution_role()
        self.task_role = self._create_task_role()
        self.task_definition = self._create_task_definition()
        self.service = self._create_service()
        self.drop_task = self._create_drop_task()
        self.seed_task = self._create_seed_task()

        self.service_name = self.service.name
        self.task_definition_arn = self.task_definition.arn
        self.log_group_name = self.log_group.name
        self.target_group_arn = self.target_group.arn
        self.security_group_id = self.task_sg.id
        self.drop_task_definition_arn = self.drop_task.arn if self.drop_task is not None else None
        self.seed_task_definition_arn = self.seed_task.arn if self.seed_task is not None else None
        self.register_outputs(
            {
                "service_name": self.service_name,
                "task_definition_arn": self.task_definition_arn,
                "log_group_name": self.log_group_name,
                "target_group_arn": self.target_group_arn,
                "security_group_id": self.security_group_id,
                "drop_task_definition_arn": self.drop_task_definition_arn,
                "seed_task_definition_arn": self.seed_task_definition_arn,
            }
        )

    def _validate(self) -> None:
        a = self._args
        if not 1 <= a.route_priority <= MAX_PRIORITY:
            raise UserError(
                f"listener rule priorities run from 1 to {MAX_PRIORITY}", key="route_priority", value=a.route_priority
            )
        if not a.route_value or len(a.route_value) > 128:
            raise UserError("the route header's value is 1 to 128 characters", key="route_value", value=a.route_value)
        if not 1024 <= a.port <= 65535:
            # Every capability is dropped, NET_BIND_SERVICE included.
            raise UserError("a preview's API listens on an unprivileged port (1024-65535)", key="port", value=a.port)
        if a.drop_database_env is not None and a.drop_database_env not in a.secrets:
            raise UserError("the database to drop has no connection secret", key="drop_database_env")
        if not 0 <= a.count <= 2:
            raise UserError("a preview runs 0 to 2 API tasks", key="count", value=a.count)

    def _tags(self, suffix: str) -> dict[str, str]:
        return merge_tags(self._args.tags, f"{self._name}-{suffix}")

    def _create_security_group(self) -> aws.ec2.SecurityGroup:
        a = self._args
        sg = aws.ec2.SecurityGroup(
            f"{self._name}-task-sg",
            vpc_id=a.vpc_id,
            description="farm-deploy preview API tasks: only from dev's load balancer",
            tags=self._tags("task-sg"),
            opts=child_opts(self),
        )
        sg_rule(self, f"{self._name}-task-in-alb", direction="in", security_group_id=sg.id, port=a.port,
                peer_security_group_id=a.alb_security_group_id, description="from dev's load balancer")  # fmt: skip
        # dev's load balancer only talks to dev's tasks; this rule, owned and removed by the preview, adds its own.
        sg_rule(self, f"{self._name}-alb-out-task", direction="out", security_group_id=a.alb_security_group_id,
                port=a.port, peer_security_group_id=sg.id, description=f"to preview {a.route_value}")  # fmt: skip
        for port in (443, MONGO_PORT):
            sg_rule(self, f"{self._name}-task-out-{port}", direction="out", security_group_id=sg.id, port=port,
                    cidr="0.0.0.0/0", description=f"outbound {port}")  # fmt: skip
        if a.ollama_security_group_id is not None:
            sg_rule(self, f"{self._name}-task-out-ollama", direction="out", security_group_id=sg.id,
                    port=a.ollama_port, cidr=a.vpc_cidr, description="to Ollama inside the VPC")  # fmt: skip
            sg_rule(self, f"{self._name}-ollama-in-task", direction="in", security_group_id=a.ollama_security_group_id,
                    port=a.ollama_port, peer_security_group_id=sg.id, description=f"from preview {a.route_value}")  # fmt: skip
        return sg

    def _create_target_group(self) -> aws.lb.TargetGroup:
        a = self._args
        return aws.lb.TargetGroup(
            f"{self._name}-tg",
            name=lb_name(f"{self._name}-tg", a.port, "HTTP", "ip"),
            target_type="ip",
            port=a.port,
            protocol="HTTP",
            vpc_id=a.vpc_id,
            deregistration_delay=10,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                path=a.health_path,
                protocol="HTTP",
                matcher="200",
                interval=15,
                timeout=5,
                healthy_threshold=2,
                unhealthy_threshold=3,
            ),  # fmt: skip
            tags=self._tags("tg"),
            opts=child_opts(self),
        )

    def _create_listener_rule(self) -> aws.lb.ListenerRule:
        a = self._args
        return aws.lb.ListenerRule(
            f"{self._name}-route",
            listener_arn=a.listener_arn,
            priority=a.route_priority,
            conditions=[
                aws.lb.ListenerRuleConditionArgs(
                    http_header=aws.lb.ListenerRuleConditionHttpHeaderArgs(
                        http_header_name=a.route_header, values=[a.route_value]
                    )
                )
            ],
            actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=self.target_group.arn)],
            tags=self._tags("route"),
            opts=child_opts(self),
        )

    def _create_log_group(self) -> aws.cloudwatch.LogGroup:
        a = self._args
        return aws.cloudwatch.LogGroup(
            f"{self._name}-logs",
            name=f"/farm/{a.project}/{a.stack}/{self._name}",
            retention_in_days=a.log_retention_days,
            tags=self._tags("logs"),
            opts=child_opts(self),
        )

    def _assume(self) -> pulumi.Output[str]:
        return self._account_id.apply(lambda acct: assume_role_policy("ecs-tasks.amazonaws.com", source_account=acct))

    def _create_execution_role(self) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{self._name}-execution-role",
            description="ECS agent: pull the preview's API image, write its logs, read its secrets",
            assume_role_policy=self._assume(),
            tags=self._tags("execution-role"),
            opts=child_opts(self),
        )
        aws.iam.RolePolicyAttachment(
            f"{self._name}-execution-role-ecs", role=role.name, policy_arn=EXECUTION_ROLE_POLICY, opts=child_opts(self)
        )
        if self._args.secrets:
            arns = [self._args.secrets[k] for k in sorted(self._args.secrets)]
            aws.iam.RolePolicy(
                f"{self._name}-execution-role-secrets",
                role=role.id,
                policy=pulumi.Output.all(*arns).apply(
                    lambda v: policy_document(
                        {
                            "Sid": "ReadApiSecrets",
                            "Effect": "Allow",
                            "Action": ["secretsmanager:GetSecretValue"],
                            "Resource": sorted(v),
                        }  # fmt: skip
                    )
                ),
                opts=child_opts(self),
            )
        return role

    def _create_task_role(self) -> aws.iam.Role:
        return aws.iam.Role(
            f"{self._name}-task-role",
            description="the preview API's own AWS identity (no permissions)",
            assume_role_policy=self._assume(),
            tags=self._tags("task-role"),
            opts=child_opts(self),
        )

    def _create_task_definition(self, suffix: str = "task", command: list[str] | None = None) -> aws.ecs.TaskDefinition:
        a = self._args
        env_names, secret_names = sorted(a.environment), sorted(a.secrets)
        container = pulumi.Output.all(
            image=a.image_ref,
            log_group=self.log_group.name,
            region=self._region,
            env=pulumi.Output.all(*[a.environment[k] for k in env_names]),
            arns=pulumi.Output.all(*[a.secrets[k] for k in secret_names]),
        ).apply(
            lambda v: json.dumps(
                [
                    self._container(
                        v["image"],
                        v["log_group"],
                        v["region"],
                        dict(zip(env_names, v["env"], strict=True)),
                        dict(zip(secret_names, v["arns"], strict=True)),
                        command,
                    )
                ]
            )
        )
        family = self._name if suffix == "task" else f"{self._name}-{suffix}"
        return aws.ecs.TaskDefinition(
            f"{self._name}-{suffix}",
            family=task_family(f"{a.project}-{a.stack}-{family}"),
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(a.cpu),
            memory=str(a.memory),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            execution_role_arn=self.execution_role.arn,
            task_role_arn=self.task_role.arn,
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name="tmp")],
            container_definitions=container,
            tags=self._tags(suffix),
            opts=child_opts(self),
        )

    def _create_seed_task(self) -> aws.ecs.TaskDefinition | None:
        """The app's seed command in the API's own image, environment and secrets; run once by CI."""
        if self._args.seed_command is None:
            return None
        # Named so the cost model pairs the service with its own task definition, not this one.
        return self._create_task_definition("seed-task", ["sh", "-c", self._args.seed_command])

    def _container(
        self,
        image: str,
        log_group: str,
        region: str,
        env: dict[str, str],
        arns: dict[str, str],
        command: list[str] | None = None,
    ) -> dict[str, Any]:
        a = self._args
        if command is not None:
            # A one-off task: no port, no health check; it runs the command and stops.
            return {
                "name": "seed",
                "image": image,
                "essential": True,
                "command": command,
                "environment": [{"name": k, "value": env[k]} for k in sorted(env)],
                "secrets": [{"name": k, "valueFrom": arns[k]} for k in sorted(arns)],
                "readonlyRootFilesystem": True,
                "privileged": False,
                "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}],
                "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": "seed"},
                },
            }
        return {
            "name": CONTAINER_NAME,
            "image": image,
            "essential": True,
            "portMappings": [{"containerPort": a.port, "protocol": "tcp"}],
            "environment": [{"name": k, "value": env[k]} for k in sorted(env)],
            "secrets": [{"name": k, "valueFrom": arns[k]} for k in sorted(arns)],
            "readonlyRootFilesystem": True,
            "privileged": False,
            "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}],
            "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
            "healthCheck": {
                "command": ["CMD", *health_check_command(a.port, a.health_path)],
                "interval": 30,
                "timeout": 5,
                "retries": 3,
                "startPeriod": 30,
            },
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {"awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": "api"},
            },
        }

    def _create_drop_task(self) -> aws.ecs.TaskDefinition | None:
        """`mongosh` dropping the database its connection string names (the preview's own)."""
        a = self._args
        if a.drop_database_env is None:
            return None
        env = a.drop_database_env
        container = pulumi.Output.all(arn=a.secrets[env], log_group=self.log_group.name, region=self._region).apply(
            lambda v: json.dumps(
                [
                    {
                        "name": "drop-database",
                        "image": a.mongo_image,
                        "essential": True,
                        # The URI's path is the preview's database; the user may drop only that one.
                        "command": ["sh", "-c", f'mongosh "${env}" --quiet --norc --eval "db.dropDatabase()"'],
                        "environment": [{"name": "HOME", "value": "/tmp"}],
                        "secrets": [{"name": env, "valueFrom": v["arn"]}],
                        "readonlyRootFilesystem": True,
                        "privileged": False,
                        "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}],
                        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
                        "logConfiguration": {
                            "logDriver": "awslogs",
                            "options": {
                                "awslogs-group": v["log_group"],
                                "awslogs-region": v["region"],
                                "awslogs-stream-prefix": "drop-database",
                            },
                        },
                    }
                ]
            )
        )
        return aws.ecs.TaskDefinition(
            f"{self._name}-drop-db",
            family=task_family(f"{a.project}-{a.stack}-{self._name}-drop-db"),
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu="256",
            memory="512",
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            execution_role_arn=self.execution_role.arn,
            task_role_arn=self.task_role.arn,
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name="tmp")],
            container_definitions=container,
            tags=self._tags("drop-db"),
            opts=child_opts(self),
        )

    def _create_service(self) -> aws.ecs.Service:
        a = self._args
        return aws.ecs.Service(
            f"{self._name}-service",
            cluster=a.cluster_arn,
            task_definition=self.task_definition.arn,
            desired_count=a.count,
            launch_type="FARGATE",
            platform_version="LATEST",
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=a.private_subnet_ids, security_groups=[self.task_sg.id], assign_public_ip=False
            ),
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=self.target_group.arn, container_name=CONTAINER_NAME, container_port=a.port
                )
            ],
            health_check_grace_period_seconds=60,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            enable_execute_command=False,
            propagate_tags="SERVICE",
            wait_for_steady_state=True,
            tags=self._tags("service"),
            opts=child_opts(self, depends_on=[self.rule]),
        )
