"""Each rule's other branches: a second violating form and the near misses,
through `check_resources` as `farm-deploy plan` runs it."""

from __future__ import annotations

import pytest

from farm_deploy.policy_check import check_resources
from policies.registry import BY_ID

from .branch_cases import BRANCHES, Branch
from .helpers import recorded


@pytest.mark.parametrize("case", BRANCHES, ids=lambda c: f"{c.rule}:{c.why}")
def test_branch(case: Branch) -> None:
    resource = recorded(case.type, "it", case.props, stage=case.stage, protect=case.protect)
    fired = {v.policy for v in check_resources([resource], case.stage).violations if v.resource == "it"}
    assert (case.rule in fired) is case.fires


def test_every_resource_rule_has_a_second_violating_example() -> None:
    resource_rules = {rid for rid, rule in BY_ID.items() if not rule.is_stack}
    with_second = {c.rule for c in BRANCHES if c.fires}
    # One value violates these (`is True`, `== "NONE"`): their second example is the absent key, which passes.
    assert resource_rules - with_second == {"subnet-no-auto-public-ip", "lambda-url-auth", "ecs-no-public-ip"}
