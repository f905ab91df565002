"""What AWS says about a deployed stack: ECS deployments, CloudWatch alarms and logs.

Why the ECS check exists: an ECS service with the deployment circuit breaker
(rollback on) that fails to start the new task definition rolls itself back
to the previous one. `pulumi up` has already returned success by then (it
registers the task definition and updates the service; it does not wait for
the rollout), so nobody is told. The check compares the task definition of the
service's PRIMARY deployment with the one the update registered (exported as
`ecs.services.<name>.taskDefinitionArn`) and requires its rollout to be
COMPLETED.

boto3 is imported inside the functions that need it; clients honour
`--endpoint-url` / `AWS_ENDPOINT_URL` (a local emulator in the tests).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from analysis.errors import UserError
from farm_deploy.health import CheckResult
from farm_deploy.stack_outputs import EcsServiceRef

IN_PROGRESS = "IN_PROGRESS"


def resolve_region(region: str | None) -> str:
    """The region a client talks to: the one given, else AWS_REGION / AWS_DEFAULT_REGION."""
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise UserError(
            "no AWS region: the stack outputs have no `region`",
            hint="pass --region or set AWS_REGION",
        )
    return region


def client(service: str, *, region: str | None, endpoint_url: str | None = None) -> Any:
    import boto3

    region = resolve_region(region)
    endpoint_url = endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
    return boto3.client(service, region_name=region, endpoint_url=endpoint_url)


def aws_error_types() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


# ---------------------------------------------------------------------- ECS


def _revision(arn: str | None) -> str:
    """`family:revision` of a task definition ARN (or the text as given)."""
    if not arn:
        return "(none)"
    return arn.rsplit("task-definition/", 1)[-1]


@dataclass
class ServiceState:
    ref: EcsServiceRef
    found: bool = False
    status: str | None = None  # ACTIVE, DRAINING, INACTIVE
    deployments: list[dict[str, Any]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def primary(self) -> dict[str, Any] | None:
        return next((d for d in self.deployments if d.get("status") == "PRIMARY"), None)

    @property
    def in_progress(self) -> bool:
        primary = self.primary
        return bool(
            primary
            and _revision(primary.get("taskDefinition")) == _revision(self.ref.task_definition_arn)
            and primary.get("rolloutState") == IN_PROGRESS
        )

    def verdict(self) -> CheckResult:
        name = f"ecs:{self.ref.key}"
        expected = _revision(self.ref.task_definition_arn)
        if self.error:
            return CheckResult(name, False, f"could not ask ECS about {self.ref.name}: {self.error}")
        if not self.found:
            return CheckResult(name, False, f"service {self.ref.name} not found in the cluster")
        if self.status != "ACTIVE":
            return CheckResult(name, False, f"service {self.ref.name} is {self.status}")
        primary = self.primary
        if primary is None:
            return CheckResult(name, False, f"service {self.ref.name} has no PRIMARY deployment")
        running = _revision(primary.get("taskDefinition"))
        counts = f"{primary.get('runningCount', 0)}/{primary.get('desiredCount', 0)} tasks running"
        rollout = primary.get("rolloutState")
        if running != expected:
            failed = next(
                (d for d in self.deployments if _revision(d.get("taskDefinition")) == expected),
                None,
            )
            why = ""
            if failed is not None and failed.get("rolloutStateReason"):
                why = f" ({failed.get('rolloutState')}: {failed['rolloutStateReason']})"
            hint = next((e for e in self.events if "circuit breaker" in e.lower() or "rolling back" in e.lower()), "")
            return CheckResult(
                name,
                False,
                f"ROLLED BACK: the PRIMARY deployment runs {running}, not {expected} that this update "
                f"registered{why}; the deployment circuit breaker put the previous task definition back, "
                f"and `pulumi up` reported success anyway" + (f". ECS: {hint}" if hint else ""),
            )
        if rollout == "COMPLETED":
            return CheckResult(name, True, f"{running}, rollout COMPLETED, {counts}")
        if rollout == IN_PROGRESS:
            return CheckResult(name, False, f"{running} still rolling out (IN_PROGRESS), {counts}")
        if rollout:
            reason = primary.get("rolloutStateReason") or ""
            return CheckResult(name, False, f"{running} rollout {rollout}" + (f": {reason}" if reason else ""))
        # No rolloutState: a service without the circuit breaker. Settled means alone and at count.
        settled = len(self.deployments) == 1 and primary.get("runningCount") == primary.get("desiredCount")
        return CheckResult(name, settled, f"{running}, {counts}" + ("" if settled else ", not settled"))


def describe_services(ecs: Any, cluster: str, refs: Iterable[EcsServiceRef]) -> list[ServiceState]:
    refs = list(refs)
    states = {ref.name: ServiceState(ref) for ref in refs}
    try:
        for i in range(0, len(refs), 10):  # DescribeServices takes at most 10 names
            batch = [r.name for r in refs[i : i + 10]]
            answer = ecs.describe_services(cluster=cluster, services=batch)
            for svc in answer.get("services", []):
                state = states.get(svc.get("serviceName"))
                if state is None:
                    continue
                state.found = True
                state.status = svc.get("status")
                state.deployments = list(svc.get("deployments") or [])
                state.events = [e.get("message", "") for e in (svc.get("events") or [])[:5]]
    except aws_error_types() as exc:
        for state in states.values():
            state.error = str(exc)
    return [states[r.name] for r in refs]


def check_deployments(
    ecs: Any,
    cluster: str,
    refs: Iterable[EcsServiceRef],
    *,
    wait_seconds: float = 0,
    poll_seconds: float = 15,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[ServiceState], list[CheckResult]]:
    """Each service's deployment verdict, waiting up to `wait_seconds` for rollouts in progress.

    `progress` is told, before each wait, which rollouts are still running and
    how long is left: a wait of minutes must not look like a hang.
    """
    refs = list(refs)
    start = clock()
    deadline = start + wait_seconds
    while True:
        states = describe_services(ecs, cluster, refs)
        if not any(s.in_progress for s in states) or clock() + poll_seconds > deadline:
            return states, [s.verdict() for s in states]
        if progress is not None:
            waiting = ", ".join(s.ref.key for s in states if s.in_progress)
            progress(f"waiting for ECS rollout of {waiting}: {clock() - start:.0f} s of at most {wait_seconds:.0f} s")
        sleep(poll_seconds)


# ---------------------------------------------------------------------- CloudWatch alarms


@dataclass(frozen=True)
class AlarmState:
    name: str
    state: str  # OK, ALARM, INSUFFICIENT_DATA, or MISSING
    reason: str = ""
    updated: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "state": self.state, "reason": self.reason, "updated": self.updated}


def alarm_states(cloudwatch: Any, names: Iterable[str]) -> list[AlarmState]:
    names = list(names)
    found: dict[str, AlarmState] = {}
    for i in range(0, len(names), 100):  # DescribeAlarms takes at most 100 names
        answer = cloudwatch.describe_alarms(AlarmNames=names[i : i + 100], AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        for alarm in [*answer.get("MetricAlarms", []), *answer.get("CompositeAlarms", [])]:
            updated = alarm.get("StateUpdatedTimestamp")
            found[alarm["AlarmName"]] = AlarmState(
                name=alarm["AlarmName"],
                state=alarm.get("StateValue", "UNKNOWN"),
                reason=alarm.get("StateReason", ""),
                updated=updated.isoformat() if hasattr(updated, "isoformat") else str(updated or ""),
            )
    return [found.get(n, AlarmState(n, "MISSING", "no such alarm")) for n in names]


def alarms_verdict(states: list[AlarmState]) -> CheckResult:
    """One check for a region's alarms: failed when one fires or is missing. INSUFFICIENT_DATA passes: a new
    alarm, or one on a metric nothing has emitted yet (no 5xx), sits there without anything being wrong."""
    bad = [a for a in states if a.state in ("ALARM", "MISSING")]
    if not bad:
        counts: dict[str, int] = {}
        for a in states:
            counts[a.state] = counts.get(a.state, 0) + 1
        return CheckResult("alarms", True, ", ".join(f"{n} {state}" for state, n in sorted(counts.items())))
    return CheckResult(
        "alarms",
        False,
        "; ".join(f"{a.name} {a.state}" + (f": {a.reason}" if a.reason else "") for a in bad),
    )


# ---------------------------------------------------------------------- Route 53 health checks

# Route 53 calls an endpoint healthy when MORE than 18% of its health checkers report it healthy:
# https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
HEALTHY_CHECKER_SHARE = 0.18


def health_check_verdict(route53: Any, health_check_id: str) -> CheckResult:
    """The Route 53 health check's status as its checkers see it.

    GetHealthCheckStatus answers `{HealthCheckObservations: [{Region, IPAddress, StatusReport: {Status,
    CheckedTime}}]}`, one observation per checker, `Status` a sentence starting "Success" or "Failure"
    (botocore/data/route53/2013-04-01/service-2.json, shapes GetHealthCheckStatusResponse, HealthCheckObservation,
    StatusReport; https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHealthCheckStatus.html).
    """
    name = "route53"
    try:
        answer = route53.get_health_check_status(HealthCheckId=health_check_id)
    except aws_error_types() as exc:
        return CheckResult(name, False, f"could not read health check {health_check_id}: {exc}")
    reports = [
        str((o.get("StatusReport") or {}).get("Status") or "") for o in answer.get("HealthCheckObservations", [])
    ]
    if not reports:
        return CheckResult(name, False, f"health check {health_check_id}: no checker has reported yet")
    healthy = sum(1 for r in reports if r.lower().startswith("success"))
    seen = f"{healthy} of {len(reports)} checkers report Success"
    if healthy / len(reports) > HEALTHY_CHECKER_SHARE:
        return CheckResult(name, True, f"health check {health_check_id} healthy: {seen}")
    failure = next((r for r in reports if not r.lower().startswith("success")), "")
    return CheckResult(name, False, f"health check {health_check_id} UNHEALTHY: {seen}; {failure}".rstrip("; "))


# ---------------------------------------------------------------------- CloudWatch logs


@dataclass(frozen=True)
class LogEvent:
    timestamp: int  # ms since the epoch
    service: str
    stream: str
    message: str
    event_id: str
    region: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "timestamp": self.timestamp,
            "service": self.service,
            "stream": self.stream,
            "message": self.message,
            "region": self.region,
        }


@dataclass(frozen=True)
class LogSource:
    """One region's log groups and the client that reads them."""

    region: str | None
    logs: Any
    groups: dict[str, str]


