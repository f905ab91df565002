"""`farm-deploy status` and `farm-deploy logs` against moto_server and the FastAPI app."""

from __future__ import annotations

import contextlib
import json
import time

import pytest

from farm_deploy import aws_ops
from farm_deploy.commands.logs import parse_since
from tests.cli.contracts import assert_document

from .conftest import REGION, boto, create_service, register_task_definition, write_outputs

CLUSTER = "farm-staging"


def put_alarm(cloudwatch, name: str, state: str) -> None:
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/ApplicationELB",
        MetricName="HTTPCode_Target_5XX_Count",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=5,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=f"test says {state} [1.0]")


@pytest.fixture
def stack(tmp_path, app_url, aws):
    ecs = boto("ecs", aws)
    ecs.create_cluster(clusterName=CLUSTER)
    td = register_task_definition(ecs, "farm-staging-api", "api:v7")
    create_service(ecs, CLUSTER, "farm-staging-api", td)
    cloudwatch = boto("cloudwatch", aws)
    put_alarm(cloudwatch, "farm-staging-5xx", "OK")
    put_alarm(cloudwatch, "farm-staging-down", "OK")
    outputs = write_outputs(
        tmp_path / "outputs.json",
        stage="staging",
        platform="aws",
        region=REGION,
        webUrl=app_url,
        apiUrl=app_url,
        healthUrls={"web": app_url + "/", "api": app_url + "/api/health"},
        ecs={"cluster": CLUSTER, "services": {"api": {"name": "farm-staging-api", "taskDefinitionArn": td}}},
        logGroups={"api": "/ecs/farm-staging-api", "ollama": "/ecs/farm-staging-ollama"},
        alarmNames=["farm-staging-5xx", "farm-staging-down"],
        dashboardUrl="https://console.aws.amazon.com/cloudwatch/home#dashboards:name=farm-staging",
        estimatedMonthlyCost=123.4,
    )
    return {"outputs": outputs, "cloudwatch": cloudwatch, "endpoint": aws, "td": td}


def status(cli_run, stack, *extra):
    return cli_run(
        "status", "--stack", "staging", "--outputs", str(stack["outputs"]), "--endpoint-url", stack["endpoint"], *extra
    )


