"""`farm-deploy cost actual`: spend per component from AWS Cost Explorer against the estimate.

Spend is read with `ce:GetCostAndUsage`, filtered on the cost-allocation tag
`farm:stack` and grouped by `farm:component` (the tags every resource carries,
see farm_deploy/cost_program.py). Tag groups come back as `"<key>$<value>"`,
an empty value for spend without the tag
(https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html).
The estimate is scaled to the same number of days (a month is 730 hours).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from analysis.errors import UserError

# Bumped only if a field of `cost actual --json` changes meaning or goes away.
ACTUAL_SCHEMA_VERSION = 1
TARGET_ERROR = 0.15  # docs/cost.md: the estimate within ±15% of the first full month
ENABLE_HINT = (
    "enable Cost Explorer (Billing console > Cost Explorer; data appears within about 24 hours) and activate the "
    "cost-allocation tags farm:stack, farm:stage and farm:component (Billing > Cost allocation tags, or "
    "`aws ce update-cost-allocation-tags-status`); tagged spend shows from the day after activation"
)


def _client() -> Any:
    import boto3

    # Cost Explorer's endpoint is in us-east-1 whatever the stage's region.
    return boto3.client("ce", region_name="us-east-1")


def fetch(client: Any, stack: str, start: dt.date, end: dt.date) -> dict[str, float]:
    """USD per farm:component value over [start, end)."""
    from botocore.exceptions import BotoCoreError, ClientError

    totals: dict[str, float] = {}
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {
            "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
            "Granularity": "MONTHLY",
            "Metrics": ["UnblendedCost"],
            "Filter": {"Tags": {"Key": "farm:stack", "Values": [stack], "MatchOptions": ["EQUALS"]}},
            "GroupBy": [{"Type": "TAG", "Key": "farm:component"}],
        }
        if token:
            kwargs["NextPageToken"] = token
        try:
            page = client.get_cost_and_usage(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            message = exc.response.get("Error", {}).get("Message", "")
            if code in ("AccessDeniedException", "DataUnavailableException") or "not enabled" in message:
                raise UserError(f"Cost Explorer cannot answer: {code} {message}".strip(), hint=ENABLE_HINT) from None
            raise UserError(f"Cost Explorer refused the request: {code} {message}".strip()) from None
        except BotoCoreError as exc:
            raise UserError(
                f"cannot reach AWS Cost Explorer: {exc}",
                hint="configure AWS credentials with ce:GetCostAndUsage (e.g. AWS_PROFILE)",
            ) from None
        for period in page.get("ResultsByTime", []):
            for group in period.get("Groups", []):
                key = (group.get("Keys") or ["farm:component$"])[0]
                component = key.split("$", 1)[1] if "$" in key else key
                amount = float(group.get("Metrics", {}).get("UnblendedCost", {}).get("Amount", 0))
                totals[component or "(untagged)"] = totals.get(component or "(untagged)", 0.0) + amount
        token = page.get("NextPageToken")
        if not token:
            return totals


def compare(estimate: dict[str, float], actual: dict[str, float], days: int) -> list[dict[str, Any]]:
    scale = days * 24 / 730
    rows = []
    for component in sorted(set(estimate) | set(actual)):
        expected = round(estimate.get(component, 0.0) * scale, 2)
        spent = round(actual.get(component, 0.0), 2)
        error = round((spent - expected) / expected, 4) if expected else None
        rows.append(
            {
                "component": component,
                "estimate": expected,
                "actual": spent,
                "difference": round(spent - expected, 2),
                "error": error,
                "within_target": error is not None and abs(error) <= TARGET_ERROR,
            }
        )
    return rows


def cost_actual(
    project_dir: Path, stack: str, *, days: int = 30, today: dt.date | None = None, client: Any = None
) -> dict[str, Any]:
    if not 1 <= days <= 365:
        raise UserError("--days must be between 1 and 365", key="--days", value=days)
    from farm_deploy.cost import by_component
    from farm_deploy.offline_plan import run_plan
    from farm_deploy.stack_files import parse_stack_name

    stack = parse_stack_name(stack, project_dir).name  # the farm:stack tag holds the stack name proper

    offline = run_plan(project_dir, stack)
    cost = offline.cost
    assert cost is not None  # run_plan prices every plan it makes
    end = today or dt.date.today()
    start = end - dt.timedelta(days=days)
    actual = fetch(client or _client(), stack, start, end)
    if not actual or not any(v for v in actual.values()):
        raise UserError(
            f"no spend tagged farm:stack={stack} between {start} and {end}",
            hint=ENABLE_HINT,
        )
    estimate = {k: v["typical"] for k, v in by_component(cost).items()}
    rows = compare(estimate, actual, days)
    total_expected = round(cost.typical * days * 24 / 730, 2)
    total_actual = round(sum(actual.values()), 2)
    error = round((total_actual - total_expected) / total_expected, 4) if total_expected else None
    return {
        "schema_version": ACTUAL_SCHEMA_VERSION,
        "stack": stack,
        "stage": cost.stage,
        "period": {"start": start.isoformat(), "end": end.isoformat(), "days": days},
        "currency": "USD",
        "estimate": total_expected,
        "actual": total_actual,
        "error": error,
        "target": TARGET_ERROR,
        "components": rows,
    }


def render(doc: dict[str, Any]) -> None:
    period = doc["period"]
    print(f"stack {doc['stack']} ({doc['stage']}): {period['start']} to {period['end']} ({period['days']} days), USD")
    print(f"  {'component':<16} {'estimate':>10} {'actual':>10} {'error':>8}")
    for row in doc["components"]:
        error = "-" if row["error"] is None else f"{row['error']:+.0%}"
        print(f"  {row['component']:<16} {row['estimate']:>10,.2f} {row['actual']:>10,.2f} {error:>8}")
    error = "-" if doc["error"] is None else f"{doc['error']:+.1%}"
    print(f"  {'total':<16} {doc['estimate']:>10,.2f} {doc['actual']:>10,.2f} {error:>8}")
    print(f"target: the estimate within ±{doc['target']:.0%} of a full month's bill (docs/cost.md)")
