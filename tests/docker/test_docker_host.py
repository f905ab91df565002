"""`DockerHost` under the offline engine: exact container settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from analysis.models import ComponentChoices, StagePlan
from components.docker_host import DockerHost
from components.files import write_if_changed
from farm_deploy import compose as c
from farm_deploy.build.docker import docker_args_from_plan
from farm_deploy.offline.engine import OfflineRun, RecordedResource, run_offline

from .conftest import make_app, make_plan

CONTAINER = "docker:index/container:Container"
OPENAI = "sk-openai-test-value"
PASSWORD = "offline-password-not-a-secret"  # what the engine's RandomPassword answers


def host(plan: StagePlan, app: Path, build_dir: Path, **kwargs: Any) -> OfflineRun:
    def program() -> None:
        args = docker_args_from_plan(plan, app, build_dir=build_dir, secrets={"OPENAI_API_KEY": OPENAI}, **kwargs)
        DockerHost("local", args)

    return run_offline(program)


def health(check: c.HealthCheck) -> dict[str, Any]:
    return {
        "tests": ["CMD", *check.test],
        "interval": check.interval,
        "timeout": check.timeout,
        "retries": float(check.retries),
        "startPeriod": check.start_period,
    }


def network(alias: str) -> list[dict[str, Any]]:
    return [{"name": "farm-chat-dev-net", "aliases": [alias]}]


def secret_free(resource: RecordedResource, *secrets: str) -> None:
    for key, value in resource.inputs.items():
        if key in resource.secret_paths:
            continue
        for s in secrets:
            assert s not in str(value), f"{resource.name}.{key} holds a secret in plain text"


@pytest.fixture
def run(plan: StagePlan, app_dir: Path, tmp_path: Path) -> OfflineRun:
    return host(plan, app_dir, tmp_path / "build")


def test_children_and_counts(run: OfflineRun) -> None:
    component = run.one("farm:docker:DockerHost")
    assert sorted(r.name for r in run.of_type(CONTAINER)) == [
        "local-api",
        "local-mongodb",
        "local-ollama",
        "local-ollama-pull",
        "local-web",
    ]
    assert sorted(r.inputs["name"] for r in run.of_type("docker:index/volume:Volume")) == [
        "farm-chat-dev-mongodb-data",
        "farm-chat-dev-ollama-models",
    ]
    assert run.one("docker:index/network:Network").inputs == {"name": "farm-chat-dev-net", "driver": "bridge"}
    assert sorted(r.inputs["name"] for r in run.of_type("docker:index/remoteImage:RemoteImage")) == [
        c.MONGO_IMAGE,
        c.OLLAMA_IMAGE,
    ]
    assert all(r.parent == component.urn for r in run.resources if r is not component)


def test_mongodb_container(run: OfflineRun) -> None:
    mongo = run.named("local-mongodb")
    assert mongo.inputs == {
        "name": "farm-chat-dev-mongodb",
        "image": "sha256:" + "1" * 64,
        "restart": "unless-stopped",
        "envs": ["MONGO_INITDB_ROOT_USERNAME=farm", f"MONGO_INITDB_ROOT_PASSWORD={PASSWORD}"],
        "volumes": [{"volumeName": "farm-chat-dev-mongodb-data", "containerPath": "/data/db"}],
        "networksAdvanced": network("mongodb"),
        "healthcheck": health(c.MONGO_HEALTH),
        "wait": True,
    }
    assert "envs" in mongo.secret_paths
    assert "ports" not in mongo.inputs


def test_ollama_container_on_cpu_by_default(run: OfflineRun) -> None:
    ollama = run.named("local-ollama")
    assert ollama.inputs == {
        "name": "farm-chat-dev-ollama",
        "image": "sha256:" + "1" * 64,
        "restart": "unless-stopped",
        "envs": ["OLLAMA_KEEP_ALIVE=30m"],
        "volumes": [{"volumeName": "farm-chat-dev-ollama-models", "containerPath": "/root/.ollama"}],
        "networksAdvanced": network("ollama"),
        "healthcheck": health(c.OLLAMA_HEALTH),
        "wait": True,
    }
    pull = run.named("local-ollama-pull")
    assert pull.inputs["command"] == ["ollama pull llama3.2:3b && ollama pull nomic-embed-text"]
    assert (pull.inputs["restart"], pull.inputs["mustRun"]) == ("no", False)
    assert pull.inputs["envs"] == ["OLLAMA_HOST=http://ollama:11434"]


def test_gpu_only_with_the_flag(plan: StagePlan, app_dir: Path, tmp_path: Path) -> None:
    with_gpu = host(plan, app_dir, tmp_path / "b1", gpu=True)
    assert with_gpu.named("local-ollama").inputs["gpus"] == "all"
    # the plan's hardware does not switch it on: only the flag does
    gpu_plan = make_plan(components=ComponentChoices(web="docker", api="docker", ai="ollama-gpu", db="none"))
    without = host(gpu_plan, app_dir, tmp_path / "b2")
    assert "gpus" not in without.named("local-ollama").inputs


def test_api_container(run: OfflineRun) -> None:
    api = run.named("local-api")
    assert api.inputs["name"] == "farm-chat-dev-api"
    assert api.inputs["image"] == "farm-chat-dev-api:local@sha256:" + "0" * 64
    assert api.inputs["restart"] == "unless-stopped"
    assert api.inputs["healthcheck"] == health(c.api_health_check(8000, "/api/health"))
    assert api.inputs["networksAdvanced"] == network("api")
    assert "ports" not in api.inputs
    assert api.inputs["envs"] == [
        "ENVIRONMENT=development",
        "PORT=8000",
        "CORS_ORIGINS=http://localhost:8080",
        "OLLAMA_URL=http://ollama:11434",
        "OLLAMA_MODEL=llama3.2:3b",
        f"MONGODB_URL=mongodb://farm:{PASSWORD}@mongodb:27017/farm_chat?authSource=admin",
        f"OPENAI_API_KEY={OPENAI}",
    ]
    assert "envs" in api.secret_paths
    image = run.named("local-api-image")
    assert image.inputs["skipPush"] is True
    assert image.inputs["imageName"] == "farm-chat-dev-api:local"


def test_web_container(run: OfflineRun, plan: StagePlan, app_dir: Path) -> None:
    web = run.named("local-web")
    assert web.inputs["ports"] == [{"internal": 8080.0, "external": 8080.0}]
    assert web.inputs["restart"] == "unless-stopped"
    assert web.inputs["healthcheck"] == health(c.WEB_HEALTH)
    spec = c.stack_spec(plan, app_dir)
    assert web.inputs["uploads"] == [{"file": c.NGINX_CONF_PATH, "content": c.render_nginx_conf(spec)}]


def test_no_secret_in_plain_inputs(run: OfflineRun) -> None:
    for resource in run.resources:
        secret_free(resource, OPENAI, PASSWORD)


def test_publish_api_and_web_port(plan: StagePlan, app_dir: Path, tmp_path: Path) -> None:
    run = host(plan, app_dir, tmp_path / "b", publish_api=True, web_port=9090)
    assert run.named("local-api").inputs["ports"] == [{"internal": 8000.0, "external": 8000.0, "ip": "127.0.0.1"}]
    assert run.named("local-web").inputs["ports"] == [{"internal": 8080.0, "external": 9090.0}]


def test_switches_from_stack_config(
    plan: StagePlan, app_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`farm:dockerGpu`, `farm:dockerPublishApi` and `farm:dockerWebPort` reach the host through the builder."""
    import pulumi

    from analysis.stack_config import parse_settings
    from farm_deploy.build import build_stage

    raw = {
        "dockerGpu": "true",
        "dockerPublishApi": "true",
        "dockerWebPort": "8181",
        "platform": "docker",
        "stage": "dev",
    }
    settings = parse_settings(raw, file="Pulumi.local.yaml", stack="local")
    monkeypatch.chdir(tmp_path)  # the generated build files go under ./.farm-deploy

    def program() -> None:
        build_stage(
            plan,
            app_dir=app_dir,
            project_dir=tmp_path,
            settings=settings,
            secret=lambda key: pulumi.Output.secret(OPENAI),
            project="farm-deploy",
            stack="local",
        )

    run = run_offline(program, stack="local")
    assert run.named("farm-local-docker-ollama").inputs["gpus"] == "all"
    assert run.named("farm-local-docker-api").inputs["ports"][0]["ip"] == "127.0.0.1"
    assert run.named("farm-local-docker-web").inputs["ports"] == [{"internal": 8080.0, "external": 8181.0}]
    assert (tmp_path / ".farm-deploy" / "build" / "farm-chat-dev-docker" / c.WEB_DOCKERFILE).is_file()


