"""StagePlan → `VercelAppArgs`: the front end (and Python functions) on Vercel.

The project gets a deployment that ships code: the app's tree is staged under
`.farm-deploy/build/<prefix>-vercel` with the files Vercel reads from the
project's root directory (`vercel.json`, the Python function `api/index.py`,
`.python-version`) written into it, and uploaded with `vercel.Deployment`
(files from `vercel.get_project_directory`; Vercel then builds it with the
project settings: https://vercel.com/docs/deployments/overview,
https://www.pulumi.com/registry/packages/vercel/api-docs/deployment/).
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pulumi

from analysis.errors import UserError
from components.vercel_app import VercelApp, VercelAppArgs, VercelEnv, vercel_files

from .atlas import build_atlas
from .context import BuiltStage, Context

FRAMEWORKS = {"vite": "vite", "cra": "create-react-app", "nextjs": "nextjs"}
# Never uploaded: dependencies and build output Vercel recreates, VCS and local state.
STAGE_IGNORE = shutil.ignore_patterns(
    "node_modules", ".git", ".venv", "venv", "__pycache__", "*.pyc", ".env", ".env.*", "dist", "build", ".vercel"
)


def stage_tree(app_dir: Path, dest: Path, root_directory: str, files: dict[str, str]) -> Path:
    """A copy of the app with Vercel's files written into `root_directory`; replaced whole, never half written."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=dest.name + ".", dir=dest.parent))
    try:
        tree = tmp / "tree"
        shutil.copytree(app_dir, tree, ignore=STAGE_IGNORE, symlinks=False)
        for rel, text in files.items():
            target = tree / root_directory / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tree, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def vercel_app(
    ctx: Context, *, api_url: pulumi.Input[str] | None, python_api: bool, extra_env: Sequence[VercelEnv] = ()
) -> VercelApp:
    plan = ctx.plan
    env = [*extra_env] + [
        VercelEnv(key=name, value=value, targets=["production", "preview"], sensitive=True)
        for name, value in ctx.secret_values("api").items()
    ]
    for name, value in ctx.plain_env("web", {}).items():
        env.append(VercelEnv(key=name, value=value, targets=["production", "preview", "development"], sensitive=False))
    if python_api:
        # The API's plain settings (its own names), for the Python function.
        for name, value in ctx.plain_env("api", {"web.url": _production_url(ctx)}).items():
            env.append(VercelEnv(key=name, value=value, targets=["production", "preview"], sensitive=False))
    root = plan.web.root or "."
    api_root = posixpath.relpath(plan.api.root or ".", root) if python_api else "."
    framework = FRAMEWORKS.get(plan.web.framework)
    files = vercel_files(
        python_api=python_api,
        api_entrypoint=plan.api.entrypoint if python_api else None,
        api_root=api_root,
        python_version=plan.api.python_version if plan.api.python_version in ("3.12", "3.13", "3.14") else "3.12",
        framework=framework,
    )
    if python_api and not (ctx.app_dir / root / "requirements.txt").is_file():
        # Vercel installs the function's packages from the root directory's dependency file.
        from analysis.function_requirements import function_requirements

        if not plan.api.dependency_files and not plan.api.dependencies:
            raise UserError(
                "the API has no dependency file for Vercel to install its packages from",
                key="api.dependency_files",
                value=[],
                valid=["requirements.txt", "pyproject.toml", "Pipfile"],
                hint=f"add a requirements.txt to {plan.api.root or 'the API folder'}",
            )

        files["requirements.txt"] = function_requirements(
            ctx.app_dir / (plan.api.root or "."), plan.api.dependency_files, plan.api.dependencies
        )
    staged = stage_tree(ctx.app_dir, ctx.project_dir / ".farm-deploy" / "build" / f"{ctx.prefix}-vercel", root, files)
    return VercelApp(
        f"{ctx.prefix}-web",
        VercelAppArgs(
            project_name=ctx.vercel_project_name,
            framework=framework,
            root_directory=plan.web.root,
            build_command=plan.web.build_command,
            output_directory=plan.web.output_dir,
            env=env,
            api_url=api_url,
            api_url_env=plan.web.api_url_env,
            python_api=python_api,
            api_entrypoint=plan.api.entrypoint if python_api else None,
            api_root=api_root,
            deploy=True,
            project_files=str(staged),
            protect=ctx.protect,
        ),
    )


def _production_url(ctx: Context) -> str:
    from components.vercel_app import production_url

    return production_url(ctx.vercel_project_name)


def build_vercel(ctx: Context) -> BuiltStage:
    plan = ctx.plan
    built = BuiltStage(plan=plan, region=plan.region)
    extra: list[VercelEnv] = []
    if plan.components.db != "none":
        # The database first, its connection string then one of the project's variables: the
        # deployment waits for its variables, so its first build already has the database.
        db = build_atlas(ctx, network=None, store="none", vercel_project_id=None)
        extra.append(
            VercelEnv(
                key=plan.db.uri_env,
                value=db.connection_string,
                # Sensitive variables cannot target development; local development reads its own .env.
                targets=["production", "preview"],
                sensitive=True,
                # Where the variable was declared before (a child of the database component).
                aliases=[
                    f"urn:pulumi:{ctx.stack}::{ctx.project}::farm:db:AtlasDatabase$"
                    f"vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable::{ctx.prefix}-db-connection"
                ],
            )
        )
    app = vercel_app(ctx, api_url=None, python_api=plan.components.api == "vercel", extra_env=extra)
    built.web_url = app.url
    if plan.components.api == "vercel":
        built.api_url = app.url
    return built
