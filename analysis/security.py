"""What the hardening switches mean, as data: the web ACL's rules per `farm:waf` level.

Pure data (no Pulumi import) so that the cost estimate counts the same rules
the `WebAcl` component declares.
"""

from __future__ import annotations

from dataclasses import dataclass

# AWS managed rule groups (vendor AWS), names from
# https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-list.html
# and https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-ip-rep.html.
# They carry no fee beyond the rule price ("baseline" groups; Bot Control,
# fraud control and DDoS groups do, and are not used here).
MANAGED_RULE_GROUPS: tuple[str, ...] = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)
# `strict` also blocks anonymous addresses (Tor, VPNs, hosting providers): real
# users on a VPN or a corporate proxy are refused, so `basic` leaves it out.
STRICT_ONLY_GROUPS: tuple[str, ...] = ("AWSManagedRulesAnonymousIpList",)
# The common rule set blocks request bodies over 8 KB (SizeRestrictions_BODY);
# chat histories and attachments are larger, so `basic` only counts them.
# https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html
BASIC_COUNT_ONLY: dict[str, tuple[str, ...]] = {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}

# Routes whose every request costs money (GPU time or provider tokens): the
# AI routes FARM apps serve, and the example app's chat routes.
AI_PATH_PREFIXES: tuple[str, ...] = ("/api/ai/", "/api/chat")
API_PATH_PREFIX = "/api/"


@dataclass(frozen=True)
class RateLimits:
    """Requests per client IP per evaluation window before WAF blocks (lowest allowed limit: 10;
    windows 60, 120, 300 or 600 s: https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html).
    """

    ai: int
    api: int
    window_seconds: int = 300


RATE_LIMITS: dict[str, RateLimits] = {
    # 100 AI calls and 2,000 API calls per IP in 5 minutes: far above one person chatting.
    "basic": RateLimits(ai=100, api=2000),
    "strict": RateLimits(ai=30, api=600),
}
RATE_RULES = 2  # one on the AI routes, one on /api/*
WAF_LEVELS: tuple[str, ...] = ("off", "basic", "strict")


def managed_groups(level: str) -> tuple[str, ...]:
    if level == "off":
        return ()
    return MANAGED_RULE_GROUPS + (STRICT_ONLY_GROUPS if level == "strict" else ())


def waf_rule_count(level: str) -> int:
    """Rules the CloudFront web ACL holds at `level` (each managed group counts as one rule for pricing)."""
    return 0 if level == "off" else len(managed_groups(level)) + RATE_RULES
