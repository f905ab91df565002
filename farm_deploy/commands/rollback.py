"""`farm-deploy rollback --stack S`: put back the previous release pins from git history."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from analysis.errors import UserError
from analysis.stack_config import NAMESPACE, PROMOTABLE_KEYS
from farm_deploy import release
from farm_deploy.commands.promote import (
    apply_changes,
    guard_uncommitted,
    print_report,
    read_stack_pins,
    resolve_project_dir,
    unified_diff,
    write_if_changed,
)
from farm_deploy.stack_files import (
    GitUnavailableError,
    StackFile,
    committed_text,
    file_history,
    git_root,
    resolve_rev,
    stack_path,
)

ROLLBACK_SCHEMA_VERSION = 1
HELP = "put back the previous release pins of a stack from its git history"
DESCRIPTION = (
    "Finds the most recent commit of Pulumi.S.yaml whose release pins ("
    + ", ".join(f"{NAMESPACE}:{k}" for k in PROMOTABLE_KEYS)
    + ") differ from the current ones (or takes those at --to REV), writes them back atomically keeping "
    "the file's comments, order and secrets, shows the diff and prints the `pulumi up` to run."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from farm_deploy.commands.common import STACK_HELP, add_project_dir, add_stack

    add_stack(parser, help="the stack to roll back; " + STACK_HELP)
    parser.add_argument("--to", metavar="REV", help="take the pins of the stack file at this git revision")
    parser.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    parser.add_argument("--force", action="store_true", help="overwrite pins that have uncommitted edits")
    add_project_dir(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from farm_deploy.stack_files import parse_stack_name

    project = resolve_project_dir(args.project_dir)
    path = stack_path(project, parse_stack_name(args.stack, project))
    current = StackFile.load(path)
    try:
        git_root(path)
    except GitUnavailableError as exc:
        raise UserError(
            f"rollback reads the stack file's git history: {exc}",
            file=str(path),
            hint="commit the stack files to git, or set the previous pins with `farm-deploy promote` / by hand",
        ) from None

    cur_pins = read_stack_pins(current, PROMOTABLE_KEYS)
    commit, subject, old_pins = _pins_at(path, args.to) if args.to else _previous_pins(path, cur_pins)
    changes = release.diff_pins(cur_pins, old_pins, PROMOTABLE_KEYS)
    notes = guard_uncommitted(
        current, [c.key for c in changes if c.action != "same"], force=args.force, dry_run=args.dry_run
    )
    updated = apply_changes(current, changes, PROMOTABLE_KEYS)
    written = write_if_changed(current, updated, dry_run=args.dry_run)
    changed = current.text != updated.text

    report: dict[str, Any] = {
        "schema_version": ROLLBACK_SCHEMA_VERSION,
        "stack": args.stack,
        "file": str(path),
        "commit": commit,
        "subject": subject,
        "dry_run": bool(args.dry_run),
        "written": written,
        "changes": [c.to_dict() for c in changes],
        "diff": unified_diff(current, updated),
        "notes": notes,
        "next": f"pulumi up --stack {args.stack}" if changed else None,
    }
    if args.json:
        from farm_deploy.commands.common import dump_json

        dump_json(report)
    else:
        print_report(report, title=f"rollback {args.stack} to {commit[:12]} ({subject})")
    return 0


def _parse_at(path: Path, commit: str, text: str) -> dict[str, Any]:
    label = f"{commit[:12]}:{path.name}"
    return read_stack_pins(StackFile.parse(text, path, label=label), PROMOTABLE_KEYS)


def _subject(path: Path, commit: str) -> str:
    for sha, subject in file_history(path):
        if sha == commit:
            return subject
    return ""


def _pins_at(path: Path, rev: str) -> tuple[str, str, dict[str, Any]]:
    commit = resolve_rev(path, rev)
    text = committed_text(path, commit)
    if text is None:
        raise UserError(f"{path.name} does not exist at {rev}", file=str(path), value=rev)
    pins = _parse_at(path, commit, text)
    if not pins:
        raise UserError(f"{path.name} pins no release at {rev}", file=f"{rev}:{path.name}", value=rev)
    return commit, _subject(path, commit), pins


def _previous_pins(path: Path, current: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    for commit, subject in file_history(path):
        text = committed_text(path, commit)
        if text is None:
            continue
        try:
            pins = _parse_at(path, commit, text)
        except UserError:
            continue  # a broken historical version is not a release to go back to
        if pins and pins != current:
            return commit, subject, pins
    raise UserError(
        "no earlier commit of the stack file has different release pins",
        file=str(path),
        hint="pass --to REV, or set the pins with `farm-deploy promote`",
    )
