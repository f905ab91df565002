"""`farm-deploy analyze`: what the app needs, where it should run, and each stage's plan and cost."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.errors import UserError

if TYPE_CHECKING:
    from analysis.models import AppAnalysis, Recommendation, StagePlan
    from analysis.scan.prescan import Prescan
    from analysis.stack_config import StackSettings

HELP = "analyze a FARM app: requirements, platform recommendation, per-stage plans and cost"
DESCRIPTION = (
    "Read a FARM app repository, recommend a platform, and plan each stage (dev, staging, prod) "
    "with the overrides of its Pulumi.<stage>.yaml. Nothing is deployed and no cloud account is needed."
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_APP = Path("examples") / "farm-chat"
EXAMPLE_HINT = (
    "pass the folder of a FARM app, e.g. `farm-deploy analyze path/to/app`; the example app is "
    "examples/farm-chat in the farm-deploy repository (a clone of it, not the installed package)"
)
# 2: each StagePlan's `release` pins the image by digest (`api_image`), `api_image_tag` is gone.
JSON_SCHEMA_VERSION = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from farm_deploy.commands.common import add_project_dir

    parser.add_argument(
        "app", nargs="?", metavar="APP", help=f"app repository (default: {DEFAULT_APP} of the farm-deploy checkout)"
    )
    parser.add_argument("--stage", metavar="STAGE", help="plan only this analyzer stage (dev, staging or prod)")
    parser.add_argument("--json", action="store_true", help="print the stable JSON report instead of the summary")
    add_project_dir(parser, old="--config-dir")


# --------------------------------------------------------------------------- shared with env / ai


def project_dir(given: str | Path | None) -> Path:
    if given:
        path = Path(given)
        if not path.is_dir():
            raise UserError("project folder does not exist", file=str(given), key="--project-dir")
        return path
    from farm_deploy.stack_files import default_project_dir

    return default_project_dir()


def app_dir(app: str | None, base: Path) -> Path:
    if app:
        path = Path(app)
    else:
        tried = list(dict.fromkeys(p / DEFAULT_APP for p in (Path.cwd(), base, REPO_ROOT)))
        path = next((p for p in tried if p.is_dir()), None)
        if path is None:
            # Installed from a wheel, REPO_ROOT is site-packages: say where the example really is.
            raise UserError("no APP given, and the example app is not in this folder", hint=EXAMPLE_HINT)
    if not path.exists():
        raise UserError("app path does not exist", file=str(path), hint="pass the folder of a FARM app")
    if not path.is_dir():
        raise UserError("app path is a file, not a folder", file=str(path), hint="pass the app's root folder")
    return path


def read_stack_settings(base: Path, stack: str) -> tuple[StackSettings | None, str]:
    """The `farm:` settings of `Pulumi.<stack>.yaml`, or None when the file does not exist."""
    from analysis.models import STAGES
    from analysis.stack_config import parse_settings, split_namespace, stack_file

    if stack not in STAGES:  # a stage's name is already a plain stack name: no YAML library to load
        from farm_deploy.stack_files import parse_stack_name

        stack = parse_stack_name(stack, base).name
    path = stack_file(base, stack)
    if not path.is_file():
        return None, str(path)
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise UserError(f"malformed YAML: {exc.problem}", file=str(path), line=line) from None
    except UnicodeDecodeError:
        raise UserError("stack file is not UTF-8 text", file=str(path)) from None
    except (YAMLError, OSError) as exc:
        raise UserError(f"cannot read stack file: {exc.__class__.__name__}", file=str(path)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict) or not isinstance(data.get("config") or {}, dict):
        raise UserError("a stack file is a mapping with a `config:` mapping", file=str(path), key="config")
    farm, _ = split_namespace(data.get("config") or {})
    return parse_settings(farm, file=str(path), stack=stack), str(path)


def selected_stages(stage: str | None) -> tuple[str, ...]:
    from analysis.models import STAGES

    if stage is None:
        return STAGES
    if stage not in STAGES:
        raise UserError("unknown stage", key="--stage", value=stage, valid=list(STAGES))
    return (stage,)


def plan_all(analysis: AppAnalysis, base: Path, stages: tuple[str, ...]) -> tuple[Recommendation, dict[str, StagePlan]]:
    from analysis.recommend import recommend
    from analysis.stack_config import StackSettings
    from analysis.stage_plan import plan_stage

    rec = recommend(analysis.requirements)
    plans: dict[str, StagePlan] = {}
    for stage in stages:
        settings, source = read_stack_settings(base, stage)
        plans[stage] = plan_stage(analysis, settings or StackSettings(), stage, source=source, recommendation=rec)
    return rec, plans


def load(args: argparse.Namespace, *, plan: bool = True) -> tuple[AppAnalysis, Recommendation, dict[str, StagePlan]]:
    """Analyze APP and, unless `plan` is false, plan the selected stages with their stack files."""
    base = project_dir(getattr(args, "project_dir", None))
    # before the models and detectors are imported: a forked child walks and reads the app meanwhile
    prescan = _start_prescan(getattr(args, "app", None), base)
    try:
        from analysis.load import analyze_app
        from farm_deploy.commands.common import slow

        if prescan is not None:
            _while_the_child_walks(plan)

        stages = selected_stages(getattr(args, "stage", None))
        path = app_dir(getattr(args, "app", None), base)
        with slow(f"analyzing {path}", alarm=True):
            analysis = analyze_app(path, prescan=prescan)
    finally:
        if prescan is not None:
            prescan.close()
    from analysis.recommend import recommend

    if not plan:
        return analysis, recommend(analysis.requirements), {}
    rec, plans = plan_all(analysis, base, stages)
    return analysis, rec, plans


def _start_prescan(app: str | None, base: Path) -> Prescan | None:
    """The forked walk of the app folder (analysis.scan.prescan), when it is one; errors are left to
    app_dir(), raised in their usual order after the stage check."""
    try:
        path = app_dir(app, base)
    except UserError:
        return None
    from analysis.scan.prescan import start

    return start(path)


def _while_the_child_walks(plan: bool) -> None:
    """Import now what the detectors and the plan import on first use: the child is still walking,
    so this time is otherwise spent waiting for it."""
    import packaging.requirements  # noqa: F401  (the dependency files' detector)

    from analysis.scan import registry

    registry()
    if plan:
        import analysis.stage_plan  # noqa: F401


# --------------------------------------------------------------------------- report


def build_report(analysis: AppAnalysis, rec: Recommendation, plans: dict[str, StagePlan]) -> dict[str, Any]:
    """The `--json` document (README: "analyze --json"). Keys are a contract: add, never rename."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "app": analysis.app_path,
        "farm_config": analysis.farm_config_file,
        "requirements": analysis.requirements.model_dump(mode="json"),
        "findings": [f.model_dump(mode="json") for f in analysis.findings],
        "recommendation": rec.model_dump(mode="json"),
        "stages": {stage: plan.model_dump(mode="json") for stage, plan in plans.items()},
        "cost": {stage: plan.cost.model_dump(mode="json") if plan.cost else None for stage, plan in plans.items()},
        "warnings": [f"{stage}: {w}" for stage, plan in plans.items() for w in plan.warnings],
    }


