"""`verify`, `status` and `logs` on a multi-region stage (the `regions` output), against moto_server in two
regions and the FastAPI app. Route 53's failing answers, which moto cannot produce (its GetHealthCheckStatus
always reports Success), come from botocore's Stubber, which checks them against the service model."""

from __future__ import annotations

import json
import time
import uuid

import boto3
import pytest
from botocore.stub import Stubber

from farm_deploy import aws_ops
from farm_deploy.stack_outputs import parse_outputs
from tests.cli.contracts import assert_document

from .conftest import create_service, register_task_definition, write_outputs
from .test_status_logs import put_alarm, put_events

US, EU = "us-east-1", "eu-west-1"
CLUSTER = {US: "farm-prod-use1", EU: "farm-prod-euw1"}
GROUP = "/farm/prod/api"  # the same name in both regions: events must still be told apart


def client(service: str, region: str, endpoint: str):
    return boto3.client(service, region_name=region, endpoint_url=endpoint)


def health_check(route53) -> str:
    return route53.create_health_check(
        CallerReference=str(uuid.uuid4()),
        HealthCheckConfig={
            "Type": "HTTPS",
            "FullyQualifiedDomainName": "api.example.com",
            "ResourcePath": "/api/health",
        },
    )["HealthCheck"]["Id"]


@pytest.fixture
def two_regions(tmp_path, app_url, aws):
    """prod in us-east-1 (primary, with Ollama) and eu-west-1 (API only), everything rolled out and quiet."""
    route53 = client("route53", US, aws)
    regions: dict[str, dict] = {}
    tds: dict[str, str] = {}
    for region in (US, EU):
        ecs = client("ecs", region, aws)
        ecs.create_cluster(clusterName=CLUSTER[region])
        services = {}
        api = register_task_definition(ecs, f"{CLUSTER[region]}-api", "api:v2")
        create_service(ecs, CLUSTER[region], f"{CLUSTER[region]}-api", api)
        services["api"] = {"name": f"{CLUSTER[region]}-api", "taskDefinitionArn": api}
        tds[f"{region}/api"] = api
        if region == US:
            ollama = register_task_definition(ecs, f"{CLUSTER[region]}-ollama", "ollama/ollama:0.5")
            create_service(ecs, CLUSTER[region], f"{CLUSTER[region]}-ollama", ollama)
            services["ollama"] = {"name": f"{CLUSTER[region]}-ollama", "taskDefinitionArn": ollama}
        cloudwatch = client("cloudwatch", region, aws)
        alarm = f"{CLUSTER[region]}-5xx"
        put_alarm(cloudwatch, alarm, "OK")
        regions[region] = {
            "primary": region == US,
            "ecs": {"cluster": CLUSTER[region], "services": services},
            "logGroups": {"api": GROUP, **({"ollama": "/farm/prod/ollama"} if region == US else {})},
            "alarmNames": [alarm],
            "albDnsName": f"farm-prod-{region}.elb.amazonaws.com",
            "healthCheckId": health_check(route53),
        }
    outputs = write_outputs(
        tmp_path / "outputs.json",
        stage="prod",
        platform="aws",
        region=US,
        webUrl=app_url,
        apiUrl=app_url,
        healthUrls={"web": app_url + "/", "api": app_url + "/api/health"},
        ecs=regions[US]["ecs"],
        logGroups=regions[US]["logGroups"],
        alarmNames=regions[US]["alarmNames"],
        albDnsName=regions[US]["albDnsName"],
        regions=regions,
    )
    return {"outputs": outputs, "endpoint": aws, "regions": regions, "tds": tds}


def run(cli_run, stage, command: str, *extra: str) -> tuple[int, str, str]:
    argv = ["--stack", "prod", "--outputs", str(stage["outputs"]), "--endpoint-url", stage["endpoint"]]
    if command == "verify":
        argv += ["--ecs-wait", "0", "--backoff", "0.01"]
    return cli_run(command, *argv, *extra)


def verify_json(cli_run, stage, *extra: str) -> tuple[int, dict]:
    code, out, err = run(cli_run, stage, "verify", *extra, "--json")
    assert err == "" or code != 0, err
    report = json.loads(out)
    assert_document("farm-deploy verify --stack STACK --json", report)
    return code, report


