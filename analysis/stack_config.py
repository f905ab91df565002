"""The `farm:` keys of a stack's config, validated.

Both the command line (reading `Pulumi.<stack>.yaml` itself) and the Pulumi
program (reading `pulumi.Config("farm")`) turn the raw key/value pairs into a
`StackSettings` here, so a bad key fails the same way in both, naming the file
and the key. Secret keys (API tokens) are not read here: the program reads them
with `require_secret` and the analyzer only ever needs their names.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .aws_regions import check_region
from .errors import UserError
from .models import ALL_STAGES, PREVIEW_STAGE

NAMESPACE = "farm"


class PolicyWaiver(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy: str
    reason: str = Field(min_length=3)


class StackSettings(BaseModel):
    """Every `farm:` key an operator may set; `docs/reference/config.md` is generated from these fields."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    app_path: str = Field(
        default="examples/farm-chat",
        alias="appPath",
        description="path: the FARM app to deploy, relative to the project folder",
    )
    stage: str | None = Field(
        default=None,
        description="`dev`|`staging`|`prod`|`preview`: the stage, when the stack is not named after one "
        "(a stack named `pr-<number>` is a preview)",
    )
    preview_dev_stack: str | None = Field(
        default=None,
        alias="previewDevStack",
        description="preview stages: the dev stack whose VPC, cluster, load balancer, Ollama and Atlas cluster "
        "the preview shares, as a stack reference (`dev`, `org/dev` or `org/project/dev`; default `dev`)",
    )
    preview_seed: str | None = Field(
        default=None,
        alias="previewSeed",
        min_length=1,
        description="preview stages: a command run once in the API image against the preview's new, empty "
        "database (its own connection string in the usual variable), e.g. `python -m src.seed`; "
        "without it a preview's database starts empty",
    )
    platform: str | None = Field(
        default=None,
        description="`aws`|`aws-serverless`|`vercel`|`railway`|`docker`: override the recommended platform",
    )
    web: str | None = Field(default=None, description="override the front-end choice (see docs/analyzer.md, overrides)")
    api: str | None = Field(default=None, description="override the API choice (see docs/analyzer.md, overrides)")
    ai: str | None = Field(default=None, description="override the AI choice (see docs/analyzer.md, overrides)")
    db_tier: str | None = Field(
        default=None, alias="dbTier", description="override the Atlas tier (see docs/analyzer.md, overrides)"
    )
    monitoring: str | None = Field(
        default=None, description="override the monitoring level (see docs/analyzer.md, overrides)"
    )
    region: str | None = Field(
        default=None,
        description="AWS region: the stage's region (default: `aws:region`), one AWS has (botocore's partition data)",
    )
    regions: list[str] | None = Field(
        default=None,
        description="AWS regions the stage runs in, the primary first (default: `farm:region`; prod and staging "
        "take farm.config's `deployment.regions`): each gets its own network, cluster, API and load balancer, "
        "Atlas spans them; needs `farm:domain` and `farm:hostedZone` (docs/multi-region.md)",
    )
    ai_regions: list[str] | None = Field(
        default=None,
        alias="aiRegions",
        description="of `farm:regions`, those that run Ollama (default: all of them); "
        "the API elsewhere answers with the AI fallback, or 503",
    )
    domain: str | None = Field(
        default=None,
        description="a DNS name (lower case, no scheme): serve the site on it through CloudFront and the API on `api.<domain>` over HTTPS",
    )
    certificate_arn: str | None = Field(
        default=None,
        alias="certificateArn",
        description="ACM certificate in us-east-1 (CloudFront's region) covering the domain and `api.<domain>`",
    )
    hosted_zone: str | None = Field(
        default=None,
        alias="hostedZone",
        description="the Route 53 public hosted zone holding `farm:domain` (its name, e.g. example.com): "
        "farm-deploy then requests the certificates (DNS-validated) and creates the site's and `api.<domain>`'s "
        "alias records; without it, give `farm:certificateArn` and create the records yourself",
    )
    # CloudFront's certificate must be in us-east-1, an ALB's in its own region.
    api_certificate_arn: str | None = Field(
        default=None,
        alias="apiCertificateArn",
        description="the load balancer's ACM certificate, for stages outside us-east-1; "
        "a stage outside us-east-1 with a domain and no such certificate is an error naming this key",
    )
    alarm_email: str | None = Field(
        default=None, alias="alarmEmail", description="e-mail: subscribe this address to the alarm topic"
    )
    monthly_budget: float | None = Field(
        default=None,
        alias="monthlyBudget",
        gt=0,
        allow_inf_nan=False,
        description="USD a month, positive: `farm-deploy plan` fails (policy monthly-budget) when the typical "
        "estimate exceeds it, and an AWS Budget alerts when actual or forecast spend passes it (docs/cost.md)",
    )
    budget_alert_percent: float = Field(
        default=80,
        alias="budgetAlertPercent",
        gt=0,
        le=1000,
        description="percent of farm:monthlyBudget at which the AWS Budget notifies (actual and forecast spend)",
    )
    api_min_count: int | None = Field(
        default=None, alias="apiMinCount", ge=0, le=100, description="API tasks, at least"
    )
    api_max_count: int | None = Field(default=None, alias="apiMaxCount", ge=1, le=200, description="API tasks, at most")
    api_cpu: int | None = Field(default=None, alias="apiCpu", description="the API task's CPU units (Fargate sizes)")
    api_memory: int | None = Field(default=None, alias="apiMemory", description="the API task's memory, MiB")
    gpu_instance_type: str | None = Field(
        default=None, alias="gpuInstanceType", description="the Ollama GPU hosts' EC2 instance type"
    )
    nat_per_az: bool | None = Field(default=None, alias="natPerAz", description="one NAT gateway per AZ")
    nat_instance: bool | None = Field(
        default=None,
        alias="natInstance",
        description="one small EC2 NAT instance instead of NAT gateways (default: true in dev, false elsewhere)",
    )
    ai_scale_to_zero: bool | None = Field(
        default=None,
        alias="aiScaleToZero",
        description="GPU Ollama scales to 0 tasks and 0 hosts when idle and wakes on the first AI request "
        "(default: true in dev, false elsewhere; cold start of several minutes)",
    )
    acknowledge: list[str] = Field(
        default_factory=list, description="conflict ids the operator accepts (see docs/analyzer.md)"
    )
    allow_open_db_access: bool = Field(
        default=False,
        alias="allowOpenDbAccess",
        description="open Atlas to `0.0.0.0/0` (dev and staging only; refused in prod)",
    )
    # Vercel functions have no fixed egress: their Secure Compute IPs go here.
    db_access_cidrs: list[str] = Field(
        default_factory=list,
        alias="dbAccessCidrs",
        description="extra CIDRs allowed into Atlas besides the stage's NAT addresses",
    )
    atlas_org_id: str | None = Field(
        default=None, alias="atlasOrgId", description="the Atlas organisation the stage's project is created in"
    )
    web_prebuilt_dir: str | None = Field(
        default=None,
        alias="webPrebuiltDir",
        description="path: upload this built folder instead of running the app's build",
    )
    railway_repo: str | None = Field(
        default=None,
        alias="railwayRepo",
        pattern=r"^[\w.-]+/[\w.-]+$",
        description="`owner/name`: the GitHub repository Railway services build from",
    )
    railway_workspace_id: str | None = Field(
        default=None, alias="railwayWorkspaceId", description="the Railway workspace the project is created in"
    )
    railway_api_image: str | None = Field(
        default=None,
        alias="railwayApiImage",
        description="a prebuilt API image for Railway (`image:tag`), used when `farm:apiImage` is not set",
    )
    docker_gpu: bool | None = Field(
        default=None, alias="dockerGpu", description="the Docker host runs Ollama on its GPUs"
    )
    docker_publish_api: bool = Field(
        default=False, alias="dockerPublishApi", description="publish the API on the Docker host's 127.0.0.1"
    )
    docker_web_port: int = Field(
        default=8080, alias="dockerWebPort", ge=1, le=65535, description="the Docker host's web server port"
    )
    waf: str | None = Field(
        default=None,
        description="`off`|`basic`|`strict`: the web ACL in front of CloudFront "
        "(default: off in dev, basic in staging and prod; docs/security.md)",
    )
    kms: str | None = Field(
        default=None,
        description="`aws-managed`|`customer`: who holds the keys of Secrets Manager, EFS and CloudWatch Logs "
        "(default: customer in prod, aws-managed below; docs/security.md)",
    )
    access_log_days: int | None = Field(
        default=None,
        alias="accessLogDays",
        ge=1,
        le=3650,
        description="days the CloudFront and load-balancer access logs are kept (default: 14 dev, 30 staging, 365 prod)",
    )
    db_password_version: int = Field(
        default=1,
        alias="dbPasswordVersion",
        ge=1,
        description="the database password's version: `farm-deploy rotate db-password` raises it, "
        "and the next `pulumi up` rotates the password and rolls the API",
    )
    policy_waivers: list[PolicyWaiver] = Field(
        default_factory=list,
        alias="policyWaivers",
        description="list of `{policy, reason}`: waive a policy for this stack (see docs/policies-and-ci.md)",
    )
    api_env: dict[str, str] = Field(
        default_factory=dict,
        alias="apiEnv",
        description="extra plain variables for the API "
        "(`pulumi config set --path 'farm:apiEnv.NAME' value`); a name that looks like a credential is refused",
    )
    # Names (never values) of the API's extra secrets, from the `farm:apiSecrets` secret map.
    api_secret_names: list[str] = Field(default_factory=list, exclude=True)
    # Secret keys (`openaiApiKey` ...) the stack file sets, when read from one; None: not known (assume set).
    secrets_set: list[str] | None = Field(default=None, exclude=True)
    # Release pins: the keys `farm-deploy promote` copies between stages.
    api_image: str | None = Field(
        default=None,
        alias="apiImage",
        description="release pin: the API image by digest, `<registry>/<repository>@sha256:<64 hex>`, "
        "written by `farm-deploy release build --pin STACK` (promoted by `farm-deploy promote`); "
        "the stage deploys exactly these bytes and builds no image",
    )
    web_version: str | None = Field(
        default=None,
        alias="webVersion",
        description="release pin: the front-end bundle `s3://<farm:releaseBucket>/web/<version>/` the stage serves, "
        "written by `farm-deploy release build` (promoted by `farm-deploy promote`); changing it uploads nothing",
    )
    models: list[str] | None = Field(
        default=None, description="release pin: the Ollama models the stage pulls (promoted by `farm-deploy promote`)"
    )
    # Where releases live: shared by the stages, created once (docs/operating.md, Releases).
    release_bucket: str | None = Field(
        default=None,
        alias="releaseBucket",
        pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
        description="S3 bucket name: the release bucket holding every web bundle under `web/<version>/`; "
        "a stage pinned to `farm:webVersion` serves from it",
    )
    release_region: str | None = Field(
        default=None,
        alias="releaseRegion",
        description="AWS region of the release bucket (default: the stage's region); CloudFront reads it there",
    )
    release_repository: str | None = Field(
        default=None,
        alias="releaseRepository",
        description="`<registry>/<repository>`: the release image repository `farm-deploy release build` pushes to",
    )
    build_from_source: bool | None = Field(
        default=None,
        alias="buildFromSource",
        description="dev convenience: during `pulumi up`, build from the checkout the API image and the front end "
        "when they are not pinned (`farm:apiImage`, `farm:webVersion`); pins always win; reported in the plan. "
        "Only dev's stack file sets it; unset, an unpinned artifact is built with a plan warning; "
        "false, a missing pin is an error",
    )

    def resolved_stage(self, stack: str) -> str:
        if self.stage:
            return self.stage
        from .preview import is_preview_name

        return PREVIEW_STAGE if is_preview_name(stack) else stack


