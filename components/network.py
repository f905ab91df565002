"""Network: the VPC the ECS services live in.

Public subnets hold only the load balancer and the NAT gateways; tasks run in
private subnets and reach the internet (ECR, Secrets Manager, Atlas, AI APIs)
through NAT, whose fixed addresses are what Atlas's access list allows.

`nat_instance=True` (dev's default) replaces the NAT gateway with one small
EC2 NAT instance behind the same Elastic IP: no gateway hours or per-GB
processing charge, at the price of no managed failover
(https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html). Tasks
stay in private subnets without public IPs, so no policy is waived for it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from analysis.errors import UserError

from .common import child_opts, merge_tags, sg_rule
from .iam import assume_role_policy, policy_document

# The subnets are /20 slices of a /16 (prefix + 4): public ones from the first
# slice, private ones from the middle, so adding an AZ later never moves a subnet.
# Amazon Linux 2023, arm64, kept current by AWS (public SSM parameter).
NAT_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
# Forward and masquerade what the private subnets send: the NAT instance recipe of
# https://docs.aws.amazon.com/vpc/latest/userguide/work-with-nat-instances.html
NAT_USER_DATA = """#!/bin/bash
set -euo pipefail
dnf install -y iptables-services
systemctl enable --now iptables
echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-nat.conf
sysctl -p /etc/sysctl.d/90-nat.conf
dev=$(ip -o -4 route show to default | awk '{print $5}')
iptables -t nat -A POSTROUTING -o "$dev" -j MASQUERADE
iptables -F FORWARD
service iptables save
"""
_SUBNET_BITS = 4
_PRIVATE_OFFSET = 8
MAX_AZS = 6


@dataclass
class NetworkArgs:
    az_count: int = 2
    # One NAT gateway per AZ (an AZ outage cannot cut the others off the
    # internet) for prod; one shared NAT below, which saves ~$32/month each.
    nat_per_az: bool = False
    cidr: str = "10.0.0.0/16"
    # One EC2 NAT instance instead of NAT gateways (dev: ~$3/month against ~$33 plus $0.045/GB).
    nat_instance: bool = False
    nat_instance_type: str = "t4g.nano"  # Graviton; the AMI below is the arm64 one
    flow_log_retention_days: int = 30
    # Protect the flow log group (it holds the audit trail) from deletion.
    protect: bool = False
    tags: dict[str, str] = field(default_factory=dict)


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    vpc_cidr: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    nat_public_ips: pulumi.Output[list[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:network:Network", name, None, opts)
        self._name = name
        self._args = args
        public_cidrs, private_cidrs = _subnet_cidrs(args.cidr, args.az_count)
        zones = self._zones(args.az_count)

        self.vpc = self._create_vpc()
        self._create_default_security_group()
        self.public_subnets = self._create_subnets("public", public_cidrs, zones)
        self.private_subnets = self._create_subnets("private", private_cidrs, zones)
        self._create_public_routing()
        self.nat_instance: aws.ec2.Instance | None = None
        if args.nat_instance:
            self.eips, self.nat_gateways = self._create_nat_instance(), []
        else:
            self.eips, self.nat_gateways = self._create_nat_gateways()
        self._create_private_routing()
        self.flow_log_group = self._create_flow_logs()

        self.vpc_id = self.vpc.id
        self.vpc_cidr = self.vpc.cidr_block
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in self.public_subnets])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in self.private_subnets])
        self.nat_public_ips = pulumi.Output.all(*[e.public_ip for e in self.eips])
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "vpc_cidr": self.vpc_cidr,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
                "nat_public_ips": self.nat_public_ips,
            }
        )

    def _tags(self, suffix: str, **extra: str) -> dict[str, str]:
        return {**merge_tags(self._args.tags, f"{self._name}-{suffix}"), **extra}

    def _zones(self, count: int) -> list[str]:
        # Synchronous on purpose: the number of subnets must be known now, and a
        # region with fewer zones than asked for is a config error, not a crash.
        available = aws.get_availability_zones(state="available", opts=pulumi.InvokeOptions(parent=self)).names
        if count > len(available):
            raise UserError(
                f"the region has only {len(available)} available zones",
                key="network.az_count",
                value=count,
                valid=[str(n) for n in range(2, len(available) + 1)],
            )
        return list(available[:count])

    def _create_vpc(self) -> aws.ec2.Vpc:
        return aws.ec2.Vpc(
            f"{self._name}-vpc",
            cidr_block=self._args.cidr,
            enable_dns_support=True,
            # Cloud Map private DNS (service discovery) needs both DNS flags.
            enable_dns_hostnames=True,
            tags=self._tags("vpc"),
            opts=child_opts(self),
        )

    def _create_default_security_group(self) -> aws.ec2.DefaultSecurityGroup:
        # Adopting the default group with no rules removes AWS's allow-all rules:
        # anything that forgets to name its own group gets no traffic at all.
        return aws.ec2.DefaultSecurityGroup(
            f"{self._name}-default-sg",
            vpc_id=self.vpc.id,
            ingress=[],
            egress=[],
            tags=self._tags("default-sg"),
            opts=child_opts(self),
        )

    def _create_subnets(self, tier: str, cidrs: list[str], zones: list[str]) -> list[aws.ec2.Subnet]:
        return [
            aws.ec2.Subnet(
                f"{self._name}-{tier}-{i}",
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                # Nothing in the public subnets needs an automatic public IP:
                # the ALB and NAT gateways get theirs explicitly.
                map_public_ip_on_launch=False,
                tags=self._tags(f"{tier}-{i}", **{"farm:tier": tier}),
                opts=child_opts(self),
            )
            for i, (cidr, zone) in enumerate(zip(cidrs, zones, strict=True))
        ]

    def _create_public_routing(self) -> None:
        self.igw = aws.ec2.InternetGateway(
            f"{self._name}-igw", vpc_id=self.vpc.id, tags=self._tags("igw"), opts=child_opts(self)
        )
        self.public_route_table = aws.ec2.RouteTable(
            f"{self._name}-public-rt", vpc_id=self.vpc.id, tags=self._tags("public-rt"), opts=child_opts(self)
        )
        aws.ec2.Route(
            f"{self._name}-public-default",
            route_table_id=self.public_route_table.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=self.igw.id,
            opts=child_opts(self),
        )
        for i, subnet in enumerate(self.public_subnets):
            aws.ec2.RouteTableAssociation(
                f"{self._name}-public-{i}-rta",
                subnet_id=subnet.id,
                route_table_id=self.public_route_table.id,
                opts=child_opts(self),
            )

    def _create_nat_gateways(self) -> tuple[list[aws.ec2.Eip], list[aws.ec2.NatGateway]]:
        count = len(self.public_subnets) if self._args.nat_per_az else 1
        eips: list[aws.ec2.Eip] = []
        nats: list[aws.ec2.NatGateway] = []
        for i in range(count):
            eip = aws.ec2.Eip(
                f"{self._name}-nat-{i}-eip", domain="vpc", tags=self._tags(f"nat-{i}-eip"), opts=child_opts(self)
            )
            nat = aws.ec2.NatGateway(
                f"{self._name}-nat-{i}",
                allocation_id=eip.allocation_id,
                subnet_id=self.public_subnets[i].id,
                connectivity_type="public",
                tags=self._tags(f"nat-{i}"),
                opts=child_opts(self, depends_on=[self.igw]),
            )
            eips.append(eip)
            nats.append(nat)
        return eips, nats

    def _create_nat_instance(self) -> list[aws.ec2.Eip]:
        """One NAT instance in the first public subnet, forwarding the VPC's traffic (source/dest check off)."""
        a = self._args
        sg = aws.ec2.SecurityGroup(
            f"{self._name}-nat-sg",
            vpc_id=self.vpc.id,
            description="NAT instance: forwards the VPC's outbound traffic",
            tags=self._tags("nat-sg"),
            opts=child_opts(self),
        )
        sg_rule(
            self,
            f"{self._name}-nat-in-vpc",
            direction="in",
            security_group_id=sg.id,
            description="traffic from the VPC's private subnets, to be forwarded",
            cidr=a.cidr,
        )
        sg_rule(
            self,
            f"{self._name}-nat-out",
            direction="out",
            security_group_id=sg.id,
            description="forwarded traffic to the internet",
            cidr="0.0.0.0/0",
        )
        ami = aws.ssm.get_parameter_output(name=NAT_AMI_PARAMETER, opts=pulumi.InvokeOutputOptions(parent=self))
        self.nat_instance = aws.ec2.Instance(
            f"{self._name}-nat-instance",
            ami=ami.value,
            instance_type=a.nat_instance_type,
            subnet_id=self.public_subnets[0].id,
            vpc_security_group_ids=[sg.id],
            source_dest_check=False,
            ebs_optimized=True,  # the default for t4g; declared so scanners see it
            user_data=NAT_USER_DATA,
            user_data_replace_on_change=True,
            metadata_options=aws.ec2.InstanceMetadataOptionsArgs(http_tokens="required", http_endpoint="enabled"),
            root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(encrypted=True, volume_size=8, volume_type="gp3"),
            tags=self._tags("nat-instance"),
            opts=child_opts(self, depends_on=[self.igw]),
        )
        # The same Elastic IP name as a gateway's: Atlas's access list keeps its address.
        eip = aws.ec2.Eip(f"{self._name}-nat-0-eip", domain="vpc", tags=self._tags("nat-0-eip"), opts=child_opts(self))
        aws.ec2.EipAssociation(
            f"{self._name}-nat-eip-assoc",
            allocation_id=eip.allocation_id,
            instance_id=self.nat_instance.id,
            opts=child_opts(self),
        )
        return [eip]

    def _create_private_routing(self) -> None:
        # One route table per NAT gateway: with a NAT per AZ each private subnet
        # leaves through its own zone; with a shared NAT they all share one table.
        tables = []
        if self.nat_instance is not None:
            table = aws.ec2.RouteTable(
                f"{self._name}-private-0-rt", vpc_id=self.vpc.id, tags=self._tags("private-0-rt"), opts=child_opts(self)
            )
            aws.ec2.Route(
                f"{self._name}-private-0-default",
                route_table_id=table.id,
                destination_cidr_block="0.0.0.0/0",
                network_interface_id=self.nat_instance.primary_network_interface_id,
                opts=child_opts(self),
            )
            tables.append(table)
        for i, nat in enumerate(self.nat_gateways):
            table = aws.ec2.RouteTable(
                f"{self._name}-private-{i}-rt",
                vpc_id=self.vpc.id,
                tags=self._tags(f"private-{i}-rt"),
                opts=child_opts(self),
            )
            aws.ec2.Route(
                f"{self._name}-private-{i}-default",
                route_table_id=table.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat.id,
                opts=child_opts(self),
            )
            tables.append(table)
        for i, subnet in enumerate(self.private_subnets):
            aws.ec2.RouteTableAssociation(
                f"{self._name}-private-{i}-rta",
                subnet_id=subnet.id,
                route_table_id=tables[i if len(tables) > 1 else 0].id,
                opts=child_opts(self),
            )

    def _create_flow_logs(self) -> aws.cloudwatch.LogGroup:
        log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-flow-logs",
            retention_in_days=self._args.flow_log_retention_days,
            tags=self._tags("flow-logs"),
            opts=child_opts(self, protect=self._args.protect),
        )
        role = aws.iam.Role(
            f"{self._name}-flow-logs-role",
            assume_role_policy=assume_role_policy("vpc-flow-logs.amazonaws.com"),
            tags=self._tags("flow-logs-role"),
            opts=child_opts(self),
        )
        aws.iam.RolePolicy(
            f"{self._name}-flow-logs-policy",
            role=role.id,
            policy=log_group.arn.apply(_flow_log_policy),
            opts=child_opts(self),
        )
        aws.ec2.FlowLog(
            f"{self._name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=self._tags("flow-log"),
            opts=child_opts(self),
        )
        return log_group


