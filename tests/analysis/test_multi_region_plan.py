"""Which stages span farm.config's `deployment.regions`, and at what size (issue 14).

Prod takes the app's regions; staging mirrors them at its smallest size when it
can (M10 is the smallest Atlas tier that spans regions); dev stays in the first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.load import analyze_app
from analysis.stack_config import parse_settings
from analysis.stage_plan import plan_stage

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "examples" / "farm-chat"


@pytest.fixture(scope="module")
def two_region_app(tmp_path_factory: pytest.TempPathFactory):
    app = tmp_path_factory.mktemp("app") / "farm-chat"
    shutil.copytree(APP, app, ignore=shutil.ignore_patterns("node_modules", ".venv", "__pycache__"))
    config = app / "farm.config.ts"
    text = config.read_text(encoding="utf-8")
    assert "regions: ['us-east-1']" in text
    config.write_text(text.replace("regions: ['us-east-1']", "regions: ['us-east-1', 'eu-west-1']"), encoding="utf-8")
    return analyze_app(app)


def settings(stack: str, **extra: object):
    raw = {"domain": "app.example.com", "hostedZone": "example.com", **extra}
    return parse_settings(raw, file=f"Pulumi.{stack}.yaml", stack=stack)


def test_prod_spans_the_apps_regions(two_region_app) -> None:
    plan = plan_stage(two_region_app, settings("prod"), "prod")
    assert plan.multi_region is not None
    assert plan.multi_region.regions == ["us-east-1", "eu-west-1"]
    assert [(n.atlas_region, n.electable_nodes, n.priority) for n in plan.multi_region.db_nodes] == [
        ("US_EAST_1", 3, 7),
        ("EU_WEST_1", 2, 6),
    ]


def test_staging_mirrors_them_on_the_smallest_tier_that_spans_regions(two_region_app) -> None:
    plan = plan_stage(two_region_app, settings("staging"), "staging")
    assert plan.multi_region is not None and plan.multi_region.regions == ["us-east-1", "eu-west-1"]
    # Staging's own default (Flex) cannot span regions: M10, with the reason said.
    assert (plan.components.db, plan.db.instance_size) == ("dedicated", "M10")
    assert "Atlas M10: the smallest tier that spans regions" in plan.reasons["db"]
    assert (
        plan.api.min_count
        == plan_stage(two_region_app, settings("staging", regions=["us-east-1"]), "staging").api.min_count
    )


def test_staging_without_a_hosted_zone_stays_in_the_first_region_and_says_why(two_region_app) -> None:
    raw = parse_settings({}, file="Pulumi.staging.yaml", stack="staging")
    plan = plan_stage(two_region_app, raw, "staging")
    assert plan.multi_region is None and plan.region == "us-east-1"
    assert any(w.startswith("staging stays in us-east-1 instead of mirroring") for w in plan.warnings)


def test_dev_stays_in_the_first_region(two_region_app) -> None:
    plan = plan_stage(two_region_app, settings("dev"), "dev")
    assert plan.multi_region is None and plan.regions == ["us-east-1"]


def test_an_explicit_flex_tier_cannot_span(two_region_app) -> None:
    from analysis.errors import UserError

    with pytest.raises(UserError) as err:
        plan_stage(two_region_app, settings("prod", dbTier="flex"), "prod")
    assert "spans regions only on dedicated clusters" in err.value.message
    assert err.value.key == "farm:dbTier"


def test_the_planners_estimate_counts_regional_parts_in_each_region(two_region_app) -> None:
    two = plan_stage(two_region_app, settings("prod"), "prod")
    one = plan_stage(two_region_app, settings("prod", regions=["us-east-1"]), "prod")
    assert two.cost is not None and one.cost is not None

    def by(plan, component: str) -> float:
        assert plan.cost is not None
        return round(sum(i.monthly for i in plan.cost.items if i.component == component), 2)

    for component in ("network", "api", "ai"):
        assert by(two, component) == pytest.approx(2 * by(one, component), abs=0.02), component
    # The site is one global distribution; Atlas grows from 3 to 5 electable nodes.
    assert by(two, "web") == by(one, "web")
    assert by(two, "db") == pytest.approx(by(one, "db") * 5 / 3, abs=0.02)
    assert any("2 regions" in note for note in two.cost.notes)
