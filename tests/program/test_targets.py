"""Every target through the whole program (`farm_deploy.program.run` under the offline engine).

Vercel, Lambda, Railway and Vercel in front of ECS are planned from the dev
stack file with `farm:platform` (or `farm:api`/`farm:web`) overridden, as the
URN baseline does; the Docker host is the shipped `local` stack. Each test
asserts the wiring between components: what one declares, the next receives.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.errors import UserError
from farm_deploy.offline_plan import OfflinePlan, run_plan
from tests.program.test_urns import ROOT, derived_project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return derived_project(tmp_path_factory.mktemp("targets"))


@pytest.fixture(scope="module")
def plans(project: Path) -> dict[str, OfflinePlan]:
    return {s: run_plan(project, s) for s in ("vercel", "lambda", "railway")} | {"local": run_plan(ROOT, "local")}


def of_type(result: OfflinePlan, typ: str) -> list:
    return [r for r in result.resources if r.type == typ]


def secret(result: OfflinePlan, resource, path: str) -> bool:
    return path in resource.secret_paths


# ------------------------------------------------------------------ Vercel


def test_vercel_project_has_a_deployment_that_ships_code(plans: dict[str, OfflinePlan], project: Path) -> None:
    vercel = plans["vercel"]
    (proj,) = of_type(vercel, "vercel:index/project:Project")
    (deployment,) = of_type(vercel, "vercel:index/deployment:Deployment")
    d = deployment.inputs
    assert d["projectId"] == f"{proj.name}-id" and d["production"] is True
    staged = Path(d["pathPrefix"])
    assert staged == project / ".farm-deploy" / "build" / "farm-vercel-vercel"
    assert d["projectSettings"]["rootDirectory"] == "apps/web"
    uploaded = {Path(f).relative_to(staged).as_posix() for f in d["files"]}
    # the front end, the FastAPI code and the files Vercel reads from the root directory
    assert {
        "apps/web/package.json",
        "apps/api/src/main.py",
        "apps/web/vercel.json",
        "apps/web/api/index.py",
    } <= uploaded
    assert "apps/web/.python-version" in uploaded
    # Vercel installs the function's packages from the root directory's requirements.txt
    # (https://vercel.com/docs/functions/runtimes/python): the API's own, whole.
    assert "apps/web/requirements.txt" in uploaded
    from packaging.requirements import Requirement

    written = [ln for ln in (staged / "apps/web/requirements.txt").read_text().splitlines() if ln and ln[0] != "#"]
    api_lines = [
        ln.strip()
        for ln in (staged / "apps/api/requirements.txt").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert written == api_lines
    assert "fastapi" in {Requirement(ln).name for ln in written}
    assert not [f for f in uploaded if "node_modules" in f or f.endswith(".env")]
    config = json.loads((staged / "apps/web/vercel.json").read_text())
    assert config["rewrites"][0] == {"source": "/api/(.*)", "destination": "/api/index"}
    entry = (staged / "apps/web/api/index.py").read_text()
    assert "from src.main import app as app" in entry and "'../api'" in entry


def test_vercel_secrets_are_sensitive_per_value(plans: dict[str, OfflinePlan]) -> None:
    vercel = plans["vercel"]
    variables = {
        r.inputs["key"]: r
        for r in of_type(vercel, "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable")
    }
    secret_names = {v.name for v in vercel.plan.env if v.secret and v.target == "api"}
    assert {"MONGODB_URL", "OPENAI_API_KEY"} <= secret_names <= set(variables)
    for name, var in variables.items():
        if name in secret_names:
            assert var.inputs["sensitive"] is True, name
            assert "value" in var.secret_paths, name
            assert "development" not in var.inputs["targets"]
        else:
            assert var.inputs["sensitive"] is False, name
    # the Python function reads its plain settings under the app's own names
    assert variables["MONGODB_DB"].inputs["value"] == "farm_chat"
    assert variables["ALLOWED_ORIGINS"].inputs["value"] == "https://farm-deploy-vercel.vercel.app"


def test_vercel_limits_name_the_apps_file_and_line(plans: dict[str, OfflinePlan], project: Path) -> None:
    # acknowledged in the derived stack: a warning naming where the app opens WebSockets
    assert any("apps/api/src/routes/chat.py:28" in w for w in plans["vercel"].plan.warnings)
    # uploads go through the function: Vercel's 4.5 MB body limit, named where the app accepts them
    # (a warning: the scan sees no declared size above the limit; one above it blocks like WebSockets)
    assert (
        "vercel limits request bodies to about 4.5 MB (seen at apps/api/src/routes/uploads.py:12) "
        "(upload to S3 with presigned URLs instead of through the API)"
    ) in plans["vercel"].plan.warnings
    stack = project / "Pulumi.vercel-strict.yaml"
    text = (project / "Pulumi.vercel.yaml").read_text().replace("  farm:acknowledge:\n    - vercel-websockets\n", "")
    stack.write_text(text)
    with pytest.raises(UserError) as info:
        run_plan(project, "vercel-strict")
    message = str(info.value)
    assert "conflict vercel-websockets" in message and "apps/api/src/routes/chat.py:28" in message
    assert message.count("conflict") == 1


# ------------------------------------------------------------------ Lambda


def test_lambda_gets_its_secret_arns_and_reads_exactly_them(plans: dict[str, OfflinePlan]) -> None:
    result = plans["lambda"]
    (fn,) = of_type(result, "aws:lambda/function:Function")
    variables = fn.inputs["environment"]["variables"]
    secrets = {r.name: r for r in of_type(result, "aws:secretsmanager/secret:Secret")}
    arns = {k: v for k, v in variables.items() if k.endswith("_SECRET_ARN")}
    assert set(arns) == {"MONGODB_URL_SECRET_ARN", "OPENAI_API_KEY_SECRET_ARN"}
    assert all(v.startswith("arn:aws:secretsmanager:") for v in arns.values())

    # A secret's ARN is `secret:<its name>-<6 random characters>` (Secrets Manager's shape).
    def declared(part: str) -> bool:
        return any(
            part in (s.inputs.get("name"), n) or part.startswith(s.inputs.get("namePrefix") or "\0")
            for n, s in secrets.items()
        )

    assert all(declared(v.split(":secret:", 1)[1].rsplit("-", 1)[0]) for v in arns.values())
    assert "MONGODB_URL" not in variables and "OPENAI_API_KEY" not in variables
    (policy,) = [r for r in of_type(result, "aws:iam/rolePolicy:RolePolicy") if r.name.endswith("-secrets")]
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Action"] == "secretsmanager:GetSecretValue"
    assert sorted(statement["Resource"]) == sorted(arns.values())  # exactly these, no wildcard
    (role,) = (
        of_type(result, "aws:iam/role:Role")
        if len(of_type(result, "aws:iam/role:Role")) == 1
        else [
            r
            for r in of_type(result, "aws:iam/role:Role")
            if (r.inputs.get("name") or r.name) == fn.inputs["role"].rsplit("/", 1)[-1]
        ]
    )
    assert policy.inputs["role"] == f"{role.name}-id"


# ------------------------------------------------------------------ Railway and the Docker host


def test_railway_services_have_what_they_need(plans: dict[str, OfflinePlan]) -> None:
    result = plans["railway"]
    by_name = {r.name.removeprefix("farm-railway-railway-"): r for r in result.resources}
    assert {"api", "web", "ollama", "ollama-data"} <= set(by_name)  # the database is on Atlas here
    api_vars = by_name["api-vars"]
    assert api_vars.inputs["serviceId"] == "farm-railway-railway-api-id"
    env = api_vars.inputs["variables"]
    assert env["MONGODB_URL"] and env["OPENAI_API_KEY"]
    assert "variables" in api_vars.secret_paths  # Railway takes the map whole: it is secret as a whole
    assert env["OLLAMA_URL"] == "http://ollama.railway.internal:11434"
    assert env["OLLAMA_MODEL"] == "llama3.2:3b"  # the model dev pins and pulls
    assert env["MONGODB_DB"] == "farm_chat"
    assert env["ALLOWED_ORIGINS"] == "https://farm-railway-railway-web.up.railway.app"
    assert by_name["web-vars"].inputs["variables"]["VITE_API_URL"] == "https://farm-railway-railway-api.up.railway.app"
    assert by_name["ollama-data"].inputs["mountPath"] == "/root/.ollama"


def test_docker_host_services_have_what_they_need(plans: dict[str, OfflinePlan]) -> None:
    result = plans["local"]
    containers = {
        r.name.removeprefix("farm-local-docker-"): r for r in of_type(result, "docker:index/container:Container")
    }
    assert set(containers) == {"api", "web", "mongodb", "ollama", "ollama-pull"}
    api = containers["api"]
    env = dict(e.split("=", 1) for e in api.inputs["envs"])
    assert "envs" in api.secret_paths
    assert env["MONGODB_URL"].startswith("mongodb://") and "@mongodb:" in env["MONGODB_URL"]
    assert env["MONGODB_DB"] == "farm_chat"
    assert env["OLLAMA_URL"] == "http://ollama:11434"
    assert env["OLLAMA_MODEL"] == result.plan.ai.default_model
    pull = dict(e.split("=", 1) for e in containers["ollama-pull"].inputs["envs"])
    assert pull["OLLAMA_HOST"].startswith("http://") or pull["OLLAMA_HOST"]
