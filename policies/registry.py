"""Every rule, by id: the one list the policy pack, the offline checker and the CLI read."""

from __future__ import annotations

from .rules import (
    Rule,
    atlas,
    budget,
    cloudfront,
    compute,
    data,
    ecs,
    iam,
    kms,
    network,
    order,
    preview,
    protection,
    regions,
    s3,
)

_MODULES = (s3, cloudfront, network, ecs, compute, iam, data, atlas, protection, budget, kms, order, preview, regions)

RULES: tuple[Rule, ...] = tuple(rule for module in _MODULES for rule in module.RULES)

BY_ID: dict[str, Rule] = {}
for _rule in RULES:
    if _rule.id in BY_ID:
        raise ValueError(f"duplicate policy id {_rule.id!r}")
    if _rule.id == "all":  # the policy-pack config reserves "all" for every policy
        raise ValueError("'all' cannot be a policy id")
    BY_ID[_rule.id] = _rule

RESOURCE_RULES: tuple[Rule, ...] = tuple(r for r in RULES if not r.is_stack)
STACK_RULES: tuple[Rule, ...] = tuple(r for r in RULES if r.is_stack)


def rules_for_type(resource_type: str) -> list[Rule]:
    return [r for r in RESOURCE_RULES if resource_type in r.resource_types]
