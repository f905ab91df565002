"""`farm-deploy env list|validate`: the environment a stage's API and front end need."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.errors import UserError

if TYPE_CHECKING:
    from analysis.models import StagePlan

HELP = "list or validate the environment variables and secrets a stage needs (names only)"
DESCRIPTION = (
    "list: every variable the stage's API and front end get, where its value comes from and its rule. "
    "validate: check an env file against those rules (exit 1 when it breaks one). Secret values are never printed."
)

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("list", "validate"), help="list the variables, or validate an env file")
    parser.add_argument("--stack", required=True, metavar="S", help="stack name (dev, staging, prod, ...)")
    parser.add_argument("--env-file", metavar="F", help="KEY=VALUE file to validate (validate only)")
    parser.add_argument(
        "--complete",
        action="store_true",
        help="treat every required variable as one the file must hold (for a running environment's env)",
    )
    parser.add_argument("--app", metavar="APP", help="app repository (default: the stack's farm:appPath)")
    parser.add_argument("--config-dir", metavar="DIR", help="folder with the Pulumi.<stack>.yaml files")
    parser.add_argument("--json", action="store_true", help="print JSON")


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
    import json
    import sys

    from analysis.env_rules import validate_env
    from farm_deploy.commands.analyze import plan_for_stack

    if args.action == "validate" and not args.env_file:
        raise UserError(
            "validate needs --env-file", key="--env-file", hint="farm-deploy env validate --stack S --env-file .env"
        )
    values = read_env_file(args.env_file) if args.env_file else None
    _, _, plan = plan_for_stack(args.stack, args.app, args.config_dir)

    if args.action == "list":
        if args.json:
            json.dump([v.model_dump(mode="json") for v in plan.env], sys.stdout, indent=2)
            sys.stdout.write("\n")
            return 0
        _print_list(plan)
        return 0

    errors, warnings = validate_env(plan, values or {}, complete=args.complete)
    if args.json:
        doc = {"stack": args.stack, "stage": plan.stage, "valid": not errors, "errors": errors, "warnings": warnings}
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for e in errors:
            print(f"error: {e}")
        for w in warnings:
            print(f"warning: {w}")
        status = "invalid" if errors else "ok"
        print(
            f"{status}: {args.env_file} against the {plan.stage} plan ({len(plan.env)} variables, {len(errors)} errors, {len(warnings)} warnings)"
        )
    return 1 if errors else 0


def _print_list(plan: StagePlan) -> None:
    from rich.console import Console
    from rich.table import Table

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
        table.add_row(var.name, var.target, "yes" if var.secret else "", shown, rule)
    Console().print(table)
