"""One `StagePlan` per stage: which components a stage gets, sized, and why.

Defaults come from the app's requirements, the recommended platform and the
stage (dev cheap, prod highly available); farm.config's `ai.routing` picks the
AI provider per stage; a stack's `farm:` overrides win over both. A forced
choice that cannot work raises `UserError` naming a stable conflict id, unless
the operator lists that id in `farm:acknowledge`.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import get_args

from .ai_migration import enabled_providers, migrate
from .cost import estimate
from .env_rules import build_env_with_warnings, operator_env
from .errors import UserError
from .git_remote import github_repository
from .model_choice import choose_models
from .models import (
    PLATFORMS,
    PREVIEW_STAGE,
    ROUTING_KEY_FOR_STAGE,
    STAGES,
    AIChoice,
    AISettings,
    ApiChoice,
    ApiSettings,
    AppAnalysis,
    ComponentChoices,
    DatabaseSettings,
    DbTier,
    DeploymentRequirements,
    KmsMode,
    MonitoringLevel,
    NetworkSettings,
    Recommendation,
    ReleasePins,
    SecuritySettings,
    StagePlan,
    WafLevel,
    WebChoice,
    WebSettings,
)
from .multi_region import plan_regions, stage_regions
from .platforms import REGISTRY, aws_serverless, docker, railway, vercel
from .platforms import aws as aws_platform
from .platforms.base import Capabilities, Issue, validate, wants_gpu
from .platforms.fargate import FARGATE_MEMORY
from .recommend import recommend
from .regions import atlas_region
from .requirements_files import is_dev_requirements
from .stack_config import NAMESPACE, StackSettings

VALID: dict[str, tuple[str, ...]] = {
    "platform": PLATFORMS,
    "web": get_args(WebChoice),
    "api": get_args(ApiChoice),
    "ai": get_args(AIChoice),
    "dbTier": get_args(DbTier),
    "monitoring": get_args(MonitoringLevel),
    "waf": get_args(WafLevel),
    "kms": get_args(KmsMode),
}
GPU_INSTANCE_TYPES: tuple[str, ...] = ("g4dn.xlarge", "g5.xlarge", "g6.xlarge")
GPU_REASON = {
    "g4dn.xlarge": "g4dn.xlarge: cheapest GPU (NVIDIA T4, 16 GB)",
    "g5.xlarge": "g5.xlarge: NVIDIA A10G 24 GB, about twice the T4's inference speed",
    "g6.xlarge": "g6.xlarge: NVIDIA L4 24 GB",
}
ROUTABLE_PROVIDERS: tuple[str, ...] = ("ollama", "openai", "huggingface", "none")

# Where the API itself runs: the facts that matter for the app's own requests.
# On ECS the API task is on Fargate: no persistent local disk unless EFS is mounted.
API_RUNTIMES: dict[str, tuple[str, Capabilities]] = {
    "ecs": ("fargate", replace(aws_platform.CAPABILITIES, persistent_volumes=False)),
    "lambda": ("lambda", aws_serverless.CAPABILITIES),
    "vercel": ("vercel", vercel.CAPABILITIES),
    "railway": ("railway", railway.CAPABILITIES),
    "docker": ("docker", docker.CAPABILITIES),
}


def _conflict_ids() -> tuple[str, ...]:
    """Every blocking conflict id that can arise, from the capabilities (README lists them).

    Local-disk writes are never blocking (the plan warns), so they are not listed.
    """
    ids = {"docker-gpu"}  # farm:dockerGpu false with ai ollama-gpu
    for runtime, caps in API_RUNTIMES.values():
        ids |= {f"{runtime}-websockets"} if not caps.websockets else set()
        ids |= {f"{runtime}-upload-size"} if caps.max_body_mb is not None else set()
    for name, strategy in REGISTRY.items():
        ids |= {f"{name}-ollama"} if not strategy.capabilities.ollama else set()
        ids |= {f"{name}-gpu"} if strategy.capabilities.ollama and not strategy.capabilities.gpu else set()
    return tuple(sorted(ids))


# Ids an operator may list in farm:acknowledge.
CONFLICT_IDS: tuple[str, ...] = _conflict_ids()


@dataclass(frozen=True)
class StageDefaults:
    """What a stage gets when nothing overrides it: dev cheap, prod highly available."""

    db: str
    monitoring: str
    cpu: int  # API ECS CPU units
    memory: int  # API MiB
    min_count: int
    max_count: int
    lambda_memory: int
    concurrency: int  # Lambda reserved concurrency
    keep_alive: str  # OLLAMA_KEEP_ALIVE


STAGE_DEFAULTS: dict[str, StageDefaults] = {
    "dev": StageDefaults("m0", "basic", 256, 512, 1, 2, 1024, 10, "30m"),
    "staging": StageDefaults("flex", "standard", 512, 1024, 1, 3, 1024, 20, "1h"),
    "prod": StageDefaults("dedicated", "full", 1024, 2048, 2, 6, 2048, 100, "24h"),
}


@dataclass
class _Ctx:
    """What one planning pass knows: where errors point, and what it has said so far."""

    file: str
    settings: StackSettings
    reasons: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)

    def why(self, key: str, reason: str) -> None:
        self.reasons.setdefault(key, []).append(reason)

    def conflict(self, issue: Issue, key: str, value: str) -> None:
        if not issue.blocking:
            self.warnings.append(issue.text())
            return
        if issue.id in self.settings.acknowledge:
            if issue.id not in self.acknowledged:
                self.acknowledged.append(issue.id)
            self.warnings.append(f"acknowledged conflict {issue.id}: {issue.text()}")
            return
        raise UserError(
            f"conflict {issue.id}: {issue.message}",
            file=self.file,
            key=f"{NAMESPACE}:{key}",
            value=value,
            hint=f"{issue.action}; or add {issue.id!r} to {NAMESPACE}:acknowledge to deploy it anyway",
        )

    def error(
        self,
        message: str,
        key: str,
        value: object,
        valid: list[str] | tuple[str, ...] | None = None,
        hint: str | None = None,
    ) -> UserError:
        return UserError(message, file=self.file, key=f"{NAMESPACE}:{key}", value=value, valid=valid, hint=hint)


def _certificate_region(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[2] == "acm" else None


def _api_certificate(ctx: _Ctx, region: str, api: str) -> str | None:
    """The load balancer's certificate: ACM certificates only serve in their own region."""
    s = ctx.settings
    if api != "ecs":
        return None
    if s.api_certificate_arn:
        where = _certificate_region(s.api_certificate_arn)
        if where != region:
            raise ctx.error(
                f"the load balancer runs in {region}; this certificate is in {where}",
                "apiCertificateArn",
                s.api_certificate_arn,
                hint=f"request or import the certificate in {region} with ACM",
            )
        return s.api_certificate_arn
    if not s.certificate_arn:
        return None
    if _certificate_region(s.certificate_arn) == region:
        return s.certificate_arn
    raise ctx.error(
        f"farm:certificateArn is in {_certificate_region(s.certificate_arn)}, but the load balancer runs in {region}",
        "apiCertificateArn",
        None,
        hint=f"set farm:apiCertificateArn to a certificate in {region} covering api.<domain>; "
        "farm:certificateArn stays CloudFront's (us-east-1)",
    )


