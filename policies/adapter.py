"""Adapt the plain rules to pulumi-policy's validation callbacks (the live pack).

Nothing here imports pulumi_policy: the callbacks only use the attributes of
`ResourceValidationArgs` / `StackValidationArgs` (pulumi-policy 1.21), so tests
can drive them with hand-built argument objects and never start a PolicyPack
(docs/development.md, "Testing a Pulumi program offline").

Stage and waivers. The pack runs in its own process and sees neither the stack
config nor the StagePlan. `farm-deploy policy config --stack S` turns the
stack's `farm:stage` and `farm:policyWaivers` into a policy-pack config file
(`pulumi preview --policy-pack policies --policy-pack-config policy-config.json`):
every policy gets `{"stage": ...}`; a waived one also gets
`{"enforcementLevel": "advisory", "waiverReason": ...}`, so the engine reports it
as a warning instead of failing, and the message says it was waived and why.
Without a config file the stage is the stack name taken from the URN, and a
stack not named after a stage is treated as prod (the strictest).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .rules import STAGES, UNKNOWN, Rule, RuleContext, StackResource

# The sentinels pulumi-policy's deserializer leaves for values unknown during
# preview (pulumi_policy/proxy.py); copied so the rules need no pulumi import.
UNKNOWN_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)

# Declared on every policy so that the generated config file validates.
CONFIG_PROPERTIES: dict[str, dict[str, Any]] = {
    "stage": {"type": "string", "enum": list(STAGES), "description": "farm:stage of the stack"},
    "waiverReason": {"type": "string", "description": "why farm:policyWaivers waives this policy here"},
    "monthlyBudget": {"type": "number", "description": "farm:monthlyBudget of the stack, USD"},
    "region": {"type": "string", "description": "the stage's AWS region (prices the budget check)"},
}

ReportViolation = Callable[..., None]


def plain(value: Any) -> Any:
    """Deep copy of pulumi-policy's read-only proxies as dicts/lists, unknowns as `UNKNOWN`.

    The proxies raise on any unknown value they are asked for; the rules would
    rather see the marker and decide (`field()` skips the rule when it needs one).
    """
    if isinstance(value, str):
        return UNKNOWN if value in UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        target = _target(value)
        return {k: plain(target[k]) for k in target}
    if isinstance(value, Iterable) and not isinstance(value, bytes):
        target = _target(value)
        return [plain(v) for v in target]
    return value


def _target(proxy: Any) -> Any:
    # pulumi-policy's _DictProxy/_ListProxy expose the wrapped object under
    # "__target" without the unknown check.
    try:
        inner = proxy["__target"]
    except (KeyError, TypeError, IndexError):
        return proxy
    return inner if inner is not None else proxy


def stage_from_urn(urn: str) -> str:
    """`urn:pulumi:<stack>::<project>::...` -> the stack, when it names a stage; else prod."""
    parts = urn.split(":", 2)
    stack = parts[2].split("::", 1)[0] if len(parts) == 3 else ""
    if re.match(r"^pr-\d+$", stack):
        return "preview"  # pull request previews are named pr-<number>
    return stack if stack in STAGES else "prod"


def _config(args: Any) -> dict[str, Any]:
    getter = getattr(args, "get_config", None)
    return dict(getter() or {}) if getter else {}


def _message(message: str, config: Mapping[str, Any]) -> str:
    reason = config.get("waiverReason")
    return f"[waived: {reason}] {message}" if reason else message


def resource_validator(rule: Rule) -> Callable[[Any, ReportViolation], None]:
    """A `ResourceValidationPolicy` validate callback running `rule`."""

    def validate(args: Any, report_violation: ReportViolation) -> None:
        if args.resource_type not in rule.resource_types:
            return
        config = _config(args)
        ctx = RuleContext(
            stage=config.get("stage") or stage_from_urn(args.urn),
            name=args.name,
            type=args.resource_type,
            protect=bool(getattr(args.opts, "protect", False)),
        )
        for message in rule.check(plain(args.props), ctx):
            report_violation(_message(message, config))

    return validate


def _known_ids(props: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(
        v for k in ("id", "arn", "bucket", "name") if isinstance(v := props.get(k), str) and v is not UNKNOWN
    )


def stack_view(resource: Any) -> StackResource:
    """One `PolicyResource` as the rules' `StackResource`."""
    props = plain(resource.props)
    deps = getattr(resource, "property_dependencies", None) or {}
    return StackResource(
        type=resource.resource_type,
        name=resource.name,
        urn=resource.urn,
        props=props,
        protect=bool(getattr(resource.opts, "protect", False)),
        ids=_known_ids(props),
        links={key: frozenset(d.urn for d in dependents) for key, dependents in deps.items()},
        dependencies=frozenset(d.urn for d in getattr(resource, "dependencies", None) or ()),
    )


def stack_validator(rule: Rule) -> Callable[[Any, ReportViolation], None]:
    """A `StackValidationPolicy` validate callback running `rule`."""

    def validate(args: Any, report_violation: ReportViolation) -> None:
        resources = [stack_view(r) for r in args.resources]
        if not resources:
            return
        config = _config(args)
        stage = config.get("stage") or stage_from_urn(resources[0].urn)
        budget = config.get("monthlyBudget")
        ctx = RuleContext(
            stage=stage,
            budget=float(budget) if isinstance(budget, int | float) else None,
            region=str(config.get("region") or ""),
        )
        for violation in rule.check_stack(resources, ctx):
            report_violation(_message(violation.message, config), violation.resource.urn)

    return validate
