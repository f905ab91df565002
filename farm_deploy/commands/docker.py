"""farm-deploy docker compose: the `local` stack's containers as a compose.yaml."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "write compose.yaml and Dockerfiles for running a stage on one Docker host"
DESCRIPTION = (
    "Plan STAGE for a single Docker host and write what `docker compose up` needs: compose.yaml "
    "(MongoDB, Ollama, the API, the front end behind nginx, with volumes, health checks and restart "
    "policies: the same containers as the `local` Pulumi stack), the generated Dockerfiles, the "
    "nginx config and a .env.example naming the secrets to set. Existing files are kept unless --force."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from farm_deploy.commands.common import add_project_dir

    sub = parser.add_subparsers(dest="docker_command", metavar="ACTION", title="actions")
    sub.required = True
    compose = sub.add_parser("compose", help=HELP, description=DESCRIPTION)
    compose.add_argument(
        "--stage",
        required=True,
        metavar="STAGE",
        help="analyzer stage: dev, staging or prod (reads Pulumi.<STAGE>.yaml when present)",
    )
    compose.add_argument("--app", type=Path, default=None, help="the app's folder (default: the stack's farm:appPath)")
    compose.add_argument("--out", type=Path, default=None, help="folder to write to (default: <app>/deploy/docker)")
    compose.add_argument("--force", action="store_true", help="overwrite files that exist")
    compose.add_argument(
        "--gpu", action=argparse.BooleanOptionalAction, default=None, help="give Ollama the host's GPUs"
    )
    compose.add_argument("--publish-api", action="store_true", help="also publish the API on 127.0.0.1")
    compose.add_argument("--web-port", type=int, default=8080, help="host port of the web server (default: 8080)")
    add_project_dir(compose)


def run(args: argparse.Namespace) -> int:
    from analysis.errors import UserError
    from analysis.models import STAGES

    if args.stage not in STAGES:
        raise UserError("unknown stage", key="--stage", value=args.stage, valid=list(STAGES))
    if not 1 <= args.web_port <= 65535:
        raise UserError("port out of range", key="--web-port", value=args.web_port, valid=["1-65535"])

    from farm_deploy.compose import render_files, stack_spec

    project_dir = (args.project_dir or _default_project_dir()).resolve()
    settings = _stage_settings(project_dir, args.stage)
    app = args.app or Path(settings.app_path)
    if not app.is_absolute() and args.app is None:
        app = project_dir / app
    if not app.is_dir():
        raise UserError("the app folder does not exist", key="--app", value=str(app))
    plan = _plan(app, settings, args.stage)
    out = (args.out or app / "deploy" / "docker").resolve()
    gpu = args.gpu if args.gpu is not None else bool(settings.docker_gpu)
    spec = stack_spec(plan, app, gpu=gpu, publish_api=args.publish_api, web_port=args.web_port)
    files = render_files(spec, out)
    write_all(out, files, force=args.force)
    for name in files:
        print(out / name)
    print(
        f"next: cp {out / '.env.example'} {out / '.env'}, fill it in, then: docker compose -f {out / 'compose.yaml'} up -d",
        file=sys.stderr,
    )
    return 0


def write_all(out: Path, files: dict[str, str], *, force: bool) -> None:
    """Write every file or none: existing ones are refused without `force`, each write is atomic."""
    from analysis.errors import UserError
    from components.files import atomic_write

    existing = sorted(name for name in files if (out / name).exists())
    if existing and not force:
        raise UserError(
            "refusing to overwrite existing files",
            file=str(out),
            value=existing,
            hint="pass --force to replace them, or --out to write elsewhere",
        )
    if out.exists() and not out.is_dir():
        raise UserError("the output path is not a folder", file=str(out), key="--out")
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        target = out / name
        new = not target.exists()
        atomic_write(target, text)
        if new:  # a temp file is created private; these are meant to be read and committed
            target.chmod(0o644)


def _default_project_dir() -> Path:
    from farm_deploy.stack_files import default_project_dir

    return default_project_dir()


def _stage_settings(project_dir: Path, stage: str):
    """The stage's `farm:` settings, planned for one Docker host whatever its platform."""
    from analysis.stack_config import StackSettings, parse_settings, split_namespace

    path = project_dir / f"Pulumi.{stage}.yaml"
    if path.is_file():
        from farm_deploy.offline_plan import load_stack_file

        farm, _ = split_namespace(load_stack_file(project_dir, stage).config)
        settings = parse_settings(farm, file=str(path), stack=stage)
    else:
        settings = StackSettings()
    # The stage's own platform choices do not apply on a Docker host.
    return settings.model_copy(update={"platform": "docker", "web": None, "api": None, "stage": stage})


def _plan(app: Path, settings, stage: str):
    from analysis.load import analyze_app
    from analysis.stage_plan import plan_stage

    return plan_stage(analyze_app(app), settings, stage)