# --------------------------------------------------------------------------- entry points


def plan_stages(
    analysis: AppAnalysis,
    settings_by_stage: dict[str, StackSettings] | None = None,
    *,
    sources: dict[str, str] | None = None,
) -> dict[str, StagePlan]:
    rec = recommend(analysis.requirements)
    settings_by_stage = settings_by_stage or {}
    return {
        stage: plan_stage(
            analysis,
            settings_by_stage.get(stage) or StackSettings(),
            stage,
            source=(sources or {}).get(stage),
            recommendation=rec,
        )
        for stage in STAGES
    }


def plan_stage(
    analysis: AppAnalysis,
    settings: StackSettings,
    stage: str,
    *,
    source: str | None = None,
    recommendation: Recommendation | None = None,
    stack: str | None = None,
) -> StagePlan:
    if stage == PREVIEW_STAGE:
        # dev's config and dev's choices, then cut down to the preview's own parts.
        from .preview import apply_preview, check_platform

        file = source or f"Pulumi.{stack or stage}.yaml"
        check_platform(settings.platform, file=file)
        dev = plan_stage(analysis, settings, "dev", source=source, recommendation=recommendation)
        return apply_preview(
            dev, stack=stack or stage, dev_stack=settings.preview_dev_stack, file=file, seed=settings.preview_seed
        )
    ctx = _Ctx(file=source or f"Pulumi.{stage}.yaml", settings=settings)
    if stage not in STAGES:
        raise ctx.error("unknown stage", "stage", stage, STAGES)
    _check_values(ctx)
    req = analysis.requirements
    rec = recommendation or recommend(req)

    repository = github_repository(Path(analysis.app_path))
    platform = _platform(ctx, req, rec, repository)
    caps = REGISTRY[platform].capabilities
    components = ComponentChoices(
        web=_web(ctx, req, platform, caps),
        api=_api(ctx, req, platform, caps),
        network=platform in ("aws", "aws-serverless"),
    )
    ctx.why("network", "VPC with private subnets and NAT" if components.network else f"{platform} manages networking")
    ai = _ai(ctx, analysis, platform, caps, stage)
    components.ai = ai.provider
    components.db = _db_tier(ctx, req, platform, stage)
    components.monitoring = _monitoring(ctx, stage)

    regions = stage_regions(settings, req, stage, file=ctx.file)
    plan = StagePlan(
        stage=stage,
        platform=platform,
        region=regions[0],
        components=components,
        api=_api_settings(ctx, req, stage, components.api),
        web=_web_settings(req, settings),
        ai=ai,
        db=_db_settings(ctx, req, stage, components.db, settings),
        network=_network(ctx, req, stage, components.network),
        protect_stateful=stage == "prod",
        domain=settings.domain,
        hosted_zone=settings.hosted_zone,
        certificate_arn=settings.certificate_arn,
        alarm_email=settings.alarm_email,
        release=_release(ctx, settings, components),
        repository=repository,
    )
    plan.security = _security(ctx, stage, components)
    if components.db != "none":
        plan.db.provider_region = atlas_region(plan.region, file=ctx.file, key=f"{NAMESPACE}:region")
    plan.api_certificate_arn = _api_certificate(ctx, plan.region, components.api)
    if components.api == "ecs":
        if components.web == "cloudfront":
            ctx.why(
                "api", "the load balancer is internal, in private subnets: CloudFront reaches it through a VPC origin"
            )
        elif api_edge(plan):
            ctx.why(
                "api",
                "no front end and no certificate: CloudFront serves the API over HTTPS on its own name, "
                "reaching the internal load balancer through a VPC origin",
            )
        else:
            # Nothing but CloudFront can reach an internal load balancer from outside the VPC.
            ctx.warnings.append(
                f"the API's load balancer is internet-facing: the site is not served by CloudFront "
                f"({NAMESPACE}:web={components.web}), so browsers call the API on the load balancer directly"
            )
    if stage == "prod":
        ctx.why("protect", "prod: databases, buckets and file systems are protected from deletion")
        if not settings.alarm_email and components.monitoring != "basic":
            ctx.warnings.append("no farm:alarmEmail: alarms notify an SNS topic with no subscriber")
    required = list(getattr(req.api, "required_env", []) or []) if req.api else []
    planned, name_warnings = build_env_with_warnings(plan, req)
    plan.env, env_warnings = operator_env(planned, settings.api_env, settings.api_secret_names, required)
    ctx.warnings += name_warnings + env_warnings
    _savings(ctx, plan)
    plan.reasons = ctx.reasons
    plan.warnings = ctx.warnings
    plan.acknowledged = ctx.acknowledged
    plan_regions(plan, settings, regions, file=ctx.file, tier_set=settings.db_tier is not None)
    plan.cost = estimate(plan)
    return plan


