"""CloudFrontLogs: a distribution's standard logs (v2) delivered to a log bucket.

Standard logging v2 goes through CloudWatch Logs delivery (source, destination,
delivery) and needs no bucket ACL, so the log bucket keeps object ownership
enforced (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html).
CloudFront is global and its delivery source lives in us-east-1: the builder
passes a provider pinned there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .common import child_opts, merge_tags
from .log_bucket import CLOUDFRONT_PREFIX

# The fields of the log line (CloudFront's standard log fields), in the order `farm-deploy logs --access` prints them.
RECORD_FIELDS = [
    "timestamp",
    "c-ip",
    "cs-method",
    "cs-uri-stem",
    "sc-status",
    "time-taken",
    "x-edge-result-type",
    "cs(User-Agent)",
]


@dataclass
class CloudFrontLogsArgs:
    distribution_arn: pulumi.Input[str]
    bucket_arn: pulumi.Input[str]
    # Delivery sources and destinations are named, unique per account in us-east-1.
    delivery_name: str
    tags: dict[str, str] = field(default_factory=dict)


class CloudFrontLogs(pulumi.ComponentResource):
    delivery_id: pulumi.Output[str]

    def __init__(self, name: str, args: CloudFrontLogsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:security:CloudFrontLogs", name, None, opts)
        physical = args.delivery_name[:60]
        source = aws.cloudwatch.LogDeliverySource(
            f"{name}-source",
            name=physical,
            log_type="ACCESS_LOGS",
            resource_arn=args.distribution_arn,
            tags=merge_tags(args.tags, f"{name}-source"),
            opts=child_opts(self),
        )
        destination = aws.cloudwatch.LogDeliveryDestination(
            f"{name}-destination",
            name=physical,
            output_format="w3c",
            delivery_destination_configuration={
                "destination_resource_arn": pulumi.Output.concat(args.bucket_arn, f"/{CLOUDFRONT_PREFIX}")
            },
            tags=merge_tags(args.tags, f"{name}-destination"),
            opts=child_opts(self),
        )
        delivery = aws.cloudwatch.LogDelivery(
            f"{name}-delivery",
            delivery_source_name=source.name,
            delivery_destination_arn=destination.arn,
            record_fields=RECORD_FIELDS,
            tags=merge_tags(args.tags, f"{name}-delivery"),
            opts=child_opts(self),
        )
        self.delivery_id = delivery.id
        self.register_outputs({"delivery_id": self.delivery_id})
