"""A second example for each branch of each rule, beside the one pair in `cases.py`:
the other form of an input (Atlas `ipAddress` beside `cidrBlock`), the other
condition of an `or`, an absent key where `cases.py` sets a wrong one, and the
near misses a rule must let through. Shaped as the engine passes resources."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .cases import (
    ADVANCED_CLUSTER,
    API_BEHAVIOR,
    API_ORIGIN,
    BEHAVIOR,
    CERT,
    DISTRIBUTION,
    ECR_OK,
    FUNCTION,
    LAUNCH_TEMPLATE,
    PAB_ON,
    PREVIEW_USER,
    S3_ORIGIN,
    SG_LB,
    TASK,
    TLS_DENY,
    _containers,
    _policy,
)


@dataclass(frozen=True)
class Branch:
    rule: str
    type: str
    props: dict[str, Any]
    fires: bool
    why: str
    stage: str = "dev"
    protect: bool = False


ACCESS = "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList"
_BEHIND_VPC_ORIGIN = {"farm:origin-access": "cloudfront-vpc-origin"}
CLUSTER = "mongodbatlas:index/advancedCluster:AdvancedCluster"
TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
LAMBDA = "aws:lambda/function:Function"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
CF = "aws:cloudfront/distribution:Distribution"
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LISTENER = "aws:lb/listener:Listener"
LB = "aws:lb/loadBalancer:LoadBalancer"
DB_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"


def _task(**container: Any) -> dict[str, Any]:
    return {**TASK, "containerDefinitions": _containers(**container)}


def _two_containers(second: dict[str, Any]) -> dict[str, Any]:
    first = json.loads(_containers())[0]
    return {**TASK, "containerDefinitions": json.dumps([first, {**first, "name": "sidecar", **second}])}


def _env(name: str, value: str) -> dict[str, Any]:
    return _task(environment=[{"name": name, "value": value}])


def _lambda_env(name: str, value: str) -> dict[str, Any]:
    return {**FUNCTION, "environment": {"variables": {name: value}}}


def _sg_ingress(**rule: Any) -> dict[str, Any]:
    return {**SG_LB, "ingress": [{"protocol": "tcp", "description": "x", **rule}]}


KMS_KEY = "aws:kms/key:Key"
_ROOT = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}


def _key(*statements: dict[str, Any], rotation: bool = True) -> dict[str, Any]:
    return {
        "enableKeyRotation": rotation,
        "policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)}),
    }


BRANCHES: list[Branch] = [
    Branch("kms-key-policy-least-privilege", KMS_KEY, _key(_ROOT, {**_ROOT, "Principal": "*"}), True, "star principal"),
    Branch(
        "kms-key-policy-least-privilege",
        KMS_KEY,
        _key(_ROOT, {**_ROOT, "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"}}),
        True,
        "kms:* to a role",
    ),
    Branch(
        "kms-key-policy-least-privilege",
        KMS_KEY,
        _key(_ROOT, {**_ROOT, "Effect": "Deny", "Principal": "*"}),
        False,
        "a Deny with '*' is fine",
    ),
    Branch("kms-key-policy-least-privilege", KMS_KEY, {"enableKeyRotation": True}, True, "no key policy"),
    Branch("kms-key-rotation", KMS_KEY, {"policy": _key(_ROOT)["policy"]}, True, "rotation absent"),
    Branch(
        "kms-key-rotation",
        KMS_KEY,
        {**_key(_ROOT, rotation=False), "customerMasterKeySpec": "RSA_2048"},
        False,
        "asymmetric keys cannot rotate",
    ),
    # atlas
    Branch(
        "atlas-no-open-access-prod", ACCESS, {"projectId": "p", "ipAddress": "0.0.0.0"}, True, "ipAddress form", "prod"
    ),
    Branch("atlas-no-open-access-prod", ACCESS, {"projectId": "p", "cidrBlock": "::/0"}, True, "IPv6 anywhere", "prod"),
    Branch(
        "atlas-no-open-access-prod",
        ACCESS,
        {"projectId": "p", "cidrBlock": "203.0.113.0/24"},
        False,
        "a NAT range",
        "prod",
    ),
    Branch(
        "atlas-backup-prod",
        CLUSTER,
        {k: v for k, v in ADVANCED_CLUSTER.items() if k != "backupEnabled"},
        True,
        "absent",
        "prod",
        True,
    ),
    Branch(
        "atlas-termination-protection-prod",
        CLUSTER,
        {k: v for k, v in ADVANCED_CLUSTER.items() if k != "terminationProtectionEnabled"},
        True,
        "absent",
        "prod",
        True,
    ),
    # ecs
    Branch("ecs-no-privileged", TASK_DEF, _two_containers({"privileged": True}), True, "second container"),
    Branch("ecs-no-privileged", TASK_DEF, _task(privileged=False), False, "explicitly false"),
    Branch(
        "ecs-read-only-root",
        TASK_DEF,
        _two_containers({"readonlyRootFilesystem": None}),
        True,
        "absent, second container",
    ),
    Branch("no-secrets-in-environment", TASK_DEF, _env("db_password", "hunter2"), True, "lower-case PASSWORD"),
    Branch("no-secrets-in-environment", TASK_DEF, _env("JWT_SECRET", "x"), True, "SECRET suffix"),
    Branch("no-secrets-in-environment", TASK_DEF, _env("JWT_SECRET_ARN", "not-an-arn"), False, "a reference by name"),
    Branch("no-secrets-in-environment", TASK_DEF, _env("OPENAI_API_KEY", DB_ARN), False, "an ARN value"),
    Branch("no-secrets-in-environment", TASK_DEF, _env("OPENAI_API_KEY", ""), False, "empty value"),
    Branch("no-secrets-in-environment", LAMBDA, _lambda_env("MONGODB_URI", "mongodb://u:p@h/db"), True, "URI form"),
    Branch("no-secrets-in-environment", LAMBDA, _lambda_env("OPENAI_API_KEY", DB_ARN), False, "an ARN value"),
    Branch(
        "ecs-separate-roles",
        TASK_DEF,
        {k: v for k, v in TASK.items() if k != "executionRoleArn"},
        True,
        "no execution role",
    ),
    Branch(
        "ecs-no-public-ip",
        "aws:ecs/service:Service",
        {"cluster": "c", "networkConfiguration": {"subnets": ["a"]}},
        False,
        "absent",
    ),
    Branch("ecs-container-insights", "aws:ecs/cluster:Cluster", {}, True, "no settings"),
    Branch(
        "ecs-container-insights",
        "aws:ecs/cluster:Cluster",
        {"settings": [{"name": "containerInsights", "value": "enabled"}]},
        False,
        "enabled",
    ),
    Branch("ecs-container-logging", TASK_DEF, _task(logConfiguration={"options": {}}), True, "no logDriver"),
    # compute
    Branch(
        "launch-template-imdsv2",
        LT,
        {k: v for k, v in LAUNCH_TEMPLATE.items() if k != "metadataOptions"},
        True,
        "absent",
    ),
    Branch(
        "launch-template-encrypted-volumes",
        LT,
        {k: v for k, v in LAUNCH_TEMPLATE.items() if k != "blockDeviceMappings"},
        True,
        "no mappings",
    ),
    Branch(
        "launch-template-encrypted-volumes",
        LT,
        {**LAUNCH_TEMPLATE, "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 100.0}}]},
        True,
        "encrypted absent",
    ),
    Branch(
        "launch-template-encrypted-volumes",
        LT,
        {**LAUNCH_TEMPLATE, "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": True}}]},
        False,
        "boolean true",
    ),
    Branch(
        "lambda-reserved-concurrency",
        LAMBDA,
        {**FUNCTION, "reservedConcurrentExecutions": -1.0},
        True,
        "-1 is unreserved",
    ),
    Branch(
        "lambda-log-group", LAMBDA, {**FUNCTION, "loggingConfig": {"logFormat": "JSON"}}, True, "config without group"
    ),
    Branch("lambda-url-auth", "aws:lambda/functionUrl:FunctionUrl", {"functionName": "fn"}, False, "absent is IAM"),
    Branch("lambda-tracing", LAMBDA, {k: v for k, v in FUNCTION.items() if k != "tracingConfig"}, True, "absent"),
    # s3
    Branch(
        "s3-public-access-block",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        {k: v for k, v in PAB_ON.items() if k != "blockPublicAcls"},
        True,
        "flag absent",
    ),
    Branch(
        "s3-encryption",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        {"bucket": "site-id", "rules": []},
        True,
        "no rule",
    ),
    Branch(
        "s3-encryption",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        {"bucket": "site-id", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]},
        False,
        "AES256",
    ),
    Branch(
        "s3-policy-not-public",
        "aws:s3/bucketPolicy:BucketPolicy",
        {
            "bucket": "site-id",
            "policy": _policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject"}),
        },
        True,
        'Principal {"AWS": "*"}',
    ),
    Branch(
        "s3-policy-not-public",
        "aws:s3/bucketPolicy:BucketPolicy",
        {
            "bucket": "site-id",
            "policy": _policy(
                TLS_DENY,
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}},
                },
            ),
        },
        False,
        "public principal with a condition",
    ),
    Branch(
        "s3-no-public-acl",
        "aws:s3/bucket:Bucket",
        {"bucket": "site", "acl": "authenticated-read"},
        True,
        "authenticated-read",
    ),
    Branch(
        "s3-no-public-acl",
        "aws:s3/bucket:Bucket",
        {
            "bucket": "site",
            "accessControlPolicy": {
                "grants": [{"grantee": {"uri": "http://acs.amazonaws.com/groups/global/AllUsers"}}]
            },
        },
        True,
        "grant to AllUsers",
    ),
    Branch(
        "s3-no-public-acl",
        "aws:s3/bucket:Bucket",
        {
            "bucket": "site",
            "accessControlPolicy": {
                "grants": [{"grantee": {"uri": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"}}]
            },
        },
        True,
        "grant to AuthenticatedUsers",
    ),
    Branch("s3-no-public-acl", "aws:s3/bucket:Bucket", {"bucket": "site", "acl": "private"}, False, "private"),
    Branch(
        "s3-ownership-enforced",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        {"bucket": "site-id"},
        True,
        "absent",
    ),
    # cloudfront
    Branch(
        "cloudfront-https-only",
        CF,
        {**DISTRIBUTION, "defaultCacheBehavior": {**BEHAVIOR, "viewerProtocolPolicy": "allow-all"}},
        True,
        "default behavior",
    ),
    Branch(
        "cloudfront-tls-1-2",
        CF,
        {**DISTRIBUTION, "viewerCertificate": {**CERT, "sslSupportMethod": "vip"}},
        True,
        "dedicated IP",
    ),
    Branch(
        "cloudfront-tls-1-2",
        CF,
        {
            **DISTRIBUTION,
            "viewerCertificate": {"cloudfrontDefaultCertificate": True, "minimumProtocolVersion": "TLSv1"},
        },
        False,
        "default certificate: certificate rule's business",
    ),
    Branch(
        "cloudfront-tls-1-2",
        CF,
        {**DISTRIBUTION, "viewerCertificate": {**CERT, "minimumProtocolVersion": "TLSv1.3_2025"}},
        False,
        "TLS 1.3",
    ),
    Branch(
        "cloudfront-certificate-prod",
        CF,
        {k: v for k, v in DISTRIBUTION.items() if k != "viewerCertificate"},
        True,
        "no viewerCertificate at all",
        "prod",
    ),
    Branch(
        "cloudfront-certificate-prod",
        CF,
        {
            **DISTRIBUTION,
            "viewerCertificate": {
                "iamCertificateId": "ASCA1",
                "minimumProtocolVersion": "TLSv1.2_2021",
                "sslSupportMethod": "sni-only",
            },
        },
        False,
        "IAM certificate",
        "prod",
    ),
    Branch(
        "cloudfront-origin-access-control",
        CF,
        {
            **DISTRIBUTION,
            "origins": [
                {**S3_ORIGIN, "s3OriginConfig": {"originAccessIdentity": "origin-access-identity/cloudfront/E1"}},
                API_ORIGIN,
            ],
        },
        True,
        "legacy OAI beside OAC",
    ),
    Branch(
        "cloudfront-origin-access-control",
        CF,
        {**DISTRIBUTION, "origins": [{"originId": "web", "domainName": "site.s3-website-us-east-1.amazonaws.com"}]},
        False,
        "website endpoint is a custom origin",
    ),
    Branch(
        "cloudfront-response-headers-policy",
        CF,
        {
            **DISTRIBUTION,
            "orderedCacheBehaviors": [{k: v for k, v in API_BEHAVIOR.items() if k != "responseHeadersPolicyId"}],
        },
        True,
        "ordered behavior",
    ),
    Branch(
        "cloudfront-hsts",
        "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
        {"securityHeadersConfig": {}},
        True,
        "no HSTS",
    ),
    Branch(
        "cloudfront-hsts",
        "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
        {
            "securityHeadersConfig": {
                "strictTransportSecurity": {"accessControlMaxAgeSec": 63072000.0, "override": False}
            }
        },
        True,
        "no override",
    ),
    Branch("cloudfront-access-logging", CF, {**DISTRIBUTION, "loggingConfig": {"prefix": "cf/"}}, True, "no bucket"),
    Branch("cloudfront-waf", CF, {**DISTRIBUTION, "webAclId": ""}, True, "empty"),
    # network
    Branch(
        "sg-no-public-ingress",
        SG,
        _sg_ingress(fromPort=22.0, toPort=22.0, ipv6CidrBlocks=["::/0"]),
        True,
        "IPv6 anywhere",
    ),
    Branch(
        "sg-no-public-ingress",
        SG,
        _sg_ingress(fromPort=80.0, toPort=443.0, cidrBlocks=["0.0.0.0/0"]),
        True,
        "a range over 80-443",
    ),
    Branch(
        "sg-no-public-ingress",
        SG,
        _sg_ingress(fromPort=22.0, toPort=22.0, cidrBlocks=["10.0.0.0/8"]),
        False,
        "private range",
    ),
    Branch(
        "sg-no-public-ingress",
        SG_INGRESS,
        {
            "securityGroupId": "sg",
            "ipProtocol": "tcp",
            "fromPort": 8000.0,
            "toPort": 8000.0,
            "cidrIpv4": "0.0.0.0/0",
            "description": "x",
        },
        True,
        "cidrIpv4 form",
    ),
    Branch(
        "sg-no-public-ingress",
        SG_RULE,
        {
            "type": "egress",
            "securityGroupId": "sg",
            "protocol": "-1",
            "fromPort": 0.0,
            "toPort": 0.0,
            "cidrBlocks": ["0.0.0.0/0"],
            "description": "x",
        },
        False,
        "egress",
    ),
    Branch(
        "sg-rule-description",
        SG,
        _sg_ingress(fromPort=443.0, toPort=443.0, cidrBlocks=["0.0.0.0/0"], description=""),
        True,
        "ingress",
    ),
    Branch(
        "sg-rule-description",
        SG_RULE,
        {
            "type": "ingress",
            "securityGroupId": "sg",
            "protocol": "tcp",
            "fromPort": 443.0,
            "toPort": 443.0,
            "sourceSecurityGroupId": "lb",
        },
        True,
        "standalone rule",
    ),
    Branch(
        "sg-rule-description",
        SG_INGRESS,
        {
            "securityGroupId": "sg",
            "ipProtocol": "tcp",
            "fromPort": 8000.0,
            "toPort": 8000.0,
            "referencedSecurityGroupId": "lb",
        },
        True,
        "vpc ingress rule",
    ),
    Branch(
        "default-sg-closed",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        {"vpcId": "vpc-id", "ingress": [{"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "self": True}]},
        True,
        "ingress",
    ),
    Branch(
        "subnet-no-auto-public-ip",
        "aws:ec2/subnet:Subnet",
        {"vpcId": "v", "mapPublicIpOnLaunch": False},
        False,
        "false",
    ),
    Branch(
        "alb-https-listener",
        LISTENER,
        {
            "port": 80.0,
            "protocol": "HTTP",
            "defaultActions": [{"type": "redirect", "redirect": {"protocol": "HTTP", "port": "8080"}}],
        },
        True,
        "redirect to HTTP",
    ),
    Branch("alb-https-listener", LISTENER, {"port": 80.0, "protocol": "HTTP", "defaultActions": []}, True, "no action"),
    Branch(
        "alb-https-listener",
        LISTENER,
        {"port": 80.0, "protocol": "HTTP", "defaultActions": [{"type": "forward"}], "tags": _BEHIND_VPC_ORIGIN},
        False,
        "behind a CloudFront VPC origin, outside prod",
    ),
    Branch(
        "alb-https-listener",
        LISTENER,
        {"port": 80.0, "protocol": "HTTP", "defaultActions": [{"type": "forward"}], "tags": _BEHIND_VPC_ORIGIN},
        True,
        "behind a VPC origin, but prod wants TLS to the origin",
        stage="prod",
    ),
    Branch(
        "alb-https-listener",
        LISTENER,
        {
            "port": 443.0,
            "protocol": "HTTPS",
            "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "defaultActions": [{"type": "forward"}],
        },
        True,
        "no certificate",
    ),
    Branch(
        "alb-https-listener",
        LISTENER,
        {"port": 443.0, "protocol": "HTTPS", "certificateArn": "arn:cert"},
        True,
        "default sslPolicy",
    ),
    Branch(
        "alb-drop-invalid-headers",
        LB,
        {"loadBalancerType": "application", "dropInvalidHeaderFields": False},
        True,
        "false",
    ),
    Branch("alb-drop-invalid-headers", LB, {"loadBalancerType": "network"}, False, "NLB has no such field"),
    Branch(
        "alb-deletion-protection-prod",
        LB,
        {"dropInvalidHeaderFields": True, "enableDeletionProtection": False},
        True,
        "false",
        "prod",
    ),
    # iam
    Branch(
        "iam-no-admin",
        "aws:iam/policy:Policy",
        {"policy": _policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})},
        True,
        "NotAction",
    ),
    Branch(
        "iam-no-admin",
        "aws:iam/policy:Policy",
        {"policy": _policy({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::site/*"})},
        False,
        "one resource",
    ),
    Branch(
        "iam-no-admin",
        "aws:iam/policy:Policy",
        {"policy": _policy({"Effect": "Deny", "Action": "*", "Resource": "*"})},
        False,
        "deny",
    ),
    Branch(
        "iam-no-service-wildcard",
        "aws:iam/rolePolicy:RolePolicy",
        {
            "role": "r",
            "policy": _policy(
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:*"], "Resource": ["arn:aws:s3:::a", "*"]}
            ),
        },
        True,
        "among others",
    ),
    Branch(
        "iam-no-service-wildcard",
        "aws:iam/rolePolicy:RolePolicy",
        {"role": "r", "policy": _policy({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::site/*"})},
        False,
        "one resource",
    ),
    # data
    Branch("efs-encrypted", "aws:efs/fileSystem:FileSystem", {}, True, "absent"),
    Branch("ecr-scan-on-push", "aws:ecr/repository:Repository", {"imageTagMutability": "IMMUTABLE"}, True, "absent"),
    Branch(
        "ecr-immutable-tags",
        "aws:ecr/repository:Repository",
        {k: v for k, v in ECR_OK.items() if k != "imageTagMutability"},
        True,
        "default MUTABLE",
    ),
    Branch(
        "ecr-immutable-tags",
        "aws:ecr/repository:Repository",
        {**ECR_OK, "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION"},
        False,
        "with exclusions",
    ),
    Branch("log-group-retention", "aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 0.0}, True, "zero"),
    Branch(
        "secrets-recovery-window-prod",
        "aws:secretsmanager/secret:Secret",
        {"recoveryWindowInDays": 6.0},
        True,
        "one day short",
        "prod",
    ),
    Branch("secrets-recovery-window-prod", "aws:secretsmanager/secret:Secret", {}, False, "default 30 days", "prod"),
    Branch("sns-encrypted", "aws:sns/topic:Topic", {"kmsMasterKeyId": ""}, True, "empty"),
    Branch(
        "alarm-actions",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        {"actionsEnabled": False, "alarmActions": ["arn:aws:sns:us-east-1:123456789012:alarms"]},
        True,
        "actions disabled",
    ),
    Branch(
        "alarm-actions",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        {"comparisonOperator": "GreaterThanThreshold"},
        True,
        "absent",
    ),
    # protection
    Branch("stateful-protected-prod", "aws:s3/bucket:Bucket", {"bucket": "site"}, True, "bucket", "prod"),
    Branch("stateful-protected-prod", "aws:ecr/repository:Repository", ECR_OK, True, "registry", "prod"),
    Branch(
        "stateful-protected-prod",
        "mongodbatlas:index/flexCluster:FlexCluster",
        {"projectId": "p"},
        True,
        "flex",
        "prod",
    ),
    Branch("stateful-protected-prod", "aws:s3/bucket:Bucket", {"bucket": "site"}, False, "protected", "prod", True),
    # previews: a preview's database user
    Branch(
        "preview-db-user-own-database",
        "mongodbatlas:index/databaseUser:DatabaseUser",
        {**PREVIEW_USER, "roles": [{"roleName": "readWriteAnyDatabase", "databaseName": "admin"}]},
        True,
        "any-database role",
        "preview",
    ),
    Branch(
        "preview-db-user-own-database",
        "mongodbatlas:index/databaseUser:DatabaseUser",
        {**PREVIEW_USER, "scopes": []},
        True,
        "not scoped to one cluster",
        "preview",
    ),
    Branch(
        "preview-db-user-own-database",
        "mongodbatlas:index/databaseUser:DatabaseUser",
        {**PREVIEW_USER, "roles": [{"roleName": "readWrite", "databaseName": "farm_chat"}]},
        False,
        "dev's own user, in dev",
        "dev",
    ),
]