# Release pins: promotable between stages. Everything else differs by design.
PROMOTABLE_KEYS: tuple[str, ...] = ("apiImage", "webVersion", "models")
# Keys that once existed: a stack file still setting one gets this message.
RETIRED_KEYS: dict[str, str] = {
    "apiImageTag": "replaced by farm:apiImage, the image by digest (`<registry>/<repository>@sha256:<digest>`): "
    "a tag rebuilt per stage was not the image that ran in the stage before",
}
# Secret keys the program reads with require_secret (never in this model).
SECRET_KEY_DOCS: dict[str, str] = {
    "apiSecrets": "secret map: extra secrets for the API "
    "(`pulumi config set --secret --path 'farm:apiSecrets.NAME' value`); on AWS each becomes a Secrets Manager secret",
    "openaiApiKey": "secret: the OpenAI API key, when the stage uses OpenAI",
    "huggingfaceToken": "secret: the Hugging Face token, when the stage uses Hugging Face",
    "railwayToken": "secret: the Railway API token, on Railway stages",
}
SECRET_KEYS: tuple[str, ...] = tuple(SECRET_KEY_DOCS)

ALLOWED_KEYS: tuple[str, ...] = tuple(
    sorted({f.alias or n for n, f in StackSettings.model_fields.items() if not f.exclude} | set(SECRET_KEYS))
)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _coerce(value: Any) -> Any:
    # Pulumi config values set from the CLI are strings; structured values set
    # with --path or in YAML arrive as lists/dicts, or as JSON text via pulumi.Config.
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def parse_settings(raw: dict[str, Any], *, file: str, stack: str) -> StackSettings:
    """Validate `farm:` keys (names without the namespace) into settings."""
    values: dict[str, Any] = {}
    secret_names: list[str] = []
    for key, value in raw.items():
        if key == "apiSecrets":
            secret_names = _secret_names(_coerce(value), file)
            continue
        if key in SECRET_KEYS:
            continue
        if key in RETIRED_KEYS:
            raise UserError(
                RETIRED_KEYS[key],
                file=file,
                key=f"{NAMESPACE}:{key}",
                value=value,
                hint="run `farm-deploy release build --pin STACK` (docs/operating.md, Releases), "
                f"then delete {NAMESPACE}:{key} from the stack file",
            )
        if key not in ALLOWED_KEYS:
            raise UserError(
                "unknown config key",
                file=file,
                key=f"{NAMESPACE}:{key}",
                valid=[f"{NAMESPACE}:{k}" for k in ALLOWED_KEYS],
                hint="check the spelling; docs/reference/config.md lists every farm: key",
            )
        values[key] = _coerce(value)
    try:
        settings = StackSettings.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise UserError(
            err["msg"],
            file=file,
            key=f"{NAMESPACE}:{loc}",
            value=err.get("input"),
        ) from None
    _check_api_env(settings.api_env, secret_names, file)
    if settings.region is not None:
        check_region(settings.region, file=file, key=f"{NAMESPACE}:region")
    if settings.regions is not None:
        from .regions import check_region_list

        settings.regions = check_region_list(settings.regions, file=file, key=f"{NAMESPACE}:regions")
    if settings.domain is not None:
        check_domain(settings.domain, file=file, key=f"{NAMESPACE}:domain")
    if settings.api_image is not None:
        check_image_ref(settings.api_image, file=file, key=f"{NAMESPACE}:apiImage")
    if settings.web_version is not None:
        check_web_version(settings.web_version, file=file, key=f"{NAMESPACE}:webVersion")
    if settings.release_region is not None:
        check_region(settings.release_region, file=file, key=f"{NAMESPACE}:releaseRegion")
    if settings.release_repository is not None:
        check_repository(settings.release_repository, file=file, key=f"{NAMESPACE}:releaseRepository")
    _check_zone(settings, file)
    settings.api_secret_names = secret_names
    settings.secrets_set = sorted(k for k in raw if k in SECRET_KEYS)
    stage = settings.resolved_stage(stack)
    if stage == PREVIEW_STAGE:
        from .preview import pr_number

        pr_number(stack, file=file)
    if stage not in ALL_STAGES:
        raise UserError(
            "unknown stage",
            file=file,
            key=f"{NAMESPACE}:stage",
            value=stage,
            valid=list(ALL_STAGES),
            hint="set farm:stage when the stack is not named after a stage",
        )
    return settings


