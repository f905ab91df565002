"""S3: public access blocked, encrypted, TLS-only, no public ACLs or policies."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ._base import (
    Rule,
    RuleContext,
    StackResource,
    StackViolation,
    as_list,
    field,
    items,
    json_doc,
    of_type,
)

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_ACL = "aws:s3/bucketAcl:BucketAcl"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"

_BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
_SSE_ALGORITHMS = {"AES256", "aws:kms", "aws:kms:dsse"}
_PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}


def _public_access_block(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    off = [flag for flag in _BLOCK_FLAGS if field(props, flag) is not True]
    if off:
        yield f"public access block must set all four flags to true; not set: {', '.join(off)}"


def _encryption(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    rules = items(props, "rules")
    algorithms = [field(r, "applyServerSideEncryptionByDefault", "sseAlgorithm") for r in rules]
    if not algorithms or any(a not in _SSE_ALGORITHMS for a in algorithms):
        yield f"default encryption must use one of {sorted(_SSE_ALGORITHMS)}; got {algorithms or 'no rule'}"


def _statements(policy: Any) -> list[Mapping[str, Any]]:
    doc = json_doc(policy)
    if not isinstance(doc, Mapping):
        return []
    return [s for s in as_list(doc.get("Statement")) if isinstance(s, Mapping)]


def _denies_insecure_transport(policy: Any) -> bool:
    for s in _statements(policy):
        if s.get("Effect") != "Deny":
            continue
        cond = s.get("Condition") or {}
        bool_cond = cond.get("Bool") or {}
        if str(bool_cond.get("aws:SecureTransport", "")).lower() == "false":
            actions = as_list(s.get("Action"))
            if any(a in ("s3:*", "*") for a in actions):
                return True
    return False


def _public_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return "*" in as_list(principal.get("AWS"))
    return False


def _policy_not_public(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for s in _statements(field(props, "policy")):
        if s.get("Effect") == "Allow" and _public_principal(s.get("Principal")) and not s.get("Condition"):
            yield f'bucket policy allows anyone (Principal "*") without a condition: {as_list(s.get("Action"))}'


def _no_public_acl(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    acl = field(props, "acl")
    if acl in _PUBLIC_ACLS:
        yield f"canned ACL {acl!r} makes objects public; use the bucket policy with CloudFront OAC instead"
    for grant in items(props, "accessControlPolicy", "grants"):
        uri = field(grant, "grantee", "uri") or ""
        if uri.endswith("/global/AllUsers") or uri.endswith("/global/AuthenticatedUsers"):
            yield f"ACL grant to {uri.rsplit('/', 1)[-1]} makes objects public"


def _ownership_enforced(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    owner = field(props, "rule", "objectOwnership")
    if owner != "BucketOwnerEnforced":
        yield f"object ownership should be BucketOwnerEnforced (ACLs disabled); got {owner!r}"


def _buckets_lacking(
    resources: list[StackResource], sub_type: str, accept: Any, message: str
) -> Iterator[StackViolation]:
    subs = [s for s in of_type(resources, sub_type) if accept(s)]
    for bucket in of_type(resources, BUCKET):
        if not any(s.refers_to("bucket", bucket) for s in subs):
            yield StackViolation(bucket, message)


def _every_bucket_blocked(resources: list[StackResource], ctx: RuleContext) -> Iterator[StackViolation]:
    yield from _buckets_lacking(
        resources,
        PUBLIC_ACCESS_BLOCK,
        lambda s: all(s.props.get(f) is True for f in _BLOCK_FLAGS),
        "bucket has no BucketPublicAccessBlock with all four flags true",
    )


def _every_bucket_encrypted(resources: list[StackResource], ctx: RuleContext) -> Iterator[StackViolation]:
    yield from _buckets_lacking(resources, SSE, lambda s: True, "bucket has no BucketServerSideEncryptionConfiguration")


def _every_bucket_tls_only(resources: list[StackResource], ctx: RuleContext) -> Iterator[StackViolation]:
    yield from _buckets_lacking(
        resources,
        BUCKET_POLICY,
        lambda s: _denies_insecure_transport(s.props.get("policy")),
        'bucket has no policy denying requests with "aws:SecureTransport": "false"',
    )


def _every_bucket_versioned(resources: list[StackResource], ctx: RuleContext) -> Iterator[StackViolation]:
    yield from _buckets_lacking(
        resources,
        VERSIONING,
        lambda s: (s.props.get("versioningConfiguration") or {}).get("status") == "Enabled",
        "bucket has no BucketVersioning with status Enabled",
    )


RULES: tuple[Rule, ...] = (
    Rule(
        id="s3-public-access-block",
        description="S3 public access blocks set all four flags.",
        mirrors=(
            "CKV_AWS_53",
            "CKV_AWS_54",
            "CKV_AWS_55",
            "CKV_AWS_56",
            "AVD-AWS-0086",
            "AVD-AWS-0087",
            "AVD-AWS-0091",
            "AVD-AWS-0093",
            "s3-bucket-public-access-block",
        ),
        level="mandatory",
        resource_types=(PUBLIC_ACCESS_BLOCK,),
        validate=_public_access_block,
        remediation="Set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.",
    ),
    Rule(
        id="s3-bucket-public-access-blocked",
        description="Every S3 bucket has a public access block.",
        mirrors=("CKV2_AWS_6", "AVD-AWS-0094"),
        level="mandatory",
        resource_types=(BUCKET, PUBLIC_ACCESS_BLOCK),
        validate_stack=_every_bucket_blocked,
        remediation="Add an aws.s3.BucketPublicAccessBlock for the bucket.",
    ),
    Rule(
        id="s3-encryption",
        description="S3 default encryption uses SSE-S3 or SSE-KMS.",
        mirrors=("CKV_AWS_19", "AVD-AWS-0088", "s3-bucket-server-side-encryption-enabled"),
        level="mandatory",
        resource_types=(SSE,),
        validate=_encryption,
    ),
    Rule(
        id="s3-bucket-encrypted",
        description="Every S3 bucket has a default-encryption configuration.",
        mirrors=("CKV_AWS_19", "AVD-AWS-0088"),
        level="mandatory",
        resource_types=(BUCKET, SSE),
        validate_stack=_every_bucket_encrypted,
        remediation="Add an aws.s3.BucketServerSideEncryptionConfiguration (AES256 or aws:kms).",
    ),
    Rule(
        id="s3-tls-only",
        description="Every S3 bucket's policy denies requests not made over TLS.",
        mirrors=("s3-bucket-ssl-requests-only", "AWS FSBP S3.5"),
        level="mandatory",
        resource_types=(BUCKET, BUCKET_POLICY),
        validate_stack=_every_bucket_tls_only,
        remediation='Add a Deny statement on s3:* with Condition Bool "aws:SecureTransport": "false".',
    ),
    Rule(
        id="s3-policy-not-public",
        description='Bucket policies grant nothing to Principal "*" without a condition.',
        mirrors=("CKV_AWS_70", "s3-bucket-public-read-prohibited", "s3-bucket-public-write-prohibited"),
        level="mandatory",
        resource_types=(BUCKET_POLICY,),
        validate=_policy_not_public,
    ),
    Rule(
        id="s3-no-public-acl",
        description="No canned or explicit ACL makes a bucket public.",
        mirrors=("CKV_AWS_20", "CKV_AWS_57", "AVD-AWS-0092"),
        level="mandatory",
        resource_types=(BUCKET, BUCKET_ACL),
        validate=_no_public_acl,
    ),
    Rule(
        id="s3-ownership-enforced",
        description="Bucket ACLs are disabled (BucketOwnerEnforced).",
        mirrors=("CKV2_AWS_65",),
        level="advisory",
        resource_types=(OWNERSHIP,),
        validate=_ownership_enforced,
    ),
    Rule(
        id="s3-versioning-prod",
        description="In prod, every bucket has versioning enabled.",
        mirrors=("CKV_AWS_21", "AVD-AWS-0090", "s3-bucket-versioning-enabled"),
        level="advisory",
        resource_types=(BUCKET, VERSIONING),
        validate_stack=_every_bucket_versioned,
        stages=("prod",),
    ),
)
