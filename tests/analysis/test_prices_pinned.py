"""Unit prices pinned to the figures the vendors publish, so that a wrong edit of
`analysis/data/prices.json` (a price off by a factor) fails here, and the cost
estimate of a known plan pinned to a total worked out by hand.

Checked on 2026-12-01 (us-east-1, on-demand, USD):
- NAT gateway: $0.045 per NAT gateway-hour and $0.045 per GB processed,
  https://aws.amazon.com/vpc/pricing/ (the page's own worked example).
- Fargate, Linux/x86: $0.04048 per vCPU-hour and $0.004445 per GB-hour,
  https://aws.amazon.com/fargate/pricing/ ; the ECS pricing page states the same
  vCPU rate per second, $0.000011244 x 3600 = $0.04048,
  https://aws.amazon.com/ecs/pricing/
- Application Load Balancer: $0.0225 per ALB-hour and $0.008 per LCU-hour,
  https://aws.amazon.com/elasticloadbalancing/pricing/
- Atlas Flex: $0.011 per hour at the base tier (0-100 ops/s, $8 a month), capped
  at $30 a month, https://www.mongodb.com/docs/atlas/billing/atlas-flex-costs/
"""

from __future__ import annotations

import pytest

from analysis.cost import load_prices
from analysis.stage_plan import plan_stages
from tests.analysis.factories import farm_chat

PUBLISHED = {
    "nat.hour": 0.045,
    "nat.gb": 0.045,
    "fargate.vcpu_hour": 0.04048,
    "fargate.gb_hour": 0.004445,
    "alb.hour": 0.0225,
    "alb.lcu_hour": 0.008,
    "atlas.flex_hour": 0.011,
}


@pytest.mark.parametrize(("key", "price"), sorted(PUBLISHED.items()))
def test_unit_price_is_the_published_one(key: str, price: float) -> None:
    assert load_prices()["items"][key]["price"] == price


def test_atlas_flex_is_capped_at_30_usd_a_month() -> None:
    assert load_prices()["items"]["atlas.flex_hour"]["cap_monthly"] == 30.0


def test_month_is_730_hours() -> None:
    # AWS's pricing calculator bills a month as 730 hours (24 x 365 / 12).
    assert load_prices()["hours_per_month"] == 730


def line(cost, key: str):
    [item] = [i for i in cost.items if i.source.startswith(key + ":")]
    return item


def test_prod_network_and_load_balancer_lines_in_dollars() -> None:
    """Worked by hand from the figures above: prod runs one NAT gateway per AZ (two
    AZs) all month and pushes the stated 100 GB through them; one ALB all month."""
    cost = plan_stages(farm_chat())["prod"].cost
    assert line(cost, "nat.hour").monthly == 65.70  # 2 x 730 h x $0.045
    assert line(cost, "nat.gb").monthly == 4.50  # 100 GB x $0.045
    assert line(cost, "alb.hour").monthly == 16.43  # 730 h x $0.0225
    assert line(cost, "fargate.vcpu_hour").monthly == 59.10  # 1 vCPU x 2 tasks x 730 h x $0.04048
