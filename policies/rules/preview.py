"""Pull-request previews: teardown always works, nothing expensive is duplicated, every resource says when it goes.

A preview shares dev's VPC and NAT, cluster, load balancer, GPU capacity and
Atlas cluster (docs/previews.md); declaring one of those is a mistake that
costs a dev stack's worth a month per pull request. Its database user reads and
writes only the preview's own database, so a preview can never reach dev's data.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ._base import Rule, RuleContext, StackResource, StackViolation, field, items

PREVIEW = ("preview",)
# The expensive parts a preview shares with dev instead of declaring.
SHARED_TYPES: dict[str, str] = {
    "aws:ec2/vpc:Vpc": "a VPC",
    "aws:ec2/natGateway:NatGateway": "a NAT gateway",
    "aws:ec2/eip:Eip": "an Elastic IP (NAT)",
    "aws:lb/loadBalancer:LoadBalancer": "a load balancer",
    "aws:alb/loadBalancer:LoadBalancer": "a load balancer",
    "aws:ecs/cluster:Cluster": "an ECS cluster",
    "aws:autoscaling/group:Group": "EC2 capacity (GPU hosts)",
    "aws:ec2/launchTemplate:LaunchTemplate": "EC2 capacity (GPU hosts)",
    "aws:ecs/capacityProvider:CapacityProvider": "EC2 capacity (GPU hosts)",
    "aws:ec2/instance:Instance": "an EC2 instance",
    "mongodbatlas:index/advancedCluster:AdvancedCluster": "an Atlas cluster",
    "mongodbatlas:index/flexCluster:FlexCluster": "an Atlas cluster",
    "mongodbatlas:index/cluster:Cluster": "an Atlas cluster",
    "mongodbatlas:index/project:Project": "an Atlas project",
}
LIFETIME_KEYS: tuple[str, ...] = ("farm:preview", "farm:ttl-hours")
DB_USER = "mongodbatlas:index/databaseUser:DatabaseUser"
# Built-in roles limited to one database (https://www.mongodb.com/docs/manual/reference/built-in-roles/).
ONE_DATABASE_ROLES = frozenset({"read", "readWrite", "dbAdmin"})


def _not_protected(resources: list[StackResource], ctx: RuleContext) -> Iterable[StackViolation]:
    for r in resources:
        if r.protect:
            yield StackViolation(r, f"{r.name} is protected: a preview's `pulumi destroy` would stop on it")


def _nothing_shared(resources: list[StackResource], ctx: RuleContext) -> Iterable[StackViolation]:
    for r in resources:
        what = SHARED_TYPES.get(r.type)
        if what is not None:
            yield StackViolation(r, f"{r.name} declares {what}: a preview shares dev's through the stack reference")


def _labels(props: Mapping[str, Any]) -> dict[str, Any]:
    return {str(label.get("key")): label.get("value") for label in items(props, "labels") if isinstance(label, dict)}


def _lifetime_tags(resources: list[StackResource], ctx: RuleContext) -> Iterable[StackViolation]:
    for r in resources:
        if r.type.startswith("aws:") and "tags" in r.props:
            tags = field(r.props, "tags", default={}) or {}
        elif r.type == DB_USER:
            tags = _labels(r.props)
        else:
            continue  # takes no tags (rules, policies, random values)
        missing = [k for k in LIFETIME_KEYS if not tags.get(k)]
        if missing:
            yield StackViolation(r, f"{r.name} lacks the lifetime tag(s) {', '.join(missing)}")


def _own_database_only(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    preview = _labels(props).get("farm:preview")
    roles = items(props, "roles")
    if not roles:
        yield "the preview's database user has no roles"
        return
    databases = set()
    for role in roles:
        name, database = field(role, "roleName"), field(role, "databaseName")
        if name not in ONE_DATABASE_ROLES:
            yield f"role {name} reaches beyond one database (allowed: {', '.join(sorted(ONE_DATABASE_ROLES))})"
        if not database or database in ("admin", "local", "config"):
            yield f"role {name} names no database of the preview's own ({database!r})"
        databases.add(database)
    if len(databases) > 1:
        yield f"the user's roles name several databases ({', '.join(sorted(map(str, databases)))}): only its own"
    elif preview and not str(next(iter(databases))).endswith(f"-{preview}"):
        yield f"the user's database {next(iter(databases))!r} is not the preview's own (…-{preview})"
    scopes = items(props, "scopes")
    if len(scopes) != 1 or field(scopes[0], "type") != "CLUSTER":
        yield "the user must be scoped to dev's one cluster (one CLUSTER scope)"


RULES: tuple[Rule, ...] = (
    Rule(
        id="preview-no-protected-resources",
        description="A preview protects nothing, so `pulumi destroy` on pull-request close always completes.",
        mirrors=("Pulumi protect option", "docs/previews.md: teardown"),
        level="mandatory",
        resource_types=("*:*:*",),
        validate_stack=_not_protected,
        stages=PREVIEW,
    ),
    Rule(
        id="preview-shares-dev",
        description="A preview declares no VPC, NAT, load balancer, cluster, GPU capacity or Atlas cluster: "
        "it shares dev's.",
        mirrors=("docs/previews.md: what a preview shares",),
        level="mandatory",
        resource_types=tuple(SHARED_TYPES),
        validate_stack=_nothing_shared,
        stages=PREVIEW,
        remediation="plan the stack as a preview (pr-<n> or farm:stage: preview) against a dev stack",
    ),
    Rule(
        id="preview-lifetime-tags",
        description="Every preview resource carries farm:preview and farm:ttl-hours, read by the sweeper.",
        mirrors=("AWSGuard required tags", "docs/previews.md: sweeper"),
        level="mandatory",
        resource_types=("aws:*:*", DB_USER),
        validate_stack=_lifetime_tags,
        stages=PREVIEW,
    ),
    Rule(
        id="preview-db-user-own-database",
        description="A preview's database user has only single-database roles, all on its own database, "
        "scoped to one cluster: it can never reach dev's data.",
        mirrors=("Atlas least-privilege database users",),
        level="mandatory",
        resource_types=(DB_USER,),
        validate=_own_database_only,
        stages=PREVIEW,
    ),
)
