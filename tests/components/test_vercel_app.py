"""VercelApp under the offline engine, and the generated vercel.json / Python entry."""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest

from analysis.errors import UserError
from components.vercel_app import (
    VercelApp,
    VercelAppArgs,
    VercelEnv,
    env_targets,
    python_entry,
    python_version_file,
    vercel_files,
    vercel_json,
)
from farm_deploy.offline.engine import OfflineRun, run_offline

PROJECT = "vercel:index/project:Project"
ENV = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
DEPLOYMENT = "vercel:index/deployment:Deployment"
ALL_TARGETS = ["production", "preview", "development"]


def _args(**overrides: Any) -> VercelAppArgs:
    values: dict[str, Any] = {
        "project_name": "farm-chat-dev",
        "framework": "vite",
        "root_directory": "apps/web",
        "build_command": "npm run build",
        "output_directory": "dist",
    }
    values.update(overrides)
    return VercelAppArgs(**values)


def _run(args: VercelAppArgs, holder: list[VercelApp] | None = None) -> OfflineRun:
    def program() -> None:
        app = VercelApp("web", args)
        if holder is not None:
            holder.append(app)
        pulumi.export("project_id", app.project_id)
        pulumi.export("project_name", app.project_name)
        pulumi.export("url", app.url)

    return run_offline(program)


def _env(run: OfflineRun) -> dict[str, dict[str, Any]]:
    return {r.inputs["key"]: {**r.inputs, "_name": r.name, "_secret": r.secret_paths} for r in run.of_type(ENV)}


# ---------------------------------------------------------------------------- project


def test_front_end_project_has_the_analyzer_settings_and_no_function_config() -> None:
    run = _run(_args(install_command="pnpm install --frozen-lockfile", team_id="team_abc"))

    project = run.one(PROJECT)
    assert project.inputs == {
        "name": "farm-chat-dev",
        "teamId": "team_abc",
        "framework": "vite",
        "rootDirectory": "apps/web",
        "buildCommand": "npm run build",
        "outputDirectory": "dist",
        "installCommand": "pnpm install --frozen-lockfile",
    }
    assert project.parent_name == "web"
    assert (project.protect, project.retain_on_delete) == (False, False)
    assert run.of_type(ENV) == [] and run.of_type(DEPLOYMENT) == []
    assert run.outputs == {
        "project_id": "web-project-id",
        "project_name": "farm-chat-dev",
        "url": "https://farm-chat-dev.vercel.app",
    }


def test_protect_in_prod_keeps_the_project() -> None:
    run = _run(_args(project_name="farm-chat-prod", protect=True))
    project = run.one(PROJECT)
    assert (project.protect, project.retain_on_delete) == (True, True)


def test_git_repository_is_connected_when_given() -> None:
    repo = {"type": "github", "repo": "acme/farm-chat", "production_branch": "main"}
    run = _run(_args(git_repository=repo))
    assert run.one(PROJECT).inputs["gitRepository"] == {
        "type": "github",
        "repo": "acme/farm-chat",
        "productionBranch": "main",
    }


# ---------------------------------------------------------------------------- env vars


def test_env_vars_per_target_with_secrets_sensitive_and_kept_out_of_development() -> None:
    env = [
        VercelEnv("OPENAI_API_KEY", "sk-test-not-real", ALL_TARGETS, sensitive=True),
        VercelEnv("HF_TOKEN", "hf-test-not-real", ["production"], sensitive=True),
        VercelEnv("VITE_APP_NAME", "Farm Chat", ALL_TARGETS, sensitive=False),
    ]
    run = _run(_args(env=env))

    got = _env(run)
    assert set(got) == {"OPENAI_API_KEY", "HF_TOKEN", "VITE_APP_NAME"}
    assert (got["OPENAI_API_KEY"]["targets"], got["OPENAI_API_KEY"]["sensitive"]) == (
        ["production", "preview"],
        True,
    )
    assert (got["HF_TOKEN"]["targets"], got["HF_TOKEN"]["sensitive"]) == (["production"], True)
    assert (got["VITE_APP_NAME"]["targets"], got["VITE_APP_NAME"]["sensitive"]) == (ALL_TARGETS, False)
    for key in ("OPENAI_API_KEY", "HF_TOKEN"):
        assert "value" in got[key]["_secret"]
        assert got[key]["projectId"] == "web-project-id"
    assert got["OPENAI_API_KEY"]["_name"] == "web-env-openai-api-key"
    # Secret values never reach the stack outputs.
    assert "sk-test-not-real" not in repr(run.outputs)
    assert "hf-test-not-real" not in repr(run.outputs)