# ---------------------------------------------------------------------- verify


def test_verify_both_regions_healthy(two_regions, cli_run):
    code, report = verify_json(cli_run, two_regions)
    assert code == 0 and report["ok"] is True
    assert [(c.get("region"), c["name"], c["ok"]) for c in report["checks"]] == [
        (US, "ecs:api", True),
        (US, "ecs:ollama", True),
        (US, "alarms", True),
        (US, "route53", True),
        (EU, "ecs:api", True),
        (EU, "alarms", True),
        (EU, "route53", True),
        (None, "health:web", True),
        (None, "health:api", True),
    ]
    assert report["regions"] == [
        {"region": US, "primary": True, "ok": True},
        {"region": EU, "primary": False, "ok": True},
    ]
    eu_route53 = report["checks"][6]
    hc = two_regions["regions"][EU]["healthCheckId"]
    assert eu_route53["detail"] == f"health check {hc} healthy: 1 of 1 checkers report Success"
    assert report["checks"][5]["detail"] == "1 OK"
    assert report["checks"][4]["detail"] == "farm-prod-euw1-api:1, rollout COMPLETED, 1/1 tasks running"


def test_verify_fails_naming_eu_west_1_when_its_deployment_rolled_back(two_regions, cli_run):
    ecs = client("ecs", EU, two_regions["endpoint"])
    service = "farm-prod-euw1-api"
    new = register_task_definition(ecs, service, "api:v3")
    ecs.update_service(cluster=CLUSTER[EU], service=service, taskDefinition=new)  # what `pulumi up` did
    ecs.update_service(cluster=CLUSTER[EU], service=service, taskDefinition=two_regions["tds"][f"{EU}/api"])
    data = json.loads(two_regions["outputs"].read_text())
    data["regions"][EU]["ecs"]["services"]["api"]["taskDefinitionArn"] = new
    two_regions["outputs"].write_text(json.dumps(data))

    code, report = verify_json(cli_run, two_regions)
    assert code == 1 and report["ok"] is False
    failed = [(c["region"], c["name"]) for c in report["checks"] if not c["ok"]]
    assert failed == [(EU, "ecs:api")]
    assert report["regions"] == [
        {"region": US, "primary": True, "ok": True},
        {"region": EU, "primary": False, "ok": False},
    ]
    code, out, _ = run(cli_run, two_regions, "verify")
    assert code == 1
    assert "FAIL eu-west-1 ecs:api: ROLLED BACK: the PRIMARY deployment runs farm-prod-euw1-api:1, not " in out
    assert "prod: 1 of 9 checks FAILED; unhealthy: eu-west-1" in out


def test_verify_fails_naming_eu_west_1_when_its_alarm_fires(two_regions, cli_run):
    put_alarm(client("cloudwatch", EU, two_regions["endpoint"]), "farm-prod-euw1-5xx", "ALARM")
    code, report = verify_json(cli_run, two_regions)
    assert code == 1
    assert [c for c in report["checks"] if not c["ok"]] == [
        {"name": "alarms", "ok": False, "detail": "farm-prod-euw1-5xx ALARM: test says ALARM [1.0]", "region": EU}
    ]
    # The same alarm name in us-east-1 would be another alarm: each region is asked in its own region.
    assert report["regions"][0]["ok"] is True


def route53_answering(monkeypatch, answers: dict[str, list[str]]) -> list[Stubber]:
    """`aws_ops.client("route53", region=R)` gives a client whose GetHealthCheckStatus reports `answers[R]`
    (one Status per checker); every other client is the real one (moto)."""
    real = aws_ops.client
    stubs: list[Stubber] = []

    def fake(service, *, region, endpoint_url=None):
        if service != "route53":
            return real(service, region=region, endpoint_url=endpoint_url)
        r53 = boto3.client("route53", region_name=region, aws_access_key_id="x", aws_secret_access_key="y")
        stub = Stubber(r53)
        observations = [
            {"Region": "eu-west-1", "IPAddress": f"176.34.159.{i}", "StatusReport": {"Status": status}}
            for i, status in enumerate(answers[region])
        ]
        stub.add_response("get_health_check_status", {"HealthCheckObservations": observations})
        stub.activate()
        stubs.append(stub)
        return r53

    monkeypatch.setattr(aws_ops, "client", fake)
    return stubs


