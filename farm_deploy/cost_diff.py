"""`farm-deploy cost diff`: the monthly cost change of a stack between a git ref and the working tree.

Each side is a real offline plan of that side's own program: the base ref is
checked out into a temporary `git worktree` and planned by a child Python
process whose import path starts there, so the base is planned with the code
it shipped, not with today's. Both sides' recorded resources are then priced
with their own price tables (`analysis/data/prices` of each checkout), which
is how a price change shows up apart from a resize.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from analysis.cost_declared import PRICES_DIR, DeclaredCost, DeclaredCostItem, estimate_declared
from analysis.errors import UserError
from analysis.wording import plural

# Bumped only if a field of `cost diff --json` changes meaning or goes away.
DIFF_SCHEMA_VERSION = 1
# GitHub rejects an issue comment body over 65,536 characters ("Body is too
# long (maximum is 65536 characters)", https://github.com/danger/danger/issues/424;
# pulumi/actions#482 shows a preview comment failing past it). Keep a margin.
COMMENT_LIMIT = 65_536
COMMENT_BUDGET = 60_000
MARKER = "<!-- farm-deploy-cost-diff -->"


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("git")
    if exe is None:
        raise UserError("git is not installed", hint="cost diff checks the base ref out with git worktree")
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, check=False)


def repo_root(project_dir: Path) -> Path:
    proc = _git(project_dir, "rev-parse", "--show-toplevel")
    if proc.returncode != 0:
        raise UserError(
            "not inside a git repository", file=str(project_dir), hint="cost diff compares two commits of a repository"
        )
    return Path(proc.stdout.strip()).resolve()


def resolve(root: Path, ref: str) -> str:
    proc = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if proc.returncode != 0 or ref.startswith("-"):
        raise UserError(
            "base ref does not exist in this repository",
            file=str(root),
            key="--base",
            value=ref,
            hint="fetch it first (CI: actions/checkout with fetch-depth: 0), or name a commit, tag or branch",
        )
    return proc.stdout.strip()


@contextmanager
def worktree(root: Path, commit: str) -> Iterator[Path]:
    """`commit` checked out in a temporary worktree, removed afterwards whatever happens."""
    parent = Path(tempfile.mkdtemp(prefix="farm-cost-diff-"))
    path = parent / "base"
    proc = _git(root, "worktree", "add", "--detach", "--quiet", str(path), commit)
    if proc.returncode != 0:
        shutil.rmtree(parent, ignore_errors=True)
        raise UserError("cannot check the base ref out", value=commit, hint=proc.stderr.strip()[-300:])
    try:
        yield path
    finally:
        _git(root, "worktree", "remove", "--force", str(path))
        shutil.rmtree(parent, ignore_errors=True)
        _git(root, "worktree", "prune")


def plan_json(checkout: Path, project_dir: Path, stack: str) -> dict[str, Any]:
    """`farm-deploy plan --json` of `checkout`'s own program, in a child process."""
    env = {**os.environ, "PYTHONPATH": str(checkout) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-m", "farm_deploy", "plan", "--stack", stack, "--json", "--project-dir", str(project_dir)],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise UserError(
            "the offline plan failed",
            file=str(project_dir / f"Pulumi.{stack}.yaml"),
            hint=(proc.stderr.strip().splitlines() or ["no output"])[-1][:500],
        ) from None


def price(doc: dict[str, Any], stack: str, checkout: Path) -> DeclaredCost:
    from farm_deploy.cost import component_prefix

    tables = checkout / "analysis" / "data" / "prices"
    return estimate_declared(
        doc["resources"],
        stage=doc["stage"],
        region=doc["plan"].get("region") or "us-east-1",
        prefix=component_prefix(stack),
        prices_dir=tables if (tables / "vendors.json").is_file() else PRICES_DIR,
    )


def _key(item: DeclaredCostItem) -> tuple[str, str, str]:
    return (item.component, item.resource, item.price_key)