# --------------------------------------------------------------------------- checks


def api_edge(plan: StagePlan) -> bool:
    """An API-only stage on ECS without a certificate: CloudFront in front of it (components/api_edge.py).

    Otherwise its internet-facing load balancer would answer plain HTTP.
    """
    has_certificate = bool(plan.api_certificate_arn or (plan.domain and plan.hosted_zone))
    return (
        plan.platform == "aws"
        and plan.components.api == "ecs"
        and plan.components.web == "none"
        and not has_certificate
        and plan.multi_region is None
    )


def _check_values(ctx: _Ctx) -> None:
    s = ctx.settings
    for key, value in (
        ("platform", s.platform),
        ("web", s.web),
        ("api", s.api),
        ("ai", s.ai),
        ("dbTier", s.db_tier),
        ("monitoring", s.monitoring),
        ("waf", s.waf),
        ("kms", s.kms),
    ):
        if value is not None and value not in VALID[key]:
            raise ctx.error(f"unknown {key} {value!r}", key, value, VALID[key])
    if s.gpu_instance_type is not None and s.gpu_instance_type not in GPU_INSTANCE_TYPES:
        raise ctx.error("unsupported GPU instance type", "gpuInstanceType", s.gpu_instance_type, GPU_INSTANCE_TYPES)
    unknown = [a for a in s.acknowledge if a not in CONFLICT_IDS]
    if unknown:
        raise ctx.error("unknown conflict id", "acknowledge", unknown[0], CONFLICT_IDS)
    if s.api_min_count is not None and s.api_max_count is not None and s.api_min_count > s.api_max_count:
        raise ctx.error(
            f"apiMinCount ({s.api_min_count}) is greater than apiMaxCount ({s.api_max_count})",
            "apiMinCount",
            s.api_min_count,
        )


