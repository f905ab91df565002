"""PreviewSite: a pull request's front end, its own bucket and CloudFront distribution.

The distribution serves the release's web bundle from its own bucket (the CI job
copies the release into it) and forwards `/api/*` to dev's load balancer with a
header naming the preview, which dev's listener routes to the preview's own API.
It reuses dev's cache policy, response headers policy and SPA function by id:
CloudFront counts those per account (20 custom cache policies, 20 response
headers policies: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html),
so a copy per pull request would run out.

A distribution costs nothing while no one requests it
(https://aws.amazon.com/cloudfront/pricing/); the bucket holds one bundle.
`force_destroy`: the bucket holds a copy of a release, and teardown must work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from analysis.errors import UserError

from .common import child_opts, merge_tags, private_bucket
from .static_site import api_behavior_args, bucket_policy, spa_default_behavior

S3_ORIGIN_ID = "site"

API_ORIGIN_ID = "api"
PROTOCOLS = ("http-only", "https-only")


@dataclass
class PreviewSiteArgs:
    # dev's, from the stack reference
    api_origin_domain: pulumi.Input[str]
    api_origin_protocol: str
    cache_policy_id: pulumi.Input[str]
    response_headers_policy_id: pulumi.Input[str]
    spa_function_arn: pulumi.Input[str]
    # the preview's own route
    route_header: str
    route_value: str
    # dev's CloudFront VPC origin, when dev's load balancer is internal; None: a public origin
    vpc_origin_id: pulumi.Input[str] | None = None
    api_path_pattern: str = "/api/*"
    price_class: str = "PriceClass_100"
    tags: dict[str, str] = field(default_factory=dict)


class PreviewSite(pulumi.ComponentResource):
    url: pulumi.Output[str]
    bucket_name: pulumi.Output[str]
    distribution_id: pulumi.Output[str]

    def __init__(self, name: str, args: PreviewSiteArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:preview:PreviewSite", name, None, opts)
        self._name = name
        self._args = args
        if args.api_origin_protocol not in PROTOCOLS:
            raise UserError(
                "unknown origin protocol", key="api_origin_protocol", value=args.api_origin_protocol, valid=PROTOCOLS
            )
        self._tags = merge_tags(args.tags, name)

        self.bucket, access_block = self._create_bucket()
        self.distribution = self._create_distribution()
        self._create_bucket_policy(access_block)

        self.url = pulumi.Output.concat("https://", self.distribution.domain_name)
        self.bucket_name = self.bucket.bucket
        self.distribution_id = self.distribution.id
        self.register_outputs(
            {"url": self.url, "bucket_name": self.bucket_name, "distribution_id": self.distribution_id}
        )

    def _create_bucket(self) -> tuple[aws.s3.Bucket, aws.s3.BucketPublicAccessBlock]:
        # A preview's bucket goes with its pull request, files and all.
        bucket, block = private_bucket(self, self._name, tags=self._tags, force_destroy=True)
        return bucket, block

    def _api_origin(self) -> aws.cloudfront.DistributionOriginArgs:
        a = self._args
        header = aws.cloudfront.DistributionOriginCustomHeaderArgs(name=a.route_header, value=a.route_value)
        if a.vpc_origin_id is not None:
            return aws.cloudfront.DistributionOriginArgs(
                origin_id=API_ORIGIN_ID,
                domain_name=a.api_origin_domain,
                custom_headers=[header],
                vpc_origin_config=aws.cloudfront.DistributionOriginVpcOriginConfigArgs(vpc_origin_id=a.vpc_origin_id),
            )
        return aws.cloudfront.DistributionOriginArgs(
            origin_id=API_ORIGIN_ID,
            domain_name=a.api_origin_domain,
            custom_headers=[header],
            custom_origin_config=aws.cloudfront.DistributionOriginCustomOriginConfigArgs(
                http_port=80,
                https_port=443,
                origin_protocol_policy=a.api_origin_protocol,
                origin_ssl_protocols=["TLSv1.2"],
                origin_read_timeout=60,
            ),
        )

    def _create_distribution(self) -> aws.cloudfront.Distribution:
        a = self._args
        oac = aws.cloudfront.OriginAccessControl(
            f"{self._name}-oac",
            description=f"{self._name}: CloudFront reads the preview's bucket",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child_opts(self),
        )
        return aws.cloudfront.Distribution(
            f"{self._name}-cdn",
            enabled=True,
            comment=f"{self._name} preview front end",
            default_root_object="index.html",
            http_version="http2and3",
            is_ipv6_enabled=True,
            price_class=a.price_class,
            origins=[
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=S3_ORIGIN_ID,
                    domain_name=self.bucket.bucket_regional_domain_name,
                    origin_access_control_id=oac.id,
                ),
                self._api_origin(),
            ],
            default_cache_behavior=spa_default_behavior(
                a.cache_policy_id, a.response_headers_policy_id, a.spa_function_arn, origin_id=S3_ORIGIN_ID
            ),
            ordered_cache_behaviors=[
                aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
                    path_pattern=a.api_path_pattern, **api_behavior_args(self, a.response_headers_policy_id)
                )
            ],
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(restriction_type="none")
            ),
            viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(cloudfront_default_certificate=True),
            tags=self._tags,
            opts=child_opts(self),
        )

    def _create_bucket_policy(self, access_block: aws.s3.BucketPublicAccessBlock) -> aws.s3.BucketPolicy:
        return aws.s3.BucketPolicy(
            f"{self._name}-policy",
            bucket=self.bucket.id,
            policy=pulumi.Output.all(self.bucket.arn, self.distribution.arn).apply(lambda v: bucket_policy(v[0], v[1])),
            opts=child_opts(self, depends_on=[access_block]),
        )
