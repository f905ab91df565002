"""Human form of `farm-deploy analyze`: a report read in twenty seconds.

What the app needs (with where it was seen), the platform and why, one row per
stage, and what needs attention. Everything else is in `--json`.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from analysis.models import AppAnalysis, DeploymentRequirements, Recommendation, StagePlan
from analysis.wording import plural

MAX_REASONS = 3
MAX_FINDINGS = 5


def needs(req: DeploymentRequirements) -> list[str]:
    """Short labels for what the app needs, in the order an operator cares."""
    out = []
    if req.has_ai:
        out.append("AI (" + ", ".join(req.ai_providers or ["?"]) + ")")
    if req.has_realtime:
        out.append("WebSockets")
    if req.has_file_storage:
        out.append("uploads")
    if req.writes_local_disk:
        out.append("local disk writes")
    if req.has_database:
        out.append("MongoDB")
    out.append(f"{req.expected_traffic} traffic")
    return out


def _rows(plan: StagePlan) -> dict[str, str]:
    """One short cell per line of the stage table (stages are columns, so it fits 80 columns)."""
    c, api, ai = plan.components, plan.api, plan.ai
    if c.api == "ecs":
        api_cell = f"ecs {api.cpu / 1024:g} vCPU x{api.min_count}-{api.max_count}"
    elif c.api == "lambda":
        api_cell = f"lambda {api.lambda_memory} MB"
    else:
        api_cell = c.api
    ai_host = "-"
    if c.ai == "ollama-gpu":
        ai_host = f"{ai.gpu_instance_type} x{ai.min_instances}-{ai.max_instances}"
    elif c.ai == "ollama-cpu":
        ai_host = f"{(ai.cpu or 0) / 1024:g} vCPU x{ai.min_instances}-{ai.max_instances}"
    db = "-" if c.db == "none" else (plan.db.instance_size or c.db) + (" +backup" if plan.db.backup else "")
    network = "-"
    if c.network:
        if plan.network.nat == "instance":
            network = f"{plan.network.az_count} AZ, NAT instance"
        else:
            nats = plan.network.az_count if plan.network.nat_per_az else 1
            network = f"{plan.network.az_count} AZ, {nats} NAT"
    extra = len(plan.regions) - 1
    return {
        "platform": plan.platform,
        "regions": plan.region + (f" +{extra}" if extra else ""),
        "web": c.web,
        "api": api_cell,
        "ai": c.ai,
        "ai host": ai_host,
        "model": ai.default_model or "-",
        "database": db,
        "network": network,
        "monitoring": c.monitoring,
        "protected": "yes" if plan.protect_stateful else "no",
        "$/month": f"{plan.cost.total:,.2f}" if plan.cost else "-",
    }


def render(
    analysis: AppAnalysis,
    rec: Recommendation,
    plans: dict[str, StagePlan],
    console: Console | None = None,
) -> None:
    console = console or Console()
    req = analysis.requirements
    config = f", {analysis.farm_config_file}" if analysis.farm_config_file else ""
    console.print(f"[bold]{escape(analysis.app_path)}[/]{escape(config)}")
    console.print("needs: " + escape(" · ".join(needs(req))))

    console.print(f"\n[bold]recommended: {rec.platform}[/] (confidence {rec.confidence:.2f})")
    for reason in rec.reasoning[:MAX_REASONS]:
        console.print(f"  · {escape(reason)}")
    alts = []
    for alt in rec.alternatives:
        valid = next((s.valid for s in rec.scores if s.platform == alt.platform), True)
        alts.append(f"{alt.platform} {alt.score}" + ("" if valid else " (unfit)"))
    if alts:
        console.print("  alternatives: " + escape(", ".join(alts)))

    table = Table(show_edge=False, pad_edge=False)
    table.add_column("")
    rows = {stage: _rows(plan) for stage, plan in plans.items()}
    for stage in rows:
        table.add_column(stage)
    for label in next(iter(rows.values()), {}):
        cells = (escape(r[label]) for r in rows.values())
        table.add_row(label, *cells, style="bold" if label == "$/month" else None)
    console.print()
    console.print(table)
    first = next(iter(plans.values()), None)
    if first is not None and first.cost is not None:
        console.print(
            f"[dim]$/month: the planner's estimate from its choices ({first.cost.currency}, {first.cost.region} "
            f"on-demand prices of {first.cost.price_table_date}, analysis/data/prices.json); "
            "`farm-deploy plan --stack <stage>` prices the resources the program declares (docs/cost.md)[/]"
        )

    warnings = [(stage, w) for stage, plan in plans.items() for w in plan.warnings]
    attention = [f for f in analysis.findings if f.severity != "info"]
    if warnings or attention:
        console.print("\n[bold]attention[/]")
    for stage, warning in warnings:
        console.print(f"  [yellow]{stage}[/]: {escape(warning)}")
    for f in attention[:MAX_FINDINGS]:
        where = f"{f.file}:{f.line}" if f.line else f.file
        colour = "red" if f.severity == "error" else "yellow"
        console.print(f"  [{colour}]{escape(f.kind)}[/] {escape(where)}: {escape(f.message)}")
    if len(attention) > MAX_FINDINGS:
        console.print(f"  ... {plural(len(attention) - MAX_FINDINGS, 'more finding', 'more findings')} in --json")
    console.print("\n[dim]details: farm-deploy analyze --json · farm-deploy plan --stack <stage>[/]")