def _platform(ctx: _Ctx, req: DeploymentRequirements, rec: Recommendation, repository: str | None) -> str:
    s = ctx.settings
    if s.platform:
        ctx.why("platform", f"set by {NAMESPACE}:platform")
        return s.platform
    platform = rec.platform
    # An API override the recommended platform cannot host picks the platform that hosts it.
    if s.api and s.api != "none" and s.api not in REGISTRY[platform].capabilities.api_choices:
        hosts = [name for name, st in REGISTRY.items() if s.api in st.capabilities.api_choices]
        platform = next((h for h in hosts if REGISTRY[h].capabilities.api_choices[0] == s.api), hosts[0])
        ctx.why("platform", f"{NAMESPACE}:api {s.api} runs on {platform}")
        return platform
    if platform == "railway" and not (s.railway_repo or s.railway_api_image or repository):
        # Railway builds from a GitHub repository or runs a prebuilt image; with neither, the
        # recommendation would plan a service with no code. The next platform that builds from
        # the checkout ships it.
        valid = {sc.platform for sc in rec.scores if sc.valid}
        fallback = next(
            (
                a.platform
                for a in rec.alternatives
                if a.platform in valid
                and a.platform != "railway"
                and (not s.api or s.api == "none" or s.api in REGISTRY[a.platform].capabilities.api_choices)
            ),
            None,
        )
        if fallback is not None:
            ctx.why(
                "platform",
                f"railway was recommended, but it builds from GitHub and the checkout has no github.com origin "
                f"and {NAMESPACE}:railwayRepo is unset: {fallback}, the next choice, builds from the checkout",
            )
            ctx.warnings.append(
                f"planned on {fallback} instead of the recommended railway: set {NAMESPACE}:railwayRepo "
                f"(owner/name on GitHub) and {NAMESPACE}:platform railway to deploy there"
            )
            return fallback
    ctx.why(
        "platform", f"recommended (score {rec.scores[0].score if rec.scores else '?'}, confidence {rec.confidence})"
    )
    ctx.reasons["platform"] += rec.reasoning[:3]
    return platform


def _web(ctx: _Ctx, req: DeploymentRequirements, platform: str, caps: Capabilities) -> str:
    forced = ctx.settings.web
    if forced:
        if forced != "none" and forced not in caps.web_choices:
            raise ctx.error(
                f"web {forced!r} contradicts platform {platform!r}",
                "web",
                forced,
                list(caps.web_choices) + ["none"],
                hint=f"drop {NAMESPACE}:web or choose a platform that serves it",
            )
        ctx.why("web", f"set by {NAMESPACE}:web")
        return forced
    if req.web is None:
        ctx.why("web", "no front end found")
        return "none"
    choice = caps.web_choices[0]
    ctx.why(
        "web",
        {"cloudfront": "private S3 bucket behind CloudFront", "vercel": "Vercel's CDN"}.get(
            choice, f"served by {platform}"
        ),
    )
    return choice


def _api(ctx: _Ctx, req: DeploymentRequirements, platform: str, caps: Capabilities) -> str:
    forced = ctx.settings.api
    if forced:
        if forced != "none" and forced not in caps.api_choices:
            raise ctx.error(
                f"api {forced!r} contradicts platform {platform!r}",
                "api",
                forced,
                list(caps.api_choices) + ["none"],
                hint=f"drop {NAMESPACE}:api or {NAMESPACE}:platform",
            )
        choice, key = forced, "api"
        ctx.why("api", f"set by {NAMESPACE}:api")
    else:
        choice, key = caps.api_choices[0], "platform"
        ctx.why(
            "api",
            {
                "ecs": "FastAPI container on Fargate behind an ALB",
                "lambda": "FastAPI on Lambda via an ASGI adapter",
            }.get(choice, f"FastAPI on {platform}"),
        )
    if choice in API_RUNTIMES:
        runtime, runtime_caps = API_RUNTIMES[choice]
        issues = validate(runtime, runtime_caps, req.model_copy(update={"has_ai": False}))
        if choice == "ecs":
            issues = [
                Issue(i.id, i.message, "mount EFS or write to S3", False) if i.id.endswith("local-disk") else i
                for i in issues
            ]
        for issue in issues:
            ctx.conflict(issue, key, choice)
        if req.has_realtime and runtime_caps.websockets:
            ctx.why("api", "keeps WebSocket connections open")
    return choice


def _ai(ctx: _Ctx, analysis: AppAnalysis, platform: str, caps: Capabilities, stage: str) -> AISettings:
    req = analysis.requirements
    s = ctx.settings
    providers = enabled_providers(req.ai, req.ai_providers) if req.has_ai else []
    if req.unsupported_ai_providers:
        ctx.warnings.append(
            f"unsupported AI provider(s) {', '.join(req.unsupported_ai_providers)}: "
            "not planned; their keys and endpoints are yours to provide"
        )
    if not s.ai and not req.has_ai:
        ctx.why("ai", "the app uses no AI provider")
        return AISettings(provider="none")
    choice, wanted = _ai_wanted(ctx, analysis, platform, caps, stage, providers)

    migration = migrate(req.ai, platform, providers=providers, wanted=wanted, stack=stage)
    if not s.ai:
        choice = _ai_choice_after_migration(ctx, req, platform, caps, migration.provider)
        ctx.warnings += migration.warnings
    if migration.source_provider and migration.source_provider != migration.provider:
        ctx.why("ai", f"migrated from {migration.source_provider} (development) to {migration.provider}")

    ai = AISettings(provider=choice, fallback_provider=migration.fallback_provider, migration=migration)  # type: ignore[arg-type]
    _fallback_key(ctx, ai)
    if ai.fallback_provider:
        ctx.why("ai", f"falls back to {ai.fallback_provider} when {choice} fails")
    _ai_capacity(ctx, ai, req, stage)
    ai.keep_alive = STAGE_DEFAULTS[stage].keep_alive
    _scale_to_zero(ctx, ai, platform, stage)
    ai.models, model_warnings = choose_models(choice, req.ai, pinned=s.models, gpu_instance_type=ai.gpu_instance_type)
    ctx.warnings += model_warnings
    ai.default_model = ai.models[0].name if ai.models else None
    return ai


