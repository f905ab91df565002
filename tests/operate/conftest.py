"""Real servers on loopback for the operating commands: moto_server (the AWS APIs)
and uvicorn running `health_app`. Both start once per session on free ports and
are stopped at the end."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def _start(cmd: list[str], url: str, env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_for(url, proc)
    except BaseException:
        proc.kill()
        proc.wait(timeout=10)
        raise
    return proc


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    if proc.stderr:
        proc.stderr.close()


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # one running task per service: a service with desiredCount 1 reports its rollout COMPLETED
    proc = _start(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        f"{url}/moto-api/",
        {"MOTO_ECS_SERVICE_RUNNING": "1"},
    )
    yield url
    _stop(proc)


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start(
        [sys.executable, "-m", "uvicorn", "tests.operate.health_app:app", "--host", "127.0.0.1", "--port", str(port)],
        f"{url}/api/health",
        {},
    )
    yield url
    _stop(proc)


@pytest.fixture
def aws(moto_url: str, monkeypatch) -> str:
    """A clean moto and AWS settings pointing at nothing real."""
    req = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(req, timeout=5):
        pass
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    return moto_url


def boto(service: str, endpoint: str):
    import boto3

    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


def register_task_definition(ecs, family: str, image: str) -> str:
    return ecs.register_task_definition(
        family=family,
        containerDefinitions=[{"name": family, "image": image, "memory": 512, "essential": True}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )["taskDefinition"]["taskDefinitionArn"]


def create_service(ecs, cluster: str, name: str, task_definition: str, desired: int = 1) -> None:
    ecs.create_service(
        cluster=cluster,
        serviceName=name,
        taskDefinition=task_definition,
        desiredCount=desired,
        launchType="FARGATE",
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )


def write_outputs(path: Path, **outputs) -> Path:
    path.write_text(json.dumps(outputs), encoding="utf-8")
    return path


@pytest.fixture
def cli_run(monkeypatch, capsys):
    """`farm-deploy COMMAND ...` in this process; returns (exit code, stdout, stderr)."""
    from farm_deploy import cli

    def invoke(command: str, *argv: str) -> tuple[int, str, str]:
        monkeypatch.setattr(cli, "COMMANDS", {command: command})
        code = cli.main([command, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke
