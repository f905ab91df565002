"""The data that flows from the analyzer to the Pulumi program.

These pydantic models are the contract between `analysis/` (which fills them)
and `components/` + the builder (which read them), and they are what
`farm-deploy analyze --json` prints. Field names are snake_case in Python and
in JSON. Add fields freely; renaming or removing one breaks the documented
JSON contract (README, "JSON outputs").
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Stage = Literal["dev", "staging", "prod"]
STAGES: tuple[str, ...] = ("dev", "staging", "prod")
# farm.config's ai.routing uses these names for the same stages.
ROUTING_KEY_FOR_STAGE = {"dev": "development", "staging": "staging", "prod": "production", "preview": "development"}
# A pull request's preview: dev's config and dev's shared parts (analysis/preview.py).
PREVIEW_STAGE = "preview"
ALL_STAGES: tuple[str, ...] = (*STAGES, PREVIEW_STAGE)

Platform = Literal["aws", "aws-serverless", "vercel", "railway", "docker"]
PLATFORMS: tuple[str, ...] = ("aws", "aws-serverless", "vercel", "railway", "docker")

WebChoice = Literal["cloudfront", "vercel", "railway", "docker", "none"]
ApiChoice = Literal["ecs", "lambda", "vercel", "railway", "docker", "none"]
AIChoice = Literal["ollama-gpu", "ollama-cpu", "openai", "huggingface", "none"]
DbTier = Literal["m0", "flex", "dedicated", "none"]
MonitoringLevel = Literal["basic", "standard", "full"]
WafLevel = Literal["off", "basic", "strict"]
KmsMode = Literal["aws-managed", "customer"]
Severity = Literal["info", "warning", "error"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


# --------------------------------------------------------------------------- scan


class Finding(Model):
    """One thing the scan saw, with where it saw it.

    `kind` is a stable identifier (README lists them), e.g. `fastapi-app`,
    `websocket`, `file-upload`, `local-disk-write`, `mongodb-driver`,
    `ai-provider`, `unsupported-ai-provider`, `localhost-url`, `secret`,
    `static-assets`. A secret finding never carries the secret itself.
    """

    kind: str
    severity: Severity = "info"
    message: str
    file: str
    line: int | None = None
    detail: dict[str, str] = Field(default_factory=dict)


class ApiFacts(Model):
    """The FastAPI service as found in the repository (paths relative to the app root)."""

    root: str  # folder holding the Python project, e.g. "apps/api" or "."
    entrypoint: str  # "module:attribute" importable from `root`, e.g. "src.main:app"
    python_version: str = "3.12"
    dependency_files: list[str] = Field(default_factory=list)
    dependencies: list[str] = Field(default_factory=list)  # normalised distribution names
    dockerfile: str | None = None  # relative to the app root, when the app ships one
    port: int = 8000
    health_path: str = "/api/health"
    # `entrypoint` names a function returning the app (`uvicorn module:make_app --factory`)
    factory: bool = False
    # environment variables the API reads with no default (BaseSettings fields, os.environ["X"]):
    # deployed without them it fails at start-up; sorted, unique
    required_env: list[str] = Field(default_factory=list)
    # every variable the API reads, defaults or not (analysis/scan/detectors/env_reads.py): the plan wires the app
    # by these names; kept out of the JSON report, whose fields are a contract
    read_env: list[str] = Field(default_factory=list, exclude=True)


class WebFacts(Model):
    """The front end as found in the repository."""

    root: str  # folder holding package.json
    framework: Literal["vite", "cra", "nextjs", "unknown"] = "unknown"
    build_command: str = "npm run build"
    output_dir: str = "dist"  # relative to `root`
    package_manager: Literal["npm", "pnpm", "yarn", "bun"] = "npm"
    api_url_env: str | None = None  # e.g. VITE_API_URL, the variable the front end reads


class DatabaseFacts(Model):
    drivers: list[str] = Field(default_factory=list)  # motor, pymongo, beanie, odmantic
    uri_env: str = "MONGODB_URL"  # env var the app reads the connection string from
    database_name: str = "app"


class AIProviderConfig(Model):
    """One provider block of farm.config's `ai.providers`."""

    enabled: bool = False
    models: list[str] = Field(default_factory=list)
    default_model: str | None = None
    url: str | None = None
    gpu: bool | None = None
    api_key_env: str | None = None


class AIConfig(Model):
    providers: dict[str, AIProviderConfig] = Field(default_factory=dict)
    # stage name in farm.config terms (development|staging|production) -> provider
    routing: dict[str, str] = Field(default_factory=dict)


