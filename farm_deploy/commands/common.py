"""What every command prints through: one console setup, JSON documents, counts, progress.

Not a subcommand: `farm_deploy.cli.COMMANDS` lists the modules that are.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

# Width when stdout is not a terminal (a CI log, a pipe, a file). Rich falls back
# to 80 columns there and wraps tables and long lines; a log has no width, so
# take a wide one (COLUMNS still wins when set). Tables only take what they need.
PIPE_WIDTH = 240


def console(file: IO[str] | None = None, *, stderr: bool = False) -> Any:
    """A rich Console that does not wrap in logs and does not colour numbers inside names.

    Rich's automatic highlighting colours every digit run it sees, so `us-east-1`
    or `llama3.1:8b` came out in three colours: `highlight=False` turns that off;
    colour comes only from explicit markup.
    """
    from rich.console import Console

    stream = file or (sys.stderr if stderr else sys.stdout)
    width = None
    if not _isatty(stream) and not os.environ.get("COLUMNS"):
        width = PIPE_WIDTH
    return Console(file=stream, highlight=False, width=width, soft_wrap=width is not None)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def dump_json(doc: dict[str, Any], file: IO[str] | None = None) -> None:
    """Print one JSON document (every one is an object carrying `schema_version`)."""
    if not isinstance(doc, dict) or "schema_version" not in doc:
        raise TypeError("a --json document is an object with a schema_version")
    stream = file or sys.stdout
    json.dump(doc, stream, indent=2, default=str)
    stream.write("\n")


def progress(message: str) -> None:
    """One line on stderr for work that takes more than a couple of seconds.

    On stderr so that stdout stays the command's result (a JSON document, a table).
    """
    print(f"... {message}", file=sys.stderr, flush=True)


PROJECT_DIR_HELP = (
    "folder holding Pulumi.yaml and the Pulumi.<stack>.yaml stack files "
    "(default: the current folder when it has Pulumi.yaml, else this checkout)"
)
STACK_HELP = "stack: NAME, ORG/NAME or ORG/PROJECT/NAME (reads Pulumi.<NAME>.yaml)"


class _DeprecatedAlias(argparse.Action):
    """An old spelling of an option: still accepted, hidden from help, warned about on stderr."""

    def __init__(self, *args: Any, new: str, **kwargs: Any) -> None:
        self.new = new
        super().__init__(*args, **kwargs)

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: str | None = None) -> None:
        print(f"warning: {option_string} is deprecated, use {self.new}", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_project_dir(parser: argparse.ArgumentParser, *, old: str | None = None) -> None:
    """`--project-dir DIR` (and, hidden, an old spelling of it)."""
    parser.add_argument("--project-dir", type=Path, default=None, metavar="DIR", help=PROJECT_DIR_HELP)
    if old:
        parser.add_argument(
            old, dest="project_dir", type=Path, action=_DeprecatedAlias, new="--project-dir", help=argparse.SUPPRESS
        )


def add_stack(parser: argparse.ArgumentParser, *, help: str = STACK_HELP) -> None:
    parser.add_argument("--stack", required=True, metavar="STACK", help=help)


@contextlib.contextmanager
def slow(message: str, after: float = 2.0, *, alarm: bool = False) -> Iterator[None]:
    """Say `message` on stderr if the block is still running `after` seconds in.

    Quick runs print nothing (their stderr stays clean for scripts); a long one
    (a large repository, a slow disk) shows it is working, not hung.

    `alarm`: wait with a SIGALRM timer of the main thread instead of a timer thread, for a
    block that may fork (the analyzer reads on two cores only in a single-threaded process).
    Not for blocks running the Pulumi engine, whose threads would see the signal.
    """
    if alarm and _alarm_free():
        previous = signal.signal(signal.SIGALRM, lambda *_: _progress_from_signal(message))
        signal.setitimer(signal.ITIMER_REAL, after)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return
    timer = threading.Timer(after, progress, args=(message,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _progress_from_signal(message: str) -> None:
    try:
        progress(message)
    except RuntimeError:  # the signal came in the middle of a write to stderr: go around its buffer
        os.write(2, f"... {message}\n".encode())


def _alarm_free() -> bool:
    """Whether this thread can use SIGALRM without taking it from someone: the main thread, no
    handler or timer of another part of the process."""
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) == signal.SIG_DFL  # None: a handler set outside Python
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )
