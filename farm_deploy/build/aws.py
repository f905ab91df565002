"""StagePlan → the AWS components: network, ECS or Lambda API, Ollama, CloudFront site, alarms.

`build_aws` reads like the stage's table of contents; each `_x` function maps
one part of the plan to one component's args.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pulumi

from analysis.errors import UserError
from analysis.models import StagePlan
from analysis.requirements_files import in_build_context
from analysis.stack_config import NAMESPACE
from analysis.stage_plan import api_edge
from components.alarm_topic import AlarmTopic, AlarmTopicArgs
from components.api_edge import ApiEdge, ApiEdgeArgs
from components.api_service import ORIGIN_HEADER, ApiService, ApiServiceArgs
from components.app_secrets import AppSecrets, AppSecretsArgs
from components.budget import Budget, BudgetArgs
from components.certificate import Certificate, CertificateArgs
from components.cloudfront_logs import CloudFrontLogs, CloudFrontLogsArgs
from components.cluster import Cluster, ClusterArgs
from components.common import replica_arn
from components.container import OLLAMA_PORT
from components.dns_records import AliasTarget, DnsAliases, DnsAliasesArgs
from components.image import ApiImage, ApiImageArgs
from components.kms_key import KmsKey, KmsKeyArgs
from components.log_bucket import LogBucket, LogBucketArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.network import Network, NetworkArgs
from components.ollama_service import OllamaService, OllamaServiceArgs
from components.region_route import RegionRoute, RegionRouteArgs
from components.serverless_api import ServerlessApi, ServerlessApiArgs
from components.static_site import ReleasedWeb, StaticSite, StaticSiteArgs, WebBuild
from components.web_acl import WebAcl, WebAclArgs

from .atlas import build_atlas
from .context import BuiltStage, Context
from .vercel import vercel_app

OLLAMA_SERVICE = "ollama"
# Component argument -> the stack key an operator sets, per component.
API_KEYS = {
    "cpu": f"{NAMESPACE}:apiCpu",
    "memory": f"{NAMESPACE}:apiMemory",
    "min_count": f"{NAMESPACE}:apiMinCount",
}
IMAGE_KEYS = {"context_dir": f"{NAMESPACE}:appPath"}
OLLAMA_KEYS = {"api_security_group_id": f"{NAMESPACE}:api", "models": f"{NAMESPACE}:models"}
SITE_KEYS = {
    "certificate_arn": f"{NAMESPACE}:certificateArn",
    "site_dir": f"{NAMESPACE}:webPrebuiltDir",
    "release.version": f"{NAMESPACE}:webVersion",
    "release.bucket": f"{NAMESPACE}:releaseBucket",
}
MONITORING_KEYS = {"level": f"{NAMESPACE}:monitoring", "alarm_email": f"{NAMESPACE}:alarmEmail"}
OLLAMA_CHOICES = ("ollama-gpu", "ollama-cpu")
SECURITY_KEYS = {"level": f"{NAMESPACE}:waf", "retention_days": f"{NAMESPACE}:accessLogDays"}


@dataclass
class _Aws:
    """The components declared so far, for the next ones' args."""

    network: Network | None = None
    cluster: Cluster | None = None
    secret_arns: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    # Values known before their component exists (`output:<name>` env sources).
    deploy_outputs: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    api_service: ApiService | None = None
    lambda_api: ServerlessApi | None = None
    ollama: OllamaService | None = None
    # With farm:hostedZone: the zone, and the certificates made in it (validated ARNs).
    zone_id: pulumi.Input[str] | None = None
    site_certificate: pulumi.Input[str] | None = None
    api_certificate: pulumi.Input[str] | None = None
    # Hardening (docs/security.md): the stage's customer managed key, the access-log bucket.
    kms_key: KmsKey | None = None
    log_bucket: LogBucket | None = None
    # Secret version the API's tasks read, per env name (the rotated database password).
    secret_versions: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    api_image: ApiImage | None = None  # only when the image is built from source
    # What the API runs: the pinned digest, or the image built from source.
    api_image_ref: pulumi.Input[str] | None = None
    api_repository_url: pulumi.Input[str] | None = None
    db: Any = None  # AtlasDatabase
    site: StaticSite | None = None
    alarm_topic_arn: pulumi.Input[str] | None = None
    monitoring: Monitoring | None = None
    route: RegionRoute | None = None  # a stage in several regions: this region's api.<domain> record


