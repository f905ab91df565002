"""The `preview` stage: a pull request's own API and front end on dev's shared parts.

A preview stack is named `pr-<number>` (or sets `farm:stage: preview`). It is
planned as dev is, then cut down to what is its own: one small API task, its
front-end bucket and distribution, a listener rule with its own target group on
dev's load balancer, and an Atlas database user limited to a database of its
own. The VPC and its NAT, the ECS cluster, the load balancer, Ollama and the
Atlas cluster are dev's, read through a stack reference (`farm:previewDevStack`).

Pure: no Pulumi import. `farm_deploy/build/preview.py` declares the resources.
"""

from __future__ import annotations

import re

from .errors import UserError
from .models import PreviewSettings, StagePlan
from .stack_config import NAMESPACE

PREVIEW_STAGE = "preview"
DEFAULT_DEV_STACK = "dev"
# `pr-<n>`, optionally with the org (and project) Pulumi accepts before it.
_PREVIEW_NAME = re.compile(r"^(?:.*/)?pr-(?P<number>[^/]*)$")
# ALB listener rule priorities run from 1 to 50000
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html).
MAX_PRIORITY = 50000
# The header the preview's CloudFront distribution adds to every /api/* request it
# forwards; dev's listener routes on it (an `http-header` condition).
ROUTE_HEADER = "X-Farm-Preview"
# What the sweeper and the CI guard read: every preview resource carries these tags.
LIFETIME_TAGS = ("farm:preview", "farm:preview-pr", "farm:ttl-hours")
DEFAULT_TTL_HOURS = 168
# Platforms whose previews the stage cannot build on dev's shared parts.
OWN_PREVIEWS = {
    "vercel": "Vercel builds a preview deployment for every pull request itself: "
    "connect the repository in Vercel and use those (https://vercel.com/docs/deployments/environments#preview-environment-pre-production)",
}


def is_preview_name(stack: str) -> bool:
    return _PREVIEW_NAME.match(stack) is not None


def pr_number(stack: str, *, file: str | None = None) -> int | None:
    """The pull request number of a `pr-<n>` stack; None for other names; an error for `pr-abc`."""
    match = _PREVIEW_NAME.match(stack)
    if match is None:
        return None
    text = match.group("number")
    if not text.isdigit() or int(text) < 1:
        raise UserError(
            "a preview stack is named pr-<pull request number>, and this is not a number",
            file=file,
            key="stack",
            value=stack,
            hint="name the stack after the pull request, e.g. pr-123",
        )
    return int(text)


def route_priority(stack: str, number: int | None) -> int:
    """The listener rule's priority: the PR number, so two open previews never share one."""
    if number is not None:
        return (number - 1) % (MAX_PRIORITY - 1) + 1
    # A stack named otherwise: a stable number from its name.
    return sum(ord(c) * (i + 1) for i, c in enumerate(stack)) % (MAX_PRIORITY - 1) + 1


def preview_database(dev_database: str, slug: str) -> str:
    """The preview's own database on dev's cluster, never dev's: `<dev db>-<slug>`.

    MongoDB database names are at most 64 bytes and may not hold `/\\. "$`
    (https://www.mongodb.com/docs/manual/reference/limits/#naming-restrictions).
    """
    name = re.sub(r'[/\\. "$]', "-", f"{dev_database}-{slug}")
    return name[:63]


def preview_slug(stack: str) -> str:
    """The stack's own name (`org/pr-123` -> `pr-123`), as header values and database names take it."""
    return re.sub(r"[^a-z0-9-]", "-", stack.rsplit("/", 1)[-1].lower())


def check_platform(platform: str | None, *, file: str) -> None:
    """Before planning anything: previews share an ECS dev stack; Vercel has previews of its own."""
    if platform in OWN_PREVIEWS:
        raise UserError(
            f"a preview stage cannot share a {platform} dev stack",
            file=file,
            key=f"{NAMESPACE}:stage",
            value=PREVIEW_STAGE,
            hint=OWN_PREVIEWS[platform],
        )
    if platform is not None and platform != "aws":
        raise UserError(
            f"a preview shares dev's ECS cluster and load balancer; dev here is {platform}",
            file=file,
            key=f"{NAMESPACE}:platform",
            value=platform,
            valid=["aws"],
            hint="previews need an ECS dev stack; on other platforms use the platform's own previews",
        )


def apply_preview(
    plan: StagePlan, *, stack: str, dev_stack: str | None, file: str, seed: str | None = None
) -> StagePlan:
    """Turn dev's plan into the preview's: its own small parts, the rest shared."""
    slug = preview_slug(stack)
    check_platform(plan.platform, file=file)
    if plan.platform != "aws" or plan.components.api != "ecs":
        raise UserError(
            f"a preview shares dev's ECS cluster and load balancer; dev here is {plan.platform} "
            f"with api {plan.components.api}",
            file=file,
            key=f"{NAMESPACE}:stage",
            value=PREVIEW_STAGE,
            valid=["aws with api ecs"],
            hint="previews need an ECS dev stack; on other platforms use the platform's own previews",
        )
    if plan.components.web not in ("cloudfront", "none"):
        raise UserError(
            f"a preview serves its front end through CloudFront; dev's web is {plan.components.web}",
            file=file,
            key=f"{NAMESPACE}:web",
            value=plan.components.web,
            valid=["cloudfront", "none"],
        )
    number = pr_number(stack, file=file)
    plan.stage = PREVIEW_STAGE
    plan.protect_stateful = False
    plan.components.monitoring = "basic"
    # The smallest Fargate task, one of it: a preview is for clicking through, not load.
    plan.api.cpu, plan.api.memory, plan.api.min_count, plan.api.max_count = 256, 512, 1, 1
    plan.domain = None
    plan.certificate_arn = plan.api_certificate_arn = None
    plan.alarm_email = None
    plan.cost = None  # priced from what the preview declares (farm-deploy plan)
    dev = dev_stack or DEFAULT_DEV_STACK
    plan.preview = PreviewSettings(
        dev_stack=dev,
        pr_number=number,
        route_priority=route_priority(stack, number),
        route_header=ROUTE_HEADER,
        route_value=slug,
        database_name=preview_database(plan.db.database_name, slug) if plan.components.db != "none" else None,
        ttl_hours=DEFAULT_TTL_HOURS,
        seed_command=seed if plan.components.db != "none" else None,
    )
    if seed and plan.components.db == "none":
        plan.warnings.append(f"{NAMESPACE}:previewSeed is set but the preview has no database: not run")
    shared = f"dev's (stack {dev})"
    plan.reasons = {
        "preview": [
            f"pull request {number}" if number is not None else f"preview stack {stack}",
            f"shares {shared} VPC and NAT, ECS cluster, load balancer, Ollama and Atlas cluster",
            "its own: one API task, its front-end bucket and CloudFront distribution, "
            "a listener rule with its own target group, an Atlas user scoped to its own database",
        ],
        "api": ["0.25 vCPU / 0.5 GB, 1 task: the smallest Fargate size"],
        "db": [f"database {plan.preview.database_name} on {shared} cluster, its own user"]
        if plan.preview.database_name
        else ["the app uses no database"],
        "ai": [f"{plan.components.ai}: {shared}, reached over Cloud Map"]
        if plan.components.ai.startswith("ollama")
        else [plan.components.ai],
        "web": ["its own bucket and CloudFront distribution; /api/* goes to dev's load balancer"],
    }
    plan.warnings = [w for w in plan.warnings if "prod" not in w]
    return plan