def fetch_events(
    logs: Any, groups: dict[str, str], *, start_ms: int, seen: dict[str, int] | None = None, limit: int = 10_000
) -> list[LogEvent]:
    """Events of every group since `start_ms`, oldest first, skipping ids in `seen` (and adding to it)."""
    return fetch_all([LogSource(None, logs, groups)], start_ms=start_ms, seen=seen, limit=limit)


def fetch_all(
    sources: Iterable[LogSource],
    *,
    start_ms: int | dict[str | None, int],
    seen: dict[str, int] | None = None,
    limit: int = 10_000,
) -> list[LogEvent]:
    """Events of every source's groups since `start_ms` (one for all, or per region), merged oldest first."""
    seen = seen if seen is not None else {}
    events: list[LogEvent] = []
    for source in sources:
        since = start_ms if isinstance(start_ms, int) else start_ms[source.region]
        for service, group in source.groups.items():
            for raw in _paginate(source.logs, group, since, limit, source.region):
                raw_id = raw.get("eventId") or (raw.get("logStreamName"), raw.get("timestamp"), raw.get("message"))
                # Regions can use the same group names: the region is part of the id.
                event_id = f"{source.region + ':' if source.region else ''}{group}/{raw_id}"
                if event_id in seen:
                    continue
                seen[event_id] = int(raw.get("timestamp", 0))
                events.append(
                    LogEvent(
                        timestamp=int(raw.get("timestamp", 0)),
                        service=service,
                        stream=raw.get("logStreamName", ""),
                        message=str(raw.get("message", "")).rstrip("\n"),
                        event_id=event_id,
                        region=source.region,
                    )
                )
    events.sort(key=lambda e: (e.timestamp, e.region or "", e.service))
    return events