def build_aws(ctx: Context) -> BuiltStage:
    plan, choices = ctx.plan, ctx.plan.components
    built = BuiltStage(plan=plan, region=plan.region)
    _providers(ctx)
    # One set of regional components per region (docs/multi-region.md); a
    # single-region stage has one, under the names it always had.
    every = {region: _Aws() for region in plan.regions}
    parts = every[plan.region]
    for region, regional in every.items():
        regional.network = _network(ctx, region) if choices.network else None
        regional.kms_key = _stage_key(ctx, region)
        regional.log_bucket = _log_bucket(ctx, region)
    if parts.log_bucket is not None:
        # `farm-deploy logs --access` reads the latest entries from it.
        built.extra["accessLogBucket"] = parts.log_bucket.bucket_name
    secrets = _app_secrets(ctx, every)
    for region, regional in every.items():
        regional.secret_arns.update(secrets.arns_in(region) if secrets is not None else {})
    if choices.db != "none":
        db = parts.db = build_atlas(
            ctx,
            network=parts.network,
            other_networks=[r.network for r in every.values() if r is not parts and r.network is not None],
            store="secretsmanager",
            vercel_project_id=None,
            kms_key_id=parts.kms_key.arn if parts.kms_key else None,
            replica_keys={
                region: (r.kms_key.arn if r.kms_key else None) for region, r in every.items() if r is not parts
            },
        )
        # Stored in Secrets Manager (store="secretsmanager"), so the ARN exists.
        assert db.connection_secret_arn is not None and db.connection_secret_version_id is not None
        for region, regional in every.items():
            arn = db.connection_secret_arn
            regional.secret_arns[plan.db.uri_env] = arn if regional is parts else replica_arn(arn, region)
            # A replica's versions are the primary's (Secrets Manager copies each one).
            regional.secret_versions[plan.db.uri_env] = db.connection_secret_version_id
        # `farm-deploy rotate db-password --check` reads it.
        built.extra["dbSecretArn"] = db.connection_secret_arn
    _certificates(ctx, every)
    for region, regional in every.items():
        regional.cluster = _cluster(ctx, region, regional.network)
        regional.deploy_outputs.update(_known_addresses(ctx, region, regional.cluster))
    origin_secret = _origin_secret(ctx) if len(every) > 1 else None

    for region, regional in every.items():
        # One topic for every alarm of the region, the API's deployment-rollback alarms included
        # (a region's alarms then notify through that region alone, whatever happens to another).
        with ctx.stack_keys(MONITORING_KEYS):
            alarms = AlarmTopic(
                ctx.name(region, "alarms"),
                AlarmTopicArgs(alarm_email=plan.alarm_email, stack=ctx.stack),
                ctx.opts(region),
            )
        regional.alarm_topic_arn = alarms.topic_arn
        if choices.api == "ecs":
            regional.api_service = _ecs_api(ctx, region, regional, alarms.topic_arn, origin_secret, parts)
        elif choices.api == "lambda":
            regional.lambda_api = _lambda_api(ctx, regional)
        if regional.cluster is not None and choices.ai in OLLAMA_CHOICES and _runs_ollama(ctx, region):
            regional.ollama = _ollama(ctx, region, regional)
    if parts.api_service is not None:
        if choices.web != "cloudfront" and not api_edge(plan):
            # Behind CloudFront the load balancer is internal: CloudFront's ACL sees every request.
            _alb_web_acl(ctx, parts.api_service)
        built.api_url = parts.api_service.url
        built.log_groups["api"] = parts.api_service.log_group_name
        built.extra["albDnsName"] = parts.api_service.alb_dns_name
    elif parts.lambda_api is not None:
        built.api_url = parts.lambda_api.url
    if parts.ollama is not None:
        built.log_groups["ollama"] = parts.ollama.log_group_name
    if parts.cluster is not None:
        built.ecs = _ecs_outputs(parts)

    if choices.web == "cloudfront":
        site = parts.site = _static_site(ctx, parts, _web_acl(ctx), origin_secret)
        if parts.log_bucket is not None:
            _cloudfront_logs(ctx, site.distribution_arn, parts.log_bucket)
        built.web_url = site.url
        if parts.api_service is not None:
            # The load balancer only answers CloudFront: the API's public address
            # is the site's, under /api (same origin, no CORS).
            built.api_url = site.url
    elif choices.web == "vercel":
        built.web_url = vercel_app(ctx, api_url=built.api_url, python_api=False).url
    elif parts.api_service is not None and api_edge(plan):
        edge = _api_edge(ctx, parts.api_service)
        if parts.log_bucket is not None:
            _cloudfront_logs(ctx, edge.distribution_arn, parts.log_bucket)
        built.api_url = edge.url

    if parts.zone_id is not None:
        _aliases(ctx, parts, site if choices.web == "cloudfront" else None, api=len(every) == 1)
        if len(every) > 1:
            for region, regional in every.items():
                regional.route = _region_route(ctx, region, regional)

    for region, regional in every.items():
        assert regional.alarm_topic_arn is not None
        regional.monitoring = _monitoring(ctx, region, regional, regional.alarm_topic_arn)
    built.alarm_names = parts.monitoring.alarm_names if parts.monitoring else None
    built.dashboard_url = parts.monitoring.dashboard_url if parts.monitoring else None
    if len(every) > 1:
        built.extra["regions"] = {region: _region_outputs(ctx, region, r) for region, r in every.items()}
    if ctx.settings.monthly_budget is not None:
        _budget(ctx)
    if plan.stage == "dev":
        from .preview import preview_share

        share = preview_share(ctx, parts)
        if share is not None:
            built.extra["previewShare"] = share
    return built