def test_a_sensitive_variable_for_development_only_is_refused() -> None:
    with pytest.raises(UserError) as err:
        _run(_args(env=[VercelEnv("SECRET", "x", ["development"], sensitive=True)]))
    assert err.value.key == "env.SECRET.targets"
    assert err.value.valid == ["production", "preview"]


def test_env_targets_rule() -> None:
    assert env_targets(VercelEnv("A", "v", ["development", "production"], sensitive=True)) == ["production"]
    assert env_targets(VercelEnv("A", "v", ["development", "production"], sensitive=False)) == [
        "production",
        "development",
    ]
    with pytest.raises(UserError):
        env_targets(VercelEnv("A", "v", ["staging"], sensitive=False))
    with pytest.raises(UserError):
        env_targets(VercelEnv("A", "v", [], sensitive=False))


def test_one_key_with_a_value_per_target_gets_one_resource_per_target() -> None:
    env = [
        VercelEnv("LOG_LEVEL", "warning", ["production"]),
        VercelEnv("LOG_LEVEL", "debug", ["preview", "development"]),
    ]
    run = _run(_args(env=env))
    got = sorted((r.name, r.inputs["value"], r.inputs["targets"]) for r in run.of_type(ENV))
    assert got == [
        ("web-env-log-level-preview-development", "debug", ["preview", "development"]),
        ("web-env-log-level-production", "warning", ["production"]),
    ]


def test_the_same_key_twice_for_one_target_is_refused() -> None:
    env = [VercelEnv("A", "1", ["production"]), VercelEnv("A", "2", ["production", "preview"])]
    with pytest.raises(UserError) as err:
        _run(_args(env=env))
    assert err.value.key == "env.A"


# ---------------------------------------------------------------------------- API URL


def test_api_url_is_wired_into_the_front_end_variable_for_every_target() -> None:
    api_url = pulumi.Output.from_input("https://api-dev.example.com")
    run = _run(_args(api_url=api_url, api_url_env="VITE_API_URL"))

    var = _env(run)["VITE_API_URL"]
    assert var["value"] == "https://api-dev.example.com"
    assert var["targets"] == ALL_TARGETS
    assert var["sensitive"] is False


def test_no_api_url_no_variable() -> None:
    run = _run(_args(api_url=None, api_url_env="VITE_API_URL"))
    assert run.of_type(ENV) == []


def test_api_url_without_a_variable_name_is_refused() -> None:
    with pytest.raises(UserError) as err:
        _run(_args(api_url="https://api.example.com", api_url_env=None))
    assert err.value.key == "api_url_env"


# ---------------------------------------------------------------------------- Python API on Vercel


def test_python_api_configures_the_function_defaults_on_the_project() -> None:
    holder: list[VercelApp] = []
    run = _run(
        _args(python_api=True, api_entrypoint="src.main:app", api_root="../api", function_timeout=60),
        holder,
    )

    assert run.one(PROJECT).inputs["resourceConfig"] == {
        "functionDefaultRegions": ["iad1"],
        "functionDefaultTimeout": 60.0,
        "fluid": True,
    }
    files = holder[0].vercel_files
    assert sorted(files) == [".python-version", "api/index.py", "vercel.json"]
    assert files[".python-version"] == "3.12\n"
    config = json.loads(files["vercel.json"])
    assert config["rewrites"][0] == {"source": "/api/(.*)", "destination": "/api/index"}
    assert config["functions"]["api/index.py"]["maxDuration"] == 60
    assert "from src.main import app as app" in files["api/index.py"]


