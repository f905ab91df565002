"""IAM: no administrator grants, and service-wide wildcards only as advice."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ._base import Rule, RuleContext, as_list, field, items, json_doc

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY = "aws:iam/policy:Policy"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
POLICY_TYPES = (ROLE, ROLE_POLICY, POLICY, USER_POLICY, GROUP_POLICY)


def policy_documents(typ: str, props: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(label, parsed document) for every permissions policy a resource carries."""
    if typ == ROLE:
        return [
            (f"inline policy {field(p, 'name', default='?')!r}", json_doc(field(p, "policy")))
            for p in items(props, "inlinePolicies")
        ]
    return [("policy", json_doc(field(props, "policy")))]


def allow_statements(doc: Any) -> list[Mapping[str, Any]]:
    if not isinstance(doc, Mapping):
        return []
    return [s for s in as_list(doc.get("Statement")) if isinstance(s, Mapping) and s.get("Effect") == "Allow"]


def _no_admin(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for label, doc in policy_documents(ctx.type, props):
        for s in allow_statements(doc):
            actions = as_list(s.get("Action"))
            resources = as_list(s.get("Resource"))
            if any(a in ("*", "*:*") for a in actions) and "*" in resources:
                yield f'{label} allows Action "*" on Resource "*" (administrator access)'
            if s.get("NotAction") is not None and "*" in resources:
                yield f'{label} allows NotAction on Resource "*" (administrator access by exclusion)'


def _no_service_wildcards(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for label, doc in policy_documents(ctx.type, props):
        for s in allow_statements(doc):
            wild = [a for a in as_list(s.get("Action")) if isinstance(a, str) and a.endswith(":*") and a != "*:*"]
            if wild and "*" in as_list(s.get("Resource")):
                yield f"{label} allows {', '.join(wild)} on every resource; name the actions and resources"


RULES: tuple[Rule, ...] = (
    Rule(
        id="iam-no-admin",
        description='IAM policies never allow Action "*" on Resource "*".',
        mirrors=(
            "CKV_AWS_1",
            "CKV_AWS_62",
            "CKV_AWS_63",
            "CKV_AWS_286",
            "AVD-AWS-0057",
            "iam-managed-policy-no-statements-with-admin-access",
        ),
        level="mandatory",
        resource_types=POLICY_TYPES,
        validate=_no_admin,
    ),
    Rule(
        id="iam-no-service-wildcard",
        description='IAM policies avoid "service:*" on Resource "*".',
        mirrors=("CKV_AWS_290", "CKV_AWS_355", "AVD-AWS-0057"),
        level="advisory",
        resource_types=POLICY_TYPES,
        validate=_no_service_wildcards,
    ),
)
