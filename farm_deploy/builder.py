"""StagePlan → components: the only place that knows the mapping.

Components know nothing of how they were chosen; the analyzer knows nothing of
Pulumi. This module reads a `StagePlan` and declares the components that plan
asks for, wiring one component's outputs into the next one's args.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from analysis.errors import UserError
from analysis.models import StagePlan
from analysis.stack_config import NAMESPACE, StackSettings

SecretReader = Callable[[str], pulumi.Output[str]]

# `EnvVar.source` of a value read from stack config (`config:farm:<key>`); the
# other sources are `plan` (the value is in the plan) and `output:<name>` (a
# component's output, wired here).
CONFIG_SOURCE = "config:" + NAMESPACE + ":"


@dataclass
class BuiltStage:
    """What the program exports (README, "Stack outputs"); names are a contract."""

    plan: StagePlan
    region: str
    web_url: pulumi.Input[str] | None = None
    api_url: pulumi.Input[str] | None = None
    ecs: dict[str, Any] | None = None
    log_groups: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    alarm_names: pulumi.Input[list[str]] | None = None
    dashboard_url: pulumi.Input[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def health_urls(self) -> dict[str, pulumi.Input[str]]:
        urls: dict[str, pulumi.Input[str]] = {}
        if self.web_url is not None:
            urls["web"] = self.web_url
        if self.api_url is not None:
            base = pulumi.Output.from_input(self.api_url).apply(lambda u: u.rstrip("/"))
            urls["api"] = base.apply(lambda u: u + "/api/health")
            if self.plan.components.db != "none":
                urls["database"] = base.apply(lambda u: u + "/api/health/database")
            if self.plan.components.ai != "none":
                urls["ai"] = base.apply(lambda u: u + "/api/ai/health")
        return urls

    def outputs(self) -> dict[str, Any]:
        plan = self.plan
        out: dict[str, Any] = {
            "stage": plan.stage,
            "platform": plan.platform,
            "region": self.region,
            "plan": {
                "components": plan.components.model_dump(),
                "warnings": plan.warnings,
                "release": plan.release.model_dump(),
            },
            "estimatedMonthlyCost": round(plan.cost.total, 2) if plan.cost else None,
            "healthUrls": self.health_urls(),
        }
        if self.web_url is not None:
            out["webUrl"] = self.web_url
        if self.api_url is not None:
            out["apiUrl"] = self.api_url
        if self.ecs:
            out["ecs"] = self.ecs
        if self.log_groups:
            out["logGroups"] = self.log_groups
        if self.alarm_names is not None:
            out["alarmNames"] = self.alarm_names
        if self.dashboard_url is not None:
            out["dashboardUrl"] = self.dashboard_url
        out.update(self.extra)
        return out


@dataclass
class Context:
    plan: StagePlan
    app_dir: Path
    project_dir: Path
    settings: StackSettings
    secret: SecretReader
    project: str
    stack: str

    @property
    def prefix(self) -> str:
        return f"farm-{self.slug}"

    @property
    def slug(self) -> str:
        """The stack name as AWS, Atlas and Vercel names accept it.

        Pulumi allows `.`, `_` and capitals in stack names; S3 buckets, ECR
        repositories, capacity providers and Vercel projects do not, and the
        load balancer's 32 characters leave room for about a dozen.
        """
        return stack_slug(self.stack)

    @property
    def vercel_project_name(self) -> str:
        return f"{self.project}-{self.slug}"

    @property
    def protect(self) -> bool:
        return self.plan.protect_stateful

    def tags(self) -> dict[str, str]:
        return {
            "farm:project": self.project,
            "farm:stack": self.stack,
            "farm:stage": self.plan.stage,
            "managed-by": "pulumi",
        }

    def secret_values(self, target: str) -> dict[str, pulumi.Output[str]]:
        """Env name -> Pulumi secret read from stack config, for the plan's config-sourced secrets."""
        values: dict[str, pulumi.Output[str]] = {}
        for var in self.plan.env:
            if var.target == target and var.secret and var.source.startswith(CONFIG_SOURCE):
                values[var.name] = self.secret(var.source[len(CONFIG_SOURCE) :])
        return values

    def plain_env(self, target: str, outputs: dict[str, pulumi.Input[str]]) -> dict[str, pulumi.Input[str]]:
        """Non-secret env vars: literal values, and deploy-time values from other components."""
        env: dict[str, pulumi.Input[str]] = {}
        for var in self.plan.env:
            if var.target != target or var.secret:
                continue
            if var.value is not None:
                env[var.name] = var.value
            elif var.source.startswith("output:") and var.source[len("output:") :] in outputs:
                env[var.name] = outputs[var.source[len("output:") :]]
        return env