def _runs_ollama(ctx: Context, region: str) -> bool:
    spread = ctx.plan.multi_region
    return spread is None or region in spread.ai_regions


def _region_outputs(ctx: Context, region: str, parts: _Aws) -> dict[str, Any]:
    """One region's entry of the `regions` output (docs/reference/outputs.md), read by verify, status and logs."""
    out: dict[str, Any] = {"primary": region == ctx.plan.region}
    if parts.cluster is not None:
        out["ecs"] = _ecs_outputs(parts)
    groups: dict[str, Any] = {}
    if parts.api_service is not None:
        groups["api"] = parts.api_service.log_group_name
        out["albDnsName"] = parts.api_service.alb_dns_name
    if parts.ollama is not None:
        groups["ollama"] = parts.ollama.log_group_name
    if groups:
        out["logGroups"] = groups
    if parts.monitoring is not None:
        out["alarmNames"] = parts.monitoring.alarm_names
    if parts.route is not None:
        out["healthCheckId"] = parts.route.health_check_id
    return out


def _origin_secret(ctx: Context) -> pulumi.Output[str]:
    """The value CloudFront adds to each API request, and the load balancers require (ApiService.origin_secret)."""
    import pulumi_random as random

    return random.RandomPassword(f"{ctx.prefix}-origin-secret", length=40, special=False, opts=ctx.opts()).result


def _region_route(ctx: Context, region: str, parts: _Aws) -> RegionRoute:
    plan, api = ctx.plan, parts.api_service
    assert api is not None and parts.zone_id is not None and plan.domain is not None
    return RegionRoute(
        ctx.name(region, "api-route"),
        RegionRouteArgs(
            region=region,
            name=f"api.{plan.domain}",
            zone_id=parts.zone_id,
            alb_dns_name=api.alb_dns_name,
            alb_zone_id=api.alb_zone_id,
            alb_arn_suffix=api.alb_arn_suffix,
            target_group_arn_suffix=api.target_group_arn_suffix,
            alarm_actions=[parts.alarm_topic_arn] if parts.alarm_topic_arn is not None else [],
            tags=ctx.tags(),
        ),
        ctx.opts(region),
    )