# A DNS name as Route 53 and ACM take it: lower-case labels of letters, digits
# and inner hyphens, 1-63 characters each, at least two labels, 253 in all
# (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html).
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def check_domain(domain: str, *, file: str, key: str) -> str:
    """The domain, or one message saying what is wrong with it (a URL, a space, upper case ...)."""
    problem = None
    if "://" in domain or "/" in domain:
        problem = "a domain name, not a URL: drop the scheme and any path"
    elif domain != domain.strip() or " " in domain:
        problem = "a domain name has no spaces"
    elif domain != domain.lower():
        problem = "write the domain in lower case"
    elif len(domain.rstrip(".")) > 253:
        problem = "a domain name has at most 253 characters"
    else:
        labels = domain.rstrip(".").split(".")
        if len(labels) < 2:
            problem = "a domain name has at least two labels, like example.com"
        elif not all(_LABEL.match(label) for label in labels):
            problem = "each label is 1-63 letters, digits or inner hyphens"
    if problem:
        raise UserError("not a valid domain name", file=file, key=key, value=domain, hint=problem)
    return domain.rstrip(".")


# An image by digest as a registry serves it: `<registry>/<repository>@sha256:<64 hex>`
# (https://github.com/distribution/reference/blob/main/reference.go for the grammar;
# ECR's repository names: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html).
_REGISTRY = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?"
_REPOSITORY = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
REPOSITORY_RE = re.compile(rf"^(?P<registry>{_REGISTRY})/(?P<repository>{_REPOSITORY})$")
IMAGE_REF_RE = re.compile(
    rf"^(?P<registry>{_REGISTRY})/(?P<repository>{_REPOSITORY})@sha256:(?P<digest>[0-9a-f]{{64}})$"
)
# A web version is one S3 key segment: `web-<16 hex>` as `release build` writes it, or a name of your own.
WEB_VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
IMAGE_REF_EXAMPLE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/farm-chat-api@sha256:" + "0" * 64


