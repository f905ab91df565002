"""The AWS Budget component under the mocks: the recorded inputs Budgets receives."""

from __future__ import annotations

import pytest

from components.budget import Budget, BudgetArgs
from farm_deploy.offline.engine import run_offline


def run(args: BudgetArgs):
    return run_offline(lambda: Budget("farm-dev-cost", args))


def test_monthly_cost_budget_on_the_stack_tag_with_actual_and_forecast_alerts():
    result = run(BudgetArgs(amount=250, stack_tag="dev", alert_percent=90, emails=["ops@example.com"]))
    budget = result.one("aws:budgets/budget:Budget")
    assert budget.inputs["budgetType"] == "COST" and budget.inputs["timeUnit"] == "MONTHLY"
    assert (budget.inputs["limitAmount"], budget.inputs["limitUnit"]) == ("250.00", "USD")
    assert budget.inputs["filterExpression"] == {
        "tags": {"key": "farm:stack", "values": ["dev"], "matchOptions": ["EQUALS"]}
    }
    assert budget.inputs["notifications"] == [
        {
            "comparisonOperator": "GREATER_THAN",
            "notificationType": kind,
            "threshold": 90.0,
            "thresholdType": "PERCENTAGE",
            "subscriberEmailAddresses": ["ops@example.com"],
        }
        for kind in ("ACTUAL", "FORECASTED")
    ]
    assert budget.parent == result.one("farm:cost:Budget").urn


def test_no_subscriber_no_notification():
    budget = run(BudgetArgs(amount=10, stack_tag="dev")).one("aws:budgets/budget:Budget")
    assert "notifications" not in budget.inputs or budget.inputs["notifications"] == []


@pytest.mark.parametrize("amount", [0, -5])
def test_budget_must_be_positive(amount: float):
    with pytest.raises(ValueError, match="positive"):
        run(BudgetArgs(amount=amount, stack_tag="dev"))
