"""A stage in several regions (docs/multi-region.md): the same components in each, each origin checked.

Region of a resource: the builder names a further region's resources
`farm-<stack>-<region>-...` and leaves the primary region's names as a
single-region stage has them, so a resource's region is read from its name and
`farm-prod-eu-west-1-api-alb` is the eu-west-1 counterpart of `farm-prod-api-alb`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ._base import Rule, RuleContext, StackResource, StackViolation, field, items, of_type, truthy
from .order import LOAD_BALANCER, _admits_only_prefix_lists

# What a region must hold for its API to serve: network, cluster, service, load
# balancer and its listeners, alarms, the DNS record and health check that route to it.
REGIONAL_TYPES = (
    "aws:ec2/vpc:Vpc",
    "aws:ec2/natGateway:NatGateway",
    "aws:ecs/cluster:Cluster",
    "aws:ecs/service:Service",
    "aws:ecs/taskDefinition:TaskDefinition",
    LOAD_BALANCER,
    "aws:lb/listener:Listener",
    "aws:lb/listenerRule:ListenerRule",
    "aws:lb/targetGroup:TargetGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:route53/healthCheck:HealthCheck",
    "aws:sns/topic:Topic",
    "aws:kms/key:Key",
)
LISTENER = "aws:lb/listener:Listener"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
# A region token inside a name: `-eu-west-1-`, `-us-gov-west-1-`, `-ap-southeast-2-`.
_REGION_IN_NAME = re.compile(r"-((?:[a-z]{2})(?:-gov)?-[a-z]+-\d)-")


def region_of(name: str) -> tuple[str | None, str]:
    """(the further region named in `name`, or None for the primary; the name without it)."""
    match = _REGION_IN_NAME.search(name)
    if match is None:
        return None, name
    return match.group(1), name[: match.start()] + name[match.end() - 1 :]


def _same_components(resources: list[StackResource], ctx: RuleContext) -> Iterator[StackViolation]:
    by_region: dict[str, dict[str, StackResource]] = {}
    for r in of_type(resources, *REGIONAL_TYPES):
        region, base = region_of(r.name)
        # Ollama runs where farm:aiRegions says; the plan checks those regions itself.
        if "-ollama" in base:
            continue
        by_region.setdefault(region or ctx.region or "primary", {})[base] = r
    if len(by_region) < 2:
        return
    every = set().union(*(set(names) for names in by_region.values()))
    for region, names in sorted(by_region.items()):
        for missing in sorted(every - set(names)):
            have = next(r for r, n in sorted(by_region.items()) if missing in n)
            example = by_region[have][missing]
            yield StackViolation(
                example,
                f"{region} has no counterpart of {missing} ({example.type}), which {have} has: "
                "every region of the stage must hold the same components",
            )


def _public_origins_checked(resources: list[StackResource], ctx: RuleContext) -> Iterator[StackViolation]:
    listeners = of_type(resources, LISTENER)
    rules = of_type(resources, LISTENER_RULE)
    for lb in of_type(resources, LOAD_BALANCER):
        if truthy(field(lb.props, "internal", default=False)) or not _admits_only_prefix_lists(lb, resources):
            continue
        mine = [x for x in listeners if x.refers_to("loadBalancerArn", lb)]
        for listener in mine:
            defaults = items(listener.props, "defaultActions")
            if any(field(a, "type") == "forward" for a in defaults):
                yield StackViolation(
                    listener,
                    f"forwards every request to {lb.name}'s targets: the CloudFront prefix list admits every "
                    "distribution of every AWS customer; answer 403 by default and forward only requests with "
                    "the origin header CloudFront adds",
                )
                continue
            checked = [
                rule
                for rule in rules
                if rule.refers_to("listenerArn", listener)
                and any(field(c, "httpHeader") for c in items(rule.props, "conditions"))
            ]
            if not checked:
                yield StackViolation(
                    listener, f"on {lb.name} forwards no request that carries CloudFront's origin header"
                )


RULES: tuple[Rule, ...] = (
    Rule(
        id="regions-same-components",
        description="Every region of a stage in several regions holds the same components "
        "(network, cluster, API service, load balancer, alarms, routing), Ollama aside.",
        mirrors=("AWS Well-Architected REL10-BP01 (multi-location deployment)",),
        level="mandatory",
        resource_types=REGIONAL_TYPES,
        validate_stack=_same_components,
        remediation="declare each region's components through the same builder (farm:regions)",
    ),
    Rule(
        id="alb-cloudfront-origin-verified",
        description="An internet-facing load balancer that admits only CloudFront answers 403 unless the "
        "request carries the origin header CloudFront adds.",
        mirrors=("AWS CloudFront: restrict access to Application Load Balancers (custom header)",),
        level="mandatory",
        resource_types=(LOAD_BALANCER, LISTENER, LISTENER_RULE),
        validate_stack=_public_origins_checked,
        remediation="a fixed-response 403 default action, and a listener rule forwarding on the header",
    ),
)
