"""IAM policy documents the components share, as JSON text."""

from __future__ import annotations

import json
from typing import Any


def policy_document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def assume_role_policy(service: str, *, source_account: str | None = None) -> str:
    """Trust policy letting one AWS service assume the role.

    With `source_account`, only the service acting for that account may
    (the confused-deputy guard AWS recommends for ECS task roles).
    """
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if source_account is not None:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return policy_document(statement)
