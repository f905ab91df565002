"""Generate the Dockerfile for a FastAPI app that ships none (pure, no Pulumi).

The seed's Dockerfile ran as root in spirit (curl health check on a slim image
that has no curl, Python 3.9, one stage with gcc left in the runtime). This one:

- two stages: the builder turns the app's dependencies into wheels (compilers
  and caches stay behind), the runtime installs only those wheels;
- a slim base pinned to the full tag (`python:3.12-slim-bookworm`);
- a fixed non-root user (uid 10001) that does not own the code, so the task can
  run with a read-only root file system;
- a HEALTHCHECK written in Python, because slim images have no curl;
- uvicorn started in exec form, so it receives SIGTERM from ECS directly.

The output is deterministic for the same inputs: it feeds the image's content
hash, and a changing Dockerfile would rebuild the image on every `pulumi up`.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence

from analysis.errors import UserError

from .container import health_check_command

BASE_VARIANT = "slim-bookworm"
# Installed only when the app does not depend on uvicorn itself: the CMD needs it.
UVICORN_REQUIREMENT = "uvicorn==0.54.0"
APP_UID = 10001

# 3.9 and older are past end of life (the seed used 3.9).
_PYTHON_VERSION = re.compile(r"^3\.1[0-9]$")
# "module:attribute", or "module:function()" for an app factory (uvicorn --factory).
_ENTRYPOINT = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*(\(\))?$")
_HEALTH_PATH = re.compile(r"^/[\w\-./]*$")


def _requirement_files(dependency_files: Sequence[str]) -> list[str]:
    return sorted(f for f in dependency_files if f.endswith(".txt"))


def _validate(
    python_version: str,
    entrypoint: str,
    port: int,
    health_path: str,
    dependency_files: Sequence[str],
    requirement_lines: Sequence[str] | None,
) -> None:
    if not _PYTHON_VERSION.match(python_version):
        raise UserError(
            "unsupported Python version for the API image",
            key="api.python_version",
            value=python_version,
            valid=["3.10", "3.11", "3.12", "3.13", "3.14"],
            hint="set requires-python in pyproject.toml to a current 3.x version",
        )
    if not _ENTRYPOINT.match(entrypoint):
        raise UserError(
            "API entrypoint must be 'module:attribute'",
            key="api.entrypoint",
            value=entrypoint,
            hint="for example src.main:app",
        )
    if not 1024 <= port <= 65535:
        raise UserError(
            "API port must be between 1024 and 65535 (the container runs as a non-root user)",
            key="api.port",
            value=port,
        )
    if not _HEALTH_PATH.match(health_path):
        raise UserError("API health path must be an absolute URL path", key="api.health_path", value=health_path)
    if not any(f.endswith(".txt") or f.endswith("pyproject.toml") for f in dependency_files) and not requirement_lines:
        raise UserError(
            "the API has no dependency file to build its image from",
            key="api.dependency_files",
            value=list(dependency_files),
            valid=["requirements.txt", "pyproject.toml", "Pipfile"],
            hint="add a requirements.txt (or a pyproject.toml with [project.dependencies]) to the API folder",
        )


def render_api_dockerfile(
    python_version: str,
    entrypoint: str,
    port: int,
    health_path: str,
    dependency_files: Sequence[str],
    dependencies: Sequence[str] | None = None,
    requirement_lines: Sequence[str] | None = None,
) -> str:
    """Dockerfile text for the API whose root is the build context.

    `dependency_files` are paths relative to the API root (requirements*.txt
    and/or pyproject.toml); requirement files win when both exist, since they
    usually carry the pins. `dependencies` are the normalised distribution names
    the analyzer found: when uvicorn is not among them it is added, pinned.
    `requirement_lines`, for a project pip cannot read (a Pipfile: analysis/pipfile.py),
    are written into the builder stage as its requirements.txt.
    """
    _validate(python_version, entrypoint, port, health_path, dependency_files, requirement_lines)
    base = f"python:{python_version}-{BASE_VARIANT}"
    requirements = _requirement_files(dependency_files)
    needs_uvicorn = dependencies is None or "uvicorn" not in {d.lower() for d in dependencies}

    write = ""  # a command that writes requirements.txt first, in the same RUN
    builder = [
        f"FROM {base} AS builder",
        "WORKDIR /build",
        "ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1",
    ]
    if requirements:
        top = [r for r in requirements if "/" not in r]
        if top:
            builder.append(f"COPY {' '.join(top)} ./")
        # A file in a folder (`requirements/production.txt`) keeps its path, and its folder comes
        # along: its `-r base.txt` includes sit beside it. A multi-file COPY would flatten them.
        for folder in sorted({r.rsplit("/", 1)[0] for r in requirements if "/" in r}):
            builder.append(f"COPY {folder}/ ./{folder}/")
        wheel_args = [f"-r {r}" for r in requirements]
    elif requirement_lines and not any(f.endswith("pyproject.toml") for f in dependency_files):
        # printf in the builder, not a file in the build context: the context is the app's own folder
        quoted = " ".join(shlex.quote(line) for line in requirement_lines)
        write = f"printf '%s\\n' {quoted} > requirements.txt \\\n    && "
        wheel_args = ["-r requirements.txt"]
    else:
        # pyproject only: build the project itself, which pulls in its dependencies.
        builder.append("COPY . .")
        wheel_args = ["."]
    if needs_uvicorn:
        wheel_args.append(UVICORN_REQUIREMENT)
    builder.append(f"RUN {write}pip wheel --no-cache-dir --wheel-dir /wheels {' '.join(wheel_args)}")

    health = json.dumps(health_check_command(port, health_path))
    # Behind the ALB, X-Forwarded-* carry the client's scheme and address; only
    # the load balancer can reach the task (security group), so trust them.
    # A factory is called by uvicorn itself (https://www.uvicorn.org/settings/#application).
    factory = entrypoint.endswith("()")
    cmd = json.dumps(
        [
            "uvicorn",
            entrypoint.removesuffix("()"),
            *(["--factory"] if factory else []),
            "--host",
            "0.0.0.0",
            "--port",
            str(port),
            "--proxy-headers",
            "--forwarded-allow-ips",
            "*",
        ]
    )
    runtime = [
        f"FROM {base}",
        "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1",
        "WORKDIR /app",
        f"RUN groupadd --system --gid {APP_UID} app \\",
        f"    && useradd --system --uid {APP_UID} --gid app --no-create-home --shell /usr/sbin/nologin app",
        "COPY --from=builder /wheels /wheels",
        "RUN pip install --no-cache-dir --no-index --find-links=/wheels /wheels/*.whl \\",
        "    && rm -rf /wheels",
        "# The code stays owned by root: the app user can read it, not change it.",
        "COPY . .",
        f"USER {APP_UID}:{APP_UID}",
        f"EXPOSE {port}",
        f"HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD {health}",
        f"CMD {cmd}",
    ]
    header = [
        "# syntax=docker/dockerfile:1",
        "# Generated by farm-deploy (components/dockerfile.py). Ship your own Dockerfile to replace it.",
    ]
    return "\n".join([*header, *builder, "", *runtime]) + "\n"


DOCKERIGNORE = "\n".join(
    [
        "# Generated by farm-deploy: keep local state and secrets out of the image.",
        ".git",
        ".venv",
        "venv",
        "__pycache__",
        "*.pyc",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".env",
        ".env.*",
        "node_modules",
        ".farm-deploy",
        "",
    ]
)