def _paginate(logs: Any, group: str, start_ms: int, limit: int, region: str | None = None) -> Iterator[dict[str, Any]]:
    token: str | None = None
    count = 0
    while True:
        kwargs: dict[str, Any] = {"logGroupName": group, "startTime": start_ms}
        if token:
            kwargs["nextToken"] = token
        try:
            answer = logs.filter_log_events(**kwargs)
        except logs.exceptions.ResourceNotFoundException:
            raise UserError(
                "log group not found" + (f" in {region}" if region else ""),
                key=group,
                hint="check the stack's `logGroups` output and the region (--region)",
            ) from None
        for raw in answer.get("events", []):
            yield raw
            count += 1
            if count >= limit:
                return
        new_token = answer.get("nextToken")
        if not new_token or new_token == token:
            return
        token = new_token


def follow_events(
    logs: Any,
    groups: dict[str, str],
    *,
    start_ms: int,
    emit: Callable[[LogEvent], None],
    poll_seconds: float = 2.0,
    max_polls: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Poll for new events until `max_polls` polls (None: until interrupted). Returns events emitted."""
    return follow_all(
        [LogSource(None, logs, groups)],
        start_ms=start_ms,
        emit=emit,
        poll_seconds=poll_seconds,
        max_polls=max_polls,
        sleep=sleep,
    )


def follow_all(
    sources: list[LogSource],
    *,
    start_ms: int,
    emit: Callable[[LogEvent], None],
    poll_seconds: float = 2.0,
    max_polls: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """`follow_events` over several regions: each poll reads every region and emits the new events merged in
    time order. Each region keeps its own read position, so a region whose events arrive late is not skipped
    past because another region is ahead."""
    seen: dict[str, int] = {}
    polls = 0
    emitted = 0
    since: dict[str | None, int] = {s.region: start_ms for s in sources}
    while max_polls is None or polls < max_polls:
        if polls:
            sleep(poll_seconds)
        for event in fetch_all(sources, start_ms=since, seen=seen):
            emit(event)
            emitted += 1
            # same-millisecond events can arrive later: re-read from the last one, `seen` drops repeats
            since[event.region] = max(since[event.region], event.timestamp)
        polls += 1
        oldest = min(since.values())
        for key in [k for k, ts in seen.items() if ts < oldest]:
            del seen[key]  # older than every region's next read: cannot come back
    return emitted
