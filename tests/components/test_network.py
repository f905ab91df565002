"""Network under the mocks: subnets per AZ, NAT per AZ or shared, flow logs, closed default SG."""

from __future__ import annotations

import json

import pulumi
import pytest

from analysis.errors import UserError
from components.network import Network, NetworkArgs
from farm_deploy.offline.engine import run_offline

NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
SUBNET = "aws:ec2/subnet:Subnet"
RT = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
RTA = "aws:ec2/routeTableAssociation:RouteTableAssociation"


def run(args: NetworkArgs, stack: str = "dev"):
    def program():
        net = Network("net", args)
        pulumi.export("vpc_id", net.vpc_id)
        pulumi.export("vpc_cidr", net.vpc_cidr)
        pulumi.export("public_subnet_ids", net.public_subnet_ids)
        pulumi.export("private_subnet_ids", net.private_subnet_ids)
        pulumi.export("nat_public_ips", net.nat_public_ips)

    return run_offline(program, stack=stack)


@pytest.fixture(scope="module")
def prod():
    return run(NetworkArgs(az_count=3, nat_per_az=True, protect=True, tags={"farm:stage": "prod"}), "prod")


@pytest.fixture(scope="module")
def dev():
    return run(NetworkArgs(az_count=2, nat_per_az=False))


def subnets(run, tier):
    return sorted((r for r in run.of_type(SUBNET) if r.inputs["tags"]["farm:tier"] == tier), key=lambda r: r.name)


def test_subnets_span_the_zones_from_the_data_source(prod):
    public, private = subnets(prod, "public"), subnets(prod, "private")
    assert [s.inputs["availabilityZone"] for s in public] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert [s.inputs["availabilityZone"] for s in private] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert [s.inputs["cidrBlock"] for s in public] == ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
    assert [s.inputs["cidrBlock"] for s in private] == ["10.0.128.0/20", "10.0.144.0/20", "10.0.160.0/20"]
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in public + private)
    assert ("aws:index/getAvailabilityZones:getAvailabilityZones", {"state": "available"}) in prod.calls


def test_prod_has_one_nat_per_zone_each_routing_its_own_private_subnet(prod):
    nats = sorted(prod.of_type(NAT), key=lambda r: r.name)
    assert len(nats) == 3 and len(prod.of_type(EIP)) == 3
    assert [n.inputs["subnetId"] for n in nats] == ["net-public-0-id", "net-public-1-id", "net-public-2-id"]
    assert all(e.inputs["domain"] == "vpc" for e in prod.of_type(EIP))
    private_routes = {
        r.inputs["routeTableId"]: r.inputs["natGatewayId"] for r in prod.of_type(ROUTE) if "natGatewayId" in r.inputs
    }
    assert private_routes == {f"net-private-{i}-rt-id": f"net-nat-{i}-id" for i in range(3)}
    assoc = {r.inputs["subnetId"]: r.inputs["routeTableId"] for r in prod.of_type(RTA)}
    assert {k: v for k, v in assoc.items() if "private" in k} == {
        f"net-private-{i}-id": f"net-private-{i}-rt-id" for i in range(3)
    }


def test_dev_shares_one_nat_and_one_private_route_table(dev):
    assert len(dev.of_type(NAT)) == 1 and len(dev.of_type(EIP)) == 1
    assert dev.one(NAT).inputs["subnetId"] == "net-public-0-id"
    private_tables = [r for r in dev.of_type(RT) if "private" in r.name]
    assert [t.name for t in private_tables] == ["net-private-0-rt"]
    assoc = {r.inputs["subnetId"]: r.inputs["routeTableId"] for r in dev.of_type(RTA)}
    assert assoc == {
        "net-public-0-id": "net-public-rt-id",
        "net-public-1-id": "net-public-rt-id",
        "net-private-0-id": "net-private-0-rt-id",
        "net-private-1-id": "net-private-0-rt-id",
    }
    assert dev.outputs["nat_public_ips"] == ["203.0.113.10"]


def test_public_subnets_route_to_the_internet_gateway_only(dev):
    igw_routes = [r for r in dev.of_type(ROUTE) if "gatewayId" in r.inputs]
    assert [
        (r.inputs["routeTableId"], r.inputs["destinationCidrBlock"], r.inputs["gatewayId"]) for r in igw_routes
    ] == [("net-public-rt-id", "0.0.0.0/0", "net-igw-id")]


def test_default_security_group_is_closed(dev):
    sg = dev.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert sg.inputs["vpcId"] == "net-vpc-id"
    assert sg.inputs["ingress"] == [] and sg.inputs["egress"] == []


