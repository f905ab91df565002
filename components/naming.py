"""Names the clouds accept: one place for every rule about a physical name.

Pure functions (no Pulumi import): the builder derives the stack's prefix with
`stack_slug`, the components name load balancers, task families, dashboards
and service-discovery namespaces with the rest.
"""

from __future__ import annotations

import hashlib
import re

# Load balancer and target group names: at most 32 characters, letters, digits
# and hyphens, not starting with "internal-"
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html).
# Pulumi's autonaming appends "-" and 7 random characters and refuses (at
# `pulumi up`, not under the mocks) a logical name longer than 24; it does not
# replace the "." and "_" that Pulumi stack names may contain.
LB_NAME_MAX = 32
_AUTONAME_SUFFIX = 8
_LB_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?")
# ECS task definition families: letters, digits, "_" and "-", up to 255.
_FAMILY_INVALID = re.compile(r"[^A-Za-z0-9_-]+")


def stack_slug(stack: str) -> str:
    """The stack name as AWS, Atlas and Vercel names accept it.

    Pulumi allows `.`, `_` and capitals in stack names; S3 buckets, ECR
    repositories, capacity providers and Vercel projects do not, and the
    load balancer's 32 characters leave room for about a dozen.
    """
    slug = re.sub(r"[^a-z0-9-]+", "-", stack.lower()).strip("-")
    return slug[:16].rstrip("-") or "stack"


def lb_name(logical: str, *replace_keys: object) -> str | None:
    """Physical name for an ALB or target group, or None to keep Pulumi's autonaming.

    Short, valid logical names keep autonaming, so existing stacks keep their
    resources. Others (long or dotted stack names) get a deterministic name:
    the sanitised, truncated logical name and a hash of it and of
    `replace_keys`, the inputs whose change replaces the resource, so a
    replacement gets a new name instead of colliding with the old one.
    """
    fits = len(logical) + _AUTONAME_SUFFIX <= LB_NAME_MAX
    if fits and _LB_NAME.fullmatch(logical) and not logical.startswith("internal-"):
        return None
    digest = hashlib.sha256("|".join(map(str, (logical, *replace_keys))).encode()).hexdigest()[:8]
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", logical).strip("-")
    cleaned = cleaned.removeprefix("internal-")  # reserved by ELB for internal load balancers
    prefix = cleaned[: LB_NAME_MAX - len(digest) - 1].rstrip("-")
    return f"{prefix}-{digest}" if prefix else digest


def task_family(name: str) -> str:
    """An ECS task definition family from a free-form name (stack names may hold ".")."""
    return _FAMILY_INVALID.sub("-", name)[:255]


def valid_dashboard_name(name: str) -> str:
    """CloudWatch accepts only letters, digits, "-" and "_" (stack names may hold ".")."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name)[:255]


def default_namespace(stack: str) -> str:
    """The private DNS zone for service discovery: `<stack>.farm.internal`."""
    label = re.sub(r"[^a-z0-9-]+", "-", stack.lower()).strip("-")[:63] or "stack"
    return f"{label}.farm.internal"