def test_no_python_api_no_function_config_anywhere() -> None:
    holder: list[VercelApp] = []
    run = _run(_args(python_api=False), holder)

    assert "resourceConfig" not in run.one(PROJECT).inputs
    files = holder[0].vercel_files
    assert list(files) == ["vercel.json"]
    config = json.loads(files["vercel.json"])
    assert "functions" not in config
    assert all(not r["source"].startswith("/api") for r in config["rewrites"])


def test_vercel_json_routes_api_before_the_spa_fallback_and_caches_only_hashed_assets() -> None:
    config = vercel_json(python_api=True, function_timeout=30)

    assert config["rewrites"] == [
        {"source": "/api/(.*)", "destination": "/api/index"},
        {"source": "/((?!api/).*)", "destination": "/index.html"},
    ]
    headers = {h["source"]: h["headers"][0]["value"] for h in config["headers"]}
    assert headers["/assets/(.*)"] == "public, max-age=31536000, immutable"
    assert headers["/index.html"] == "no-cache"
    assert headers["/api/(.*)"] == "no-store"
    assert config["functions"] == {
        "api/index.py": {
            "maxDuration": 30,
            "excludeFiles": "{tests/**,**/__pycache__/**,**/*.pyc,node_modules/**}",
        }
    }


def test_nextjs_gets_no_catch_all_rewrite() -> None:
    config = json.loads(vercel_files(python_api=False, framework="nextjs")["vercel.json"])
    assert "rewrites" not in config


