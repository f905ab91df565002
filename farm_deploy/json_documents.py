"""The `--json` documents of `farm-deploy`: a contract other tools read.

Each document names its command, its `schema_version` and its top-level
fields; docs/reference/json.md is rendered from this table and the tests check
every emitted document against it. Add fields freely; bump the version when a
field changes meaning or goes away.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

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
    version=1,
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
    },
    models=(DeploymentRequirements, Finding, Recommendation, StagePlan, CostEstimate),
)

PLAN = JsonDocument(
    command="farm-deploy plan --json",
    version=1,
    summary="The offline plan: the Pulumi program evaluated under the mock engine for one stack.",
    fields={
        "schema_version": "this document's version",
        "stack": "the stack planned",
        "stage": "the stage it deploys",
        "plan": "the stack's `StagePlan`",
        "resources": "`[{type, name, parent, inputs, protect}]`: every resource registration, inputs as the provider "
        'receives them (camelCase keys, numbers as floats, secrets `"[secret]"`)',
        "counts": "resource type -> count",
        "outputs": "the stack outputs, secrets masked (docs/reference/outputs.md)",
        "cost": "the stage's `CostEstimate`",
        "policy": "`{checked, violations: [{policy, level, resource, type, message}], waived, unused_waivers, mandatory}`",
        "missing_secrets": "secret keys the stage needs that the stack file does not set",
        "warnings": "notes from the run",
    },
    models=(StagePlan, CostEstimate),
)

SCAN = JsonDocument(
    command="farm-deploy scan --json",
    version=1,
    summary="checkov's verdict on one stack's offline plan, converted to a Terraform plan (docs/security.md).",
    fields={
        "schema_version": "this document's version",
        "stack": "the stack scanned",
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

DOCUMENTS: tuple[JsonDocument, ...] = (ANALYZE, PLAN, SCAN)
