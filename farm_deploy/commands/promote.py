"""`farm-deploy promote FROM TO`: copy the release pins from one stack file to another."""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path
from typing import Any

from analysis.errors import UserError
from analysis.stack_config import NAMESPACE, PROMOTABLE_KEYS
from farm_deploy import release
from farm_deploy.stack_files import (
    GitUnavailableError,
    StackFile,
    committed_text,
    default_project_dir,
    has_uncommitted_changes,
    stack_path,
)

PROMOTE_SCHEMA_VERSION = 1
HELP = "copy the release pins (image tag, web version, models) from one stack to another"
DESCRIPTION = (
    "Copies the release pins ("
    + ", ".join(f"{NAMESPACE}:{k}" for k in PROMOTABLE_KEYS)
    + ") from Pulumi.FROM.yaml to Pulumi.TO.yaml, prints the diff and writes the target atomically, "
    "keeping its comments, key order and secrets. Keys that differ by design (sizes, counts, domains, "
    "certificates, database tier, ...) are never copied. The next `pulumi up --stack TO` rolls the release out; "
    "rolling back is promoting (or `farm-deploy rollback`) the previous pin."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from farm_deploy.commands.common import add_project_dir

    parser.add_argument("source", metavar="FROM", help="stack to copy the pins from, e.g. dev or myorg/dev")
    parser.add_argument("target", metavar="TO", help="stack to copy the pins to, e.g. prod or myorg/prod")
    parser.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    parser.add_argument(
        "--force", action="store_true", help="overwrite pins that have uncommitted edits in the target file"
    )
    parser.add_argument(
        "--key",
        action="append",
        metavar="KEY",
        help="promote only this config key (repeatable; default: all of "
        + ", ".join(f"{NAMESPACE}:{k}" for k in PROMOTABLE_KEYS)
        + ")",
    )
    add_project_dir(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from farm_deploy.stack_files import parse_stack_name

    project = resolve_project_dir(args.project_dir)
    source_name = parse_stack_name(args.source, project)
    target_name = parse_stack_name(args.target, project)
    if source_name.name == target_name.name:
        raise UserError("FROM and TO are the same stack", value=args.source)
    keys = release.select_keys(args.key)
    source = StackFile.load(stack_path(project, source_name))
    target = StackFile.load(stack_path(project, target_name))

    new_pins = read_stack_pins(source, keys)
    if not new_pins:
        raise UserError(
            "the source stack pins no release",
            file=source.label,
            valid=[f"{NAMESPACE}:{k}" for k in keys],
            hint=f"set them first, e.g. `pulumi config set {NAMESPACE}:apiImageTag TAG --stack {args.source}`",
        )
    old_pins = read_stack_pins(target, keys)
    changes = release.diff_pins(old_pins, new_pins, keys)
    notes = guard_uncommitted(
        target, [c.key for c in changes if c.action != "same"], force=args.force, dry_run=args.dry_run
    )
    updated = apply_changes(target, changes, keys)
    written = write_if_changed(target, updated, dry_run=args.dry_run)

    report = {
        "schema_version": PROMOTE_SCHEMA_VERSION,
        "from": args.source,
        "to": args.target,
        "file": str(target.path),
        "dry_run": bool(args.dry_run),
        "written": written,
        "changes": [c.to_dict() for c in changes],
        "not_promoted": [f"{NAMESPACE}:{k}" for k in release.by_design_differences(source.farm(), target.farm())],
        "diff": unified_diff(target, updated),
        "notes": notes,
        "next": f"pulumi up --stack {args.target}"
        if written or (args.dry_run and target.text != updated.text)
        else None,
    }
    if args.json:
        from farm_deploy.commands.common import dump_json

        dump_json(report)
    else:
        print_report(report, title=f"promote {args.source} → {args.target}")
    return 0


# -------------------------------------------------------------------- shared with rollback


def resolve_project_dir(arg: Path | None) -> Path:
    project = Path(arg) if arg else default_project_dir()
    if not project.is_dir():
        raise UserError("no such folder", file=str(project), hint="--project-dir takes the folder holding Pulumi.yaml")
    return project


def read_stack_pins(stack: StackFile, keys: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return release.read_pins(stack.farm(), keys, file=stack.label, lines={k: stack.line_of(k) for k in keys})


def apply_changes(stack: StackFile, changes: list[release.PinChange], keys: tuple[str, ...]) -> StackFile:
    """The stack file with each change made; new pins go after the pin before them."""
    for change in changes:
        if change.action == "remove":
            stack = stack.remove(change.key)
        elif change.action in ("add", "change"):
            before = [k for k in keys[: keys.index(change.key)] if stack.has(k)]
            stack = stack.set(change.key, change.new, after=before[-1] if before else None)
    return stack


def guard_uncommitted(stack: StackFile, keys: list[str], *, force: bool, dry_run: bool = False) -> list[str]:
    """Refuse to overwrite pins edited since the last commit, unless forced. Returns notes.

    A dry run writes nothing, so it reports what a real run would refuse instead of refusing.
    """
    if not keys:
        return []
    try:
        dirty = has_uncommitted_changes(stack.path)
        head_text = committed_text(stack.path, "HEAD") if dirty else None
    except GitUnavailableError as exc:
        return [f"{exc}: skipped the check for uncommitted edits"]
    if not dirty:
        return []
    if head_text is None:
        edited = [k for k in keys if stack.has(k)]
        why = "is not committed to git"
    else:
        head = StackFile.parse(head_text, stack.path, label=f"HEAD:{stack.path.name}")
        edited = [k for k in keys if head.get(k) != stack.get(k)]
        why = "has uncommitted edits to the release pins"
    if not edited:
        return []
    names = ", ".join(f"{NAMESPACE}:{k}" for k in edited)
    if force:
        return [f"--force: overwriting uncommitted edits to {names}"]
    if dry_run:
        return [f"{stack.path.name} {why} ({names}): without --force a real run refuses"]
    raise UserError(
        why,
        file=stack.label,
        line=stack.line_of(edited[0]),
        key=f"{NAMESPACE}:{edited[0]}",
        valid=None,
        hint=f"commit or discard them first (git diff -- {stack.path.name}), or pass --force to overwrite {names}",
    )


def write_if_changed(old: StackFile, new: StackFile, *, dry_run: bool) -> bool:
    if dry_run or new.text == old.text:
        return False
    try:
        new.write()
    except OSError as exc:
        raise UserError(
            f"could not write the stack file ({exc.strerror or exc}); it was left as it was",
            file=str(old.path),
            hint="check the folder's permissions and free space, then run the command again",
        ) from None
    return True


def unified_diff(old: StackFile, new: StackFile) -> str:
    name = old.path.name
    return "".join(
        difflib.unified_diff(
            old.text.splitlines(keepends=True), new.text.splitlines(keepends=True), f"a/{name}", f"b/{name}"
        )
    )


def _show(value: Any) -> str:
    if value is None:
        return "(not set)"
    return ", ".join(value) if isinstance(value, list) else str(value)


def print_report(report: dict[str, Any], *, title: str) -> None:
    from rich.table import Table

    from farm_deploy.commands.common import console as make_console

    console = make_console()
    table = Table(title=title, title_justify="left")
    table.add_column("key")
    table.add_column("current")
    table.add_column("new")
    table.add_column("")
    for change in report["changes"]:
        action = change["action"]
        _row(
            table,
            change["key"],
            _show(change["from"]),
            _show(change["to"]),
            "unchanged" if action == "same" else action,
        )
    console.print(table)
    if report["diff"]:
        console.print(report["diff"], end="", markup=False)
    else:
        console.print("no change: the target already has these pins", markup=False)
    if report.get("not_promoted"):
        keys = ", ".join(report["not_promoted"])
        console.print(f"left as they are (they differ by design): {keys}", markup=False)
    for note in report["notes"]:
        console.print(f"note: {note}", markup=False)
    if report["dry_run"]:
        console.print(f"dry run: {report['file']} not written", markup=False)
    elif report["written"]:
        console.print(f"wrote {report['file']}", markup=False)
    if report.get("next"):
        console.print(f"next: {report['next']}", markup=False)


def _row(table: Any, *cells: Any) -> None:
    from rich.text import Text

    table.add_row(*(Text(str(c)) for c in cells))