def test_children_switched_off(app_dir: Path, tmp_path: Path) -> None:
    plan = make_plan(components=ComponentChoices(web="none", api="docker", ai="openai", db="flex"))
    run = host(plan, app_dir, tmp_path / "b")

    assert [r.name for r in run.of_type(CONTAINER)] == ["local-api"]
    assert run.of_type("docker:index/volume:Volume") == []
    assert run.of_type("docker:index/image:Image")[0].name == "local-api-image"
    envs = run.named("local-api").inputs["envs"]
    # with Atlas, MONGODB_URL is not this host's: the builder passes it as a secret
    assert not any(e.startswith("MONGODB_URL=") or e.startswith("OLLAMA_URL=") for e in envs)


@pytest.mark.parametrize("protect", [True, False])
def test_volumes_protected_in_prod(app_dir: Path, tmp_path: Path, protect: bool) -> None:
    run = host(make_plan(protect_stateful=protect), app_dir, tmp_path / "b")
    for volume in run.of_type("docker:index/volume:Volume"):
        assert (volume.protect, volume.retain_on_delete) == (protect, protect)
    assert run.named("local-api").protect is False


def test_generated_build_files(plan: StagePlan, app_dir: Path, tmp_path: Path) -> None:
    build = tmp_path / "build"
    run = host(plan, app_dir, build)

    spec = c.stack_spec(plan, app_dir)
    assert (build / c.API_DOCKERFILE).read_text() == c.render_api_dockerfile(spec)
    assert (build / c.WEB_DOCKERFILE).read_text() == c.render_web_dockerfile(spec)
    assert run.named("local-api-image").inputs["build"] == {
        "context": str(app_dir / "apps" / "api"),
        "dockerfile": str(build / c.API_DOCKERFILE),
    }
    assert run.named("local-web-image").inputs["build"] == {
        "context": str(app_dir / "apps" / "web"),
        "dockerfile": str(build / c.WEB_DOCKERFILE),
    }


