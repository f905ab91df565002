"""farm-deploy cost: what a change costs before it merges, and what a stage cost afterwards."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from analysis.errors import UserError

HELP = "monthly cost change against a git ref (diff), the PR comment (comment), spend vs estimate (actual)"
DESCRIPTION = (
    "diff: plan STACK offline at --base (a temporary git worktree) and in the working tree, and print the "
    "monthly change per component and per item, idle and typical, with the reason (added, removed, resized, "
    "price changed). comment: one pull-request comment from several `diff --json` files, under GitHub's size "
    "limit. actual: AWS Cost Explorer spend per farm:component tag against the estimate. See docs/cost.md."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from farm_deploy.commands.common import add_project_dir, add_stack

    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    diff = sub.add_parser("diff", help="monthly cost change of a stack between --base and the working tree")
    add_stack(diff)
    diff.add_argument("--base", required=True, metavar="REF", help="git ref to compare with (e.g. origin/main)")
    diff.add_argument("--json", action="store_true", help="print the versioned JSON document")
    diff.add_argument("--markdown", action="store_true", help="print the pull-request comment section")
    add_project_dir(diff)

    comment = sub.add_parser("comment", help="the pull-request comment from `cost diff --json` files")
    comment.add_argument("files", nargs="+", type=Path, help="cost diff JSON documents, one per stack")
    comment.add_argument("-o", "--output", type=Path, required=True, help="write the comment here (atomically)")

    actual = sub.add_parser("actual", help="AWS Cost Explorer spend per component vs the estimate")
    add_stack(actual)
    actual.add_argument("--days", type=int, default=30, help="days of spend to read, ending today (default 30)")
    actual.add_argument("--json", action="store_true", help="print the versioned JSON document")
    add_project_dir(actual)


def run(args: argparse.Namespace) -> int:
    if args.action == "diff":
        return _diff(args)
    if args.action == "comment":
        return _comment(args)
    return _actual(args)


def _project(args: argparse.Namespace) -> Path:
    from farm_deploy.program import project_dir

    return (args.project_dir or project_dir()).resolve()


def _diff(args: argparse.Namespace) -> int:
    from farm_deploy.commands.common import dump_json, slow
    from farm_deploy.cost_diff import cost_diff, markdown

    with slow(f"planning {args.stack} at {args.base} and in the working tree"):
        doc = cost_diff(_project(args), args.stack, args.base)
    if args.json:
        dump_json(doc)
    elif args.markdown:
        sys.stdout.write(markdown(doc))
    else:
        _print_diff(doc)
    return 0


def _print_diff(doc: dict) -> None:
    change = doc["change"]
    print(f"stack {doc['stack']} ({doc['stage']}, {doc['region']}) against {doc['base']} ({doc['base_commit'][:12]})")
    if doc["base_cost"] is None:
        print("the stack does not exist at the base: every item is added")
    else:
        base = doc["base_cost"]
        print(f"  base   idle {base['idle']:>10,.2f}  typical {base['typical']:>10,.2f} {doc['currency']}/month")
    head = doc["head_cost"]
    print(f"  head   idle {head['idle']:>10,.2f}  typical {head['typical']:>10,.2f} {doc['currency']}/month")
    print(f"  change idle {change['idle']:>+10,.2f}  typical {change['typical']:>+10,.2f}")
    if doc["components"]:
        print("per component (idle, typical):")
        for c in doc["components"]:
            print(f"  {c['component']:<14} {c['idle_change']:>+10,.2f} {c['typical_change']:>+10,.2f}")
    if doc["items"]:
        print("per item (idle, typical, reason):")
        for r in doc["items"]:
            print(
                f"  {r['component']:<14} {r['item']:<48} {r['idle_change']:>+10,.2f} "
                f"{r['typical_change']:>+10,.2f}  {r['reason']}"
            )
    for w in doc["warnings"]:
        print(f"warning: {w}")


def _comment(args: argparse.Namespace) -> int:
    from farm_deploy.cost_diff import DIFF_SCHEMA_VERSION, comment, markdown
    from farm_deploy.stack_files import atomic_write

    sections, unchanged = [], []
    for path in args.files:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UserError("not a cost diff JSON document", file=str(path), hint=str(exc)[:200]) from None
        if not isinstance(doc, dict) or doc.get("schema_version") != DIFF_SCHEMA_VERSION:
            raise UserError(
                "not a cost diff JSON document of this version",
                file=str(path),
                key="schema_version",
                value=doc.get("schema_version") if isinstance(doc, dict) else None,
                valid=[str(DIFF_SCHEMA_VERSION)],
            )
        if doc["status"] == "unchanged":
            unchanged.append(doc["stack"])
        else:
            sections.append(markdown(doc))
    atomic_write(args.output, comment(sections, unchanged))
    return 0


def _actual(args: argparse.Namespace) -> int:
    from farm_deploy.commands.common import dump_json
    from farm_deploy.cost_actual import cost_actual, render

    doc = cost_actual(_project(args), args.stack, days=args.days)
    if args.json:
        dump_json(doc)
    else:
        render(doc)
    return 0