def check_image_ref(ref: str, *, file: str | None, key: str, line: int | None = None) -> str:
    """`ref` when it names an image by digest, else one message saying what is wrong with it."""
    if IMAGE_REF_RE.match(ref):
        return ref
    if "@sha256:" not in ref:
        why = "an image by digest is `<registry>/<repository>@sha256:<64 hex>`; a tag can be moved or re-pushed"
    elif not re.search(r"@sha256:[0-9a-f]{64}$", ref):
        why = "the digest is `sha256:` and 64 lower-case hex digits"
    else:
        why = "the registry and repository come first: `<registry>/<repository>@sha256:...`"
    raise UserError(
        "not an image digest reference",
        file=file,
        line=line,
        key=key,
        value=ref,
        hint=f"{why}; e.g. {IMAGE_REF_EXAMPLE}; `farm-deploy release build --pin STACK` writes it",
    )


def check_web_version(version: str, *, file: str | None, key: str, line: int | None = None) -> str:
    if WEB_VERSION_RE.match(version):
        return version
    raise UserError(
        "not a web version",
        file=file,
        line=line,
        key=key,
        value=version,
        hint="one S3 key segment: letters, digits, '.', '_', '-' (at most 100), e.g. web-3f9c2ab01d4e5f60",
    )


def check_repository(repository: str, *, file: str | None, key: str) -> str:
    if REPOSITORY_RE.match(repository):
        return repository
    raise UserError(
        "not an image repository",
        file=file,
        key=key,
        value=repository,
        hint="`<registry>/<repository>` without tag or digest, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/farm-chat-api",
    )


