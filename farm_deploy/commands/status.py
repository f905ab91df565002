"""`farm-deploy status --stack S`: outputs, health, ECS deployments and alarms on one screen."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any

from farm_deploy.commands.verify import REGION_HELP, _check_numbers, _row, add_output_arguments, read_outputs

STATUS_SCHEMA_VERSION = 1
HELP = "one screen: the stack's outputs, health, ECS deployments and CloudWatch alarm states"
DESCRIPTION = (
    "Shows the deployed stack's URLs, region, dashboard and estimated cost, probes its health checks once, "
    "lists each ECS service's deployments (task definition, rollout state, tasks running) and the state of "
    "its CloudWatch alarms; on a multi-region stage, one row per region (services running/desired, alarms, "
    "Route 53 health check) and every region's deployments and alarms (--region shows one). Exits 1 when a check "
    "fails, a deployment is not the registered one, an alarm is in ALARM, or a region's health check fails."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_output_arguments(parser, region_help=REGION_HELP)
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per health request (default 5)")
    parser.add_argument("--retries", type=int, default=0, help="retries per health check (default 0)")
    parser.add_argument("--json", action="store_true", help="print the same as JSON")


@dataclass
class RegionStatus:
    """What one region answered: its services' deployments, its alarms, its Route 53 health check."""

    name: str | None
    primary: bool
    alb_dns_name: str | None
    services: list[Any] = field(default_factory=list)
    verdicts: list[Any] = field(default_factory=list)
    alarms: list[Any] = field(default_factory=list)
    alarm_error: str | None = None
    health_check_id: str | None = None
    health_check: Any = None  # CheckResult, or None when the region exports no health check
    queried: bool = False  # whether there was anything to ask AWS in this region

    @property
    def ok(self) -> bool:
        return (
            all(v.ok for v in self.verdicts)
            and not any(a.state in ("ALARM", "MISSING") for a in self.alarms)
            and self.alarm_error is None
            and (self.health_check is None or self.health_check.ok)
        )


def read_region(view: Any, endpoint_url: str | None) -> RegionStatus:
    from farm_deploy import aws_ops

    status = RegionStatus(view.name, view.primary, view.alb_dns_name, health_check_id=view.health_check_id)
    if not (view.ecs_services or view.alarm_names or view.health_check_id):
        return status
    region = status.name = aws_ops.resolve_region(view.name)
    status.queried = True
    if view.ecs_services:
        ecs = aws_ops.client("ecs", region=region, endpoint_url=endpoint_url)
        status.services, status.verdicts = aws_ops.check_deployments(ecs, view.ecs_cluster or "", view.ecs_services)
    if view.alarm_names:
        cloudwatch = aws_ops.client("cloudwatch", region=region, endpoint_url=endpoint_url)
        try:
            status.alarms = aws_ops.alarm_states(cloudwatch, view.alarm_names)
        except aws_ops.aws_error_types() as exc:
            status.alarm_error = f"could not read the alarms: {exc}"
    if view.health_check_id:
        route53 = aws_ops.client("route53", region=region, endpoint_url=endpoint_url)
        status.health_check = aws_ops.health_check_verdict(route53, view.health_check_id)
    return status


def run(args: argparse.Namespace) -> int:
    from farm_deploy import health

    _check_numbers(args)
    outputs = read_outputs(args)
    multi = outputs.multi_region
    views = outputs.select_regions(args.region)

    probes = health.probe_all(
        health.checks_from_urls(outputs.health_urls, timeout=args.timeout, retries=args.retries), backoff=0.5
    )
    regions = [read_region(view, args.endpoint_url) for view in views]
    ok = all(p.ok for p in probes) and all(r.ok for r in regions)
    errors = [f"{r.name}: {r.alarm_error}" if multi else r.alarm_error for r in regions if r.alarm_error]
    summary = {
        "stage": outputs.stage,
        "platform": outputs.platform,
        "region": outputs.region if multi else (args.region or outputs.region),
        "webUrl": outputs.web_url,
        "apiUrl": outputs.api_url,
        "dashboardUrl": outputs.dashboard_url,
        "estimatedMonthlyCost": outputs.estimated_monthly_cost,
    }
    if args.json:
        tag = (lambda r: {"region": r.name}) if multi else (lambda r: {})
        report = {
            "schema_version": STATUS_SCHEMA_VERSION,
            "stack": outputs.stack,
            "ok": ok,
            "outputs": summary,
            "health": [p.to_dict() for p in probes],
            "ecs": [
                {**_service_dict(s, v), **tag(r)} for r in regions for s, v in zip(r.services, r.verdicts, strict=True)
            ],
            "alarms": [{**a.to_dict(), **tag(r)} for r in regions for a in r.alarms],
            "errors": errors,
            "regions": [_region_dict(r) for r in regions if r.queried],
        }
        from farm_deploy.commands.common import dump_json

        dump_json(report)
    else:
        _print(outputs, ok, summary, probes, regions, errors)
    return 0 if ok else 1


def _counts(state: Any) -> tuple[Any, Any]:
    primary = state.primary or {}
    return primary.get("runningCount"), primary.get("desiredCount")


