"""farm-deploy plan: what `pulumi preview` would create for a stack, offline."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HELP = "evaluate the Pulumi program for a stack offline: resource tree, cost, policy"
DESCRIPTION = (
    "Run this repository's Pulumi program for STACK under Pulumi's in-process mock engine: "
    "no cloud account, no Pulumi CLI, no network. Prints the resources `pulumi preview` would "
    "create as a tree, counts per type, the estimated monthly cost and policy violations."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="stack name: reads Pulumi.<STACK>.yaml")
    parser.add_argument("--json", action="store_true", help="print the documented JSON document instead")
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=None,
        help="folder holding Pulumi.yaml (default: current folder if it has one, else this checkout)",
    )
    parser.add_argument(
        "--strict-secrets",
        action="store_true",
        help="fail when a secret the stage needs is not set in the stack file (as `pulumi up` would)",
    )
    parser.add_argument(
        "--fail-on",
        choices=["mandatory", "advisory", "never"],
        default="mandatory",
        help="exit 1 when policy violations of this level (or worse) are found (default: mandatory)",
    )


def run(args: argparse.Namespace) -> int:
    from farm_deploy.offline_plan import run_plan
    from farm_deploy.program import project_dir

    base = (args.project_dir or project_dir()).resolve()
    result = run_plan(base, args.stack, strict_secrets=args.strict_secrets)
    if args.json:
        json.dump(result.to_json(), sys.stdout, indent=2, sort_keys=False, default=str)
        sys.stdout.write("\n")
    else:
        from farm_deploy.render_plan import render_plan

        render_plan(result)
    return _exit_code(result, args.fail_on)


def _exit_code(result, fail_on: str) -> int:
    if result.policy is None or fail_on == "never":
        return 0
    levels = {"mandatory"} if fail_on == "mandatory" else {"mandatory", "advisory"}
    return 1 if any(v["level"] in levels for v in result.policy.to_dict()["violations"]) else 0
