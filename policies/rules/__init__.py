"""The rules, grouped by area. Plain functions over camelCase inputs: no pulumi import."""

from ._base import (
    STAGES,
    UNKNOWN,
    Rule,
    RuleContext,
    StackResource,
    StackViolation,
    UnknownValue,
)

__all__ = ["STAGES", "UNKNOWN", "Rule", "RuleContext", "StackResource", "StackViolation", "UnknownValue"]
