"""Small helpers every component uses: child options, tags, security-group rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pulumi


def child_opts(parent: pulumi.Resource, *, protect: bool = False, **kwargs: object) -> pulumi.ResourceOptions:
    """Options for a component's child: always parented, protected when asked.

    `protect` is for stateful children in prod; `retain_on_delete` goes with it
    so that removing the stack from code never deletes data behind the user's back.
    """
    if protect:
        kwargs.setdefault("retain_on_delete", True)
    return pulumi.ResourceOptions(parent=parent, protect=protect, **kwargs)  # type: ignore[arg-type]


def merge_tags(tags: Mapping[str, str] | None, name: str) -> dict[str, str]:
    """The component's tags plus a default `Name` (an explicit one wins)."""
    merged = {"Name": name}
    merged.update(tags or {})
    return merged


def sg_rule(
    parent: pulumi.Resource,
    name: str,
    *,
    direction: Literal["in", "out"],
    security_group_id: pulumi.Input[str],
    description: str,
    port: int | None = None,
    cidr: pulumi.Input[str] | None = None,
    peer_security_group_id: pulumi.Input[str] | None = None,
    prefix_list_id: pulumi.Input[str] | None = None,
) -> pulumi.CustomResource:
    """One standalone security-group rule: TCP on `port`, or every protocol when `port` is None.

    The peer is exactly one of a CIDR, another security group or a managed
    prefix list. Standalone rules (not inline ones) are the whole policy: the
    provider then removes AWS's default allow-all egress
    (https://www.pulumi.com/registry/packages/aws/api-docs/ec2/securitygroup/).
    """
    import pulumi_aws as aws

    peers = [p for p in (cidr, peer_security_group_id, prefix_list_id) if p is not None]
    if len(peers) != 1:
        raise ValueError(f"{name}: a rule needs exactly one of cidr, peer_security_group_id, prefix_list_id")
    kwargs: dict[str, Any] = {
        "security_group_id": security_group_id,
        "description": description,
        "ip_protocol": "-1" if port is None else "tcp",
        "opts": child_opts(parent),
    }
    if port is not None:
        kwargs.update(from_port=port, to_port=port)
    if cidr is not None:
        kwargs["cidr_ipv4"] = cidr
    if peer_security_group_id is not None:
        kwargs["referenced_security_group_id"] = peer_security_group_id
    if prefix_list_id is not None:
        kwargs["prefix_list_id"] = prefix_list_id
    rule = aws.vpc.SecurityGroupIngressRule if direction == "in" else aws.vpc.SecurityGroupEgressRule
    return rule(name, **kwargs)
