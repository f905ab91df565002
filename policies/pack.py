"""The rules as pulumi-policy policies (what `__main__.py` hands to PolicyPack).

Kept apart from `__main__.py` so tests can build and inspect the policies:
only `PolicyPack(...)` itself starts a server.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

from .adapter import CONFIG_PROPERTIES, resource_validator, stack_validator
from .registry import RULES
from .rules import Rule

PACK_NAME = "farm-deploy-guardrails"
LEVELS = {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY}


def build_policy(rule: Rule) -> ResourceValidationPolicy | StackValidationPolicy:
    common = {
        "name": rule.id,
        "description": f"{rule.description} Mirrors: {', '.join(rule.mirrors)}.",
        "enforcement_level": LEVELS[rule.level],
        "config_schema": PolicyConfigSchema(properties=CONFIG_PROPERTIES),
        "remediation_steps": rule.remediation or None,
        "tags": [rule.level, *rule.stages],
    }
    if rule.is_stack:
        return StackValidationPolicy(validate=stack_validator(rule), **common)
    return ResourceValidationPolicy(validate=resource_validator(rule), **common)


def build_policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    return [build_policy(rule) for rule in RULES]
