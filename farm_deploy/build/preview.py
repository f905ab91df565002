"""StagePlan (preview) → the preview's own components, on dev's shared parts.

Dev exports one output, `previewShare`, holding the ids a preview needs (its
VPC, cluster, listener, security groups, Ollama address, Atlas project and
cluster, CloudFront policies, API image). `preview_share` builds it in dev's
program; `build_preview` reads it through a `pulumi.StackReference` and declares
only the preview's own parts: no VPC, NAT, load balancer, cluster, GPU or Atlas
cluster.

Stack references: https://www.pulumi.com/docs/iac/concepts/stacks/#stackreferences
(`get_output_details` returns the value at once, so a missing output stops
the program with one message before anything is declared).
"""

from __future__ import annotations

from typing import Any

import pulumi

from analysis.errors import UserError
from analysis.preview import DEFAULT_TTL_HOURS
from analysis.stack_config import NAMESPACE
from components.preview_api import PreviewApi, PreviewApiArgs
from components.preview_database import PreviewDatabase, PreviewDatabaseArgs
from components.preview_site import PreviewSite, PreviewSiteArgs

from .context import BuiltStage, Context

SHARE_OUTPUT = "previewShare"
# What every preview reads from dev's `previewShare` (docs/previews.md lists them).
SHARE_KEYS: tuple[str, ...] = (
    "region",
    "vpcId",
    "vpcCidr",
    "privateSubnetIds",
    "clusterArn",
    "listenerArn",
    "albSecurityGroupId",
    "apiOriginDomain",
    "apiOriginProtocol",
    "cachePolicyId",
    "responseHeadersPolicyId",
    "spaFunctionArn",
    "apiRepositoryUrl",
    "apiImage",
)
OLLAMA_KEYS: tuple[str, ...] = ("ollamaUrl", "ollamaSecurityGroupId")
DB_KEYS: tuple[str, ...] = ("atlasProjectId", "atlasClusterName", "mongoSrv", "databaseName")
OLLAMA_CHOICES = ("ollama-gpu", "ollama-cpu")


# --------------------------------------------------------------------------- dev's side


def preview_share(ctx: Context, parts: Any) -> dict[str, Any] | None:
    """What dev exports for its previews; None when dev is not an ECS stage behind CloudFront."""
    from .aws import api_domain

    api, net, cluster, site = parts.api_service, parts.network, parts.cluster, parts.site
    if api is None or net is None or cluster is None or site is None or parts.api_image is None:
        return None
    domain = api_domain(ctx.plan)
    share: dict[str, Any] = {
        "region": ctx.plan.region,
        "vpcId": net.vpc_id,
        "vpcCidr": net.vpc_cidr,
        "privateSubnetIds": net.private_subnet_ids,
        "clusterArn": cluster.cluster_arn,
        # The listener that forwards to dev's API: HTTPS with a certificate, else HTTP.
        "listenerArn": api.listeners[0].arn,
        "albSecurityGroupId": api.alb_sg.id,
        "apiOriginDomain": domain if domain else api.alb_dns_name,
        "apiOriginProtocol": "https-only" if domain else "http-only",
        "cachePolicyId": site.cache_policy.id,
        "responseHeadersPolicyId": site.headers_policy.id,
        "spaFunctionArn": site.spa_function.arn,
        "apiRepositoryUrl": parts.api_image.repository_url,
        "apiImage": parts.api_image.image_ref,
        # Names of dev's API secrets (Secrets Manager ARNs, never values), read by previews.
        "secretArns": {k: v for k, v in parts.secret_arns.items() if k != ctx.plan.db.uri_env},
    }
    # An internal load balancer behind a CloudFront VPC origin: previews reach it through the same origin.
    vpc_origin = getattr(api, "vpc_origin_id", None)
    if vpc_origin is not None:
        share["vpcOriginId"] = vpc_origin
    if parts.ollama is not None:
        share["ollamaUrl"] = parts.ollama.url
        share["ollamaSecurityGroupId"] = parts.ollama.security_group_id
    if parts.db is not None:
        share["atlasProjectId"] = parts.db.project_id
        share["atlasClusterName"] = parts.db.cluster_name
        share["mongoSrv"] = parts.db.cluster.connection_strings.apply(lambda cs: cs.standard_srv if cs else None)
        share["databaseName"] = ctx.plan.db.database_name
    return share