def test_flow_logs_capture_all_traffic_into_a_retained_log_group(prod):
    group = prod.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["retentionInDays"] == 30
    flow = prod.one("aws:ec2/flowLog:FlowLog")
    assert flow.inputs["vpcId"] == "net-vpc-id"
    assert flow.inputs["trafficType"] == "ALL"
    assert flow.inputs["logDestinationType"] == "cloud-watch-logs"
    group_arn = f"arn:aws:logs:us-east-1:123456789012:log-group:{group.name}"
    assert flow.inputs["logDestination"] == group_arn
    role = prod.named("net-flow-logs-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    policy = json.loads(prod.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    write, list_groups = policy["Statement"]
    assert write["Resource"] == [group_arn, f"{group_arn}:*"]
    assert write["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    # DescribeLogGroups takes no resource ARN: alone, on "*".
    assert list_groups == {"Sid": "ListGroups", "Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"}


def test_flow_log_group_is_protected_only_when_asked(prod, dev):
    assert prod.one("aws:cloudwatch/logGroup:LogGroup").protect is True
    assert prod.one("aws:cloudwatch/logGroup:LogGroup").retain_on_delete is True
    assert dev.one("aws:cloudwatch/logGroup:LogGroup").protect is False
    assert dev.one("aws:cloudwatch/logGroup:LogGroup").retain_on_delete is False


def test_every_child_is_parented_and_tagged(prod):
    component = prod.one("farm:network:Network")
    children = prod.children_of(component)
    assert len(children) == len(prod.resources) - 1
    tagged = [r for r in children if "tags" in r.inputs]
    assert all(r.inputs["tags"]["farm:stage"] == "prod" and r.inputs["tags"]["Name"] for r in tagged)
    assert prod.one("aws:ec2/vpc:Vpc").inputs == {
        "cidrBlock": "10.0.0.0/16",
        "enableDnsSupport": True,
        "enableDnsHostnames": True,
        "tags": {"Name": "net-vpc", "farm:stage": "prod"},
    }


def test_outputs(dev):
    assert dev.outputs["vpc_id"] == "net-vpc-id"
    assert dev.outputs["vpc_cidr"] == "10.0.0.0/16"
    assert dev.outputs["public_subnet_ids"] == ["net-public-0-id", "net-public-1-id"]
    assert dev.outputs["private_subnet_ids"] == ["net-private-0-id", "net-private-1-id"]


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (NetworkArgs(az_count=1), "network.az_count"),
        (NetworkArgs(az_count=4), "network.az_count"),  # the mocked region has three
        (NetworkArgs(cidr="10.0.0.0/33"), "network.cidr"),
        (NetworkArgs(cidr="10.0.0.0/26"), "network.cidr"),
    ],
)
def test_bad_settings_are_user_errors(args, key):
    with pytest.raises(UserError) as err:
        run(args)
    assert err.value.key == key


def test_nat_instance_replaces_the_gateway_behind_the_same_elastic_ip():
    result = run(NetworkArgs(az_count=2, nat_instance=True))
    assert not result.of_type(NAT)
    (instance,) = result.of_type("aws:ec2/instance:Instance")
    i = instance.inputs
    assert (i["instanceType"], i["sourceDestCheck"], i["ami"]) == ("t4g.nano", False, "ami-0a1b2c3d4e5f60718")
    assert i["metadataOptions"]["httpTokens"] == "required"
    assert i["rootBlockDevice"]["encrypted"] is True
    assert "MASQUERADE" in i["userData"] and "net.ipv4.ip_forward = 1" in i["userData"]
    (public_a, _) = subnets(result, "public")
    assert i["subnetId"] == f"{public_a.name}-id"
    (eip,) = result.of_type(EIP)
    assert eip.name == "net-nat-0-eip"  # the gateway's name: Atlas's access list keeps the address
    (assoc,) = result.of_type("aws:ec2/eipAssociation:EipAssociation")
    assert (assoc.inputs["allocationId"], assoc.inputs["instanceId"]) == (
        "eipalloc-net-nat-0-eip",
        "net-nat-instance-id",
    )
    (table,) = [r for r in result.of_type(RT) if "private" in r.name]
    (private_route,) = [r for r in result.of_type(ROUTE) if r.name == "net-private-0-default"]
    assert private_route.inputs == {
        "routeTableId": f"{table.name}-id",
        "destinationCidrBlock": "0.0.0.0/0",
        "networkInterfaceId": "eni-net-nat-instance",
    }
    assoc_tables = {r.inputs["routeTableId"] for r in result.of_type(RTA) if "private" in r.name}
    assert assoc_tables == {f"{table.name}-id"}
    rules = {r.name: r.inputs for r in result.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")}
    assert rules["net-nat-in-vpc"]["cidrIpv4"] == "10.0.0.0/16"  # forwards the VPC only, never the internet
