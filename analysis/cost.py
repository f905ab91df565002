"""Estimated monthly cost of a stage plan, from the dated price table in
`analysis/data/prices.json`. Every line shows quantity, unit, unit price and
where the price came from; usage that is not an hourly rate (traffic, tokens,
logs) comes from the table's stated per-stage assumptions."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from .models import CostEstimate, CostItem, StagePlan
from .security import waf_rule_count
from .wording import plural

PRICES_FILE = Path(__file__).parent / "data" / "prices.json"

ALARMS_PER_LEVEL = {"basic": 3, "standard": 6, "full": 10}
DASHBOARDS_PER_LEVEL = {"basic": 0, "standard": 1, "full": 1}


@lru_cache(maxsize=4)
def load_prices(path: str | None = None) -> dict[str, Any]:
    table = json.loads(Path(path or PRICES_FILE).read_text(encoding="utf-8"))
    for key, item in table["items"].items():
        missing = {"unit", "price", "source"} - set(item)
        if missing:
            raise ValueError(f"{PRICES_FILE}: item {key} lacks {sorted(missing)}")
    return table


class _Lines:
    def __init__(self, table: dict[str, Any]) -> None:
        self.table = table
        self.items: list[CostItem] = []
        self.notes: list[str] = []

    def add(self, component: str, key: str, quantity: float, what: str = "") -> None:
        price = self.table["items"][key]
        monthly = quantity * price["price"]
        if "cap_monthly" in price:
            monthly = min(monthly, price["cap_monthly"])
        self.items.append(
            CostItem(
                component=component,
                item=what or key,
                quantity=round(quantity, 4),
                unit=price["unit"],
                unit_price=price["price"],
                monthly=round(monthly, 2),
                source=f"{key}: {price['source']}",
            )
        )


# What a stage in several regions has once per region (docs/multi-region.md); the site is global.
_REGIONAL = frozenset({"network", "api", "monitoring", "secrets"})


def _span_regions(plan: StagePlan, lines: Any) -> None:
    """Scale the one-region lines to every region: regional parts per region, Ollama per AI region,
    Atlas by its electable nodes (the price is a 3-node replica set's)."""
    spread = plan.multi_region
    assert spread is not None
    nodes = sum(n.electable_nodes for n in spread.db_nodes) or 3
    factor = {"ai": len(spread.ai_regions) or 1, "db": nodes / 3}
    for item in lines.items:
        times = len(spread.regions) if item.component in _REGIONAL else factor.get(item.component, 1)
        if times != 1:
            item.quantity = round(item.quantity * times, 4)
            item.monthly = round(item.monthly * times, 2)
            item.item = f"{item.item} (x{times:g}: {', '.join(spread.regions)})"
    lines.notes.append(
        f"{len(spread.regions)} regions: network, API, monitoring and secrets counted in each region, "
        "at the first region's prices; `farm-deploy plan` prices each region with its own table"
    )


def estimate(plan: StagePlan, table: dict[str, Any] | None = None) -> CostEstimate:
    table = table or load_prices()
    usage = table["usage"].get(plan.stage) or table["usage"]["prod"]
    hours = float(table["hours_per_month"])
    lines = _Lines(table)
    c = plan.components
    aws = plan.platform in ("aws", "aws-serverless")

    if c.network and aws:
        nats = plan.network.az_count if plan.network.nat_per_az else 1
        lines.add("network", "nat.hour", nats * hours, plural(nats, "NAT gateway"))
        lines.add("network", "nat.gb", usage["nat_gb"], "NAT data processed")
        lines.add("network", "vpc.public_ipv4_hour", nats * hours, "NAT elastic IPs")

    _api(plan, usage, hours, lines)
    _web(plan, usage, lines)
    _ai(plan, usage, hours, lines)
    _db(plan, hours, lines)
    if aws:
        _security(plan, usage, lines)

    if aws:
        alarms = ALARMS_PER_LEVEL[c.monitoring]
        lines.add("monitoring", "cloudwatch.alarm_month", alarms, f"{alarms} alarms ({c.monitoring})")
        if DASHBOARDS_PER_LEVEL[c.monitoring]:
            lines.add("monitoring", "cloudwatch.dashboard_month", DASHBOARDS_PER_LEVEL[c.monitoring], "dashboard")
        lines.add("monitoring", "cloudwatch.logs_ingest_gb", usage["log_gb"], "log ingestion")
        lines.add("monitoring", "cloudwatch.logs_storage_gb_month", usage["log_gb"], "log storage")
        secrets = sum(1 for v in plan.env if v.secret and v.target == "api")
        if secrets:
            lines.add("secrets", "secretsmanager.secret_month", secrets, f"{secrets} secrets")
    if plan.platform == "docker":
        lines.notes.append("a single Docker host runs on hardware you provide: not priced")
    if plan.platform in ("vercel", "railway") or c.web == "vercel":
        lines.notes.append("team subscriptions (Vercel Pro, Railway Pro) are counted in every stage that uses them")

    if plan.multi_region is not None:
        _span_regions(plan, lines)
    total = round(sum(i.monthly for i in lines.items), 2)
    return CostEstimate(
        stage=plan.stage,
        region=table["region"],
        currency=table["currency"],
        price_table_date=table["date"],
        items=lines.items,
        total=total,
        usage={k: float(v) for k, v in usage.items()},
        notes=lines.notes,
    )


def _fargate(component: str, what: str, cpu: int, memory: int, count: int, hours: float, lines: _Lines) -> None:
    lines.add(component, "fargate.vcpu_hour", cpu / 1024 * count * hours, f"{what}: {count} x {cpu / 1024:g} vCPU")
    lines.add(component, "fargate.gb_hour", memory / 1024 * count * hours, f"{what}: {count} x {memory / 1024:g} GB")


def _api(plan: StagePlan, usage: dict[str, float], hours: float, lines: _Lines) -> None:
    api = plan.api
    choice = plan.components.api
    if choice == "ecs":
        _fargate("api", "API tasks", api.cpu, api.memory, api.min_count, hours, lines)
        lines.add("api", "alb.hour", hours, "load balancer")
        lines.add("api", "alb.lcu_hour", usage["alb_lcu"] * hours, "load balancer capacity units")
        lines.add("api", "vpc.public_ipv4_hour", plan.network.az_count * hours, "load balancer public IPs")
        lines.add("api", "ecr.gb_month", usage["ecr_gb"], "API images")
    elif choice == "lambda":
        requests = usage["api_requests_millions"]
        gb_seconds = requests * 1e6 * usage["lambda_avg_seconds"] * api.lambda_memory / 1024
        lines.add("api", "lambda.gb_second", gb_seconds, "function duration")
        lines.add("api", "lambda.requests_1m", requests, "function requests")
    elif choice == "vercel":
        lines.add("api", "vercel.pro_seat_month", usage["seats"], "Vercel Pro")
        lines.notes.append("Vercel function usage beyond the Pro plan's included amounts is not priced")
    elif choice == "railway":
        lines.add("api", "railway.pro_seat_month", usage["seats"], "Railway Pro")
        lines.add("api", "railway.vcpu_month", api.cpu / 1024 * api.min_count, "API vCPU")
        lines.add("api", "railway.memory_gb_month", api.memory / 1024 * api.min_count, "API memory")


def _web(plan: StagePlan, usage: dict[str, float], lines: _Lines) -> None:
    web = plan.components.web
    if web == "cloudfront":
        lines.add("web", "s3.standard_gb_month", usage["web_gb"], "front-end files")
        lines.add("web", "s3.put_1k", usage["deploys"] * usage["files_per_deploy"] / 1000, "uploads per deploy")
        lines.add("web", "cloudfront.gb", usage["cdn_gb"], "CDN data out")
        lines.add("web", "cloudfront.https_10k", usage["web_requests_millions"] * 100, "CDN requests")
    elif web == "vercel" and plan.components.api != "vercel":
        lines.add("web", "vercel.pro_seat_month", usage["seats"], "Vercel Pro")


def _ai(plan: StagePlan, usage: dict[str, float], hours: float, lines: _Lines) -> None:
    ai = plan.ai
    choice = plan.components.ai
    if choice == "ollama-gpu" and plan.platform == "aws":
        key = f"ec2.{ai.gpu_instance_type}"
        if key not in lines.table["items"]:
            lines.notes.append(f"{ai.gpu_instance_type} is not in the price table: GPU hours not priced")
            return
        running = ai.min_instances * hours if ai.min_instances else usage["gpu_hours_when_scaled_to_zero"]
        what = f"{ai.gpu_instance_type}" + ("" if ai.min_instances else " (scales to zero; assumed hours)")
        lines.add("ai", key, running, what)
        lines.add("ai", "ebs.gp3_gb_month", usage["ebs_gb_per_instance"] * running / hours, "GPU instance volumes")
        lines.add("ai", "efs.standard_gb_month", usage["efs_gb"], "model cache")
    elif choice == "ollama-cpu" and plan.platform == "aws":
        _fargate("ai", "Ollama task", ai.cpu or 2048, ai.memory or 8192, max(1, ai.min_instances), hours, lines)
        lines.add("ai", "efs.standard_gb_month", usage["efs_gb"], "model cache")
    elif choice == "ollama-cpu" and plan.platform == "railway":
        cpu, memory = (ai.cpu or 2048) / 1024, (ai.memory or 8192) / 1024
        lines.add("ai", "railway.vcpu_month", cpu, "Ollama vCPU")
        lines.add("ai", "railway.memory_gb_month", memory, "Ollama memory")
        lines.add("ai", "railway.volume_gb_month", usage["railway_volume_gb"], "model volume")
    if "openai" in (_provider(choice), ai.fallback_provider):
        model = next((m.name for m in ai.models if m.provider == "openai"), "gpt-5-mini")
        if choice != "openai":
            # a fallback only sees traffic when the primary is down: not priced
            lines.notes.append(f"OpenAI as fallback ({model}) is billed per token only when used")
            return
        key = f"openai.{model}"
        if f"{key}.input_1m" not in lines.table["items"]:
            lines.notes.append(f"{model} is not in the price table: tokens not priced")
            return
        lines.add("ai", f"{key}.input_1m", usage["openai_input_millions"], f"{model} input tokens")
        lines.add("ai", f"{key}.output_1m", usage["openai_output_millions"], f"{model} output tokens")
    if choice == "huggingface":
        lines.notes.append("Hugging Face inference is billed per use by the chosen provider: not priced")


def _security(plan: StagePlan, usage: dict[str, float], lines: _Lines) -> None:
    """Each hardening's monthly cost, under the component `security` (docs/security.md)."""
    sec, c = plan.security, plan.components
    if sec.waf != "off":
        rules = waf_rule_count(sec.waf)
        lines.add("security", "waf.web_acl_month", 1, f"web ACL ({sec.waf})")
        lines.add("security", "waf.rule_month", rules, f"{rules} WAF rules (managed groups and rate limits)")
        # Every request CloudFront receives is inspected, the API's included.
        requests = usage["web_requests_millions"] + (usage["api_requests_millions"] if c.api != "none" else 0)
        lines.add("security", "waf.requests_1m", requests, "WAF requests inspected")
    if c.web == "cloudfront" or c.api == "ecs":
        # CloudFront standard logging v2 is delivered as vended logs; ALB access logs are free to deliver.
        if c.web == "cloudfront":
            lines.add("security", "cloudwatch.vended_s3_gb", usage["access_log_gb"], "CloudFront access log delivery")
        stored = usage["access_log_gb"] * min(sec.access_log_days, 365) / 30
        lines.add("security", "s3.standard_gb_month", stored, f"access logs kept {sec.access_log_days} days")
    if sec.kms == "customer":
        lines.add("security", "kms.key_month", 1, "the stage's customer managed key")
        lines.add("security", "kms.requests_10k", usage["kms_requests_10k"], "key requests")


def _provider(choice: str) -> str:
    return "ollama" if choice.startswith("ollama") else choice


def _db(plan: StagePlan, hours: float, lines: _Lines) -> None:
    tier = plan.components.db
    if tier == "m0":
        lines.add("db", "atlas.m0_month", 1, "Atlas M0 (free)")
    elif tier == "flex":
        lines.add("db", "atlas.flex_hour", hours, "Atlas Flex")
    elif tier == "dedicated":
        size = (plan.db.instance_size or "M10").lower()
        key = f"atlas.{size}_hour"
        if key not in lines.table["items"]:
            lines.notes.append(f"Atlas {size.upper()} is not in the price table: not priced")
            return
        lines.add("db", key, hours, f"Atlas {size.upper()}")
        if plan.db.backup:
            lines.notes.append("Atlas cloud backup storage and point-in-time restore are billed by size: not priced")
