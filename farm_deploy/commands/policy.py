"""farm-deploy policy: list the guardrails, and write the policy-pack config for a stack."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

POLICY_LIST_SCHEMA_VERSION = 1
HELP = "list the policy pack's rules, or write its per-stack config (stage, waivers)"
DESCRIPTION = (
    "`policy list` prints every rule of the policy pack in policies/ with its id, level, the stages "
    "it applies to and the checkov/trivy/AWSGuard rules it mirrors. `policy config --stack S` turns "
    "the stack's farm:stage and farm:policyWaivers into the JSON file that "
    "`pulumi preview --policy-pack policies --policy-pack-config FILE` reads: the pack runs in its own "
    "process and cannot read the stack config itself."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from farm_deploy.commands.common import add_project_dir, add_stack

    sub = parser.add_subparsers(dest="policy_command", metavar="ACTION", title="actions")
    sub.required = True
    lister = sub.add_parser(
        "list",
        help="every rule: id, level, stages, mirrored checker rules",
        description="Every rule of the policy pack: id, level, kind, stages, mirrored checker rules.",
    )
    lister.add_argument("--json", action="store_true", help="print the JSON document instead of a table")
    config = sub.add_parser(
        "config",
        help="policy-pack config JSON for a stack (for --policy-pack-config)",
        description="Write the JSON file `pulumi preview --policy-pack-config FILE` reads for STACK. Its shape "
        "is Pulumi's (policy name -> settings), so it carries no schema_version.",
    )
    add_stack(config)
    add_project_dir(config)
    config.add_argument(
        "-o", "--output", type=Path, default=None, metavar="FILE", help="write to this file instead of stdout"
    )


def run(args: argparse.Namespace) -> int:
    if args.policy_command == "list":
        return _list(json_output=args.json)
    return _config(args.stack, args.project_dir, args.output)


def rule_rows() -> list[dict[str, Any]]:
    from policies.registry import RULES

    return [
        {
            "id": r.id,
            "level": r.level,
            "kind": "stack" if r.is_stack else "resource",
            "stages": list(r.stages),
            "mirrors": list(r.mirrors),
            "resource_types": list(r.resource_types),
            "description": r.description,
        }
        for r in RULES
    ]


def _list(*, json_output: bool) -> int:
    rows = rule_rows()
    if json_output:
        from farm_deploy.commands.common import dump_json

        dump_json({"schema_version": POLICY_LIST_SCHEMA_VERSION, "rules": rows})
        return 0
    width = max(len(r["id"]) for r in rows)
    from policies.rules import STAGES

    for r in rows:
        stages = "all" if set(r["stages"]) == set(STAGES) else ",".join(r["stages"])
        print(f"{r['id']:<{width}}  {r['level']:<9}  {stages:<7}  {', '.join(r['mirrors'])}")
    mandatory = sum(r["level"] == "mandatory" for r in rows)
    from analysis.wording import plural

    print(f"{plural(len(rows), 'rule')}: {mandatory} mandatory, {len(rows) - mandatory} advisory")
    return 0


def pack_config(
    stage: str, waivers: list[Any], budget: float | None = None, region: str = ""
) -> dict[str, dict[str, Any]]:
    """The `--policy-pack-config` document: level and stage for every policy, waived ones advisory."""
    from policies.registry import RULES

    reasons = {w.policy: w.reason for w in waivers}
    config: dict[str, dict[str, Any]] = {}
    for rule in RULES:
        # Every level is written out, not left to the engine's defaults, so the
        # file alone says what blocks a deployment of this stack.
        entry: dict[str, Any] = {"enforcementLevel": rule.level, "stage": stage}
        if rule.is_stack and budget is not None:
            entry["monthlyBudget"] = budget
            entry["region"] = region
        if rule.id in reasons:
            entry["enforcementLevel"] = "advisory"
            entry["waiverReason"] = reasons[rule.id]
        config[rule.id] = entry
    return config


def _config(stack: str, project_dir: Path | None, output: Path | None) -> int:
    from analysis.errors import UserError
    from analysis.stack_config import NAMESPACE, parse_settings, split_namespace
    from farm_deploy.offline_plan import load_stack_file
    from farm_deploy.program import project_dir as default_project_dir
    from farm_deploy.stack_files import parse_stack_name
    from policies.registry import BY_ID

    base = (project_dir or default_project_dir()).resolve()
    stack = parse_stack_name(stack, base).name
    stack_file = load_stack_file(base, stack)
    farm, _ = split_namespace(stack_file.config)
    settings = parse_settings(farm, file=str(stack_file.path), stack=stack)
    for waiver in settings.policy_waivers:
        if waiver.policy not in BY_ID:
            raise UserError(
                "unknown policy in a waiver",
                file=str(stack_file.path),
                key=f"{NAMESPACE}:policyWaivers",
                value=waiver.policy,
                valid=sorted(BY_ID),
                hint="`farm-deploy policy list` prints every policy id",
            )
    region = settings.region or str(stack_file.config.get("aws:region") or "us-east-1")
    config = pack_config(settings.resolved_stage(stack), settings.policy_waivers, settings.monthly_budget, region)
    text = json.dumps(config, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return 0
    _write_atomically(output, text)
    from analysis.wording import plural

    print(
        f"wrote {output} ({plural(len(settings.policy_waivers), 'waiver')}, stage {settings.resolved_stage(stack)})",
        file=sys.stderr,
    )
    return 0


def _write_atomically(path: Path, text: str) -> None:
    from analysis.errors import UserError

    directory = path.resolve().parent
    if not directory.is_dir():
        raise UserError("no such folder", file=str(directory), hint="create it or choose another --output")
    from components.files import atomic_write

    atomic_write(path, text)
