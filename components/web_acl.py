"""WebAcl: the AWS WAF web ACL in front of CloudFront.

CloudFront takes only a web ACL of scope CLOUDFRONT, which must be created in
us-east-1 (https://docs.aws.amazon.com/waf/latest/developerguide/how-aws-waf-works-resources.html):
the builder passes a provider pinned there. The ACL holds the AWS managed rule
groups (IP reputation, common rule set, known bad inputs) and two rate-based
rules per client IP: a tight one on the routes that spend money on every call
(the AI and chat routes), a looser one on the rest of `/api/`. CloudFront sees
the viewer's address, so aggregating on `IP` counts real clients.
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
    MANAGED_RULE_GROUPS,
    RATE_LIMITS,
)

from .common import child_opts, merge_tags

WINDOWS = (60, 120, 300, 600)
MIN_RATE_LIMIT = 10


@dataclass
class WebAclArgs:
    level: str  # "basic" | "strict"
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


def waf_rules(level: str, ai_prefixes: list[str], api_prefix: str) -> list[dict[str, Any]]:
    """The ACL's rules, in evaluation order: reputation first (cheapest to reject), then limits, then content."""
    limits = RATE_LIMITS[level]
    rules: list[dict[str, Any]] = []
    priority = 0
    for group in MANAGED_RULE_GROUPS:
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
        rules.append(
            {
                "name": name,
                "priority": priority,
                "action": {"block": {}},
                "statement": {
                    "rate_based_statement": {
                        "limit": limit,
                        "aggregate_key_type": "IP",
                        "evaluation_window_sec": limits.window_seconds,
                        "scope_down_statement": _any_prefix(prefixes),
                    }
                },
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
        if not a.ai_path_prefixes:
            raise UserError("the AI rate limit needs at least one path prefix", key="ai_path_prefixes")

    def _create_acl(self) -> aws.wafv2.WebAcl:
        a = self._args
        return aws.wafv2.WebAcl(
            f"{self._name}-acl",
            description=f"farm-deploy: managed rules and per-IP rate limits ({a.level})",
            scope="CLOUDFRONT",
            default_action={"allow": {}},
            rules=waf_rules(a.level, a.ai_path_prefixes, a.api_path_prefix),  # type: ignore[arg-type]
            visibility_config=_visibility(f"{self._name}-acl"),  # type: ignore[arg-type]
            tags=merge_tags(a.tags, f"{self._name}-acl"),
            opts=child_opts(self),
        )
