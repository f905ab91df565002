"""Run the policy pack's rules over the resources the offline engine recorded.

`farm-deploy plan` calls `check_resources(run.resources, stage, settings.policy_waivers)`
and adds `PolicyReport.to_dict()` to its JSON as `policy`:

    {"checked": 61,
     "violations": [{"policy": "vpc-flow-logs", "level": "mandatory",
                     "resource": "app-network-vpc", "type": "aws:ec2/vpc:Vpc",
                     "message": "VPC has no flow log ..."}],
     "waived": [{... same keys ..., "reason": "why farm:policyWaivers allows it"}],
     "unused_waivers": ["cloudfront-waf"],
     "mandatory": 1}

`checked` counts the custom (cloud) resources the rules looked at; component
resources carry no inputs of their own. A waived mandatory violation does not
fail (`passed` stays true) but is reported under `waived` with its reason.
These keys are a documented contract (docs/policies-and-ci.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from analysis.errors import UserError
from analysis.stack_config import NAMESPACE, PolicyWaiver
from farm_deploy.offline.engine import RecordedResource, _computed
from policies.registry import BY_ID, RULES
from policies.rules import STAGES, RuleContext, StackResource

_LEVEL_ORDER = {"mandatory": 0, "advisory": 1}


@dataclass(frozen=True)
class PolicyViolation:
    policy: str
    level: str
    resource: str
    type: str
    message: str
    reason: str | None = None  # set when waived

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.reason is None:
            data.pop("reason")
        return data


@dataclass
class PolicyReport:
    stage: str
    checked: int
    violations: list[PolicyViolation] = field(default_factory=list)
    waived: list[PolicyViolation] = field(default_factory=list)
    unused_waivers: list[str] = field(default_factory=list)

    @property
    def mandatory(self) -> list[PolicyViolation]:
        return [v for v in self.violations if v.level == "mandatory"]

    @property
    def passed(self) -> bool:
        """No unwaived mandatory violation."""
        return not self.mandatory

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "violations": [v.to_dict() for v in self.violations],
            "waived": [v.to_dict() for v in self.waived],
            "unused_waivers": list(self.unused_waivers),
            "mandatory": len(self.mandatory),
        }


def _offline_ids(resource: RecordedResource) -> frozenset[str]:
    """The values other resources hold when they refer to this one, under the mocks.

    The recorder answers every registration with id `<name>-id` and the computed
    outputs of `engine._computed` (ARN, bucket name), so those are what a child's
    `bucket=`/`vpcId=`/`securityGroups=` inputs contain.
    """
    computed = resource.outputs or _computed(resource.type, resource.name, resource.inputs)
    ids = {f"{resource.name}-id"}
    for key in ("arn", "bucket", "name", "id"):
        for source in (resource.inputs, computed):
            value = source.get(key)
            if isinstance(value, str):
                ids.add(value)
    return frozenset(ids)


def _stack_view(resource: RecordedResource) -> StackResource:
    return StackResource(
        type=resource.type,
        name=resource.name,
        urn=resource.urn,
        props=resource.inputs,
        protect=resource.protect,
        ids=_offline_ids(resource),
        links={key: frozenset(urns) for key, urns in resource.property_dependencies.items()},
        dependencies=frozenset(resource.dependencies),
    )


def _validate_waivers(waivers: Sequence[PolicyWaiver], file: str | None) -> dict[str, str]:
    by_policy: dict[str, str] = {}
    for waiver in waivers:
        if waiver.policy not in BY_ID:
            raise UserError(
                "unknown policy in a waiver",
                file=file,
                key=f"{NAMESPACE}:policyWaivers",
                value=waiver.policy,
                valid=sorted(BY_ID),
                hint="`farm-deploy policy list` prints every policy id",
            )
        by_policy[waiver.policy] = waiver.reason
    return by_policy


def check_resources(
    resources: Iterable[RecordedResource],
    stage: str,
    waivers: Sequence[PolicyWaiver] = (),
    *,
    file: str | None = None,
    budget: float | None = None,
    region: str = "",
) -> PolicyReport:
    """Every rule that applies to `stage`, over the recorded custom resources.

    `file` names the stack file the waivers came from, for the error an unknown
    policy id raises.
    """
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}, got {stage!r}")
    reasons = _validate_waivers(waivers, file)
    cloud = [r for r in resources if r.custom and not r.type.startswith("pulumi:")]

    found: list[PolicyViolation] = []
    for resource in cloud:
        ctx = RuleContext(stage=stage, name=resource.name, type=resource.type, protect=resource.protect)
        for rule in RULES:
            for message in rule.check(resource.inputs, ctx):
                found.append(PolicyViolation(rule.id, rule.level, resource.name, resource.type, message))
    views = [_stack_view(r) for r in cloud]
    for rule in RULES:
        for v in rule.check_stack(views, RuleContext(stage=stage, budget=budget, region=region)):
            found.append(PolicyViolation(rule.id, rule.level, v.resource.name, v.resource.type, v.message))

    found.sort(key=lambda v: (_LEVEL_ORDER[v.level], v.policy, v.resource, v.message))
    report = PolicyReport(stage=stage, checked=len(cloud))
    for v in found:
        if v.policy in reasons:
            report.waived.append(PolicyViolation(**{**asdict(v), "reason": reasons[v.policy]}))
        else:
            report.violations.append(v)
    fired = {v.policy for v in report.waived}
    report.unused_waivers = [p for p in reasons if p not in fired]
    return report


def format_report(report: PolicyReport) -> str:
    """Plain-text lines for the terminal (the plan command prints them)."""
    mandatory = len(report.mandatory)
    advisory = len(report.violations) - mandatory
    lines = [
        f"policy: {report.checked} resources checked against {len(RULES)} rules ({report.stage}): "
        f"{mandatory} mandatory, {advisory} advisory, {len(report.waived)} waived"
    ]
    for v in report.violations:
        lines.append(f"  {v.level:<9} {v.policy:<34} {v.resource}: {v.message}")
    for v in report.waived:
        lines.append(f"  waived    {v.policy:<34} {v.resource}: {v.message} (reason: {v.reason})")
    for policy in report.unused_waivers:
        lines.append(f"  note: waiver for {policy} matched nothing; remove it from farm:policyWaivers")
    return "\n".join(lines)
