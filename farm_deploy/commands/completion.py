"""`farm-deploy completion bash|zsh|tcsh`: a shell completion script, generated from the parser."""

from __future__ import annotations

import argparse

HELP = "print a shell completion script (bash, zsh or tcsh)"
DESCRIPTION = (
    "Prints a completion script for SHELL, generated from farm-deploy's own parser by shtab.\n"
    "bash:  farm-deploy completion bash > ~/.local/share/bash-completion/completions/farm-deploy\n"
    "zsh:   farm-deploy completion zsh > ~/.zfunc/_farm-deploy   (with ~/.zfunc in $fpath)"
)

SHELLS = ("bash", "zsh", "tcsh")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("shell", choices=SHELLS, metavar="SHELL", help="bash, zsh or tcsh")


def run(args: argparse.Namespace) -> int:
    import sys

    import shtab

    from farm_deploy.cli import PROG, build_parser

    sys.stdout.write(shtab.complete(build_parser(), shell=args.shell, root_prefix=PROG.replace("-", "_")))
    sys.stdout.write("\n")
    return 0