def test_verify_fails_naming_eu_west_1_when_its_route53_check_fails(two_regions, cli_run, monkeypatch):
    failure = "Failure: Connection timed out. The endpoint or the internet connection is down."
    stubs = route53_answering(
        monkeypatch,
        {US: ["Success: HTTP Status Code 200. OK"] * 3, EU: [failure] * 3},
    )
    code, report = verify_json(cli_run, two_regions)
    for stub in stubs:
        stub.assert_no_pending_responses()
    assert code == 1
    hc = two_regions["regions"][EU]["healthCheckId"]
    assert [c for c in report["checks"] if not c["ok"]] == [
        {
            "name": "route53",
            "ok": False,
            "detail": f"health check {hc} UNHEALTHY: 0 of 3 checkers report Success; {failure}",
            "region": EU,
        }
    ]
    assert [r["ok"] for r in report["regions"]] == [True, False]


def test_verify_one_region(two_regions, cli_run):
    code, report = verify_json(cli_run, two_regions, "--region", EU)
    assert code == 0
    assert {c.get("region") for c in report["checks"]} == {EU, None}
    assert report["regions"] == [{"region": EU, "primary": False, "ok": True}]


def test_region_that_the_stack_does_not_run_in(two_regions, cli_run):
    for command in ("verify", "status", "logs"):
        code, out, err = run(cli_run, two_regions, command, "--region", "ap-south-1")
        assert (code, out) == (2, ""), command
        assert "option --region: not one of the stack's regions" in err and "valid: us-east-1, eu-west-1" in err
        assert "Traceback" not in err


# ---------------------------------------------------------------------- Route 53 verdicts


def stubbed_status(statuses: list[str]):
    r53 = boto3.client("route53", region_name=US, aws_access_key_id="x", aws_secret_access_key="y")
    stub = Stubber(r53)
    stub.add_response(
        "get_health_check_status",
        {"HealthCheckObservations": [{"Region": "us-west-1", "StatusReport": {"Status": s}} for s in statuses]},
        {"HealthCheckId": "hc-1"},
    )
    stub.activate()
    return r53


@pytest.mark.parametrize(
    ("successes", "of", "ok"),
    [
        (3, 16, True),  # 18.75%: more than 18% of the checkers, healthy
        (2, 16, False),  # 12.5%
        (16, 16, True),
        (0, 0, False),  # no checker has reported
    ],
)
def test_route53_healthy_when_more_than_18_percent_of_checkers_succeed(successes, of, ok):
    statuses = ["Success: HTTP Status Code 200. OK"] * successes + ["Failure: HTTP Status Code 503."] * (of - successes)
    verdict = aws_ops.health_check_verdict(stubbed_status(statuses), "hc-1")
    assert (verdict.name, verdict.ok) == ("route53", ok)


