"""ReleaseStore: where `farm-deploy release build` puts each release, shared by the stages.

- An S3 bucket: every front-end bundle under `web/<version>/` (content addressed,
  never overwritten) and its manifest under `manifests/web/`. Private; CloudFront
  distributions of this account read `web/*` through Origin Access Control: the
  policy names the account's distributions, not one, because each stage's
  distribution serves from here (the OAC condition key `AWS:SourceArn`,
  https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html).
- An ECR repository with immutable tags: each API image, pinned by digest.

It lives in a small stack of its own (release_store/), so destroying a stage
never takes the releases of the others with it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from analysis.errors import UserError

from .common import child_opts, merge_tags, private_bucket
from .iam import policy_document

_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass
class ReleaseStoreArgs:
    account_id: pulumi.Input[str]  # the account whose CloudFront distributions may read web/*
    # Images kept in the repository: every pin a stage may roll back to.
    keep_images: int = 200
    protect: bool = True
    tags: dict[str, str] = field(default_factory=dict)


class ReleaseStore(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]
    repository_url: pulumi.Output[str]

    def __init__(self, name: str, args: ReleaseStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:release:ReleaseStore", name, None, opts)
        self._name = name
        self._args = args
        self._validate()
        bucket = self._create_bucket()
        repository = self._create_repository()
        self.bucket_name = bucket.bucket
        self.repository_url = repository.repository_url
        self.register_outputs({"bucket_name": self.bucket_name, "repository_url": self.repository_url})

    def _validate(self) -> None:
        a = self._args
        if isinstance(a.account_id, str) and not _ACCOUNT.match(a.account_id):
            raise UserError("not an AWS account id (12 digits)", key="account_id", value=a.account_id)
        if a.keep_images < 1:
            raise UserError("keep at least one image", key="keep_images", value=a.keep_images)

    def _create_bucket(self) -> aws.s3.Bucket:
        a = self._args
        # No force_destroy: the releases outlive any one deploy.
        # Versioned: a version is never rewritten, but a mistaken delete is recoverable.
        bucket, block = private_bucket(
            self, self._name, tags=merge_tags(a.tags, f"{self._name}-bucket"), protect=a.protect, versioned=True
        )
        policy = pulumi.Output.all(bucket.arn, a.account_id).apply(lambda v: release_bucket_policy(v[0], v[1]))
        aws.s3.BucketPolicy(
            f"{self._name}-policy", bucket=bucket.id, policy=policy, opts=child_opts(self, depends_on=[block])
        )
        return bucket

    def _create_repository(self) -> aws.ecr.Repository:
        a = self._args
        repository = aws.ecr.Repository(
            f"{self._name}-repo",
            # A pushed tag can never point at other bytes; stages pin digests anyway.
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS")],
            force_delete=False,
            tags=merge_tags(a.tags, f"{self._name}-repo"),
            opts=child_opts(self, protect=a.protect),
        )
        aws.ecr.LifecyclePolicy(
            f"{self._name}-lifecycle",
            repository=repository.name,
            policy=json.dumps(
                {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "description": f"keep the last {a.keep_images} images",
                            "selection": {
                                "tagStatus": "any",
                                "countType": "imageCountMoreThan",
                                "countNumber": a.keep_images,
                            },
                            "action": {"type": "expire"},
                        }
                    ]
                }
            ),
            opts=child_opts(self),
        )
        return repository


def release_bucket_policy(bucket_arn: str, account_id: str) -> str:
    """CloudFront distributions of this account read the bundles; nothing else, and TLS only."""
    return policy_document(
        {
            "Sid": "AllowCloudFrontReadWeb",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"{bucket_arn}/web/*",
            "Condition": {"ArnLike": {"AWS:SourceArn": f"arn:aws:cloudfront::{account_id}:distribution/*"}},
        },
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )
