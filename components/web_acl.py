"""WebAcl: an AWS WAF web ACL, in front of CloudFront or on the API's load balancer.

CLOUDFRONT scope: CloudFront takes only such an ACL, which must be created in
us-east-1 (https://docs.aws.amazon.com/waf/latest/developerguide/how-aws-waf-works-resources.html):
the builder passes a provider pinned there. The ACL holds the AWS managed rule
groups (IP reputation, common rule set, known bad inputs) and two rate-based
rules per client IP: a tight one on the routes that spend money on every call
(the AI and chat routes), a looser one on the rest of `/api/`. CloudFront sees
the viewer's address, so aggregating on `IP` counts real clients.

REGIONAL scope (`associate_arn`: the load balancer): while the load balancer is
public, any CloudFront distribution, not only ours, can reach it from CloudFront's
addresses, bypassing our CloudFront ACL. This ACL repeats the content rules; its
source address is a CloudFront edge, so IP reputation is left out and the rate
rules count the client address CloudFront appends to X-Forwarded-For
(https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-forwarded-ip-address.html).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from analysis.errors import UserError
from analysis.security import (
    AI_PATH_PREFIXES,
    API_PATH_PREFIX,
    BASIC_COUNT_ONLY,
    RATE_LIMITS,
    managed_groups,
)

from .common import child_opts, merge_tags

WINDOWS = (60, 120, 300, 600)
SCOPES = ("CLOUDFRONT", "REGIONAL")
# Judge the request's source address: meaningless behind CloudFront, whose edges are the source.
IP_GROUPS = ("AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesAnonymousIpList")
# Headers never written to the WAF logs: credentials and sessions.
REDACTED_HEADERS = ("authorization", "cookie")
MIN_RATE_LIMIT = 10


@dataclass
class WebAclArgs:
    level: str  # "basic" | "strict"
    scope: str = "CLOUDFRONT"  # or "REGIONAL" with associate_arn
    # REGIONAL: the resource (load balancer ARN) the ACL protects.
    associate_arn: pulumi.Input[str] | None = None
    # Days the ACL's request log (allowed, counted, blocked) is kept in CloudWatch Logs.
    log_retention_days: int = 30
    ai_path_prefixes: list[str] = field(default_factory=lambda: list(AI_PATH_PREFIXES))
    api_path_prefix: str = API_PATH_PREFIX
    tags: dict[str, str] = field(default_factory=dict)


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}


def _starts_with(prefix: str) -> dict[str, Any]:
    return {
        "byte_match_statement": {
            "search_string": prefix,
            "positional_constraint": "STARTS_WITH",
            "field_to_match": {"uri_path": {}},
            "text_transformations": [{"priority": 0, "type": "NONE"}],
        }
    }


def _any_prefix(prefixes: list[str]) -> dict[str, Any]:
    if len(prefixes) == 1:
        return _starts_with(prefixes[0])
    return {"or_statement": {"statements": [_starts_with(p) for p in prefixes]}}


def waf_rules(level: str, ai_prefixes: list[str], api_prefix: str, scope: str = "CLOUDFRONT") -> list[dict[str, Any]]:
    """The ACL's rules, in evaluation order: reputation first (cheapest to reject), then limits, then content."""
    limits = RATE_LIMITS[level]
    rules: list[dict[str, Any]] = []
    priority = 0
    behind_cloudfront = scope == "REGIONAL"
    groups = [g for g in managed_groups(level) if not (behind_cloudfront and g in IP_GROUPS)]
    for group in groups:
        statement: dict[str, Any] = {"name": group, "vendor_name": "AWS"}
        if level == "basic" and group in BASIC_COUNT_ONLY:
            statement["rule_action_overrides"] = [
                {"name": rule, "action_to_use": {"count": {}}} for rule in BASIC_COUNT_ONLY[group]
            ]
        rules.append(
            {
                "name": group,
                "priority": priority,
                "override_action": {"none": {}},
                "statement": {"managed_rule_group_statement": statement},
                "visibility_config": _visibility(group),
            }
        )
        priority += 1
    for name, limit, prefixes in (
        ("rate-ai", limits.ai, ai_prefixes),
        ("rate-api", limits.api, [api_prefix]),
    ):
        rate: dict[str, Any] = {
            "limit": limit,
            "aggregate_key_type": "FORWARDED_IP" if behind_cloudfront else "IP",
            "evaluation_window_sec": limits.window_seconds,
            "scope_down_statement": _any_prefix(prefixes),
        }
        if behind_cloudfront:
            # A request without the header did not come through a CloudFront edge: count it as over the limit.
            rate["forwarded_ip_config"] = {"header_name": "X-Forwarded-For", "fallback_behavior": "MATCH"}
        rules.append(
            {
                "name": name,
                "priority": priority,
                "action": {"block": {}},
                "statement": {"rate_based_statement": rate},
                "visibility_config": _visibility(name),
            }
        )
        priority += 1
    return rules


