"""The estimate from declared resources, on hand-built records (types and camelCase inputs as recorded)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from analysis.cost_declared import PRICES_DIR, available_regions, estimate_declared, stale_tables

H = 730


def comp(name: str, token: str = "farm:compute:ApiService") -> dict:
    return {"type": token, "name": name, "parent": None, "inputs": {}}


def res(token: str, name: str, parent: str, **inputs) -> dict:
    return {"type": f"aws:{token}", "name": name, "parent": parent, "inputs": inputs}


def fargate_api(desired: float = 2.0, cpu: str = "256", memory: str = "512", low: float | None = None) -> list[dict]:
    rows = [
        comp("farm-t-api"),
        res("ecs/taskDefinition:TaskDefinition", "farm-t-api-task", "farm-t-api", cpu=cpu, memory=memory),
        res("ecs/service:Service", "farm-t-api-service", "farm-t-api", desiredCount=desired, launchType="FARGATE"),
    ]
    if low is not None:
        rows.append(res("appautoscaling/target:Target", "farm-t-api-scaling", "farm-t-api", minCapacity=low))
    return rows


def gpu(low: float = 0.0, desired: float = 1.0, scale_min: float | None = None, itype: str = "g4dn.xlarge") -> list:
    rows = [
        comp("farm-t-ollama", "farm:ai:OllamaService"),
        res(
            "ec2/launchTemplate:LaunchTemplate",
            "farm-t-ollama-lt",
            "farm-t-ollama",
            instanceType=itype,
            blockDeviceMappings=[{"ebs": {"volumeSize": 60.0, "volumeType": "gp3"}}],
        ),
        res("autoscaling/group:Group", "farm-t-ollama-asg", "farm-t-ollama", minSize=low, maxSize=1.0),
        res(
            "ecs/service:Service",
            "farm-t-ollama-service",
            "farm-t-ollama",
            desiredCount=desired,
            capacityProviderStrategies=[{"capacityProvider": "cp", "weight": 1.0}],
        ),
    ]
    if scale_min is not None:
        rows.append(
            res("appautoscaling/target:Target", "farm-t-ollama-scaling", "farm-t-ollama", minCapacity=scale_min)
        )
    return rows


def by_key(cost) -> dict[str, object]:
    return {i.price_key: i for i in cost.items}


def test_fargate_tasks_priced_from_task_size_and_desired_count():
    cost = estimate_declared(fargate_api(), stage="dev", region="us-east-1", prefix="farm-t-")
    items = by_key(cost)
    # 2 tasks x 0.25 vCPU x 730 h x 0.04048; 2 x 0.5 GB x 730 h x 0.004445 (us-east-1 list prices)
    assert items["fargate.vcpu_hour"].monthly == 14.78
    assert items["fargate.gb_hour"].monthly == 3.24
    assert items["fargate.vcpu_hour"].component == "api"
    assert items["fargate.vcpu_hour"].item == "api-service: 0.25 vCPU per task"
    assert cost.idle == cost.typical == 18.02


def test_autoscaling_minimum_is_the_idle_count():
    cost = estimate_declared(fargate_api(desired=2.0, low=1.0), stage="dev", region="us-east-1", prefix="farm-t-")
    vcpu = by_key(cost)["fargate.vcpu_hour"]
    assert (vcpu.idle, vcpu.monthly) == (7.39, 14.78)
    assert "autoscaling minimum" in vcpu.assumption


def test_gpu_service_that_keeps_one_task_keeps_one_host_all_month():
    # minSize 0 does not scale the host to zero while the ECS service wants one task.
    cost = estimate_declared(gpu(), stage="dev", region="us-east-1", prefix="farm-t-")
    items = by_key(cost)
    assert items["ec2.g4dn.xlarge"].idle == items["ec2.g4dn.xlarge"].monthly == 383.98  # 0.526 x 730
    assert items["ebs.gp3_gb_month"].monthly == 4.80  # 60 GB declared in the launch template, x 0.08
    assert "keeps 1 task running" in items["ec2.g4dn.xlarge"].assumption


def test_gpu_service_scaling_to_zero_costs_only_busy_hours():
    cost = estimate_declared(gpu(scale_min=0.0), stage="dev", region="us-east-1", prefix="farm-t-")
    host = by_key(cost)["ec2.g4dn.xlarge"]
    assert host.idle == 0
    assert host.monthly == 21.04  # 40 busy hours (usage.json, dev) x 0.526
    assert by_key(cost)["ebs.gp3_gb_month"].monthly == 0.26  # 60 GB x 40/730 month x 0.08 = 0.263


def test_prices_follow_the_region():
    nat = [
        comp("farm-t-net", "farm:network:Network"),
        res("ec2/natGateway:NatGateway", "farm-t-net-nat-0", "farm-t-net"),
    ]
    virginia = estimate_declared(nat, stage="dev", region="us-east-1", prefix="farm-t-")
    singapore = estimate_declared(nat, stage="dev", region="ap-southeast-1", prefix="farm-t-")
    assert by_key(virginia)["nat.hour"].monthly == 32.85  # 0.045 x 730
    assert by_key(singapore)["nat.hour"].monthly == 43.07  # 0.059 x 730


def test_region_without_a_table_warns_by_name_and_prices_no_aws_item():
    cost = estimate_declared(fargate_api(), stage="dev", region="sa-east-1", prefix="farm-t-")
    assert cost.items == [] and cost.typical == 0
    (warning,) = cost.warnings
    assert "sa-east-1" in warning and "us-east-1" in warning  # names the region and the ones that exist


def test_instance_type_missing_from_a_regional_table_is_named():
    cost = estimate_declared(gpu(itype="g6.xlarge"), stage="dev", region="ap-southeast-1", prefix="farm-t-")
    assert "ec2.g6.xlarge" not in by_key(cost)
    assert any("ec2.g6.xlarge" in w and "ap-southeast-1" in w for w in cost.warnings)


def test_a_standalone_instance_is_priced_all_month_or_named_as_unpriced():
    # The dev NAT instance: its type is either in the table or named in a warning, never silently left out.
    nat = [
        comp("farm-t-net", "farm:network:Network"),
        res(
            "ec2/instance:Instance",
            "farm-t-net-nat-instance",
            "farm-t-net",
            instanceType="g4dn.xlarge",
            rootBlockDevice={"volumeSize": 8.0, "volumeType": "gp3"},
        ),
    ]
    cost = estimate_declared(nat, stage="dev", region="us-east-1", prefix="farm-t-")
    items = by_key(cost)
    assert items["ec2.g4dn.xlarge"].idle == items["ec2.g4dn.xlarge"].monthly == 383.98  # 0.526 x 730, idle too
    assert items["ebs.gp3_gb_month"].monthly == 0.64  # 8 GB x 0.08
    nat[1]["inputs"]["instanceType"] = "t4g.nano"
    cost = estimate_declared(nat, stage="dev", region="us-east-1", prefix="farm-t-")
    assert "ec2.t4g.nano" not in by_key(cost)
    assert any("ec2.t4g.nano (1)" in w for w in cost.warnings)


def test_python_names_price_the_same_as_recorded_camel_case():
    snake = [
        comp("farm-t-api"),
        res("ecs/taskDefinition:TaskDefinition", "farm-t-api-task", "farm-t-api", cpu="256", memory="512"),
        {
            "type": "aws:ecs/service:Service",
            "name": "farm-t-api-service",
            "parent": "farm-t-api",
            "inputs": {"desired_count": 2, "launch_type": "FARGATE"},
        },
    ]
    a = estimate_declared(snake, stage="dev", region="us-east-1", prefix="farm-t-")
    b = estimate_declared(fargate_api(), stage="dev", region="us-east-1", prefix="farm-t-")
    assert a.typical == b.typical == 18.02


def test_flat_monthly_items_and_traffic_items_idle_at_zero():
    rows = [
        comp("farm-t-net", "farm:network:Network"),
        res("ec2/natGateway:NatGateway", "farm-t-net-nat-0", "farm-t-net"),
        res("ec2/eip:Eip", "farm-t-net-nat-0-eip", "farm-t-net"),
        res("kms/key:Key", "farm-t-net-key", "farm-t-net"),
        res("secretsmanager/secret:Secret", "farm-t-net-secret", "farm-t-net"),
    ]
    cost = estimate_declared(rows, stage="prod", region="eu-west-1", prefix="farm-t-")
    items = {(i.resource, i.price_key): i for i in cost.items}
    assert items[("farm-t-net-nat-0", "nat.hour")].monthly == 35.04  # 0.048 x 730 (Ireland)
    nat_gb = items[("farm-t-net-nat-0", "nat.gb")]
    assert (nat_gb.idle, nat_gb.monthly) == (0, 4.8)  # 100 GB (prod usage) x 0.048
    assert items[("farm-t-net-nat-0-eip", "vpc.public_ipv4_hour")].monthly == 3.65
    assert items[("farm-t-net-key", "kms.key_month")].monthly == 1.0
    assert items[("farm-t-net-secret", "secretsmanager.secret_month")].monthly == 0.4


def test_atlas_tiers():
    def cluster(size: str, provider: str) -> dict:
        spec = {"regionConfigs": [{"electableSpecs": {"instanceSize": size}, "providerName": provider}]}
        return {
            "type": "mongodbatlas:index/advancedCluster:AdvancedCluster",
            "name": f"c-{size}",
            "parent": None,
            "inputs": {"replicationSpecs": [spec]},
        }

    cost = estimate_declared([cluster("M0", "TENANT"), cluster("M10", "AWS")], stage="prod", region="us-east-1")
    assert [(i.price_key, i.monthly) for i in cost.items] == [("atlas.m0_month", 0.0), ("atlas.m10_hour", 58.4)]


def test_stale_table_warning_after_60_days():
    date = dt.date.fromisoformat(json.loads((PRICES_DIR / "aws-us-east-1.json").read_text())["date"])
    assert stale_tables("us-east-1", date + dt.timedelta(days=60)) == []
    warnings = stale_tables("us-east-1", date + dt.timedelta(days=61))
    assert len(warnings) == 2 and "61 days old" in warnings[0] and "aws-us-east-1.json" in warnings[0]


def test_the_five_regions_have_tables():
    assert set(available_regions()) >= {"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"}


@pytest.mark.parametrize(
    ("region", "key", "price"),
    [
        # Literal list prices from the pages cited in each table; a wrong table fails here.
        ("us-east-1", "fargate.vcpu_hour", 0.04048),
        ("us-east-1", "fargate.gb_hour", 0.004445),
        ("us-east-1", "nat.hour", 0.045),
        ("us-east-1", "alb.hour", 0.0225),
        ("us-east-1", "ec2.g4dn.xlarge", 0.526),
        ("us-east-1", "ec2.g5.xlarge", 1.006),
        ("us-east-1", "vpc.public_ipv4_hour", 0.005),
        ("ap-southeast-1", "nat.hour", 0.059),
        ("eu-west-1", "alb.hour", 0.0252),
    ],
)
def test_pinned_unit_prices(region: str, key: str, price: float):
    table = json.loads((PRICES_DIR / f"aws-{region}.json").read_text())
    assert table["items"][key]["price"] == price


def test_every_table_has_date_source_and_a_page_per_item():
    for path in PRICES_DIR.glob("*.json"):
        table = json.loads(path.read_text())
        dt.date.fromisoformat(table["date"])
        assert table["source"]
        for key, item in table["items"].items():
            assert item["source"].startswith("https://"), (path.name, key)
            assert item["price"] >= 0 and item["unit"]


def test_every_priced_type_keeps_its_inputs_inside_the_program():
    # The program records only PRICED_INPUTS' types for the stack output; a rule without an entry
    # there prices `plan` and the output differently.
    from analysis.cost_declared import _RULES, PRICED_INPUTS

    assert sorted(set(_RULES) - set(PRICED_INPUTS)) == []
