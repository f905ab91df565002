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

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from analysis.errors import UserError

from . import api_task
from .api_task import CONTAINER_NAME
from .common import child_opts, merge_tags, sg_rule
from .container import MONGO_IMAGE, MONGO_PORT
from .iam import assume_role_policy

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
        return api_task.target_group(
            self,
            self._name,
            port=a.port,
            vpc_id=a.vpc_id,
            health_path=a.health_path,
            deregistration_delay=10,
            tags=self._tags("tg"),
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
        return api_task.execution_role(
            self,
            self._name,
            description="ECS agent: pull the preview's API image, write its logs, read its secrets",
            assume_role_policy=self._assume(),
            secrets=self._args.secrets,
            kms_key_arn=None,
            tags=self._tags("execution-role"),
        )

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

        def build(image: str, log_group: str, region: str, env: dict[str, str], arns: dict[str, str]) -> list[Any]:
            return [self._container(image, log_group, region, env, arns, command)]

        containers = api_task.container_definitions(
            a.image_ref, self.log_group.name, self._region, a.environment, a.secrets, build
        )
        family = self._name if suffix == "task" else f"{self._name}-{suffix}"
        return self._fargate_task(suffix, family, a.cpu, a.memory, containers)

    def _fargate_task(
        self, suffix: str, family: str, cpu: int | str, memory: int | str, containers: pulumi.Input[str]
    ) -> aws.ecs.TaskDefinition:
        a = self._args
        return api_task.task_definition(
            self,
            f"{self._name}-{suffix}",
            family=f"{a.project}-{a.stack}-{family}",
            cpu=cpu,
            memory=memory,
            cpu_architecture="X86_64",
            execution_role=self.execution_role,
            task_role=self.task_role,
            containers=containers,
            tags=self._tags(suffix),
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
        shared = {"environment": env, "secrets": arns, "log_group": log_group, "region": region}
        if command is not None:
            # A one-off task: no port, no health check; it runs the command and stops.
            return api_task.container("seed", image, command=command, stream_prefix="seed", **shared)
        return api_task.container(
            CONTAINER_NAME,
            image,
            port=a.port,
            health_check=api_task.health_check(a.port, a.health_path),
            stream_prefix="api",
            **shared,
        )

    def _create_drop_task(self) -> aws.ecs.TaskDefinition | None:
        """`mongosh` dropping the database its connection string names (the preview's own)."""
        a = self._args
        if a.drop_database_env is None:
            return None
        env = a.drop_database_env

        def build(image: str, log_group: str, region: str, _env: dict[str, str], arns: dict[str, str]) -> list[Any]:
            return [
                api_task.container(
                    "drop-database",
                    image,
                    # The URI's path is the preview's database; the user may drop only that one.
                    command=["sh", "-c", f'mongosh "${env}" --quiet --norc --eval "db.dropDatabase()"'],
                    environment={"HOME": "/tmp"},
                    secrets=arns,
                    log_group=log_group,
                    region=region,
                    stream_prefix="drop-database",
                )
            ]

        containers = api_task.container_definitions(
            a.mongo_image, self.log_group.name, self._region, {}, {env: a.secrets[env]}, build
        )
        return self._fargate_task("drop-db", f"{self._name}-drop-db", "256", "512", containers)

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
