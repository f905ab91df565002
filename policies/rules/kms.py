"""KMS: customer managed keys rotate, and their key policies are least privilege."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ._base import Rule, RuleContext, as_list, field, json_doc, truthy

KEY = "aws:kms/key:Key"


def _is_account_root(principal: str) -> bool:
    # arn:<partition>:iam::<account>:root, the principal that lets IAM policies decide
    # (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
    parts = principal.split(":")
    return len(parts) == 6 and parts[0] == "arn" and parts[2] == "iam" and parts[5] == "root"


def _principals(statement: Mapping[str, Any]) -> list[tuple[str, str]]:
    principal = statement.get("Principal")
    if principal == "*":
        return [("AWS", "*")]
    if not isinstance(principal, Mapping):
        return []
    return [(kind, str(value)) for kind, values in principal.items() for value in as_list(values)]


def _key_policy(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    doc = json_doc(field(props, "policy"))
    if not isinstance(doc, Mapping):
        yield "the key has no key policy of its own (the default grants the account only; write it down)"
        return
    for index, statement in enumerate(as_list(doc.get("Statement"))):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        sid = statement.get("Sid") or f"#{index}"
        actions = [str(a) for a in as_list(statement.get("Action"))]
        wildcard = any(a in ("*", "kms:*") for a in actions)
        for kind, value in _principals(statement):
            if value == "*":
                yield f"statement {sid} allows every principal ('*')"
            elif kind == "AWS" and wildcard and not _is_account_root(value):
                yield f"statement {sid} gives {value} every KMS action; only the account root administers the key"
            elif kind == "Service" and wildcard:
                yield f"statement {sid} gives the service {value} every KMS action"
            elif kind == "Service" and not statement.get("Condition"):
                yield f"statement {sid} lets {value} use the key with no condition (source account, encryption context)"


def _rotation(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if field(props, "customerMasterKeySpec", default="SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        return
    if not truthy(field(props, "enableKeyRotation")):
        yield "automatic key rotation is off (enableKeyRotation)"


RULES: tuple[Rule, ...] = (
    Rule(
        id="kms-key-policy-least-privilege",
        description="Key policies: only the account root administers; services use the key under a condition; "
        "no '*' principal.",
        mirrors=("CKV_AWS_33",),
        level="mandatory",
        resource_types=(KEY,),
        validate=_key_policy,
    ),
    Rule(
        id="kms-key-rotation",
        description="Symmetric customer managed keys rotate automatically.",
        mirrors=("CKV_AWS_7", "AVD-AWS-0065", "cmk-backing-key-rotation-enabled"),
        level="mandatory",
        resource_types=(KEY,),
        validate=_rotation,
    ),
)
