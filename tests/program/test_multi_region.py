"""Issue 14: prod in two regions, planned offline through the whole program.

A copy of the shipped prod stack with `farm:regions: [us-east-1, eu-west-1]`
and a hosted zone (multi-region routes `api.<domain>` with Route 53). What
would reach AWS and Atlas is asserted: a provider per region with every
regional resource on it, secrets replicated, Atlas's electable nodes in both
regions, latency routing with health checks, and the cost per region.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from farm_deploy.cli import main
from farm_deploy.offline_plan import OfflinePlan, run_plan

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "examples" / "farm-chat"
REGIONS = ["us-east-1", "eu-west-1"]
# The components each region holds, by their name after `farm-prod-` (and the region).
REGIONAL = ("net", "ecs", "api", "ollama", "alarms", "monitoring", "key", "access-logs", "api-cert", "api-route")


def stack_copy(tmp: Path, **changes: Any) -> Path:
    """A project folder holding prod's stack file with `changes` (None deletes a key)."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp / "Pulumi.yaml")
    doc = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text(encoding="utf-8"))
    config = doc["config"]
    config["farm:appPath"] = str(APP)
    config.pop("farm:certificateArn")
    config["farm:hostedZone"] = "example.com"
    config["farm:regions"] = REGIONS
    for key, value in changes.items():
        key = "farm:" + key
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    (tmp / "Pulumi.prod.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return tmp


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> OfflinePlan:
    return run_plan(stack_copy(tmp_path_factory.mktemp("two-regions")), "prod")


def of_type(result: OfflinePlan, typ: str) -> list[Any]:
    return [r for r in result.resources if r.type == typ]


def named(result: OfflinePlan, name: str) -> Any:
    (found,) = [r for r in result.resources if r.name == name]
    return found


def top_component(result: OfflinePlan, resource: Any) -> Any:
    by_urn = {r.urn: r for r in result.resources}
    node, top = resource, None
    while node is not None:
        if node.type.startswith("farm:"):
            top = node
        node = by_urn.get(node.parent) if node.parent else None
    return top


# --------------------------------------------------------------------------- the plan


def test_the_plan_spans_both_regions_with_the_primary_first(two: OfflinePlan) -> None:
    spread = two.plan.multi_region
    assert spread is not None
    assert (two.plan.region, spread.regions, spread.ai_regions) == ("us-east-1", REGIONS, REGIONS)
    assert two.plan.components.db == "dedicated"
    assert spread.survives == [
        "losing us-east-1: reads continue, writes stop (2 of 5 electable nodes left)",
        "losing eu-west-1: reads and writes continue (3 of 5 electable nodes left)",
    ]


# --------------------------------------------------------------------------- a provider per region


def test_a_provider_per_region_and_every_regional_resource_on_its_region(two: OfflinePlan) -> None:
    providers = {r.name: r.inputs["region"] for r in of_type(two, "pulumi:providers:aws")}
    assert providers == {
        "farm-prod-aws": "us-east-1",
        "farm-prod-aws-eu-west-1": "eu-west-1",
        "farm-prod-aws-us-east-1": "us-east-1",  # CloudFront's certificate, ACL and log delivery
    }
    seen: dict[str, set[str]] = {region: set() for region in REGIONS}
    for resource in two.resources:
        if not resource.custom or resource.type.startswith("pulumi:providers:") or not resource.type.startswith("aws:"):
            continue
        top = top_component(two, resource)
        if top is None:
            continue
        part = top.name.removeprefix("farm-prod-")
        region = "eu-west-1" if part.startswith("eu-west-1-") else "us-east-1"
        part = part.removeprefix("eu-west-1-")
        if part not in REGIONAL:
            continue
        provider = two.provider_of(resource)
        assert provider.region == region, (resource.name, provider)
        assert provider.name == ("farm-prod-aws" if region == "us-east-1" else "farm-prod-aws-eu-west-1")
        seen[region].add(part)
    # Both regions hold the same set of components (Ollama included: it runs in both by default).
    assert seen["us-east-1"] == seen["eu-west-1"] == set(REGIONAL)


def test_each_region_has_its_own_vpc_cluster_service_and_load_balancer(two: OfflinePlan) -> None:
    for typ in ("aws:ec2/vpc:Vpc", "aws:ecs/cluster:Cluster", "aws:lb/loadBalancer:LoadBalancer"):
        regions = sorted(two.provider_of(r).region for r in of_type(two, typ))
        assert regions == sorted(REGIONS), typ
    services = {r.name: two.provider_of(r).region for r in of_type(two, "aws:ecs/service:Service")}
    assert sorted(services.values()) == sorted(REGIONS * 2)  # the API and Ollama in each


# --------------------------------------------------------------------------- secrets


def test_secrets_are_replicated_to_the_other_region_with_its_own_key(two: OfflinePlan) -> None:
    eu_key = named(two, "farm-prod-eu-west-1-key-key")
    secrets = of_type(two, "aws:secretsmanager/secret:Secret")
    assert secrets
    for secret in secrets:
        assert two.provider_of(secret).region == "us-east-1"
        (replica,) = secret.inputs["replicas"]
        assert replica["region"] == "eu-west-1"
        assert replica["kmsKeyId"] == eu_key.outputs["arn"]
        assert ":eu-west-1:" in replica["kmsKeyId"]


def test_each_regions_api_reads_the_secrets_in_its_own_region(two: OfflinePlan) -> None:
    for name, region in (("farm-prod-api-task", "us-east-1"), ("farm-prod-eu-west-1-api-task", "eu-west-1")):
        task = named(two, name)
        (container,) = json.loads(task.inputs["containerDefinitions"])
        arns = [s["valueFrom"] for s in container["secrets"]]
        assert arns and all(a.startswith(f"arn:aws:secretsmanager:{region}:") for a in arns), arns
        # The same secret names in both regions: replicas keep the primary's name.
        assert {a.split(":")[6] for a in arns}


# --------------------------------------------------------------------------- Atlas


def test_atlas_has_electable_nodes_in_both_regions_primary_highest(two: OfflinePlan) -> None:
    (cluster,) = of_type(two, "mongodbatlas:index/advancedCluster:AdvancedCluster")
    (spec,) = cluster.inputs["replicationSpecs"]
    got = [
        (c["regionName"], c["priority"], c["electableSpecs"]["nodeCount"], c["electableSpecs"]["instanceSize"])
        for c in spec["regionConfigs"]
    ]
    assert got == [("US_EAST_1", 7, 3, "M10"), ("EU_WEST_1", 6, 2, "M10")]


def test_atlas_admits_the_nat_addresses_of_every_region(two: OfflinePlan) -> None:
    eips = of_type(two, "aws:ec2/eip:Eip")
    assert sorted({two.provider_of(e).region for e in eips}) == sorted(REGIONS)
    entries = of_type(two, "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList")
    # Each NAT address of each region is one entry, its CIDR computed from that EIP's public IP.
    sources = [set(e.property_dependencies.get("cidrBlock", [])) for e in entries]
    for eip in eips:
        assert sum(eip.urn in s for s in sources) == 1, eip.name
    assert len(entries) == len(eips)


def test_the_api_reads_from_the_nearest_member() -> None:
    from components.atlas_database import connection_string

    uri = connection_string("mongodb+srv://c.example.mongodb.net", "u", "p", "app", nearest=True)
    assert uri.endswith("?retryWrites=true&w=majority&readPreference=nearest")
    assert "readPreference" not in connection_string("mongodb+srv://c.example.mongodb.net", "u", "p", "app")


# --------------------------------------------------------------------------- routing


def test_api_domain_has_a_latency_record_per_region_with_a_health_check(two: OfflinePlan) -> None:
    records = [r for r in of_type(two, "aws:route53/record:Record") if r.inputs.get("latencyRoutingPolicies")]
    assert sorted(r.inputs["setIdentifier"] for r in records) == sorted(REGIONS)
    checks = {r.urn: r for r in of_type(two, "aws:route53/healthCheck:HealthCheck")}
    for record in records:
        region = record.inputs["setIdentifier"]
        assert record.inputs["name"] == "api.app.example.com"
        assert record.inputs["latencyRoutingPolicies"] == [{"region": region}]
        (alias,) = record.inputs["aliases"]
        assert alias["evaluateTargetHealth"] is True
        # The alias is that region's load balancer.
        (alb,) = [lb for lb in of_type(two, "aws:lb/loadBalancer:LoadBalancer") if two.provider_of(lb).region == region]
        assert alias["name"] == alb.outputs["dnsName"]
        (check_urn,) = record.property_dependencies["healthCheckId"]
        check = checks[check_urn]
        assert two.provider_of(check).region == region
        assert check.inputs["type"] == "CLOUDWATCH_METRIC"
        assert check.inputs["cloudwatchAlarmRegion"] == region
        alarm = next(
            a
            for a in of_type(two, "aws:cloudwatch/metricAlarm:MetricAlarm")
            if a.outputs.get("name") == check.inputs["cloudwatchAlarmName"]
        )
        assert two.provider_of(alarm).region == region
        assert (alarm.inputs["metricName"], alarm.inputs["comparisonOperator"], alarm.inputs["threshold"]) == (
            "HealthyHostCount",
            "LessThanThreshold",
            1,
        )
    # No simple (non-latency) record competes for the API's name.
    plain = [r for r in of_type(two, "aws:route53/record:Record") if r.inputs.get("name") == "api.app.example.com"]
    assert all(r.inputs.get("latencyRoutingPolicies") for r in plain)


def test_cloudfront_reaches_the_api_by_name_with_the_origin_header_the_listeners_require(two: OfflinePlan) -> None:
    (distribution,) = of_type(two, "aws:cloudfront/distribution:Distribution")
    (api,) = [o for o in distribution.inputs["origins"] if o["originId"] == "api"]
    assert api["domainName"] == "api.app.example.com"
    assert "vpcOriginConfig" not in api and api["customOriginConfig"]["originProtocolPolicy"] == "https-only"
    (header,) = api["customHeaders"]
    assert header["name"] == "X-Farm-Origin-Verify"
    rules = of_type(two, "aws:lb/listenerRule:ListenerRule")
    assert len(rules) == 2
    for rule in rules:
        (condition,) = rule.inputs["conditions"]
        assert condition["httpHeader"] == {"httpHeaderName": "X-Farm-Origin-Verify", "values": [header["value"]]}
    for listener in of_type(two, "aws:lb/listener:Listener"):
        # Only HTTPS, and 403 unless the rule above forwards.
        assert listener.inputs["port"] == 443
        assert [a["type"] for a in listener.inputs["defaultActions"]] == ["fixed-response"]
    for lb in of_type(two, "aws:lb/loadBalancer:LoadBalancer"):
        assert lb.inputs["internal"] is False
    assert not of_type(two, "aws:cloudfront/vpcOrigin:VpcOrigin")


def test_the_regions_output_lists_each_region_for_operations(two: OfflinePlan) -> None:
    regions = two.outputs["regions"]
    assert sorted(regions) == sorted(REGIONS)
    assert [regions[r]["primary"] for r in REGIONS] == [True, False]
    for region in REGIONS:
        entry = regions[region]
        assert set(entry["ecs"]["services"]) == {"api", "ollama"}
        assert set(entry["logGroups"]) == {"api", "ollama"}
        assert entry["healthCheckId"] and entry["alarmNames"]


# --------------------------------------------------------------------------- cost and policy


def test_cost_is_itemised_per_region_and_adds_up(two: OfflinePlan) -> None:
    cost = two.cost
    assert list(cost.regions) == REGIONS
    assert round(sum(v["typical"] for v in cost.regions.values()), 2) == cost.typical
    assert round(sum(v["idle"] for v in cost.regions.values()), 2) == cost.idle
    eu = [i for i in cost.items if i.region == "eu-west-1"]
    assert eu and all(i.component.startswith("eu-west-1-") for i in eu)
    # Priced with eu-west-1's table: its GPU hours cost more than us-east-1's.
    gpu = {i.region: i.unit_price for i in cost.items if i.price_key.startswith("ec2.g5.xlarge")}
    assert gpu["eu-west-1"] > gpu["us-east-1"]
    # Five electable nodes: 5/3 of the 3-node price.
    (atlas,) = [i for i in cost.items if i.price_key == "atlas.m10_hour"]
    assert atlas.quantity == pytest.approx(730 * 5 / 3, rel=1e-3)


def test_the_region_policies_pass_and_nothing_is_mandatory(two: OfflinePlan) -> None:
    assert two.policy is not None
    assert [v for v in two.policy.violations if v.level == "mandatory"] == []


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("changes", "message", "key"),
    [
        ({"regions": ["us-east-1", "eu-west-1", "us-east-1"]}, "region us-east-1 is listed twice", "farm:regions"),
        (
            {"regions": ["us-east-1", "us-gov-west-1"]},
            "MongoDB Atlas does not offer AWS region us-gov-west-1",
            "farm:regions",
        ),
        (
            {"dbTier": "flex"},
            "MongoDB Atlas spans regions only on dedicated clusters (M10+); farm:dbTier is flex",
            "farm:dbTier",
        ),
        (
            {"regions": ["us-east-1", "us-west-1"]},
            "GPU instance type g5.xlarge is not offered in us-west-1",
            "farm:gpuInstanceType",
        ),
        (
            {"hostedZone": None, "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x"},
            "needs farm:domain and farm:hostedZone",
            "farm:hostedZone",
        ),
        (
            {"apiCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/y"},
            "farm:apiCertificateArn names one region's certificate",
            "farm:apiCertificateArn",
        ),
        ({"region": "eu-west-1"}, "farm:region is eu-west-1 but farm:regions starts with us-east-1", "farm:region"),
        (
            {"aiRegions": ["ap-southeast-2"]},
            "ap-southeast-2 is in farm:aiRegions but not in farm:regions",
            "farm:aiRegions",
        ),
    ],
)
def test_bad_multi_region_input_is_one_message_and_a_non_zero_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], changes: dict[str, Any], message: str, key: str
) -> None:
    project = stack_copy(tmp_path, **changes)
    code = main(["plan", "--stack", "prod", "--project-dir", str(project)])
    err = capsys.readouterr().err
    assert code != 0
    assert message in err and key in err
    assert "Traceback" not in err
