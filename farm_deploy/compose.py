"""The single-Docker-host layout of a stage, as pure data and text.

`stack_spec(plan, app_path)` turns a `StagePlan` into a `DockerStackSpec`; the
renderers here turn that into the files Compose users run (`compose.yaml`,
the front end's Dockerfile and nginx config, the API's Dockerfile when the app
ships none). `components/docker_host.py` builds the same containers with
pulumi-docker from the same spec and the same renderers, so `pulumi up` on the
`local` stack and `docker compose up` give the same thing.

Nothing here imports Pulumi, touches the network or writes files.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from analysis.errors import UserError
from analysis.models import StagePlan
from analysis.pipfile import image_requirement_lines
from analysis.platforms.env import plain_env
from analysis.requirements_files import in_build_context
from components.container import (
    MONGO_HEALTH,
    MONGO_IMAGE,
    MONGO_PORT,
    MONGO_USER,
    NGINX_CONF_PATH,
    NODE_IMAGE,
    OLLAMA_HEALTH,
    OLLAMA_IMAGE,
    OLLAMA_PORT,
    RESTART_POLICY,
    WEB_CONTAINER_PORT,
    WEB_HEALTH,
    WEB_SERVER_IMAGE,
    HealthCheck,
    api_health_check,
    pull_models_command,
)
from components.dockerfile import DOCKERIGNORE
from components.dockerfile import render_api_dockerfile as render_dockerfile

MONGO_PASSWORD_ENV = "MONGO_ROOT_PASSWORD"

# File names written next to compose.yaml.
COMPOSE_FILE = "compose.yaml"
API_DOCKERFILE = "api.Dockerfile"
WEB_DOCKERFILE = "web.Dockerfile"
NGINX_CONF = "nginx.conf"
ENV_EXAMPLE = ".env.example"


@dataclass(frozen=True)
class SecretEnv:
    """An API variable whose value is a secret: named here, never valued."""

    name: str
    required: bool = True
    config_key: str | None = None  # e.g. "farm:openaiApiKey", where the Pulumi stack reads it


@dataclass(frozen=True)
class DockerStackSpec:
    project: str  # prefix of container, image and volume names, e.g. "farm-chat-dev"
    stage: str
    app_path: str  # the app's root folder, as given
    api_root: str = "."  # relative to app_path
    api_dockerfile: str | None = None  # the app's own, relative to api_root; None: generated
    api_port: int = 8000
    api_health_path: str = "/api/health"
    api_entrypoint: str = "main:app"
    # The analyzer's choice, relative to api_root (plan.api.dependency_files); empty: found in api_dir.
    api_dependency_files: tuple[str, ...] = ()
    api_dependencies: tuple[str, ...] = ()  # the distributions they name, with their -r includes
    python_version: str = "3.12"
    publish_api: bool = False
    api_env: dict[str, str] = field(default_factory=dict)
    api_secrets: tuple[SecretEnv, ...] = ()
    web: bool = True
    web_root: str = "."
    web_build_command: str = "npm run build"
    web_output_dir: str = "dist"
    web_api_url_env: str = "VITE_API_URL"
    web_port: int = 8080  # published on the host
    ollama: bool = False
    ollama_gpu: bool = False
    ollama_models: tuple[str, ...] = ()
    ollama_keep_alive: str = "24h"
    mongodb: bool = True
    database_name: str = "app"
    mongodb_url_env: str = "MONGODB_URL"

    # --------------------------------------------------------------- derived

    @property
    def api_dir(self) -> Path:
        return Path(self.app_path) / self.api_root

    @property
    def web_dir(self) -> Path:
        return Path(self.app_path) / self.web_root

    def api_health(self) -> HealthCheck:
        return api_health_check(self.api_port, self.api_health_path)

    def mongo_url(self, password: str) -> str:
        return f"mongodb://{MONGO_USER}:{password}@mongodb:{MONGO_PORT}/{self.database_name}?authSource=admin"

    def api_plain_env(self) -> dict[str, str]:
        env = {"ENVIRONMENT": self.stage, "PORT": str(self.api_port), **self.api_env}
        if self.ollama:
            env["OLLAMA_URL"] = f"http://ollama:{OLLAMA_PORT}"
            if self.ollama_models:
                env.setdefault("OLLAMA_MODEL", self.ollama_models[0])
        return env


# --------------------------------------------------------------------------- from a plan


def stack_spec(
    plan: StagePlan,
    app_path: str | Path,
    *,
    gpu: bool | None = False,
    publish_api: bool = False,
    web_port: int = 8080,
    project: str | None = None,
) -> DockerStackSpec:
    """The Docker layout of a stage.

    Ollama gets the host's GPUs only when `gpu` says so, whatever the plan's
    hardware: a GPU request on a host without the NVIDIA runtime stops the
    container from starting at all.
    """
    app = Path(app_path)
    if not app.is_dir():
        raise UserError("the app path does not exist", key="farm:appPath", value=str(app_path))
    ollama = plan.components.ai in ("ollama-cpu", "ollama-gpu")
    uses_atlas = plan.components.db in ("m0", "flex", "dedicated")
    dockerfile = plan.api.dockerfile
    if dockerfile:
        rel = posixpath.relpath(_posix(dockerfile), _posix(plan.api.root))
        dockerfile = None if rel.startswith("..") else rel
    computed = {plan.db.uri_env} if not uses_atlas else set()
    secrets = tuple(
        SecretEnv(v.name, v.rule.required, v.source.partition(":")[2] if v.source.startswith("config:") else None)
        for v in plan.env
        if v.secret and v.target == "api" and v.name not in computed
    )
    return DockerStackSpec(
        project=project or f"{app.resolve().name}-{plan.stage}",
        stage=plan.stage,
        app_path=str(app_path),
        api_root=_posix(plan.api.root),
        api_dockerfile=dockerfile,
        api_port=plan.api.port,
        api_health_path=plan.api.health_path,
        api_entrypoint=plan.api.entrypoint,
        api_dependency_files=tuple(in_build_context(plan.api.dependency_files)),
        api_dependencies=tuple(plan.api.dependencies),
        python_version=plan.api.python_version,
        publish_api=publish_api,
        api_env=_plain_env(plan, "api", web_port),
        api_secrets=secrets,
        web=plan.components.web != "none",
        web_root=_posix(plan.web.root),
        web_build_command=plan.web.build_command,
        web_output_dir=plan.web.output_dir,
        web_api_url_env=plan.web.api_url_env or "VITE_API_URL",
        web_port=web_port,
        ollama=ollama,
        ollama_gpu=bool(gpu) and ollama,
        ollama_models=tuple(m.name for m in plan.ai.models if m.provider == "ollama"),
        ollama_keep_alive=plan.ai.keep_alive,
        mongodb=not uses_atlas,
        database_name=plan.db.database_name,
        mongodb_url_env=plan.db.uri_env,
    )


def _plain_env(plan: StagePlan, target: str, web_port: int) -> dict[str, str]:
    """The plan's non-secret variables, with the addresses only this layout knows filled in."""
    known = {
        "web.url": f"http://localhost:{web_port}",
        "ollama.url": f"http://ollama:{OLLAMA_PORT}",
        # the browser calls /api on its own origin; nginx forwards it
        "api.url": "",
    }
    return plain_env(plan.env, target, outputs=known)


