"""`farm-deploy preview`: the pull-request preview lifecycle's checks, for CI.

- `guard --stack S`: exit 0 only for a preview stack (`pr-<n>`, optionally with
  org/project, whose stack file, if any, does not set another stage). Every
  workflow step that destroys or removes a stack runs it first.
- `destroy --stack S`: the guard, then `pulumi destroy` and `pulumi stack rm`.
- `name --pr N`: the preview stack of pull request N (refuses what is not a number).
- `comment`: the pull-request comment (URLs, health, monthly cost) from the
  stack's outputs and its offline plan.
- `sweep`: which preview stacks to remove: older than `--max-age-hours`, or
  whose pull request is no longer open.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from analysis.errors import UserError

HELP = "pull-request previews: guard, destroy, stack name, PR comment and sweeper selection (docs/previews.md)"
DESCRIPTION = (
    "Helpers for the preview workflows. `guard` refuses any stack that is not a preview stack (pr-<number>); "
    "`destroy` runs the guard, then `pulumi destroy` and `pulumi stack rm`; `name` turns a pull request number "
    "into its stack name; `comment` writes the PR comment; `sweep` lists the preview stacks to remove."
)
SWEEP_SCHEMA_VERSION = 1
GUARD_SCHEMA_VERSION = 1
COMMENT_MARKER = "<!-- farm-deploy-preview -->"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", title="actions")
    sub.required = True

    guard = sub.add_parser("guard", help="exit 0 only if the stack is a preview stack", description=guard_help())
    _stack_arguments(guard)
    guard.add_argument("--json", action="store_true", help="print {schema_version, stack, preview, pull_request}")
    guard.set_defaults(_action=run_guard)

    destroy = sub.add_parser(
        "destroy", help="guard, then pulumi destroy and pulumi stack rm", description="Refuses any non-preview stack."
    )
    _stack_arguments(destroy)
    destroy.add_argument("--dry-run", action="store_true", help="print the pulumi commands instead of running them")
    destroy.set_defaults(_action=run_destroy)

    drop = sub.add_parser(
        "drop-database",
        help="before destroy: drop the preview's own database on dev's cluster (guarded)",
        description="Reads the preview's database and its drop task from the stack's outputs, refuses a "
        "database that is not the preview's own (<dev database>-<stack>), and runs the task in dev's VPC: "
        "mongosh, as the preview's own user (dbAdmin on that database only), drops it.",
    )
    _stack_arguments(drop)
    drop.add_argument("--outputs", required=True, metavar="FILE", help="`pulumi stack output --json` of the stack")
    drop.add_argument("--dry-run", action="store_true", help="check and print what would be dropped")
    drop.set_defaults(_action=run_drop_database)

    seed = sub.add_parser(
        "seed",
        help="after the first deploy: run farm:previewSeed in the API image on the preview's new database",
        description="Runs the preview's seed task (the app's seed command, in the API's image with its "
        "environment and secrets) once, inside dev's VPC. Does nothing when the preview has no seed.",
    )
    _stack_arguments(seed)
    seed.add_argument("--outputs", required=True, metavar="FILE", help="`pulumi stack output --json` of the stack")
    seed.add_argument("--dry-run", action="store_true", help="print the task that would run")
    seed.set_defaults(_action=run_seed)

    name = sub.add_parser("name", help="the preview stack name of a pull request", description="Prints pr-<N>.")
    name.add_argument("--pr", required=True, help="the pull request number")
    name.add_argument("--org", help="the Pulumi organisation, printed as ORG/pr-<N>")
    name.set_defaults(_action=run_name)

    comment = sub.add_parser("comment", help="the pull request comment: URLs, health and cost")
    comment.add_argument("--stack", required=True, help="the preview stack")
    comment.add_argument("--outputs", required=True, metavar="FILE", help="`pulumi stack output --json` of it")
    comment.add_argument("--plan", metavar="FILE", help="`farm-deploy plan --json` of it: the idle/typical cost")
    comment.add_argument("--verify", metavar="FILE", help="`farm-deploy verify --json` of it: the health checks")
    comment.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    comment.set_defaults(_action=run_comment)

    sweep = sub.add_parser("sweep", help="the preview stacks to remove: too old, or their pull request closed")
    sweep.add_argument("--stacks", required=True, metavar="FILE", help="`pulumi stack ls --json` output")
    sweep.add_argument(
        "--open-prs", required=True, metavar="FILE", help="JSON list of open pull request numbers (`gh pr list`)"
    )
    sweep.add_argument("--max-age-hours", type=float, default=168, help="remove previews not updated for this long")
    sweep.add_argument("--now", help="ISO time to compare with (default: now, UTC)")
    sweep.add_argument("--json", action="store_true", help="print {schema_version, remove: [{stack, reason}]}")
    sweep.set_defaults(_action=run_sweep)


def _stack_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="the stack: pr-<N>, ORG/pr-<N> or ORG/PROJECT/pr-<N>")
    parser.add_argument("--project-dir", type=Path, metavar="DIR", help="folder holding Pulumi.yaml")


def guard_help() -> str:
    return (
        "Exits 0 when the stack is a pull-request preview (pr-<number>, optionally ORG/ or ORG/PROJECT/ before it, "
        "and its stack file, if there is one, does not set farm:stage to another stage); otherwise one message and "
        "exit 2. The preview workflows run it before every destroy."
    )


def run(args: argparse.Namespace) -> int:
    return int(args._action(args) or 0)


# --------------------------------------------------------------------------- guard


def check_preview_stack(stack: str, project_dir: Path | None = None) -> int:
    """The pull request number of a preview stack; a `UserError` for any other stack."""
    from analysis.preview import PREVIEW_STAGE, is_preview_name, pr_number
    from analysis.stack_config import NAMESPACE, split_namespace
    from farm_deploy.stack_files import parse_stack_name

    ref = parse_stack_name(stack)
    if not is_preview_name(ref.name):
        raise UserError(
            "refusing: not a preview stack",
            key="--stack",
            value=stack,
            hint="only pr-<pull request number> stacks are created and destroyed by the preview workflows",
        )
    number = pr_number(ref.name)
    assert number is not None
    if project_dir is not None:
        path = Path(project_dir) / f"Pulumi.{ref.name}.yaml"
        if path.is_file():
            from farm_deploy.stack_files import StackFile, to_plain

            farm, _ = split_namespace(to_plain(dict(StackFile.load(path).config)))
            stage = farm.get("stage")
            if stage not in (None, PREVIEW_STAGE):
                raise UserError(
                    f"refusing: the stack file sets stage {stage}, not {PREVIEW_STAGE}",
                    file=str(path),
                    key=f"{NAMESPACE}:stage",
                    value=stage,
                )
    return number


def run_guard(args: argparse.Namespace) -> int:
    number = check_preview_stack(args.stack, args.project_dir or _default_dir())
    if args.json:
        from farm_deploy.commands.common import dump_json

        dump_json(
            {"schema_version": GUARD_SCHEMA_VERSION, "stack": args.stack, "preview": True, "pull_request": number}
        )
    else:
        print(f"{args.stack}: preview of pull request {number}")
    return 0


def _default_dir() -> Path:
    from farm_deploy.stack_files import default_project_dir

    return default_project_dir()


def destroy_commands(stack: str) -> list[list[str]]:
    # https://www.pulumi.com/docs/iac/cli/commands/pulumi_destroy/ and .../pulumi_stack_rm/
    return [
        ["pulumi", "destroy", "--yes", "--skip-preview", "--stack", stack],
        ["pulumi", "stack", "rm", "--yes", "--stack", stack],
    ]


def run_destroy(args: argparse.Namespace) -> int:
    project_dir = args.project_dir or _default_dir()
    check_preview_stack(args.stack, project_dir)
    commands = destroy_commands(args.stack)
    if args.dry_run:
        for cmd in commands:
            print(" ".join(cmd))
        return 0
    if shutil.which("pulumi") is None:
        raise UserError("the pulumi CLI is not on PATH", hint="install it (pulumi/actions does in CI)")
    for cmd in commands:
        print("+ " + " ".join(cmd), flush=True)
        if subprocess.run(cmd, cwd=project_dir, check=False).returncode != 0:
            raise UserError(f"`{' '.join(cmd[:3])}` failed for {args.stack}", hint="see its output above")
    return 0


# --------------------------------------------------------------------------- data


def database_to_drop(stack: str, outputs: dict[str, Any], *, file: str) -> tuple[str, dict[str, Any]] | None:
    """(database, the one-off task that drops it) of a preview's own database; None when it has none."""
    from analysis.preview import preview_slug

    preview = outputs.get("preview")
    if not isinstance(preview, dict):
        raise UserError("not a preview stack's outputs (no `preview` output)", file=file, key="preview")
    database, task = preview.get("database"), preview.get("dropDatabaseTask")
    if not database:
        return None
    suffix = f"-{preview_slug(stack)}"
    if not str(database).endswith(suffix):
        raise UserError(
            f"refusing: database {database!r} is not this preview's own (…{suffix})",
            file=file,
            key="preview.database",
            value=database,
        )
    keys = ("cluster", "taskDefinitionArn", "subnets", "securityGroup")
    if not isinstance(task, dict) or any(not task.get(k) for k in keys):
        raise UserError(
            "the preview's outputs lack the task that drops its database",
            file=file,
            key="preview.dropDatabaseTask",
            hint="run `pulumi up` on the preview with this version first",
        )
    return str(database), task


