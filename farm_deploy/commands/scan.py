"""farm-deploy scan: the offline plan, converted to a Terraform plan, checked by checkov."""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis.wording import plural

HELP = "check a stack's offline plan with checkov, against the accepted findings in policies/"
DESCRIPTION = (
    "Evaluate the Pulumi program for STACK offline (as `plan` does), convert the AWS resources to a "
    "Terraform plan JSON and run checkov's terraform_plan checks on it, offline. Each failed check is "
    "either accepted by an entry of policies/scanner-accepted.yaml (check id, resource pattern, stages, "
    "reason) or makes the command exit 1. checkov is an optional extra (`pip install 'farm-deploy[scan]'` "
    "in its own virtualenv): found through --checkov, $FARM_CHECKOV, .venv-scan/ or PATH. "
    "See docs/security.md."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from farm_deploy.commands.common import add_project_dir, add_stack

    add_stack(parser)
    parser.add_argument("--json", action="store_true", help="print the documented JSON document instead")
    add_project_dir(parser)
    parser.add_argument("--checkov", default=None, metavar="PATH", help="the checkov executable to run")
    parser.add_argument(
        "--accepted",
        type=Path,
        default=None,
        metavar="FILE",
        help="accepted findings (default: policies/scanner-accepted.yaml in the project folder)",
    )
    parser.add_argument(
        "--write-plan",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the Terraform plan JSON given to checkov to FILE",
    )
    parser.add_argument(
        "--fail-on-stale",
        action="store_true",
        help="exit 1 as well when an accepted entry for this stage matched no failure (CI sets it)",
    )


def run(args: argparse.Namespace) -> int:
    from farm_deploy.commands.common import dump_json, slow
    from farm_deploy.program import project_dir
    from farm_deploy.scan import scan
    from farm_deploy.stack_files import parse_stack_name

    base = (args.project_dir or project_dir()).resolve()
    stack = parse_stack_name(args.stack, base)
    with slow(f"evaluating stack {stack.name} offline and running checkov"):
        result = scan(base, stack.name, checkov=args.checkov, accepted_file=args.accepted, plan_out=args.write_plan)
    result.stack = args.stack
    if args.json:
        dump_json(result.to_json())
    else:
        _render(result)
    return exit_code(result, fail_on_stale=args.fail_on_stale)


def exit_code(result, *, fail_on_stale: bool) -> int:
    if result.unaccepted or result.converted.unknown_types:
        return 1
    if fail_on_stale and result.stale:
        return 1
    return 0


def _render(result) -> None:
    doc = result.to_json()
    s = doc["summary"]
    if not doc["converted"]:
        print(f"stack {result.stack} (stage {result.stage}): no AWS resources, nothing for checkov to scan")
        return
    print(
        f"stack {result.stack} (stage {result.stage}): {doc['converted']} resources scanned by checkov {result.version}, "
        f"{s['passed']} checks passed, {s['failed']} failed ({s['accepted']} accepted, {s['unaccepted']} not)"
    )
    for f in doc["findings"]:
        mark = "accepted" if f["status"] == "accepted" else "FAILED  "
        print(f"  {mark} {f['check_id']:<12} {f['resource']}  {f['check_name']}")
    for entry in doc["stale"]:
        print(
            f"  stale    {entry['check']:<12} {entry['resource']}: accepted for stage {result.stage} but no longer fails; "
            f"remove it from {result.accepted_file} (or narrow its stages)"
        )
    for token in doc["unknown_types"]:
        print(f"  unmapped {token}: no Terraform type known, so it was not scanned (farm_deploy/scan.py TF_TYPES)")
    if s["unaccepted"]:
        print(
            f"{plural(s['unaccepted'], 'failure')} neither fixed nor accepted: fix them, or accept them with a reason in {result.accepted_file}"
        )
