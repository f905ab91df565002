"""The three shipped stacks pass the policy pack as `farm-deploy plan` runs it."""

from __future__ import annotations

import pytest

from analysis.models import STAGES
from farm_deploy.offline_plan import run_plan


@pytest.mark.parametrize("stack", STAGES)
def test_shipped_stack_has_no_mandatory_violation(repo_root, stack):
    plan = run_plan(repo_root, stack)
    report = plan.policy
    assert report is not None and report.stage == stack
    assert report.checked > 0
    assert report.mandatory == [], [(v.policy, v.resource, v.message) for v in report.mandatory]
    assert report.unused_waivers == []
    assert plan.to_json()["policy"] == report.to_dict()
