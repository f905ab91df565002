"""Human form of `farm-deploy plan`: a resource tree, counts, cost, policy."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from farm_deploy.offline_plan import OfflinePlan


def _label(resource) -> str:
    mark = " [yellow](protected)[/]" if resource.protect else ""
    return f"[bold]{resource.name}[/] [dim]{resource.type}[/]{mark}"


def render_plan(result: OfflinePlan, console: Console | None = None) -> None:
    console = console or Console()
    plan = result.plan
    c = plan.components
    console.print(
        f"[bold]stack[/] {result.stack}  [bold]stage[/] {plan.stage}  [bold]platform[/] {plan.platform}  "
        f"[bold]region[/] {plan.region}"
    )
    console.print(
        f"web={c.web} api={c.api} ai={c.ai} db={c.db} network={'yes' if c.network else 'no'} monitoring={c.monitoring}"
    )

    children: dict[str | None, list] = {}
    for r in result.resources:
        children.setdefault(r.parent, []).append(r)
    for group in children.values():
        group.sort(key=lambda r: (r.custom, r.type, r.name))
    tree = Tree(f"[bold]pulumi preview would create {len(result.resources)} resources[/]")

    def add(node: Tree, parent_urn: str | None) -> None:
        for r in children.get(parent_urn, []):
            add(node.add(_label(r)), r.urn)

    add(tree, None)
    console.print(tree)

    counts = Table(title="resources per type", show_edge=False)
    counts.add_column("type")
    counts.add_column("count", justify="right")
    for typ, n in result.counts().items():
        counts.add_row(typ, str(n))
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
            table.add_row(item.component, item.item, f"{item.idle:,.2f}", f"{item.monthly:,.2f}")
            table.add_row("", f"[dim]{item.unit_price:g} per {item.unit}; {item.assumption}[/]", "", "")
        table.add_row("[bold]total[/]", "", f"[bold]{cost.idle:,.2f}[/]", f"[bold]{cost.typical:,.2f}[/]")
        console.print(table)
        for note in cost.notes:
            console.print(f"[dim]cost note:[/] {note}")

    if result.policy is not None:
        report = result.policy.to_dict()
        violations = report["violations"]
        console.print(f"policy: {report['checked']} resources checked, {len(violations)} violation(s)")
        for v in violations:
            colour = "red" if v["level"] == "mandatory" else "yellow"
            console.print(f"  [{colour}]{v['level']}[/] {v['policy']} {v['resource']}: {v['message']}")
    for warning in [*plan.warnings, *result.warnings]:
        console.print(f"[yellow]warning:[/] {warning}")
    if result.missing_secrets:
        console.print(
            "[yellow]secrets not set in the stack file (placeholders used offline; `pulumi up` needs them):[/] "
            + ", ".join(result.missing_secrets)
        )