def _check_zone(settings: StackSettings, file: str) -> None:
    """A domain needs a way to certificates: a hosted zone to make them in, or one made by hand."""
    zone, domain = settings.hosted_zone, settings.domain
    if zone is not None:
        zone = check_domain(zone, file=file, key=f"{NAMESPACE}:hostedZone")
        settings.hosted_zone = zone
        if domain is None:
            raise UserError(
                "a hosted zone but no domain to serve in it",
                file=file,
                key=f"{NAMESPACE}:domain",
                hint=f"set farm:domain to a name in {zone}, or remove farm:hostedZone",
            )
        if domain != zone and not domain.endswith("." + zone):
            raise UserError(
                f"the hosted zone {zone} does not cover the domain {domain}",
                file=file,
                key=f"{NAMESPACE}:hostedZone",
                value=zone,
                hint=f"use the zone that holds {domain} (a Route 53 zone answers for its name and the names under it)",
            )
    elif domain is not None and settings.certificate_arn is None:
        raise UserError(
            f"the domain {domain} has no hosted zone and no certificate",
            file=file,
            key=f"{NAMESPACE}:domain",
            hint=f"either set farm:hostedZone to the Route 53 zone holding {domain} (farm-deploy requests the "
            f"certificates and creates the DNS records), or set farm:certificateArn to an ACM certificate in "
            f"us-east-1 covering {domain} and api.{domain} (you create the DNS records)",
        )


def _secret_names(value: Any, file: str) -> list[str]:
    if not isinstance(value, dict):
        raise UserError(
            "farm:apiSecrets is a map of NAME: secret value",
            file=file,
            key=f"{NAMESPACE}:apiSecrets",
            hint=f"pulumi config set --secret --path '{NAMESPACE}:apiSecrets.NAME' <value>",
        )
    for name in value:
        if not _ENV_NAME.match(str(name)):
            raise UserError("not an environment variable name", file=file, key=f"{NAMESPACE}:apiSecrets.{name}")
    return sorted(str(n) for n in value)


def _check_api_env(env: dict[str, str], secret_names: list[str], file: str) -> None:
    from .env_names import looks_like_credential

    for name in env:
        key = f"{NAMESPACE}:apiEnv.{name}"
        if not _ENV_NAME.match(name):
            raise UserError("not an environment variable name", file=file, key=key)
        if looks_like_credential(name):
            raise UserError(
                "this looks like a credential: plain variables are readable by anyone who can describe the service",
                file=file,
                key=key,
                hint=f"pulumi config set --secret --path '{NAMESPACE}:apiSecrets.{name}' <value>",
            )
        if name in secret_names:
            raise UserError("set both as a plain variable and as a secret", file=file, key=key)


def split_namespace(config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a stack file's `config:` map into (farm keys without prefix, the rest)."""
    farm: dict[str, Any] = {}
    other: dict[str, Any] = {}
    for key, value in (config or {}).items():
        ns, _, name = str(key).partition(":")
        if ns == NAMESPACE and name:
            farm[name] = value
        else:
            other[str(key)] = value
    return farm, other


def stack_file(project_dir: Path, stack: str) -> Path:
    return project_dir / f"Pulumi.{stack}.yaml"
