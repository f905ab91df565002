"""VPC, security groups and load balancers: nothing open to the world but the ALB's 80/443."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ._base import Rule, RuleContext, StackResource, StackViolation, field, items, of_type

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"

ANYWHERE = {"0.0.0.0/0", "::/0"}
WEB_PORTS = {80, 443}
# TLS 1.2+ ELB security policies follow these name patterns (AWS docs, "Security policies").
_TLS12_POLICY_MARKERS = ("TLS13-", "TLS-1-2-", "FS-1-2-")


@dataclass(frozen=True)
class Ingress:
    cidrs: tuple[str, ...]
    protocol: str
    from_port: int
    to_port: int
    description: str

    @property
    def from_anywhere(self) -> bool:
        return any(c in ANYWHERE for c in self.cidrs)

    @property
    def web_only(self) -> bool:
        if self.protocol in ("-1", "all"):
            return False
        return self.from_port == self.to_port and self.from_port in WEB_PORTS

    def describe(self) -> str:
        ports = "all ports" if self.protocol in ("-1", "all") else f"{self.protocol} {self.from_port}-{self.to_port}"
        return f"{ports} from {', '.join(c for c in self.cidrs if c in ANYWHERE)}"


def _port(value: Any) -> int:
    return int(value) if isinstance(value, int | float) else -1


def ingress_of(typ: str, props: Mapping[str, Any]) -> list[Ingress]:
    """Every ingress permission a resource grants, whatever the resource type."""
    if typ == SECURITY_GROUP:
        return [
            Ingress(
                tuple(items(r, "cidrBlocks") + items(r, "ipv6CidrBlocks")),
                str(field(r, "protocol", default="")).lower(),
                _port(field(r, "fromPort")),
                _port(field(r, "toPort")),
                str(field(r, "description", default="")),
            )
            for r in items(props, "ingress")
        ]
    if typ == SG_RULE and field(props, "type") == "ingress":
        return [
            Ingress(
                tuple(items(props, "cidrBlocks") + items(props, "ipv6CidrBlocks")),
                str(field(props, "protocol", default="")).lower(),
                _port(field(props, "fromPort")),
                _port(field(props, "toPort")),
                str(field(props, "description", default="")),
            )
        ]
    if typ == SG_INGRESS_RULE:
        cidrs = tuple(c for c in (field(props, "cidrIpv4"), field(props, "cidrIpv6")) if c)
        return [
            Ingress(
                cidrs,
                str(field(props, "ipProtocol", default="")).lower(),
                _port(field(props, "fromPort")),
                _port(field(props, "toPort")),
                str(field(props, "description", default="")),
            )
        ]
    return []


def _no_public_ingress(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for rule in ingress_of(ctx.type, props):
        if rule.from_anywhere and not rule.web_only:
            yield f"ingress open to the internet on {rule.describe()}; only a load balancer's 80/443 may be"


def _public_web_ingress_only_on_lb(resources: list[StackResource], ctx: RuleContext) -> Iterator[StackViolation]:
    groups = of_type(resources, SECURITY_GROUP)
    balancers = of_type(resources, LOAD_BALANCER)

    def on_a_balancer(group: StackResource) -> bool:
        return any(lb.refers_to("securityGroups", group) for lb in balancers)

    for res in of_type(resources, SECURITY_GROUP, SG_RULE, SG_INGRESS_RULE):
        open_web = [r for r in ingress_of(res.type, res.props) if r.from_anywhere and r.web_only]
        if not open_web:
            continue
        owners = [res] if res.type == SECURITY_GROUP else [g for g in groups if res.refers_to("securityGroupId", g)]
        if not owners or not any(on_a_balancer(g) for g in owners):
            yield StackViolation(
                res, f"{open_web[0].describe()} is open on a security group not attached to a load balancer"
            )


def _rule_descriptions(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if ctx.type == SECURITY_GROUP:
        for kind in ("ingress", "egress"):
            for i, r in enumerate(items(props, kind)):
                if not field(r, "description"):
                    yield f"{kind}[{i}] has no description"
    elif not field(props, "description"):
        yield "security group rule has no description"


def _default_sg_closed(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for kind in ("ingress", "egress"):
        if items(props, kind):
            yield f"the VPC's default security group must have no {kind} rules"


def _vpcs_lacking(resources: list[StackResource], sub_type: str, message: str) -> Iterator[StackViolation]:
    subs = of_type(resources, sub_type)
    for vpc in of_type(resources, VPC):
        if not any(s.refers_to("vpcId", vpc) for s in subs):
            yield StackViolation(vpc, message)


def _flow_logs(resources: list[StackResource], ctx: RuleContext) -> Iterator[StackViolation]:
    yield from _vpcs_lacking(resources, FLOW_LOG, "VPC has no flow log (aws.ec2.FlowLog with vpcId)")


def _default_sg_managed(resources: list[StackResource], ctx: RuleContext) -> Iterator[StackViolation]:
    yield from _vpcs_lacking(
        resources,
        DEFAULT_SECURITY_GROUP,
        "VPC's default security group is left open (adopt it with aws.ec2.DefaultSecurityGroup and no rules)",
    )


def _subnet_public_ip(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if field(props, "mapPublicIpOnLaunch") is True:
        yield "subnet gives every instance a public IP (mapPublicIpOnLaunch); NAT and the ALB do not need it"


# A listener only a CloudFront VPC origin reaches (ApiService behind CloudFront without a
# certificate): viewers get HTTPS from CloudFront and the hop to the internal load balancer stays
# inside AWS. Accepted outside prod, where end-to-end TLS is required; `listener-origin-tag-verified`
# (policies/rules/order.py) checks that a listener carrying the tag really is internal behind a VPC origin.
ORIGIN_ACCESS_TAG = "farm:origin-access"
VPC_ORIGIN_ACCESS = "cloudfront-vpc-origin"


def _listener_https(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    protocol = field(props, "protocol")
    actions = items(props, "defaultActions")
    behind_vpc_origin = field(props, "tags", ORIGIN_ACCESS_TAG) == VPC_ORIGIN_ACCESS
    if protocol == "HTTP" and behind_vpc_origin and ctx.stage != "prod":
        return
    if protocol == "HTTP":
        redirects = [a for a in actions if field(a, "type") == "redirect"]
        if not actions or len(redirects) != len(actions):
            yield "HTTP listener must only redirect to HTTPS (defaultActions of type redirect)"
        for a in redirects:
            if field(a, "redirect", "protocol") != "HTTPS":
                yield f"HTTP listener redirects to {field(a, 'redirect', 'protocol')!r}, not HTTPS"
    elif protocol == "HTTPS":
        policy = field(props, "sslPolicy") or ""
        if not any(marker in policy for marker in _TLS12_POLICY_MARKERS):
            yield f"HTTPS listener sslPolicy {policy or '(default)'!r} allows TLS below 1.2; use ELBSecurityPolicy-TLS13-1-2-2021-06"
        if not field(props, "certificateArn"):
            yield "HTTPS listener has no certificateArn"


def _drop_invalid_headers(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if field(props, "loadBalancerType", default="application") != "application":
        return
    if field(props, "dropInvalidHeaderFields") is not True:
        yield "application load balancer must drop invalid header fields (dropInvalidHeaderFields: true)"


def _lb_deletion_protection(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if field(props, "enableDeletionProtection") is not True:
        yield "load balancer has no deletion protection (enableDeletionProtection)"


RULES: tuple[Rule, ...] = (
    Rule(
        id="sg-no-public-ingress",
        description="No ingress from 0.0.0.0/0 or ::/0 except on ports 80 and 443.",
        mirrors=(
            "CKV_AWS_24",
            "CKV_AWS_25",
            "CKV_AWS_260",
            "CKV_AWS_277",
            "AVD-AWS-0107",
            "ec2-security-group-ingress-unrestricted",
        ),
        level="mandatory",
        resource_types=(SECURITY_GROUP, SG_RULE, SG_INGRESS_RULE),
        validate=_no_public_ingress,
    ),
    Rule(
        id="sg-public-web-only-on-lb",
        description="Ingress from the internet on 80/443 only on security groups attached to a load balancer.",
        mirrors=("AVD-AWS-0107", "CKV_AWS_260"),
        level="mandatory",
        resource_types=(SECURITY_GROUP, SG_RULE, SG_INGRESS_RULE, LOAD_BALANCER),
        validate_stack=_public_web_ingress_only_on_lb,
    ),
    Rule(
        id="sg-rule-description",
        description="Every security group rule says what it is for.",
        mirrors=("CKV_AWS_23", "AVD-AWS-0099", "AVD-AWS-0124"),
        level="advisory",
        resource_types=(SECURITY_GROUP, SG_RULE, SG_INGRESS_RULE, SG_EGRESS_RULE),
        validate=_rule_descriptions,
    ),
    Rule(
        id="default-sg-closed",
        description="The VPC's default security group allows nothing.",
        mirrors=("CKV2_AWS_12", "AVD-AWS-0173", "vpc-default-security-group-closed"),
        level="mandatory",
        resource_types=(DEFAULT_SECURITY_GROUP,),
        validate=_default_sg_closed,
    ),
    Rule(
        id="vpc-default-sg-adopted",
        description="Every VPC's default security group is adopted and emptied.",
        mirrors=("CKV2_AWS_12",),
        level="advisory",
        resource_types=(VPC, DEFAULT_SECURITY_GROUP),
        validate_stack=_default_sg_managed,
    ),
    Rule(
        id="vpc-flow-logs",
        description="Every VPC has flow logs.",
        mirrors=("CKV2_AWS_11", "AVD-AWS-0178", "vpc-flow-logs-enabled"),
        level="mandatory",
        resource_types=(VPC, FLOW_LOG),
        validate_stack=_flow_logs,
    ),
    Rule(
        id="subnet-no-auto-public-ip",
        description="Subnets do not hand out public IPs on launch.",
        mirrors=("CKV_AWS_130", "AVD-AWS-0164", "subnet-auto-assign-public-ip-disabled"),
        level="advisory",
        resource_types=(SUBNET,),
        validate=_subnet_public_ip,
    ),
    Rule(
        id="alb-https-listener",
        description="Load balancer listeners serve HTTPS (TLS 1.2+, certificate); HTTP listeners only redirect to it.",
        mirrors=(
            "CKV_AWS_2",
            "CKV_AWS_103",
            "CKV2_AWS_20",
            "AVD-AWS-0054",
            "AVD-AWS-0047",
            "elb-tls-https-listeners-only",
        ),
        level="mandatory",
        resource_types=(LISTENER,),
        validate=_listener_https,
    ),
    Rule(
        id="alb-drop-invalid-headers",
        description="Application load balancers drop invalid HTTP header fields.",
        mirrors=("CKV_AWS_131", "AVD-AWS-0052", "alb-http-drop-invalid-header-enabled"),
        level="mandatory",
        resource_types=(LOAD_BALANCER,),
        validate=_drop_invalid_headers,
    ),
    Rule(
        id="alb-deletion-protection-prod",
        description="In prod, load balancers have deletion protection.",
        mirrors=("CKV_AWS_150", "elb-deletion-protection-enabled"),
        level="advisory",
        resource_types=(LOAD_BALANCER,),
        validate=_lb_deletion_protection,
        stages=("prod",),
    ),
)
