"""`farm-deploy verify` against moto_server (ECS) and the FastAPI app (health checks)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from farm_deploy import aws_ops
from farm_deploy.stack_outputs import EcsServiceRef
from tests.cli.contracts import assert_document

from .conftest import REGION, boto, create_service, register_task_definition, write_outputs

CLUSTER = "farm-prod"


def health_urls(app_url: str, **override: str) -> dict[str, str]:
    urls = {
        "web": app_url + "/",
        "api": app_url + "/api/health",
        "database": app_url + "/api/health/database",
        "ai": app_url + "/api/ai/health",
    }
    urls.update({k: app_url + v for k, v in override.items()})
    return urls


@pytest.fixture
def deployed(aws: str) -> dict[str, str]:
    """A cluster where `pulumi up` registered api:2 and ollama:1, and both rolled out."""
    ecs = boto("ecs", aws)
    ecs.create_cluster(clusterName=CLUSTER)
    arns = {
        "api:1": register_task_definition(ecs, "farm-prod-api", "api:v1"),
        "api:2": register_task_definition(ecs, "farm-prod-api", "api:v2"),
        "ollama:1": register_task_definition(ecs, "farm-prod-ollama", "ollama/ollama:0.5"),
    }
    create_service(ecs, CLUSTER, "farm-prod-api", arns["api:2"])
    create_service(ecs, CLUSTER, "farm-prod-ollama", arns["ollama:1"])
    return arns


def outputs_file(tmp_path: Path, app_url: str, api_td: str, ollama_td: str, **health: str) -> Path:
    return write_outputs(
        tmp_path / "outputs.json",
        stage="prod",
        platform="aws",
        region=REGION,
        webUrl=app_url,
        apiUrl=app_url,
        healthUrls=health_urls(app_url, **health),
        ecs={
            "cluster": CLUSTER,
            "services": {
                "api": {"name": "farm-prod-api", "taskDefinitionArn": api_td},
                "ollama": {"name": "farm-prod-ollama", "taskDefinitionArn": ollama_td},
            },
        },
        logGroups={"api": "/ecs/farm-prod-api"},
        alarmNames=[],
    )


def verify(cli_run, outputs: Path, endpoint: str, *extra: str) -> tuple[int, dict, str]:
    code, out, err = cli_run(
        "verify",
        "--stack",
        "prod",
        "--outputs",
        str(outputs),
        "--endpoint-url",
        endpoint,
        "--ecs-wait",
        "0",
        "--backoff",
        "0.01",
        *extra,
        "--json",
    )
    return code, json.loads(out) if out else {}, err


def test_everything_healthy(tmp_path, app_url, aws, deployed, cli_run):
    outputs = outputs_file(tmp_path, app_url, deployed["api:2"], deployed["ollama:1"])
    code, report, err = verify(cli_run, outputs, aws)
    assert (code, err) == (0, "")
    assert report["stack"] == "prod" and report["ok"] is True
    assert [(c["name"], c["ok"]) for c in report["checks"]] == [
        ("ecs:api", True),
        ("ecs:ollama", True),
        ("health:web", True),
        ("health:api", True),
        ("health:database", True),
        ("health:ai", True),
    ]
    assert report["checks"][0]["detail"] == "farm-prod-api:2, rollout COMPLETED, 1/1 tasks running"
    assert report["checks"][2]["url"] == app_url + "/"
    assert "url" not in report["checks"][0]


def test_circuit_breaker_rollback_is_a_failure(tmp_path, app_url, aws, cli_run):
    """The update registered api:2, ECS could not start it and went back to api:1; health is fine."""
    ecs = boto("ecs", aws)
    ecs.create_cluster(clusterName=CLUSTER)
    old = register_task_definition(ecs, "farm-prod-api", "api:v1")
    new = register_task_definition(ecs, "farm-prod-api", "api:v2")
    ollama = register_task_definition(ecs, "farm-prod-ollama", "ollama/ollama:0.5")
    create_service(ecs, CLUSTER, "farm-prod-api", old)
    create_service(ecs, CLUSTER, "farm-prod-ollama", ollama)
    ecs.update_service(cluster=CLUSTER, service="farm-prod-api", taskDefinition=new)  # what `pulumi up` did
    ecs.update_service(cluster=CLUSTER, service="farm-prod-api", taskDefinition=old)  # the circuit breaker
    primary = ecs.describe_services(cluster=CLUSTER, services=["farm-prod-api"])["services"][0]["deployments"][0]
    assert (primary["status"], primary["taskDefinition"]) == ("PRIMARY", old)

    code, report, _ = verify(cli_run, outputs_file(tmp_path, app_url, new, ollama), aws)
    assert code == 1 and report["ok"] is False
    api = report["checks"][0]
    assert api["name"] == "ecs:api" and api["ok"] is False
    assert api["detail"].startswith(
        "ROLLED BACK: the PRIMARY deployment runs farm-prod-api:1, not farm-prod-api:2 that this update registered"
    )
    assert "`pulumi up` reported success anyway" in api["detail"]
    assert [c["ok"] for c in report["checks"][1:]] == [True] * 5


def test_rollback_is_explained_in_the_text_report(tmp_path, app_url, aws, deployed, cli_run):
    outputs = outputs_file(tmp_path, app_url, deployed["api:1"], deployed["ollama:1"])
    code, out, _ = cli_run(
        "verify", "--stack", "prod", "--outputs", str(outputs), "--endpoint-url", aws, "--ecs-wait", "0"
    )
    assert code == 1
    assert "FAIL ecs:api: ROLLED BACK: the PRIMARY deployment runs farm-prod-api:2, not farm-prod-api:1" in out
    assert "prod: 1 of 6 checks FAILED" in out


def test_rollout_in_progress(tmp_path, app_url, aws, cli_run):
    ecs = boto("ecs", aws)
    ecs.create_cluster(clusterName=CLUSTER)
    api = register_task_definition(ecs, "farm-prod-api", "api:v2")
    ollama = register_task_definition(ecs, "farm-prod-ollama", "ollama/ollama:0.5")
    create_service(ecs, CLUSTER, "farm-prod-api", api, desired=3)  # 1 of 3 running in moto
    create_service(ecs, CLUSTER, "farm-prod-ollama", ollama)
    code, report, _ = verify(cli_run, outputs_file(tmp_path, app_url, api, ollama), aws)
    assert code == 1
    assert report["checks"][0] == {
        "name": "ecs:api",
        "ok": False,
        "detail": "farm-prod-api:1 still rolling out (IN_PROGRESS), 1/3 tasks running",
    }


def test_wait_polls_while_in_progress(aws):
    ecs = boto("ecs", aws)
    ecs.create_cluster(clusterName=CLUSTER)
    api = register_task_definition(ecs, "farm-prod-api", "api:v2")
    create_service(ecs, CLUSTER, "farm-prod-api", api, desired=2)
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds
        if len(sleeps) == 2:
            # the rollout finishes while verify waits (moto cannot move a rollout on: replace the service)
            ecs.delete_service(cluster=CLUSTER, service="farm-prod-api", force=True)
            create_service(ecs, CLUSTER, "farm-prod-api", api, desired=1)

    ref = EcsServiceRef("api", "farm-prod-api", api)
    _, verdicts = aws_ops.check_deployments(
        ecs, CLUSTER, [ref], wait_seconds=100, poll_seconds=10, sleep=sleep, clock=lambda: now[0]
    )
    assert sleeps == [10, 10]
    assert verdicts[0].ok, verdicts[0].detail


def test_wait_gives_up_at_the_deadline(aws):
    ecs = boto("ecs", aws)
    ecs.create_cluster(clusterName=CLUSTER)
    api = register_task_definition(ecs, "farm-prod-api", "api:v2")
    create_service(ecs, CLUSTER, "farm-prod-api", api, desired=2)
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    ref = EcsServiceRef("api", "farm-prod-api", api)
    said: list[str] = []
    _, verdicts = aws_ops.check_deployments(
        ecs, CLUSTER, [ref], wait_seconds=35, poll_seconds=10, sleep=sleep, clock=lambda: now[0], progress=said.append
    )
    assert sleeps == [10, 10, 10]
    assert said == [
        "waiting for ECS rollout of api: 0 s of at most 35 s",
        "waiting for ECS rollout of api: 10 s of at most 35 s",
        "waiting for ECS rollout of api: 20 s of at most 35 s",
    ]
    assert "IN_PROGRESS" in verdicts[0].detail and not verdicts[0].ok


def test_missing_service(tmp_path, app_url, aws, deployed, cli_run):
    boto("ecs", aws).delete_service(cluster=CLUSTER, service="farm-prod-ollama", force=True)
    code, report, _ = verify(cli_run, outputs_file(tmp_path, app_url, deployed["api:2"], deployed["ollama:1"]), aws)
    assert code == 1
    assert report["checks"][1]["name"] == "ecs:ollama" and report["checks"][1]["ok"] is False
    assert report["checks"][1]["detail"] == "service farm-prod-ollama is INACTIVE"
    ghost = EcsServiceRef("ghost", "farm-prod-ghost", deployed["api:2"])
    (state,) = aws_ops.describe_services(boto("ecs", aws), CLUSTER, [ghost])
    assert state.verdict().detail == "service farm-prod-ghost not found in the cluster"


def test_health_failures(tmp_path, app_url, aws, deployed, cli_run):
    outputs = outputs_file(
        tmp_path, app_url, deployed["api:2"], deployed["ollama:1"], api="/failing", database="/wrong", ai="/slow"
    )
    code, report, _ = verify(cli_run, outputs, aws, "--timeout", "0.3", "--retries", "1")
    assert code == 1
    by_name = {c["name"]: c for c in report["checks"]}
    assert by_name["health:web"]["ok"] is True
    assert by_name["health:api"]["detail"] == 'HTTP 500: {"status":"error"} (2 attempts)'
    assert by_name["health:database"]["detail"].startswith("HTTP 200 but expected JSON")
    assert by_name["health:ai"]["detail"] == "timed out after 0.3 s (2 attempts)"
    assert [by_name["ecs:api"]["ok"], by_name["ecs:ollama"]["ok"]] == [True, True]


def test_no_aws_answer_is_a_failed_check_not_a_traceback(tmp_path, app_url, aws, deployed, cli_run):
    from .conftest import _free_port

    dead = f"http://127.0.0.1:{_free_port()}"
    outputs = outputs_file(tmp_path, app_url, deployed["api:2"], deployed["ollama:1"])
    code, report, err = verify(cli_run, outputs, dead)
    assert code == 1 and err == ""
    assert report["checks"][0]["detail"].startswith("could not ask ECS about farm-prod-api: ")


def test_stage_without_ecs_only_probes(tmp_path, app_url, cli_run):
    outputs = write_outputs(tmp_path / "o.json", stage="dev", platform="vercel", healthUrls=health_urls(app_url))
    code, out, _ = cli_run("verify", "--stack", "dev", "--outputs", str(outputs), "--json")
    report = json.loads(out)
    assert_document("farm-deploy verify --stack STACK --json", report)
    assert code == 0 and [c["name"] for c in report["checks"]] == [
        "health:web",
        "health:api",
        "health:database",
        "health:ai",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such outputs file"),
        ("{not json", "not JSON: Expecting property name enclosed in double quotes"),
        ('{"healthUrls": ["https://x"]}', "key 'healthUrls': stack output must be an object"),
        (
            '{"ecs": {"cluster": "c", "services": {"api": {"name": "s"}}}}',
            "key 'ecs.services.api.taskDefinitionArn': each ECS service needs the `taskDefinitionArn`",
        ),
        ("{}", "nothing to verify"),
    ],
)
def test_bad_outputs(tmp_path, cli_run, content, message):
    path = tmp_path / "outputs.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = cli_run("verify", "--stack", "prod", "--outputs", str(path))
    assert code == 2 and out == "" and "Traceback" not in err
    assert message in err and str(path) in err


def test_without_pulumi_cli_and_without_outputs(tmp_path, cli_run, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    (tmp_path / "Pulumi.yaml").write_text("name: x\n")
    code, _, err = cli_run("verify", "--stack", "prod", "--project-dir", str(tmp_path))
    assert code == 2
    assert "the pulumi CLI is not on PATH" in err and "pass --outputs FILE" in err


def test_reads_outputs_from_the_pulumi_cli(tmp_path, app_url, cli_run, monkeypatch):
    """A `pulumi` executable on PATH is asked for the outputs with the documented arguments."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    record = tmp_path / "argv.json"
    payload = json.dumps({"stage": "dev", "healthUrls": {"api": app_url + "/api/health"}})
    script = bindir / "pulumi"
    script.write_text(
        f"#!/bin/sh\nprintf '%s\\n' \"$PWD\" \"$@\" > {record}\ncat <<'EOF'\n{payload}\nEOF\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    project = tmp_path / "project"
    project.mkdir()
    code, out, _ = cli_run("verify", "--stack", "dev", "--project-dir", str(project), "--json")
    assert code == 0 and json.loads(out)["checks"][0]["name"] == "health:api"
    assert record.read_text().splitlines() == [
        str(project),
        "stack",
        "output",
        "--json",
        "--show-secrets",
        "--stack",
        "dev",
    ]


def test_outputs_from_stdin(app_url, cli_run, monkeypatch):
    import io

    payload = json.dumps({"stage": "dev", "healthUrls": {"web": app_url + "/"}})
    monkeypatch.setattr("sys.stdin", io.StringIO(payload))
    code, out, _ = cli_run("verify", "--stack", "dev", "--outputs", "-", "--json")
    assert code == 0 and json.loads(out)["checks"] == [
        {"name": "health:web", "ok": True, "detail": json.loads(out)["checks"][0]["detail"], "url": app_url + "/"}
    ]
    assert json.loads(out)["checks"][0]["detail"].startswith("HTTP 200 in ")


# What ECS answers on AWS itself in the cases moto cannot produce (shapes from the
# DescribeServices reference): the verdict is a pure function of that answer.
def state(deployments, events=(), expected="arn:aws:ecs:us-east-1:1:task-definition/farm-prod-api:42"):
    return aws_ops.ServiceState(
        EcsServiceRef("api", "farm-prod-api", expected),
        found=True,
        status="ACTIVE",
        deployments=deployments,
        events=list(events),
    )


def deployment(status, revision, rollout=None, reason=None, running=1, desired=1):
    d = {
        "status": status,
        "taskDefinition": f"arn:aws:ecs:us-east-1:1:task-definition/farm-prod-api:{revision}",
        "runningCount": running,
        "desiredCount": desired,
    }
    if rollout:
        d["rolloutState"] = rollout
        d["rolloutStateReason"] = reason
    return d


def test_aws_circuit_breaker_rolling_back():
    s = state(
        [
            deployment("PRIMARY", 41, "IN_PROGRESS", "ECS deployment ecs-svc/111 in progress.", running=0),
            deployment("ACTIVE", 42, "FAILED", "ECS deployment circuit breaker: tasks failed to start.", running=0),
        ],
        events=["(service farm-prod-api) rolling back to deployment ecs-svc/111.", "(service farm-prod-api) ..."],
    )
    assert s.in_progress is False  # nothing to wait for: the update already lost
    verdict = s.verdict()
    assert verdict.ok is False
    assert verdict.detail == (
        "ROLLED BACK: the PRIMARY deployment runs farm-prod-api:41, not farm-prod-api:42 that this update registered "
        "(FAILED: ECS deployment circuit breaker: tasks failed to start.); the deployment circuit breaker put the "
        "previous task definition back, and `pulumi up` reported success anyway. "
        "ECS: (service farm-prod-api) rolling back to deployment ecs-svc/111."
    )


def test_aws_rollout_failed_without_rollback():
    s = state([deployment("PRIMARY", 42, "FAILED", "ECS deployment circuit breaker: tasks failed to start.", 0)])
    assert s.verdict().detail == (
        "farm-prod-api:42 rollout FAILED: ECS deployment circuit breaker: tasks failed to start."
    )


def test_service_without_circuit_breaker_settles_by_counts():
    assert state([deployment("PRIMARY", 42)]).verdict().ok is True
    unsettled = state([deployment("PRIMARY", 42, running=1, desired=2), deployment("ACTIVE", 41)]).verdict()
    assert (unsettled.ok, unsettled.detail) == (False, "farm-prod-api:42, 1/2 tasks running, not settled")
