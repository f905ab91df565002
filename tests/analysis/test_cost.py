"""Cost per stage from the dated price table: every line traceable to a table
item, quantities derived from the plan and the stated usage assumptions."""

from __future__ import annotations

import copy
import re

import pytest

from analysis.cost import estimate, load_prices
from analysis.models import STAGES
from analysis.stack_config import StackSettings
from analysis.stage_plan import plan_stage, plan_stages
from tests.analysis.factories import crud_app, farm_chat

TABLE = load_prices()


def by_item(cost, key: str):
    return [i for i in cost.items if i.source.startswith(key + ":")]


def test_price_table_states_region_date_currency_and_sources():
    assert (TABLE["region"], TABLE["currency"]) == ("us-east-1", "USD")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", TABLE["date"])
    for key, item in TABLE["items"].items():
        assert item["price"] >= 0, key
        assert item["unit"], key
        assert item["source"].startswith("https://"), key
    required = {
        "fargate.vcpu_hour", "fargate.gb_hour", "alb.hour", "alb.lcu_hour", "nat.hour", "nat.gb",
        "ec2.g4dn.xlarge", "ec2.g5.xlarge", "ebs.gp3_gb_month", "efs.standard_gb_month", "s3.standard_gb_month",
        "s3.put_1k", "cloudfront.gb", "cloudfront.https_10k", "lambda.gb_second", "lambda.requests_1m",
        "cloudwatch.alarm_month", "cloudwatch.dashboard_month", "cloudwatch.logs_ingest_gb",
        "secretsmanager.secret_month", "ecr.gb_month", "atlas.m0_month", "atlas.flex_hour", "atlas.m10_hour",
        "vercel.pro_seat_month", "openai.gpt-5-mini.input_1m", "openai.gpt-5-mini.output_1m",
    }  # fmt: skip
    assert required <= set(TABLE["items"])
    assert set(TABLE["usage"]) == set(STAGES)


def test_every_line_is_quantity_times_unit_price_from_the_table():
    for plan in plan_stages(farm_chat()).values():
        cost = plan.cost
        assert (cost.region, cost.currency, cost.price_table_date) == ("us-east-1", "USD", TABLE["date"])
        for line in cost.items:
            key = line.source.split(":", 1)[0]
            item = TABLE["items"][key]
            assert line.unit_price == item["price"]
            assert line.unit == item["unit"]
            assert item["source"] in line.source
            expected = min(line.quantity * line.unit_price, item.get("cap_monthly", float("inf")))
            assert line.monthly == pytest.approx(expected, abs=0.01)
        assert cost.total == pytest.approx(sum(i.monthly for i in cost.items), abs=0.005)
        assert cost.usage == {k: float(v) for k, v in TABLE["usage"][plan.stage].items()}


def test_prod_gpu_runs_all_month_and_dev_gpu_uses_the_stated_hours():
    plans = plan_stages(farm_chat())
    hours = TABLE["hours_per_month"]
    [prod_gpu] = by_item(plans["prod"].cost, "ec2.g5.xlarge")
    assert prod_gpu.quantity == hours
    [dev_gpu] = by_item(plans["dev"].cost, "ec2.g4dn.xlarge")
    assert dev_gpu.quantity == TABLE["usage"]["dev"]["gpu_hours_when_scaled_to_zero"]
    assert "scales to zero" in dev_gpu.item
    assert by_item(plans["staging"].cost, "ec2.g5.xlarge") == []


def test_network_and_api_lines_follow_the_plan():
    plans = plan_stages(farm_chat())
    hours = TABLE["hours_per_month"]
    assert by_item(plans["dev"].cost, "nat.hour")[0].quantity == hours
    assert by_item(plans["prod"].cost, "nat.hour")[0].quantity == 2 * hours  # one per AZ
    [vcpu] = by_item(plans["prod"].cost, "fargate.vcpu_hour")
    assert vcpu.quantity == pytest.approx(1 * 2 * hours)  # 1 vCPU x 2 tasks
    [db] = by_item(plans["prod"].cost, "atlas.m10_hour")
    assert db.monthly == pytest.approx(hours * TABLE["items"]["atlas.m10_hour"]["price"], abs=0.01)
    assert by_item(plans["dev"].cost, "atlas.m0_month")[0].monthly == 0


def test_staging_prices_openai_tokens_and_dev_notes_the_fallback():
    plans = plan_stages(farm_chat())
    [tokens_in] = by_item(plans["staging"].cost, "openai.gpt-5-mini.input_1m")
    assert tokens_in.quantity == TABLE["usage"]["staging"]["openai_input_millions"]
    assert any("fallback" in n for n in plans["dev"].cost.notes)
    assert by_item(plans["dev"].cost, "openai.gpt-5-mini.input_1m") == []


def test_monitoring_level_sets_alarm_count():
    plans = plan_stages(farm_chat())
    alarms = {s: by_item(p.cost, "cloudwatch.alarm_month")[0].quantity for s, p in plans.items()}
    assert alarms == {"dev": 3, "staging": 6, "prod": 10}
    assert by_item(plans["dev"].cost, "cloudwatch.dashboard_month") == []


def test_secrets_are_counted_from_the_plan():
    dev = plan_stages(farm_chat())["dev"]
    secrets = [v.name for v in dev.env if v.secret and v.target == "api"]
    assert secrets == ["MONGODB_URL", "OPENAI_API_KEY"]
    assert by_item(dev.cost, "secretsmanager.secret_month")[0].quantity == 2


def test_usage_assumptions_drive_the_estimate():
    dev = plan_stage(farm_chat(), StackSettings(), "dev")
    table = copy.deepcopy(TABLE)
    table["usage"]["dev"]["nat_gb"] = 1000
    changed = estimate(dev, table)
    assert by_item(changed, "nat.gb")[0].monthly == pytest.approx(1000 * TABLE["items"]["nat.gb"]["price"])
    assert changed.total > dev.cost.total


def test_flex_is_capped_monthly():
    staging = plan_stage(farm_chat(), StackSettings(), "staging")
    table = copy.deepcopy(TABLE)
    table["items"]["atlas.flex_hour"]["price"] = 1.0
    [flex] = by_item(estimate(staging, table), "atlas.flex_hour")
    assert flex.monthly == table["items"]["atlas.flex_hour"]["cap_monthly"]


def test_lambda_cost_is_gb_seconds_and_requests():
    p = plan_stage(crud_app(), StackSettings.model_validate({"api": "lambda"}), "dev")
    usage = TABLE["usage"]["dev"]
    [gbs] = by_item(p.cost, "lambda.gb_second")
    assert gbs.quantity == pytest.approx(
        usage["api_requests_millions"] * 1e6 * usage["lambda_avg_seconds"] * p.api.lambda_memory / 1024, rel=1e-4
    )
    assert by_item(p.cost, "lambda.requests_1m")[0].quantity == usage["api_requests_millions"]
    assert by_item(p.cost, "alb.hour") == []


def test_vercel_and_docker_state_what_is_not_priced():
    vercel = plan_stage(crud_app(), StackSettings(), "dev")
    assert vercel.platform == "vercel"
    assert [i.source.split(":")[0] for i in vercel.cost.items] == ["vercel.pro_seat_month", "atlas.m0_month"]
    assert any("counted in every stage" in n for n in vercel.cost.notes)
    docker = plan_stage(crud_app(), StackSettings.model_validate({"platform": "docker"}), "dev")
    assert docker.cost.items == [] and docker.cost.total == 0
    assert any("not priced" in n for n in docker.cost.notes)
