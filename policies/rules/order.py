"""Over the dependency graph: what must exist before what, and what must not be reachable.

These rules read `StackResource.dependencies` (what a resource waits for before
it is created: its `depends_on` and every resource an input was computed from),
which both the live engine (`PolicyResource.dependencies`) and the offline
recorder provide.
"""

from __future__ import annotations

from collections.abc import Iterator

from ._base import Rule, RuleContext, StackResource, StackViolation, field, items, of_type, truthy, waits_for

SECRET = "aws:secretsmanager/secret:Secret"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
ECS_SERVICE = "aws:ecs/service:Service"
LAMBDA_FUNCTION = "aws:lambda/function:Function"
VERCEL_DEPLOYMENT = "vercel:index/deployment:Deployment"
VERCEL_ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
VERCEL_ENV_VARS = "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
RECORD = "aws:route53/record:Record"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LISTENER = "aws:lb/listener:Listener"

READERS = (ECS_SERVICE, LAMBDA_FUNCTION)


def _sets_value_of(version: StackResource, secret: StackResource) -> bool:
    return version.refers_to("secretId", secret) or secret.urn in version.dependencies


def _sensitive(variable: StackResource) -> bool:
    if variable.type == VERCEL_ENV_VAR:
        return truthy(field(variable.props, "sensitive", default=False))
    return any(truthy(field(v, "sensitive", default=False)) for v in items(variable.props, "variables"))


def _readers_wait_for_secret_values(resources: list[StackResource], ctx: RuleContext) -> Iterator[StackViolation]:
    closure = waits_for(resources)
    secrets = of_type(resources, SECRET)
    versions = of_type(resources, SECRET_VERSION)
    for reader in of_type(resources, *READERS):
        before = closure.get(reader.urn, frozenset())
        for secret in secrets:
            if secret.urn not in before:
                continue
            values = [v for v in versions if _sets_value_of(v, secret)]
            if not values:
                yield StackViolation(
                    reader,
                    f"reads secret {secret.name}, which no SecretVersion in this stack sets: its value would be empty",
                )
            elif not any(v.urn in before for v in values):
                yield StackViolation(
                    reader,
                    f"reads secret {secret.name} but is not made to wait for its value ({values[0].name}): "
                    "tasks could start before the value exists; depend on the SecretVersion",
                )


def _deployments_wait_for_sensitive_variables(
    resources: list[StackResource], ctx: RuleContext
) -> Iterator[StackViolation]:
    # A Vercel deployment builds with its project's environment as it is at that
    # moment: a sensitive variable created after it is missing from that build.
    closure = waits_for(resources)
    variables = [v for v in of_type(resources, VERCEL_ENV_VAR, VERCEL_ENV_VARS) if _sensitive(v)]
    for deployment in of_type(resources, VERCEL_DEPLOYMENT):
        before = closure.get(deployment.urn, frozenset())
        projects = {u for u in deployment.links.get("projectId", frozenset())}
        for variable in variables:
            same_project = bool(projects & variable.links.get("projectId", frozenset())) or (
                field(variable.props, "projectId") is not None
                and field(variable.props, "projectId") == field(deployment.props, "projectId")
            )
            if same_project and variable.urn not in before:
                yield StackViolation(
                    deployment,
                    f"does not wait for the sensitive environment variable {variable.name} of its project: "
                    "the build could run without it",
                )


def _admits_only_prefix_lists(lb: StackResource, resources: list[StackResource]) -> bool:
    """Every ingress to the load balancer's security groups comes from a managed prefix list.

    That is how an ALB is kept for CloudFront alone (the
    com.amazonaws.global.cloudfront.origin-facing list), also when the
    distribution names it by a DNS name the stack does not declare.
    """
    groups = [g for g in of_type(resources, SECURITY_GROUP) if lb.refers_to("securityGroups", g)]
    if not groups:
        return False
    sources: list[bool] = []
    for group in groups:
        sources += [
            bool(items(r, "prefixListIds")) and not items(r, "cidrBlocks") for r in items(group.props, "ingress")
        ]
    for rule in of_type(resources, SG_INGRESS_RULE):
        if any(rule.refers_to("securityGroupId", g) for g in groups):
            sources.append(bool(field(rule.props, "prefixListId")))
    return bool(sources) and all(sources)


