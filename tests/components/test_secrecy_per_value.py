"""Secrecy per value, not per map: every secret the operator sets, and the
database password the program generates, is checked on its own, on each
platform that carries it.

The program runs as `pulumi up` runs it (`farm_deploy.program.run` under the
offline engine) with a distinct value per secret, so that one value made plain
fails alone. For each value:
- it appears in no resource input and no stack output outside a path the engine
  received as secret;
- ECS gets it through the container definition's `secrets` (a Secrets Manager
  ARN in `valueFrom`), never in `environment`,
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html ;
- Lambda gets the ARN in `<NAME>_SECRET_ARN`, never the value in `<NAME>`;
- Vercel stores it as a sensitive variable, each one checked,
  https://vercel.com/docs/environment-variables/sensitive-environment-variables ;
- the Atlas database user's password is a secret input;
- Railway and the Docker host take a service's variables as one map (Railway's
  `variableCollectionUpsert`, Docker's `envs` list): each value is checked to
  sit under a path the engine received as secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from farm_deploy import program
from farm_deploy.offline.engine import OfflineRun, run_offline

ROOT = Path(__file__).resolve().parents[2]
OPENAI = "sk-openai-value-1111"
JWT = "jwt-value-2222"
HF = "hf-value-3333"
PASSWORD = "offline-password-not-a-secret"  # what the engine answers for RandomPassword
SECRET_CONFIG = {
    "farm:openaiApiKey": OPENAI,
    "farm:huggingfaceToken": HF,
    "farm:apiSecrets": json.dumps({"JWT_SECRET": JWT}),
}
SECRET_NAMES = ("JWT_SECRET", "MONGODB_URL", "OPENAI_API_KEY")


def evaluate(stack: str, **overrides: str) -> OfflineRun:
    raw = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    config = {k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items() if not isinstance(v, dict)}
    config["farm:appPath"] = str(ROOT / "examples" / "farm-chat")
    config.update(overrides)
    config.update(SECRET_CONFIG)
    return run_offline(lambda: program.run(ROOT), stack=stack, config=config, secret_keys=sorted(SECRET_CONFIG))


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, text) of every string, paths spelled as the engine spells secret paths."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, f"{path}[{i}]")
    elif isinstance(value, str):
        yield path, value


def under(path: str, secret_paths: list[str]) -> bool:
    return any(path == s or path.startswith((s + ".", s + "[")) or s == "." for s in secret_paths)


def plain_places(run: OfflineRun, value: str) -> list[str]:
    places = [
        f"{r.name}.{path}"
        for r in run.resources
        for path, text in leaves(r.inputs)
        if value in text and not under(path, r.secret_paths)
    ]
    places += [f"output {p}" for p, text in leaves(run.outputs) if value in text and not under(p, run.secret_outputs)]
    return places


def one(run: OfflineRun, typ: str, suffix: str = "") -> Any:
    [found] = [r for r in run.resources if r.type == typ and r.name.endswith(suffix)]
    return found


@pytest.fixture(scope="module")
def ecs() -> OfflineRun:
    # prod: ECS API with OpenAI as the fallback provider, Atlas M10
    return evaluate("prod")


@pytest.fixture(scope="module")
def lambda_api() -> OfflineRun:
    return evaluate(
        "staging",
        **{"farm:platform": "aws-serverless", "farm:api": "lambda", "farm:acknowledge": '["lambda-websockets"]'},
    )


@pytest.fixture(scope="module")
def vercel() -> OfflineRun:
    return evaluate("staging", **{"farm:platform": "vercel", "farm:acknowledge": '["vercel-websockets"]'})


@pytest.fixture(scope="module")
def railway() -> OfflineRun:
    return evaluate("staging", **{"farm:platform": "railway", "farm:railwayRepo": "acme/farm-chat"})


@pytest.fixture(scope="module")
def docker() -> OfflineRun:
    return evaluate("local")


RUNS = ("ecs", "lambda_api", "vercel", "railway", "docker")


@pytest.mark.parametrize("platform", RUNS)
@pytest.mark.parametrize("value", [OPENAI, JWT, HF, PASSWORD])
def test_value_is_never_plain(platform: str, value: str, request: pytest.FixtureRequest) -> None:
    run = request.getfixturevalue(platform)
    assert plain_places(run, value) == []


@pytest.mark.parametrize("platform", RUNS)
@pytest.mark.parametrize("value", [OPENAI, JWT, PASSWORD])
def test_value_reaches_a_resource(platform: str, value: str, request: pytest.FixtureRequest) -> None:
    """Not vacuous: the check above would pass for a value the program never passed on."""
    run = request.getfixturevalue(platform)
    secret_places = [f"{r.name}.{path}" for r in run.resources for path, text in leaves(r.inputs) if value in text]
    assert secret_places, f"{value} reaches no resource"


def container(run: OfflineRun, name: str) -> dict[str, Any]:
    task = one(run, "aws:ecs/taskDefinition:TaskDefinition", "-api-task")
    [found] = [c for c in json.loads(task.inputs["containerDefinitions"]) if c["name"] == name]
    return found


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_ecs_secret_is_in_secrets_never_in_environment(ecs: OfflineRun, name: str) -> None:
    api = container(ecs, "api")
    assert name not in {e["name"] for e in api["environment"]}
    [entry] = [s for s in api["secrets"] if s["name"] == name]
    slug = {
        "JWT_SECRET": "secrets-jwt-secret",
        "OPENAI_API_KEY": "secrets-openai-api-key",
        "MONGODB_URL": "db-connection",
    }
    # Secrets Manager's shape: secret:<name>-<six random characters>; the database's has a generated name.
    name_part = "farm-deploy-prod-mongodb-url-[0-9a-f]{8}" if name == "MONGODB_URL" else f"farm-prod-{slug[name]}"
    # The database password's secret is read at one version, so a rotation rolls the tasks (arn:::version-id).
    pinned = re.escape(":::farm-prod-db-connection-value-version-id") if name == "MONGODB_URL" else ""
    assert re.fullmatch(
        rf"arn:aws:secretsmanager:us-east-1:123456789012:secret:{name_part}-[A-Za-z]{{6}}{pinned}", entry["valueFrom"]
    )


@pytest.mark.parametrize(
    ("version", "value"),
    [
        ("farm-prod-secrets-jwt-secret-value", JWT),
        ("farm-prod-secrets-openai-api-key-value", OPENAI),
        ("farm-prod-db-connection-value", PASSWORD),
    ],
)
def test_each_secrets_manager_value_is_a_secret_input(ecs: OfflineRun, version: str, value: str) -> None:
    [r] = [r for r in ecs.resources if r.name == version]
    assert value in r.inputs["secretString"]
    assert "secretString" in r.secret_paths


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_lambda_gets_each_secret_as_an_arn(lambda_api: OfflineRun, name: str) -> None:
    variables = one(lambda_api, "aws:lambda/function:Function").inputs["environment"]["variables"]
    assert name not in variables
    slug = {
        "JWT_SECRET": "secrets-jwt-secret",
        "OPENAI_API_KEY": "secrets-openai-api-key",
        "MONGODB_URL": "db-connection",
    }
    name_part = "farm-deploy-staging-mongodb-url-[0-9a-f]{8}" if name == "MONGODB_URL" else f"farm-staging-{slug[name]}"
    assert re.fullmatch(
        rf"arn:aws:secretsmanager:us-east-1:123456789012:secret:{name_part}-[A-Za-z]{{6}}",
        variables[f"{name}_SECRET_ARN"],
    )


@pytest.mark.parametrize(
    ("name", "value"), [("JWT_SECRET", JWT), ("OPENAI_API_KEY", OPENAI), ("MONGODB_URL", PASSWORD)]
)
def test_each_vercel_secret_variable_is_sensitive(vercel: OfflineRun, name: str, value: str) -> None:
    [var] = [
        r
        for r in vercel.resources
        if r.type == "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable" and r.inputs["key"] == name
    ]
    assert var.inputs["sensitive"] is True
    assert value in var.inputs["value"]
    assert "value" in var.secret_paths


@pytest.mark.parametrize(("platform", "resource"), [("railway", "-railway-api-vars"), ("docker", "-docker-api")])
@pytest.mark.parametrize("value", [OPENAI, JWT])
def test_map_platforms_carry_each_value_under_a_secret_path(
    platform: str, resource: str, value: str, request: pytest.FixtureRequest
) -> None:
    run = request.getfixturevalue(platform)
    [api] = [r for r in run.resources if r.name.endswith(resource)]
    places = [path for path, text in leaves(api.inputs) if value in text]
    assert places, f"{value} does not reach {api.name}"
    assert all(under(path, api.secret_paths) for path in places), (places, api.secret_paths)


@pytest.mark.parametrize("platform", ("ecs", "lambda_api", "vercel", "railway"))
def test_atlas_password_is_a_secret_input(platform: str, request: pytest.FixtureRequest) -> None:
    user = one(request.getfixturevalue(platform), "mongodbatlas:index/databaseUser:DatabaseUser")
    assert user.inputs["password"] == PASSWORD
    assert "password" in user.secret_paths
