"""RegionRoute: one region's share of `api.<domain>` on a stage in several regions.

Route 53 answers `api.<domain>` with a latency record per region, each an alias
to that region's load balancer; of the healthy records it returns the region
with the lowest latency to the resolver, which for CloudFront is the edge
location serving the user
(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-latency.html).

A region is healthy while
- its load balancer has healthy targets: `evaluate_target_health` on an ALB
  alias follows the target groups' health checks (`/api/health`)
  (https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html), and
- its Route 53 health check is healthy: a CLOUDWATCH_METRIC check on an alarm
  that fires when the target group has no healthy task. Route 53's own HTTP
  checkers cannot reach the load balancer (it admits CloudFront only), the
  alarm needs no network path, and the check gives `farm-deploy verify` and the
  console one health status per region
  (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-creating-values.html#health-checks-creating-values-cloudwatch).

The alarm lives in the region (the provider passed in `opts`); Route 53 is
global, so the health check and the record can be made through any provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .common import child_opts, merge_tags


@dataclass
class RegionRouteArgs:
    region: str  # the record's latency region: where the load balancer is
    name: str  # the record's name, `api.<domain>`
    zone_id: pulumi.Input[str]
    alb_dns_name: pulumi.Input[str]
    alb_zone_id: pulumi.Input[str]
    alb_arn_suffix: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    # Minutes without a healthy task before the region is taken out of the answers.
    unhealthy_minutes: int = 2
    # Who hears that the region left the answers (the region's alarm topic).
    alarm_actions: list[pulumi.Input[str]] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)


class RegionRoute(pulumi.ComponentResource):
    health_check_id: pulumi.Output[str]
    alarm_name: pulumi.Output[str]

    def __init__(self, name: str, args: RegionRouteArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:dns:RegionRoute", name, None, opts)
        self._name = name
        a = self._args = args
        if a.unhealthy_minutes < 1:
            raise ValueError("RegionRoute: unhealthy_minutes must be at least 1")
        self.alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-no-healthy-task",
            alarm_description=f"{a.name} in {a.region}: no healthy API task behind the load balancer",
            namespace="AWS/ApplicationELB",
            metric_name="HealthyHostCount",
            dimensions={"LoadBalancer": a.alb_arn_suffix, "TargetGroup": a.target_group_arn_suffix},
            statistic="Minimum",
            period=60,
            evaluation_periods=a.unhealthy_minutes,
            comparison_operator="LessThanThreshold",
            threshold=1,
            # No data means no target reported: as bad as zero healthy ones.
            treat_missing_data="breaching",
            alarm_actions=a.alarm_actions,
            ok_actions=a.alarm_actions,
            tags=merge_tags(a.tags, f"{name}-no-healthy-task"),
            opts=child_opts(self),
        )
        self.health_check = aws.route53.HealthCheck(
            f"{name}-health",
            type="CLOUDWATCH_METRIC",
            cloudwatch_alarm_name=self.alarm.name,
            cloudwatch_alarm_region=a.region,
            # A new alarm has no data yet; keep what was last known (healthy when new).
            insufficient_data_health_status="LastKnownStatus",
            tags=merge_tags(a.tags, f"{name}-health"),
            opts=child_opts(self),
        )
        self.record = aws.route53.Record(
            f"{name}-latency",
            zone_id=a.zone_id,
            name=a.name,
            type="A",
            set_identifier=a.region,
            latency_routing_policies=[aws.route53.RecordLatencyRoutingPolicyArgs(region=a.region)],
            health_check_id=self.health_check.id,
            aliases=[
                aws.route53.RecordAliasArgs(name=a.alb_dns_name, zone_id=a.alb_zone_id, evaluate_target_health=True)
            ],
            opts=child_opts(self),
        )
        self.health_check_id = self.health_check.id
        self.alarm_name = self.alarm.name
        self.register_outputs({"health_check_id": self.health_check_id, "alarm_name": self.alarm_name})