# --------------------------------------------------------------------------- the preview


def read_share(ctx: Context) -> dict[str, Any]:
    """dev's `previewShare`, checked: one message naming the first output missing."""
    from pulumi.runtime.sync_await import _sync_await

    preview = ctx.plan.preview
    assert preview is not None
    ref = pulumi.StackReference(f"{ctx.prefix}-dev", stack_name=preview.dev_stack)
    details = _sync_await(ref.get_output_details(SHARE_OUTPUT))
    share = details.value if details.value is not None else details.secret_value
    hint = (
        f"run `pulumi up --stack {preview.dev_stack}` with this version of farm-deploy, "
        f"or point {NAMESPACE}:previewDevStack at the dev stack"
    )
    if not isinstance(share, dict):
        raise UserError(
            f"the dev stack {preview.dev_stack} has no output {SHARE_OUTPUT}",
            file=ctx.stack_file,
            key=SHARE_OUTPUT,
            hint=hint,
        )
    needed = list(SHARE_KEYS)
    if ctx.plan.components.ai in OLLAMA_CHOICES:
        needed += OLLAMA_KEYS
    if ctx.plan.components.db != "none":
        needed += DB_KEYS
    for key in needed:
        if share.get(key) in (None, "", []):
            raise UserError(
                f"the dev stack {preview.dev_stack} has no output {SHARE_OUTPUT}.{key}",
                file=ctx.stack_file,
                key=f"{SHARE_OUTPUT}.{key}",
                hint=hint,
            )
    if share["region"] != ctx.plan.region:
        raise UserError(
            f"the preview runs in {ctx.plan.region} but dev {preview.dev_stack} is in {share['region']}",
            file=ctx.stack_file,
            key="aws:region",
            value=ctx.plan.region,
            hint="a preview shares dev's VPC and load balancer, so it runs in dev's region",
        )
    return share


def lifetime_tags(ctx: Context) -> dict[str, str]:
    """On every preview resource: what the sweeper and the teardown guard read."""
    preview = ctx.plan.preview
    assert preview is not None
    tags = {
        **ctx.tags(),
        "farm:preview": ctx.stack,
        "farm:ttl-hours": str(preview.ttl_hours or DEFAULT_TTL_HOURS),
        "farm:dev-stack": preview.dev_stack,
    }
    if preview.pr_number is not None:
        tags["farm:preview-pr"] = str(preview.pr_number)
    return tags


