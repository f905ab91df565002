"""`farm-deploy logs --stack S`: the services' CloudWatch logs, optionally followed."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any

from analysis.errors import UserError
from farm_deploy.commands.verify import REGION_HELP, add_output_arguments, read_outputs

LOGS_SCHEMA_VERSION = 1
HELP = "print (or --follow) the services' CloudWatch logs"
DESCRIPTION = (
    "Prints the CloudWatch log events of the stack's services (the `logGroups` output: api, ollama) since a "
    "moment (--since 10m), oldest first; --follow keeps polling for new events until Ctrl-C (or --max-polls). "
    "On a multi-region stage every region's events are merged in time order and labelled with their region "
    "(--region reads one). "
    "--access prints the latest access-log entries instead (CloudFront and the load balancer, from the "
    "`accessLogBucket` output): who called what, when, and the answer."
)
# Log files read for --access, newest first: enough for the latest entries without reading months of logs.
ACCESS_FILES = 20

_SINCE = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_output_arguments(parser, region_help=REGION_HELP)
    parser.add_argument("--service", choices=("api", "ollama"), help="one service's logs (default: all)")
    parser.add_argument("--since", default="10m", help="how far back to start: 30s, 10m, 2h, 1d (default 10m)")
    parser.add_argument("--follow", action="store_true", help="keep polling for new events until Ctrl-C")
    parser.add_argument(
        "--poll-interval", type=float, default=2.0, metavar="SECONDS", help="seconds between polls (default 2)"
    )
    parser.add_argument("--max-polls", type=int, metavar="N", help="with --follow: stop after N polls")
    parser.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per line and event, each with its schema_version and region",
    )
    parser.add_argument(
        "--access", action="store_true", help="the latest access-log entries (CloudFront, load balancer) instead"
    )
    parser.add_argument(
        "--lines", type=int, default=20, metavar="N", help="with --access: how many entries (default 20)"
    )


def parse_since(text: str) -> int:
    """Seconds in `30s`, `10m`, `2h`, `1d`."""
    match = _SINCE.match(text.strip())
    if not match:
        raise UserError("takes a number and a unit", key="--since", value=text, valid=["30s", "10m", "2h", "1d"])
    return int(match.group(1)) * _UNITS[match.group(2)]


def run(args: argparse.Namespace) -> int:
    from farm_deploy import aws_ops

    since = parse_since(args.since)
    if args.poll_interval <= 0:
        raise UserError("must be positive", key="--poll-interval", value=args.poll_interval)
    if args.max_polls is not None and args.max_polls < 1:
        raise UserError("must be at least 1", key="--max-polls", value=args.max_polls)
    outputs = read_outputs(args)
    if args.access:
        return _access(args, outputs)
    sources = _sources(args, outputs)
    start_ms = int((time.time() - since) * 1000)
    services = {service for source in sources for service in source.groups}
    emit = _json_line if args.json else _text_line(len(services) > 1, show_region=len(sources) > 1)
    try:
        if args.follow:
            aws_ops.follow_all(
                sources,
                start_ms=start_ms,
                emit=emit,
                poll_seconds=args.poll_interval,
                max_polls=args.max_polls,
            )
        else:
            for event in aws_ops.fetch_all(sources, start_ms=start_ms):
                emit(event)
    except KeyboardInterrupt:
        if not args.follow:
            raise
        # Ctrl-C is how a follow ends: not an error
    except aws_ops.aws_error_types() as exc:
        raise UserError(f"could not read the logs: {exc}", hint="check the AWS credentials and --region") from None
    return 0


def _sources(args: argparse.Namespace, outputs: Any) -> list[Any]:
    """One source per region (every region of a multi-region stage, or the one --region names) with its log
    groups, narrowed to --service. A region without that service (Ollama runs only in some) is left out."""
    from farm_deploy import aws_ops

    views = outputs.select_regions(args.region)
    known = sorted({service for view in views for service in view.log_groups})
    if not known:
        raise UserError(
            "the stack's outputs have no `logGroups`: its services do not log to CloudWatch",
            file=outputs.source,
            key="logGroups",
        )
    if args.service and args.service not in known:
        raise UserError("this stack has no such service", key="logGroups", value=args.service, valid=known)
    sources = []
    for view in views:
        groups = {k: v for k, v in view.log_groups.items() if not args.service or k == args.service}
        if groups:
            region = aws_ops.resolve_region(view.name)
            client = aws_ops.client("logs", region=region, endpoint_url=args.endpoint_url)
            sources.append(aws_ops.LogSource(region, client, groups))
    return sources


def _stamp(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _text_line(show_service: bool, *, show_region: bool = False) -> Any:
    def emit(event: Any) -> None:
        label = " ".join([*([event.region] if show_region else []), *([event.service] if show_service else [])])
        prefix = f"{_stamp(event.timestamp)} [{label}] " if label else f"{_stamp(event.timestamp)} "
        print(prefix + event.message, flush=True)

    return emit


def _json_line(event: Any) -> None:
    doc = {"schema_version": LOGS_SCHEMA_VERSION, **event.to_dict(), "time": _stamp(event.timestamp)}
    print(json.dumps(doc), flush=True)
    sys.stdout.flush()


# --------------------------------------------------------------------------- access logs


def _access(args: argparse.Namespace, outputs: Any) -> int:
    from farm_deploy import access_logs, aws_ops

    if args.lines < 1:
        raise UserError("must be at least 1", key="--lines", value=args.lines)
    bucket = outputs.raw.get("accessLogBucket")
    if not bucket:
        raise UserError(
            "the stack's outputs have no `accessLogBucket`: it keeps no access logs (CloudFront or load balancer)",
            file=outputs.source,
            key="accessLogBucket",
        )
    # The bucket is the stage's own, in its (primary) region; --region picks a region of a multi-region stage.
    region = outputs.region if outputs.multi_region else (args.region or outputs.region)
    s3 = aws_ops.client("s3", region=region, endpoint_url=args.endpoint_url)
    try:
        entries = access_logs.latest(s3, str(bucket), lines=args.lines, files=ACCESS_FILES)
    except aws_ops.aws_error_types() as exc:
        raise UserError(
            f"could not read the access logs: {exc}", hint="check the AWS credentials and --region"
        ) from None
    for entry in entries:
        if args.json:
            print(json.dumps({"schema_version": LOGS_SCHEMA_VERSION, **entry.to_dict()}), flush=True)
        else:
            print(entry.line(), flush=True)
    if not entries and not args.json:
        print(
            f"no access-log entries in s3://{bucket} yet (CloudFront delivers within minutes, the load balancer every 5)"
        )
    return 0
