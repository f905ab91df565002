"""A deployed stack's outputs, as the operating commands need them.

Read from `pulumi stack output --json --show-secrets --stack S` when the Pulumi
CLI is on PATH, or from a file written by that command (`--outputs FILE`, `-`
for standard input). The program exports stable names (`OUTPUT_DOCS`,
rendered into docs/reference/outputs.md); this module checks their shapes so a wrong file fails with one
message naming the output, not with a KeyError later.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from analysis.errors import UserError

# Every output the program may export, with what it holds: the contract other
# tools read. A test plans every shipped stack and checks each exported name is here.
OUTPUT_DOCS: dict[str, str] = {
    "stage": "the stage this stack deploys (`dev`, `staging`, `prod`)",
    "platform": "the platform the stage runs on (`aws`, `aws-serverless`, `vercel`, `railway`, `docker`)",
    "region": "the stage's AWS region",
    "webUrl": "the front end's address (CloudFront, Vercel, Railway or the Docker host)",
    "apiUrl": "the API's public address: the site's own address when the site is on CloudFront (the API is "
    "served under `/api`), else the load balancer, the Lambda function URL, Vercel, Railway or the Docker host",
    "albDnsName": "ECS stages: the load balancer's DNS name (CloudFront's API origin)",
    "healthUrls": "`{web, api, database, ai}`: the health checks the stage has "
    "(`/api/health`, `/api/health/database`, `/api/ai/health`), read by `farm-deploy verify`",
    "ecs": "ECS stages: `{cluster, services: {api: {name, taskDefinitionArn}, ollama: {...}}}`, "
    "what `farm-deploy verify` checks",
    "logGroups": "`{api, ollama}`: CloudWatch log groups (`farm-deploy logs`)",
    "alarmNames": "CloudWatch alarm names (`farm-deploy status`)",
    "dashboardUrl": "the CloudWatch dashboard",
    "estimatedMonthlyCost": "typical monthly cost of the stage priced from its declared resources, USD (docs/cost.md)",
    "plan": "`{components, warnings, release}`: a summary of the stage's plan",
    "regions": "stages in several regions (`farm:regions`): region -> `{primary, ecs, logGroups, alarmNames, "
    "albDnsName, healthCheckId}`, each as the top-level outputs of that name (the top-level ones are the "
    "primary's); `verify`, `status` and `logs` read every region from it (docs/multi-region.md)",
    "accessLogBucket": "AWS stages with CloudFront or a load balancer: the access-log bucket (`farm-deploy logs --access`)",
    "dbSecretArn": "AWS stages with Atlas: the connection secret (`farm-deploy rotate db-password --check`)",
    "previewShare": "dev stages on ECS behind CloudFront: what pull-request previews share, read through a stack "
    "reference: `{region, vpcId, vpcCidr, privateSubnetIds, clusterArn, listenerArn, albSecurityGroupId, "
    "apiOriginDomain, apiOriginProtocol, cachePolicyId, responseHeadersPolicyId, spaFunctionArn, apiRepositoryUrl, "
    "apiImage, secretArns, vpcOriginId, ollamaUrl, ollamaSecurityGroupId, atlasProjectId, atlasClusterName, mongoSrv, "
    "databaseName}` (ids and addresses, no credentials; docs/previews.md)",
    "preview": "preview stages: `{devStack, pullRequest, webBucket, distributionId, database, databaseSecretArn, "
    "ttlHours}`: what CI uploads the release's front end to and removes at teardown (docs/previews.md)",
}


@dataclass(frozen=True)
class EcsServiceRef:
    key: str  # "api", "ollama"
    name: str
    task_definition_arn: str


@dataclass(frozen=True)
class RegionOutputs:
    """What one region of a stage runs. A single-region stack has one, built from its top-level outputs."""

    name: str | None  # None: a single-region stack without a `region` output (the client falls back to AWS_REGION)
    primary: bool
    ecs_cluster: str | None = None
    ecs_services: tuple[EcsServiceRef, ...] = ()
    log_groups: dict[str, str] = field(default_factory=dict)
    alarm_names: tuple[str, ...] = ()
    alb_dns_name: str | None = None
    health_check_id: str | None = None  # Route 53 health check of the region's API (multi-region stages)


@dataclass(frozen=True)
class StackOutputs:
    stack: str
    source: str  # where the outputs came from, for messages
    raw: dict[str, Any]
    stage: str | None = None
    platform: str | None = None
    web_url: str | None = None
    api_url: str | None = None
    health_urls: dict[str, str] = field(default_factory=dict)
    ecs_cluster: str | None = None
    ecs_services: tuple[EcsServiceRef, ...] = ()
    log_groups: dict[str, str] = field(default_factory=dict)
    alarm_names: tuple[str, ...] = ()
    dashboard_url: str | None = None
    region: str | None = None
    estimated_monthly_cost: Any = None
    # Every region the stage runs in, primary first. The top-level ECS, log and alarm fields above are the
    # primary's (what the outputs export at the top level).
    regions: tuple[RegionOutputs, ...] = ()
    multi_region: bool = False  # the outputs have `regions`

    @property
    def region_names(self) -> list[str]:
        return [r.name for r in self.regions if r.name]

    def select_regions(self, region: str | None) -> tuple[RegionOutputs, ...]:
        """The regions a command covers. `--region` picks one region of a multi-region stack; on a
        single-region stack it stays what it always was: the region to ask (default the `region` output)."""
        if not self.multi_region:
            return tuple(replace(r, name=region or r.name) for r in self.regions)
        if region is None:
            return self.regions
        chosen = tuple(r for r in self.regions if r.name == region)
        if not chosen:
            raise UserError(
                "not one of the stack's regions",
                file=self.source,
                key="--region",
                value=region,
                valid=self.region_names,
            )
        return chosen


def load_outputs(stack: str, outputs_file: str | Path | None, *, cwd: Path | None = None) -> StackOutputs:
    if outputs_file is not None:
        raw, source = _read_file(str(outputs_file)), str(outputs_file)
    else:
        raw, source = _from_pulumi(stack, cwd), f"pulumi stack output --stack {stack}"
    return parse_outputs(raw, stack=stack, source=source)


def _read_file(name: str) -> Any:
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(
            "no such outputs file",
            file=name,
            hint="write it with `pulumi stack output --json --show-secrets --stack S > outputs.json`",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the outputs file: {exc}", file=name) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"not JSON: {exc.msg}", file=name, line=exc.lineno) from None


def _from_pulumi(stack: str, cwd: Path | None) -> Any:
    exe = shutil.which("pulumi")
    if exe is None:
        raise UserError(
            "the pulumi CLI is not on PATH, so the stack's outputs cannot be read",
            hint=f"pass --outputs FILE, written by `pulumi stack output --json --show-secrets --stack {stack} > FILE`",
        )
    cmd = [exe, "stack", "output", "--json", "--show-secrets", "--stack", stack]
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        raise UserError("`pulumi stack output` did not answer within 120 s", key=stack) from None
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        raise UserError(
            f"`pulumi stack output` failed: {lines[-1] if lines else f'exit {proc.returncode}'}",
            hint="check `pulumi whoami` and that the stack exists (`pulumi stack ls`)",
        )
    try:
        return json.loads(proc.stdout or "{}")
    except json.JSONDecodeError as exc:
        raise UserError(f"`pulumi stack output --json` printed something that is not JSON: {exc.msg}") from None


def _expect(raw: dict[str, Any], key: str, kind: type | tuple[type, ...], source: str, prefix: str = "") -> Any:
    value = raw.get(key)
    if value is None or isinstance(value, kind):
        return value
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = " or ".join({dict: "an object", list: "a list", str: "a string"}.get(k, k.__name__) for k in kinds)
    raise UserError(f"stack output must be {names}", file=source, key=prefix + key, value=value)


def _str_map(raw: dict[str, Any], key: str, source: str, prefix: str = "") -> dict[str, str]:
    value = _expect(raw, key, dict, source, prefix) or {}
    for name, item in value.items():
        if not isinstance(item, str):
            raise UserError("stack output values must be strings", file=source, key=f"{prefix}{key}.{name}", value=item)
    return dict(value)


def _parse_ecs(raw: dict[str, Any], source: str, prefix: str) -> tuple[str | None, tuple[EcsServiceRef, ...]]:
    """`ecs` of `raw` (the stack's top level, or one entry of `regions`); `prefix` leads every key in a message."""
    ecs = _expect(raw, "ecs", dict, source, prefix) or {}
    services: list[EcsServiceRef] = []
    svc_map = ecs.get("services") or {}
    if not isinstance(svc_map, dict):
        raise UserError("stack output must be an object", file=source, key=f"{prefix}ecs.services", value=svc_map)
    for key, svc in svc_map.items():
        where = f"{prefix}ecs.services.{key}"
        if not isinstance(svc, dict) or not isinstance(svc.get("name"), str):
            raise UserError("each ECS service needs a `name`", file=source, key=where, value=svc)
        td = svc.get("taskDefinitionArn")
        if not isinstance(td, str) or not td:
            raise UserError(
                "each ECS service needs the `taskDefinitionArn` the update registered",
                file=source,
                key=f"{where}.taskDefinitionArn",
                value=td,
            )
        services.append(EcsServiceRef(key=str(key), name=svc["name"], task_definition_arn=td))
    cluster = ecs.get("cluster")
    if services and not isinstance(cluster, str):
        raise UserError(
            "stack output must name the ECS cluster", file=source, key=f"{prefix}ecs.cluster", value=cluster
        )
    return (cluster if isinstance(cluster, str) else None), tuple(services)


def _parse_alarms(raw: dict[str, Any], source: str, prefix: str) -> tuple[str, ...]:
    alarms = _expect(raw, "alarmNames", list, source, prefix) or []
    if not all(isinstance(a, str) for a in alarms):
        raise UserError("alarm names must be strings", file=source, key=f"{prefix}alarmNames", value=alarms)
    return tuple(alarms)


def _parse_regions(raw: dict[str, Any], source: str, top_region: str | None) -> tuple[RegionOutputs, ...]:
    """The `regions` output of a multi-region stage, primary first."""
    value = raw["regions"]
    if not isinstance(value, dict) or not value:
        raise UserError(
            "stack output must be an object of region -> {primary, ecs, logGroups, alarmNames, albDnsName, "
            "healthCheckId}, with at least one region",
            file=source,
            key="regions",
            value=value,
        )
    regions: list[RegionOutputs] = []
    for name, entry in value.items():
        prefix = f"regions.{name}."
        if not isinstance(entry, dict):
            raise UserError("each region's outputs must be an object", file=source, key=f"regions.{name}", value=entry)
        primary = entry.get("primary", False)
        if not isinstance(primary, bool):
            raise UserError("must be true or false", file=source, key=f"{prefix}primary", value=primary)
        cluster, services = _parse_ecs(entry, source, prefix)
        regions.append(
            RegionOutputs(
                name=str(name),
                primary=primary,
                ecs_cluster=cluster,
                ecs_services=services,
                log_groups=_str_map(entry, "logGroups", source, prefix),
                alarm_names=_parse_alarms(entry, source, prefix),
                alb_dns_name=_expect(entry, "albDnsName", str, source, prefix),
                health_check_id=_expect(entry, "healthCheckId", str, source, prefix),
            )
        )
    primaries = [r.name for r in regions if r.primary]
    if len(primaries) != 1:
        raise UserError(
            f"exactly one region must be the primary, found {len(primaries)}",
            file=source,
            key="regions",
            value=primaries,
        )
    if top_region is not None and primaries[0] != top_region:
        raise UserError(
            f"the primary region is {primaries[0]}, but the `region` output says {top_region}",
            file=source,
            key=f"regions.{primaries[0]}.primary",
        )
    return tuple(sorted(regions, key=lambda r: not r.primary))


def parse_outputs(raw: Any, *, stack: str, source: str) -> StackOutputs:
    if not isinstance(raw, dict):
        raise UserError("stack outputs must be a JSON object", file=source)
    cluster, services = _parse_ecs(raw, source, "")
    alarms = _parse_alarms(raw, source, "")
    log_groups = _str_map(raw, "logGroups", source)
    region = _expect(raw, "region", str, source)
    alb = _expect(raw, "albDnsName", str, source)
    if raw.get("regions") is not None:
        regions = _parse_regions(raw, source, region)
        multi = True
    else:
        # One region, from the top-level outputs: the commands then have one code path for both kinds of stack.
        regions = (
            RegionOutputs(
                name=region,
                primary=True,
                ecs_cluster=cluster,
                ecs_services=services,
                log_groups=log_groups,
                alarm_names=alarms,
                alb_dns_name=alb,
                health_check_id=None,
            ),
        )
        multi = False
    return StackOutputs(
        stack=stack,
        source=source,
        raw=raw,
        stage=_expect(raw, "stage", str, source),
        platform=_expect(raw, "platform", str, source),
        web_url=_expect(raw, "webUrl", str, source),
        api_url=_expect(raw, "apiUrl", str, source),
        health_urls=_str_map(raw, "healthUrls", source),
        ecs_cluster=cluster,
        ecs_services=services,
        log_groups=log_groups,
        alarm_names=alarms,
        dashboard_url=_expect(raw, "dashboardUrl", str, source),
        region=region,
        estimated_monthly_cost=raw.get("estimatedMonthlyCost"),
        regions=regions,
        multi_region=multi,
    )
