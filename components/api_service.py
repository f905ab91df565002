"""ApiService: the FastAPI container on Fargate behind an Application Load Balancer.

Traffic path: internet -> ALB (public subnets, 443, and 80 only to redirect)
-> tasks (private subnets, no public IP, reachable only from the ALB's security
group on the container port). A bad release stops itself: the deployment
circuit breaker and the CloudWatch alarms below both roll ECS back to the last
working task definition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from analysis.env_names import looks_like_credential
from analysis.errors import UserError
from analysis.platforms.fargate import FARGATE_MEMORY, memory_hint, valid_size

from . import api_task
from .api_task import CONTAINER_NAME
from .common import child_opts, merge_tags, sg_rule
from .container import MONGO_PORT
from .iam import assume_role_policy, policy_document
from .naming import lb_name

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"

CLOUDFRONT_ORIGIN_FACING = "com.amazonaws.global.cloudfront.origin-facing"
# The custom header CloudFront sends to a public origin and the listener checks: the
# CloudFront prefix list admits every distribution, not only ours, so the header is
# what tells ours apart (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/restrict-access-to-load-balancer.html).
ORIGIN_HEADER = "X-Farm-Origin-Verify"
# Tag of a listener only a CloudFront VPC origin reaches (policies/rules/network.py).
ORIGIN_ACCESS_TAG = "farm:origin-access"
VPC_ORIGIN_ACCESS = "cloudfront-vpc-origin"
ALB_LOG_PREFIX = "alb"  # LogBucket's ALB_PREFIX: the bucket policy admits the load balancer there only


# Docker's default capabilities, NET_BIND_SERVICE excepted: dropped when the
# app listens below 1024 and so still needs that one.
_DEFAULT_CAPS_BUT_BIND = [
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]  # fmt: skip


@dataclass
class ApiServiceArgs:
    image_ref: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    public_subnet_ids: pulumi.Input[list[str]]
    private_subnet_ids: pulumi.Input[list[str]]
    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    port: int = 8000
    health_path: str = "/api/health"
    cpu: int = 512
    memory: int = 1024
    # Must match the image: X86_64 for linux/amd64, ARM64 (Graviton) for linux/arm64.
    cpu_architecture: str = "X86_64"
    min_count: int = 1
    max_count: int = 2
    # Plain configuration only; anything secret goes in `secrets`.
    environment: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    # Env var name -> Secrets Manager secret ARN (AppSecrets.arns).
    secrets: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    # Env var name -> the secret version the tasks read. A new version (a
    # rotated password) changes the task definition, so ECS rolls the tasks
    # onto it; without one the tasks read AWSCURRENT when they start.
    secret_version_ids: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    # Customer managed key the secrets and the log group are encrypted with
    # (farm:kms customer); None: AWS managed keys.
    kms_key_arn: pulumi.Input[str] | None = None
    # Bucket (LogBucket) the load balancer writes its access logs to, under `alb/`.
    access_log_bucket: pulumi.Input[str] | None = None
    # ACM certificate in the stack's region; None serves plain HTTP (dev only).
    certificate_arn: pulumi.Input[str] | None = None
    # Public host name the certificate is for; `url` uses it when set.
    domain: str | None = None
    # The API is served through CloudFront (/api/*): the load balancer is then
    # internal, in the private subnets, reached through a CloudFront VPC origin
    # (`vpc_origin_id`); otherwise it is internet-facing in the public subnets.
    behind_cloudfront: bool = False
    # A stage in several regions: Route 53 picks the region for CloudFront, so
    # there is no VPC origin; the load balancer is internet-facing, admits only
    # CloudFront's origin-facing addresses, and forwards only requests carrying
    # this value in ORIGIN_HEADER (which CloudFront adds). Needs a certificate.
    origin_secret: pulumi.Input[str] | None = None
    log_retention_days: int = 30
    cpu_target: int = 60
    # ALB requests per task per minute before scaling out.
    requests_per_target: int = 1000
    task_role_policy_statements: list[dict[str, Any]] | None = None
    # Where the tasks may connect: HTTPS (ECR, Secrets Manager, AI APIs) and
    # MongoDB (Atlas), anywhere.
    egress_ports: list[int] = field(default_factory=lambda: [443, MONGO_PORT])
    # Ports the tasks may reach inside the VPC only, e.g. [11434] for Ollama
    # behind service discovery; needs vpc_cidr.
    vpc_egress_ports: list[int] = field(default_factory=list)
    vpc_cidr: pulumi.Input[str] | None = None
    # 5xx responses per minute, 3 minutes running, that roll a deployment back.
    rollback_5xx_threshold: int = 10
    # Where the rollback alarms also notify (e.g. an SNS topic ARN). ECS acts on
    # them either way; Monitoring's own alarms notify on the same conditions.
    alarm_actions: list[pulumi.Input[str]] = field(default_factory=list)
    # AI answers can take a while before the first byte.
    idle_timeout_seconds: int = 120
    deletion_protection: bool = False
    protect: bool = False
    tags: dict[str, str] = field(default_factory=dict)
    # The Pulumi stack the resources belong to (labels and physical names only).
    stack: str = field(kw_only=True)
    # The Pulumi project, for physical names that must be unique per account.
    project: str = field(kw_only=True)


class ApiService(pulumi.ComponentResource):
    url: pulumi.Output[str]
    alb_dns_name: pulumi.Output[str]
    alb_arn_suffix: pulumi.Output[str]
    target_group_arn_suffix: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    service_name: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    task_role_name: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    deployment_alarm_names: pulumi.Output[list[str]]
    # The CloudFront VPC origin in front of the internal load balancer; None when it is public.
    vpc_origin_id: pulumi.Output[str] | None

    def __init__(self, name: str, args: ApiServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:compute:ApiService", name, None, opts)
        self._name = name
        self._args = args
        self._validate()
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        self._account_id = identity.account_id
        self._region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region

        self.alb_sg, self.task_sg = self._create_security_groups()
        self.alb = self._create_load_balancer()
        self.target_group = self._create_target_group()
        self.listeners = self._create_listeners()
        self.vpc_origin = self._create_vpc_origin()
        self.log_group = self._create_log_group()
        self.execution_role = self._create_execution_role()
        self.task_role = self._create_task_role()
        self.task_definition = self._create_task_definition()
        self.deployment_alarms = self._create_deployment_alarms()
        self.service = self._create_service()
        self._create_autoscaling()

        scheme = "https" if args.certificate_arn is not None else "http"
        self.alb_dns_name = self.alb.dns_name
        self.alb_zone_id = self.alb.zone_id
        self.url = (
            pulumi.Output.from_input(f"{scheme}://{args.domain}")
            if args.domain
            else pulumi.Output.concat(f"{scheme}://", self.alb.dns_name)
        )
        self.alb_arn_suffix = self.alb.arn_suffix
        self.target_group_arn_suffix = self.target_group.arn_suffix
        self.security_group_id = self.task_sg.id
        self.service_name = self.service.name
        self.log_group_name = self.log_group.name
        self.task_role_name = self.task_role.name
        self.task_definition_arn = self.task_definition.arn
        self.deployment_alarm_names = pulumi.Output.all(*[a.name for a in self.deployment_alarms])
        self.vpc_origin_id = self.vpc_origin.id if self.vpc_origin is not None else None
        self.register_outputs(
            {
                "vpc_origin_id": self.vpc_origin_id,
                "url": self.url,
                "alb_dns_name": self.alb_dns_name,
                "alb_arn_suffix": self.alb_arn_suffix,
                "target_group_arn_suffix": self.target_group_arn_suffix,
                "security_group_id": self.security_group_id,
                "service_name": self.service_name,
                "log_group_name": self.log_group_name,
                "task_role_name": self.task_role_name,
                "task_definition_arn": self.task_definition_arn,
                "deployment_alarm_names": self.deployment_alarm_names,
            }
        )

    # ------------------------------------------------------------------ checks

    def _validate(self) -> None:
        a = self._args
        if a.cpu not in FARGATE_MEMORY:
            raise UserError("not a Fargate CPU size", key="cpu", value=a.cpu, valid=[str(c) for c in FARGATE_MEMORY])
        if not valid_size(a.cpu, a.memory):
            raise UserError(
                f"Fargate does not offer {a.memory} MiB with {a.cpu} CPU units",
                key="memory",
                value=a.memory,
                hint=f"with {a.cpu} CPU units use {memory_hint(a.cpu)}",
            )
        if a.cpu_architecture not in ("X86_64", "ARM64"):
            raise UserError(
                "unknown CPU architecture",
                key="api.cpu_architecture",
                value=a.cpu_architecture,
                valid=["X86_64", "ARM64"],
            )
        if not 0 <= a.min_count <= a.max_count or a.max_count < 1:
            raise UserError(
                "API task counts must satisfy 0 <= min <= max and max >= 1",
                key="min_count",
                value={"min": a.min_count, "max": a.max_count},
            )
        if not 1 <= a.port <= 65535:
            raise UserError("not a TCP port", key="api.port", value=a.port)
        if not a.health_path.startswith("/"):
            raise UserError("the health check path must start with '/'", key="api.health_path", value=a.health_path)
        both = sorted(set(a.environment) & set(a.secrets))
        if both:
            raise UserError("variables set both as plain environment and as secrets", key="env", value=both)
        leaked = sorted(k for k in a.environment if looks_like_credential(k))
        if leaked:
            raise UserError(
                "these variables look like credentials and would be stored in plain text in the task definition",
                key="env",
                value=leaked,
                hint="pass them as secrets (Pulumi secret config -> Secrets Manager)",
            )
        if a.vpc_egress_ports and a.vpc_cidr is None:
            raise ValueError("ApiService: vpc_egress_ports needs vpc_cidr")
        if a.origin_secret is not None and (a.behind_cloudfront or a.certificate_arn is None):
            raise UserError(
                "an origin secret is for an internet-facing load balancer with a certificate",
                key="origin_secret",
                hint="set `certificate_arn` and leave `behind_cloudfront` off",
            )
        if not 10 <= a.cpu_target <= 90:
            raise UserError("CPU target must be between 10 and 90 percent", key="api.cpu_target", value=a.cpu_target)

    # ------------------------------------------------------------------ network

    def _tags(self, suffix: str) -> dict[str, str]:
        return merge_tags(self._args.tags, f"{self._name}-{suffix}")

    def _allow_cloudfront_only(self, alb_sg: aws.ec2.SecurityGroup) -> None:
        # The internal load balancer still needs an ingress rule for the VPC
        # origin's traffic: AWS's VPC-origin guide has it admit CloudFront's
        # origin-facing prefix list (or the CloudFront-VPCOrigins-Service-SG
        # group CloudFront creates later), not the VPC's CIDR
        # (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html).
        # Being internal, nothing outside the VPC reaches it whatever the rule says.
        # One rule only: the CloudFront prefix list weighs ~55 entries against the
        # security group's rule quota (60 by default), so a second port would not fit.
        # CloudFront speaks HTTPS to the origin when it has a certificate, HTTP otherwise.
        a = self._args
        port = 443 if a.certificate_arn is not None else 80
        cloudfront = aws.ec2.get_managed_prefix_list_output(
            name=CLOUDFRONT_ORIGIN_FACING, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        sg_rule(
            self,
            f"{self._name}-alb-in-cloudfront",
            direction="in",
            security_group_id=alb_sg.id,
            port=port,
            prefix_list_id=cloudfront.id,
            description="from CloudFront only",
        )

    def _create_security_groups(self) -> tuple[aws.ec2.SecurityGroup, aws.ec2.SecurityGroup]:
        a = self._args
        # No inline rules: the provider removes AWS's default allow-all egress,
        # and the standalone rules below are the whole policy.
        alb_sg = aws.ec2.SecurityGroup(
            f"{self._name}-alb-sg",
            vpc_id=a.vpc_id,
            description="farm-deploy API load balancer: HTTP(S) from the internet",
            tags=self._tags("alb-sg"),
            opts=child_opts(self),
        )
        task_sg = aws.ec2.SecurityGroup(
            f"{self._name}-task-sg",
            vpc_id=a.vpc_id,
            description="farm-deploy API tasks: only from the load balancer",
            tags=self._tags("task-sg"),
            opts=child_opts(self),
        )
        cloudfront_only = a.behind_cloudfront or a.origin_secret is not None
        if cloudfront_only:
            self._allow_cloudfront_only(alb_sg)
        public_ports = [] if cloudfront_only else [443, 80] if a.certificate_arn is not None else [80]
        for port in public_ports:
            sg_rule(
                self,
                f"{self._name}-alb-in-{port}",
                direction="in",
                security_group_id=alb_sg.id,
                port=port,
                cidr="0.0.0.0/0",
                description="redirect to HTTPS" if port == 80 and a.certificate_arn is not None else "public API",
            )
        sg_rule(
            self,
            f"{self._name}-alb-out-tasks",
            direction="out",
            security_group_id=alb_sg.id,
            port=a.port,
            peer_security_group_id=task_sg.id,
            description="to the API tasks",
        )
        sg_rule(
            self,
            f"{self._name}-task-in-alb",
            direction="in",
            security_group_id=task_sg.id,
            port=a.port,
            peer_security_group_id=alb_sg.id,
            description="from the load balancer",
        )
        for port in sorted(set(a.vpc_egress_ports)):
            sg_rule(
                self,
                f"{self._name}-task-out-vpc-{port}",
                direction="out",
                security_group_id=task_sg.id,
                port=port,
                cidr=a.vpc_cidr,
                description=f"to port {port} inside the VPC",
            )
        for port in sorted(set(a.egress_ports)):
            sg_rule(
                self,
                f"{self._name}-task-out-{port}",
                direction="out",
                security_group_id=task_sg.id,
                port=port,
                cidr="0.0.0.0/0",
                description=f"outbound {port}",
            )
        return alb_sg, task_sg

    def _create_load_balancer(self) -> aws.lb.LoadBalancer:
        a = self._args
        return aws.lb.LoadBalancer(
            f"{self._name}-alb",
            # The scheme is a replace key: a fixed name must change with it, or the
            # replacement would collide with the old load balancer.
            name=lb_name(f"{self._name}-alb", *(["internal"] if a.behind_cloudfront else [])),
            load_balancer_type="application",
            # Behind CloudFront it is internal, in the private subnets: a CloudFront
            # VPC origin is then the only way in (no public address, no public listener).
            # Switching an existing stack replaces the load balancer once (the scheme is fixed at creation).
            internal=a.behind_cloudfront,
            subnets=a.private_subnet_ids if a.behind_cloudfront else a.public_subnet_ids,
            security_groups=[self.alb_sg.id],
            # Malformed headers are a request-smuggling vector; drop them at the edge.
            drop_invalid_header_fields=True,
            access_logs=(
                aws.lb.LoadBalancerAccessLogsArgs(bucket=a.access_log_bucket, prefix=ALB_LOG_PREFIX, enabled=True)
                if a.access_log_bucket is not None
                else None
            ),
            enable_deletion_protection=a.deletion_protection,
            idle_timeout=a.idle_timeout_seconds,
            tags=self._tags("alb"),
            opts=child_opts(self),
        )

    def _create_vpc_origin(self) -> aws.cloudfront.VpcOrigin | None:
        """CloudFront's way into the VPC to the internal load balancer.

        VPC origins take internal ALBs in private subnets of a VPC that has an
        internet gateway (the Network's), in the same account as the distribution
        (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html).
        HTTPS to the load balancer when it has a certificate; without one the hop
        is HTTP, but it never leaves AWS's network into the VPC.
        """
        a = self._args
        if not a.behind_cloudfront:
            return None
        return aws.cloudfront.VpcOrigin(
            f"{self._name}-vpc-origin",
            vpc_origin_endpoint_config=aws.cloudfront.VpcOriginVpcOriginEndpointConfigArgs(
                # Letters, digits, - and _, at most 64 (CreateVpcOrigin's VpcOriginEndpointConfig.Name).
                name=re.sub(r"[^A-Za-z0-9_-]", "-", f"{self._name}-api")[:64],
                arn=self.alb.arn,
                http_port=80,
                https_port=443,
                origin_protocol_policy="https-only" if a.certificate_arn is not None else "http-only",
                origin_ssl_protocols=aws.cloudfront.VpcOriginVpcOriginEndpointConfigOriginSslProtocolsArgs(
                    items=["TLSv1.2"], quantity=1
                ),
            ),
            tags=self._tags("vpc-origin"),
            # The load balancer must be active first; its listeners answer the origin.
            opts=child_opts(self, depends_on=self.listeners),
        )

    def _create_target_group(self) -> aws.lb.TargetGroup:
        a = self._args
        return api_task.target_group(
            self,
            self._name,
            port=a.port,
            vpc_id=a.vpc_id,
            health_path=a.health_path,
            deregistration_delay=30,
            tags=self._tags("tg"),
        )

    def _create_listeners(self) -> list[aws.lb.Listener]:
        a = self._args
        forward = aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=self.target_group.arn)
        if a.certificate_arn is None:
            # Development without a certificate: plain HTTP straight to the API.
            # The policy pack reports this as advisory; give the stage a
            # certificate (`certificate_arn`) before real users.
            http = aws.lb.Listener(
                f"{self._name}-http",
                load_balancer_arn=self.alb.arn,
                port=80,
                protocol="HTTP",
                default_actions=[forward],
                # Behind CloudFront viewers get HTTPS from CloudFront and this hop stays inside AWS
                # (VPC origin); the policy `alb-https-listener` exempts it outside prod by this tag, and
                # `listener-origin-tag-verified` checks the tag is true.
                tags=self._tags("http") | ({ORIGIN_ACCESS_TAG: VPC_ORIGIN_ACCESS} if a.behind_cloudfront else {}),
                opts=child_opts(self),
            )
            return [http]
        deny = aws.lb.ListenerDefaultActionArgs(
            type="fixed-response",
            fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                content_type="text/plain", message_body="Forbidden", status_code="403"
            ),
        )
        https = aws.lb.Listener(
            f"{self._name}-https",
            load_balancer_arn=self.alb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=TLS_POLICY,
            certificate_arn=a.certificate_arn,
            default_actions=[deny if a.origin_secret is not None else forward],
            tags=self._tags("https"),
            opts=child_opts(self),
        )
        if a.origin_secret is not None:
            # Only requests CloudFront sent for this stage reach the tasks.
            aws.lb.ListenerRule(
                f"{self._name}-from-cloudfront",
                listener_arn=https.arn,
                priority=1,
                conditions=[
                    aws.lb.ListenerRuleConditionArgs(
                        http_header=aws.lb.ListenerRuleConditionHttpHeaderArgs(
                            http_header_name=ORIGIN_HEADER, values=[a.origin_secret]
                        )
                    )
                ],
                actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=self.target_group.arn)],
                tags=self._tags("from-cloudfront"),
                opts=child_opts(self),
            )
            # No port 80: only CloudFront reaches this load balancer, and only over HTTPS.
            return [https]
        redirect = aws.lb.Listener(
            f"{self._name}-http-redirect",
            load_balancer_arn=self.alb.arn,
            port=80,
            protocol="HTTP",
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        protocol="HTTPS", port="443", status_code="HTTP_301"
                    ),
                )
            ],
            tags=self._tags("http-redirect"),
            opts=child_opts(self),
        )
        return [https, redirect]

    # ------------------------------------------------------------------ task

    def _create_log_group(self) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            f"{self._name}-logs",
            name=f"/farm/{self._args.project}/{self._args.stack}/{self._name}",
            retention_in_days=self._args.log_retention_days,
            kms_key_id=self._args.kms_key_arn,
            tags=self._tags("logs"),
            opts=child_opts(self, protect=self._args.protect),
        )

    def _assume_role_policy(self) -> pulumi.Output[str]:
        # aws:SourceAccount: only ECS acting for this account may assume the role.
        return self._account_id.apply(
            lambda account: assume_role_policy("ecs-tasks.amazonaws.com", source_account=account)
        )

    def _create_execution_role(self) -> aws.iam.Role:
        return api_task.execution_role(
            self,
            self._name,
            description="ECS agent: pull the API image, write its logs, read its secrets",
            assume_role_policy=self._assume_role_policy(),
            secrets=self._args.secrets,
            kms_key_arn=self._args.kms_key_arn,
            tags=self._tags("execution-role"),
        )

    def _create_task_role(self) -> aws.iam.Role:
        # The app's own identity: no permissions unless the plan grants some.
        role = aws.iam.Role(
            f"{self._name}-task-role",
            description="the FastAPI app's own AWS identity",
            assume_role_policy=self._assume_role_policy(),
            tags=self._tags("task-role"),
            opts=child_opts(self),
        )
        statements = self._args.task_role_policy_statements
        if statements:
            aws.iam.RolePolicy(
                f"{self._name}-task-role-policy",
                role=role.id,
                policy=pulumi.Output.from_input(statements).apply(lambda st: policy_document(*st)),
                opts=child_opts(self),
            )
        return role

    def _create_task_definition(self) -> aws.ecs.TaskDefinition:
        a = self._args
        secret_refs = {k: _secret_ref(v, a.secret_version_ids.get(k)) for k, v in a.secrets.items()}
        containers = api_task.container_definitions(
            a.image_ref, self.log_group.name, self._region, a.environment, secret_refs, self._containers
        )
        return api_task.task_definition(
            self,
            f"{self._name}-task",
            family=f"{a.project}-{a.stack}-{self._name}",
            cpu=a.cpu,
            memory=a.memory,
            cpu_architecture=a.cpu_architecture,
            execution_role=self.execution_role,
            task_role=self.task_role,
            containers=containers,
            tags=self._tags("task"),
        )

    def _containers(
        self, image: str, log_group: str, region: str, env: dict[str, str], secret_arns: dict[str, str]
    ) -> list[dict[str, Any]]:
        a = self._args
        return [
            api_task.container(
                CONTAINER_NAME,
                image,
                environment=env,
                secrets=secret_arns,
                log_group=log_group,
                region=region,
                stream_prefix=CONTAINER_NAME,
                drop=["ALL"] if a.port >= 1024 else _DEFAULT_CAPS_BUT_BIND,
                port=a.port,
                health_check=api_task.health_check(a.port, a.health_path),
                stop_timeout=30,
            )
        ]

    # ------------------------------------------------------------------ service

    def _create_deployment_alarms(self) -> list[aws.cloudwatch.MetricAlarm]:
        """The alarms ECS watches during a deployment: either one rolls it back."""
        dims = {"LoadBalancer": self.alb.arn_suffix, "TargetGroup": self.target_group.arn_suffix}
        errors = aws.cloudwatch.MetricAlarm(
            f"{self._name}-deploy-5xx",
            alarm_description="API answers 5xx: ECS rolls a deployment back while this is in alarm",
            namespace="AWS/ApplicationELB",
            metric_name="HTTPCode_Target_5XX_Count",
            dimensions=dims,
            statistic="Sum",
            period=60,
            evaluation_periods=3,
            datapoints_to_alarm=3,
            threshold=self._args.rollback_5xx_threshold,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=self._args.alarm_actions,
            tags=self._tags("deploy-5xx"),
            opts=child_opts(self),
        )
        unhealthy = aws.cloudwatch.MetricAlarm(
            f"{self._name}-deploy-unhealthy",
            alarm_description="API tasks fail the load balancer health check",
            namespace="AWS/ApplicationELB",
            metric_name="UnHealthyHostCount",
            dimensions=dims,
            statistic="Maximum",
            period=60,
            evaluation_periods=3,
            datapoints_to_alarm=3,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=self._args.alarm_actions,
            tags=self._tags("deploy-unhealthy"),
            opts=child_opts(self),
        )
        return [errors, unhealthy]

    def _create_service(self) -> aws.ecs.Service:
        a = self._args
        return aws.ecs.Service(
            f"{self._name}-service",
            cluster=a.cluster_arn,
            task_definition=self.task_definition.arn,
            desired_count=a.min_count,
            launch_type="FARGATE",
            platform_version="LATEST",
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=a.private_subnet_ids,
                security_groups=[self.task_sg.id],
                assign_public_ip=False,
            ),
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=self.target_group.arn,
                    container_name=CONTAINER_NAME,
                    container_port=a.port,
                )
            ],
            health_check_grace_period_seconds=60,
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            alarms=aws.ecs.ServiceAlarmsArgs(
                alarm_names=[alarm.name for alarm in self.deployment_alarms], enable=True, rollback=True
            ),
            enable_execute_command=False,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            # `pulumi up` fails when the new tasks never become healthy, instead
            # of reporting success while ECS rolls back behind it.
            wait_for_steady_state=True,
            tags=self._tags("service"),
            # Autoscaling owns the running count after the first deployment.
            opts=child_opts(self, depends_on=self.listeners, ignore_changes=["desiredCount"]),
        )

    def _create_autoscaling(self) -> None:
        a = self._args
        target = aws.appautoscaling.Target(
            f"{self._name}-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", a.cluster_name, "/", self.service.name),
            min_capacity=a.min_count,
            max_capacity=a.max_count,
            tags=self._tags("scaling"),
            opts=child_opts(self),
        )
        policies = {
            "cpu": (aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                predefined_metric_type="ECSServiceAverageCPUUtilization"
            ), a.cpu_target),
            "requests": (aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                predefined_metric_type="ALBRequestCountPerTarget",
                resource_label=pulumi.Output.concat(self.alb.arn_suffix, "/", self.target_group.arn_suffix),
            ), a.requests_per_target),
        }  # fmt: skip
        for key, (metric, value) in policies.items():
            aws.appautoscaling.Policy(
                f"{self._name}-scale-{key}",
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                    predefined_metric_specification=metric,
                    target_value=value,
                    # Out fast, in slowly: a cold Python worker is slower than an idle one.
                    scale_out_cooldown=60,
                    scale_in_cooldown=300,
                ),
                opts=child_opts(self),
            )


def _secret_ref(arn: pulumi.Input[str], version_id: pulumi.Input[str] | None) -> pulumi.Input[str]:
    """`valueFrom` of a secret: its ARN, or `arn:::version-id` pinned to one version
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html)."""
    if version_id is None:
        return arn
    return pulumi.Output.concat(arn, ":::", version_id)
