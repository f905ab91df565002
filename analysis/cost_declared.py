"""Monthly cost from the resources the program declares.

Input is the offline plan's record (or the program's own, see
`farm_deploy/cost_program.py`): plain dicts `{type, name, parent, inputs}`
with Pulumi type tokens and camelCase inputs. Each priced resource gives one or
more line items with an `idle` figure (no traffic: what is provisioned and what
is stored) and a `typical` one (the stage's usage from `data/usage.json`), the
unit price from the stage region's table and the assumption it rests on. What
has no hourly or monthly charge (IAM, security groups, subnets, routes) is not
listed. A region with no table is named in a warning; its AWS items are left
unpriced rather than priced at another region's rates.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field

from .models import CostEstimate, CostItem
from .wording import plural

DATA = Path(__file__).parent / "data"
PRICES_DIR = DATA / "prices"
USAGE_FILE = DATA / "usage.json"
STALE_AFTER_DAYS = 60

# The inputs read per type: the program's own recorder keeps only these, so a
# value unknown during `pulumi preview` elsewhere in a resource cannot hide the
# estimate. Lists in COUNT_KEYS are only counted.
PRICED_INPUTS: dict[str, tuple[str, ...]] = {
    "aws:ec2/natGateway:NatGateway": ("connectivityType",),
    "aws:ec2/eip:Eip": ("domain",),
    "aws:lb/loadBalancer:LoadBalancer": ("loadBalancerType", "internal", "subnets", "subnetMappings"),
    "aws:ecs/service:Service": ("desiredCount", "launchType", "capacityProviderStrategies", "name"),
    "aws:ecs/taskDefinition:TaskDefinition": ("cpu", "memory", "requiresCompatibilities"),
    "aws:appautoscaling/target:Target": ("minCapacity", "maxCapacity", "scalableDimension"),
    "aws:autoscaling/group:Group": ("minSize", "maxSize", "desiredCapacity"),
    "aws:ec2/launchTemplate:LaunchTemplate": ("instanceType", "blockDeviceMappings"),
    "aws:ec2/instance:Instance": ("instanceType", "rootBlockDevice"),
    "aws:efs/fileSystem:FileSystem": ("throughputMode",),
    "aws:lambda/function:Function": ("memorySize", "architectures"),
    "aws:cloudfront/distribution:Distribution": ("priceClass",),
    "aws:s3/bucket:Bucket": (),
    "aws:s3/bucketV2:BucketV2": (),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("metricName", "metricQueries"),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName",),
    "aws:cloudwatch/logGroup:LogGroup": ("retentionInDays",),
    "aws:secretsmanager/secret:Secret": ("replicas",),
    "aws:kms/key:Key": (),
    "aws:wafv2/webAcl:WebAcl": ("rules", "scope"),
    "aws:cloudwatch/logDelivery:LogDelivery": (),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ("rules",),
    "aws:sns/topic:Topic": (),
    "aws:ecr/repository:Repository": (),
    "mongodbatlas:index/advancedCluster:AdvancedCluster": ("replicationSpecs", "clusterType"),
    "mongodbatlas:index/flexCluster:FlexCluster": (),
    "mongodbatlas:index/cluster:Cluster": ("providerInstanceSizeName", "providerName"),
    "vercel:index/project:Project": (),
    "pulumi-python:dynamic:Resource": ("mountPath", "image", "source"),
}
COUNT_KEYS = frozenset({"subnets", "subnetMappings", "capacityProviderStrategies", "replicas"})


class DeclaredCostItem(CostItem):
    """`monthly` is the typical figure; `idle` the one with no traffic."""

    idle: float = 0.0
    idle_quantity: float = 0.0
    resource: str = ""
    price_key: str = ""
    assumption: str = ""
    region: str = ""  # where the resource is billed (its provider's region); vendors' lines: the stage's


class DeclaredCost(CostEstimate):
    items: list[DeclaredCostItem] = Field(default_factory=list)  # type: ignore[assignment]
    idle: float = 0.0
    typical: float = 0.0
    basis: str = "declared resources"
    price_table_source: str = ""
    warnings: list[str] = Field(default_factory=list)
    # Resources in more than one region: each region's idle and typical total, the stage's region first.
    regions: dict[str, dict[str, float]] = Field(default_factory=dict)


# --------------------------------------------------------------------------- tables


def table_path(region: str) -> Path:
    return PRICES_DIR / f"aws-{region}.json"


def available_regions() -> list[str]:
    return sorted(p.stem.removeprefix("aws-") for p in PRICES_DIR.glob("aws-*.json"))


@lru_cache(maxsize=16)
def _read(path: str) -> dict[str, Any]:
    table = json.loads(Path(path).read_text(encoding="utf-8"))
    for key in ("date", "source", "items"):
        if key not in table:
            raise ValueError(f"{path}: lacks {key!r}")
    for key, item in table["items"].items():
        missing = {"unit", "price", "source"} - set(item)
        if missing:
            raise ValueError(f"{path}: item {key} lacks {sorted(missing)}")
    return table


def aws_table(region: str, prices_dir: Path = PRICES_DIR) -> dict[str, Any] | None:
    path = prices_dir / f"aws-{region}.json"
    return _read(str(path)) if path.is_file() else None


def vendor_table(prices_dir: Path = PRICES_DIR) -> dict[str, Any]:
    return _read(str(prices_dir / "vendors.json"))


@lru_cache(maxsize=1)
def usage_table() -> dict[str, dict[str, float]]:
    return json.loads(USAGE_FILE.read_text(encoding="utf-8"))["stages"]


def stage_usage(stage: str) -> dict[str, float]:
    table = usage_table()
    return dict(table.get(stage) or table["prod"])


def stale_tables(region: str, today: dt.date, max_age_days: int = STALE_AFTER_DAYS) -> list[str]:
    """A warning per price table the estimate of `region` uses that is older than `max_age_days`."""
    out = []
    tables = [(f"analysis/data/prices/aws-{region}.json", aws_table(region))]
    tables.append(("analysis/data/prices/vendors.json", vendor_table()))
    for name, table in tables:
        if table is None:
            continue
        age = (today - dt.date.fromisoformat(table["date"])).days
        if age > max_age_days:
            out.append(
                f"price table {name} is {age} days old (dated {table['date']}, more than {max_age_days}): "
                "run scripts/refresh_prices.py or merge the price-refresh pull request"
            )
    return out


# --------------------------------------------------------------------------- inputs


def camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def normalise(value: Any) -> Any:
    """camelCase keys at any depth: the program's recorder sees Python names."""
    if isinstance(value, Mapping):
        return {camel(str(k)): normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    return value


def _num(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


class _Resource:
    def __init__(self, raw: Mapping[str, Any], component: str) -> None:
        self.type = str(raw["type"])
        self.name = str(raw["name"])
        self.inputs: dict[str, Any] = normalise(raw.get("inputs") or {})
        self.component = component


def _components(resources: list[Mapping[str, Any]], prefix: str) -> list[_Resource]:
    by_name = {str(r["name"]): r for r in resources}

    def label(r: Mapping[str, Any]) -> str:
        seen = 0
        parent = r.get("parent")
        while parent and parent in by_name and seen < 50:
            node = by_name[parent]
            if str(node["type"]).startswith("farm:"):
                return str(node["name"]).removeprefix(prefix) or str(node["name"])
            parent = node.get("parent")
            seen += 1
        return "stack"

    return [_Resource(r, label(r)) for r in resources if not str(r["type"]).startswith(("farm:", "pulumi:"))]


# --------------------------------------------------------------------------- lines


class _Lines:
    def __init__(
        self, aws: dict[str, Any] | None, vendors: dict[str, Any], hours: float, prefix: str, region: str = ""
    ) -> None:
        self.prefix = prefix
        self.region = region
        self.aws = aws
        self.vendors = vendors
        self.hours = hours
        self.items: list[DeclaredCostItem] = []
        self.unpriced: dict[str, int] = {}

    def price(self, key: str) -> dict[str, Any] | None:
        table = self.vendors if key.split(".", 1)[0] in ("atlas", "vercel", "railway") else self.aws
        if table is None:
            return None
        return table["items"].get(key)

    def add(
        self,
        r: _Resource,
        key: str,
        what: str,
        *,
        idle: float,
        typical: float,
        assumption: str,
    ) -> None:
        price = self.price(key)
        if price is None:
            self.unpriced[key] = self.unpriced.get(key, 0) + 1
            return
        unit_price = float(price["price"])

        def monthly(q: float) -> float:
            m = q * unit_price
            if "cap_monthly" in price:
                m = min(m, float(price["cap_monthly"]))
            return round(m, 2)

        self.items.append(
            DeclaredCostItem(
                component=r.component,
                item=f"{r.name.removeprefix(self.prefix)}: {what}",
                resource=r.name,
                price_key=key,
                quantity=round(typical, 4),
                idle_quantity=round(idle, 4),
                unit=price["unit"],
                unit_price=unit_price,
                monthly=monthly(typical),
                idle=monthly(idle),
                source=price["source"],
                assumption=assumption,
                region=self.region,
            )
        )


def estimate_declared(
    resources: Iterable[Mapping[str, Any]],
    *,
    stage: str,
    region: str,
    prefix: str = "",
    usage: Mapping[str, float] | None = None,
    prices_dir: Path = PRICES_DIR,
) -> DeclaredCost:
    """Idle and typical monthly cost of `resources` for `stage`, `region` being the stage's.

    Each AWS resource is priced in its own provider's region (a stage in several
    regions, CloudFront's pieces in us-east-1); the others (Atlas, Vercel) in
    `region`. `prices_dir` holds the tables (another checkout's, for `cost diff`).
    """
    resources = list(resources)
    custom = [r for r in resources if not str(r["type"]).startswith(("farm:", "pulumi:"))]
    where = {id(r): resource_region(r, region) for r in custom}
    regions = sorted(set(where.values()), key=lambda r: (r != region, r))
    if len(regions) < 2:
        return _estimate_region(
            resources, stage=stage, region=region, prefix=prefix, usage=usage, prices_dir=prices_dir
        )
    structure = [r for r in resources if str(r["type"]).startswith(("farm:", "pulumi:"))]
    parts = [
        _estimate_region(
            structure + [r for r in custom if where[id(r)] == one],
            stage=stage,
            region=one,
            prefix=prefix,
            usage=usage,
            prices_dir=prices_dir,
        )
        for one in regions
    ]
    first = parts[0]
    items = sorted((i for p in parts for i in p.items), key=lambda i: (i.component, i.resource, i.price_key))
    return first.model_copy(
        update={
            "items": items,
            "idle": round(sum(p.idle for p in parts), 2),
            "typical": round(sum(p.typical for p in parts), 2),
            "total": round(sum(p.typical for p in parts), 2),
            "notes": list(dict.fromkeys(n for p in parts for n in p.notes)),
            "warnings": list(dict.fromkeys(w for p in parts for w in p.warnings)),
            "regions": {p.region: {"idle": p.idle, "typical": p.typical} for p in parts},
        }
    )


def resource_region(row: Mapping[str, Any], default: str) -> str:
    """The region a recorded resource is billed in: its AWS provider's, else `default`."""
    provider = row.get("provider")
    if isinstance(provider, Mapping) and provider.get("region"):
        return str(provider["region"])
    return str(row.get("region") or default)


def _estimate_region(
    resources: list[Mapping[str, Any]],
    *,
    stage: str,
    region: str,
    prefix: str,
    usage: Mapping[str, float] | None,
    prices_dir: Path,
) -> DeclaredCost:
    u = dict(usage) if usage is not None else stage_usage(stage)
    aws = aws_table(region, prices_dir)
    vendors = vendor_table(prices_dir)
    hours = float((aws or {}).get("hours_per_month", 730))
    lines = _Lines(aws, vendors, hours, prefix, region)
    rs = _components(resources, prefix)
    by_component: dict[str, list[_Resource]] = {}
    for r in rs:
        by_component.setdefault(r.component, []).append(r)
    notes: list[str] = []
    warnings: list[str] = []

    log_groups = [r for r in rs if r.type == "aws:cloudwatch/logGroup:LogGroup"]
    nats = [r for r in rs if r.type == "aws:ec2/natGateway:NatGateway"]
    keys = [r for r in rs if r.type == "aws:kms/key:Key"]
    for r in rs:
        siblings = by_component[r.component]
        rule = _RULES.get(r.type)
        if rule is not None:
            rule(r, siblings, u, lines, notes, log_groups=log_groups, nats=nats, keys=keys)

    needs_aws = any(r.type.startswith("aws:") for r in rs)
    if needs_aws and aws is None:
        warnings.append(
            f"no AWS price table for region {region} (tables exist for {', '.join(available_regions())}): "
            "its AWS resources are not priced; add analysis/data/prices/aws-" + region + ".json with "
            "scripts/refresh_prices.py"
        )
    elif lines.unpriced:
        keys = ", ".join(f"{k} ({n})" for k, n in sorted(lines.unpriced.items()))
        warnings.append(f"not in the {region} price table, so not priced: {keys}")
    if any(r.type.startswith("docker:") for r in rs) and not needs_aws:
        notes.append("a single Docker host runs on hardware you provide: not priced")

    lines.items.sort(key=lambda i: (i.component, i.resource, i.price_key))
    idle = round(sum(i.idle for i in lines.items), 2)
    typical = round(sum(i.monthly for i in lines.items), 2)
    return DeclaredCost(
        stage=stage,
        region=region,
        currency="USD",
        price_table_date=(aws or vendors)["date"],
        price_table_source=(aws or vendors)["source"],
        items=lines.items,
        total=typical,
        idle=idle,
        typical=typical,
        usage={k: float(v) for k, v in u.items()},
        notes=notes,
        warnings=warnings,
    )


# --------------------------------------------------------------------------- rules


def _one(siblings: list[_Resource], typ: str, near: str = "") -> _Resource | None:
    """The sibling of type `typ`: the only one, or the one whose name shares `near`'s stem."""
    found = [s for s in siblings if s.type == typ]
    if len(found) == 1:
        return found[0]
    if near:
        stem = near.rsplit("-", 1)[0]
        named = [s for s in found if s.name.rsplit("-", 1)[0] == stem]
        if len(named) == 1:
            return named[0]
    return None


def _nat(r, siblings, u, lines, notes, *, nats, **_):
    h = lines.hours
    lines.add(r, "nat.hour", "NAT gateway hours", idle=h, typical=h, assumption="runs all month")
    gb = u["nat_gb"] / max(1, len(nats))
    lines.add(
        r,
        "nat.gb",
        "data processed",
        idle=0,
        typical=gb,
        assumption=f"{u['nat_gb']:g} GB a month through the stage's NAT gateways, split evenly; none when idle",
    )


def _eip(r, siblings, u, lines, notes, **_):
    h = lines.hours
    lines.add(r, "vpc.public_ipv4_hour", "public IPv4 address", idle=h, typical=h, assumption="held all month")


def _alb(r, siblings, u, lines, notes, **_):
    if r.inputs.get("loadBalancerType", "application") != "application":
        notes.append(f"{r.name}: only application load balancers are priced")
        return
    h = lines.hours
    lines.add(r, "alb.hour", "load balancer hours", idle=h, typical=h, assumption="runs all month")
    lcu = u["alb_lcu"]
    lines.add(
        r,
        "alb.lcu_hour",
        "capacity units",
        idle=0,
        typical=lcu * h,
        assumption=f"{lcu:g} LCU on average; none when idle",
    )
    if not r.inputs.get("internal"):
        ips = len(r.inputs.get("subnets") or r.inputs.get("subnetMappings") or []) or 2
        lines.add(
            r,
            "vpc.public_ipv4_hour",
            f"{ips} public IPv4 addresses",
            idle=ips * h,
            typical=ips * h,
            assumption="an internet-facing load balancer holds one public address per subnet",
        )


def _service_counts(service: _Resource, siblings: list[_Resource]) -> tuple[float, float, bool]:
    """(idle count, typical count, scales to zero) of an ECS service."""
    desired = _num(service.inputs.get("desiredCount"), 1.0)
    target = _one(siblings, "aws:appautoscaling/target:Target", service.name)
    if target is None:
        return desired, desired, False
    low = _num(target.inputs.get("minCapacity"), desired)
    return low, max(low, desired), low == 0


def _ecs_service(r, siblings, u, lines, notes, **_):
    if r.inputs.get("capacityProviderStrategies") or r.inputs.get("launchType") == "EC2":
        return  # EC2 capacity: the auto scaling group's hosts are priced
    task = _one(siblings, "aws:ecs/taskDefinition:TaskDefinition", r.name)
    if task is None:
        notes.append(f"{r.name}: no task definition beside it, so its Fargate tasks are not priced")
        return
    cpu = _num(task.inputs.get("cpu"), 256) / 1024
    mem = _num(task.inputs.get("memory"), 512) / 1024
    idle, typical, _zero = _service_counts(r, siblings)
    h = lines.hours
    how = f"{plural(typical, 'task')} all month (desired count); {idle:g} when idle (autoscaling minimum)"
    lines.add(
        r, "fargate.vcpu_hour", f"{cpu:g} vCPU per task", idle=cpu * idle * h, typical=cpu * typical * h, assumption=how
    )
    lines.add(
        r, "fargate.gb_hour", f"{mem:g} GB per task", idle=mem * idle * h, typical=mem * typical * h, assumption=how
    )


def _asg(r, siblings, u, lines, notes, **_):
    lt = _one(siblings, "aws:ec2/launchTemplate:LaunchTemplate", r.name)
    if lt is None or not lt.inputs.get("instanceType"):
        notes.append(f"{r.name}: no launch template with an instance type beside it: hosts not priced")
        return
    itype = str(lt.inputs["instanceType"])
    low = _num(r.inputs.get("minSize"))
    high = _num(r.inputs.get("maxSize"), low)
    h = lines.hours
    service = next(
        (s for s in siblings if s.type == "aws:ecs/service:Service" and s.inputs.get("capacityProviderStrategies")),
        None,
    )
    if service is not None:
        s_idle, s_typical, zero = _service_counts(service, siblings)
        idle_hosts = max(low, min(s_idle, high))
        if zero:
            busy = u["ai_busy_hours"]
            idle_hours = low * h
            typical_hours = low * h + min(s_typical or 1, high) * busy
            how = f"the ECS service {service.name} scales to zero: {busy:g} busy hours a month, {plural(low, 'host')} otherwise"
        else:
            idle_hours = idle_hosts * h
            typical_hours = max(low, min(s_typical, high)) * h
            how = (
                f"the ECS service {service.name} keeps {plural(s_idle, 'task')} running, so managed scaling keeps "
                f"{plural(idle_hosts, 'host')} up all month"
            )
    else:
        count = _num(r.inputs.get("desiredCapacity"), low)
        idle_hours, typical_hours = low * h, count * h
        how = f"{plural(count, 'instance')} all month (desired capacity); {low:g} when idle (minimum)"
    lines.add(r, f"ec2.{itype}", f"{itype} hours", idle=idle_hours, typical=typical_hours, assumption=how)
    for mapping in lt.inputs.get("blockDeviceMappings") or []:
        ebs = mapping.get("ebs") or {}
        size = _num(ebs.get("volumeSize"))
        vtype = str(ebs.get("volumeType") or "gp3")
        if not size:
            continue
        lines.add(
            lt,
            f"ebs.{vtype}_gb_month",
            f"{size:g} GB {vtype} root volume per host",
            idle=size * idle_hours / h,
            typical=size * typical_hours / h,
            assumption="billed while a host exists (deleted on termination)",
        )


def _instance(r, siblings, u, lines, notes, **_):
    """A standalone EC2 instance (the dev NAT instance): up all month, idle or busy."""
    itype = str(r.inputs.get("instanceType") or "")
    if not itype:
        notes.append(f"{r.name}: no instance type: not priced")
        return
    h = lines.hours
    lines.add(r, f"ec2.{itype}", f"{itype} hours", idle=h, typical=h, assumption="runs all month")
    root = r.inputs.get("rootBlockDevice") or {}
    size = _num(root.get("volumeSize"))
    if size:
        vtype = str(root.get("volumeType") or "gp3")
        lines.add(
            r,
            f"ebs.{vtype}_gb_month",
            f"{size:g} GB {vtype} root volume",
            idle=size,
            typical=size,
            assumption="kept while the instance exists",
        )


def _efs(r, siblings, u, lines, notes, **_):
    gb = u["efs_gb"]
    lines.add(
        r, "efs.standard_gb_month", "stored files", idle=gb, typical=gb, assumption=f"{gb:g} GB stored (kept when idle)"
    )
    if r.inputs.get("throughputMode") == "elastic":
        notes.append(f"{r.name}: elastic throughput is billed per GB read and written: not priced")


def _lambda(r, siblings, u, lines, notes, **_):
    mem = _num(r.inputs.get("memorySize"), 128) / 1024
    req = u["api_requests_millions"]
    secs = u["lambda_avg_seconds"]
    how = f"{req:g} M requests of {secs:g} s each; none when idle"
    lines.add(r, "lambda.gb_second", f"{mem:g} GB duration", idle=0, typical=req * 1e6 * secs * mem, assumption=how)
    lines.add(r, "lambda.requests_1m", "requests", idle=0, typical=req, assumption=how)


def _cloudfront(r, siblings, u, lines, notes, **_):
    gb, req = u["cdn_gb"], u["web_requests_millions"]
    lines.add(r, "cloudfront.gb", "data out", idle=0, typical=gb, assumption=f"{gb:g} GB to viewers; none when idle")
    lines.add(
        r,
        "cloudfront.https_10k",
        "HTTPS requests",
        idle=0,
        typical=req * 100,
        assumption=f"{req:g} M requests; none when idle",
    )


def _expiry_days(siblings: list[_Resource]) -> float | None:
    """Days after which a bucket's lifecycle expires every object (an access-log bucket), None otherwise."""
    for s in siblings:
        if s.type != "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration":
            continue
        for rule in s.inputs.get("rules") or []:
            days = (rule.get("expiration") or {}).get("days") if isinstance(rule, Mapping) else None
            if days:
                return _num(days)
    return None


def _bucket(r, siblings, u, lines, notes, **_):
    days = _expiry_days(siblings)
    if days is not None and "access_log_gb" in u:
        # Steady state: a month's logs times the months they are kept.
        gb = u["access_log_gb"] * days / 30
        how = f"{u['access_log_gb']:g} GB of access logs a month, kept {days:g} days"
        lines.add(r, "s3.standard_gb_month", "access logs", idle=0, typical=gb, assumption=how)
        return
    if not any(s.type == "aws:cloudfront/distribution:Distribution" for s in siblings):
        return  # only the front end's bucket holds a known amount
    gb = u["web_gb"]
    lines.add(r, "s3.standard_gb_month", "front-end files", idle=gb, typical=gb, assumption=f"{gb:g} GB stored")
    puts = u["deploys"] * u["files_per_deploy"] / 1000
    lines.add(
        r,
        "s3.put_1k",
        "uploads",
        idle=0,
        typical=puts,
        assumption=f"{u['deploys']:g} deploys of {u['files_per_deploy']:g} files; none when idle",
    )


def _alarm(r, siblings, u, lines, notes, **_):
    queries = r.inputs.get("metricQueries") or []
    metrics = sum(1 for q in queries if isinstance(q, Mapping) and q.get("metric")) or 1
    lines.add(
        r,
        "cloudwatch.alarm_metric_month",
        f"alarm on {plural(metrics, 'metric')}",
        idle=metrics,
        typical=metrics,
        assumption="billed per metric the alarm evaluates, all month",
    )


def _dashboard(r, siblings, u, lines, notes, **_):
    lines.add(
        r,
        "cloudwatch.dashboard_month",
        "dashboard",
        idle=1,
        typical=1,
        assumption="the account's 3 free dashboards are not deducted",
    )


def _log_group(r, siblings, u, lines, notes, *, log_groups, **_):
    gb = u["log_gb"] / max(1, len(log_groups))
    how = f"{u['log_gb']:g} GB of logs a month split evenly over {plural(len(log_groups), 'log group')}; none when idle"
    lines.add(r, "cloudwatch.logs_ingest_gb", "ingestion", idle=0, typical=gb, assumption=how)
    lines.add(r, "cloudwatch.logs_storage_gb_month", "storage", idle=0, typical=gb, assumption=how)


def _flat(key: str, what: str, assumption: str):
    def rule(r, siblings, u, lines, notes, **_):
        lines.add(r, key, what, idle=1, typical=1, assumption=assumption)

    return rule


def _secret(r, siblings, u, lines, notes, **_):
    lines.add(r, "secretsmanager.secret_month", "secret", idle=1, typical=1, assumption="stored all month")
    replicas = len(r.inputs.get("replicas") or [])
    if replicas:
        # "A replica secret is considered a distinct secret and will also be billed per replica per month"
        # (https://aws.amazon.com/secrets-manager/pricing/); priced at this region's rate.
        lines.add(
            r,
            "secretsmanager.secret_month",
            f"{plural(replicas, 'replica')}",
            idle=replicas,
            typical=replicas,
            assumption="each replica in another region is billed as a secret of its own",
        )


def _web_acl(r, siblings, u, lines, notes, **_):
    rules = len(r.inputs.get("rules") or [])
    lines.add(r, "waf.web_acl_month", "web ACL", idle=1, typical=1, assumption="billed monthly while it exists")
    lines.add(r, "waf.rule_month", f"{rules} rules", idle=rules, typical=rules, assumption="each rule or managed group")
    # In front of CloudFront it inspects every request, the API's (/api/*) included;
    # on the load balancer, the API's only.
    regional = r.inputs.get("scope") == "REGIONAL"
    req = u["api_requests_millions"] + (0 if regional else u["web_requests_millions"])
    how = f"{req:g} M requests through {'the load balancer' if regional else 'CloudFront'}; none when idle"
    lines.add(r, "waf.requests_1m", "requests inspected", idle=0, typical=req, assumption=how)


def _log_delivery(r, siblings, u, lines, notes, **_):
    gb = u.get("access_log_gb", 0.0)
    how = f"{gb:g} GB of CloudFront access logs a month; none when idle"
    lines.add(r, "cloudwatch.vended_s3_gb", "access log delivery", idle=0, typical=gb, assumption=how)


def _kms(r, siblings, u, lines, notes, *, keys, **_):
    lines.add(
        r, "kms.key_month", "customer managed key", idle=1, typical=1, assumption="billed monthly while it exists"
    )
    n = u.get("kms_requests_10k", 0.0) / max(1, len(keys))
    how = f"{u.get('kms_requests_10k', 0.0):g} x 10,000 requests a month split over {len(keys)} key(s); none when idle"
    lines.add(r, "kms.requests_10k", "requests", idle=0, typical=n, assumption=how)


def _sns(r, siblings, u, lines, notes, **_):
    n = u["sns_publishes_millions"]
    lines.add(r, "sns.requests_1m", "publishes", idle=0, typical=n, assumption=f"{n:g} M alarm notifications")


def _ecr(r, siblings, u, lines, notes, **_):
    gb = u["ecr_gb"]
    lines.add(r, "ecr.gb_month", "images", idle=gb, typical=gb, assumption=f"{gb:g} GB of images kept")


_ATLAS_SIZE = re.compile(r"^M(\d+)$")


def _atlas_nodes(r: _Resource) -> int:
    """Electable nodes of a dedicated cluster, over all its regions (3 in one region)."""
    nodes = 0
    for spec in r.inputs.get("replicationSpecs") or []:
        for region in spec.get("regionConfigs") or []:
            nodes += int((region.get("electableSpecs") or {}).get("nodeCount") or 0)
    return nodes or 3


def _atlas_size(r: _Resource) -> tuple[str, str]:
    if r.type == "mongodbatlas:index/cluster:Cluster":
        return str(r.inputs.get("providerInstanceSizeName") or ""), str(r.inputs.get("providerName") or "")
    for spec in r.inputs.get("replicationSpecs") or []:
        for region in spec.get("regionConfigs") or []:
            size = (region.get("electableSpecs") or {}).get("instanceSize")
            if size:
                return str(size), str(region.get("providerName") or "")
    return "", ""


def _atlas(r, siblings, u, lines, notes, **_):
    h = lines.hours
    if r.type == "mongodbatlas:index/flexCluster:FlexCluster":
        lines.add(r, "atlas.flex_hour", "Atlas Flex", idle=h, typical=h, assumption="billed all month, capped")
        return
    size, provider = _atlas_size(r)
    if size.upper() == "M0":
        lines.add(r, "atlas.m0_month", "Atlas M0", idle=1, typical=1, assumption="free tier")
        return
    if not _ATLAS_SIZE.match(size.upper()):
        notes.append(f"{r.name}: Atlas size {size or '?'} ({provider or '?'}) not priced")
        return
    nodes = _atlas_nodes(r)
    # The price is a 3-node replica set's; Atlas bills each further electable node alike.
    share = nodes / 3
    how = "a dedicated cluster bills every hour; backup storage is billed by size and not priced"
    if nodes != 3:
        how = (
            f"{nodes} electable nodes: {nodes}/3 of the 3-node price; cross-region replication traffic is "
            "billed by Atlas as data transfer and not priced. " + how
        )
    lines.add(
        r, f"atlas.{size.lower()}_hour", f"Atlas {size.upper()}", idle=h * share, typical=h * share, assumption=how
    )


def _vercel(r, siblings, u, lines, notes, **_):
    n = u["seats"]
    lines.add(
        r,
        "vercel.pro_seat_month",
        "Vercel Pro",
        idle=n,
        typical=n,
        assumption=f"{plural(n, 'Pro seat')} counted in this stage",
    )


def _dynamic(r, siblings, u, lines, notes, **_):
    if not r.component or not any(s.type.startswith("pulumi-python:dynamic") for s in siblings):
        return
    if r.name.endswith("-project"):
        n = u["seats"]
        lines.add(r, "railway.pro_seat_month", "Railway Pro", idle=n, typical=n, assumption=plural(n, "Pro seat"))
    elif "mountPath" in r.inputs:
        gb = u["railway_volume_gb"]
        lines.add(r, "railway.volume_gb_month", "volume", idle=gb, typical=gb, assumption=f"{gb:g} GB stored")
    elif "image" in r.inputs or "source" in r.inputs:
        cpu, mem = u["railway_vcpu_per_service"], u["railway_memory_gb_per_service"]
        how = (
            f"Railway bills what a service uses: {cpu:g} vCPU and {mem:g} GB on average; the same when idle (no sleep)"
        )
        lines.add(r, "railway.vcpu_month", "vCPU", idle=cpu, typical=cpu, assumption=how)
        lines.add(r, "railway.memory_gb_month", "memory", idle=mem, typical=mem, assumption=how)


_RULES = {
    "aws:ec2/natGateway:NatGateway": _nat,
    "aws:ec2/eip:Eip": _eip,
    "aws:lb/loadBalancer:LoadBalancer": _alb,
    "aws:ecs/service:Service": _ecs_service,
    "aws:autoscaling/group:Group": _asg,
    "aws:ec2/instance:Instance": _instance,
    "aws:efs/fileSystem:FileSystem": _efs,
    "aws:lambda/function:Function": _lambda,
    "aws:cloudfront/distribution:Distribution": _cloudfront,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:kms/key:Key": _kms,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:cloudwatch/logDelivery:LogDelivery": _log_delivery,
    "aws:sns/topic:Topic": _sns,
    "aws:ecr/repository:Repository": _ecr,
    "mongodbatlas:index/advancedCluster:AdvancedCluster": _atlas,
    "mongodbatlas:index/cluster:Cluster": _atlas,
    "mongodbatlas:index/flexCluster:FlexCluster": _atlas,
    "vercel:index/project:Project": _vercel,
    "pulumi-python:dynamic:Resource": _dynamic,
}
