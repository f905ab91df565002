"""LogBucket: the stage's access-log bucket, for CloudFront and the load balancer.

- Encrypted with SSE-S3: the only encryption ALB access logs accept
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html,
  "Bucket requirements"), whatever `farm:kms` says.
- Object ownership enforced (ACLs disabled). CloudFront's legacy standard
  logging needs ACLs, so CloudFront logs arrive through standard logging (v2),
  which delivers to S3 as CloudWatch vended logs under a bucket policy, no ACL
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html,
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-V2-S3.html).
- Objects expire after the stage's retention.
- The bucket policy lets exactly the two writers put objects under their own
  prefix, for this account only, and refuses plain HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from analysis.errors import UserError

from .common import child_opts, merge_tags, private_bucket
from .iam import policy_document

ALB_PREFIX = "alb"
CLOUDFRONT_PREFIX = "cloudfront"

# Elastic Load Balancing's log-writing account per region, for regions opened
# before August 2022; newer regions take the service principal
# logdelivery.elasticloadbalancing.amazonaws.com instead. Both from
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
# ("Attach a policy to your S3 bucket").
ELB_ACCOUNTS: dict[str, str] = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-south-1": "718504428378",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "eu-south-1": "635631232127",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
}
ELB_SERVICE_PRINCIPAL = "logdelivery.elasticloadbalancing.amazonaws.com"
VENDED_LOGS_PRINCIPAL = "delivery.logs.amazonaws.com"


@dataclass
class LogBucketArgs:
    region: str  # the stage's region: the load balancer writes only to a bucket in its own region
    retention_days: int
    alb_logs: bool = False
    cloudfront_logs: bool = False
    protect: bool = False
    tags: dict[str, str] = field(default_factory=dict)


def elb_principal(region: str) -> dict[str, str]:
    account = ELB_ACCOUNTS.get(region)
    if account is not None:
        return {"AWS": f"arn:aws:iam::{account}:root"}
    return {"Service": ELB_SERVICE_PRINCIPAL}


def log_bucket_policy(bucket_arn: str, account: str, region: str, *, alb: bool, cloudfront: bool) -> str:
    statements: list[dict[str, object]] = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    if alb:
        statements.append(
            {
                "Sid": "LoadBalancerWritesAccessLogs",
                "Effect": "Allow",
                "Principal": elb_principal(region),
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/{ALB_PREFIX}/AWSLogs/{account}/*",
            }
        )
    if cloudfront:
        statements.append(
            {
                "Sid": "CloudFrontWritesAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": VENDED_LOGS_PRINCIPAL},
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/{CLOUDFRONT_PREFIX}/*",
                "Condition": {
                    "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": account},
                    # CloudFront's delivery sources live in us-east-1.
                    "ArnLike": {"aws:SourceArn": f"arn:aws:logs:us-east-1:{account}:delivery-source:*"},
                },
            }
        )
    return policy_document(*statements)


class LogBucket(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    # The name, known only once the bucket policy exists: the load balancer
    # checks that it may write when access logging is switched on.
    writable_bucket_name: pulumi.Output[str]

    def __init__(self, name: str, args: LogBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:security:LogBucket", name, None, opts)
        self._name = name
        self._args = args
        if not 1 <= args.retention_days <= 3650:
            raise UserError(
                "access-log retention must be 1 to 3650 days", key="retention_days", value=args.retention_days
            )
        self.bucket = self._create_bucket()
        self.policy = self._create_policy()
        self.bucket_name = self.bucket.bucket
        self.bucket_arn = self.bucket.arn
        self.writable_bucket_name = pulumi.Output.all(self.bucket.bucket, self.policy.id).apply(lambda v: v[0])
        self.register_outputs(
            {
                "bucket_name": self.bucket_name,
                "bucket_arn": self.bucket_arn,
                "writable_bucket_name": self.writable_bucket_name,
            }
        )

    def _tags(self, suffix: str) -> dict[str, str]:
        return merge_tags(self._args.tags, f"{self._name}-{suffix}")

    def _create_bucket(self) -> aws.s3.Bucket:
        a = self._args
        # Versioned: a deleted or overwritten log stays recoverable until it expires.
        bucket, self._access_block = private_bucket(
            self, self._name, tags=self._tags("bucket"), protect=a.protect, versioned=True
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{self._name}-lifecycle",
            bucket=bucket.id,
            rules=[
                {
                    "id": "expire-access-logs",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "expiration": {"days": a.retention_days},
                    "noncurrent_version_expiration": {"noncurrent_days": 7},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
                }
            ],
            opts=child_opts(self),
        )
        return bucket

    def _create_policy(self) -> aws.s3.BucketPolicy:
        a = self._args
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        policy = pulumi.Output.all(self.bucket.arn, account).apply(
            lambda v: log_bucket_policy(v[0], v[1], a.region, alb=a.alb_logs, cloudfront=a.cloudfront_logs)
        )
        return aws.s3.BucketPolicy(
            f"{self._name}-policy",
            bucket=self.bucket.id,
            policy=policy,
            opts=child_opts(self, depends_on=[self._access_block]),
        )