def test_status_all_good(stack, cli_run, app_url):
    code, out, err = status(cli_run, stack, "--json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert_document("farm-deploy status --stack STACK --json", report)
    assert report["ok"] is True
    assert report["outputs"]["region"] == REGION and report["outputs"]["estimatedMonthlyCost"] == 123.4
    assert [(h["name"], h["ok"]) for h in report["health"]] == [("web", True), ("api", True)]
    assert report["ecs"][0]["deployments"] == [
        {
            "status": "PRIMARY",
            "taskDefinition": stack["td"],
            "rolloutState": "COMPLETED",
            "runningCount": 1,
            "desiredCount": 1,
        }
    ]
    assert [(a["name"], a["state"]) for a in report["alarms"]] == [
        ("farm-staging-5xx", "OK"),
        ("farm-staging-down", "OK"),
    ]


def test_status_alarm_firing_and_missing(stack, cli_run):
    put_alarm(stack["cloudwatch"], "farm-staging-5xx", "ALARM")
    stack["cloudwatch"].delete_alarms(AlarmNames=["farm-staging-down"])
    code, out, _ = status(cli_run, stack, "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert report["alarms"][0]["state"] == "ALARM" and report["alarms"][0]["reason"] == "test says ALARM [1.0]"
    assert report["alarms"][1] == {
        "name": "farm-staging-down",
        "state": "MISSING",
        "reason": "no such alarm",
        "updated": "",
    }


def test_status_one_screen(stack, cli_run, app_url):
    put_alarm(stack["cloudwatch"], "farm-staging-5xx", "ALARM")
    code, out, _ = status(cli_run, stack)
    assert code == 1
    assert "staging: NEEDS ATTENTION" in out
    for text in (
        "$123.40/month",
        "farm-staging-api:1",
        "COMPLETED",
        "farm-staging-5xx",
        "ALARM",
        "test says ALARM [1.0]",  # printed literally, not taken for markup
        app_url + "/api/health",
    ):
        assert text in out, text


def test_status_unhealthy_api(stack, cli_run, app_url, tmp_path):
    data = json.loads(stack["outputs"].read_text())
    data["healthUrls"]["api"] = app_url + "/failing"
    stack["outputs"].write_text(json.dumps(data))
    code, out, _ = status(cli_run, stack, "--json")
    report = json.loads(out)
    assert code == 1 and report["health"][1] == {
        "name": "api",
        "ok": False,
        "detail": 'HTTP 500: {"status":"error"} (1 attempt)',
        "url": app_url + "/failing",
    }


# ---------------------------------------------------------------------- logs


def put_events(logs, group: str, events: list[tuple[int, str]]) -> None:
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=group)
    stream = f"ecs/{len(events)}-{time.monotonic_ns()}"
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(
        logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": ts, "message": m} for ts, m in events]
    )


@pytest.fixture
def logged(stack):
    logs = boto("logs", stack["endpoint"])
    now = int(time.time() * 1000)
    put_events(
        logs, "/ecs/farm-staging-api", [(now - 20 * 60_000, "api: old"), (now - 3 * 60_000, "api: GET /api/health 200")]
    )
    put_events(logs, "/ecs/farm-staging-ollama", [(now - 4 * 60_000, "ollama: loaded llama3.1:8b")])
    return {**stack, "logs": logs, "now": now}


def logs_cmd(cli_run, stack, *extra):
    return cli_run(
        "logs", "--stack", "staging", "--outputs", str(stack["outputs"]), "--endpoint-url", stack["endpoint"], *extra
    )


def test_logs_since_oldest_first_all_services(logged, cli_run):
    code, out, err = logs_cmd(cli_run, logged, "--since", "10m")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == [
        "[ollama] ollama: loaded llama3.1:8b",
        "[api] api: GET /api/health 200",
    ]
    assert lines[0].endswith("ollama: loaded llama3.1:8b") and lines[0][:4].isdigit() and "Z [" in lines[0]


def test_logs_one_service_json(logged, cli_run):
    code, out, _ = logs_cmd(cli_run, logged, "--service", "api", "--since", "1h", "--json")
    events = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    for event in events:
        assert_document("farm-deploy logs --stack STACK --json", event)
    assert [(e["service"], e["message"]) for e in events] == [("api", "api: old"), ("api", "api: GET /api/health 200")]
    assert events[0]["timestamp"] == logged["now"] - 20 * 60_000


def test_logs_follow_bounded(logged, cli_run):
    started = time.monotonic()
    code, out, _ = logs_cmd(
        cli_run, logged, "--service", "api", "--follow", "--max-polls", "3", "--poll-interval", "0.05"
    )
    assert code == 0
    assert out.splitlines()[0].endswith("api: GET /api/health 200") and len(out.splitlines()) == 1  # no repeats
    assert time.monotonic() - started < 5


def test_follow_picks_up_new_events_once(logged):
    emitted = []
    polls = []

    def sleep(seconds):
        polls.append(seconds)
        base = int(time.time() * 1000)
        put_events(
            logged["logs"], "/ecs/farm-staging-api", [(base, f"new {len(polls)}a"), (base, f"new {len(polls)}b")]
        )

    count = aws_ops.follow_events(
        logged["logs"],
        {"api": "/ecs/farm-staging-api"},
        start_ms=logged["now"] - 10 * 60_000,
        emit=emitted.append,
        poll_seconds=0.5,
        max_polls=3,
        sleep=sleep,
    )
    assert polls == [0.5, 0.5]
    assert [e.message for e in emitted] == ["api: GET /api/health 200", "new 1a", "new 1b", "new 2a", "new 2b"]
    assert count == 5


def test_logs_errors(stack, cli_run):
    code, _, err = logs_cmd(cli_run, stack, "--since", "yesterday")
    assert code == 2 and "error: option --since: takes a number and a unit" in err and "valid: 30s, 10m, 2h, 1d" in err
    code, _, err = logs_cmd(cli_run, stack, "--service", "api")  # no such log group in moto yet
    assert code == 2 and "key '/ecs/farm-staging-api': log group not found" in err
    data = json.loads(stack["outputs"].read_text())
    data["logGroups"] = {"api": "/ecs/farm-staging-api"}
    stack["outputs"].write_text(json.dumps(data))
    code, _, err = logs_cmd(cli_run, stack, "--service", "ollama")
    assert code == 2 and "this stack has no such service" in err and "valid: api" in err


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("10m", 600), ("2h", 7200), ("1d", 86400), (" 5 m ", 300)])
def test_parse_since(text, seconds):
    assert parse_since(text) == seconds


def test_follow_ends_cleanly_on_ctrl_c(logged):
    import os
    import signal
    import subprocess
    import sys

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "farm_deploy", "logs", "--stack", "staging", "--outputs", str(logged["outputs"])]
    cmd += ["--endpoint-url", logged["endpoint"], "--service", "api", "--follow", "--poll-interval", "0.1"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()  # the follow is running once the first event is out
        assert first.rstrip().endswith("api: GET /api/health 200")
        proc.send_signal(signal.SIGINT)
        # Generous: on a loaded machine the interpreter can take seconds to get scheduled.
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        # Closed here too when communicate() timed out, so no pipe is left to a later test's warnings.
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    assert proc.returncode == 0, err
    assert err == "" and out == ""
