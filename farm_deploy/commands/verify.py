"""`farm-deploy verify --stack S`: did the last `pulumi up` really deploy what it says?"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis.errors import UserError
from farm_deploy.health import CheckResult
from farm_deploy.stack_outputs import StackOutputs, load_outputs

VERIFY_SCHEMA_VERSION = 1
HELP = "after `pulumi up`: probe the health checks and check that ECS runs the new task definitions"
DESCRIPTION = (
    "Reads the stack's outputs (`pulumi stack output --json --show-secrets`, or --outputs FILE), asks ECS whether "
    "each service's PRIMARY deployment runs the task definition this update registered and finished rolling out "
    "(not one the deployment circuit breaker rolled back to, which `pulumi up` reports as success), then probes "
    "the health checks (front end, /api/health, /api/health/database, /api/ai/health) with timeouts, retries and "
    "the expected bodies. On a multi-region stage (the `regions` output) it checks every region, or the one "
    "--region names: ECS in that region, its CloudWatch alarms and its Route 53 health check. "
    "Exits 1 when any check fails, naming the unhealthy regions."
)
REGION_HELP = (
    "AWS region (default: the stack's `region` output, then AWS_REGION); on a multi-region stage, the one "
    "region to cover (default: every region)"
)


def add_output_arguments(
    parser: argparse.ArgumentParser,
    *,
    region_help: str = "AWS region (default: the stack's `region` output, then AWS_REGION)",
) -> None:
    """Options shared by verify, status, logs (each passing REGION_HELP: they cover every region) and rotate."""
    from farm_deploy.commands.common import STACK_HELP, add_stack

    add_stack(parser, help="the deployed stack, e.g. prod; " + STACK_HELP.replace(" (reads Pulumi.<NAME>.yaml)", ""))
    parser.add_argument(
        "--outputs",
        metavar="FILE",
        help="stack outputs as JSON (from `pulumi stack output --json --show-secrets`; '-' reads stdin) "
        "instead of asking the pulumi CLI",
    )
    parser.add_argument("--region", help=region_help)
    parser.add_argument(
        "--endpoint-url", help="AWS API endpoint, e.g. a local emulator (default: AWS_ENDPOINT_URL, else AWS)"
    )
    parser.add_argument(
        "--project-dir", type=Path, metavar="DIR", help="folder holding Pulumi.yaml (where `pulumi` runs)"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_output_arguments(parser, region_help=REGION_HELP)
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
        "--json",
        action="store_true",
        help="print {schema_version, stack, ok, checks: [{name, ok, detail, url?, region?}], "
        "regions: [{region, primary, ok}]}",
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
                "checks": [check_dict(c, outputs.multi_region) for c in checks],
                "regions": region_summary(outputs, checks),
            }
        )
    else:
        _print(outputs, checks, ok)
    return 0 if ok else 1


def check_dict(check: CheckResult, multi_region: bool) -> dict[str, Any]:
    """A check as JSON: `region` only on a multi-region stage, so a single-region stack's checks read as before."""
    out = check.to_dict()
    if not multi_region:
        out.pop("region", None)
    return out


def region_summary(outputs: StackOutputs, checks: list[Any]) -> list[dict[str, Any]]:
    """`[{region, primary, ok}]`: each region that had checks of its own, in the stack's order (primary first)."""
    order = {r.name: r.primary for r in outputs.regions}
    seen: dict[str, bool] = {}
    for check in checks:
        if check.region is not None:
            seen[check.region] = seen.get(check.region, True) and check.ok
    return [{"region": name, "primary": order.get(name, True), "ok": ok} for name, ok in seen.items()]


def unhealthy_regions(checks: list[Any]) -> list[str]:
    return list(dict.fromkeys(c.region for c in checks if c.region and not c.ok))


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
    """Every region's checks (primary first), then the health probes.

    Each check of a region carries its `region` (on a single-region stack, where ECS was asked). The URL
    probes are the stage's own addresses (CloudFront in front of every region), so they have none.
    """
    from farm_deploy import health

    views = outputs.select_regions(region)
    plans = [_RegionPlan.make(view, outputs.multi_region, endpoint_url) for view in views]
    plans = [p for p in plans if p is not None]
    # ECS first: while a rollout is in progress the health checks may reach the old tasks.
    results: list[Any] = []
    if len(plans) == 1:
        results.extend(plans[0].run(ecs_wait=ecs_wait, multi=outputs.multi_region))
    elif plans:
        results.extend(_run_side_by_side(plans, ecs_wait=ecs_wait))
    probes = health.checks_from_urls(outputs.health_urls, timeout=timeout, retries=retries)
    results.extend(
        health.CheckResult(f"health:{r.name}", r.ok, r.detail, r.url) for r in health.probe_all(probes, backoff=backoff)
    )
    return results