def _ai_wanted(
    ctx: _Ctx, analysis: AppAnalysis, platform: str, caps: Capabilities, stage: str, providers: list[str]
) -> tuple[str, str | None]:
    """(the operator's choice or "" when the plan decides, the provider wanted before migration)."""
    req, s = analysis.requirements, ctx.settings
    if s.ai:
        choice = s.ai
        wanted = "ollama" if choice.startswith("ollama") else choice
        ctx.why("ai", f"set by {NAMESPACE}:ai")
        _ai_conflicts(ctx, platform, caps, choice)
        if choice != "none" and not req.has_ai:
            ctx.warnings.append(f"{NAMESPACE}:ai is {choice} but the scan found no AI use in the app")
        elif wanted not in ("none", *providers):
            ctx.warnings.append(f"{NAMESPACE}:ai is {choice} but the app does not configure {wanted}")
        return choice, wanted
    routing_key = ROUTING_KEY_FOR_STAGE[stage]
    routed = req.ai.routing.get(routing_key)
    if routed is None:
        return "", None
    if routed not in ROUTABLE_PROVIDERS:
        raise UserError(
            f"unsupported AI provider {routed!r} in ai.routing",
            file=analysis.farm_config_file,
            key=f"ai.routing.{routing_key}",
            value=routed,
            valid=list(ROUTABLE_PROVIDERS),
        )
    ctx.why("ai", f"farm.config ai.routing.{routing_key} = {routed}")
    return "", routed


def _ai_choice_after_migration(
    ctx: _Ctx, req: DeploymentRequirements, platform: str, caps: Capabilities, provider: str
) -> str:
    if provider != "ollama":
        if provider != "none":
            ctx.why("ai", f"{provider} API")
        return provider
    host_gpu = ctx.settings.docker_gpu is not False if platform == "docker" else True
    choice = "ollama-gpu" if caps.gpu and host_gpu and wants_gpu(req) else "ollama-cpu"
    if choice == "ollama-gpu" and platform == "docker":
        ctx.why("ai", f"the host needs an NVIDIA GPU and the container toolkit (else {NAMESPACE}:dockerGpu: false)")
    ctx.why(
        "ai",
        "Ollama on EC2 GPU capacity (Fargate has no GPUs)"
        if choice == "ollama-gpu" and platform == "aws"
        else f"Ollama as {choice}",
    )
    return choice


def _ai_capacity(ctx: _Ctx, ai: AISettings, req: DeploymentRequirements, stage: str) -> None:
    """Instance type and counts for a self-hosted Ollama."""
    s = ctx.settings
    if ai.provider == "ollama-gpu":
        ai.gpu_instance_type = s.gpu_instance_type or (
            "g4dn.xlarge" if stage == "dev" and req.cost_optimization else "g5.xlarge"
        )
        ctx.why(
            "ai",
            GPU_REASON.get(ai.gpu_instance_type, ai.gpu_instance_type)
            + (f" (set by {NAMESPACE}:gpuInstanceType)" if s.gpu_instance_type else ""),
        )
        ai.min_instances, ai.max_instances = (
            (1, 3 if req.expected_traffic in ("high", "enterprise") else 2) if stage == "prod" else (0, 1)
        )
        if ai.min_instances == 0:
            ctx.why("ai", "GPU capacity scales to zero when idle (cold start of a few minutes)")
    elif ai.provider == "ollama-cpu":
        ai.cpu, ai.memory = 2048, 8192
        ai.min_instances, ai.max_instances = 1, (2 if stage == "prod" else 1)


# The secret each cloud provider needs: required only where that provider is the stage's primary one.
PROVIDER_KEYS = {"openai": "openaiApiKey", "huggingface": "huggingfaceToken"}


def _fallback_key(ctx: _Ctx, ai: AISettings) -> None:
    """A fallback whose key the stack does not set is switched off, with a warning; never a failed deploy."""
    key = PROVIDER_KEYS.get(ai.fallback_provider or "")
    known = ctx.settings.secrets_set
    if key is None or known is None or key in known:
        return
    ctx.warnings.append(
        f"fallback {ai.fallback_provider} is off: {NAMESPACE}:{key} is not set "
        f"(pulumi config set --secret {NAMESPACE}:{key} <value> to enable it)"
    )
    ai.fallback_provider = None


