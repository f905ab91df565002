"""`farm-deploy analyze`: what the app needs, where it should run, and each stage's plan and cost."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.errors import UserError

if TYPE_CHECKING:
    from analysis.models import AppAnalysis, Recommendation, StagePlan
    from analysis.stack_config import StackSettings

HELP = "analyze a FARM app: requirements, platform recommendation, per-stage plans and cost"
DESCRIPTION = (
    "Read a FARM app repository, recommend a platform, and plan each stage (dev, staging, prod) "
    "with the overrides of its Pulumi.<stage>.yaml. Nothing is deployed and no cloud account is needed."
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_APP = Path("examples") / "farm-chat"
JSON_SCHEMA_VERSION = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("app", nargs="?", metavar="APP", help=f"app repository (default: {DEFAULT_APP})")
    parser.add_argument("--stage", metavar="S", help="plan only this stage (dev, staging or prod)")
    parser.add_argument("--json", action="store_true", help="print the stable JSON report instead of the summary")
    parser.add_argument(
        "--config-dir",
        metavar="DIR",
        help="folder holding Pulumi.<stage>.yaml stack files whose farm: keys override the defaults "
        "(default: the current folder when it has Pulumi.yaml, else the repository root)",
    )


# --------------------------------------------------------------------------- shared with env / ai


def project_dir(config_dir: str | None) -> Path:
    if config_dir:
        path = Path(config_dir)
        if not path.is_dir():
            raise UserError("config folder does not exist", file=config_dir)
        return path
    cwd = Path.cwd()
    return cwd if (cwd / "Pulumi.yaml").is_file() else REPO_ROOT


def app_dir(app: str | None, base: Path) -> Path:
    if app:
        path = Path(app)
    else:
        path = Path.cwd() / DEFAULT_APP
        if not path.is_dir():
            path = base / DEFAULT_APP
            if not path.is_dir():
                path = REPO_ROOT / DEFAULT_APP
    if not path.exists():
        raise UserError("app path does not exist", file=str(path), hint="pass the folder of a FARM app")
    if not path.is_dir():
        raise UserError("app path is a file, not a folder", file=str(path), hint="pass the app's root folder")
    return path


def read_stack_settings(base: Path, stack: str) -> tuple[StackSettings | None, str]:
    """The `farm:` settings of `Pulumi.<stack>.yaml`, or None when the file does not exist."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    from analysis.stack_config import parse_settings, split_namespace, stack_file

    path = stack_file(base, stack)
    if not path.is_file():
        return None, str(path)
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
    from analysis.load import analyze_app
    from analysis.recommend import recommend

    base = project_dir(getattr(args, "config_dir", None))
    stages = selected_stages(getattr(args, "stage", None))
    analysis = analyze_app(app_dir(getattr(args, "app", None), base))
    if not plan:
        return analysis, recommend(analysis.requirements), {}
    rec, plans = plan_all(analysis, base, stages)
    return analysis, rec, plans


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
    }


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    analysis, rec, plans = load(args)
    if args.json:
        json.dump(build_report(analysis, rec, plans), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    from farm_deploy.render_analysis import render

    render(analysis, rec, plans)
    return 0


def plan_for_stack(
    stack: str, app: str | None, config_dir: str | None
) -> tuple[AppAnalysis, Recommendation, StagePlan]:
    """Analyze the stack's app (`farm:appPath` unless APP is given) and plan the stack's stage."""
    from analysis.load import analyze_app
    from analysis.recommend import recommend
    from analysis.stack_config import StackSettings
    from analysis.stage_plan import plan_stage

    base = project_dir(config_dir)
    settings, source = read_stack_settings(base, stack)
    if settings is None:
        if stack not in selected_stages(None):
            raise UserError("no stack file for this stack", file=source, hint="create it or pass --config-dir")
        settings = StackSettings()
    if app is None and settings.app_path:
        candidate = Path(settings.app_path)
        app = str(candidate if candidate.is_absolute() else base / candidate)
    analysis = analyze_app(app_dir(app, base))
    rec = recommend(analysis.requirements)
    plan = plan_stage(analysis, settings, settings.resolved_stage(stack), source=source, recommendation=rec)
    return analysis, rec, plan