class _WaitInterruptedError(Exception):
    """Ends a region's wait when the command is interrupted."""


def _run_side_by_side(plans: list[_RegionPlan], *, ecs_wait: float) -> list[Any]:
    """Every region's checks at once: each may wait up to --ecs-wait for its rollout, and the waits should
    not add up. Ctrl-C stops every region's wait at once instead of leaving threads sleeping."""
    import threading
    from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

    stop = threading.Event()

    def sleep(seconds: float) -> None:
        if stop.wait(seconds):
            raise _WaitInterruptedError

    pool = ThreadPoolExecutor(max_workers=len(plans))
    try:
        futures = [pool.submit(p.run, ecs_wait=ecs_wait, multi=True, sleep=sleep) for p in plans]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in done:
            error = future.exception()
            if error is not None:
                raise error  # the others stop waiting, in `except`
        return [check for future in futures for check in future.result()]
    except BaseException:
        stop.set()
        raise
    finally:
        pool.shutdown(wait=True)


class _RegionPlan:
    """One region's checks, with its clients made up front: a client is safe to use from several threads,
    making clients from boto3's default session in several threads is not (https://github.com/boto/botocore/issues/2991,
    https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html)."""

    def __init__(self, view: Any, name: str, clients: dict[str, Any]) -> None:
        self.view = view
        self.name = name
        self.clients = clients

    @classmethod
    def make(cls, view: Any, multi: bool, endpoint_url: str | None) -> _RegionPlan | None:
        from farm_deploy import aws_ops

        # A single-region stack keeps today's checks: ECS only (`status` shows its alarms).
        wanted = ["ecs"] if view.ecs_services else []
        if multi and view.alarm_names:
            wanted.append("cloudwatch")
        if multi and view.health_check_id:
            wanted.append("route53")  # a global service; any region's client reaches it
        if not wanted:
            return None
        name = aws_ops.resolve_region(view.name)
        return cls(view, name, {s: aws_ops.client(s, region=name, endpoint_url=endpoint_url) for s in wanted})

    def run(self, *, ecs_wait: float, multi: bool, sleep: Callable[[float], None] = time.sleep) -> list[Any]:
        from dataclasses import replace

        from farm_deploy import aws_ops
        from farm_deploy.commands.common import progress

        checks: list[Any] = []
        if "ecs" in self.clients:
            say = (lambda m: progress(f"{self.name}: {m}")) if multi else progress
            _, verdicts = aws_ops.check_deployments(
                self.clients["ecs"],
                self.view.ecs_cluster or "",
                self.view.ecs_services,
                wait_seconds=ecs_wait,
                progress=say,
                sleep=sleep,
            )
            checks.extend(verdicts)
        if "cloudwatch" in self.clients:
            try:
                checks.append(
                    aws_ops.alarms_verdict(aws_ops.alarm_states(self.clients["cloudwatch"], self.view.alarm_names))
                )
            except aws_ops.aws_error_types() as exc:
                checks.append(CheckResult("alarms", False, f"could not read the alarms: {exc}"))
        if "route53" in self.clients:
            checks.append(aws_ops.health_check_verdict(self.clients["route53"], self.view.health_check_id))
        return [replace(c, region=self.name) for c in checks]


def _print(outputs: StackOutputs, checks: list[Any], ok: bool) -> None:
    from rich.table import Table

    from analysis.wording import plural
    from farm_deploy.commands.common import console as make_console

    multi = outputs.multi_region
    console = make_console()
    table = Table(title=f"verify {outputs.stack}", title_justify="left")
    for col in ("", "region", "check", "detail", "url") if multi else ("", "check", "detail", "url"):
        table.add_column(col)
    for check in checks:
        where = [check.region or "(global)"] if multi else []
        _row(table, "ok" if check.ok else "FAIL", *where, check.name, check.detail, check.url or "")
    console.print(table)
    failed = [c for c in checks if not c.ok]
    for check in failed:
        where = f"{check.region} " if multi and check.region else ""
        console.print(f"FAIL {where}{check.name}: {check.detail}", markup=False)
    if ok:
        passed = "the check passed" if len(checks) == 1 else f"all {plural(len(checks), 'check')} passed"
        regions = f" in {plural(len(region_summary(outputs, checks)), 'region')}" if multi else ""
        console.print(f"{outputs.stack}: {passed}{regions}", markup=False)
    else:
        bad = unhealthy_regions(checks) if multi else []
        which = f"; unhealthy: {', '.join(bad)}" if bad else ""
        console.print(f"{outputs.stack}: {len(failed)} of {plural(len(checks), 'check')} FAILED{which}", markup=False)


def _row(table: Any, *cells: Any) -> None:
    """Cells as plain text: a `[...]` in an alarm reason or a URL is not rich markup."""
    from rich.text import Text

    table.add_row(*(Text(str(c)) for c in cells))