def stack_slug(stack: str) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", stack.lower()).strip("-")
    return slug[:16].rstrip("-") or "stack"


def build_stage(
    plan: StagePlan,
    *,
    app_dir: Path,
    project_dir: Path,
    settings: StackSettings,
    secret: SecretReader,
    project: str,
    stack: str,
) -> BuiltStage:
    ctx = Context(plan, app_dir, project_dir, settings, secret, project, stack)
    builders = {
        "aws": _build_aws,
        "aws-serverless": _build_aws,
        "vercel": _build_vercel,
        "railway": _build_railway,
        "docker": _build_docker,
    }
    if plan.platform not in builders:
        raise UserError("unknown platform", key=f"{NAMESPACE}:platform", value=plan.platform, valid=sorted(builders))
    return builders[plan.platform](ctx)


# --------------------------------------------------------------------------- AWS


def _build_aws(ctx: Context) -> BuiltStage:
    from components.alarm_topic import AlarmTopic, AlarmTopicArgs
    from components.app_secrets import AppSecrets, AppSecretsArgs
    from components.monitoring import Monitoring, MonitoringArgs
    from components.network import Network, NetworkArgs

    plan, tags, p = ctx.plan, ctx.tags(), ctx.prefix
    built = BuiltStage(plan=plan, region=plan.region)
    choices = plan.components

    network = None
    if choices.network:
        network = Network(
            f"{p}-net",
            NetworkArgs(
                az_count=plan.network.az_count,
                nat_per_az=plan.network.nat_per_az,
                cidr=plan.network.cidr,
                tags=tags,
            ),
        )

    secret_arns: dict[str, pulumi.Input[str]] = {}
    api_secrets = ctx.secret_values("api")
    if api_secrets:
        app_secrets = AppSecrets(f"{p}-secrets", AppSecretsArgs(values=api_secrets, tags=tags))
        secret_arns.update(app_secrets.arns)

    if choices.db != "none":
        db = _atlas(ctx, network=network, store="secretsmanager", vercel_project_id=None)
        secret_arns[plan.db.uri_env] = db.connection_secret_arn

    needs_cluster = choices.api == "ecs" or choices.ai in ("ollama-gpu", "ollama-cpu")
    cluster = None
    if needs_cluster:
        if network is None:
            raise UserError("ECS services need the stage's network", key=f"{NAMESPACE}:api", value=choices.api)
        from components.cluster import Cluster, ClusterArgs

        cluster = Cluster(f"{p}-ecs", ClusterArgs(vpc_id=network.vpc_id, tags=tags))

    deploy_outputs: dict[str, pulumi.Input[str]] = {}
    ollama_name = "ollama"
    if cluster is not None and choices.ai in ("ollama-gpu", "ollama-cpu"):
        # Cloud Map names are known before the service exists, so the API can be
        # told the URL without waiting on (or cycling with) the Ollama service.
        deploy_outputs["ollama.url"] = pulumi.Output.concat(
            "http://", ollama_name, ".", cluster.namespace_name, ":11434"
        )

    # The site's address, for the API's CORS origins, when it is known before the
    # site exists: a custom domain, or Vercel's production domain. Otherwise the
    # site is CloudFront serving /api/* itself (same origin, no CORS needed).
    if plan.domain:
        deploy_outputs["web.url"] = f"https://{plan.domain}"
    elif choices.web == "vercel":
        from components.vercel_app import production_url

        deploy_outputs["web.url"] = production_url(ctx.vercel_project_name)

    # One topic for every alarm of the stage, the API's deployment-rollback alarms included.
    alarms = AlarmTopic(f"{p}-alarms", AlarmTopicArgs(alarm_email=plan.alarm_email, tags=tags))

    api_service = None
    lambda_api = None
    if choices.api == "ecs":
        api_service = _ecs_api(ctx, network, cluster, secret_arns, deploy_outputs, alarms.topic_arn)
        built.api_url = api_service.url
        built.log_groups["api"] = api_service.log_group_name
        built.extra["albDnsName"] = api_service.alb_dns_name
    elif choices.api == "lambda":
        lambda_api = _lambda_api(ctx, secret_arns, deploy_outputs)
        built.api_url = lambda_api.url

    ollama = None
    if cluster is not None and choices.ai in ("ollama-gpu", "ollama-cpu"):
        ollama = _ollama(ctx, network, cluster, api_service, ollama_name)
        built.log_groups["ollama"] = ollama.log_group_name

    if cluster is not None:
        services: dict[str, Any] = {}
        if api_service is not None:
            services["api"] = {"name": api_service.service_name, "taskDefinitionArn": api_service.task_definition_arn}
        if ollama is not None:
            services["ollama"] = {"name": ollama.service_name, "taskDefinitionArn": ollama.task_definition_arn}
        built.ecs = {"cluster": cluster.cluster_name, "services": services}

    if choices.web == "cloudfront":
        site = _static_site(ctx, api_service, lambda_api)
        built.web_url = site.url
        if api_service is not None:
            # The load balancer only answers CloudFront: the API's public address
            # is the site's, under /api (same origin, no CORS).
            built.api_url = site.url
    elif choices.web == "vercel":
        app = _vercel(ctx, api_url=built.api_url, python_api=False)
        built.web_url = app.url

    monitoring = Monitoring(
        f"{p}-monitoring",
        MonitoringArgs(
            level=choices.monitoring,
            topic_arn=alarms.topic_arn,
            alb_arn_suffix=api_service.alb_arn_suffix if api_service else None,
            target_group_arn_suffix=api_service.target_group_arn_suffix if api_service else None,
            cluster_name=cluster.cluster_name if cluster else None,
            api_service_name=api_service.service_name if api_service else None,
            lambda_function_name=lambda_api.function_name if lambda_api else None,
            ollama_service_name=ollama.service_name if ollama else None,
            has_ai=choices.ai != "none",
            tags=tags,
        ),
    )
    built.alarm_names = monitoring.alarm_names
    built.dashboard_url = monitoring.dashboard_url
    return built


