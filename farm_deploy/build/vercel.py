"""StagePlan → `VercelAppArgs`: the front end (and Python functions) on Vercel."""

from __future__ import annotations

import pulumi

from components.vercel_app import VercelApp, VercelAppArgs, VercelEnv

from .atlas import build_atlas
from .context import BuiltStage, Context

FRAMEWORKS = {"vite": "vite", "cra": "create-react-app", "nextjs": "nextjs"}


def vercel_app(ctx: Context, *, api_url: pulumi.Input[str] | None, python_api: bool) -> VercelApp:
    plan = ctx.plan
    env = [
        VercelEnv(key=name, value=value, targets=["production", "preview"], sensitive=True)
        for name, value in ctx.secret_values("api").items()
    ]
    for name, value in ctx.plain_env("web", {}).items():
        env.append(VercelEnv(key=name, value=value, targets=["production", "preview", "development"], sensitive=False))
    return VercelApp(
        f"{ctx.prefix}-web",
        VercelAppArgs(
            project_name=ctx.vercel_project_name,
            framework=FRAMEWORKS.get(plan.web.framework),
            root_directory=plan.web.root,
            build_command=plan.web.build_command,
            output_directory=plan.web.output_dir,
            env=env,
            api_url=api_url,
            api_url_env=plan.web.api_url_env,
            python_api=python_api,
            api_entrypoint=plan.api.entrypoint if python_api else None,
            protect=ctx.protect,
        ),
    )


def build_vercel(ctx: Context) -> BuiltStage:
    plan = ctx.plan
    built = BuiltStage(plan=plan, region=plan.region)
    app = vercel_app(ctx, api_url=None, python_api=plan.components.api == "vercel")
    built.web_url = app.url
    if plan.components.api == "vercel":
        built.api_url = app.url
    if plan.components.db != "none":
        build_atlas(ctx, network=None, store="vercel", vercel_project_id=app.project_id)
    return built
