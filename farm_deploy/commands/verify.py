"""`farm-deploy verify --stack S`: did the last `pulumi up` really deploy what it says?"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from analysis.errors import UserError
from farm_deploy.stack_outputs import StackOutputs, load_outputs

VERIFY_SCHEMA_VERSION = 1
HELP = "after `pulumi up`: probe the health checks and check that ECS runs the new task definitions"
DESCRIPTION = (
    "Reads the stack's outputs (`pulumi stack output --json --show-secrets`, or --outputs FILE), asks ECS whether "
    "each service's PRIMARY deployment runs the task definition this update registered and finished rolling out "
    "(not one the deployment circuit breaker rolled back to, which `pulumi up` reports as success), then probes "
    "the health checks (front end, /api/health, /api/health/database, /api/ai/health) with timeouts, retries and "
    "the expected bodies. Exits 1 when any check fails."
)


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by verify, status and logs."""
    from farm_deploy.commands.common import STACK_HELP, add_stack

    add_stack(parser, help="the deployed stack, e.g. prod; " + STACK_HELP.replace(" (reads Pulumi.<NAME>.yaml)", ""))
    parser.add_argument(
        "--outputs",
        metavar="FILE",
        help="stack outputs as JSON (from `pulumi stack output --json --show-secrets`; '-' reads stdin) "
        "instead of asking the pulumi CLI",
    )
    parser.add_argument("--region", help="AWS region (default: the stack's `region` output, then AWS_REGION)")
    parser.add_argument(
        "--endpoint-url", help="AWS API endpoint, e.g. a local emulator (default: AWS_ENDPOINT_URL, else AWS)"
    )
    parser.add_argument(
        "--project-dir", type=Path, metavar="DIR", help="folder holding Pulumi.yaml (where `pulumi` runs)"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_output_arguments(parser)
    parser.add_argument(
        "--timeout", type=float, help="seconds per health request (default: the seed's 10/10/15/30 s per check)"
    )
    parser.add_argument("--retries", type=int, help="retries per health check (default: the seed's 3, or 2 for AI)")
    parser.add_argument(
        "--backoff", type=float, default=1.0, help="seconds before the first retry, doubled each time (default 1)"
    )
    parser.add_argument(
        "--ecs-wait",
        type=float,
        default=600,
        metavar="SECONDS",
        help="wait up to this long for ECS rollouts still in progress (default 600; 0: do not wait)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print {schema_version, stack, ok, checks: [{name, ok, detail, url?}]}"
    )


def run(args: argparse.Namespace) -> int:
    _check_numbers(args)
    outputs = read_outputs(args)
    checks = run_checks(
        outputs,
        region=args.region,
        endpoint_url=args.endpoint_url,
        timeout=args.timeout,
        retries=args.retries,
        backoff=args.backoff,
        ecs_wait=args.ecs_wait,
    )
    if not checks:
        raise UserError(
            "nothing to verify: the stack's outputs have no `healthUrls` and no `ecs` services",
            file=outputs.source,
            hint="run `pulumi up` first; the outputs are read from the deployed stack",
        )
    ok = all(c.ok for c in checks)
    if args.json:
        from farm_deploy.commands.common import dump_json

        dump_json(
            {
                "schema_version": VERIFY_SCHEMA_VERSION,
                "stack": outputs.stack,
                "ok": ok,
                "checks": [c.to_dict() for c in checks],
            }
        )
    else:
        _print(outputs, checks, ok)
    return 0 if ok else 1


def _check_numbers(args: argparse.Namespace) -> None:
    for flag in ("timeout", "retries", "backoff", "ecs_wait"):
        value = getattr(args, flag, None)
        if value is not None and (value < 0 or (flag == "timeout" and value == 0)):
            raise UserError("must be positive", key=f"--{flag.replace('_', '-')}", value=value)


def read_outputs(args: argparse.Namespace) -> StackOutputs:
    from farm_deploy.commands.promote import resolve_project_dir
    from farm_deploy.stack_files import parse_stack_name

    cwd = resolve_project_dir(args.project_dir) if args.outputs is None else None
    # The pulumi CLI takes all three forms; check it and the project here for one clear message.
    parse_stack_name(args.stack, cwd or args.project_dir)
    return load_outputs(args.stack, args.outputs, cwd=cwd)


def run_checks(
    outputs: StackOutputs,
    *,
    region: str | None,
    endpoint_url: str | None,
    timeout: float | None,
    retries: int | None,
    backoff: float,
    ecs_wait: float,
) -> list[Any]:
    from farm_deploy import aws_ops, health
    from farm_deploy.commands.common import progress

    results: list[Any] = []
    if outputs.ecs_services:
        # ECS first: while a rollout is in progress the health checks may reach the old tasks.
        ecs = aws_ops.client("ecs", region=region or outputs.region, endpoint_url=endpoint_url)
        _, verdicts = aws_ops.check_deployments(
            ecs, outputs.ecs_cluster or "", outputs.ecs_services, wait_seconds=ecs_wait, progress=progress
        )
        results.extend(verdicts)
    probes = health.checks_from_urls(outputs.health_urls, timeout=timeout, retries=retries)
    results.extend(
        health.CheckResult(f"health:{r.name}", r.ok, r.detail, r.url) for r in health.probe_all(probes, backoff=backoff)
    )
    return results


def _print(outputs: StackOutputs, checks: list[Any], ok: bool) -> None:
    from rich.table import Table

    from analysis.wording import plural
    from farm_deploy.commands.common import console as make_console

    console = make_console()
    table = Table(title=f"verify {outputs.stack}", title_justify="left")
    table.add_column("")
    table.add_column("check")
    table.add_column("detail")
    table.add_column("url")
    for check in checks:
        _row(table, "ok" if check.ok else "FAIL", check.name, check.detail, check.url or "")
    console.print(table)
    failed = [c for c in checks if not c.ok]
    for check in failed:
        console.print(f"FAIL {check.name}: {check.detail}", markup=False)
    if ok:
        passed = "the check passed" if len(checks) == 1 else f"all {plural(len(checks), 'check')} passed"
        console.print(f"{outputs.stack}: {passed}", markup=False)
    else:
        console.print(f"{outputs.stack}: {len(failed)} of {plural(len(checks), 'check')} FAILED", markup=False)


def _row(table: Any, *cells: Any) -> None:
    """Cells as plain text: a `[...]` in an alarm reason or a URL is not rich markup."""
    from rich.text import Text

    table.add_row(*(Text(str(c)) for c in cells))
