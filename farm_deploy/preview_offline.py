"""Offline plans of preview stacks: dev's config when the preview has no stack file, dev's outputs.

`farm-deploy plan --stack pr-123` works before CI has created the stack: a
preview takes dev's config (CI creates it with `pulumi stack init --copy-config-from`,
https://www.pulumi.com/docs/iac/cli/commands/pulumi_stack_init/), and its stack
reference is answered with the outputs of dev's own offline plan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analysis.errors import UserError
from analysis.preview import DEFAULT_DEV_STACK, PREVIEW_STAGE, is_preview_name, pr_number
from analysis.stack_config import NAMESPACE, StackSettings


def dev_stack_name(ref: str) -> str:
    """`org/project/dev` -> `dev`: the stack file is named after the last part."""
    return ref.rsplit("/", 1)[-1]


def preview_stack_file(project_dir: Path, stack: str) -> Any | None:
    """dev's stack file as the preview's, when `stack` is `pr-<n>` and has no file of its own."""
    from farm_deploy.offline_plan import StackFile, load_stack_file
    from farm_deploy.stack_files import parse_stack_name

    if not is_preview_name(stack):
        return None
    name = parse_stack_name(stack, project_dir).name
    own = project_dir / f"Pulumi.{name}.yaml"
    if own.is_file():
        return None  # its own file decides (farm:stage may say it is no preview)
    pr_number(stack, file=str(own))
    dev_file = project_dir / f"Pulumi.{DEFAULT_DEV_STACK}.yaml"
    if not dev_file.is_file():
        raise UserError(
            f"preview {stack} has no stack file and there is no dev stack to take the config from",
            file=str(dev_file),
            key=f"{NAMESPACE}:previewDevStack",
            hint=f"create the dev stack first, or `pulumi stack init {stack} --copy-config-from <dev stack>`",
        )
    dev = load_stack_file(project_dir, DEFAULT_DEV_STACK)
    config = {k: v for k, v in dev.config.items() if k != f"{NAMESPACE}:stage"}
    config[f"{NAMESPACE}:stage"] = PREVIEW_STAGE
    return StackFile(path=dev.path, config=config)


def dev_outputs(project_dir: Path, stack: str, settings: StackSettings, *, file: str) -> dict[str, Any] | None:
    """{dev stack reference: outputs of dev's offline plan} for a preview; None for other stages."""
    from farm_deploy.offline_plan import run_plan

    if settings.resolved_stage(stack) != PREVIEW_STAGE:
        return None
    ref = settings.preview_dev_stack or DEFAULT_DEV_STACK
    name = dev_stack_name(ref)
    if not (project_dir / f"Pulumi.{name}.yaml").is_file():
        raise UserError(
            f"no dev stack {ref} to reference: a preview shares dev's network, cluster, load balancer and database",
            file=file,
            key=f"{NAMESPACE}:previewDevStack",
            value=ref,
            hint="deploy the dev stack first, or set farm:previewDevStack to the stack previews share",
        )
    dev = run_plan(project_dir, ref)
    if dev.plan.stage == PREVIEW_STAGE:
        raise UserError(
            "a preview cannot share another preview", file=file, key=f"{NAMESPACE}:previewDevStack", value=ref
        )
    return {ref: dev.outputs}
