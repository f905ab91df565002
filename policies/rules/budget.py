"""The stack's typical monthly cost against its budget (farm:monthlyBudget).

The estimate is the one `farm-deploy plan` prints, computed from the same
resources the engine hands this rule, so the policy and the plan agree.
Skipped when the stack sets no budget.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._base import Rule, RuleContext, StackResource, StackViolation


def _over_budget(resources: list[StackResource], ctx: RuleContext) -> Iterable[StackViolation]:
    if ctx.budget is None or not resources:
        return
    # analysis/ is pure Python; imported here so the other rules stay standard-library only.
    from analysis.cost_declared import estimate_declared

    cost = estimate_declared(
        [{"type": r.type, "name": r.name, "parent": None, "inputs": dict(r.props)} for r in resources],
        stage=ctx.stage,
        region=ctx.region or "us-east-1",
    )
    if cost.typical <= ctx.budget:
        return
    over = round(cost.typical - ctx.budget, 2)
    ranked = sorted(cost.items, key=lambda i: i.monthly, reverse=True)
    top = ranked[:3]
    biggest = "; ".join(f"{i.item} {i.monthly:,.2f}" for i in top)
    # The fewest of the biggest items whose removal brings the total under budget.
    cut, saved = [], 0.0
    for item in ranked:
        if saved >= over:
            break
        cut.append(item.resource)
        saved += item.monthly
    names = {r.name: r for r in resources}
    anchor = names.get(top[0].resource) if top else None
    anchor = anchor or resources[0]
    yield StackViolation(
        anchor,
        f"typical monthly cost {cost.typical:,.2f} USD exceeds farm:monthlyBudget {ctx.budget:,.2f} USD by "
        f"{over:,.2f}. Biggest items: {biggest}. Under budget without: {', '.join(dict.fromkeys(cut))} "
        f"(or resize them, or raise farm:monthlyBudget).",
    )


RULES = (
    Rule(
        id="monthly-budget",
        description="The stage's typical monthly cost estimate stays within farm:monthlyBudget.",
        mirrors=("AWS Budgets cost budget",),
        level="mandatory",
        # The types that carry most of a stage's cost; the estimate prices every type it knows.
        resource_types=(
            "aws:ec2/natGateway:NatGateway",
            "aws:lb/loadBalancer:LoadBalancer",
            "aws:ecs/service:Service",
            "aws:autoscaling/group:Group",
            "aws:lambda/function:Function",
            "mongodbatlas:index/advancedCluster:AdvancedCluster",
        ),
        validate_stack=_over_budget,
        remediation="Resize or remove the items the message names, scale them to zero, or raise farm:monthlyBudget.",
    ),
)