def _ecs_api(
    ctx: Context, network: Any, cluster: Any, secret_arns: dict, deploy_outputs: dict, alarm_topic_arn: Any
) -> Any:
    from components.api_service import ApiService, ApiServiceArgs
    from components.image import ApiImage, ApiImageArgs

    plan, tags, p = ctx.plan, ctx.tags(), ctx.prefix
    context = ctx.app_dir / plan.api.root
    # The analyzer names the Dockerfile from the app root; docker wants it from the context.
    dockerfile = os.path.relpath(ctx.app_dir / plan.api.dockerfile, context) if plan.api.dockerfile else None
    image = ApiImage(
        f"{p}-api-image",
        ApiImageArgs(
            context_dir=str(context),
            dockerfile=dockerfile,
            image_tag=plan.release.api_image_tag,
            entrypoint=plan.api.entrypoint,
            port=plan.api.port,
            health_path=plan.api.health_path,
            python_version=plan.api.python_version,
            build_dir=str(ctx.project_dir / ".farm-deploy" / "build" / f"{p}-api"),
            protect=ctx.protect,
            tags=tags,
        ),
    )
    return ApiService(
        f"{p}-api",
        ApiServiceArgs(
            image_ref=image.image_ref,
            port=plan.api.port,
            health_path=plan.api.health_path,
            cpu=plan.api.cpu,
            memory=plan.api.memory,
            min_count=plan.api.min_count,
            max_count=plan.api.max_count,
            vpc_id=network.vpc_id,
            public_subnet_ids=network.public_subnet_ids,
            private_subnet_ids=network.private_subnet_ids,
            cluster_arn=cluster.cluster_arn,
            cluster_name=cluster.cluster_name,
            environment=ctx.plain_env("api", deploy_outputs),
            secrets=secret_arns,
            certificate_arn=plan.api_certificate_arn,
            domain=api_domain(plan),
            behind_cloudfront=plan.components.web == "cloudfront",
            # Ollama answers inside the VPC on 11434; the API's egress is closed otherwise.
            vpc_egress_ports=[11434] if plan.components.ai in ("ollama-gpu", "ollama-cpu") else [],
            vpc_cidr=network.vpc_cidr,
            deletion_protection=ctx.protect,
            alarm_actions=[alarm_topic_arn],
            protect=ctx.protect,
            tags=tags,
        ),
    )


