"""The `--json` documents of `farm-deploy`: a contract other tools read.

Each document names its command, its `schema_version` and its top-level
fields; docs/reference/json.md is rendered from this table and the tests check
every emitted document against it. Add fields freely; bump the version when a
field changes meaning or goes away.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from analysis.cost_declared import DeclaredCost, DeclaredCostItem
from analysis.models import CostEstimate, DeploymentRequirements, Finding, Recommendation, StagePlan


@dataclass(frozen=True)
class JsonDocument:
    command: str
    version: int
    summary: str
    fields: dict[str, str]
    models: tuple[type[BaseModel], ...] = field(default=())


ANALYZE = JsonDocument(
    command="farm-deploy analyze --json",
    version=2,  # 2: StagePlan.release.api_image (by digest) replaced api_image_tag
    summary="The analyzer's report: what the app needs, the recommended platform, and each stage's plan and cost.",
    fields={
        "schema_version": "this document's version",
        "app": "the app folder analyzed",
        "farm_config": "the farm.config file read, relative to the app, or null",
        "requirements": "`DeploymentRequirements`: what the app needs",
        "findings": "list of `Finding`: what the scan saw, each with its file and line",
        "recommendation": "`Recommendation`: the platform, its reasons, alternatives and scores",
        "stages": "stage name -> `StagePlan`, for the stages asked for",
        "cost": "stage name -> `CostEstimate` or null",
        "warnings": 'every stage plan\'s warnings, each as `"<stage>: <warning>"`',
    },
    models=(DeploymentRequirements, Finding, Recommendation, StagePlan, CostEstimate),
)

PLAN = JsonDocument(
    command="farm-deploy plan --json",
    version=2,  # 2: StagePlan.release.api_image (by digest) replaced api_image_tag
    summary="The offline plan: the Pulumi program evaluated under the mock engine for one stack.",
    fields={
        "schema_version": "this document's version",
        "stack": "the stack planned",
        "stage": "the stage it deploys",
        "plan": "the stack's `StagePlan`",
        "resources": "`[{type, name, parent, inputs, protect, provider, dependencies}]`: every resource registration, "
        'inputs as the provider receives them (camelCase keys, numbers as floats, secrets `"[secret]"`); '
        "`provider` is `{name, package, default, region}` for a cloud resource (`name` is the provider resource's "
        'logical name, `"default"` for the package\'s default provider; `region` is where an AWS resource lands, '
        "null for other packages) and null for components and providers; `dependencies` are the names of the "
        "resources it waits for: its `depends_on` and those whose outputs reach its inputs (a component expanded "
        "to its children)",
        "counts": "resource type -> count",
        "outputs": "the stack outputs, secrets masked (docs/reference/outputs.md)",
        "cost": "the stage's `DeclaredCost`: priced from `resources`, `idle` and `typical` USD/month, each item with "
        "its `assumption` and `region` (docs/cost.md); `total` equals `typical`; `regions` itemises a stage "
        "whose resources span regions (docs/multi-region.md)",
        "policy": "`{checked, violations: [{policy, level, resource, type, message}], waived, unused_waivers, mandatory}`",
        "missing_secrets": "secret keys the stage needs that the stack file does not set",
        "documents": "`[{resource, type, field, message}]`: documents inside resources (container definitions, IAM "
        "policies, dashboards, user data) that do not match AWS's own shapes; any entry makes the command exit 1 "
        "(unless `--fail-on never`)",
        "warnings": "every warning: the stage plan's (also in `plan.warnings`) and what the program reported with "
        "`pulumi.log.warn` during the run",
    },
    models=(StagePlan, CostEstimate, DeclaredCost, DeclaredCostItem),
)

ENV_LIST = JsonDocument(
    command="farm-deploy env list --json",
    version=1,
    summary="The environment of a stack's API and front end: names, sources and rules, never secret values.",
    fields={
        "schema_version": "this document's version",
        "stack": "the stack as given (NAME, ORG/NAME or ORG/PROJECT/NAME)",
        "stage": "the stage it deploys",
        "platform": "the stage's platform",
        "variables": "`[{name, target, secret, value, source, rule}]`: `value` is null for secrets, `source` names "
        "the config key (`config:farm:openaiApiKey`)",
        "warnings": "the stage plan's warnings",
    },
)

ENV_VALIDATE = JsonDocument(
    command="farm-deploy env validate --json",
    version=1,
    summary="An env file checked against a stack's rules; the command exits 1 when `valid` is false.",
    fields={
        "schema_version": "this document's version",
        "stack": "the stack as given",
        "stage": "the stage it deploys",
        "file": "the env file checked",
        "valid": "true when no rule is broken",
        "errors": "broken rules, one sentence each (values of secrets never shown)",
        "warnings": "what is suspicious but allowed",
    },
)

_AI_COMMON = {
    "schema_version": "this document's version",
    "action": "`analyze`, `migrate` or `optimize`",
}

AI_ANALYZE = JsonDocument(
    command="farm-deploy ai analyze --json",
    version=1,
    summary="Each stage's AI provider, fallback, models, hardware and AI cost.",
    fields={
        **_AI_COMMON,
        "providers": "AI providers the app uses",
        "unsupported_providers": "providers seen in the code that no platform here serves",
        "routing": "environment -> provider, from the app's AI config",
        "stages": "stage -> `{ai, fallback, models, gpu_instance_type, instances, reasons, migration, cost}`",
        "warnings": 'every stage plan\'s warnings, each as `"<stage>: <warning>"`',
    },
)

AI_MIGRATE = JsonDocument(
    command="farm-deploy ai migrate --json",
    version=1,
    summary="What moving to another AI provider changes, and what to do.",
    fields={
        **_AI_COMMON,
        "source_provider": "the provider used today",
        "provider": "the provider moved to (`--to`)",
        "fallback_provider": "the fallback after the move, or null",
        "warnings": "what the move breaks or needs attention for",
        "actions": "the steps to take, in order",
        "platform": "the platform the move is planned on",
    },
)

AI_OPTIMIZE = JsonDocument(
    command="farm-deploy ai optimize --json",
    version=1,
    summary="The model each stage runs, from the dated model table.",
    fields={
        **_AI_COMMON,
        "model_table_date": "when the model table was last checked",
        "table": "`[{name, provider, hardware, memory_gb, note, source}]`: the model table",
        "stages": "stage -> `{ai, models, gpu_instance_type, keep_alive, warnings}`",
        "warnings": 'every stage plan\'s warnings, each as `"<stage>: <warning>"`',
    },
)

POLICY_LIST = JsonDocument(
    command="farm-deploy policy list --json",
    version=1,
    summary="Every rule of the policy pack. (`policy config` writes Pulumi's own policy-pack config format, "
    "which has no `schema_version`.)",
    fields={
        "schema_version": "this document's version",
        "rules": "`[{id, level, kind, stages, mirrors, resource_types, description}]`",
    },
)

_PIN_CHANGES = (
    "`[{key, from, to, action}]`: `key` as the stack file writes it (`farm:apiImage`), "
    "`action` one of add, change, remove, same"
)

RELEASE_BUILD = JsonDocument(
    command="farm-deploy release build --json",
    version=1,
    summary="One release built and published: the web version and the API image digest, and the pins written.",
    fields={
        "schema_version": "this document's version",
        "commit": "the app checkout's git commit, or null",
        "app": "the app folder built",
        "web": "`{version, bucket, prefix, uploaded, files, package_manager, manifest, local_manifest}` or null "
        "with --skip-web; `uploaded` is false when the version was already in the bucket",
        "image": "`{ref, digest, tag, repository, built}` or null with --skip-image; `ref` is "
        "`<repository>@sha256:<digest>`, `built` false when the tag was already pushed",
        "pinned": "with --pin: `{stack, file, written, changes, diff, notes, next}` (`changes` as in promote), "
        "else null",
    },
)

RELEASE_CHECK = JsonDocument(
    command="farm-deploy release check --stack STACK --json",
    version=1,
    summary="A stack's release pins checked; any problem is an error (exit 2) instead of a document.",
    fields={
        "schema_version": "this document's version",
        "stack": "the stack as given",
        "file": "its stack file",
        "api_image": "`farm:apiImage`, checked to be an image by digest, or null",
        "web_version": "`farm:webVersion`, or null",
        "web_manifest": "where the version's manifest was found (s3:// URL, or a local file with --offline)",
        "ok": "always true (a failed check exits with an error message instead)",
    },
)

PROMOTE = JsonDocument(
    command="farm-deploy promote FROM TO --json",
    version=1,
    summary="The release pins copied from one stack file to another.",
    fields={
        "schema_version": "this document's version",
        "from": "the source stack as given",
        "to": "the target stack as given",
        "file": "the target stack file",
        "dry_run": "true with --dry-run: nothing written",
        "written": "true when the target file was rewritten",
        "changes": _PIN_CHANGES,
        "not_promoted": "config keys (`farm:dbTier`) that differ between the stacks by design and were left alone",
        "diff": "unified diff of the target stack file",
        "notes": "what the command noticed (uncommitted edits, --force)",
        "next": "the `pulumi up` to run next, or null when nothing changed",
    },
)

ROLLBACK = JsonDocument(
    command="farm-deploy rollback --stack STACK --json",
    version=1,
    summary="The previous release pins written back from the stack file's git history.",
    fields={
        "schema_version": "this document's version",
        "stack": "the stack as given",
        "file": "its stack file",
        "commit": "the commit whose pins were taken",
        "subject": "that commit's subject",
        "dry_run": "true with --dry-run: nothing written",
        "written": "true when the stack file was rewritten",
        "changes": _PIN_CHANGES,
        "diff": "unified diff of the stack file",
        "notes": "what the command noticed (uncommitted edits, --force)",
        "next": "the `pulumi up` to run next, or null when nothing changed",
    },
)

VERIFY = JsonDocument(
    command="farm-deploy verify --stack STACK --json",
    version=1,  # `regions` and the checks' `region` added (multi-region stages): additive, still 1
    summary="After `pulumi up`: ECS deployments and health checks (and, on a multi-region stage, each region's "
    "alarms and Route 53 health check); the command exits 1 when `ok` is false.",
    fields={
        "schema_version": "this document's version",
        "stack": "the stack as given",
        "ok": "true when every check passed",
        "checks": "`[{name, ok, detail, url?, region?}]`: each region's `ecs:<service>` (then, on a multi-region "
        "stage, `alarms` and `route53`), primary region first, then `health:<check>`; `region` is set on a "
        "multi-region stage's regional checks",
        "regions": "`[{region, primary, ok}]`: each region that had checks of its own (one on a single-region "
        "stack with ECS, none without); `ok` false names an unhealthy region",
    },
)

STATUS = JsonDocument(
    command="farm-deploy status --stack STACK --json",
    version=1,  # `regions` and the entries' `region` added (multi-region stages): additive, still 1
    summary="One screen of a deployed stack; the command exits 1 when `ok` is false.",
    fields={
        "schema_version": "this document's version",
        "stack": "the stack as given",
        "ok": "true when the health checks pass, deployments are the registered ones, no alarm fires and every "
        "region's Route 53 health check is healthy",
        "outputs": "`{stage, platform, region, webUrl, apiUrl, dashboardUrl, estimatedMonthlyCost}`, named as "
        "the stack outputs",
        "health": "`[{name, ok, detail, url?}]`",
        "ecs": "`[{service, name, expectedTaskDefinition, ok, detail, deployments, region?}]`: every region's "
        "services, primary region first; `region` is set on a multi-region stage",
        "alarms": "`[{name, state, reason, updated, region?}]`: every region's alarms, as `ecs`",
        "errors": "what could not be read (the alarms), one sentence each, led by the region on a multi-region "
        "stage (a Route 53 health check that cannot be read is a failed `healthCheck` in `regions`)",
        "regions": "`[{region, primary, ok, albDnsName, services: [{service, runningCount, desiredCount, ok}], "
        "alarms: {<state>: count}, healthCheck: {id, ok, detail} | null}]`: one row per region (one on a "
        "single-region stack with AWS resources, none without)",
    },
)

LOGS = JsonDocument(
    command="farm-deploy logs --stack STACK --json",
    version=1,  # `region` added (multi-region stages): additive, still 1
    summary="One JSON document per line, one line per log event; every region's events merged oldest first.",
    fields={
        "schema_version": "this document's version",
        "region": "the AWS region the event was read in",
        "service": "`api` or `ollama`",
        "stream": "the CloudWatch log stream",
        "timestamp": "milliseconds since the epoch",
        "message": "the event's message",
        "time": "the timestamp as ISO 8601 UTC",
    },
)

LOGS_ACCESS = JsonDocument(
    command="farm-deploy logs --stack STACK --access --json",
    version=1,
    summary="One JSON document per line, one line per access-log entry (CloudFront, load balancer), oldest first.",
    fields={
        "schema_version": "this document's version",
        "source": "`cloudfront` or `alb`",
        "time": "when the request arrived, ISO 8601 UTC",
        "client": "the client's IP address",
        "method": "the HTTP method",
        "path": "the path (and query, from the load balancer)",
        "status": "the HTTP status answered",
    },
)

ROTATE = JsonDocument(
    command="farm-deploy rotate db-password --stack STACK --json",
    version=1,
    summary="The database password's version raised in the stack file; the next `pulumi up` rotates it.",
    fields={
        "schema_version": "this document's version",
        "stack": "the stack as given",
        "file": "its stack file",
        "from": "`farm:dbPasswordVersion` before (1 when unset)",
        "to": "`farm:dbPasswordVersion` written",
        "dry_run": "true with --dry-run: nothing written",
        "written": "true when the stack file was rewritten",
        "diff": "unified diff of the stack file",
        "next": "the `pulumi up` to run, then the check",
    },
)

ROTATE_CHECK = JsonDocument(
    command="farm-deploy rotate db-password --stack STACK --check --json",
    version=1,
    summary="After `pulumi up`: is the rotation deployed? The command exits 1 when `ok` is false.",
    fields={
        "schema_version": "this document's version",
        "stack": "the stack as given",
        "version": "`farm:dbPasswordVersion` in the stack file",
        "ok": "true when the secret carries that version and the API runs a task definition reading it, rolled out",
        "checks": "`[{name, ok, detail}]`: `secret`, then `api`",
    },
)

SCAN = JsonDocument(
    command="farm-deploy scan --stack STACK --json",
    version=1,
    summary="checkov's verdict on one stack's offline plan, converted to a Terraform plan (docs/security.md).",
    fields={
        "schema_version": "this document's version",
        "stack": "the stack as given (NAME, ORG/NAME or ORG/PROJECT/NAME)",
        "stage": "the stage it deploys (the accepted entries are chosen by stage)",
        "checkov": '`{path, version}` of the checkov that ran (`version` is `"not run"` when nothing was converted)',
        "accepted_file": "the accepted-findings file read",
        "converted": "how many resources were converted and scanned",
        "skipped": "Pulumi type -> why resources of that type are not scanned (components, non-AWS providers)",
        "unknown_types": "Pulumi types with no Terraform mapping and no reason: not scanned, and the scan fails",
        "findings": "`[{check_id, check_name, resource, pulumi_type, pulumi_name, status, accepted, guideline}]`: "
        "every failed check; `resource` is `<terraform type>.<pulumi name>`, `status` `accepted` or "
        "`unaccepted`, `accepted` the matching entry `{check, resource, stages, kind, reason}` or null",
        "stale": "accepted entries in force for this stack that matched no failure: `[{check, resource, stages, kind, reason}]`",
        "summary": "`{passed, failed, accepted, unaccepted, stale}` counts",
    },
)

COST_DIFF = JsonDocument(
    command="farm-deploy cost diff --stack STACK --base REF --json",
    version=1,
    summary="The monthly cost change of a stack from a git ref to the working tree, both planned offline.",
    fields={
        "schema_version": "this document's version",
        "stack": "the stack compared",
        "stage": "its stage",
        "region": "the region priced",
        "base": "the ref as given",
        "base_commit": "the commit it resolved to",
        "currency": "USD",
        "status": "`changed`, `unchanged` or `new-stack` (no stack file at the base: every item is added)",
        "base_cost": "`{idle, typical}` at the base, or null for a new stack",
        "head_cost": "`{idle, typical}` in the working tree",
        "change": "`{idle, typical}`: head minus base",
        "components": "`[{component, base_idle, base_typical, head_idle, head_typical, idle_change, typical_change}]`, "
        "changed components only",
        "items": "`[{component, item, resource, price_key, reason, idle_change, typical_change, base, head}]`; `reason` "
        "is `added`, `removed`, `resized`, `price changed` (or both of the last two); `base`/`head` are "
        "`{quantity, unit, unit_price, idle, typical, assumption}` or null",
        "warnings": "notes, e.g. a region without a price table or a stack new since the base",
    },
)

COST_ACTUAL = JsonDocument(
    command="farm-deploy cost actual --stack STACK --json",
    version=1,
    summary="AWS Cost Explorer spend per farm:component tag against the estimate for the same days.",
    fields={
        "schema_version": "this document's version",
        "stack": "the stack",
        "stage": "its stage",
        "period": "`{start, end, days}` (end exclusive)",
        "currency": "USD",
        "estimate": "the typical estimate scaled to the period's days",
        "actual": "Cost Explorer's unblended cost tagged farm:stack=STACK",
        "error": "(actual - estimate) / estimate, or null",
        "target": "the error the estimate aims to stay within (0.15)",
        "components": "`[{component, estimate, actual, difference, error, within_target}]`; `(untagged)` is spend "
        "without a farm:component tag",
    },
)

DOCUMENTS: tuple[JsonDocument, ...] = (
    ANALYZE,
    PLAN,
    ENV_LIST,
    ENV_VALIDATE,
    AI_ANALYZE,
    AI_MIGRATE,
    AI_OPTIMIZE,
    POLICY_LIST,
    RELEASE_BUILD,
    RELEASE_CHECK,
    PROMOTE,
    ROLLBACK,
    VERIFY,
    STATUS,
    LOGS,
    LOGS_ACCESS,
    ROTATE,
    ROTATE_CHECK,
    SCAN,
    COST_DIFF,
    COST_ACTUAL,
)
