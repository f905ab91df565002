"""StagePlan → components: the only place that knows the mapping.

Components know nothing of how they were chosen; the analyzer knows nothing of
Pulumi. This package reads a `StagePlan` and declares the components that plan
asks for, wiring one component's outputs into the next one's args: one module
per target (`aws`, `atlas`, `vercel`, `railway`, `docker`), what they share in
`context`. docs/development.md, "Code layout", has the map.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from analysis.errors import UserError
from analysis.models import StagePlan
from analysis.stack_config import NAMESPACE, StackSettings
from components.naming import stack_slug

from .context import BuiltStage, Context, OptionalSecretReader, SecretReader, config_secret

__all__ = ["BuiltStage", "Context", "build_stage", "stack_slug"]

# platform -> (module, function); imported on use, so a Docker stack never loads pulumi_aws.
BUILDERS = {
    "aws": ("aws", "build_aws"),
    "aws-serverless": ("aws", "build_aws"),
    "vercel": ("vercel", "build_vercel"),
    "railway": ("railway", "build_railway"),
    "docker": ("docker", "build_docker"),
}


def build_stage(
    plan: StagePlan,
    *,
    app_dir: Path,
    project_dir: Path,
    settings: StackSettings,
    secret: SecretReader,
    project: str,
    stack: str,
    optional_secret: OptionalSecretReader = config_secret,
) -> BuiltStage:
    ctx = Context(plan, app_dir, project_dir, settings, secret, project, stack, optional_secret)
    if plan.platform not in BUILDERS:
        raise UserError("unknown platform", key=f"{NAMESPACE}:platform", value=plan.platform, valid=sorted(BUILDERS))
    module, function = ("preview", "build_preview") if plan.preview is not None else BUILDERS[plan.platform]
    build = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    return build(ctx)