def _tag_everything(tags: dict[str, str]) -> None:
    """Lifetime tags on every AWS resource that takes tags, the components' children included."""
    from farm_deploy.cost_program import LIST_TAGS, UNTAGGED

    def transform(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if not args.type_.startswith("aws:") or args.type_ in LIST_TAGS | UNTAGGED or "tags" not in (args.props or {}):
            return None
        props = dict(args.props)
        given = props.get("tags")
        props["tags"] = (
            dict(tags) if given is None else pulumi.Output.from_input(given).apply(lambda t: {**(t or {}), **tags})
        )
        return pulumi.ResourceTransformationResult(props=props, opts=args.opts)

    pulumi.runtime.register_stack_transformation(transform)


def _image(ctx: Context, share: dict[str, Any]) -> str:
    """The release built for the pull request (its pin), else the image dev runs."""
    tag = ctx.plan.release.api_image_tag
    if tag and "@sha256:" in tag:
        return tag
    if tag:
        return f"{share['apiRepositoryUrl']}:{tag}"
    return str(share["apiImage"])


def _task(share: dict[str, Any], api: PreviewApi, arn: pulumi.Output[str] | None) -> dict[str, Any] | None:
    if arn is None:
        return None
    return {
        "cluster": share["clusterArn"],
        "taskDefinitionArn": arn,
        "subnets": share["privateSubnetIds"],
        "securityGroup": api.security_group_id,
    }


def build_preview(ctx: Context) -> BuiltStage:
    plan = ctx.plan
    preview = plan.preview
    assert preview is not None
    share = read_share(ctx)
    tags = lifetime_tags(ctx)
    _tag_everything(tags)
    built = BuiltStage(plan=plan, region=plan.region)

    secrets: dict[str, pulumi.Input[str]] = dict(share.get("secretArns") or {})
    db = None
    if plan.components.db != "none":
        assert preview.database_name is not None
        db = PreviewDatabase(
            f"{ctx.prefix}-db",
            PreviewDatabaseArgs(
                project_id=share["atlasProjectId"],
                cluster_name=share["atlasClusterName"],
                srv=share["mongoSrv"],
                dev_database_name=share["databaseName"],
                database_name=preview.database_name,
                username=f"{ctx.project}-{ctx.slug}-api",
                tags=tags,
            ),
        )
        secrets[plan.db.uri_env] = db.connection_secret_arn
    known: dict[str, pulumi.Input[str]] = {}
    if plan.components.ai in OLLAMA_CHOICES:
        known["ollama.url"] = share["ollamaUrl"]

    api = PreviewApi(
        f"{ctx.prefix}-api",
        PreviewApiArgs(
            image_ref=_image(ctx, share),
            vpc_id=share["vpcId"],
            vpc_cidr=share["vpcCidr"],
            private_subnet_ids=share["privateSubnetIds"],
            cluster_arn=share["clusterArn"],
            listener_arn=share["listenerArn"],
            alb_security_group_id=share["albSecurityGroupId"],
            route_priority=preview.route_priority,
            route_header=preview.route_header,
            route_value=preview.route_value,
            port=plan.api.port,
            health_path=plan.api.health_path,
            cpu=plan.api.cpu,
            memory=plan.api.memory,
            count=plan.api.min_count,
            environment=ctx.plain_env("api", known),
            secrets=secrets,
            ollama_security_group_id=share.get("ollamaSecurityGroupId") if "ollama.url" in known else None,
            drop_database_env=plan.db.uri_env if db is not None else None,
            seed_command=preview.seed_command,
            tags=tags,
            stack=ctx.stack,
            project=ctx.project,
        ),
    )
    site = PreviewSite(
        f"{ctx.prefix}-web",
        PreviewSiteArgs(
            api_origin_domain=share["apiOriginDomain"],
            api_origin_protocol=share["apiOriginProtocol"],
            vpc_origin_id=share.get("vpcOriginId"),
            cache_policy_id=share["cachePolicyId"],
            response_headers_policy_id=share["responseHeadersPolicyId"],
            spa_function_arn=share["spaFunctionArn"],
            route_header=preview.route_header,
            route_value=preview.route_value,
            tags=tags,
        ),
    )
    built.web_url = site.url
    # Same origin: the API is the site's /api/*.
    built.api_url = site.url
    built.log_groups["api"] = api.log_group_name
    built.ecs = {
        "cluster": share["clusterArn"],
        "services": {"api": {"name": api.service_name, "taskDefinitionArn": api.task_definition_arn}},
    }
    built.extra["preview"] = {
        "devStack": preview.dev_stack,
        "pullRequest": preview.pr_number,
        "webBucket": site.bucket_name,
        "distributionId": site.distribution_id,
        "database": preview.database_name,
        "databaseSecretArn": db.connection_secret_arn if db is not None else None,
        "ttlHours": preview.ttl_hours,
        # What `farm-deploy preview drop-database` runs at teardown, inside dev's VPC.
        "dropDatabaseTask": _task(share, api, api.drop_task_definition_arn),
        # What `farm-deploy preview seed` runs once, on the new database.
        "seedTask": _task(share, api, api.seed_task_definition_arn),
    }
    return built
