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


def private_bucket(
    owner: pulumi.Resource,
    name: str,
    *,
    tags: Mapping[str, str],
    protect: bool = False,
    force_destroy: bool = False,
    versioned: bool = False,
) -> tuple[Any, Any]:
    """A bucket nobody reaches publicly, as every component of ours makes one.

    All four public-access blocks, object ownership enforced (ACLs off:
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html)
    and SSE-S3, which CloudFront's origin access control and ELB log delivery
    both read without a KMS key policy. Children are named `<name>-bucket`,
    `-public-access`, `-ownership` and `-encryption` under `owner`. Returns the
    bucket and its public-access block (a bucket policy must wait for the block).
    `versioned` adds `<name>-versioning`, so a mistaken delete or overwrite is recoverable.
    """
    import pulumi_aws as aws

    bucket = aws.s3.Bucket(
        f"{name}-bucket",
        force_destroy=force_destroy or None,
        tags=dict(tags),
        opts=child_opts(owner, protect=protect),
    )
    block = aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=child_opts(owner),
    )
    aws.s3.BucketOwnershipControls(
        f"{name}-ownership",
        bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=child_opts(owner),
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="AES256"
                )
            )
        ],
        opts=child_opts(owner),
    )
    if versioned:
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child_opts(owner),
        )
    return bucket, block


def replica_arn(arn: pulumi.Input[str], region: str) -> pulumi.Output[str]:
    """A replicated secret's ARN in `region`: the primary's with the region swapped.

    "The ARN for a replicated secret is the same as the primary secret except for
    the Region" (https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets.html).
    """

    def swap(value: str) -> str:
        parts = value.split(":")
        parts[3] = region
        return ":".join(parts)

    return pulumi.Output.from_input(arn).apply(swap)


def secret_replicas(regions: Mapping[str, pulumi.Input[str] | None]) -> list[Any] | None:
    """`replicas` of a Secrets Manager secret: each region, with its own key when the stage has one.

    A KMS key is regional, so each replica is encrypted with the key of its own
    region (None: Secrets Manager's AWS managed key there).
    """
    if not regions:
        return None
    import pulumi_aws as aws

    return [aws.secretsmanager.SecretReplicaArgs(region=r, kms_key_id=k) for r, k in sorted(regions.items())]