def _providers(ctx: Context) -> None:
    """The stage's AWS provider, in the stage's region, tagging everything it creates.

    Explicit, so that `farm:region` decides where resources land rather than
    whatever `aws:region` or AWS_REGION the operator's shell happens to have;
    components receive it through their options, and Pulumi hands a
    component's providers down to its children
    (https://www.pulumi.com/docs/iac/concepts/resources/components/#inheriting-resource-providers).
    `default_tags` puts the stack's tags on every taggable resource
    (https://www.pulumi.com/registry/packages/aws/api-docs/provider/#default_tags_python);
    components add only their own `Name`. Moving existing resources from the
    default provider to this one with the same region updates their provider
    reference without replacing them: the engine asks the provider's DiffConfig
    for explicit providers too (https://github.com/pulumi/pulumi/pull/18509).
    A stage in several regions gets one more provider per further region.
    """
    import pulumi_aws as aws

    region = ctx.plan.region
    ctx.providers["aws"] = aws.Provider(
        f"{ctx.prefix}-aws",
        region=region,
        default_tags=aws.ProviderDefaultTagsArgs(tags=ctx.tags()),
    )
    for other in ctx.plan.regions[1:]:
        ctx.region_providers[other] = aws.Provider(
            f"{ctx.prefix}-aws-{other}",
            region=other,
            default_tags=aws.ProviderDefaultTagsArgs(tags=ctx.tags()),
        )


def _certificates(ctx: Context, every: dict[str, _Aws]) -> None:
    """With farm:hostedZone: the zone, and each certificate the operator did not supply.

    CloudFront's certificate must come from us-east-1, the load balancer's from
    its own region (https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html):
    a stage in several regions gets one `api.<domain>` certificate per region.
    """
    import pulumi_aws as aws

    plan, choices = ctx.plan, ctx.plan.components
    parts = every[plan.region]
    if not (plan.domain and plan.hosted_zone):
        return
    zone = aws.route53.get_zone_output(
        name=plan.hosted_zone, private_zone=False, opts=pulumi.InvokeOutputOptions(provider=ctx.providers["aws"])
    )
    for regional in every.values():
        regional.zone_id = zone.zone_id
    if choices.web == "cloudfront" and not plan.certificate_arn:
        parts.site_certificate = Certificate(
            f"{ctx.prefix}-web-cert",
            CertificateArgs(domain_name=plan.domain, zone_id=zone.zone_id),
            pulumi.ResourceOptions(providers=[us_east_1_provider(ctx)]),
        ).arn
    if choices.api == "ecs" and not plan.api_certificate_arn:
        for region, regional in every.items():
            regional.api_certificate = Certificate(
                ctx.name(region, "api-cert"),
                CertificateArgs(domain_name=f"api.{plan.domain}", zone_id=zone.zone_id),
                ctx.opts(region),
            ).arn


def _aliases(ctx: Context, parts: _Aws, site: StaticSite | None, *, api: bool) -> DnsAliases:
    """The site's name at CloudFront, `api.<domain>` at the load balancer.

    A stage in several regions answers `api.<domain>` with latency records
    instead (`RegionRoute`, one per region), so `api` is False there.
    """
    plan = ctx.plan
    assert plan.domain is not None and parts.zone_id is not None
    targets: list[AliasTarget] = []
    if site is not None:
        targets.append(AliasTarget(name=plan.domain, dns_name=site.domain_name, zone_id=site.hosted_zone_id))
    if parts.api_service is not None and api:
        # Internal behind CloudFront: the name then resolves inside the VPC only, and
        # is the name CloudFront's VPC origin presents to the load balancer's certificate.
        targets.append(
            AliasTarget(
                name=f"api.{plan.domain}",
                dns_name=parts.api_service.alb_dns_name,
                zone_id=parts.api_service.alb_zone_id,
                ipv6=False,
            )
        )
    return DnsAliases(f"{ctx.prefix}-dns", DnsAliasesArgs(zone_id=parts.zone_id, targets=targets), ctx.opts())


def _budget(ctx: Context) -> Budget:
    """farm:monthlyBudget as an AWS Budget on the stage's farm:stack tag (docs/cost.md)."""
    email = ctx.plan.alarm_email
    if not email:
        pulumi.log.warn(
            "farm:monthlyBudget is set but farm:alarmEmail is not: the AWS Budget has no one to notify "
            f"(pulumi config set farm:alarmEmail you@example.com --stack {ctx.stack})"
        )
    assert ctx.settings.monthly_budget is not None
    return Budget(
        f"{ctx.prefix}-cost",
        BudgetArgs(
            amount=ctx.settings.monthly_budget,
            stack_tag=ctx.stack,
            alert_percent=ctx.settings.budget_alert_percent,
            emails=[email] if email else [],
        ),
        ctx.opts(),
    )


