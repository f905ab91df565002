"""Human form of `farm-deploy plan`: a short summary, or the full tree with `--details`.

The summary is what a reviewer reads first: what the stack is, how many
resources each component declares, the cost, the policy verdict and the
warnings. `--details` adds the resource tree, the counts per type and the cost
items. Names (regions, models, resource names) are printed as plain text: no
rich markup or highlighting is applied to them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from analysis.wording import plural
from farm_deploy.offline_plan import OfflinePlan


def _label(resource) -> Text:
    text = Text()
    text.append(resource.name, style="bold")
    text.append(" ")
    text.append(resource.type, style="dim")
    if resource.protect:
        text.append(" (protected)", style="yellow")
    return text


def component_counts(result: OfflinePlan) -> list[tuple[str, str, int]]:
    """(name, type, resources declared under it) per top-level resource, by name.

    By name because registration order varies from run to run; a summary that
    reorders itself between two runs of the same stack reads like a change.

    A top-level resource is a child of the stack: a farm component (counting every
    resource below it, itself excluded) or a provider/resource of its own (counting 1).
    """
    by_urn = {r.urn: r for r in result.resources}

    def top(r: Any) -> Any:
        while r.parent in by_urn:
            r = by_urn[r.parent]
        return r

    below: Counter[str] = Counter()
    for r in result.resources:
        root = top(r)
        if root is not r:
            below[root.urn] += 1
    rows = []
    for r in result.resources:
        if r.parent not in by_urn:
            rows.append((r.name, r.type, below[r.urn] if not r.custom else 1))
    return sorted(rows)


def _plain(console: Console, *parts: str, style: str | None = None) -> None:
    console.print(Text("".join(parts), style=style or ""))


def _header(result: OfflinePlan, console: Console) -> None:
    plan = result.plan
    c = plan.components
    head = Text()
    for label, value in (("stack", result.stack), ("stage", plan.stage), ("platform", plan.platform)):
        head.append(label, style="bold")
        head.append(f" {value}  ")
    spread = plan.multi_region
    head.append("regions" if spread else "region", style="bold")
    head.append(f" {', '.join(spread.regions)} (primary {plan.region})" if spread else f" {plan.region}")
    console.print(head)
    _plain(
        console,
        f"web={c.web} api={c.api} ai={c.ai} db={c.db} network={'yes' if c.network else 'no'} monitoring={c.monitoring}",
    )
    # What `pulumi up` deploys: the pinned release, or a build of the checkout.
    for reason in plan.reasons.get("release", []):
        _plain(console, f"release: {reason}")
    if spread:
        _regions(plan, console)


def _regions(plan: Any, console: Console) -> None:
    """What spans the regions, and what losing one of them does (docs/multi-region.md)."""
    spread = plan.multi_region
    for reason in plan.reasons.get("regions", []):
        _plain(console, f"regions: {reason}")
    if spread.ai_regions:
        _plain(console, f"ollama in: {', '.join(spread.ai_regions)}")
    if spread.db_nodes:
        nodes = ", ".join(f"{n.region} {n.electable_nodes} (priority {n.priority})" for n in spread.db_nodes)
        _plain(console, f"atlas electable nodes: {nodes}")
    for line in spread.survives:
        _plain(console, f"  {line}")


def _policy_lines(result: OfflinePlan, console: Console, *, details: bool) -> None:
    if result.policy is None:
        return
    report = result.policy.to_dict()
    violations = report["violations"]
    mandatory = sum(v["level"] == "mandatory" for v in violations)
    verdict = "pass" if not violations else ("FAIL" if mandatory else "advisory only")
    _plain(
        console,
        f"policy: {verdict}: {plural(report['checked'], 'resource')} checked, {plural(len(violations), 'violation')}"
        + (f" ({mandatory} mandatory)" if violations else ""),
    )
    for v in violations:
        line = Text("  ")
        line.append(v["level"], style="red" if v["level"] == "mandatory" else "yellow")
        line.append(f" {v['policy']} {v['resource']}: {v['message']}")
        console.print(line)
    if details and report["waived"]:
        _plain(console, f"  waived: {', '.join(w['policy'] for w in report['waived'])}")


def provider_counts(result: OfflinePlan) -> list[tuple[str, int]]:
    """Cloud resources per provider, labelled `<package> <region> via <provider>`."""
    counts: Counter[str] = Counter()
    for r in result.resources:
        info = result.provider_of(r)
        if info is None:
            continue
        where = f" {info.region}" if info.region else ""
        via = "the default provider" if info.default else info.name
        counts[f"{info.package}{where} via {via}"] += 1
    return sorted(counts.items())


def _provider_lines(result: OfflinePlan, console: Console) -> None:
    rows = provider_counts(result)
    if rows:
        _plain(console, "providers: " + ", ".join(f"{label} ({n})" for label, n in rows))


def _document_lines(result: OfflinePlan, console: Console) -> None:
    """The documents inside resources checked against AWS's shapes (farm_deploy/aws_documents.py)."""
    issues = result.documents
    if not issues:
        _plain(console, "documents: pass (container definitions, IAM policies, dashboards, user data)")
        return
    _plain(console, f"documents: FAIL: {plural(len(issues), 'issue')}", style="red")
    for issue in issues:
        _plain(console, f"  {issue.resource} {issue.field}: {issue.message}")