def _scale_to_zero(ctx: _Ctx, ai: AISettings, platform: str, stage: str) -> None:
    """GPU Ollama on ECS at zero tasks and zero hosts while idle (default in dev, `farm:aiScaleToZero` anywhere)."""
    wanted = ctx.settings.ai_scale_to_zero
    if wanted is None:
        wanted = stage == "dev"
    if not wanted or ai.provider != "ollama-gpu" or platform != "aws":
        if ctx.settings.ai_scale_to_zero:
            ctx.warnings.append(
                f"{NAMESPACE}:aiScaleToZero applies to GPU Ollama on AWS only; this stage runs {ai.provider} on {platform}"
            )
        return
    ai.scale_to_zero = True
    ai.min_instances = 0
    ai.request_metric_namespace = f"farm-deploy/{stage}"
    ctx.why(
        "ai",
        f"scales to zero after {ai.idle_minutes} idle minutes: no GPU host runs while nobody chats; "
        "the first AI request wakes it (cold start about 5-8 minutes; meanwhile the fallback answers, "
        "or the API returns 503 with Retry-After)",
    )


def _savings(ctx: _Ctx, plan: StagePlan) -> None:
    """What the stage does to keep its idle bill down, each saving with the resource it removes."""
    if plan.ai.scale_to_zero:
        ctx.why(
            "cost",
            f"GPU host ({plan.ai.gpu_instance_type}) at 0 instances while idle: the Ollama service's desired count "
            "starts at 0 and the auto scaling group's minimum and desired capacity are 0",
        )
    if plan.network.nat == "instance":
        ctx.why(
            "cost",
            "NAT instance (t4g.nano) instead of a NAT gateway: no gateway hours and no per-GB processing charge; "
            "one instance, no failover (dev only by default)",
        )
    if plan.components.api == "ecs" and plan.stage == "dev":
        ctx.why(
            "cost",
            "idle floor kept on purpose: one application load balancer (its hours and its public IPv4 "
            "addresses; CloudFront needs an HTTP origin for /api/*) and one API task of the smallest Fargate "
            "size (0.25 vCPU / 0.5 GB), so the first request meets no cold start",
        )


def _ai_conflicts(ctx: _Ctx, platform: str, caps: Capabilities, choice: str) -> None:
    if choice not in caps.ai_choices and choice.startswith("ollama"):
        if not caps.ollama:
            issue = Issue(
                f"{platform}-ollama", f"{platform} cannot run an Ollama server", "use ai: openai or huggingface"
            )
        else:
            issue = Issue(
                f"{platform}-gpu", f"{platform} has no GPUs for {choice}", "use ai: ollama-cpu with a small model"
            )
        ctx.conflict(issue, "ai", choice)
    elif choice == "ollama-gpu" and platform == "docker":
        if ctx.settings.docker_gpu is False:
            issue = Issue(
                "docker-gpu",
                f"{NAMESPACE}:dockerGpu is false: the host has no GPU for ollama-gpu",
                "use ai: ollama-cpu",
            )
            ctx.conflict(issue, "ai", choice)
        elif ctx.settings.docker_gpu is None:
            ctx.warnings.append("ollama-gpu on a Docker host needs an NVIDIA GPU and the NVIDIA container toolkit")


def _db_tier(ctx: _Ctx, req: DeploymentRequirements, platform: str, stage: str) -> str:
    s = ctx.settings
    if s.db_tier:
        ctx.why("db", f"set by {NAMESPACE}:dbTier")
        if s.db_tier == "none" and req.has_database:
            ctx.warnings.append(
                f"the app uses MongoDB but {NAMESPACE}:dbTier is none: provide {req.database.uri_env if req.database else 'MONGODB_URL'} yourself"
            )
        if s.db_tier == "m0" and stage == "prod":
            ctx.warnings.append("Atlas M0 in prod: no backups, shared resources")
        return s.db_tier
    if not req.has_database:
        ctx.why("db", "the app uses no database")
        return "none"
    if platform == "docker":
        ctx.why("db", "MongoDB runs as a container on the host with a data volume")
        return "none"
    tier = STAGE_DEFAULTS[stage].db
    ctx.why(
        "db",
        {
            "m0": "Atlas M0: free, enough for development",
            "flex": "Atlas Flex: pay per use, capped monthly",
            "dedicated": "Atlas M10 dedicated: backups, point-in-time restore, termination protection",
        }[tier],
    )
    if platform in ("vercel", "railway") and not (s.db_access_cidrs or s.allow_open_db_access):
        ctx.warnings.append(
            f"{platform} has no fixed egress IP: set {NAMESPACE}:dbAccessCidrs (static egress addresses) "
            f"or {NAMESPACE}:allowOpenDbAccess (not in prod) so Atlas lets the API in"
        )
    return tier


# Hardening per stage when the stack sets nothing (docs/security.md): the web
# firewall from staging up, customer-managed keys in prod, and access logs kept
# long enough to investigate an incident (a year in prod).
WAF_DEFAULT = {"dev": "off", "staging": "basic", "prod": "basic"}
KMS_DEFAULT = {"dev": "aws-managed", "staging": "aws-managed", "prod": "customer"}
ACCESS_LOG_DAYS = {"dev": 14, "staging": 30, "prod": 365}