def _network(ctx: Context, region: str) -> Network:
    net = ctx.plan.network
    return Network(
        ctx.name(region, "net"),
        NetworkArgs(
            az_count=net.az_count,
            nat_per_az=net.nat_per_az,
            nat_instance=net.nat == "instance",
            cidr=net.cidr,
        ),
        ctx.opts(region),
    )


def _app_secrets(ctx: Context, every: dict[str, _Aws]) -> AppSecrets | None:
    """The API's secrets in the primary region, replicated to every other region the API runs in."""
    values = ctx.secret_values("api")
    if not values:
        return None
    key = every[ctx.plan.region].kms_key
    replicas = {
        region: (r.kms_key.arn if r.kms_key else None) for region, r in every.items() if region != ctx.plan.region
    }
    return AppSecrets(
        f"{ctx.prefix}-secrets",
        AppSecretsArgs(values=values, kms_key_id=key.arn if key else None, replica_regions=replicas, stack=ctx.stack),
        ctx.opts(),
    )


# --------------------------------------------------------------------------- hardening


def us_east_1_provider(ctx: Context) -> pulumi.ProviderResource:
    """The AWS provider pinned to us-east-1, for what CloudFront takes only from there.

    Its viewer certificate, its web ACL and its log delivery
    (https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html). One per
    program, beside the stage's own provider (`_providers`).
    """
    import pulumi_aws as aws

    if "us-east-1" in ctx.region_providers:
        return ctx.region_providers["us-east-1"]
    if ctx.us_east_1 is None:
        ctx.us_east_1 = aws.Provider(
            f"{ctx.prefix}-aws-us-east-1", region="us-east-1", default_tags={"tags": ctx.tags()}
        )
    return ctx.us_east_1


def _stage_key(ctx: Context, region: str) -> KmsKey | None:
    if ctx.plan.security.kms != "customer":
        return None
    return KmsKey(
        ctx.name(region, "key"),
        KmsKeyArgs(
            description=f"farm-deploy {ctx.project} {ctx.stack}: secrets, model cache, logs",
            protect=ctx.protect,
            tags=ctx.tags(),
        ),
        ctx.opts(region),
    )


def _log_bucket(ctx: Context, region: str) -> LogBucket | None:
    """Access logs: CloudFront's in the primary region's bucket, each load balancer's in its own region's.

    A load balancer writes only to a bucket in its own region
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).
    """
    plan, choices = ctx.plan, ctx.plan.components
    cloudfront = (choices.web == "cloudfront" or api_edge(plan)) and region == plan.region
    alb = choices.api == "ecs"
    if not (cloudfront or alb):
        return None
    with ctx.stack_keys(SECURITY_KEYS):
        return LogBucket(
            ctx.name(region, "access-logs"),
            LogBucketArgs(
                region=region,
                retention_days=plan.security.access_log_days,
                alb_logs=alb,
                cloudfront_logs=cloudfront,
                protect=ctx.protect,
                tags=ctx.tags(),
            ),
            ctx.opts(region),
        )


def _web_acl(ctx: Context) -> WebAcl | None:
    level = ctx.plan.security.waf
    if level == "off":
        return None
    with ctx.stack_keys(SECURITY_KEYS):
        return WebAcl(
            f"{ctx.prefix}-waf",
            WebAclArgs(level=level, log_retention_days=ctx.plan.security.access_log_days, tags=ctx.tags()),
            opts=pulumi.ResourceOptions(provider=us_east_1_provider(ctx)),
        )


def _alb_web_acl(ctx: Context, api: ApiService) -> WebAcl | None:
    """The load balancer's own ACL while it is public (docs/security.md, "Web firewall")."""
    level = ctx.plan.security.waf
    if level == "off":
        return None
    with ctx.stack_keys(SECURITY_KEYS):
        return WebAcl(
            f"{ctx.prefix}-api-waf",
            WebAclArgs(
                level=level,
                scope="REGIONAL",
                associate_arn=api.alb.arn,
                log_retention_days=ctx.plan.security.access_log_days,
                tags=ctx.tags(),
            ),
            ctx.opts(),
        )


