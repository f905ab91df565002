"""`farm-deploy`: one entry point for the helpers around the Pulumi program.

Each subcommand lives in `farm_deploy/commands/<name>.py` and exposes `HELP`,
`add_arguments(parser)` and `run(args) -> int`; modules import their heavy
dependencies (pulumi, boto3) inside `run`, so `--help` stays fast.

`build_parser()` builds the whole parser and runs nothing: the CLI reference
and the shell completion scripts are generated from it.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

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


class _Version(argparse._VersionAction):
    """`--version`, the version looked up only when asked: importlib.metadata costs every other command ~15 ms."""

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        self.version = f"%(prog)s {version()}"
        super().__call__(parser, *args, **kwargs)


def _available(only: str | None = None) -> dict[str, ModuleType]:
    modules: dict[str, ModuleType] = {}
    for name, module in COMMANDS.items():
        if only is not None and name != only:
            continue
        try:
            modules[name] = importlib.import_module(f"farm_deploy.commands.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"farm_deploy.commands.{module}":
                raise
    return modules


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The complete `farm-deploy` parser, every subcommand included; runs nothing.

    `only`: that subcommand alone, for running it (`main`): importing the modules of all
    the others would cost a run of `analyze` a fifth of its time.
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Analyze a FARM app and plan, promote and operate its Pulumi stacks.",
    )
    parser.add_argument("--version", action=_Version, help="print the version")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    sub.required = True
    for name, module in _available(only).items():
        cmd = sub.add_parser(
            name,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
        )
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    # `farm-deploy CMD ...`: every later argument is CMD's, so CMD's parser alone parses the same
    parser = build_parser(only=given[0] if given and given[0] in COMMANDS else None)
    args = parser.parse_args(given)
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


def entry() -> None:
    """The `farm-deploy` executable: `main()`, then a quick exit.

    Tearing the interpreter down (freeing every module, pydantic's schemas, the detectors' tables)
    took about 25 ms, a tenth, of `analyze --json` on the benchmark tree (benchmarks/bench_analyzer.py),
    with nothing left to do. So once the exit handlers have run and the output is flushed, the
    process ends with `os._exit`; with a thread besides the main one still running (which a normal
    exit would wait for), it exits normally. Tests call `main()`, which returns.
    """
    code = main()
    import threading

    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()  # what a normal exit runs first (logging's shutdown, finalizers)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass  # the reader left (`| head`): main() treats that as success too
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