def _security(ctx: _Ctx, stage: str, components: ComponentChoices) -> SecuritySettings:
    s = ctx.settings
    waf = s.waf or WAF_DEFAULT[stage]
    if components.web != "cloudfront" and waf != "off":
        # The web ACL is CloudFront's; other front ends bring their own edge.
        if s.waf:
            ctx.warnings.append(
                f"{NAMESPACE}:waf {s.waf} applies to CloudFront only: this stage serves {components.web}"
            )
        waf = "off"
    ctx.why("waf", f"set by {NAMESPACE}:waf" if s.waf else f"{stage} default: {waf}")
    kms = s.kms or KMS_DEFAULT[stage]
    ctx.why("kms", f"set by {NAMESPACE}:kms" if s.kms else f"{stage} default: {kms}")
    return SecuritySettings(
        waf=waf,  # type: ignore[arg-type]
        kms=kms,  # type: ignore[arg-type]
        access_log_days=s.access_log_days or ACCESS_LOG_DAYS[stage],
        db_password_version=s.db_password_version,
    )


def _monitoring(ctx: _Ctx, stage: str) -> str:
    if ctx.settings.monitoring:
        ctx.why("monitoring", f"set by {NAMESPACE}:monitoring")
        return ctx.settings.monitoring
    level = STAGE_DEFAULTS[stage].monitoring
    ctx.why(
        "monitoring",
        {
            "basic": "health alarms only",
            "standard": "alarms and a dashboard",
            "full": "every seed alarm, dashboard and AI metrics",
        }[level],
    )
    return level


def _api_settings(ctx: _Ctx, req: DeploymentRequirements, stage: str, api_choice: str) -> ApiSettings:
    s = ctx.settings
    d = STAGE_DEFAULTS[stage]
    facts = req.api
    api = ApiSettings(
        cpu=s.api_cpu or d.cpu,
        memory=s.api_memory or d.memory,
        min_count=d.min_count,
        max_count=d.max_count,
        lambda_memory=d.lambda_memory,
        reserved_concurrency=d.concurrency,
        lambda_timeout=60 if req.has_ai else 30,
    )
    if s.api_cpu and not s.api_memory and api.cpu in FARGATE_MEMORY:
        # only the CPU was set: 2 GB per vCPU, the nearest size Fargate accepts
        api.memory = min(FARGATE_MEMORY[api.cpu], key=lambda m: abs(m - 2 * api.cpu))
    if req.expected_traffic in ("high", "enterprise") and stage == "prod":
        api.max_count = 20
    if facts is not None:
        api.root, api.dockerfile = facts.root, facts.dockerfile
        api.dependencies = list(facts.dependencies)
        relative = [posixpath.relpath(f, facts.root) for f in facts.dependency_files]
        # Development requirements (tests, linters) stay out of the deployment, unless they are all there is.
        api.dependency_files = [f for f in relative if not is_dev_requirements(f)] or relative
        if not api.dependency_files and api.dependencies:
            ctx.warnings.append(
                f"the API declares no dependencies (no requirements.txt, pyproject.toml or Pipfile in "
                f"{facts.root}): the deployment installs, unpinned, what its code imports: "
                f"{', '.join(api.dependencies)}; commit a requirements.txt with the versions it runs on"
            )
        api.entrypoint = facts.entrypoint + ("()" if facts.factory else "")
        api.port, api.health_path, api.python_version = facts.port, facts.health_path, facts.python_version
    if s.api_min_count is not None:
        api.min_count = s.api_min_count
    if s.api_max_count is not None:
        api.max_count = s.api_max_count
    if api.min_count > api.max_count:
        # only one of the two was set; the other is a stage default
        key = "apiMinCount" if s.api_min_count is not None else "apiMaxCount"
        raise ctx.error(
            f"apiMinCount {api.min_count} is greater than apiMaxCount {api.max_count}",
            key,
            getattr(s, "api_min_count" if key == "apiMinCount" else "api_max_count"),
        )
    if api_choice == "ecs":
        allowed = FARGATE_MEMORY.get(api.cpu)
        if allowed is None:
            raise ctx.error("not a Fargate CPU size", "apiCpu", api.cpu, [str(c) for c in FARGATE_MEMORY])
        if api.memory not in allowed:
            raise ctx.error(
                f"memory {api.memory} MiB is not valid with {api.cpu} CPU units on Fargate",
                "apiMemory",
                api.memory,
                [str(m) for m in allowed],
            )
        ctx.why("api", f"{api.cpu / 1024:g} vCPU / {api.memory / 1024:g} GB, {api.min_count}-{api.max_count} tasks")
    if stage == "prod" and api.min_count < 2 and api_choice in ("ecs", "railway"):
        ctx.warnings.append(f"prod runs {api.min_count} API task(s): no redundancy across zones")
    return api