class DeploymentRequirements(Model):
    """What the app needs, as in the seed, plus what the scan found to say so."""

    has_ai: bool = False
    ai_providers: list[str] = Field(default_factory=list)  # supported ones: ollama, openai, huggingface
    unsupported_ai_providers: list[str] = Field(default_factory=list)
    has_realtime: bool = False
    has_database: bool = False
    has_file_storage: bool = False
    writes_local_disk: bool = False
    expected_traffic: Literal["low", "medium", "high", "enterprise"] = "low"
    latency_requirements: Literal["standard", "low", "realtime"] = "standard"
    scaling_needs: Literal["static", "dynamic", "auto"] = "auto"
    regions: list[str] = Field(default_factory=lambda: ["us-east-1"])
    global_cdn: bool = True
    budget_tier: Literal["startup", "growth", "enterprise"] = "startup"
    cost_optimization: bool = True

    features: list[str] = Field(default_factory=list)  # farm.config `features`
    api: ApiFacts | None = None
    web: WebFacts | None = None
    database: DatabaseFacts | None = None
    ai: AIConfig = Field(default_factory=AIConfig)
    # requirement field name (e.g. "has_realtime") -> the findings that justify it
    evidence: dict[str, list[Finding]] = Field(default_factory=dict)


# --------------------------------------------------------------------------- decisions


class PlatformScore(Model):
    platform: str
    score: int
    confidence: float
    reasoning: list[str] = Field(default_factory=list)
    issues: list[str] = Field(default_factory=list)  # validation issues: why it cannot work as is
    valid: bool = True


class Alternative(Model):
    platform: str
    score: int
    confidence: float
    tradeoffs: list[str] = Field(default_factory=list)


class Recommendation(Model):
    platform: str
    confidence: float
    reasoning: list[str]
    alternatives: list[Alternative] = Field(default_factory=list)
    scores: list[PlatformScore] = Field(default_factory=list)


class ComponentChoices(Model):
    web: WebChoice = "cloudfront"
    api: ApiChoice = "ecs"
    ai: AIChoice = "none"
    db: DbTier = "none"
    network: bool = True
    monitoring: MonitoringLevel = "standard"


class ApiSettings(Model):
    root: str = "."
    # "module:attribute", or "module:function()" when a factory function builds the app
    # (no module-level app): the image runs uvicorn --factory, Lambda and Vercel call it.
    entrypoint: str = "main:app"
    dockerfile: str | None = None
    port: int = 8000
    health_path: str = "/api/health"
    cpu: int = 512  # ECS CPU units
    memory: int = 1024  # MiB
    min_count: int = 1
    max_count: int = 2
    lambda_memory: int = 1024
    lambda_timeout: int = 30
    reserved_concurrency: int = 10
    python_version: str = "3.12"
    # The files the API's packages are installed from, relative to `root` (the analyzer's choice:
    # development requirements left out; `../` for one above the API's folder, which an image
    # built from that folder cannot copy, but Vercel's inlined requirements can read).
    dependency_files: list[str] = Field(default_factory=list)
    dependencies: list[str] = Field(default_factory=list)  # normalised distribution names


class WebSettings(Model):
    root: str = "."
    framework: str = "unknown"
    build_command: str = "npm run build"
    output_dir: str = "dist"
    prebuilt_dir: str | None = None  # from farm:webPrebuiltDir: skip the build, upload this folder
    api_url_env: str | None = None


class ModelChoice(Model):
    name: str  # e.g. "llama3.1:8b" (Ollama tag) or "gpt-4o-mini" (cloud model id)
    provider: str
    hardware: Literal["gpu", "cpu", "cloud"]
    memory_gb: float | None = None
    reason: str = ""


class MigrationPlan(Model):
    """Seed's AI provider migration: what changes between local Ollama and this stage."""

    source_provider: str | None = None
    provider: str
    fallback_provider: str | None = None
    warnings: list[str] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)


class AISettings(Model):
    provider: AIChoice = "none"
    fallback_provider: str | None = None
    models: list[ModelChoice] = Field(default_factory=list)
    default_model: str | None = None
    gpu_instance_type: str | None = None  # e.g. g5.xlarge for ollama-gpu
    min_instances: int = 0
    max_instances: int = 1
    keep_alive: str = "24h"
    migration: MigrationPlan | None = None
    # Fargate size of the Ollama task when the stage runs it on CPU (ollama-cpu)
    cpu: int | None = None
    memory: int | None = None
    # GPU Ollama at 0 tasks (and 0 hosts) when idle, woken by the API's AI request metric
    scale_to_zero: bool = False
    idle_minutes: int = 30  # no AI request for this long: back to 0
    request_metric_namespace: str | None = None  # CloudWatch namespace of the API's `AIRequests` metric


class DatabaseSettings(Model):
    tier: DbTier = "none"
    instance_size: str | None = None  # M0 / FLEX / M10 ...
    provider_region: str = "US_EAST_1"
    backup: bool = False
    pitr: bool = False
    termination_protection: bool = False
    database_name: str = "app"
    uri_env: str = "MONGODB_URL"
    allow_open_access: bool = False  # 0.0.0.0/0, only with farm:allowOpenDbAccess in non-prod


class NetworkSettings(Model):
    az_count: int = 2
    nat_per_az: bool = False
    # "gateway": managed NAT gateway(s); "instance": one small EC2 NAT instance (dev's idle floor)
    nat: Literal["gateway", "instance"] = "gateway"
    cidr: str = "10.0.0.0/16"