def _posix(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/")) if path else "."


# --------------------------------------------------------------------------- Dockerfiles and nginx


def dependency_files(api_dir: Path) -> list[str]:
    """The API's dependency files the image is built from (relative names)."""
    found = sorted(p.name for p in api_dir.glob("requirements*.txt"))
    if (api_dir / "pyproject.toml").is_file():
        found.append("pyproject.toml")
    if not found and (api_dir / "Pipfile").is_file():
        found.append("Pipfile")  # installed from its lock's pins (analysis/pipfile.py)
    return found


def required_distributions(api_dir: Path) -> list[str]:
    """Distribution names listed in the API's requirements files (lower case)."""
    names: list[str] = []
    for name in dependency_files(api_dir):
        if not name.endswith(".txt"):
            continue
        for line in (api_dir / name).read_text(encoding="utf-8", errors="replace").splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                names.append(re.split(r"[\s<>=!~\[;@]", line, maxsplit=1)[0].lower())
    return names


def render_api_dockerfile(spec: DockerStackSpec) -> str:
    """The API's Dockerfile when the app ships none (components/dockerfile.py renders it)."""
    deps = list(spec.api_dependency_files) or dependency_files(spec.api_dir)
    # Told what the requirements hold, the generator adds uvicorn only when missing.
    distributions: list[str] | None = list(spec.api_dependencies) or None
    if distributions is None and any(d.endswith(".txt") for d in deps):
        distributions = required_distributions(spec.api_dir)
    return render_dockerfile(
        spec.python_version,
        spec.api_entrypoint,
        spec.api_port,
        spec.api_health_path,
        deps,
        distributions,
        image_requirement_lines(spec.api_dir, deps),
    )


def _install_command(build_command: str, web_dir: Path) -> str:
    tool = build_command.split()[0] if build_command.strip() else "npm"
    if tool == "pnpm":
        return "pnpm install"
    if tool == "yarn":
        return "yarn install"
    if tool == "bun":
        return "bun install"
    return (
        "npm ci --no-audit --no-fund"
        if (web_dir / "package-lock.json").is_file()
        else "npm install --no-audit --no-fund"
    )


def render_web_dockerfile(spec: DockerStackSpec) -> str:
    """Build the front end with Node, serve the output with an unprivileged nginx.

    The API URL variable is left empty: the browser calls `/api` on the same
    origin and nginx forwards it, so no API address is baked into the bundle.
    """
    tool = spec.web_build_command.split()[0] if spec.web_build_command.strip() else "npm"
    lines = [
        "# syntax=docker/dockerfile:1",
        "# Generated by farm-deploy (farm_deploy/compose.py): the front end, built and served by nginx.",
        f"FROM {NODE_IMAGE} AS build",
        "WORKDIR /app",
    ]
    if tool in ("pnpm", "yarn"):
        lines.append("RUN corepack enable")
    lines += [
        "COPY . .",
        f"RUN {_install_command(spec.web_build_command, spec.web_dir)}",
        f"ARG {spec.web_api_url_env}=",
        f"RUN {spec.web_build_command}",
        "",
        f"FROM {WEB_SERVER_IMAGE}",
        f"COPY --from=build /app/{_posix(spec.web_output_dir)} /usr/share/nginx/html",
        f"EXPOSE {WEB_CONTAINER_PORT}",
        f"HEALTHCHECK --interval=15s --timeout=5s --retries=5 CMD {json.dumps(list(WEB_HEALTH.test))}",
        "",
    ]
    return "\n".join(lines)


def render_nginx_conf(spec: DockerStackSpec) -> str:
    """The web server: the SPA with its fallback, and `/api` forwarded to the API container."""
    return f"""# Generated by farm-deploy (farm_deploy/compose.py).
map $http_upgrade $connection_upgrade {{
    default upgrade;
    ''      close;
}}

server {{
    listen {WEB_CONTAINER_PORT};
    server_name _;
    root /usr/share/nginx/html;
    index index.html;
    server_tokens off;
    client_max_body_size 20m;

    add_header X-Content-Type-Options "nosniff" always;
    add_header X-Frame-Options "DENY" always;
    add_header Referrer-Policy "strict-origin-when-cross-origin" always;

    # Docker's DNS, asked per request: nginx starts even before the API is up,
    # and follows the API container when it is replaced.
    resolver 127.0.0.11 valid=10s ipv6=off;
    set $api http://api:{spec.api_port};

    location /api/ {{
        proxy_pass $api;
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        # AI answers can take a while on CPU.
        proxy_read_timeout 300s;
    }}

    # Hashed build assets never change: cache them for a year.
    location /assets/ {{
        add_header Cache-Control "public, max-age=31536000, immutable" always;
        try_files $uri =404;
    }}

    # index.html must be revalidated, or a new release is never picked up.
    location = /index.html {{
        add_header Cache-Control "no-cache" always;
    }}

    location / {{
        try_files $uri $uri/ /index.html;
    }}
}}
"""


# --------------------------------------------------------------------------- compose.yaml


def _rel(path: Path, start: Path) -> str:
    rel = os.path.relpath(path.resolve(), start.resolve()).replace(os.sep, "/")
    return rel if rel.startswith(".") else f"./{rel}"


def _secret_ref(name: str, required: bool) -> str:
    if required:
        return f"${{{name}:?set {name} in .env (see .env.example)}}"
    return f"${{{name}:-}}"


def compose_document(spec: DockerStackSpec, out_dir: Path) -> dict[str, object]:
    """compose.yaml as data; build contexts are relative to `out_dir`."""
    services: dict[str, dict[str, object]] = {}
    depends: dict[str, dict[str, str]] = {}
    if spec.mongodb:
        services["mongodb"] = _mongodb_service()
        depends["mongodb"] = {"condition": "service_healthy"}
    if spec.ollama:
        services.update(_ollama_services(spec))
        depends["ollama"] = {"condition": "service_healthy"}
    services["api"] = _api_service(spec, out_dir, depends)
    if spec.web:
        services["web"] = _web_service(spec, out_dir)

    document: dict[str, object] = {"services": services}
    volumes = {}
    if spec.mongodb:
        volumes["mongodb-data"] = {"name": f"{spec.project}-mongodb-data"}
    if spec.ollama:
        volumes["ollama-models"] = {"name": f"{spec.project}-ollama-models"}
    if volumes:
        document["volumes"] = volumes
    return document


def _mongodb_service() -> dict[str, object]:
    return {
        "image": MONGO_IMAGE,
        "restart": RESTART_POLICY,
        "environment": {
            "MONGO_INITDB_ROOT_USERNAME": MONGO_USER,
            "MONGO_INITDB_ROOT_PASSWORD": _secret_ref(MONGO_PASSWORD_ENV, True),
        },
        "volumes": ["mongodb-data:/data/db"],
        "healthcheck": MONGO_HEALTH.compose(),
    }


def _ollama_services(spec: DockerStackSpec) -> dict[str, dict[str, object]]:
    """Ollama, and the one-shot container that pulls the plan's models into its volume."""
    ollama: dict[str, object] = {
        "image": OLLAMA_IMAGE,
        "restart": RESTART_POLICY,
        "environment": {"OLLAMA_KEEP_ALIVE": spec.ollama_keep_alive},
        "volumes": ["ollama-models:/root/.ollama"],
        "healthcheck": OLLAMA_HEALTH.compose(),
    }
    if spec.ollama_gpu:
        ollama["deploy"] = {
            "resources": {"reservations": {"devices": [{"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}]}}
        }
    services = {"ollama": ollama}
    if spec.ollama_models:
        services["ollama-pull"] = {
            "image": OLLAMA_IMAGE,
            "restart": "no",
            "entrypoint": ["/bin/sh", "-c"],
            "command": [pull_models_command(spec.ollama_models)],
            "environment": {"OLLAMA_HOST": f"http://ollama:{OLLAMA_PORT}"},
            "depends_on": {"ollama": {"condition": "service_healthy"}},
        }
    return services


def _api_service(spec: DockerStackSpec, out_dir: Path, depends: dict[str, dict[str, str]]) -> dict[str, object]:
    environment: dict[str, str] = dict(spec.api_plain_env())
    if spec.mongodb:
        environment[spec.mongodb_url_env] = spec.mongo_url(_secret_ref(MONGO_PASSWORD_ENV, True))
    for secret in spec.api_secrets:
        environment[secret.name] = _secret_ref(secret.name, secret.required)
    api: dict[str, object] = {
        "build": {
            "context": _rel(spec.api_dir, out_dir),
            "dockerfile": spec.api_dockerfile or _rel(out_dir / API_DOCKERFILE, spec.api_dir),
        },
        "image": f"{spec.project}-api:local",
        "restart": RESTART_POLICY,
        "environment": environment,
        "healthcheck": spec.api_health().compose(),
    }
    if depends:
        api["depends_on"] = depends
    if spec.publish_api:
        api["ports"] = [f"127.0.0.1:{spec.api_port}:{spec.api_port}"]
    return api


def _web_service(spec: DockerStackSpec, out_dir: Path) -> dict[str, object]:
    return {
        "build": {
            "context": _rel(spec.web_dir, out_dir),
            "dockerfile": _rel(out_dir / WEB_DOCKERFILE, spec.web_dir),
        },
        "image": f"{spec.project}-web:local",
        "restart": RESTART_POLICY,
        "ports": [f"{spec.web_port}:{WEB_CONTAINER_PORT}"],
        "volumes": [f"./{NGINX_CONF}:{NGINX_CONF_PATH}:ro"],
        "depends_on": {"api": {"condition": "service_healthy"}},
        "healthcheck": WEB_HEALTH.compose(),
    }


def render_compose(spec: DockerStackSpec, out_dir: Path) -> str:
    header = (
        f"# Generated by farm-deploy for stage {spec.stage!r}: the same containers as the `local` Pulumi stack.\n"
        "# Secrets come from .env next to this file (see .env.example); nothing secret is written here.\n"
    )
    return header + yaml.safe_dump(
        compose_document(spec, out_dir), sort_keys=False, default_flow_style=False, width=1000
    )


def render_env_example(spec: DockerStackSpec) -> str:
    lines = ["# Copy to .env and fill in. Keep .env out of version control."]
    if spec.mongodb:
        lines.append("# MongoDB root password: letters and digits only (it goes into a connection URL).")
        lines.append(f"{MONGO_PASSWORD_ENV}=")
    for secret in spec.api_secrets:
        where = f" (the Pulumi stack reads it from {secret.config_key})" if secret.config_key else ""
        lines.append(f"# {'required' if secret.required else 'optional'}{where}")
        lines.append(f"{secret.name}=")
    return "\n".join(lines) + "\n"


def render_files(spec: DockerStackSpec, out_dir: Path) -> dict[str, str]:
    """Every file `farm-deploy docker compose` writes, by name under `out_dir`."""
    files = {COMPOSE_FILE: render_compose(spec, out_dir), ENV_EXAMPLE: render_env_example(spec)}
    if not spec.api_dockerfile:
        files[API_DOCKERFILE] = render_api_dockerfile(spec)
        files[API_DOCKERFILE + ".dockerignore"] = DOCKERIGNORE
    if spec.web:
        files[WEB_DOCKERFILE] = render_web_dockerfile(spec)
        files[WEB_DOCKERFILE + ".dockerignore"] = "node_modules\ndist\n.env\n.env.*\n"
        files[NGINX_CONF] = render_nginx_conf(spec)
    return files