def run(args: argparse.Namespace) -> int:
    from farm_deploy.commands.common import console, dump_json

    analysis, rec, plans = load(args)
    if args.json:
        dump_json(build_report(analysis, rec, plans))
        return 0
    from farm_deploy.render_analysis import render

    render(analysis, rec, plans, console())
    return 0


def plan_for_stack(
    stack: str, app: str | None, project: str | Path | None
) -> tuple[AppAnalysis, Recommendation, StagePlan]:
    """Analyze the stack's app (`farm:appPath` unless APP is given) and plan the stack's stage."""
    from analysis.load import analyze_app
    from analysis.recommend import recommend
    from analysis.stack_config import StackSettings
    from analysis.stage_plan import plan_stage
    from farm_deploy.commands.common import slow
    from farm_deploy.stack_files import parse_stack_name

    base = project_dir(project)
    stack = parse_stack_name(stack, base).name
    settings, source = read_stack_settings(base, stack)
    if settings is None:
        if stack not in selected_stages(None):
            raise UserError("no stack file for this stack", file=source, hint="create it or pass --project-dir")
        settings = StackSettings()
    if app is None and settings.app_path:
        candidate = Path(settings.app_path)
        app = str(candidate if candidate.is_absolute() else base / candidate)
    path = app_dir(app, base)
    with slow(f"analyzing {path}", alarm=True):
        analysis = analyze_app(path)
    rec = recommend(analysis.requirements)
    plan = plan_stage(analysis, settings, settings.resolved_stage(stack), source=source, recommendation=rec)
    return analysis, rec, plan
