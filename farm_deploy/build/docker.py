"""StagePlan → `DockerHostArgs`: the whole app on one Docker engine.

The same `DockerStackSpec` (farm_deploy/compose.py) gives `farm-deploy docker
compose` its files and `DockerHost` its containers, so both stay one layout.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pulumi

from analysis.models import StagePlan
from components.docker_host import DockerHost, DockerHostArgs
from farm_deploy import compose as c

from .context import BuiltStage, Context, OptionalSecretReader, config_secret, secret_env


def docker_args_from_plan(
    plan: StagePlan,
    app_path: str | Path,
    *,
    secrets: Mapping[str, pulumi.Input[str]] | None = None,
    read_secret: OptionalSecretReader = config_secret,
    gpu: bool = False,
    publish_api: bool = False,
    web_port: int = 8080,
    build_dir: str | Path | None = None,
) -> DockerHostArgs:
    """`DockerHostArgs` for a stage, from the same spec as `farm-deploy docker compose`.

    The switches are the stack's `farm:dockerGpu`, `farm:dockerPublishApi` and
    `farm:dockerWebPort` (`build_docker` reads them). Generated build files go
    to `build_dir`, by default `./.farm-deploy/build/<project>-docker/`, outside
    the app's folder (as components/image.py does: farm-deploy never writes
    into the user's code).
    """
    spec = c.stack_spec(plan, app_path, gpu=gpu, publish_api=publish_api, web_port=web_port)
    out = Path(build_dir) if build_dir else Path.cwd() / ".farm-deploy" / "build" / f"{spec.project}-docker"
    files: dict[str, str] = {}
    if spec.api_dockerfile:
        api_dockerfile = str(spec.api_dir / spec.api_dockerfile)
    else:
        files[c.API_DOCKERFILE] = c.render_api_dockerfile(spec)
        files[c.API_DOCKERFILE + ".dockerignore"] = c.render_files(spec, out)[c.API_DOCKERFILE + ".dockerignore"]
        api_dockerfile = str(out / c.API_DOCKERFILE)
    if spec.web:
        files[c.WEB_DOCKERFILE] = c.render_web_dockerfile(spec)
    computed = [spec.mongodb_url_env] if spec.mongodb else []
    return DockerHostArgs(
        project=spec.project,
        stage=spec.stage,
        api_context=str(spec.api_dir),
        api_dockerfile=api_dockerfile,
        api_port=spec.api_port,
        api_health_path=spec.api_health_path,
        publish_api=spec.publish_api,
        api_env=spec.api_plain_env(),
        api_secrets=secret_env(plan.env, "api", secrets, read=read_secret, skip=computed),
        web=spec.web,
        web_context=str(spec.web_dir) if spec.web else None,
        web_dockerfile=str(out / c.WEB_DOCKERFILE) if spec.web else None,
        web_port=spec.web_port,
        nginx_conf=c.render_nginx_conf(spec) if spec.web else "",
        ollama=spec.ollama,
        gpu=spec.ollama_gpu,
        ollama_models=spec.ollama_models,
        ollama_keep_alive=spec.ollama_keep_alive,
        mongodb=spec.mongodb,
        database_name=spec.database_name,
        mongodb_url_env=spec.mongodb_url_env,
        build_files=files,
        build_dir=str(out),
        protect=plan.protect_stateful,
    )


def build_docker(ctx: Context) -> BuiltStage:
    plan, settings = ctx.plan, ctx.settings
    args = docker_args_from_plan(
        plan,
        ctx.app_dir,
        secrets=ctx.secret_values("api"),
        read_secret=ctx.optional_secret,
        gpu=bool(settings.docker_gpu),
        publish_api=settings.docker_publish_api,
        web_port=settings.docker_web_port,
    )
    host = DockerHost(f"{ctx.prefix}-docker", args)
    built = BuiltStage(plan=plan, region="local")
    built.web_url = host.web_url
    built.api_url = host.api_url
    return built
