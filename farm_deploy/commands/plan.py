"""farm-deploy plan: what `pulumi preview` would create for a stack, offline."""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import Iterator

HELP = "evaluate the Pulumi program for a stack offline: resources per component, cost, policy"
DESCRIPTION = (
    "Run this repository's Pulumi program for STACK under Pulumi's in-process mock engine: "
    "no cloud account, no Pulumi CLI, no network. Prints a summary of what `pulumi preview` would "
    "create (resources per component, the estimated monthly cost, the policy verdict, the check of the "
    "documents inside resources against AWS's own shapes, warnings); "
    "--details adds the resource tree, the counts per type and every cost item."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from farm_deploy.commands.common import add_project_dir, add_stack

    add_stack(parser)
    parser.add_argument(
        "--details", action="store_true", help="print the full resource tree, counts per type and cost items"
    )
    parser.add_argument("--json", action="store_true", help="print the documented JSON document instead")
    add_project_dir(parser)
    parser.add_argument(
        "--strict-secrets",
        action="store_true",
        help="fail when a secret the stage needs is not set in the stack file (as `pulumi up` would)",
    )
    parser.add_argument(
        "--fail-on",
        choices=["mandatory", "advisory", "never"],
        default="mandatory",
        help="exit 1 when policy violations of this level (or worse) are found (default: mandatory); "
        "a document AWS would refuse fails at either level",
    )


def run(args: argparse.Namespace) -> int:
    from farm_deploy.commands.common import dump_json, slow
    from farm_deploy.offline_plan import run_plan
    from farm_deploy.program import project_dir
    from farm_deploy.stack_files import parse_stack_name

    base = (args.project_dir or project_dir()).resolve()
    stack = parse_stack_name(args.stack, base)
    with slow(f"evaluating the program for stack {stack.name} offline"), engine_warnings() as warned:
        result = run_plan(base, stack.name, strict_secrets=args.strict_secrets)
    result.warnings.extend(w for w in warned if w not in result.warnings)
    if args.json:
        dump_json(result.to_json())
    else:
        from farm_deploy.render_plan import render_plan

        render_plan(result, details=args.details)
    return _exit_code(result, args.fail_on)


@contextlib.contextmanager
def engine_warnings() -> Iterator[list[str]]:
    """Collect what the program reports with `pulumi.log.warn` during an offline run.

    Under the mock engine those go to the root logger (pulumi/runtime/mocks.py,
    `MockEngine.Log`), which printed them bare on stderr and nowhere else: here
    they become the plan's `warnings`, printed with the others.
    """
    seen: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                seen.append(record.getMessage())

    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield seen
    finally:
        root.removeHandler(handler)


def _exit_code(result, fail_on: str) -> int:
    if fail_on == "never":
        return 0
    # A document AWS would refuse (or silently misread) fails like a mandatory violation.
    if result.documents:
        return 1
    if result.policy is None:
        return 0
    levels = {"mandatory"} if fail_on == "mandatory" else {"mandatory", "advisory"}
    return 1 if any(v["level"] in levels for v in result.policy.to_dict()["violations"]) else 0
