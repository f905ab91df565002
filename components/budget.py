"""An AWS Budget for one stage: its monthly spend, by the `farm:stack` cost-allocation tag.

The same `farm:monthlyBudget` that the monthly-budget policy checks the plan
against, so a stage that drifts over it in real use tells someone: a
notification when actual spend passes `alert_percent` of the budget, and one
when the month's forecast does
(https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-managing-costs.html).

The filter is Budgets' filter expression on the tag, which only counts spend
once the tag is activated as a cost-allocation tag (docs/cost.md). Subscribers
are e-mail addresses and SNS topics; an SNS topic must let
`budgets.amazonaws.com` publish (topic policy, and the KMS key policy when the
topic is encrypted), see
https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html.
Budgets without actions cost nothing (https://aws.amazon.com/aws-cost-management/aws-budgets/pricing/).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws


@dataclass
class BudgetArgs:
    amount: float  # USD a month, positive
    stack_tag: pulumi.Input[str]  # the value of the `farm:stack` tag the stage's resources carry
    alert_percent: float = 80.0
    emails: list[str] = field(default_factory=list)
    sns_topic_arns: list[pulumi.Input[str]] = field(default_factory=list)


class Budget(pulumi.ComponentResource):
    """A monthly cost budget with actual and forecast notifications."""

    def __init__(self, name: str, args: BudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:cost:Budget", name, None, opts)
        if not args.amount > 0:
            raise ValueError(f"{name}: the budget must be a positive amount, got {args.amount!r}")
        if not 0 < args.alert_percent <= 1000:
            raise ValueError(f"{name}: alert_percent must be in (0, 1000], got {args.alert_percent!r}")
        self._name = name
        self._args = args
        self.budget = self._create_budget()
        self.register_outputs({"budgetName": self.budget.name})

    def _notifications(self) -> list[aws.budgets.BudgetNotificationArgs]:
        a = self._args
        if not a.emails and not a.sns_topic_arns:
            return []
        return [
            aws.budgets.BudgetNotificationArgs(
                comparison_operator="GREATER_THAN",
                notification_type=kind,
                threshold=a.alert_percent,
                threshold_type="PERCENTAGE",
                subscriber_email_addresses=list(a.emails) or None,
                subscriber_sns_topic_arns=list(a.sns_topic_arns) or None,
            )
            for kind in ("ACTUAL", "FORECASTED")
        ]

    def _create_budget(self) -> aws.budgets.Budget:
        a = self._args
        return aws.budgets.Budget(
            f"{self._name}-budget",
            name=f"{self._name}-monthly",
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{a.amount:.2f}",
            limit_unit="USD",
            filter_expression=aws.budgets.BudgetFilterExpressionArgs(
                tags=aws.budgets.BudgetFilterExpressionTagsArgs(
                    key="farm:stack", values=[a.stack_tag], match_options=["EQUALS"]
                )
            ),
            notifications=self._notifications(),
            opts=pulumi.ResourceOptions(parent=self),
        )