def test_route53_error_is_a_failed_check():
    r53 = boto3.client("route53", region_name=US, aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(r53) as stub:
        stub.add_client_error("get_health_check_status", "NoSuchHealthCheck", "A health check with id hc-9 not found")
        verdict = aws_ops.health_check_verdict(r53, "hc-9")
    assert verdict.ok is False and verdict.detail.startswith("could not read health check hc-9: ")
    assert "NoSuchHealthCheck" in verdict.detail


# ---------------------------------------------------------------------- status


def test_status_shows_both_regions(two_regions, cli_run):
    put_alarm(client("cloudwatch", EU, two_regions["endpoint"]), "farm-prod-euw1-5xx", "ALARM")
    code, out, _ = run(cli_run, two_regions, "status", "--json")
    report = json.loads(out)
    assert_document("farm-deploy status --stack STACK --json", report)
    assert code == 1 and report["ok"] is False
    ids = {r: two_regions["regions"][r]["healthCheckId"] for r in (US, EU)}
    rows = report["regions"]
    assert [(r["region"], r["primary"], r["ok"]) for r in rows] == [(US, True, True), (EU, False, False)]
    assert rows[0]["services"] == [
        {"service": "api", "runningCount": 1, "desiredCount": 1, "ok": True},
        {"service": "ollama", "runningCount": 1, "desiredCount": 1, "ok": True},
    ]
    assert rows[1]["services"] == [{"service": "api", "runningCount": 1, "desiredCount": 1, "ok": True}]
    assert (rows[0]["alarms"], rows[1]["alarms"]) == ({"OK": 1}, {"ALARM": 1})
    assert rows[1]["albDnsName"] == "farm-prod-eu-west-1.elb.amazonaws.com"
    assert rows[1]["healthCheck"] == {
        "id": ids[EU],
        "ok": True,
        "detail": f"health check {ids[EU]} healthy: 1 of 1 checkers report Success",
    }
    assert [(e["region"], e["name"]) for e in report["ecs"]] == [
        (US, "farm-prod-use1-api"),
        (US, "farm-prod-use1-ollama"),
        (EU, "farm-prod-euw1-api"),
    ]
    assert [(a["region"], a["name"], a["state"]) for a in report["alarms"]] == [
        (US, "farm-prod-use1-5xx", "OK"),
        (EU, "farm-prod-euw1-5xx", "ALARM"),
    ]
    assert report["outputs"]["region"] == US

    code, out, _ = run(cli_run, two_regions, "status")
    assert code == 1
    assert "us-east-1 (primary), eu-west-1" in out
    lines = out.splitlines()
    us_row = next(line for line in lines if "us-east-1 (primary)" in line and "api 1/1" in line)
    eu_row = next(line for line in lines if "eu-west-1" in line and "api 1/1" in line)
    assert "ollama 1/1" in us_row and "1 OK" in us_row and "healthy" in us_row and "FAIL" not in us_row
    assert "FAIL" in eu_row and "1 ALARM" in eu_row and "ollama" not in eu_row
    assert lines[-1] == "prod: unhealthy regions: eu-west-1"


def test_status_one_region(two_regions, cli_run):
    code, out, _ = run(cli_run, two_regions, "status", "--region", EU, "--json")
    report = json.loads(out)
    assert code == 0
    assert [r["region"] for r in report["regions"]] == [EU]
    assert {e["region"] for e in report["ecs"]} == {EU}


# ---------------------------------------------------------------------- logs


@pytest.fixture
def logged(two_regions):
    now = int(time.time() * 1000)
    us = client("logs", US, two_regions["endpoint"])
    eu = client("logs", EU, two_regions["endpoint"])
    put_events(us, GROUP, [(now - 5 * 60_000, "us: first"), (now - 2 * 60_000, "us: third")])
    put_events(eu, GROUP, [(now - 4 * 60_000, "eu: second"), (now - 1 * 60_000, "eu: fourth")])
    put_events(us, "/farm/prod/ollama", [(now - 3 * 60_000, "us ollama: loaded")])
    return {**two_regions, "now": now, "logs": {US: us, EU: eu}}


def test_logs_merge_both_regions_in_time_order(logged, cli_run):
    code, out, err = run(cli_run, logged, "logs", "--since", "10m")
    assert (code, err) == (0, "")
    assert [line.split(" ", 1)[1] for line in out.splitlines()] == [
        "[us-east-1 api] us: first",
        "[eu-west-1 api] eu: second",
        "[us-east-1 ollama] us ollama: loaded",
        "[us-east-1 api] us: third",
        "[eu-west-1 api] eu: fourth",
    ]


def test_logs_json_carries_the_region(logged, cli_run):
    code, out, _ = run(cli_run, logged, "logs", "--since", "10m", "--service", "api", "--json")
    events = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    for event in events:
        assert_document("farm-deploy logs --stack STACK --json", event)
    assert [(e["region"], e["message"]) for e in events] == [
        (US, "us: first"),
        (EU, "eu: second"),
        (US, "us: third"),
        (EU, "eu: fourth"),
    ]
    assert events[1]["timestamp"] == logged["now"] - 4 * 60_000


def test_logs_one_region(logged, cli_run):
    code, out, _ = run(cli_run, logged, "logs", "--since", "10m", "--region", EU)
    assert code == 0
    # one region, one service: no label, as on a single-region stack
    assert [line.split(" ", 1)[1] for line in out.splitlines()] == ["eu: second", "eu: fourth"]


def test_logs_service_that_runs_in_one_region_only(logged, cli_run):
    code, out, _ = run(cli_run, logged, "logs", "--since", "10m", "--service", "ollama", "--json")
    assert code == 0
    assert [(e["region"], e["message"]) for e in map(json.loads, out.splitlines())] == [(US, "us ollama: loaded")]
    code, _, err = run(cli_run, logged, "logs", "--service", "ollama", "--region", EU)
    assert code == 2 and "this stack has no such service" in err and "valid: api" in err


def test_logs_follow_across_regions(logged, cli_run):
    code, out, _ = run(
        cli_run, logged, "logs", "--service", "api", "--follow", "--max-polls", "3", "--poll-interval", "0.05"
    )
    assert code == 0
    assert [line.split(" ", 1)[1] for line in out.splitlines()] == [
        "[us-east-1] us: first",
        "[eu-west-1] eu: second",
        "[us-east-1] us: third",
        "[eu-west-1] eu: fourth",
    ]  # each once, though every poll re-reads from the last event


def test_follow_keeps_a_read_position_per_region(logged):
    """eu-west-1's event arrives after us-east-1 has moved on past its timestamp: it is still shown, once."""
    emitted: list[aws_ops.LogEvent] = []
    polls: list[float] = []
    now = logged["now"]

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 1:
            put_events(logged["logs"][US], GROUP, [(now + 10_000, "us: later")])
        if len(polls) == 2:
            put_events(logged["logs"][EU], GROUP, [(now + 5_000, "eu: delivered late")])

    sources = [aws_ops.LogSource(r, logged["logs"][r], {"api": GROUP}) for r in (US, EU)]
    count = aws_ops.follow_all(sources, start_ms=now - 10 * 60_000, emit=emitted.append, max_polls=3, sleep=sleep)
    assert [(e.region, e.message) for e in emitted] == [
        (US, "us: first"),
        (EU, "eu: second"),
        (US, "us: third"),
        (EU, "eu: fourth"),
        (US, "us: later"),
        (EU, "eu: delivered late"),
    ]
    assert count == 6


# ---------------------------------------------------------------------- the outputs contract


def test_a_single_region_stack_is_one_region_from_its_top_level_outputs():
    raw = {
        "region": US,
        "ecs": {"cluster": "c", "services": {"api": {"name": "s", "taskDefinitionArn": "arn:td/s:1"}}},
        "logGroups": {"api": "/g"},
        "alarmNames": ["a"],
        "albDnsName": "alb.example",
    }
    outputs = parse_outputs(raw, stack="prod", source="o.json")
    assert outputs.multi_region is False
    (region,) = outputs.regions
    assert (region.name, region.primary, region.ecs_cluster, region.log_groups, region.alarm_names) == (
        US,
        True,
        "c",
        {"api": "/g"},
        ("a",),
    )
    assert (region.alb_dns_name, region.health_check_id) == ("alb.example", None)
    # On a single-region stack --region still names the region to ask, as it always did.
    assert [r.name for r in outputs.select_regions("eu-central-1")] == ["eu-central-1"]


def test_regions_come_primary_first():
    raw = {
        "region": EU,
        "regions": {US: {"primary": False}, EU: {"primary": True}},
    }
    assert [(r.name, r.primary) for r in parse_outputs(raw, stack="prod", source="o.json").regions] == [
        (EU, True),
        (US, False),
    ]


@pytest.mark.parametrize(
    ("regions", "message"),
    [
        ([US, EU], "key 'regions': stack output must be an object of region -> {primary, ecs,"),
        ({}, "key 'regions': stack output must be an object of region -> {primary, ecs,"),
        ({US: "yes"}, "key 'regions.us-east-1': each region's outputs must be an object"),
        ({US: {"primary": "true"}}, "key 'regions.us-east-1.primary': must be true or false"),
        ({US: {"primary": True}, EU: {"primary": True}}, "exactly one region must be the primary, found 2"),
        ({US: {}, EU: {}}, "exactly one region must be the primary, found 0"),
        (
            {
                US: {"primary": True},
                EU: {"primary": False, "ecs": {"cluster": "c", "services": {"api": {"name": "s"}}}},
            },
            "key 'regions.eu-west-1.ecs.services.api.taskDefinitionArn': each ECS service needs the `taskDefinitionArn`",
        ),
        (
            {US: {"primary": True, "logGroups": {"api": 7}}},
            "key 'regions.us-east-1.logGroups.api': stack output values",
        ),
        ({US: {"primary": True, "alarmNames": "a"}}, "key 'regions.us-east-1.alarmNames': stack output must be a list"),
        ({US: {"primary": True, "healthCheckId": 5}}, "key 'regions.us-east-1.healthCheckId': stack output must be a"),
        (
            {US: {"primary": False}, EU: {"primary": True}},
            "key 'regions.eu-west-1.primary': the primary region is eu-west-1, but the `region` output says us-east-1",
        ),
    ],
)
def test_bad_regions_output(tmp_path, cli_run, regions, message):
    path = write_outputs(
        tmp_path / "outputs.json", region=US, healthUrls={"web": "http://127.0.0.1:9/"}, regions=regions
    )
    for command in ("verify", "status", "logs"):
        code, out, err = cli_run(command, "--stack", "prod", "--outputs", str(path))
        assert code == 2 and out == "" and "Traceback" not in err, (command, err)
        assert message in err and str(path) in err, err


def test_verify_reports_a_rollout_still_running_in_one_region(two_regions, cli_run):
    ecs = client("ecs", EU, two_regions["endpoint"])
    service = "farm-prod-euw1-api"
    ecs.delete_service(cluster=CLUSTER[EU], service=service, force=True)
    create_service(ecs, CLUSTER[EU], service, two_regions["tds"][f"{EU}/api"], desired=3)  # 1 of 3 running in moto
    code, report = verify_json(cli_run, two_regions)
    assert code == 1
    assert [c for c in report["checks"] if not c["ok"]] == [
        {
            "name": "ecs:api",
            "ok": False,
            "detail": "farm-prod-euw1-api:1 still rolling out (IN_PROGRESS), 1/3 tasks running",
            "region": EU,
        }
    ]


def test_a_failing_region_stops_the_other_regions_waits():
    """Regions wait side by side; when one ends in an error (or Ctrl-C), the others stop waiting too."""
    from farm_deploy.commands.verify import _run_side_by_side, _WaitInterruptedError

    seen: list[type] = []

    class Waiting:
        def run(self, *, ecs_wait, multi, sleep):
            try:
                while True:
                    sleep(30)
            except _WaitInterruptedError as exc:
                seen.append(type(exc))
                raise

    class Broken:
        def run(self, *, ecs_wait, multi, sleep):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _run_side_by_side([Waiting(), Broken()], ecs_wait=600)
    assert seen == [_WaitInterruptedError]


def test_the_commands_read_what_a_two_region_program_exports(tmp_path):
    """The outputs contract between the program (a two-region prod planned offline) and these commands."""
    from farm_deploy.offline_plan import run_plan
    from tests.program.test_multi_region import stack_copy

    exported = run_plan(stack_copy(tmp_path), "prod").outputs
    outputs = parse_outputs(exported, stack="prod", source="offline plan")
    assert outputs.multi_region is True
    assert [(r.name, r.primary) for r in outputs.regions] == [(US, True), (EU, False)]
    for region in outputs.regions:
        entry = exported["regions"][region.name]
        assert {s.key: s.task_definition_arn for s in region.ecs_services} == {
            key: svc["taskDefinitionArn"] for key, svc in entry["ecs"]["services"].items()
        }
        assert region.ecs_cluster == entry["ecs"]["cluster"]
        assert region.log_groups == entry["logGroups"] and list(region.alarm_names) == entry["alarmNames"]
        assert region.health_check_id == entry["healthCheckId"] and region.alb_dns_name == entry["albDnsName"]
    # The top-level outputs stay the primary's.
    assert outputs.ecs_cluster == outputs.regions[0].ecs_cluster