def _api_edge(ctx: Context, api: ApiService) -> ApiEdge:
    """CloudFront in front of an API-only stage without a certificate (analysis.stage_plan.api_edge)."""
    assert api.vpc_origin_id is not None
    acl = _web_acl(ctx)
    return ApiEdge(
        f"{ctx.prefix}-api-edge",
        ApiEdgeArgs(
            origin_domain=api.alb_dns_name,
            vpc_origin_id=api.vpc_origin_id,
            web_acl_arn=acl.arn if acl else None,
            tags=ctx.tags(),
        ),
        ctx.opts(),
    )


def _cloudfront_logs(ctx: Context, distribution_arn: pulumi.Input[str], bucket: LogBucket) -> CloudFrontLogs:
    return CloudFrontLogs(
        f"{ctx.prefix}-web-logs",
        CloudFrontLogsArgs(
            distribution_arn=distribution_arn,
            bucket_arn=bucket.bucket_arn,
            delivery_name=f"{ctx.project}-{ctx.slug}-cloudfront",
            tags=ctx.tags(),
        ),
        opts=pulumi.ResourceOptions(provider=us_east_1_provider(ctx), depends_on=[bucket]),
    )


def _cluster(ctx: Context, region: str, network: Network | None) -> Cluster | None:
    choices = ctx.plan.components
    if not (choices.api == "ecs" or choices.ai in OLLAMA_CHOICES):
        return None
    if network is None:
        raise UserError("ECS services need the stage's network", key=f"{NAMESPACE}:api", value=choices.api)
    return Cluster(ctx.name(region, "ecs"), ClusterArgs(vpc_id=network.vpc_id, stack=ctx.stack), ctx.opts(region))


def _known_addresses(ctx: Context, region: str, cluster: Cluster | None) -> dict[str, pulumi.Input[str]]:
    plan, choices = ctx.plan, ctx.plan.components
    known: dict[str, pulumi.Input[str]] = {}
    if cluster is not None and choices.ai in OLLAMA_CHOICES and _runs_ollama(ctx, region):
        # Cloud Map names are known before the service exists, so the API can be
        # told the URL without waiting on (or cycling with) the Ollama service.
        known["ollama.url"] = pulumi.Output.concat(
            "http://", OLLAMA_SERVICE, ".", cluster.namespace_name, f":{OLLAMA_PORT}"
        )
    # The site's address, for the API's CORS origins, when it is known before the
    # site exists: a custom domain, or Vercel's production domain. Otherwise the
    # site is CloudFront serving /api/* itself (same origin, no CORS needed).
    if plan.domain:
        known["web.url"] = f"https://{plan.domain}"
    elif choices.web == "vercel":
        from components.vercel_app import production_url

        known["web.url"] = production_url(ctx.vercel_project_name)
    return known


def _ecs_outputs(parts: _Aws) -> dict[str, Any]:
    assert parts.cluster is not None
    services: dict[str, Any] = {}
    if parts.api_service is not None:
        services["api"] = {
            "name": parts.api_service.service_name,
            "taskDefinitionArn": parts.api_service.task_definition_arn,
        }
    if parts.ollama is not None:
        services["ollama"] = {"name": parts.ollama.service_name, "taskDefinitionArn": parts.ollama.task_definition_arn}
    return {"cluster": parts.cluster.cluster_name, "services": services}


def _api_image_ref(ctx: Context, parts: _Aws) -> pulumi.Input[str]:
    """The pinned image as it is (no build, no repository), or, building from source, the image built now.

    Once per stage: the primary region's parts keep it, and every region runs it.
    """
    if parts.api_image_ref is not None:
        return parts.api_image_ref
    pinned = ctx.plan.release.api_image
    if pinned is not None:
        parts.api_image_ref, parts.api_repository_url = pinned, pinned.split("@", 1)[0]
        return pinned
    image = parts.api_image = _api_image(ctx)
    parts.api_image_ref, parts.api_repository_url = image.image_ref, image.repository_url
    return image.image_ref