def _flow_log_policy(log_group_arn: str) -> str:
    # Writing only to this log group and its streams. DescribeLogGroups lists
    # groups and takes no resource ARN ("*" in the Service Authorization
    # Reference for CloudWatch Logs; the flow-log role example has it so:
    # https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html).
    return policy_document(
        {
            "Sid": "WriteThisGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": [log_group_arn, f"{log_group_arn}:*"],
        },
        {"Sid": "ListGroups", "Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"},
    )


def _subnet_cidrs(cidr: str, az_count: int) -> tuple[list[str], list[str]]:
    """Public and private subnet CIDRs for `az_count` zones inside `cidr`."""
    if not 2 <= az_count <= MAX_AZS:
        raise UserError(
            "a VPC needs at least two availability zones (the ALB requires two)",
            key="network.az_count",
            value=az_count,
            valid=[str(n) for n in range(2, MAX_AZS + 1)],
        )
    try:
        network = ipaddress.IPv4Network(cidr)
    except ValueError:
        raise UserError(
            "not a valid IPv4 CIDR block", key="network.cidr", value=cidr, hint="e.g. 10.0.0.0/16"
        ) from None
    if not 16 <= network.prefixlen <= 24:
        raise UserError(
            "the VPC CIDR must be between /16 and /24",
            key="network.cidr",
            value=cidr,
            hint="AWS allows /16 to /28; below /24 the subnets would be too small for ECS tasks",
        )
    slices = list(network.subnets(prefixlen_diff=_SUBNET_BITS))
    public = [str(s) for s in slices[:az_count]]
    private = [str(s) for s in slices[_PRIVATE_OFFSET : _PRIVATE_OFFSET + az_count]]
    return public, private