def _side(item: DeclaredCostItem | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {
        "quantity": item.quantity,
        "unit": item.unit,
        "unit_price": item.unit_price,
        "idle": item.idle,
        "typical": item.monthly,
        "assumption": item.assumption,
    }


def compare(base: DeclaredCost | None, head: DeclaredCost) -> dict[str, Any]:
    """Per item and per component change from `base` (None: the stack is new) to `head`."""
    before = {_key(i): i for i in (base.items if base else [])}
    after = {_key(i): i for i in head.items}
    rows = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        if b is None:
            reasons = ["added"]
        elif a is None:
            reasons = ["removed"]
        else:
            reasons = []
            if b.quantity != a.quantity or b.idle_quantity != a.idle_quantity:
                reasons.append("resized")
            if b.unit_price != a.unit_price:
                reasons.append("price changed")
            if not reasons:
                continue
        idle = round((a.idle if a else 0) - (b.idle if b else 0), 2)
        typical = round((a.monthly if a else 0) - (b.monthly if b else 0), 2)
        if not idle and not typical and reasons not in (["added"], ["removed"]):
            continue
        ref = a or b
        assert ref is not None
        rows.append(
            {
                "component": key[0],
                "item": ref.item,
                "resource": key[1],
                "price_key": key[2],
                "reason": ", ".join(reasons),
                "idle_change": idle,
                "typical_change": typical,
                "base": _side(b),
                "head": _side(a),
            }
        )
    components: dict[str, dict[str, float]] = {}
    for side, cost in (("base", base), ("head", head)):
        for item in cost.items if cost else []:
            row = components.setdefault(
                item.component, {"base_idle": 0.0, "base_typical": 0.0, "head_idle": 0.0, "head_typical": 0.0}
            )
            row[f"{side}_idle"] += item.idle
            row[f"{side}_typical"] += item.monthly
    comp_rows = []
    for name, row in sorted(components.items()):
        rounded = {k: round(v, 2) for k, v in row.items()}
        rounded["idle_change"] = round(row["head_idle"] - row["base_idle"], 2)
        rounded["typical_change"] = round(row["head_typical"] - row["base_typical"], 2)
        if rounded["idle_change"] or rounded["typical_change"]:
            comp_rows.append({"component": name, **rounded})
    base_idle = base.idle if base else 0.0
    base_typical = base.typical if base else 0.0
    return {
        "base_cost": {"idle": base_idle, "typical": base_typical} if base else None,
        "head_cost": {"idle": head.idle, "typical": head.typical},
        "change": {"idle": round(head.idle - base_idle, 2), "typical": round(head.typical - base_typical, 2)},
        "components": comp_rows,
        "items": rows,
    }


def cost_diff(project_dir: Path, stack: str, base_ref: str) -> dict[str, Any]:
    from farm_deploy.stack_files import parse_stack_name

    project_dir = project_dir.resolve()
    stack = parse_stack_name(stack, project_dir).name  # `org/name` plans Pulumi.<name>.yaml
    root = repo_root(project_dir)
    rel = project_dir.relative_to(root)
    commit = resolve(root, base_ref)
    if not (project_dir / f"Pulumi.{stack}.yaml").is_file():
        from farm_deploy.stack_files import stack_path

        stack_path(project_dir, stack)  # raises the usual "unknown stack" message
    head_doc = plan_json(root, project_dir, stack)
    head = price(head_doc, stack, root)
    warnings = list(head.warnings)
    base: DeclaredCost | None = None
    with worktree(root, commit) as checkout:
        base_project = checkout / rel
        if (base_project / f"Pulumi.{stack}.yaml").is_file():
            base = price(plan_json(checkout, base_project, stack), stack, checkout)
        else:
            warnings.append(f"stack {stack} does not exist at {base_ref}: the whole stack is new, priced as added")
    result = compare(base, head)
    status = "new-stack" if base is None else ("changed" if result["items"] else "unchanged")
    return {
        "schema_version": DIFF_SCHEMA_VERSION,
        "stack": stack,
        "stage": head.stage,
        "region": head.region,
        "base": base_ref,
        "base_commit": commit,
        "currency": head.currency,
        "status": status,
        **result,
        "warnings": warnings,
    }


# --------------------------------------------------------------------------- rendering


def _money(value: float, sign: bool = True) -> str:
    return f"{value:+,.2f}" if sign else f"{value:,.2f}"


def markdown(doc: dict[str, Any], max_items: int = 40) -> str:
    """One stack's section of the pull-request comment."""
    change = doc["change"]
    base = doc["base_cost"]
    head = doc["head_cost"]
    title = f"#### `{doc['stack']}` ({doc['stage']}, {doc['region']})"
    if doc["status"] == "new-stack":
        summary = f"new stack: {_money(head['typical'], False)} USD/month typical, {_money(head['idle'], False)} idle"
    else:
        summary = (
            f"typical {_money(base['typical'], False)} → {_money(head['typical'], False)} USD/month "
            f"(**{_money(change['typical'])}**), idle {_money(base['idle'], False)} → {_money(head['idle'], False)} "
            f"({_money(change['idle'])})"
        )
    lines = [title, "", summary, ""]
    if doc["components"]:
        lines += ["| component | idle | typical |", "|---|---:|---:|"]
        for c in doc["components"]:
            lines.append(f"| {c['component']} | {_money(c['idle_change'])} | {_money(c['typical_change'])} |")
        lines.append("")
    items = sorted(doc["items"], key=lambda r: abs(r["typical_change"]), reverse=True)
    if items:
        lines += ["| item | reason | idle | typical |", "|---|---|---:|---:|"]
        for r in items[:max_items]:
            lines.append(
                f"| {r['component']}: {r['item']} | {r['reason']} | {_money(r['idle_change'])} "
                f"| {_money(r['typical_change'])} |"
            )
        if len(items) > max_items:
            lines.append(f"| … {len(items) - max_items} smaller changes (see the job's JSON artifact) | | | |")
        lines.append("")
    for w in doc["warnings"]:
        lines.append(f"> {w}")
    return "\n".join(lines).rstrip() + "\n"


def comment(sections: list[str], unchanged: list[str], limit: int = COMMENT_BUDGET) -> str:
    """The whole pull-request comment, cut to stay under GitHub's comment limit."""
    head = [MARKER, "### farm-deploy: monthly cost change", ""]
    tail = []
    if unchanged:
        tail.append("No cost change: " + ", ".join(f"`{s}`" for s in unchanged) + ".")
    tail.append("")
    tail.append(
        "_Estimated from the declared resources and the price tables in `analysis/data/prices` (docs/cost.md)._"
    )
    body = "\n".join(head)
    footer = "\n".join(tail)
    parts = []
    room = limit - len(body) - len(footer) - 200
    for i, section in enumerate(sections):
        if len(section) + 1 > room:
            parts.append(
                f"_{plural(len(sections) - i, 'more stack')} left out to stay under GitHub's comment limit._\n"
            )
            break
        parts.append(section)
        room -= len(section) + 1
    text = body + "\n" + "\n".join(parts) + "\n" + footer + "\n"
    assert len(text) < COMMENT_LIMIT
    return text