def test_app_dockerfile_is_used_when_shipped(plan: StagePlan, tmp_path: Path) -> None:
    app = make_app(tmp_path / "shipped", dockerfile=True)
    run = host(
        plan.model_copy(update={"api": plan.api.model_copy(update={"dockerfile": "apps/api/Dockerfile"})}),
        app,
        tmp_path / "b",
    )

    assert run.named("local-api-image").inputs["build"]["dockerfile"] == str(app / "apps" / "api" / "Dockerfile")
    assert not (tmp_path / "b" / c.API_DOCKERFILE).exists()


def test_write_if_changed_is_atomic_and_idempotent(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "file.txt"
    assert write_if_changed(target, "one\n") is True
    assert write_if_changed(target, "one\n") is False
    assert write_if_changed(target, "two\n") is True
    assert target.read_text() == "two\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.txt"]  # no temp file left
    assert target.stat().st_mode & 0o777 == 0o644


def test_local_stack_file_plans_dev_on_docker(repo_root: Path) -> None:
    import yaml

    from analysis.stack_config import parse_settings, split_namespace

    path = repo_root / "Pulumi.local.yaml"
    farm, _ = split_namespace(yaml.safe_load(path.read_text())["config"])
    settings = parse_settings(farm, file=str(path), stack="local")

    assert (settings.resolved_stage("local"), settings.platform) == ("dev", "docker")
    assert (settings.docker_gpu, settings.docker_publish_api, settings.docker_web_port) == (False, False, 8080)
    assert (repo_root / settings.app_path).is_dir()