def _release(ctx: _Ctx, s: StackSettings, components: ComponentChoices) -> ReleasePins:
    """What the stage deploys: the pinned artifacts, or (dev convenience) a build of the checkout.

    Only the ECS API runs an image and only CloudFront serves a bundle from the
    release bucket; the other targets build from their own source.
    """
    pins = ReleasePins(
        api_image=s.api_image,
        web_version=s.web_version,
        models=s.models,
        release_bucket=s.release_bucket,
        release_region=s.release_region,
    )
    explicit = s.build_from_source
    # Unset: build what is not pinned, with a warning; only an explicit false makes a missing pin an error.
    fallback = explicit is not False
    if components.api == "ecs":
        if s.api_image is not None:
            ctx.why("release", f"API image pinned by digest: {s.api_image} (no image build)")
        elif fallback:
            pins.build_api = True
        else:
            raise ctx.error(
                "the stage runs the API on ECS but pins no image and does not build from source",
                "apiImage",
                None,
                hint="run `farm-deploy release build --pin STACK` (or `farm-deploy promote` from a pinned stage); "
                f"for a dev stack, `{NAMESPACE}:buildFromSource: true` builds the checkout instead",
            )
    if components.web == "cloudfront":
        if s.web_version is not None:
            if s.release_bucket is None:
                raise ctx.error(
                    "a pinned web version is served from the release bucket, and none is set",
                    "releaseBucket",
                    None,
                    hint=f"set {NAMESPACE}:releaseBucket to the bucket `farm-deploy release build` uploads to",
                )
            ctx.why(
                "release", f"front end served from s3://{s.release_bucket}/web/{s.web_version}/ (no build, no upload)"
            )
        elif s.web_prebuilt_dir is None and fallback:
            pins.build_web = True
        elif s.web_prebuilt_dir is None:
            raise ctx.error(
                "the stage serves the front end from CloudFront but pins no web version and does not build from source",
                "webVersion",
                None,
                hint="run `farm-deploy release build --pin STACK`; "
                f"for a dev stack, `{NAMESPACE}:buildFromSource: true` builds the checkout instead",
            )
    built = [name for name, on in (("the API image", pins.build_api), ("the front end", pins.build_web)) if on]
    if built:
        how = "farm:buildFromSource is true" if explicit else "not pinned"
        ctx.why("release", f"builds {' and '.join(built)} from the checkout during `pulumi up` ({how})")
        if not explicit:
            ctx.warnings.append(
                f"not pinned: `pulumi up` builds {' and '.join(built)} from the checkout; pin a release with "
                f"`farm-deploy release build --pin STACK`, or set {NAMESPACE}:buildFromSource: true to say so"
            )
    return pins


def _web_settings(req: DeploymentRequirements, s: StackSettings) -> WebSettings:
    web = WebSettings(prebuilt_dir=s.web_prebuilt_dir)
    if req.web is not None:
        web.root, web.framework, web.build_command = req.web.root, req.web.framework, req.web.build_command
        web.output_dir, web.api_url_env = req.web.output_dir, req.web.api_url_env
    return web


def _db_settings(ctx: _Ctx, req: DeploymentRequirements, stage: str, tier: str, s: StackSettings) -> DatabaseSettings:
    if s.allow_open_db_access and stage == "prod":
        raise ctx.error(
            "open database access (0.0.0.0/0) is not allowed in prod",
            "allowOpenDbAccess",
            True,
            hint=f"use {NAMESPACE}:dbAccessCidrs with fixed egress addresses",
        )
    db = DatabaseSettings(tier=tier, allow_open_access=s.allow_open_db_access)  # type: ignore[arg-type]
    if req.database is not None:
        db.uri_env, db.database_name = req.database.uri_env, req.database.database_name
    db.instance_size = {"m0": "M0", "flex": "FLEX", "dedicated": "M10"}.get(tier)
    if tier == "dedicated":
        db.backup = True
        db.pitr = db.termination_protection = stage == "prod"
    return db


def _network(ctx: _Ctx, req: DeploymentRequirements, stage: str, enabled: bool) -> NetworkSettings:
    net = NetworkSettings()
    if not enabled:
        return net
    if stage == "prod":
        net.az_count = 2 if req.budget_tier == "startup" else 3
        net.nat_per_az = True
    if ctx.settings.nat_per_az is not None:
        net.nat_per_az = ctx.settings.nat_per_az
    instance = ctx.settings.nat_instance
    if instance is None:
        instance = stage == "dev" and not net.nat_per_az
    if instance and net.nat_per_az:
        raise ctx.error(
            "a NAT instance is one shared instance; it cannot be one per AZ",
            "natInstance",
            True,
            hint=f"drop {NAMESPACE}:natPerAz or {NAMESPACE}:natInstance",
        )
    net.nat = "instance" if instance else "gateway"
    ctx.why(
        "network",
        f"{net.az_count} AZs, "
        + (
            "one shared NAT instance"
            if instance
            else ("one NAT gateway per AZ" if net.nat_per_az else "one shared NAT gateway")
        ),
    )
    return net
