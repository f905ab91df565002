"""The preview stage in the planner: names, and platforms that cannot share."""

from __future__ import annotations

import pytest

from analysis.errors import UserError
from analysis.load import analyze_app
from analysis.preview import pr_number, preview_database, route_priority
from analysis.stack_config import StackSettings, parse_settings
from analysis.stage_plan import plan_stage
from tests.conftest import EXAMPLE_APP


@pytest.fixture(scope="module")
def analysis():
    return analyze_app(EXAMPLE_APP)


def test_stack_names() -> None:
    assert pr_number("pr-123") == 123 and pr_number("acme/farm-deploy/pr-7") == 7
    assert pr_number("dev") is None and pr_number("preview") is None
    with pytest.raises(UserError, match="not a number"):
        pr_number("pr-12x")
    assert parse_settings({}, file="Pulumi.pr-5.yaml", stack="pr-5").resolved_stage("pr-5") == "preview"
    # farm:stage wins over the name
    assert parse_settings({"stage": "dev"}, file="f", stack="pr-5").resolved_stage("pr-5") == "dev"
    with pytest.raises(UserError) as exc:
        parse_settings({}, file="Pulumi.pr-x.yaml", stack="pr-x")
    assert exc.value.file == "Pulumi.pr-x.yaml"


def test_priorities_and_databases_are_the_previews_own() -> None:
    assert route_priority("pr-1", 1) == 1 and route_priority("pr-49999", 49999) == 49999
    assert 1 <= route_priority("feature", None) <= 50000
    assert preview_database("app", "pr-12") == "app-pr-12"
    assert preview_database("my.db", "pr-1") == "my-db-pr-1"  # MongoDB names may not hold "."


def test_the_preview_plan_is_devs_cut_down(analysis) -> None:
    plan = plan_stage(analysis, StackSettings(), "preview", stack="pr-123")
    assert plan.stage == "preview" and plan.platform == "aws"
    assert (plan.api.cpu, plan.api.memory, plan.api.min_count, plan.api.max_count) == (256, 512, 1, 1)
    assert plan.protect_stateful is False and plan.cost is None
    assert plan.preview is not None and plan.preview.database_name == "farm_chat-pr-123"
    assert plan.preview.route_value == "pr-123" and plan.preview.route_priority == 123


def test_vercel_has_previews_of_its_own(analysis) -> None:
    with pytest.raises(UserError) as exc:
        plan_stage(analysis, StackSettings(platform="vercel"), "preview", stack="pr-3")
    assert "vercel" in exc.value.message and "preview deployment" in (exc.value.hint or "")


@pytest.mark.parametrize("platform", ["railway", "docker", "aws-serverless"])
def test_platforms_that_cannot_share_are_refused(analysis, platform: str) -> None:
    with pytest.raises(UserError, match="preview"):
        plan_stage(analysis, StackSettings(platform=platform), "preview", stack="pr-3")
