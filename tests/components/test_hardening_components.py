"""WebAcl, LogBucket and KmsKey on their own: levels, scopes, regions and bad arguments."""

from __future__ import annotations

import json

import pytest

from analysis.errors import UserError
from components.kms_key import KmsKey, KmsKeyArgs
from components.log_bucket import ELB_SERVICE_PRINCIPAL, LogBucket, LogBucketArgs, log_bucket_policy
from components.web_acl import WebAcl, WebAclArgs, waf_rules
from farm_deploy.offline.engine import run_offline


def _names(rules: list[dict]) -> list[str]:
    return [r["name"] for r in sorted(rules, key=lambda r: r["priority"])]


def test_strict_adds_the_anonymous_ip_list_blocks_big_bodies_and_tightens_limits() -> None:
    basic = waf_rules("basic", ["/api/ai/"], "/api/")
    strict = waf_rules("strict", ["/api/ai/"], "/api/")
    assert _names(strict) == [
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAnonymousIpList",
        "rate-ai",
        "rate-api",
    ]
    assert "AWSManagedRulesAnonymousIpList" not in _names(basic)
    common = {r["name"]: r for r in strict}["AWSManagedRulesCommonRuleSet"]["statement"]["managed_rule_group_statement"]
    assert "rule_action_overrides" not in common
    limits = {
        r["name"]: r["statement"]["rate_based_statement"]["limit"] for r in strict if r["name"].startswith("rate")
    }
    assert limits == {"rate-ai": 30, "rate-api": 600}
    # one AI prefix: a plain byte match, no or-statement of one
    ai = {r["name"]: r for r in basic}["rate-ai"]["statement"]["rate_based_statement"]["scope_down_statement"]
    assert ai["byte_match_statement"]["search_string"] == "/api/ai/"


def test_regional_scope_drops_address_lists_and_counts_the_forwarded_client() -> None:
    rules = waf_rules("strict", ["/api/ai/"], "/api/", scope="REGIONAL")
    assert _names(rules) == [
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "rate-ai",
        "rate-api",
    ]
    rate = rules[-1]["statement"]["rate_based_statement"]
    assert rate["aggregate_key_type"] == "FORWARDED_IP"
    assert rate["forwarded_ip_config"] == {"header_name": "X-Forwarded-For", "fallback_behavior": "MATCH"}


@pytest.mark.parametrize(
    ("args", "key"),
    [
        ({"level": "paranoid"}, "level"),
        ({"level": "basic", "ai_path_prefixes": ["api/ai"]}, "ai_path_prefixes"),
        ({"level": "basic", "ai_path_prefixes": []}, "ai_path_prefixes"),
    ],
)
def test_bad_web_acl_arguments_name_the_argument(args: dict, key: str) -> None:
    with pytest.raises(UserError) as info:
        run_offline(lambda: WebAcl("waf", WebAclArgs(**args)))
    assert info.value.key == key


def test_web_acl_logs_to_an_aws_waf_logs_group_with_credentials_redacted() -> None:
    run = run_offline(lambda: WebAcl("waf", WebAclArgs(level="basic", log_retention_days=14)))
    group = run.one("aws:cloudwatch/logGroup:LogGroup").inputs
    assert group["namePrefix"].startswith("aws-waf-logs-") and group["retentionInDays"] == 14
    logging = run.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration").inputs
    assert logging["redactedFields"] == [
        {"singleHeader": {"name": "authorization"}},
        {"singleHeader": {"name": "cookie"}},
    ]
    assert not run.of_type("aws:wafv2/webAclAssociation:WebAclAssociation")


@pytest.mark.parametrize(
    ("region", "principal"),
    [
        ("eu-west-1", {"AWS": "arn:aws:iam::156460612806:root"}),
        # opened after August 2022: the service principal
        ("ap-southeast-3", {"Service": ELB_SERVICE_PRINCIPAL}),
        ("eu-central-2", {"Service": ELB_SERVICE_PRINCIPAL}),
    ],
)
def test_load_balancer_log_writer_per_region(region: str, principal: dict) -> None:
    doc = json.loads(log_bucket_policy("arn:aws:s3:::logs", "111122223333", region, alb=True, cloudfront=False))
    (write,) = [s for s in doc["Statement"] if s["Sid"] == "LoadBalancerWritesAccessLogs"]
    assert write["Principal"] == principal
    assert write["Resource"] == "arn:aws:s3:::logs/alb/AWSLogs/111122223333/*"
    assert "CloudFrontWritesAccessLogs" not in {s["Sid"] for s in doc["Statement"]}


def test_log_bucket_retention_is_checked() -> None:
    with pytest.raises(UserError) as info:
        run_offline(lambda: LogBucket("logs", LogBucketArgs(region="us-east-1", retention_days=0)))
    assert info.value.key == "retention_days"


def test_kms_key_rotates_and_logs_may_use_it_for_this_accounts_groups_only() -> None:
    run = run_offline(lambda: KmsKey("key", KmsKeyArgs(description="test")))
    key = run.one("aws:kms/key:Key").inputs
    assert key["enableKeyRotation"] is True and key["deletionWindowInDays"] == 30
    statements = json.loads(key["policy"])["Statement"]
    logs = statements[1]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert logs["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:123456789012:log-group:*"}
    }
    assert "kms:*" not in logs["Action"]
