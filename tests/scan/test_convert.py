"""The conversion of recorded resources into a Terraform plan JSON, on the shipped stacks' real plans."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest

from farm_deploy.scan import MAP_KEYS, PLURALS, TF_TYPES, convert, snake, tf_type_for, unmapped_reason

from .conftest import AWS_STACKS


def _resource(doc: dict[str, Any], address: str) -> dict[str, Any]:
    found = [r for r in doc["planned_values"]["root_module"]["resources"] if r["address"] == address]
    assert len(found) == 1, address
    return found[0]


def _expressions(doc: dict[str, Any], address: str) -> dict[str, Any]:
    found = [r for r in doc["configuration"]["root_module"]["resources"] if r["address"] == address]
    assert len(found) == 1, address
    return found[0]["expressions"]


def test_every_type_of_every_shipped_stack_is_mapped_or_skipped_with_a_reason(shipped_plans) -> None:
    assert set(shipped_plans) >= {"dev", "staging", "prod", "local"}
    gaps = []
    for stack, plan in shipped_plans.items():
        for r in plan.resources:
            if tf_type_for(r.type) is None and not unmapped_reason(r.type):
                gaps.append(f"{stack}: {r.type}")
        assert convert(plan.resources).unknown_types == []
    assert gaps == []


def test_every_aws_resource_is_converted_and_nothing_else(shipped_plans) -> None:
    for stack in AWS_STACKS:
        plan = shipped_plans[stack]
        converted = convert(plan.resources)
        aws = [r for r in plan.resources if r.type.startswith("aws:")]
        assert len(converted.addresses) == len(aws) > 50
        # pulumi:providers:aws: the provider pinned to us-east-1 (CloudFront's web ACL and log delivery);
        # the web invalidation of a pinned stage is a request, not infrastructure (farm_deploy/scan.py UNMAPPED)
        skipped_ok = (
            "farm:",
            "mongodbatlas:",
            "random:",
            "docker:",
            "pulumi:providers:",
            "pulumi-python:dynamic/farm:CloudFrontInvalidation",
        )
        assert all(t.startswith(skipped_ok) for t in converted.skipped)


@pytest.mark.parametrize(
    ("token", "tf_type"),
    [
        ("aws:lb/loadBalancer:LoadBalancer", "aws_lb"),
        ("aws:s3/bucket:Bucket", "aws_s3_bucket"),
        ("aws:ec2/flowLog:FlowLog", "aws_flow_log"),
        ("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "aws_default_security_group"),
        ("aws:servicediscovery/service:Service", "aws_service_discovery_service"),
        ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws_vpc_security_group_ingress_rule"),
        ("aws:s3/bucketObjectv2:BucketObjectv2", "aws_s3_object"),
    ],
)
def test_type_mapping_examples(token: str, tf_type: str) -> None:
    # Pinned from the provider's bridge metadata ("renames.resources"):
    # https://github.com/pulumi/pulumi-aws/blob/master/provider/cmd/pulumi-resource-aws/bridge-metadata.json
    assert tf_type_for(token) == tf_type


def test_every_mapped_token_is_a_resource_class_of_the_installed_sdk() -> None:
    wrong = []
    for token in TF_TYPES:
        module, _, name = token.split(":", 1)[1].partition("/")
        cls = getattr(importlib.import_module(f"pulumi_aws.{module}"), name.split(":")[1], None)
        if cls is None or vars(cls).get("pulumi_type") != token:
            wrong.append(token)
    assert wrong == []


@pytest.mark.parametrize(
    ("camel", "expected"),
    [
        ("enableHttp2", "enable_http2"),
        ("isIpv6Enabled", "is_ipv6_enabled"),
        ("httpPutResponseHopLimit", "http_put_response_hop_limit"),
        ("s3BucketName", "s3_bucket_name"),
        ("roleARN", "role_arn"),
        ("cidrIpv4", "cidr_ipv4"),
        ("port", "port"),
    ],
)
def test_snake_case(camel: str, expected: str) -> None:
    assert snake(camel) == expected


def _keys_outside_maps(value: Any, out: set[str], parent: str | None = None) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if parent in {snake(m) for m in MAP_KEYS}:
                continue
            out.add(k)
            _keys_outside_maps(v, out, k)
    elif isinstance(value, list):
        for v in value:
            _keys_outside_maps(v, out, parent)


def test_every_argument_of_every_stack_is_snake_case(shipped_plans) -> None:
    for stack in AWS_STACKS:
        keys: set[str] = set()
        for r in convert(shipped_plans[stack].resources).document["planned_values"]["root_module"]["resources"]:
            _keys_outside_maps(r["values"], keys)
        assert len(keys) > 100
        assert sorted(k for k in keys if not re.fullmatch(r"[a-z][a-z0-9_]*", k)) == []


def test_nested_blocks_are_lists_of_objects_and_maps_stay_objects(shipped_plans) -> None:
    doc = convert(shipped_plans["prod"].resources).document
    listener = _resource(doc, "aws_lb_listener.farm_prod_api_http_redirect")
    assert listener["values"]["default_action"] == [
        {"type": "redirect", "redirect": [{"protocol": "HTTPS", "status_code": "HTTP_301", "port": "443"}]}
    ]
    assert listener["values"]["port"] == 80 and isinstance(listener["values"]["port"], int)
    assert listener["values"]["tags"]["Name"] == "farm-prod-api-http-redirect"

    cdn = _resource(doc, "aws_cloudfront_distribution.farm_prod_web_cdn")["values"]
    assert [o["origin_id"] for o in cdn["origin"]] == ["s3", "api"]
    assert cdn["restrictions"] == [{"geo_restriction": [{"restriction_type": "none"}]}]
    assert "ordered_cache_behavior" in cdn and "orderedCacheBehaviors" not in cdn

    asg = _resource(doc, "aws_autoscaling_group.farm_prod_ollama_asg")["values"]
    # The ASG's tags are blocks (`tag`), not a map.
    assert {"key": "Name", "value": "farm-prod-ollama-gpu-host", "propagate_at_launch": True} in asg["tag"]

    alarm = next(
        r["values"]
        for r in doc["planned_values"]["root_module"]["resources"]
        if r["type"] == "aws_cloudwatch_metric_alarm" and "dimensions" in r["values"]
    )
    assert isinstance(alarm["dimensions"], dict)


def test_references_to_other_resources_become_configuration_references(shipped_plans) -> None:
    doc = convert(shipped_plans["prod"].resources).document
    block = _resource(doc, "aws_s3_bucket_public_access_block.farm_prod_web_public_access")
    # Unknown at plan time: absent from the values, a reference in the configuration.
    assert "bucket" not in block["values"]
    assert block["values"]["block_public_policy"] is True
    assert _expressions(doc, "aws_s3_bucket_public_access_block.farm_prod_web_public_access")["bucket"] == {
        "references": ["aws_s3_bucket.farm_prod_web_bucket.id", "aws_s3_bucket.farm_prod_web_bucket"]
    }
    listener = _expressions(doc, "aws_lb_listener.farm_prod_api_http_redirect")
    assert listener["load_balancer_arn"] == {"references": ["aws_lb.farm_prod_api_alb.arn", "aws_lb.farm_prod_api_alb"]}
    alb = _expressions(doc, "aws_lb.farm_prod_api_alb")
    assert alb["security_groups"] == {
        "references": ["aws_security_group.farm_prod_api_alb_sg.id", "aws_security_group.farm_prod_api_alb_sg"]
    }
    # A reference inside a JSON string cannot be told from text: it stays literal.
    policy = _resource(doc, "aws_s3_bucket_policy.farm_prod_web_policy")["values"]["policy"]
    assert "arn:aws:s3:::farm-prod-web-bucket/*" in policy


def test_secrets_are_masked(shipped_plans) -> None:
    from farm_deploy.offline_plan import PLACEHOLDER

    doc = convert(shipped_plans["prod"].resources).document
    assert PLACEHOLDER not in str(doc)
    versions = [
        r["values"]
        for r in doc["planned_values"]["root_module"]["resources"]
        if r["type"] == "aws_secretsmanager_secret_version"
    ]
    assert versions and all(v.get("secret_string") == "[secret]" for v in versions)


def test_maps_and_blocks_agree_with_the_installed_sdk(shipped_plans) -> None:
    """An object input is a map exactly when the SDK types the argument as a Mapping."""
    import inspect

    checked, wrong = 0, []
    for stack in AWS_STACKS:
        for r in shipped_plans[stack].resources:
            if r.type not in TF_TYPES:
                continue
            module, name = r.type.split(":")[1].split("/")[0], r.type.split(":")[2]
            params = inspect.signature(getattr(importlib.import_module(f"pulumi_aws.{module}"), name)._internal_init)
            for key, value in r.inputs.items():
                if not isinstance(value, dict):
                    continue
                annotation = str(params.parameters[snake(key)].annotation)
                is_map = annotation.split("[", 2)[1].startswith("typing.Mapping") if "[" in annotation else False
                checked += 1
                if is_map != (key in MAP_KEYS):
                    wrong.append(f"{r.type}.{key}")
    assert checked > 100
    assert sorted(set(wrong)) == []


def test_plural_renames_name_list_arguments_of_the_sdk() -> None:
    """Top-level PLURALS entries undo a pluralised list: the SDK argument must be a Sequence."""
    import inspect

    by_tf = {v: k for k, v in TF_TYPES.items()}
    checked = 0
    for tf_type, renames in PLURALS.items():
        token = by_tf[tf_type]
        module, name = token.split(":")[1].split("/")[0], token.split(":")[2]
        params = inspect.signature(getattr(importlib.import_module(f"pulumi_aws.{module}"), name)._internal_init)
        for camel, tf_name in renames.items():
            assert tf_name == snake(camel)[:-1] or tf_name == snake(camel)[:-3] + "y" or camel == "tags"
            if snake(camel) in params.parameters:
                assert "Sequence" in str(params.parameters[snake(camel)].annotation), f"{tf_type}.{camel}"
                checked += 1
    assert checked >= 12


def test_a_budget_converts_its_notifications_and_its_filter_tags_as_blocks() -> None:
    # As components/budget.py declares it (not in a shipped stack unless farm:budget is set).
    from farm_deploy.offline.engine import RecordedResource

    budget = RecordedResource(
        type="aws:budgets/budget:Budget",
        name="farm-prod-budget",
        urn="urn:pulumi:prod::farm-deploy::aws:budgets/budget:Budget::farm-prod-budget",
        parent=None,
        inputs={
            "budgetType": "COST",
            "limitAmount": "300.00",
            "filterExpression": {"tags": {"key": "farm:stack", "values": ["prod"], "matchOptions": ["EQUALS"]}},
            "notifications": [{"notificationType": "ACTUAL", "threshold": 80.0, "thresholdType": "PERCENTAGE"}],
            "tags": {"Name": "farm-prod-budget"},
        },
        custom=True,
    )
    values = convert([budget]).document["planned_values"]["root_module"]["resources"][0]["values"]
    assert values["filter_expression"] == [
        {"tags": [{"key": "farm:stack", "values": ["prod"], "match_options": ["EQUALS"]}]}
    ]
    assert values["notification"] == [{"notification_type": "ACTUAL", "threshold": 80, "threshold_type": "PERCENTAGE"}]
    assert values["tags"] == {"Name": "farm-prod-budget"}