def api_domain(plan: StagePlan) -> str | None:
    """The ALB's name when the stage has a domain and a certificate: `api.<domain>`.

    CloudFront reaches the ALB by this name; the operator's DNS points it at
    the ALB (output `albDnsName`). The load balancer's certificate (the plan's
    `api_certificate_arn`, in the stage's region) must cover `api.<domain>`.
    """
    if plan.domain and plan.api_certificate_arn:
        return f"api.{plan.domain}"
    return None


def _lambda_api(ctx: Context, secret_arns: dict, deploy_outputs: dict) -> Any:
    from components.serverless_api import ServerlessApi, ServerlessApiArgs

    plan = ctx.plan
    return ServerlessApi(
        f"{ctx.prefix}-api",
        ServerlessApiArgs(
            app_dir=str(ctx.app_dir / plan.api.root),
            entrypoint=plan.api.entrypoint,
            memory=plan.api.lambda_memory,
            timeout=plan.api.lambda_timeout,
            reserved_concurrency=plan.api.reserved_concurrency,
            environment=ctx.plain_env("api", deploy_outputs),
            secret_arns=secret_arns,
            # The analyzer already refused WebSockets on Lambda unless the operator
            # acknowledged `lambda-websockets`; acknowledged means "ship without them".
            realtime=False,
            python_version=plan.api.python_version,
            build_dir=str(ctx.project_dir / ".farm-deploy" / "build" / f"{ctx.prefix}-lambda"),
            tags=ctx.tags(),
        ),
    )


def _ollama(ctx: Context, network: Any, cluster: Any, api_service: Any, service_name: str) -> Any:
    from components.ollama_service import OllamaService, OllamaServiceArgs

    plan = ctx.plan
    return OllamaService(
        f"{ctx.prefix}-ollama",
        OllamaServiceArgs(
            gpu=plan.components.ai == "ollama-gpu",
            instance_type=plan.ai.gpu_instance_type or "g5.xlarge",
            models=[m.name for m in plan.ai.models if m.provider == "ollama"],
            min_instances=plan.ai.min_instances,
            max_instances=plan.ai.max_instances,
            cluster_arn=cluster.cluster_arn,
            cluster_name=cluster.cluster_name,
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            subnet_count=plan.network.az_count,
            api_security_group_id=api_service.security_group_id if api_service else None,
            namespace_id=cluster.namespace_id,
            namespace_name=cluster.namespace_name,
            service_name=service_name,
            keep_alive=plan.ai.keep_alive,
            protect=ctx.protect,
            tags=ctx.tags(),
        ),
    )


def _static_site(ctx: Context, api_service: Any, lambda_api: Any) -> Any:
    from components.static_site import StaticSite, StaticSiteArgs, WebBuild

    plan = ctx.plan
    origin, protocol = None, "https-only"
    if api_service is not None:
        # With a certificate, CloudFront must reach the ALB by a name the
        # certificate covers (api.<domain>), not by the ALB's own DNS name.
        domain = api_domain(plan)
        origin = domain if domain else api_service.alb_dns_name
        protocol = "https-only" if domain else "http-only"
    elif lambda_api is not None:
        origin = lambda_api.origin_domain
    web_root = ctx.app_dir / plan.web.root
    prebuilt = None
    if plan.web.prebuilt_dir:
        prebuilt = str((ctx.project_dir / plan.web.prebuilt_dir).resolve())
    return StaticSite(
        f"{ctx.prefix}-web",
        StaticSiteArgs(
            site_dir=prebuilt,
            build=None
            if prebuilt
            else WebBuild(web_root=str(web_root), build_command=plan.web.build_command, output_dir=plan.web.output_dir),
            api_origin_domain=origin,
            api_origin_protocol=protocol,
            certificate_arn=plan.certificate_arn,
            aliases=[plan.domain] if plan.domain and plan.certificate_arn else [],
            protect=ctx.protect,
            tags=ctx.tags(),
        ),
    )