class EnvRule(Model):
    required: bool = True
    type: Literal["string", "url", "int", "bool", "enum"] = "string"
    pattern: str | None = None
    choices: list[str] | None = None


class EnvVar(Model):
    """A variable the API or front end gets. Secrets carry no value, ever."""

    name: str
    target: Literal["api", "web"] = "api"
    secret: bool = False
    value: str | None = None  # None for secrets and for values only known at deploy time
    source: str = ""  # where the value comes from: "plan", "config:farm:openaiApiKey", "output:api.url"
    rule: EnvRule = Field(default_factory=EnvRule)


class CostItem(Model):
    component: str
    item: str
    quantity: float
    unit: str
    unit_price: float
    monthly: float
    source: str  # price table key and where the price was read


class CostEstimate(Model):
    stage: str
    region: str
    currency: str = "USD"
    price_table_date: str
    items: list[CostItem] = Field(default_factory=list)
    total: float = 0.0
    usage: dict[str, float] = Field(default_factory=dict)  # the usage assumptions the estimate used
    notes: list[str] = Field(default_factory=list)  # what is not priced, and why


class SecuritySettings(Model):
    """The stage's hardening switches (docs/security.md)."""

    waf: WafLevel = "off"
    kms: KmsMode = "aws-managed"
    access_log_days: int = 30
    db_password_version: int = 1


class ReleasePins(Model):
    """Values that move between stages with `farm-deploy promote`."""

    api_image: str | None = None  # `<registry>/<repository>@sha256:<digest>`
    web_version: str | None = None  # served from `s3://<release_bucket>/web/<web_version>/`
    models: list[str] | None = None
    release_bucket: str | None = None
    release_region: str | None = None  # None: the stage's region
    # Build from the checkout during `pulumi up` what is not pinned (dev convenience).
    build_api: bool = False
    build_web: bool = False


class PreviewSettings(Model):
    """A preview stage's own parts and what it reads from dev (analysis/preview.py)."""

    dev_stack: str = "dev"  # the stack reference: `dev`, `org/dev` or `org/project/dev`
    pr_number: int | None = None
    route_priority: int  # dev's listener rule priority
    route_header: str  # the header CloudFront adds and the listener rule matches
    route_value: str
    database_name: str | None = None  # its own database on dev's cluster
    ttl_hours: int = 168  # the sweeper removes it after this long
    seed_command: str | None = None  # farm:previewSeed: run once in the API image on the new database


class DbRegionNodes(Model):
    """One region of a multi-region Atlas cluster: its electable nodes and election priority."""

    region: str  # AWS name, e.g. eu-west-1
    atlas_region: str  # Atlas's name for it, e.g. EU_WEST_1
    electable_nodes: int
    priority: int  # 7 for the primary region, one less for each next


class MultiRegion(Model):
    """A stage in several AWS regions (docs/multi-region.md); None on a single-region stage."""

    regions: list[str]  # the primary first
    ai_regions: list[str] = Field(default_factory=list)  # regions that run Ollama
    db_nodes: list[DbRegionNodes] = Field(default_factory=list)
    survives: list[str] = Field(default_factory=list)  # what losing each region does, one line each


class StagePlan(Model):
    """What one stage gets, and why."""

    stage: str
    platform: str
    region: str = "us-east-1"
    components: ComponentChoices
    reasons: dict[str, list[str]] = Field(default_factory=dict)  # component key -> why
    api: ApiSettings = Field(default_factory=ApiSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    ai: AISettings = Field(default_factory=AISettings)
    db: DatabaseSettings = Field(default_factory=DatabaseSettings)
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    env: list[EnvVar] = Field(default_factory=list)
    protect_stateful: bool = False
    domain: str | None = None
    hosted_zone: str | None = None  # Route 53 zone name: certificates and records are made in it
    certificate_arn: str | None = None  # CloudFront's (us-east-1)
    api_certificate_arn: str | None = None  # the load balancer's (the stage's region)
    alarm_email: str | None = None
    acknowledged: list[str] = Field(default_factory=list)
    release: ReleasePins = Field(default_factory=ReleasePins)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    cost: CostEstimate | None = None
    warnings: list[str] = Field(default_factory=list)
    preview: PreviewSettings | None = None  # preview stage only
    multi_region: MultiRegion | None = None  # more than one region only
    # The app's GitHub repository (`owner/name`) from its checkout's origin remote: what Railway builds from.
    repository: str | None = None

    @property
    def regions(self) -> list[str]:
        """Every region the stage runs in, the primary (`region`) first."""
        return list(self.multi_region.regions) if self.multi_region else [self.region]


class AppAnalysis(Model):
    """Everything `analyze` knows about one app repository."""

    app_path: str
    farm_config_file: str | None = None
    requirements: DeploymentRequirements
    findings: list[Finding] = Field(default_factory=list)
