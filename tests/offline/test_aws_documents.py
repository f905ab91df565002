"""Documents inside resource inputs, checked against AWS's own shapes (farm_deploy/aws_documents.py)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from farm_deploy.aws_documents import (
    POLICY_FIELDS,
    check_container_definitions,
    check_dashboard_body,
    check_iam_policy,
    check_resources,
    check_user_data,
)
from farm_deploy.offline_plan import run_plan

ROOT = Path(__file__).resolve().parents[2]
API = {
    "name": "api",
    "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/api@sha256:" + "0" * 64,
    "essential": True,
    "portMappings": [{"containerPort": 8000, "protocol": "tcp"}],
    "healthCheck": {"command": ["CMD", "true"], "interval": 30, "retries": 3},
    "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g"}},
}


def _defs(**changes: object) -> str:
    return json.dumps([{**API, **changes}])


@pytest.fixture(scope="module")
def shipped_plans():
    return {stack: run_plan(ROOT, stack) for stack in ("dev", "staging", "prod")}


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_shipped_stacks_documents_match_aws_shapes(shipped_plans, stack):
    plan = shipped_plans[stack]
    checked = {r.type for r in plan.resources} & {
        "aws:ecs/taskDefinition:TaskDefinition",
        "aws:cloudwatch/dashboard:Dashboard",
        "aws:ec2/launchTemplate:LaunchTemplate",
    }
    assert "aws:ecs/taskDefinition:TaskDefinition" in checked
    issues = [
        i for i in check_resources(plan.resources) if i.field in ("containerDefinitions", "dashboardBody", "userData")
    ]
    assert issues == []


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_shipped_stacks_iam_policies_have_no_unexplained_parliament_finding(shipped_plans, stack):
    # With the offline ARNs shaped as each service makes them (farm_deploy/offline/arns.py),
    # every finding parliament still reports would be a real one.
    plan = shipped_plans[stack]
    policies = [r for r in plan.resources if r.type in POLICY_FIELDS]
    assert len(policies) >= 7
    assert check_resources(plan.resources) == []
    assert plan.documents == []
    assert plan.to_json()["documents"] == []


def test_a_policy_on_a_made_up_arn_is_reported_with_the_format_aws_wants():
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:db-url",
            }
        ],
    }
    (problem,) = check_iam_policy(json.dumps(policy), "identity")
    assert problem.startswith("RESOURCE_MISMATCH") and "arn:*:secretsmanager:*:*:secret:*" in problem


def test_a_valid_container_definition_passes():
    assert check_container_definitions(_defs()) == []


def test_a_misspelled_container_field_is_refused_with_the_right_name():
    bad = [{**API}]
    bad[0]["healthcheck"] = bad[0].pop("healthCheck")
    problems = check_container_definitions(json.dumps(bad))
    assert problems == ["[0]: unknown field `healthcheck` in ContainerDefinition (did you mean `healthCheck`?)"]


def test_nested_shapes_types_and_enums_are_checked():
    problems = check_container_definitions(
        _defs(
            essential="true",
            logConfiguration={"logDriver": "cloudwatch"},
            portMappings=[{"containerPort": "8000"}],
            healthCheck={"interval": 30},
        )
    )
    assert "[0].essential: expected true or false, got 'true'" in problems
    assert any(p.startswith("[0].logConfiguration.logDriver: `cloudwatch` is not one of") for p in problems)
    assert "[0].portMappings[0].containerPort: expected an integer, got '8000'" in problems
    assert "[0].healthCheck: missing required `command`" in problems


def test_name_and_image_are_required():
    assert check_container_definitions(json.dumps([{"essential": True}])) == [
        "[0]: missing required `name`",
        "[0]: missing required `image`",
    ]


def _dashboard(*widgets: dict) -> str:
    return json.dumps({"widgets": list(widgets)})


METRIC = {
    "type": "metric",
    "x": 0,
    "y": 0,
    "width": 12,
    "height": 6,
    "properties": {
        "metrics": [["AWS/ECS", "CPUUtilization", "ServiceName", "api"]],
        "region": "eu-west-1",
        "period": 300,
    },
}


def test_dashboard_body_rules():
    assert check_dashboard_body(_dashboard(METRIC, {"type": "text", "properties": {"markdown": "hi"}})) == []
    wide = {**METRIC, "width": 30}
    no_region = {**METRIC, "properties": {"metrics": []}}
    odd_period = {**METRIC, "properties": {**METRIC["properties"], "period": 90}}
    problems = check_dashboard_body(_dashboard(wide, no_region, odd_period, {"type": "graph", "properties": {}}))
    assert "widgets[0].width: 30 is outside 1..24" in problems
    assert "widgets[1].properties: metric widgets require `region`" in problems
    assert "widgets[2].properties.period: 90 is not 1, 5, 10, 30 or a multiple of 60" in problems
    assert any(p.startswith("widgets[3].type: `graph` is not one of") for p in problems)
    assert check_dashboard_body('{"widget": []}') == ["the body must be an object with a `widgets` array"]


def test_user_data_must_be_base64_of_a_parsable_script():
    good = base64.b64encode(b"#!/bin/bash\necho ok\n").decode()
    assert check_user_data(good) == []
    assert check_user_data("#!/bin/bash\necho not encoded")[0].startswith("not base64")
    broken = base64.b64encode(b"#!/bin/bash\nif true; then\n").decode()
    assert check_user_data(broken)[0].startswith("bash cannot parse it")
    assert check_user_data(base64.b64encode(b"echo no shebang\n").decode()) == [
        "the script has no #! line, so cloud-init does not run it"
    ]


TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def test_iam_trust_policy_without_resource_is_expected_but_not_an_identity_policy_without_one():
    assert check_iam_policy(json.dumps(TRUST), "trust") == []
    assert any("neither Resource nor NotResource" in p for p in check_iam_policy(json.dumps(TRUST), "identity"))


def test_iam_unknown_action_and_resource_mismatch_are_found():
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObjct", "Resource": "arn:aws:s3:::bucket/*"},
            {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "arn:aws:s3:::bucket",
            },
        ],
    }
    problems = check_iam_policy(json.dumps(policy), "identity")
    assert any(p.startswith("UNKNOWN_ACTION") for p in problems)
    assert any(p.startswith("RESOURCE_MISMATCH") and "secretsmanager:GetSecretValue" in p for p in problems)


def test_a_key_policy_may_name_resource_star_but_an_identity_policy_is_told():
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "kms:Decrypt",
                "Resource": "*",
            }
        ],
    }
    assert check_iam_policy(json.dumps(policy), "key") == []
    assert any(p.startswith("RESOURCE_STAR") for p in check_iam_policy(json.dumps(policy), "resource"))


# --------------------------------------------------------------------------- Route 53 routing values


def test_route53_alarm_regions_and_latency_regions_are_checked_against_the_service_model() -> None:
    from farm_deploy.aws_documents import check_route53

    health = "aws:route53/healthCheck:HealthCheck"
    assert check_route53(health, {"type": "CLOUDWATCH_METRIC", "cloudwatchAlarmRegion": "eu-west-1"}) == []
    # botocore knows me-west-1 as a region, but Route 53's CloudWatchRegion enum does not list it yet:
    # an alarm-based health check there would be refused by the API.
    (problem,) = check_route53(health, {"type": "CLOUDWATCH_METRIC", "cloudwatchAlarmRegion": "me-west-1"})
    assert "'me-west-1'" in problem and "CloudWatchRegion" in problem
    assert check_route53(health, {"type": "CLOUDWATCH"}) != []
    record = "aws:route53/record:Record"
    assert check_route53(record, {"latencyRoutingPolicies": [{"region": "eu-west-1"}]}) == []
    (problem,) = check_route53(record, {"latencyRoutingPolicies": [{"region": "sa-west-1"}]})
    assert "ResourceRecordSetRegion" in problem
    # A simple record has no routing region to check.
    assert check_route53(record, {"name": "app.example.com", "type": "A"}) == []
