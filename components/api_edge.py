"""ApiEdge: a CloudFront distribution in front of an API that has no front end and no domain.

An API-only app on ECS with no certificate would otherwise answer plain HTTP on
an internet-facing load balancer. Behind this distribution the load balancer is
internal (a CloudFront VPC origin, as behind StaticSite), viewers get HTTPS on
the distribution's `*.cloudfront.net` name with CloudFront's default
certificate, and the stage's web ACL can sit in front
(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html).
Every path goes to the API: caching disabled, every method, the viewer's
headers except Host forwarded (CloudFront's managed policies).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .common import child_opts, merge_tags
from .static_site import API_ORIGIN_ID, api_behavior_args


@dataclass
class ApiEdgeArgs:
    origin_domain: pulumi.Input[str]  # the internal load balancer's DNS name
    vpc_origin_id: pulumi.Input[str]  # ApiService.vpc_origin_id
    # ARN of a CLOUDFRONT-scope WAFv2 web ACL (WebAcl), None: no web firewall.
    web_acl_arn: pulumi.Input[str] | None = None
    price_class: str = "PriceClass_100"
    tags: dict[str, str] = field(default_factory=dict)


class ApiEdge(pulumi.ComponentResource):
    url: pulumi.Output[str]
    distribution_arn: pulumi.Output[str]
    distribution_id: pulumi.Output[str]

    def __init__(self, name: str, args: ApiEdgeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:web:ApiEdge", name, None, opts)
        security_headers = aws.cloudfront.get_response_headers_policy_output(
            name="Managed-SecurityHeadersPolicy", opts=pulumi.InvokeOutputOptions(parent=self)
        )
        self.distribution = aws.cloudfront.Distribution(
            f"{name}-cdn",
            enabled=True,
            comment=f"{name}: the API",
            http_version="http2and3",
            is_ipv6_enabled=True,
            price_class=args.price_class,
            origins=[
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=API_ORIGIN_ID,
                    domain_name=args.origin_domain,
                    vpc_origin_config=aws.cloudfront.DistributionOriginVpcOriginConfigArgs(
                        vpc_origin_id=args.vpc_origin_id, origin_read_timeout=60
                    ),
                )
            ],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                **api_behavior_args(self, security_headers.id)
            ),
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(restriction_type="none")
            ),
            viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(cloudfront_default_certificate=True),
            web_acl_id=args.web_acl_arn,
            tags=merge_tags(args.tags, f"{name}-cdn"),
            opts=child_opts(self),
        )
        self.url = pulumi.Output.concat("https://", self.distribution.domain_name)
        self.distribution_arn = self.distribution.arn
        self.distribution_id = self.distribution.id
        self.register_outputs(
            {"url": self.url, "distribution_arn": self.distribution_arn, "distribution_id": self.distribution_id}
        )
