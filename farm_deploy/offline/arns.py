"""ARNs shaped as each AWS service makes them, for what the offline recorder computes.

Policy documents are checked against AWS's resource tables (parliament knows
which ARN format each action takes: `secretsmanager:GetSecretValue` wants
`arn:*:secretsmanager:*:*:secret:*`). Offline, the ARNs inside those documents
are the recorder's, so they must have the real shapes or every check of a
policy would fail on made-up ARNs. The formats are AWS's, per service, from
the Service Authorization Reference ("Resource types defined by <service>"):
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
"""

from __future__ import annotations

import hashlib
from typing import Any

from .data_sources import ACCOUNT_ID


def digest(name: str, n: int) -> str:
    """`n` hex digits derived from `name`: stable identifiers for the offline answers."""
    return hashlib.sha256(name.encode()).hexdigest()[:n]


_hex = digest


def _suffix(name: str) -> str:
    """Secrets Manager's six random characters after a secret's name, made deterministic."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    digest = hashlib.sha256(name.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:6])


def _uuid(name: str) -> str:
    h = _hex(name, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def resource_name(name: str, inputs: dict[str, Any]) -> str:
    """The physical name the provider would use: `name`, else `namePrefix` plus a suffix, else the logical name."""
    value = inputs.get("name")
    if isinstance(value, str) and value:
        return value
    prefix = inputs.get("namePrefix")
    if isinstance(prefix, str) and prefix:
        return prefix + _hex(name, 8)
    return name


def arn(typ: str, name: str, inputs: dict[str, Any], region: str) -> str:
    """The ARN AWS gives resource `name` of type `typ` in `region`."""
    pkg, _, rest = typ.partition(":")
    module = rest.split("/")[0] if "/" in rest else rest.split(":")[0]
    acct, r = ACCOUNT_ID, region
    phys = resource_name(name, inputs)
    shapes: dict[str, str] = {
        "aws:secretsmanager/secret:Secret": f"arn:aws:secretsmanager:{r}:{acct}:secret:{phys}-{_suffix(phys)}",
        "aws:cloudwatch/logGroup:LogGroup": f"arn:aws:logs:{r}:{acct}:log-group:{phys}",
        "aws:s3/bucket:Bucket": f"arn:aws:s3:::{inputs.get('bucket') or phys}",
        "aws:s3/bucketV2:BucketV2": f"arn:aws:s3:::{inputs.get('bucket') or phys}",
        "aws:efs/fileSystem:FileSystem": f"arn:aws:elasticfilesystem:{r}:{acct}:file-system/fs-{_hex(name, 17)}",
        "aws:efs/accessPoint:AccessPoint": f"arn:aws:elasticfilesystem:{r}:{acct}:access-point/fsap-{_hex(name, 17)}",
        "aws:iam/role:Role": f"arn:aws:iam::{acct}:role/{phys}",
        "aws:iam/policy:Policy": f"arn:aws:iam::{acct}:policy/{phys}",
        "aws:iam/instanceProfile:InstanceProfile": f"arn:aws:iam::{acct}:instance-profile/{phys}",
        "aws:ecs/cluster:Cluster": f"arn:aws:ecs:{r}:{acct}:cluster/{phys}",
        "aws:ecs/service:Service": f"arn:aws:ecs:{r}:{acct}:service/{phys}",
        "aws:ecs/taskDefinition:TaskDefinition": f"arn:aws:ecs:{r}:{acct}:task-definition/{inputs.get('family') or phys}:1",
        "aws:ecs/capacityProvider:CapacityProvider": f"arn:aws:ecs:{r}:{acct}:capacity-provider/{phys}",
        "aws:lb/loadBalancer:LoadBalancer": f"arn:aws:elasticloadbalancing:{r}:{acct}:loadbalancer/app/{phys}/{_hex(name, 16)}",
        "aws:lb/targetGroup:TargetGroup": f"arn:aws:elasticloadbalancing:{r}:{acct}:targetgroup/{phys}/{_hex(name, 16)}",
        "aws:lb/listener:Listener": f"arn:aws:elasticloadbalancing:{r}:{acct}:listener/app/{name}/{_hex(name, 16)}/{_hex(name + 'l', 16)}",
        "aws:sns/topic:Topic": f"arn:aws:sns:{r}:{acct}:{phys}",
        "aws:kms/key:Key": f"arn:aws:kms:{r}:{acct}:key/{_uuid(name)}",
        "aws:ecr/repository:Repository": f"arn:aws:ecr:{r}:{acct}:repository/{phys}",
        "aws:cloudfront/distribution:Distribution": f"arn:aws:cloudfront::{acct}:distribution/E{_hex(name, 13).upper()}",
        "aws:cloudfront/function:Function": f"arn:aws:cloudfront::{acct}:function/{phys}",
        "aws:cloudfront/vpcOrigin:VpcOrigin": f"arn:aws:cloudfront::{acct}:vpcorigin/vo_{_hex(name, 22)}",
        "aws:cloudfront/originAccessControl:OriginAccessControl": f"arn:aws:cloudfront::{acct}:origin-access-control/E{_hex(name, 13).upper()}",
        "aws:lambda/function:Function": f"arn:aws:lambda:{r}:{acct}:function:{phys}",
        "aws:cloudwatch/metricAlarm:MetricAlarm": f"arn:aws:cloudwatch:{r}:{acct}:alarm:{inputs.get('alarmName') or phys}",
        "aws:cloudwatch/dashboard:Dashboard": f"arn:aws:cloudwatch::{acct}:dashboard/{inputs.get('dashboardName') or phys}",
        "aws:servicediscovery/service:Service": f"arn:aws:servicediscovery:{r}:{acct}:service/srv-{_hex(name, 16)}",
        "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": f"arn:aws:servicediscovery:{r}:{acct}:namespace/ns-{_hex(name, 16)}",
        "aws:autoscaling/group:Group": f"arn:aws:autoscaling:{r}:{acct}:autoScalingGroup:{_uuid(name)}:autoScalingGroupName/{phys}",
        "aws:acm/certificate:Certificate": f"arn:aws:acm:{r}:{acct}:certificate/{_uuid(name)}",
        "aws:ec2/vpc:Vpc": f"arn:aws:ec2:{r}:{acct}:vpc/vpc-{_hex(name, 17)}",
        "aws:ec2/subnet:Subnet": f"arn:aws:ec2:{r}:{acct}:subnet/subnet-{_hex(name, 17)}",
        "aws:ec2/securityGroup:SecurityGroup": f"arn:aws:ec2:{r}:{acct}:security-group/sg-{_hex(name, 17)}",
        "aws:ec2/launchTemplate:LaunchTemplate": f"arn:aws:ec2:{r}:{acct}:launch-template/lt-{_hex(name, 17)}",
        "aws:route53/zone:Zone": f"arn:aws:route53:::hostedzone/Z{_hex(name, 13).upper()}",
        "aws:apigatewayv2/api:Api": f"arn:aws:apigateway:{r}::/apis/{_hex(name, 10)}",
    }  # fmt: skip
    if typ in shapes:
        return shapes[typ]
    return f"arn:{pkg}:{module}:{r}:{acct}:{name}"