def test_python_entry_serves_the_real_fastapi_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the generated api/index.py against a FastAPI app laid out as in a FARM repo."""
    import httpx

    api = tmp_path / "apps" / "api" / "vercel_fixture_pkg"
    api.mkdir(parents=True)
    (api / "__init__.py").write_text("")
    (api / "main.py").write_text(
        "from fastapi import FastAPI\n"
        "application = FastAPI()\n"
        "@application.get('/api/health')\n"
        "def health():\n"
        "    return {'status': 'ok'}\n"
    )
    web = tmp_path / "apps" / "web"
    (web / "api").mkdir(parents=True)
    (web / "api" / "index.py").write_text(python_entry("vercel_fixture_pkg.main:application", "../api"))

    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.syspath_prepend(str(web / "api"))
    try:
        entry = importlib.import_module("index")

        async def get() -> httpx.Response:
            # The ASGI app exactly as Vercel's Python runtime would call it.
            transport = httpx.ASGITransport(app=entry.app)
            async with httpx.AsyncClient(transport=transport, base_url="https://farm-chat-dev.vercel.app") as client:
                return await client.get("/api/health")

        # A private loop: asyncio.run() would unset the loop Pulumi's runtime uses in later tests.
        loop = asyncio.new_event_loop()
        try:
            response = loop.run_until_complete(get())
        finally:
            loop.close()
    finally:
        for mod in ("index", "vercel_fixture_pkg", "vercel_fixture_pkg.main"):
            sys.modules.pop(mod, None)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("bad", ["main", "main:", ":app", "main:not-an-identifier"])
def test_python_entry_needs_module_and_attribute(bad: str) -> None:
    with pytest.raises(UserError):
        python_entry(bad)


def test_python_version_must_be_one_vercel_offers() -> None:
    assert python_version_file("3.13") == "3.13\n"
    with pytest.raises(UserError) as err:
        python_version_file("3.9")
    assert err.value.valid == ["3.12", "3.13", "3.14"]
    with pytest.raises(UserError):
        _run(_args(python_api=True, python_version="3.9"))


# ---------------------------------------------------------------------------- deployment


def test_deployment_uploads_the_folder_when_it_exists(tmp_path: Path) -> None:
    tree = tmp_path / "app"
    (tree / "apps" / "web" / "src").mkdir(parents=True)
    (tree / "apps" / "web" / "package.json").write_text('{"name": "web"}\n')
    (tree / "apps" / "web" / "src" / "main.tsx").write_text("export {}\n")
    (tree / "node_modules" / "left-pad").mkdir(parents=True)
    (tree / "node_modules" / "left-pad" / "index.js").write_text("module.exports = 1\n")
    (tree / "apps" / "web" / ".env.local").write_text("SECRET=local\n")
    (tree / "docs").mkdir()
    (tree / "docs" / "notes.md").write_text("# notes\n")
    (tree / ".vercelignore").write_text("docs\n")
    env = [VercelEnv("OPENAI_API_KEY", "sk-test-not-real", ["production"], sensitive=True)]

    run = _run(_args(deploy=True, project_files=str(tree), env=env))

    deployment = run.one(DEPLOYMENT)
    assert deployment.inputs["projectId"] == "web-project-id"
    assert deployment.inputs["production"] is True
    assert deployment.inputs["pathPrefix"] == str(tree)
    assert deployment.inputs["projectSettings"] == {
        "framework": "vite",
        "rootDirectory": "apps/web",
        "buildCommand": "npm run build",
        "outputDirectory": "dist",
    }
    # node_modules and .env.local are the provider's default ignores; docs is in .vercelignore.
    assert sorted(deployment.inputs["files"]) == [
        str(tree / ".vercelignore"),
        str(tree / "apps" / "web" / "package.json"),
        str(tree / "apps" / "web" / "src" / "main.tsx"),
    ]
    # Vercel's file id: "size~sha1" of the content, as the provider's data source computes it.
    content = b"export {}\n"
    assert deployment.inputs["files"][str(tree / "apps" / "web" / "src" / "main.tsx")] == (
        f"{len(content)}~{hashlib.sha1(content).hexdigest()}"
    )
    assert run.outputs["url"] == "https://web-deployment.vercel.app"


def test_no_deployment_when_the_folder_is_absent(tmp_path: Path) -> None:
    run = _run(_args(deploy=True, project_files=str(tmp_path / "not-built")))
    assert run.of_type(DEPLOYMENT) == []
    assert run.outputs["url"] == "https://farm-chat-dev.vercel.app"
    assert not any(token.startswith("vercel:") for token, _ in run.calls)


def test_no_deployment_unless_asked(tmp_path: Path) -> None:
    run = _run(_args(deploy=False, project_files=str(tmp_path)))
    assert run.of_type(DEPLOYMENT) == []
    assert run.calls == []


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"project_name": "Farm Chat"}, "project_name"),
        ({"project_name": "farm---chat"}, "project_name"),
        ({"framework": "angular"}, "framework"),
        ({"deploy": True, "project_files": None}, "project_files"),
        ({"env": [VercelEnv("1BAD", "x", ["production"])]}, "env"),
    ],
)
def test_bad_input_is_a_user_error_naming_the_key(overrides: dict[str, Any], key: str) -> None:
    with pytest.raises(UserError) as err:
        _run(_args(**overrides))
    assert err.value.key == key


def test_a_moved_variable_keeps_its_identity_and_the_deployment_waits_for_it() -> None:
    """The database's variable moved from AtlasDatabase into the app (so the first build has it):
    its old URN is an alias, so `pulumi up` moves it instead of creating a second variable Vercel refuses."""
    old = (
        "urn:pulumi:stack::project::farm:db:AtlasDatabase$"
        "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable::farm-dev-db-connection"
    )
    env = VercelEnv(key="MONGODB_URL", value="mongodb+srv://u:p@c/app", sensitive=True, aliases=[old])

    def program() -> None:
        app = VercelApp("web", _args(env=[env], deploy=True, project_files="."))
        (variable,) = app.env_vars
        pulumi.export("aliases", pulumi.Output.all(*variable._aliases))

    run = run_offline(program)
    assert run.outputs["aliases"] == [old]
    deployment = run.of_type(DEPLOYMENT)[0]
    (recorded,) = run.of_type(ENV)
    assert recorded.urn in deployment.dependencies
