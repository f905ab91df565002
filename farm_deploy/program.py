"""The Pulumi program body: config → analysis → StagePlan → components → outputs.

`__main__.py` calls `run()`; `farm-deploy plan` calls the same `run()` under the
offline engine, so what the offline plan shows is what `pulumi up` declares.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from analysis.errors import UserError
from analysis.models import StagePlan
from analysis.stack_config import NAMESPACE, StackSettings, parse_settings, split_namespace


@dataclass
class ProgramResult:
    plan: StagePlan
    settings: StackSettings


def project_dir() -> Path:
    """Where Pulumi.yaml is: the working directory under `pulumi up`."""
    from farm_deploy.stack_files import default_project_dir

    return default_project_dir()


def _all_config() -> dict[str, Any]:
    from pulumi.runtime import config as runtime_config

    values = dict(runtime_config.CONFIG.get())
    if not values:
        values = dict(runtime_config.get_config_env())
    return values


def read_settings(stack: str, base: Path) -> StackSettings:
    farm, other = split_namespace(_all_config())
    settings = parse_settings(farm, file=str(base / f"Pulumi.{stack}.yaml"), stack=stack)
    if settings.region is None and other.get("aws:region"):
        # The AWS provider's region is the stage's region unless farm:region says otherwise;
        # checked like farm:region, so `us-est-1` stops here with the nearest valid name.
        from analysis.aws_regions import check_region

        settings.region = check_region(
            str(other["aws:region"]), file=str(base / f"Pulumi.{stack}.yaml"), key="aws:region"
        )
    return settings


def make_plan(settings: StackSettings, stack: str, base: Path) -> StagePlan:
    from analysis.load import analyze_app
    from analysis.stage_plan import plan_stage

    app = Path(settings.app_path)
    if not app.is_absolute():
        app = base / app
    analysis = analyze_app(app)
    return plan_stage(analysis, settings, settings.resolved_stage(stack), stack=stack)


def require_secret(key: str, stack: str, base: Path) -> pulumi.Output[str]:
    """A secret from stack config; `map.NAME` reads one entry of a secret map (farm:apiSecrets)."""
    top, _, entry = key.partition(".")
    config = pulumi.Config(NAMESPACE)
    if entry:
        # Names were read from the same map when the plan was made, so the entry exists.
        value = config.get_secret_object(top)
        if value is not None:
            return pulumi.Output.secret(value.apply(lambda m: str(m[entry])))
    else:
        value = config.get_secret(key)
    if value is None:
        raise UserError(
            "missing required secret",
            file=str(base / f"Pulumi.{stack}.yaml"),
            key=f"{NAMESPACE}:{key}",
            hint=f"pulumi config set --secret {NAMESPACE}:{key} <value> --stack {stack}",
        )
    return value


def run(base: Path | None = None) -> ProgramResult:
    from farm_deploy.build import build_stage

    base = base or project_dir()
    stack = pulumi.get_stack()
    settings = read_settings(stack, base)
    plan = make_plan(settings, stack, base)
    app_dir = Path(settings.app_path)
    if not app_dir.is_absolute():
        app_dir = base / app_dir
    from farm_deploy.cost import component_prefix
    from farm_deploy.cost_program import install

    # Before anything is declared: it records what the cost estimate reads and tags each resource's component.
    declared = install(component_prefix(stack), stack, plan.stage)
    built = build_stage(
        plan,
        app_dir=app_dir,
        project_dir=base,
        settings=settings,
        secret=lambda key: require_secret(key, stack, base),
        project=pulumi.get_project(),
        stack=stack,
    )
    outputs = built.outputs()
    outputs["estimatedMonthlyCost"] = declared.estimate(plan.stage, plan.region)
    for key, value in outputs.items():
        pulumi.export(key, value)
    return ProgramResult(plan=plan, settings=settings)


def main() -> None:
    """Entry for the Pulumi language host (`__main__.py`)."""
    try:
        run()
    except UserError as exc:
        # RunError makes the language host fail the update with the message
        # alone; any other exception is printed with a traceback.
        raise pulumi.RunError(exc.render()) from None
