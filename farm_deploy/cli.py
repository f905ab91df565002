"""`farm-deploy`: one entry point for the helpers around the Pulumi program.

Each subcommand lives in `farm_deploy/commands/<name>.py` and exposes `HELP`,
`add_arguments(parser)` and `run(args) -> int`; modules import their heavy
dependencies (pulumi, boto3) inside `run`, so `--help` stays fast.

`build_parser()` builds the whole parser and runs nothing: the CLI reference
and the shell completion scripts are generated from it.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from analysis.errors import UserError

PROG = "farm-deploy"

# subcommand name -> module under farm_deploy.commands
COMMANDS: dict[str, str] = {
    "analyze": "analyze",
    "plan": "plan",
    "release": "release",
    "promote": "promote",
    "env": "env",
    "ai": "ai",
    "verify": "verify",
    "status": "status",
    "logs": "logs",
    "rollback": "rollback",
    "docker": "docker",
    "policy": "policy",
    "scan": "scan",
    "completion": "completion",
    "cost": "cost",
    "rotate": "rotate",
    "preview": "preview",
}


def version() -> str:
    """The installed distribution's version (pyproject's `version`)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version(PROG)
    except PackageNotFoundError:
        return "unknown (not installed: `pip install .` in the checkout)"


def _available() -> dict[str, ModuleType]:
    modules: dict[str, ModuleType] = {}
    for name, module in COMMANDS.items():
        try:
            modules[name] = importlib.import_module(f"farm_deploy.commands.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"farm_deploy.commands.{module}":
                raise
    return modules


def build_parser() -> argparse.ArgumentParser:
    """The complete `farm-deploy` parser, every subcommand included; runs nothing."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Analyze a FARM app and plan, promote and operate its Pulumi stacks.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}", help="print the version")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    sub.required = True
    for name, module in _available().items():
        cmd = sub.add_parser(
            name,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
        )
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except UserError as exc:
        print(exc.render(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