def _api_image(ctx: Context) -> ApiImage:
    plan, p = ctx.plan, ctx.prefix
    context = ctx.app_dir / plan.api.root
    # The analyzer names the Dockerfile from the app root; docker wants it from the context.
    dockerfile = os.path.relpath(ctx.app_dir / plan.api.dockerfile, context) if plan.api.dockerfile else None
    with ctx.stack_keys(IMAGE_KEYS):
        return ApiImage(
            f"{p}-api-image",
            ApiImageArgs(
                context_dir=str(context),
                dockerfile=dockerfile,
                entrypoint=plan.api.entrypoint,
                port=plan.api.port,
                health_path=plan.api.health_path,
                python_version=plan.api.python_version,
                dependency_files=in_build_context(plan.api.dependency_files) or None,
                dependencies=plan.api.dependencies or None,
                # No dependency file at all: what the code imports (the plan warns).
                inferred_requirements=plan.api.dependencies if not plan.api.dependency_files else None,
                build_dir=str(ctx.project_dir / ".farm-deploy" / "build" / f"{p}-api"),
                protect=ctx.protect,
            ),
            ctx.opts(),
        )


def _ecs_api(
    ctx: Context,
    region: str,
    parts: _Aws,
    alarm_topic_arn: pulumi.Input[str],
    origin_secret: pulumi.Input[str] | None,
    primary: _Aws,
) -> ApiService:
    plan, network, cluster = ctx.plan, parts.network, parts.cluster
    assert network is not None and cluster is not None
    # Built once, or pinned: every region runs the same image, pulled from the
    # registry it was pushed to (docs/multi-region.md, "Images").
    image_ref = _api_image_ref(ctx, primary)
    parts.api_image_ref, parts.api_repository_url = primary.api_image_ref, primary.api_repository_url
    with ctx.stack_keys(API_KEYS):
        return ApiService(
            ctx.name(region, "api"),
            ApiServiceArgs(
                image_ref=image_ref,
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
                environment=ctx.plain_env("api", parts.deploy_outputs),
                secrets=parts.secret_arns,
                secret_version_ids=parts.secret_versions,
                kms_key_arn=parts.kms_key.arn if parts.kms_key else None,
                access_log_bucket=parts.log_bucket.writable_bucket_name if parts.log_bucket else None,
                certificate_arn=parts.api_certificate or plan.api_certificate_arn,
                domain=api_domain(plan),
                # Across regions Route 53 picks the load balancer, so no VPC origin: see `origin_secret`.
                behind_cloudfront=(plan.components.web == "cloudfront" or api_edge(plan)) and origin_secret is None,
                origin_secret=origin_secret,
                # Ollama answers inside the VPC on its port; the API's egress is closed otherwise.
                vpc_egress_ports=[OLLAMA_PORT] if plan.components.ai in OLLAMA_CHOICES else [],
                vpc_cidr=network.vpc_cidr,
                deletion_protection=ctx.protect,
                alarm_actions=[alarm_topic_arn],
                protect=ctx.protect,
                stack=ctx.stack,
                project=ctx.project,
            ),
            ctx.opts(region),
        )


def api_domain(plan: StagePlan) -> str | None:
    """The ALB's name when the stage has a domain and a certificate for it: `api.<domain>`.

    CloudFront reaches the ALB by this name. With farm:hostedZone the program
    makes the certificate and the alias record; otherwise the operator's DNS
    points it at the ALB (output `albDnsName`) and the load balancer's
    certificate (the plan's `api_certificate_arn`, in the stage's region) must
    cover `api.<domain>`.
    """
    if plan.domain and (plan.api_certificate_arn or plan.hosted_zone):
        return f"api.{plan.domain}"
    return None


def _lambda_api(ctx: Context, parts: _Aws) -> ServerlessApi:
    plan = ctx.plan
    return ServerlessApi(
        f"{ctx.prefix}-api",
        ServerlessApiArgs(
            app_dir=str(ctx.app_dir / plan.api.root),
            entrypoint=plan.api.entrypoint,
            memory=plan.api.lambda_memory,
            timeout=plan.api.lambda_timeout,
            reserved_concurrency=plan.api.reserved_concurrency,
            environment=ctx.plain_env("api", parts.deploy_outputs),
            secret_arns=parts.secret_arns,
            # The analyzer already refused WebSockets on Lambda unless the operator
            # acknowledged `lambda-websockets`; acknowledged means "ship without them".
            realtime=False,
            python_version=plan.api.python_version,
            build_dir=str(ctx.project_dir / ".farm-deploy" / "build" / f"{ctx.prefix}-lambda"),
        ),
        ctx.opts(),
    )