class WebAcl(pulumi.ComponentResource):
    arn: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(self, name: str, args: WebAclArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:security:WebAcl", name, None, opts)
        self._name = name
        self._args = args
        self._validate()
        self.acl = self._create_acl()
        if args.scope == "REGIONAL":
            aws.wafv2.WebAclAssociation(
                f"{name}-association", resource_arn=args.associate_arn, web_acl_arn=self.acl.arn, opts=child_opts(self)
            )
        self._create_logging()
        self.arn = self.acl.arn
        self.name = self.acl.name
        self.register_outputs({"arn": self.arn, "name": self.name})

    def _validate(self) -> None:
        a = self._args
        if a.level not in RATE_LIMITS:
            raise UserError("unknown web firewall level", key="level", value=a.level, valid=sorted(RATE_LIMITS))
        limits = RATE_LIMITS[a.level]
        if limits.window_seconds not in WINDOWS or min(limits.ai, limits.api) < MIN_RATE_LIMIT:
            raise ValueError(f"WebAcl: rate limits {limits} outside what WAF accepts")
        for prefix in [*a.ai_path_prefixes, a.api_path_prefix]:
            if not prefix.startswith("/"):
                raise UserError("a path prefix must start with '/'", key="ai_path_prefixes", value=prefix)
        if a.scope not in SCOPES or (a.scope == "REGIONAL") != (a.associate_arn is not None):
            raise ValueError("WebAcl: scope CLOUDFRONT, or REGIONAL with associate_arn")
        if not a.ai_path_prefixes:
            raise UserError("the AI rate limit needs at least one path prefix", key="ai_path_prefixes")

    def _create_logging(self) -> None:
        # WAF writes only to log groups named aws-waf-logs-*, in the ACL's region
        # (https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html).
        group = aws.cloudwatch.LogGroup(
            f"{self._name}-logs",
            name_prefix=f"aws-waf-logs-{self._name}-",
            retention_in_days=self._args.log_retention_days,
            tags=merge_tags(self._args.tags, f"{self._name}-logs"),
            opts=child_opts(self),
        )
        aws.wafv2.WebAclLoggingConfiguration(
            f"{self._name}-logging",
            resource_arn=self.acl.arn,
            log_destination_configs=[group.arn],
            redacted_fields=[{"single_header": {"name": h}} for h in REDACTED_HEADERS],  # type: ignore[misc]
            opts=child_opts(self),
        )

    def _create_acl(self) -> aws.wafv2.WebAcl:
        a = self._args
        return aws.wafv2.WebAcl(
            f"{self._name}-acl",
            description=f"farm-deploy: managed rules and per-IP rate limits ({a.level})",
            scope=a.scope,
            default_action={"allow": {}},
            rules=waf_rules(a.level, a.ai_path_prefixes, a.api_path_prefix, a.scope),  # type: ignore[arg-type]
            visibility_config=_visibility(f"{self._name}-acl"),  # type: ignore[arg-type]
            tags=merge_tags(a.tags, f"{self._name}-acl"),
            opts=child_opts(self),
        )
