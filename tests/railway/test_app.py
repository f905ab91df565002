"""`RailwayApp` under the offline engine, its railway.json, and its args from a plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

from analysis.errors import UserError
from analysis.models import (
    AISettings,
    ApiSettings,
    ComponentChoices,
    DatabaseSettings,
    EnvRule,
    EnvVar,
    ModelChoice,
    ReleasePins,
    StagePlan,
    WebSettings,
)
from components.railway.app import (
    MONGO_IMAGE,
    OLLAMA_IMAGE,
    RailwayApp,
    RailwayAppArgs,
    instance_settings,
    railway_config,
    render_railway_json,
)
from farm_deploy.build.railway import railway_args_from_plan
from farm_deploy.offline.engine import OfflineRun, RecordedResource, run_offline

DYNAMIC = "pulumi-python:dynamic:Resource"
TOKEN = "rlwy-token-value"
OPENAI = "sk-openai-value"


def leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in leaves(v, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in leaves(v, f"{path}[{i}]")]
    return [(path, value)]


def plain_leaves(resource: RecordedResource) -> list[tuple[str, Any]]:
    """Input values not under a path the engine received as secret."""

    def secret(path: str) -> bool:
        return any(path == p or path.startswith((p + ".", p + "[")) for p in resource.secret_paths)

    return [(p, v) for p, v in leaves(resource.inputs) if not secret(p)]


def assert_no_plain_secret(run: OfflineRun, *secrets: str) -> None:
    for resource in run.resources:
        for path, value in plain_leaves(resource):
            for s in secrets:
                assert s not in str(value), f"{resource.name}: {path} holds a secret in plain text"


def props(resource: RecordedResource) -> dict[str, Any]:
    return {k: v for k, v in resource.inputs.items() if k not in ("__provider", "endpoint", "token")}


def app(**overrides: Any) -> RailwayAppArgs:
    args: dict[str, Any] = {
        "project_name": "farm-chat-dev",
        "stage": "dev",
        "token": TOKEN,
        "repo": "acme/farm-chat",
        "api_root": "apps/api",
        "api_dockerfile": "Dockerfile",
        "web_root": "apps/web",
        "ollama": True,
        "api_secrets": {"OPENAI_API_KEY": OPENAI},
    }
    args.update(overrides)
    return RailwayAppArgs(**args)


def run_app(args: RailwayAppArgs) -> OfflineRun:
    return run_offline(lambda: RailwayApp("farm", args))


# --------------------------------------------------------------------------- railway.json


def test_railway_config_for_api_from_repo() -> None:
    config = railway_config(health_path="/api/health", restart_max_retries=3, dockerfile="Dockerfile", replicas=2)

    assert config == {
        "$schema": "https://railway.com/railway.schema.json",
        "build": {"builder": "DOCKERFILE", "dockerfilePath": "Dockerfile"},
        "deploy": {
            "numReplicas": 2,
            "healthcheckPath": "/api/health",
            "healthcheckTimeout": 120,
            "restartPolicyType": "ON_FAILURE",
            "restartPolicyMaxRetries": 3,
        },
    }
    assert json.loads(render_railway_json(config)) == config
    assert render_railway_json(config).endswith("}\n")


def test_railway_config_for_image_has_no_build_and_no_health_check() -> None:
    config = railway_config(health_path=None, from_repo=False)
    assert config == {
        "$schema": "https://railway.com/railway.schema.json",
        "deploy": {"numReplicas": 1, "restartPolicyType": "ON_FAILURE", "restartPolicyMaxRetries": 5},
    }


def test_railway_config_for_static_front_end_and_its_settings() -> None:
    config = railway_config(health_path="/", build_command="pnpm build", start_command="npx serve -s dist")

    assert config["build"] == {"builder": "RAILPACK", "buildCommand": "pnpm build"}
    assert instance_settings(config) == {
        "buildCommand": "pnpm build",
        "startCommand": "npx serve -s dist",
        "healthcheckPath": "/",
        "healthcheckTimeout": 120,
        "numReplicas": 1,
        "restartPolicyType": "ON_FAILURE",
        "restartPolicyMaxRetries": 5,
    }


# --------------------------------------------------------------------------- component


def test_full_app_resources_and_inputs() -> None:
    run = run_app(app())

    component = run.one("farm:railway:RailwayApp")
    dynamic = run.of_type(DYNAMIC)
    assert sorted(r.name for r in dynamic) == sorted(
        [
            "farm-project",
            "farm-mongodb",
            "farm-mongodb-data",
            "farm-mongodb-vars",
            "farm-ollama",
            "farm-ollama-data",
            "farm-ollama-vars",
            "farm-api",
            "farm-api-vars",
            "farm-web",
            "farm-web-vars",
        ]
    )
    assert all(r.parent == component.urn for r in run.resources if r is not component)

    assert props(run.named("farm-project")) == {"name": "farm-chat-dev", "defaultEnvironmentName": "dev"}
    env = {"projectId": "farm-project-id", "environmentId": "farm-project-environment-id"}
    assert props(run.named("farm-api")) == {
        **env,
        "name": "api",
        "source": {"repo": "acme/farm-chat"},
        "branch": "main",
        "rootDirectory": "/apps/api",
        "railwayConfigFile": "/apps/api/railway.json",
        "dockerfilePath": "Dockerfile",
        "healthcheckPath": "/api/health",
        "healthcheckTimeout": 120.0,
        "numReplicas": 1.0,
        "restartPolicyType": "ON_FAILURE",
        "restartPolicyMaxRetries": 5.0,
        "publicPort": 8000.0,
    }
    assert props(run.named("farm-mongodb")) == {
        **env,
        "name": "mongodb",
        "source": {"image": MONGO_IMAGE},
        "numReplicas": 1.0,
        "restartPolicyType": "ON_FAILURE",
        "restartPolicyMaxRetries": 5.0,
    }
    assert props(run.named("farm-ollama"))["source"] == {"image": OLLAMA_IMAGE}
    assert props(run.named("farm-mongodb-data")) == {**env, "serviceId": "farm-mongodb-id", "mountPath": "/data/db"}
    assert props(run.named("farm-ollama-data")) == {**env, "serviceId": "farm-ollama-id", "mountPath": "/root/.ollama"}
    web = props(run.named("farm-web"))
    assert (web["rootDirectory"], web["buildCommand"], web["publicPort"]) == ("/apps/web", "npm run build", 8080.0)
    assert web["railwayConfigFile"] == "/apps/web/railway.json"
    assert web["startCommand"] == "npx --yes serve@14.2.4 -s dist -l tcp://0.0.0.0:8080"


def test_variables_wire_services_over_the_private_network() -> None:
    run = run_app(app())

    api_vars = run.named("farm-api-vars").inputs["variables"]
    assert api_vars == {
        "PORT": "8000",
        "MONGODB_URL": "mongodb://farm:offline-password-not-a-secret@mongodb.railway.internal:27017/app?authSource=admin",
        "OLLAMA_URL": "http://ollama.railway.internal:11434",
        "ALLOWED_ORIGINS": '["https://farm-web.up.railway.app"]',
        "OPENAI_API_KEY": OPENAI,
    }
    assert run.named("farm-web-vars").inputs["variables"] == {
        "PORT": "8080",
        "VITE_API_URL": "https://farm-api.up.railway.app",
    }
    assert run.named("farm-ollama-vars").inputs["variables"] == {
        "OLLAMA_HOST": "[::]:11434",
        "OLLAMA_KEEP_ALIVE": "24h",
    }
    assert run.named("farm-mongodb-vars").inputs["variables"]["MONGO_INITDB_ROOT_USERNAME"] == "farm"


def test_secrets_reach_railway_only_as_pulumi_secrets() -> None:
    run = run_app(app())

    assert_no_plain_secret(run, TOKEN, OPENAI, "offline-password-not-a-secret")
    for resource in run.of_type(DYNAMIC):
        assert "token" in resource.secret_paths
        assert "__provider" in resource.secret_paths
    for name in ("farm-api-vars", "farm-mongodb-vars"):
        assert "variables" in run.named(name).secret_paths


def test_minimal_app_switches_children_off() -> None:
    run = run_app(
        app(ollama=False, mongodb=False, web=False, api_image="ghcr.io/acme/api:1.4.0", repo=None, api_secrets={})
    )

    assert sorted(r.name for r in run.of_type(DYNAMIC)) == ["farm-api", "farm-api-vars", "farm-project"]
    assert run.of_type("random:index/randomPassword:RandomPassword") == []
    api = props(run.named("farm-api"))
    assert api["source"] == {"image": "ghcr.io/acme/api:1.4.0"}
    # an image is not built: no repository settings, no build settings
    for key in ("branch", "rootDirectory", "railwayConfigFile", "dockerfilePath", "buildCommand"):
        assert key not in api
    assert run.named("farm-api-vars").inputs["variables"] == {"PORT": "8000"}


@pytest.mark.parametrize("protect", [True, False])
def test_stateful_children_protected_when_asked(protect: bool) -> None:
    run = run_app(app(protect=protect))

    stateful = ["farm-project", "farm-mongodb-data", "farm-ollama-data"]
    for name in stateful:
        assert (run.named(name).protect, run.named(name).retain_on_delete) == (protect, protect)
    for name in ("farm-api", "farm-web", "farm-api-vars"):
        assert run.named(name).protect is False


def test_railway_json_per_service_matches_the_settings_sent() -> None:
    captured: dict[str, RailwayApp] = {}
    run = run_offline(lambda: captured.setdefault("app", RailwayApp("farm", app())))

    files = captured["app"].railway_json
    assert sorted(files) == ["api", "mongodb", "ollama", "web"]
    api_config = json.loads(files["api"])
    assert api_config["deploy"]["healthcheckPath"] == "/api/health"
    sent = props(run.named("farm-api"))
    for key, value in instance_settings(api_config).items():
        assert sent[key] == value


def test_api_source_is_required() -> None:
    with pytest.raises(UserError, match="API's source") as info:
        run_app(app(repo=None, web=False))
    assert info.value.key == "repo"


# --------------------------------------------------------------------------- from a plan


def railway_plan(**overrides: Any) -> StagePlan:
    values: dict[str, Any] = {
        "stage": "staging",
        "platform": "railway",
        "components": ComponentChoices(web="railway", api="railway", ai="ollama-cpu", db="none", network=False),
        "api": ApiSettings(root="apps/api", entrypoint="src.main:app", dockerfile="apps/api/Dockerfile", min_count=2),
        "web": WebSettings(root="apps/web", build_command="pnpm run build", api_url_env="VITE_API_BASE"),
        "ai": AISettings(
            provider="ollama-cpu",
            models=[ModelChoice(name="phi3:mini", provider="ollama", hardware="cpu")],
        ),
        "db": DatabaseSettings(database_name="farm_chat"),
        "env": [
            EnvVar(name="LOG_LEVEL", value="info", source="plan"),
            EnvVar(name="OPENAI_API_KEY", secret=True, source="config:farm:openaiApiKey", rule=EnvRule(required=False)),
            EnvVar(name="MONGODB_URL", secret=True, source="output:db.uri"),
            EnvVar(name="VITE_SENTRY_DSN", target="web", value="https://dsn.example", source="plan"),
        ],
        "protect_stateful": True,
    }
    values.update(overrides)
    return StagePlan(**values)


def test_args_from_plan() -> None:
    args = railway_args_from_plan(railway_plan(), "examples/farm-chat", repo="acme/farm-chat", token=TOKEN)

    assert args.project_name == "farm-chat-staging"
    assert (args.stage, args.repo, args.api_image) == ("staging", "acme/farm-chat", None)
    assert (args.api_root, args.api_dockerfile, args.api_replicas) == ("apps/api", "Dockerfile", 2)
    assert args.api_env == {"LOG_LEVEL": "info", "ENVIRONMENT": "staging"}
    assert args.api_secrets == {}  # the optional OpenAI key is not set; MONGODB_URL is the component's own
    assert (args.web_root, args.web_build_command, args.web_api_url_env) == (
        "apps/web",
        "pnpm run build",
        "VITE_API_BASE",
    )
    assert args.web_env == {"VITE_SENTRY_DSN": "https://dsn.example"}
    assert (args.ollama, args.ollama_default_model) == (True, "phi3:mini")
    assert (args.mongodb, args.database_name, args.protect) == (True, "farm_chat", True)


def test_args_from_plan_with_atlas_and_gpu_ollama() -> None:
    plan = railway_plan(components=ComponentChoices(web="none", api="railway", ai="ollama-gpu", db="flex"))
    args = railway_args_from_plan(plan, "app", api_image="ghcr.io/acme/api:2.0.0", secrets={"MONGODB_URL": "atlas"})

    assert (args.mongodb, args.ollama, args.web) == (False, True, False)
    assert set(args.api_secrets) == {"MONGODB_URL"}


def test_plan_secret_from_stack_config_under_the_engine() -> None:
    def program() -> None:
        RailwayApp(
            "farm", railway_args_from_plan(railway_plan(), "examples/farm-chat", repo="acme/farm-chat", token=TOKEN)
        )

    run = run_offline(program, config={"farm:openaiApiKey": OPENAI}, secret_keys=["farm:openaiApiKey"])

    api_vars = run.named("farm-api-vars")
    assert api_vars.inputs["variables"]["OPENAI_API_KEY"] == OPENAI
    assert api_vars.inputs["variables"]["LOG_LEVEL"] == "info"
    assert "variables" in api_vars.secret_paths
    assert run.named("farm-project").protect is True
    assert_no_plain_secret(run, OPENAI, TOKEN)


def test_required_plan_secret_missing_is_a_user_error() -> None:
    plan = railway_plan(env=[EnvVar(name="OPENAI_API_KEY", secret=True, source="config:farm:openaiApiKey")])

    with pytest.raises(UserError, match="secret OPENAI_API_KEY for the api is not set") as info:
        run_offline(lambda: RailwayApp("farm", railway_args_from_plan(plan, "app", repo="acme/x")))
    assert info.value.key == "farm:openaiApiKey"
    assert info.value.hint == "pulumi config set --secret farm:openaiApiKey <value>"


def test_repository_root_paths() -> None:
    run = run_app(app(api_root=".", web=False, ollama=False))
    api = props(run.named("farm-api"))
    assert (api["rootDirectory"], api["railwayConfigFile"]) == ("/", "/railway.json")


def test_args_from_stack_config(tmp_path: Path) -> None:
    """The stack's Railway keys reach the component through the builder."""
    from analysis.stack_config import parse_settings
    from farm_deploy.build import build_stage

    plan = railway_plan(release=ReleasePins(api_image_tag="1.7.2"))
    raw = {
        "railwayRepo": "acme/farm-chat",
        "railwayWorkspaceId": "ws-42",
        "railwayApiImage": "ghcr.io/acme/farm-chat-api",
        "stage": "staging",
    }
    settings = parse_settings(raw, file="Pulumi.staging.yaml", stack="staging")

    def program() -> None:
        build_stage(
            plan,
            app_dir=tmp_path / "farm-chat",
            project_dir=tmp_path,
            settings=settings,
            secret=lambda key: pulumi.Output.secret(OPENAI),
            project="farm-deploy",
            stack="staging",
        )

    run = run_offline(program, config={"farm:railwayToken": TOKEN}, secret_keys=["farm:railwayToken"], stack="staging")

    assert props(run.named("farm-staging-railway-project"))["workspaceId"] == "ws-42"
    assert props(run.named("farm-staging-railway-api"))["source"] == {"image": "ghcr.io/acme/farm-chat-api:1.7.2"}
    assert props(run.named("farm-staging-railway-web"))["source"] == {"repo": "acme/farm-chat"}
    for resource in run.of_type(DYNAMIC):
        assert resource.inputs["token"] == TOKEN
        assert "token" in resource.secret_paths


def test_no_token_in_config_leaves_it_to_the_environment() -> None:
    run = run_offline(lambda: RailwayApp("farm", railway_args_from_plan(railway_plan(), "x", repo="acme/x")))
    assert all("token" not in r.inputs for r in run.of_type(DYNAMIC))