def _ollama(ctx: Context, region: str, parts: _Aws) -> OllamaService:
    plan, network, cluster, api = ctx.plan, parts.network, parts.cluster, parts.api_service
    assert network is not None and cluster is not None
    with ctx.stack_keys(OLLAMA_KEYS):
        return OllamaService(
            ctx.name(region, "ollama"),
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
                api_security_group_id=api.security_group_id if api else None,
                namespace_id=cluster.namespace_id,
                namespace_name=cluster.namespace_name,
                service_name=OLLAMA_SERVICE,
                keep_alive=plan.ai.keep_alive,
                scale_to_zero=plan.ai.scale_to_zero,
                wake_metric_namespace=plan.ai.request_metric_namespace,
                idle_minutes=plan.ai.idle_minutes,
                kms_key_arn=parts.kms_key.arn if parts.kms_key else None,
                protect=ctx.protect,
            ),
            ctx.opts(region),
        )


def _static_site(
    ctx: Context, parts: _Aws, web_acl: WebAcl | None, origin_secret: pulumi.Input[str] | None
) -> StaticSite:
    plan = ctx.plan
    origin: pulumi.Input[str] | None = None
    protocol = "https-only"
    if parts.api_service is not None:
        # With a certificate, CloudFront must reach the ALB by a name the
        # certificate covers (api.<domain>), not by the ALB's own DNS name.
        domain = api_domain(plan)
        origin = domain if domain else parts.api_service.alb_dns_name
        protocol = "https-only" if domain else "http-only"
    elif parts.lambda_api is not None:
        origin = parts.lambda_api.origin_domain
    certificate = parts.site_certificate or plan.certificate_arn
    web_root = ctx.app_dir / plan.web.root
    release, prebuilt, build = None, None, None
    if plan.release.web_version is not None and plan.release.release_bucket is not None:
        # Pinned: served from the release bucket; nothing on the local disk matters.
        release = ReleasedWeb(
            bucket=plan.release.release_bucket,
            region=plan.release.release_region or plan.region,
            version=plan.release.web_version,
        )
    elif plan.web.prebuilt_dir:
        prebuilt = str((ctx.project_dir / plan.web.prebuilt_dir).resolve())
    else:
        build = WebBuild(web_root=str(web_root), build_command=plan.web.build_command, output_dir=plan.web.output_dir)
    with ctx.stack_keys(SITE_KEYS):
        return StaticSite(
            f"{ctx.prefix}-web",
            StaticSiteArgs(
                release=release,
                site_dir=prebuilt,
                build=build,
                api_origin_domain=origin,
                api_origin_protocol=protocol,
                api_vpc_origin_id=parts.api_service.vpc_origin_id if parts.api_service is not None else None,
                api_origin_headers={ORIGIN_HEADER: origin_secret} if origin_secret is not None else {},
                certificate_arn=certificate,
                aliases=[plan.domain] if plan.domain and certificate is not None else [],
                web_acl_arn=web_acl.arn if web_acl else None,
                protect=ctx.protect,
            ),
            ctx.opts(),
        )


def _monitoring(ctx: Context, region: str, parts: _Aws, topic_arn: pulumi.Input[str]) -> Monitoring:
    choices, api = ctx.plan.components, parts.api_service
    with ctx.stack_keys(MONITORING_KEYS):
        return Monitoring(
            ctx.name(region, "monitoring"),
            MonitoringArgs(
                level=choices.monitoring,
                topic_arn=topic_arn,
                alb_arn_suffix=api.alb_arn_suffix if api else None,
                target_group_arn_suffix=api.target_group_arn_suffix if api else None,
                cluster_name=parts.cluster.cluster_name if parts.cluster else None,
                api_service_name=api.service_name if api else None,
                lambda_function_name=parts.lambda_api.function_name if parts.lambda_api else None,
                ollama_service_name=parts.ollama.service_name if parts.ollama else None,
                has_ai=choices.ai != "none",
                stack=ctx.stack,
                project=ctx.project,
            ),
            ctx.opts(region),
        )