def _atlas(ctx: Context, *, network: Any, store: str, vercel_project_id: Any) -> Any:
    from components.atlas_database import AtlasDatabase, AtlasDatabaseArgs

    plan = ctx.plan
    org_id = ctx.settings.atlas_org_id
    if not org_id:
        raise UserError(
            "the stage has a MongoDB Atlas database but no Atlas organisation",
            file=str(ctx.project_dir / f"Pulumi.{ctx.stack}.yaml"),
            key=f"{NAMESPACE}:atlasOrgId",
            hint=f"pulumi config set {NAMESPACE}:atlasOrgId <org id> --stack {ctx.stack}",
        )
    cidrs: list[pulumi.Input[str]] = list(ctx.settings.db_access_cidrs)
    if network is not None:
        # One access-list entry per NAT address: the count is known now, the IPs at deploy time.
        cidrs.extend(eip.public_ip for eip in network.eips)
    return AtlasDatabase(
        f"{ctx.prefix}-db",
        AtlasDatabaseArgs(
            org_id=org_id,
            project_name=f"{ctx.project}-{ctx.slug}",
            tier=plan.db.tier,
            instance_size=plan.db.instance_size or "M10",
            provider_region=plan.db.provider_region,
            database_name=plan.db.database_name,
            username=f"{ctx.project}-{ctx.slug}-api",
            backup=plan.db.backup,
            pitr=plan.db.pitr,
            termination_protection=plan.db.termination_protection,
            access_cidrs=cidrs,
            allow_open_access=plan.db.allow_open_access,
            stage=plan.stage,
            store=store,
            vercel_project_id=vercel_project_id,
            vercel_env_key=plan.db.uri_env,
            protect=ctx.protect,
            tags=ctx.tags(),
        ),
    )


# --------------------------------------------------------------------------- Vercel


def _vercel(ctx: Context, *, api_url: pulumi.Input[str] | None, python_api: bool) -> Any:
    from components.vercel_app import VercelApp, VercelAppArgs, VercelEnv

    plan = ctx.plan
    env = [
        VercelEnv(key=name, value=value, targets=["production", "preview"], sensitive=True)
        for name, value in ctx.secret_values("api").items()
    ]
    for name, value in ctx.plain_env("web", {}).items():
        env.append(VercelEnv(key=name, value=value, targets=["production", "preview", "development"], sensitive=False))
    framework = {"vite": "vite", "cra": "create-react-app", "nextjs": "nextjs"}.get(plan.web.framework)
    return VercelApp(
        f"{ctx.prefix}-web",
        VercelAppArgs(
            project_name=ctx.vercel_project_name,
            framework=framework,
            root_directory=plan.web.root,
            build_command=plan.web.build_command,
            output_directory=plan.web.output_dir,
            env=env,
            api_url=api_url,
            api_url_env=plan.web.api_url_env,
            python_api=python_api,
            api_entrypoint=plan.api.entrypoint if python_api else None,
            protect=ctx.protect,
        ),
    )


def _build_vercel(ctx: Context) -> BuiltStage:
    plan = ctx.plan
    built = BuiltStage(plan=plan, region=plan.region)
    app = _vercel(ctx, api_url=None, python_api=plan.components.api == "vercel")
    built.web_url = app.url
    if plan.components.api == "vercel":
        built.api_url = app.url
    if plan.components.db != "none":
        _atlas(ctx, network=None, store="vercel", vercel_project_id=app.project_id)
    return built


# --------------------------------------------------------------------------- Railway / Docker


def _build_railway(ctx: Context) -> BuiltStage:
    from components.railway.app import RailwayApp, railway_args_from_plan

    plan = ctx.plan
    app = RailwayApp(
        f"{ctx.prefix}-railway", railway_args_from_plan(plan, ctx.app_dir, secrets=ctx.secret_values("api"))
    )
    built = BuiltStage(plan=plan, region=plan.region)
    built.web_url = getattr(app, "web_url", None)
    built.api_url = getattr(app, "api_url", None)
    return built


def _build_docker(ctx: Context) -> BuiltStage:
    from components.docker_host import DockerHost, docker_args_from_plan

    plan = ctx.plan
    host = DockerHost(
        f"{ctx.prefix}-docker", docker_args_from_plan(plan, ctx.app_dir, secrets=ctx.secret_values("api"))
    )
    built = BuiltStage(plan=plan, region="local")
    built.web_url = getattr(host, "web_url", None)
    built.api_url = getattr(host, "api_url", None)
    return built