def _alarm_counts(alarms: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for alarm in alarms:
        counts[alarm.state] = counts.get(alarm.state, 0) + 1
    return counts


def _region_dict(region: RegionStatus) -> dict[str, Any]:
    check = region.health_check
    return {
        "region": region.name,
        "primary": region.primary,
        "ok": region.ok,
        "albDnsName": region.alb_dns_name,
        "services": [
            {"service": s.ref.key, "runningCount": _counts(s)[0], "desiredCount": _counts(s)[1], "ok": v.ok}
            for s, v in zip(region.services, region.verdicts, strict=True)
        ],
        "alarms": _alarm_counts(region.alarms),
        "healthCheck": None
        if check is None
        else {"id": region.health_check_id, "ok": check.ok, "detail": check.detail},
    }


def _service_dict(state: Any, verdict: Any) -> dict[str, Any]:
    return {
        "service": state.ref.key,
        "name": state.ref.name,
        "expectedTaskDefinition": state.ref.task_definition_arn,
        "ok": verdict.ok,
        "detail": verdict.detail,
        "deployments": [
            {
                "status": d.get("status"),
                "taskDefinition": d.get("taskDefinition"),
                "rolloutState": d.get("rolloutState"),
                "runningCount": d.get("runningCount"),
                "desiredCount": d.get("desiredCount"),
            }
            for d in state.deployments
        ],
    }


def _cost(value: Any) -> str:
    if isinstance(value, (int, float)):
        return f"${value:,.2f}/month"
    if isinstance(value, dict) and isinstance(value.get("total"), (int, float)):
        return f"${value['total']:,.2f}/month"
    return "" if value is None else str(value)


def _print(
    outputs: Any, ok: bool, summary: dict[str, Any], probes: list[Any], regions: list[Any], errors: list[str]
) -> None:
    from rich.table import Table

    from farm_deploy.aws_ops import _revision
    from farm_deploy.commands.common import console as make_console

    multi = outputs.multi_region
    console = make_console()
    head = Table(title=f"{outputs.stack}: {'OK' if ok else 'NEEDS ATTENTION'}", title_justify="left", show_header=False)
    head.add_column("")
    head.add_column("")
    for key in ("stage", "platform", "region", "webUrl", "apiUrl", "dashboardUrl"):
        if summary.get(key):
            _row(head, key, str(summary[key]))
        if key == "region" and multi:
            _row(
                head, "regions", ", ".join(f"{n} (primary)" if n == outputs.region else n for n in outputs.region_names)
            )
    if summary.get("estimatedMonthlyCost") is not None:
        _row(head, "estimatedMonthlyCost", _cost(summary["estimatedMonthlyCost"]))
    console.print(head)

    if probes:
        table = Table(title="health", title_justify="left")
        for col in ("", "check", "detail", "url"):
            table.add_column(col)
        for p in probes:
            _row(table, "ok" if p.ok else "FAIL", p.name, p.detail, p.url or "")
        console.print(table)

    if multi:
        table = Table(title="regions", title_justify="left")
        for col in ("", "region", "services running/desired", "alarms", "route53"):
            table.add_column(col)
        for r in regions:
            services = ", ".join(f"{s.ref.key} {_counts(s)[0] or 0}/{_counts(s)[1] or 0}" for s in r.services)
            alarms = ", ".join(f"{n} {state}" for state, n in sorted(_alarm_counts(r.alarms).items()))
            check = r.health_check
            route53 = "" if check is None else ("healthy" if check.ok else "UNHEALTHY")
            name = f"{r.name} (primary)" if r.primary else str(r.name)
            _row(table, "ok" if r.ok else "FAIL", name, services, alarms or r.alarm_error or "", route53)
        console.print(table)

    where = (lambda r: [str(r.name)]) if multi else (lambda r: [])
    if any(r.services for r in regions):
        table = Table(title="ECS deployments", title_justify="left")
        cols = ("", "service", "deployment", "task definition", "rollout", "tasks")
        for col in (cols[0], "region", *cols[1:]) if multi else cols:
            table.add_column(col)
        for r in regions:
            for state, verdict in zip(r.services, r.verdicts, strict=True):
                rows = state.deployments or [{}]
                for i, d in enumerate(rows):
                    _row(
                        table,
                        ("ok" if verdict.ok else "FAIL") if i == 0 else "",
                        *(where(r) if i == 0 else [""] * len(where(r))),
                        state.ref.key if i == 0 else "",
                        str(d.get("status", "")),
                        _revision(d.get("taskDefinition")) if d else "",
                        str(d.get("rolloutState") or ""),
                        f"{d.get('runningCount', 0)}/{d.get('desiredCount', 0)}" if d else "",
                    )
        console.print(table)
        for r in regions:
            for verdict in r.verdicts:
                if not verdict.ok:
                    console.print(f"FAIL {' '.join([*where(r), verdict.name])}: {verdict.detail}", markup=False)

    if any(r.alarms for r in regions):
        table = Table(title="alarms", title_justify="left")
        for col in ("state", "region", "alarm", "since", "reason") if multi else ("state", "alarm", "since", "reason"):
            table.add_column(col)
        for r in regions:
            for a in r.alarms:
                _row(table, a.state, *where(r), a.name, a.updated, a.reason)
        console.print(table)
    for r in regions:
        if r.health_check is not None and not r.health_check.ok:
            console.print(f"FAIL {r.name} route53: {r.health_check.detail}", markup=False)
    for error in errors:
        console.print(f"FAIL alarms: {error}", markup=False)
    unhealthy = [str(r.name) for r in regions if not r.ok]
    if multi and unhealthy:
        console.print(f"{outputs.stack}: unhealthy regions: {', '.join(unhealthy)}", markup=False)
