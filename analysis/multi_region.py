"""A stage in more than one AWS region: which regions, where Ollama runs, how Atlas spans them.

The plan's `multi_region` (docs/multi-region.md) is decided here, after the
single-region plan, so that every rule of a single region still holds and only
what spanning regions changes is added: an API in every region behind
latency-based `api.<domain>` records, secrets replicated to each region, and
one Atlas cluster with electable nodes in each region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import UserError
from .models import DbRegionNodes, MultiRegion, StagePlan
from .regions import (
    atlas_region,
    check_gpu_regions,
    check_multi_region_tier,
    check_region_list,
    electable_layout,
    region_loss_summary,
)
from .stack_config import NAMESPACE, StackSettings

if TYPE_CHECKING:
    from .models import DeploymentRequirements

# farm.config's `deployment.regions` is the production topology; staging mirrors
# it (at its own, smallest, sizes) so the topology is tested before prod.
# Dev and previews stay in the first region.
MIRRORING_STAGES = ("prod", "staging")


def stage_regions(settings: StackSettings, req: DeploymentRequirements, stage: str, *, file: str) -> list[str]:
    """The stage's regions, the primary first: farm:regions, else farm.config's for prod and staging."""
    if settings.regions:
        regions = list(settings.regions)
        if settings.region is not None and settings.region != regions[0]:
            raise UserError(
                f"{NAMESPACE}:region is {settings.region} but {NAMESPACE}:regions starts with {regions[0]}",
                file=file,
                key=f"{NAMESPACE}:region",
                value=settings.region,
                hint=f"the first of {NAMESPACE}:regions is the primary region; remove {NAMESPACE}:region or make them agree",
            )
        return regions
    primary = settings.region or (req.regions[0] if req.regions else "us-east-1")
    if stage in MIRRORING_STAGES and len(req.regions) > 1 and settings.region in (None, req.regions[0]):
        return check_region_list(list(req.regions), file="farm.config", key="deployment.regions")
    return [primary]


def plan_regions(plan: StagePlan, settings: StackSettings, regions: list[str], *, file: str, tier_set: bool) -> None:
    """Fill `plan.multi_region` for a stage in two or more regions, or refuse what cannot span them.

    Staging mirrors farm.config's regions when it can; when it lacks what spanning
    needs (the aws platform behind CloudFront, a domain in a hosted zone), it stays
    in the first region and says so, instead of failing a stage nobody asked to span.
    """
    if len(regions) < 2:
        if settings.ai_regions:
            raise UserError(
                f"{NAMESPACE}:aiRegions is set but the stage runs in one region",
                file=file,
                key=f"{NAMESPACE}:aiRegions",
                value=settings.ai_regions,
                hint=f"list the stage's regions in {NAMESPACE}:regions, or remove {NAMESPACE}:aiRegions",
            )
        return
    key = f"{NAMESPACE}:regions"
    choices = plan.components
    mirrored = plan.stage == "staging" and not settings.regions
    spannable = plan.platform == "aws" and choices.api == "ecs" and choices.web == "cloudfront"
    if mirrored and not (spannable and plan.domain and plan.hosted_zone):
        plan.warnings.append(
            f"staging stays in {regions[0]} instead of mirroring farm.config's regions ({', '.join(regions)}): "
            f"spanning regions needs platform aws with the API on ECS behind CloudFront, {NAMESPACE}:domain and "
            f"{NAMESPACE}:hostedZone"
        )
        return
    if not spannable:
        raise UserError(
            "a stage in several regions runs the API on ECS behind CloudFront (platform aws)",
            file=file,
            key=key,
            value=regions,
            hint=f"this stage has platform {plan.platform}, api {choices.api}, web {choices.web}; "
            f"set {NAMESPACE}:platform aws or list one region",
        )
    if not (plan.domain and plan.hosted_zone):
        # CloudFront reaches `api.<domain>`, which Route 53 answers with the nearest healthy region.
        raise UserError(
            "a stage in several regions needs farm:domain and farm:hostedZone: "
            "CloudFront reaches the API at api.<domain>, which Route 53 resolves to the nearest healthy region",
            file=file,
            key=f"{NAMESPACE}:hostedZone",
            hint=f"pulumi config set {NAMESPACE}:domain app.example.com and {NAMESPACE}:hostedZone example.com, "
            f"or set {NAMESPACE}:regions to [{regions[0]}] to stay in one region",
        )
    if settings.api_certificate_arn:
        # ACM certificates serve only in their own region: each region's load balancer needs its own.
        raise UserError(
            f"{NAMESPACE}:apiCertificateArn names one region's certificate, but the load balancers run in "
            f"{len(regions)} regions",
            file=file,
            key=f"{NAMESPACE}:apiCertificateArn",
            hint=f"remove it: with {NAMESPACE}:hostedZone farm-deploy requests api.{plan.domain}'s certificate in each region",
        )
    ai_regions = list(settings.ai_regions or regions)
    if choices.ai not in ("ollama-gpu", "ollama-cpu"):
        if settings.ai_regions:
            raise UserError(
                f"{NAMESPACE}:aiRegions places Ollama, but this stage's AI is {choices.ai}",
                file=file,
                key=f"{NAMESPACE}:aiRegions",
                value=settings.ai_regions,
            )
        ai_regions = []
    for region in ai_regions:
        if region not in regions:
            raise UserError(
                f"{region} is in {NAMESPACE}:aiRegions but not in {NAMESPACE}:regions",
                file=file,
                key=f"{NAMESPACE}:aiRegions",
                value=region,
                valid=regions,
            )
    if choices.ai == "ollama-gpu" and ai_regions:
        gpu = plan.ai.gpu_instance_type or "g5.xlarge"
        unknown = check_gpu_regions(gpu, ai_regions, file=file, key=f"{NAMESPACE}:gpuInstanceType")
        if unknown:
            plan.warnings.append(
                f"the offline table of GPU offerings has no data for {', '.join(unknown)}: "
                f"whether {gpu} is offered there is not checked (scripts/gpu_offerings.py refreshes it)"
            )
    without_ai = [r for r in regions if r not in ai_regions] if ai_regions else []
    if without_ai:
        fallback = plan.ai.fallback_provider
        plan.warnings.append(
            f"Ollama runs in {', '.join(ai_regions)} only: the API in {', '.join(without_ai)} answers AI requests "
            + (f"with the fallback ({fallback})" if fallback else "with 503 (no fallback provider)")
        )
    spread = MultiRegion(regions=regions, ai_regions=ai_regions)
    if choices.db != "none":
        if choices.db != "dedicated" and not tier_set:
            # The stage's default tier cannot span regions; the smallest one that can is M10.
            plan.db.tier, plan.db.instance_size, plan.db.backup = "dedicated", "M10", True
            choices.db = "dedicated"
            plan.reasons.setdefault("db", []).append("Atlas M10: the smallest tier that spans regions")
        check_multi_region_tier(plan.db.tier, plan.db.instance_size, file=file, key=f"{NAMESPACE}:dbTier")
        layout = electable_layout(regions, file=file, key=key)
        spread.db_nodes = [
            DbRegionNodes(
                region=region,
                atlas_region=atlas_region(region, file=file, key=key),
                electable_nodes=nodes,
                priority=priority,
            )
            for region, nodes, priority in layout
        ]
        spread.survives = region_loss_summary(layout)
        plan.db.provider_region = spread.db_nodes[0].atlas_region
    plan.multi_region = spread
    plan.reasons.setdefault("regions", []).append(
        f"{len(regions)} regions, {regions[0]} primary: an API in each, "
        f"api.{plan.domain} routed by Route 53 to the nearest healthy one"
    )