def _origin_only_albs_internal(resources: list[StackResource], ctx: RuleContext) -> Iterator[StackViolation]:
    fronts = of_type(resources, DISTRIBUTION, VPC_ORIGIN)
    records = of_type(resources, RECORD)
    for lb in of_type(resources, LOAD_BALANCER):
        if field(lb.props, "loadBalancerType", default="application") != "application":
            continue
        behind_cloudfront = any(
            lb.urn in f.links.get("origins", frozenset()) | f.links.get("vpcOriginEndpointConfig", frozenset())
            for f in fronts
        ) or (bool(fronts) and _admits_only_prefix_lists(lb, resources))
        # A DNS name of its own means clients are meant to reach it directly.
        published = any(lb.urn in r.links.get("aliases", frozenset()) for r in records)
        if behind_cloudfront and not published and not truthy(field(lb.props, "internal", default=False)):
            yield StackViolation(
                lb,
                "is only used as a CloudFront origin but is internet-facing: anyone can reach it around "
                "CloudFront (the origin-facing prefix list admits every distribution of every AWS customer); "
                "make it internal behind a CloudFront VPC origin",
            )


def _origin_tags_true(resources: list[StackResource], ctx: RuleContext) -> Iterator[StackViolation]:
    from .network import ORIGIN_ACCESS_TAG, VPC_ORIGIN_ACCESS

    origins = of_type(resources, VPC_ORIGIN)
    lbs = of_type(resources, LOAD_BALANCER)
    for listener in of_type(resources, LISTENER):
        if field(listener.props, "tags", ORIGIN_ACCESS_TAG) != VPC_ORIGIN_ACCESS:
            continue
        lb = next((b for b in lbs if listener.refers_to("loadBalancerArn", b)), None)
        internal = lb is not None and truthy(field(lb.props, "internal", default=False))
        fronted = lb is not None and any(lb.urn in o.links.get("vpcOriginEndpointConfig", frozenset()) for o in origins)
        if not (internal and fronted):
            yield StackViolation(
                listener,
                f"is tagged {ORIGIN_ACCESS_TAG}={VPC_ORIGIN_ACCESS}, but its load balancer is "
                + ("not internal" if not internal else "no CloudFront VPC origin's target")
                + ": the tag would exempt a plain HTTP listener viewers can reach",
            )


RULES: tuple[Rule, ...] = (
    Rule(
        id="secret-readers-wait-for-value",
        description="A service or function that reads a secret depends on the secret's value "
        "(its SecretVersion), so it never starts before the value exists.",
        mirrors=("Pulumi dependsOn (no checkov/trivy equivalent)",),
        level="mandatory",
        resource_types=(*READERS, SECRET, SECRET_VERSION),
        validate_stack=_readers_wait_for_secret_values,
        remediation="pass the SecretVersion (not only the Secret) to the reader, or add it to depends_on",
    ),
    Rule(
        id="vercel-deployment-waits-for-secrets",
        description="A Vercel deployment depends on every sensitive environment variable of its project.",
        mirrors=("Pulumi dependsOn (no checkov/trivy equivalent)",),
        level="mandatory",
        resource_types=(VERCEL_DEPLOYMENT, VERCEL_ENV_VAR, VERCEL_ENV_VARS),
        validate_stack=_deployments_wait_for_sensitive_variables,
        remediation="create the variable before the deployment, or add it to the deployment's depends_on",
    ),
    Rule(
        id="listener-origin-tag-verified",
        description="A listener tagged as reached only through a CloudFront VPC origin belongs to an internal "
        "load balancer that a VPC origin targets.",
        mirrors=("AWS FSBP CloudFront (VPC origins)",),
        level="mandatory",
        resource_types=(LISTENER, LOAD_BALANCER, VPC_ORIGIN),
        validate_stack=_origin_tags_true,
        remediation="remove the tag, or make the load balancer internal behind an aws.cloudfront.VpcOrigin",
    ),
    Rule(
        id="alb-cloudfront-origin-internal",
        description="A load balancer used only as a CloudFront origin is internal, reached through a VPC origin.",
        mirrors=("AWS FSBP CloudFront (VPC origins)",),
        level="mandatory",
        resource_types=(LOAD_BALANCER, DISTRIBUTION, VPC_ORIGIN, RECORD, SECURITY_GROUP, SG_INGRESS_RULE),
        validate_stack=_origin_only_albs_internal,
        remediation="internal=True in private subnets, an aws.cloudfront.VpcOrigin for it, no public listener",
    ),
)