def _warnings(result: OfflinePlan, console: Console) -> None:
    for warning in dict.fromkeys([*result.plan.warnings, *result.warnings]):
        line = Text("warning:", style="yellow")
        line.append(f" {warning}")
        console.print(line)
    if result.missing_secrets:
        line = Text(
            "secrets not set in the stack file (placeholders used offline; `pulumi up` needs them): ",
            style="yellow",
        )
        line.append(", ".join(result.missing_secrets))
        console.print(line)


def render_summary(result: OfflinePlan, console: Console) -> None:
    """The default: header, resources per component, cost per component, policy, warnings."""
    _header(result, console)
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("component")
    table.add_column("type")
    table.add_column("resources", justify="right")
    for name, typ, count in component_counts(result):
        table.add_row(Text(name), Text(typ), str(count))
    console.print()
    _plain(console, f"pulumi preview would create {plural(len(result.resources), 'resource')}", style="bold")
    console.print(table)
    _provider_lines(result, console)
    cost = result.cost
    if cost is not None:
        per: dict[str, float] = {}
        for item in cost.items:
            per[item.component] = per.get(item.component, 0.0) + item.monthly
        parts = ", ".join(f"{k} {v:,.2f}" for k, v in per.items())
        _plain(
            console,
            f"cost: {cost.typical:,.2f} {cost.currency}/month typical, {cost.idle:,.2f} idle ({parts}; "
            f"{cost.region} prices of {cost.price_table_date})",
        )
        if cost.regions:
            _plain(
                console,
                "cost per region: "
                + ", ".join(
                    f"{r} {v['typical']:,.2f} typical / {v['idle']:,.2f} idle" for r, v in cost.regions.items()
                ),
            )
    _policy_lines(result, console, details=False)
    _document_lines(result, console)
    _warnings(result, console)
    _plain(console, "the resource tree, counts per type and cost items: add --details", style="dim")


def render_details(result: OfflinePlan, console: Console) -> None:
    """`--details`: the full resource tree, counts per type and every cost item."""
    _header(result, console)
    children: dict[str | None, list] = {}
    for r in result.resources:
        children.setdefault(r.parent, []).append(r)
    for group in children.values():
        group.sort(key=lambda r: (r.custom, r.type, r.name))
    tree = Tree(Text(f"pulumi preview would create {plural(len(result.resources), 'resource')}", style="bold"))

    def add(node: Tree, parent_urn: str | None) -> None:
        for r in children.get(parent_urn, []):
            add(node.add(_label(r)), r.urn)

    add(tree, None)
    console.print(tree)
    _provider_lines(result, console)

    counts = Table(title="resources per type", show_edge=False)
    counts.add_column("type")
    counts.add_column("count", justify="right")
    for typ, n in result.counts().items():
        counts.add_row(Text(typ), str(n))
    console.print(counts)

    cost = result.cost
    if cost is not None:
        table = Table(
            title=f"estimated monthly cost from the declared resources ({cost.currency}, {cost.region}, "
            f"prices of {cost.price_table_date})",
            show_edge=False,
        )
        for col in ("component", "item", "idle", "typical"):
            table.add_column(col, justify="right" if col in ("idle", "typical") else "left")
        for item in cost.items:
            table.add_row(Text(item.component), Text(item.item), f"{item.idle:,.2f}", f"{item.monthly:,.2f}")
            table.add_row("", Text(f"{item.unit_price:g} per {item.unit}; {item.assumption}", style="dim"), "", "")
        table.add_row(
            Text("total", style="bold"),
            "",
            Text(f"{cost.idle:,.2f}", style="bold"),
            Text(f"{cost.typical:,.2f}", style="bold"),
        )
        console.print(table)
        for note in cost.notes:
            _plain(console, f"cost note: {note}", style="dim")
    _policy_lines(result, console, details=True)
    _document_lines(result, console)
    _warnings(result, console)


def render_plan(result: OfflinePlan, console: Console | None = None, *, details: bool = False) -> None:
    from farm_deploy.commands.common import console as make_console

    (render_details if details else render_summary)(result, console or make_console())
