"""`farm-deploy env list|validate`: the environment a stage's API and front end need."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.errors import UserError

if TYPE_CHECKING:
    from analysis.models import StagePlan

ENV_SCHEMA_VERSION = 1
HELP = "list or validate the environment variables and secrets a stage needs (names only)"
DESCRIPTION = (
    "list: every variable the stage's API and front end get, where its value comes from and its rule. "
    "validate: check an env file against those rules (exit 1 when it breaks one). Secret values are never printed."
)

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from farm_deploy.commands.common import add_project_dir, add_stack

    sub = parser.add_subparsers(dest="action", metavar="ACTION", title="actions")
    sub.required = True
    lister = sub.add_parser(
        "list",
        help="every variable of the stage's API and front end: target, secret, source, rule",
        description="List every variable the stack's API and front end get, where its value comes from and its rule.",
    )
    validate = sub.add_parser(
        "validate",
        help="check a KEY=VALUE file against the stage's rules (exit 1 when it breaks one)",
        description="Check an env file against the rules of the stack's plan; exit 1 when it breaks one. "
        "Secret values are never printed.",
    )
    validate.add_argument("--env-file", metavar="FILE", required=True, help="KEY=VALUE file to validate")
    validate.add_argument(
        "--complete",
        action="store_true",
        help="treat every required variable as one the file must hold (for a running environment's env)",
    )
    for p in (lister, validate):
        add_stack(p)
        p.add_argument("--app", metavar="APP", help="app repository (default: the stack's farm:appPath)")
        add_project_dir(p, old="--config-dir")
        p.add_argument("--json", action="store_true", help="print the JSON document instead")


def read_env_file(path: str) -> dict[str, str]:
    """A dotenv file: KEY=VALUE lines, `export` allowed, # comments, optional quotes."""
    file = Path(path)
    if not file.exists():
        raise UserError("env file does not exist", file=path)
    if file.is_dir():
        raise UserError("env file is a folder", file=path)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserError("env file is not UTF-8 text", file=path) from None
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        match = _LINE.match(raw)
        if match is None:
            raise UserError("not a KEY=VALUE line", file=path, line=number, hint="quote values with spaces")
        key, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


def run(args: argparse.Namespace) -> int:
    from analysis.env_rules import validate_env
    from analysis.wording import plural
    from farm_deploy.commands.analyze import plan_for_stack
    from farm_deploy.commands.common import dump_json

    values = read_env_file(args.env_file) if args.action == "validate" else None
    _, _, plan = plan_for_stack(args.stack, args.app, args.project_dir)

    if args.action == "list":
        if args.json:
            dump_json(
                {
                    "schema_version": ENV_SCHEMA_VERSION,
                    "stack": args.stack,
                    "stage": plan.stage,
                    "platform": plan.platform,
                    "variables": [v.model_dump(mode="json") for v in plan.env],
                    "warnings": list(plan.warnings),
                }
            )
            return 0
        _print_list(plan)
        return 0

    errors, warnings = validate_env(plan, values or {}, complete=args.complete)
    if args.json:
        doc = {
            "schema_version": ENV_SCHEMA_VERSION,
            "stack": args.stack,
            "stage": plan.stage,
            "file": args.env_file,
            "valid": not errors,
            "errors": errors,
            "warnings": warnings,
        }
        dump_json(doc)
    else:
        for e in errors:
            print(f"error: {e}")
        for w in warnings:
            print(f"warning: {w}")
        status = "invalid" if errors else "ok"
        counts = ", ".join(
            (plural(len(plan.env), "variable"), plural(len(errors), "error"), plural(len(warnings), "warning"))
        )
        print(f"{status}: {args.env_file} against the {plan.stage} plan ({counts})")
    return 1 if errors else 0


def _print_list(plan: StagePlan) -> None:
    from rich.table import Table
    from rich.text import Text

    from farm_deploy.commands.common import console

    table = Table(title=f"environment of {plan.stage} ({plan.platform})", show_edge=False)
    for col in ("name", "target", "secret", "value / source", "rule"):
        table.add_column(col)
    for var in plan.env:
        rule = var.rule.type
        if var.rule.choices:
            rule += " " + "|".join(var.rule.choices)
        if var.rule.pattern:
            rule += f" /{var.rule.pattern}/"
        if not var.rule.required:
            rule += " (optional)"
        shown = var.source if var.secret or var.value is None else f"{var.value}"
        table.add_row(*(Text(str(c)) for c in (var.name, var.target, "yes" if var.secret else "", shown, rule)))
    console().print(table)