def run_one_off(ecs: Any, task: dict[str, Any], *, wait_seconds: int = 600) -> int:
    """Run one of the preview's one-off tasks (drop, seed) in dev's VPC, where Atlas admits it; 0 when it succeeded.

    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html
    """
    started = ecs.run_task(
        cluster=task["cluster"],
        taskDefinition=task["taskDefinitionArn"],
        launchType="FARGATE",
        count=1,
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": list(task["subnets"]),
                "securityGroups": [task["securityGroup"]],
                "assignPublicIp": "DISABLED",
            }
        },
    )
    if started.get("failures") or not started.get("tasks"):
        reasons = "; ".join(f.get("reason", "?") for f in started.get("failures", [])) or "no task started"
        raise UserError(f"the task {task['taskDefinitionArn']} did not start: {reasons}")
    arn = started["tasks"][0]["taskArn"]
    ecs.get_waiter("tasks_stopped").wait(
        cluster=task["cluster"], tasks=[arn], WaiterConfig={"Delay": 10, "MaxAttempts": max(1, wait_seconds // 10)}
    )
    described = ecs.describe_tasks(cluster=task["cluster"], tasks=[arn])["tasks"][0]
    codes = [c.get("exitCode") for c in described.get("containers", [])]
    return 0 if codes and all(code == 0 for code in codes) else 1


def run_drop_database(args: argparse.Namespace) -> int:
    check_preview_stack(args.stack, args.project_dir or _default_dir())
    outputs = _read_json(args.outputs, "outputs")
    if not isinstance(outputs, dict):
        raise UserError("stack outputs must be a JSON object", file=args.outputs)
    found = database_to_drop(args.stack, outputs, file=args.outputs)
    if found is None:
        print(f"{args.stack}: no database")
        return 0
    database, task = found
    if args.dry_run:
        print(f"would drop database {database} with task {task['taskDefinitionArn']}")
        return 0
    import boto3

    if run_one_off(boto3.client("ecs"), task) != 0:
        raise UserError(f"dropping database {database} failed", hint="see the task's log stream `drop-database/...`")
    print(f"dropped database {database}")
    return 0


def run_seed(args: argparse.Namespace) -> int:
    check_preview_stack(args.stack, args.project_dir or _default_dir())
    outputs = _read_json(args.outputs, "outputs")
    preview = outputs.get("preview") if isinstance(outputs, dict) else None
    if not isinstance(preview, dict):
        raise UserError("not a preview stack's outputs (no `preview` output)", file=args.outputs, key="preview")
    task = preview.get("seedTask")
    if not task:
        print(f"{args.stack}: no seed (farm:previewSeed): the database starts empty")
        return 0
    if args.dry_run:
        print(f"would seed {preview.get('database')} with task {task['taskDefinitionArn']}")
        return 0
    import boto3

    if run_one_off(boto3.client("ecs"), task) != 0:
        raise UserError("the seed command failed", hint="see the task's log stream `seed/...`")
    print(f"seeded database {preview.get('database')}")
    return 0


# --------------------------------------------------------------------------- name


def run_name(args: argparse.Namespace) -> int:
    text = str(args.pr).strip()
    if not text.isdigit() or int(text) < 1:
        raise UserError("a pull request number is a positive whole number", key="--pr", value=args.pr)
    name = f"pr-{int(text)}"
    print(f"{args.org}/{name}" if args.org else name)
    return 0


# --------------------------------------------------------------------------- comment


def _read_json(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"no such {what} file", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the {what} file: {exc}", file=path) from None
    except json.JSONDecodeError as exc:
        raise UserError(f"not JSON: {exc.msg}", file=path, line=exc.lineno) from None


def render_comment(
    stack: str, outputs: dict[str, Any], plan: dict[str, Any] | None, verify: dict[str, Any] | None
) -> str:
    lines = [COMMENT_MARKER, f"### Preview `{stack}`", ""]
    web = outputs.get("webUrl")
    lines.append(f"- **App:** {web}" if web else "- **App:** not deployed")
    for name, url in sorted((outputs.get("healthUrls") or {}).items()):
        lines.append(f"- health `{name}`: {url}")
    cost = (plan or {}).get("cost") or {}
    if cost:
        lines.append(
            f"- **Monthly cost of this preview:** {cost.get('idle', 0):,.2f} {cost.get('currency', 'USD')} idle, "
            f"{cost.get('typical', cost.get('total', 0)):,.2f} typical (priced from what it declares; "
            "dev's shared parts are not counted)"
        )
    elif outputs.get("estimatedMonthlyCost") is not None:
        lines.append(f"- **Monthly cost of this preview:** {outputs['estimatedMonthlyCost']:,.2f} USD typical")
    if verify is not None:
        ok = verify.get("ok")
        lines.append(f"- **Health:** {'all checks pass' if ok else 'FAILING'}")
        for check in verify.get("checks", []):
            if not check.get("ok"):
                lines.append(f"  - {check.get('name')}: {check.get('detail')}")
    lines += ["", "Removed when the pull request closes (or by the nightly sweeper)."]
    return "\n".join(lines) + "\n"


def run_comment(args: argparse.Namespace) -> int:
    outputs = _read_json(args.outputs, "outputs")
    if not isinstance(outputs, dict):
        raise UserError("stack outputs must be a JSON object", file=args.outputs)
    plan = _read_json(args.plan, "plan") if args.plan else None
    verify = _read_json(args.verify, "verify") if args.verify else None
    text = render_comment(args.stack, outputs, plan, verify)
    if args.output:
        from components.files import write_if_changed

        write_if_changed(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return 0


# --------------------------------------------------------------------------- sweep


def _when(text: str, where: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UserError("not an ISO date and time", key=where, value=text) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def stacks_to_remove(
    stacks: list[dict[str, Any]], open_prs: set[int], *, max_age_hours: float, now: dt.datetime
) -> list[dict[str, str]]:
    """Preview stacks to remove, with why: a closed pull request, or no update for `max_age_hours`."""
    from analysis.preview import is_preview_name, pr_number

    remove = []
    for entry in stacks:
        name = str(entry.get("name", ""))
        short = name.rsplit("/", 1)[-1]
        if not is_preview_name(short):
            continue  # dev, staging, prod and anything else: never
        try:
            number = pr_number(short)
        except UserError:
            continue
        if number not in open_prs:
            remove.append({"stack": name, "reason": f"pull request {number} is not open"})
            continue
        updated = entry.get("lastUpdate")
        if updated and (now - _when(str(updated), f"{name}.lastUpdate")).total_seconds() > max_age_hours * 3600:
            remove.append({"stack": name, "reason": f"not updated for more than {max_age_hours:g} hours"})
    return remove


def run_sweep(args: argparse.Namespace) -> int:
    stacks = _read_json(args.stacks, "stacks")
    prs = _read_json(args.open_prs, "open pull requests")
    if not isinstance(stacks, list):
        raise UserError("`pulumi stack ls --json` prints a list", file=args.stacks)
    if not isinstance(prs, list) or not all(isinstance(p, int) or str(p).isdigit() for p in prs):
        raise UserError("a JSON list of pull request numbers", file=args.open_prs)
    if args.max_age_hours <= 0:
        raise UserError("a positive number of hours", key="--max-age-hours", value=args.max_age_hours)
    now = _when(args.now, "--now") if args.now else dt.datetime.now(dt.UTC)
    remove = stacks_to_remove(stacks, {int(p) for p in prs}, max_age_hours=args.max_age_hours, now=now)
    if args.json:
        from farm_deploy.commands.common import dump_json

        dump_json({"schema_version": SWEEP_SCHEMA_VERSION, "remove": remove})
    else:
        for item in remove:
            print(item["stack"])
    return 0
