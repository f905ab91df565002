"""`farm-deploy status --stack S`: outputs, health, ECS deployments and alarms on one screen."""

from __future__ import annotations

import argparse
from typing import Any

from farm_deploy.commands.verify import _check_numbers, _row, add_output_arguments, read_outputs

STATUS_SCHEMA_VERSION = 1
HELP = "one screen: the stack's outputs, health, ECS deployments and CloudWatch alarm states"
DESCRIPTION = (
    "Shows the deployed stack's URLs, region, dashboard and estimated cost, probes its health checks once, "
    "lists each ECS service's deployments (task definition, rollout state, tasks running) and the state of "
    "its CloudWatch alarms. Exits 1 when a check fails, a deployment is not the registered one, or an alarm is "
    "in ALARM."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_output_arguments(parser)
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per health request (default 5)")
    parser.add_argument("--retries", type=int, default=0, help="retries per health check (default 0)")
    parser.add_argument("--json", action="store_true", help="print the same as JSON")


def run(args: argparse.Namespace) -> int:
    from farm_deploy import aws_ops, health

    _check_numbers(args)
    outputs = read_outputs(args)
    region = args.region or outputs.region

    probes = health.probe_all(
        health.checks_from_urls(outputs.health_urls, timeout=args.timeout, retries=args.retries), backoff=0.5
    )
    services: list[Any] = []
    verdicts: list[Any] = []
    if outputs.ecs_services:
        ecs = aws_ops.client("ecs", region=region, endpoint_url=args.endpoint_url)
        services, verdicts = aws_ops.check_deployments(ecs, outputs.ecs_cluster or "", outputs.ecs_services)
    alarms: list[Any] = []
    alarm_error = None
    if outputs.alarm_names:
        cloudwatch = aws_ops.client("cloudwatch", region=region, endpoint_url=args.endpoint_url)
        try:
            alarms = aws_ops.alarm_states(cloudwatch, outputs.alarm_names)
        except aws_ops.aws_error_types() as exc:
            alarm_error = f"could not read the alarms: {exc}"

    ok = (
        all(p.ok for p in probes)
        and all(v.ok for v in verdicts)
        and not any(a.state in ("ALARM", "MISSING") for a in alarms)
        and alarm_error is None
    )
    summary = {
        "stage": outputs.stage,
        "platform": outputs.platform,
        "region": region,
        "webUrl": outputs.web_url,
        "apiUrl": outputs.api_url,
        "dashboardUrl": outputs.dashboard_url,
        "estimatedMonthlyCost": outputs.estimated_monthly_cost,
    }
    if args.json:
        report = {
            "schema_version": STATUS_SCHEMA_VERSION,
            "stack": outputs.stack,
            "ok": ok,
            "outputs": summary,
            "health": [p.to_dict() for p in probes],
            "ecs": [_service_dict(s, v) for s, v in zip(services, verdicts, strict=True)],
            "alarms": [a.to_dict() for a in alarms],
            "errors": [alarm_error] if alarm_error else [],
        }
        from farm_deploy.commands.common import dump_json

        dump_json(report)
    else:
        _print(outputs.stack, ok, summary, probes, services, verdicts, alarms, alarm_error)
    return 0 if ok else 1


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


def _print(stack, ok, summary, probes, services, verdicts, alarms, alarm_error) -> None:
    from rich.table import Table

    from farm_deploy.aws_ops import _revision
    from farm_deploy.commands.common import console as make_console

    console = make_console()
    head = Table(title=f"{stack}: {'OK' if ok else 'NEEDS ATTENTION'}", title_justify="left", show_header=False)
    head.add_column("")
    head.add_column("")
    for key in ("stage", "platform", "region", "webUrl", "apiUrl", "dashboardUrl"):
        if summary.get(key):
            _row(head, key, str(summary[key]))
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

    if services:
        table = Table(title="ECS deployments", title_justify="left")
        for col in ("", "service", "deployment", "task definition", "rollout", "tasks"):
            table.add_column(col)
        for state, verdict in zip(services, verdicts, strict=True):
            rows = state.deployments or [{}]
            for i, d in enumerate(rows):
                _row(
                    table,
                    ("ok" if verdict.ok else "FAIL") if i == 0 else "",
                    state.ref.key if i == 0 else "",
                    str(d.get("status", "")),
                    _revision(d.get("taskDefinition")) if d else "",
                    str(d.get("rolloutState") or ""),
                    f"{d.get('runningCount', 0)}/{d.get('desiredCount', 0)}" if d else "",
                )
        console.print(table)
        for verdict in verdicts:
            if not verdict.ok:
                console.print(f"FAIL {verdict.name}: {verdict.detail}", markup=False)

    if alarms:
        table = Table(title="alarms", title_justify="left")
        for col in ("state", "alarm", "since", "reason"):
            table.add_column(col)
        for a in alarms:
            _row(table, a.state, a.name, a.updated, a.reason)
        console.print(table)
    if alarm_error:
        console.print(f"FAIL alarms: {alarm_error}", markup=False)
