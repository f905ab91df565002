"""StagePlan → `RailwayAppArgs`: the whole app as one Railway project."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from pathlib import Path

import pulumi

from analysis.models import StagePlan
from analysis.platforms.env import output_sources, plain_env
from analysis.stack_config import NAMESPACE
from components.railway.app import RailwayApp, RailwayAppArgs
from components.railway.client import DEFAULT_ENDPOINT

from .atlas import build_atlas
from .context import BuiltStage, Context, OptionalSecretReader, config_secret, secret_env


def railway_args_from_plan(
    plan: StagePlan,
    app_path: str | Path,
    *,
    token: pulumi.Input[str] | None = None,
    repo: str | None = None,
    api_image: str | None = None,
    image_repository: str | None = None,
    workspace_id: str | None = None,
    secrets: Mapping[str, pulumi.Input[str]] | None = None,
    read_secret: OptionalSecretReader = config_secret,
    endpoint: str = DEFAULT_ENDPOINT,
) -> RailwayAppArgs:
    """`RailwayAppArgs` for a stage planned on Railway.

    The stack's settings (`farm:railwayRepo`, `farm:railwayWorkspaceId`, the
    secret `farm:railwayToken`, else `$RAILWAY_API_TOKEN` when the provider
    runs, and a prebuilt API image `farm:railwayApiImage`) arrive as
    arguments; `build_railway` reads them. The release pin `farm:apiImage` (an
    image by digest) wins over `farm:railwayApiImage`.
    MongoDB runs on Railway unless the plan puts the database on Atlas (then
    pass its connection string in `secrets`). Ollama runs on CPU whenever the
    plan serves AI from Ollama: Railway has no GPUs.
    """
    if api_image is None:
        api_image = plan.release.api_image or image_repository
    uses_atlas = plan.components.db in ("m0", "flex", "dedicated")
    ollama = plan.components.ai in ("ollama-cpu", "ollama-gpu")
    ollama_models = [m.name for m in plan.ai.models if m.provider == "ollama"]
    dockerfile = _relative_to(plan.api.dockerfile, plan.api.root) if plan.api.dockerfile else None
    computed = [plan.db.uri_env] if not uses_atlas else []
    return RailwayAppArgs(
        project_name=f"{Path(app_path).name}-{plan.stage}",
        stage=plan.stage,
        token=token,
        endpoint=endpoint,
        workspace_id=workspace_id,
        repo=repo,
        api_image=api_image,
        api_root=_clean(plan.api.root),
        api_dockerfile=dockerfile,
        api_port=plan.api.port,
        api_health_path=plan.api.health_path,
        api_replicas=max(1, plan.api.min_count),
        api_env={"ENVIRONMENT": plan.stage, **plain_env(plan.env, "api", skip=computed)},
        api_env_outputs=output_sources(plan.env, "api", skip=computed),
        web_env_outputs=output_sources(plan.env, "web"),
        api_secrets=secret_env(plan.env, "api", secrets, read=read_secret, skip=computed),
        web=plan.components.web != "none",
        web_root=_clean(plan.web.root),
        web_build_command=plan.web.build_command,
        web_output_dir=plan.web.output_dir,
        web_api_url_env=plan.web.api_url_env or "VITE_API_URL",
        web_env=plain_env(plan.env, "web"),
        ollama=ollama,
        ollama_keep_alive=plan.ai.keep_alive,
        ollama_default_model=plan.ai.default_model or (ollama_models[0] if ollama_models else None),
        mongodb=not uses_atlas,
        database_name=plan.db.database_name,
        mongodb_url_env=plan.db.uri_env,
        protect=plan.protect_stateful,
    )


def build_railway(ctx: Context) -> BuiltStage:
    plan, settings = ctx.plan, ctx.settings
    secrets = ctx.secret_values("api")
    if plan.components.db in ("m0", "flex", "dedicated"):
        # Atlas holds the data; Railway's API gets the connection string as one of its (secret) variables.
        db = build_atlas(ctx, network=None, store="none", vercel_project_id=None)
        secrets[plan.db.uri_env] = db.connection_string
    args = railway_args_from_plan(
        plan,
        ctx.app_dir,
        token=ctx.optional_secret("railwayToken"),
        repo=settings.railway_repo or plan.repository,
        image_repository=settings.railway_api_image,
        workspace_id=settings.railway_workspace_id,
        secrets=secrets,
        read_secret=ctx.optional_secret,
    )
    keys = {"repo": f"{NAMESPACE}:railwayRepo", "api_image": f"{NAMESPACE}:railwayApiImage"}
    with ctx.stack_keys(keys):
        app = RailwayApp(f"{ctx.prefix}-railway", args)
    built = BuiltStage(plan=plan, region=plan.region)
    built.web_url = app.web_url
    built.api_url = app.api_url
    return built


def _clean(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/")) if path else "."


def _relative_to(path: str, root: str) -> str:
    rel = posixpath.relpath(_clean(path), _clean(root))
    return path if rel.startswith("..") else rel
