"""The declared-resource cost estimate of an offline plan, and what reads it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from analysis.cost_declared import DeclaredCost, estimate_declared, stale_tables

if TYPE_CHECKING:
    from farm_deploy.offline_plan import OfflinePlan


def component_prefix(stack: str) -> str:
    """What every component's name starts with (`farm-<slug>-`), stripped to name the component."""
    from components.naming import stack_slug

    return f"farm-{stack_slug(stack)}-"


def declared_cost(offline: OfflinePlan) -> DeclaredCost:
    plan = offline.plan
    return estimate_declared(
        offline.resource_dicts(),
        stage=plan.stage,
        region=plan.region,
        prefix=component_prefix(offline.stack),
    )


def freshness_warnings(cost: DeclaredCost, today: dt.date | None = None) -> list[str]:
    return stale_tables(cost.region, today or dt.date.today())


def by_component(cost: DeclaredCost) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for item in cost.items:
        row = out.setdefault(item.component, {"idle": 0.0, "typical": 0.0})
        row["idle"] = round(row["idle"] + item.idle, 2)
        row["typical"] = round(row["typical"] + item.monthly, 2)
    return dict(sorted(out.items()))


def biggest_items(cost: DeclaredCost, n: int = 3) -> list[Any]:
    return sorted(cost.items, key=lambda i: i.monthly, reverse=True)[:n]
