"""One compliant and one violating resource per rule, shaped as the engine passes them:
camelCase keys, numbers as floats, containerDefinitions and IAM documents as JSON text."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    rule: str
    type: str
    good: dict[str, Any]
    bad: dict[str, Any]
    stage: str = "dev"
    good_protect: bool = False
    bad_protect: bool = False


@dataclass(frozen=True)
class StackCase:
    """`common` resources plus, for the compliant stack, `good_extra`; the violating stack
    leaves them out or adds `bad_extra`. `offender` is the resource the violation names."""

    rule: str
    common: list[tuple[str, str, dict[str, Any]]]
    good_extra: list[tuple[str, str, dict[str, Any]]]
    bad_extra: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    offender: str = ""
    stage: str = "dev"
    budget: float | None = None  # farm:monthlyBudget, for the monthly-budget rule
    # name -> {input key: [names its value came from]}; "" for depends_on (the engine's dependency graph)
    links: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    protect_extra: bool = False  # the extra resources are protected (preview-no-protected-resources)


def _containers(**overrides: Any) -> str:
    base = {
        "name": "api",
        "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:2026.11.20",
        "essential": True,
        "readonlyRootFilesystem": True,
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/farm/api"}},
        "environment": [
            {"name": "APP_ENV", "value": "dev"},
            {"name": "OPENAI_KEY_SECRET_ARN", "value": "arn:aws:secretsmanager:us-east-1:123456789012:secret:k"},
        ],
        "secrets": [{"name": "MONGODB_URL", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"}],
    }
    base.update(overrides)
    return json.dumps([base])


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


PAB_ON = {
    "bucket": "site-id",
    "blockPublicAcls": True,
    "blockPublicPolicy": True,
    "ignorePublicAcls": True,
    "restrictPublicBuckets": True,
}
TLS_DENY = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::site", "arn:aws:s3:::site/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
OAC_READ = {
    "Effect": "Allow",
    "Principal": {"Service": "cloudfront.amazonaws.com"},
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::site/*",
    "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}},
}
BEHAVIOR = {
    "targetOriginId": "s3",
    "allowedMethods": ["GET", "HEAD"],
    "cachedMethods": ["GET", "HEAD"],
    "viewerProtocolPolicy": "redirect-to-https",
    "responseHeadersPolicyId": "67f7725c-6f97-4210-82d7-5512b31e9d03",
    "cachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
}
API_BEHAVIOR = {**BEHAVIOR, "pathPattern": "/api/*", "targetOriginId": "api", "viewerProtocolPolicy": "https-only"}
S3_ORIGIN = {"originId": "s3", "domainName": "site.s3.us-east-1.amazonaws.com", "originAccessControlId": "oac-id"}
API_ORIGIN = {
    "originId": "api",
    "domainName": "api-lb.us-east-1.elb.amazonaws.com",
    "customOriginConfig": {
        "httpPort": 80.0,
        "httpsPort": 443.0,
        "originProtocolPolicy": "https-only",
        "originSslProtocols": ["TLSv1.2"],
    },
}
CERT = {
    "acmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
    "minimumProtocolVersion": "TLSv1.2_2021",
    "sslSupportMethod": "sni-only",
}
DISTRIBUTION = {
    "enabled": True,
    "origins": [S3_ORIGIN, API_ORIGIN],
    "defaultCacheBehavior": BEHAVIOR,
    "orderedCacheBehaviors": [API_BEHAVIOR],
    "viewerCertificate": CERT,
    "restrictions": {"geoRestriction": {"restrictionType": "none"}},
    "loggingConfig": {"bucket": "logs.s3.amazonaws.com", "prefix": "cf/"},
    "webAclId": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/farm/1",
}
TASK = {
    "family": "api",
    "cpu": "512",
    "memory": "1024",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "taskRoleArn": "arn:aws:iam::123456789012:role/api-task",
    "executionRoleArn": "arn:aws:iam::123456789012:role/api-execution",
    "containerDefinitions": _containers(),
}
FUNCTION = {
    "role": "arn:aws:iam::123456789012:role/fn",
    "runtime": "python3.13",
    "handler": "main.handler",
    "reservedConcurrentExecutions": 10.0,
    "loggingConfig": {"logFormat": "JSON", "logGroup": "/farm/api-fn"},
    "tracingConfig": {"mode": "Active"},
    "environment": {
        "variables": {
            "APP_ENV": "dev",
            "MONGODB_URL_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
        }
    },
}
LAUNCH_TEMPLATE = {
    "imageId": "ami-0gpu0ecs0optimized0",
    "instanceType": "g5.xlarge",
    "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 2.0},
    "blockDeviceMappings": [
        {"deviceName": "/dev/xvda", "ebs": {"volumeSize": 100.0, "volumeType": "gp3", "encrypted": "true"}}
    ],
}
ECR_OK = {"imageScanningConfiguration": {"scanOnPush": True}, "imageTagMutability": "IMMUTABLE"}
SG_LB = {
    "vpcId": "vpc-id",
    "description": "load balancer",
    "ingress": [
        {
            "protocol": "tcp",
            "fromPort": 443.0,
            "toPort": 443.0,
            "cidrBlocks": ["0.0.0.0/0"],
            "ipv6CidrBlocks": ["::/0"],
            "description": "HTTPS",
        },
        {
            "protocol": "tcp",
            "fromPort": 80.0,
            "toPort": 80.0,
            "cidrBlocks": ["0.0.0.0/0"],
            "description": "HTTP redirect",
        },
    ],
    "egress": [
        {
            "protocol": "tcp",
            "fromPort": 8000.0,
            "toPort": 8000.0,
            "cidrBlocks": ["10.0.0.0/16"],
            "description": "to tasks",
        }
    ],
}
ADVANCED_CLUSTER = {
    "projectId": "proj-id",
    "clusterType": "REPLICASET",
    "backupEnabled": True,
    "terminationProtectionEnabled": True,
}

S3 = "aws:s3/bucket:Bucket"

KMS_ROOT = {
    "Sid": "AccountAdministers",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    "Action": "kms:*",
    "Resource": "*",
}
KMS_LOGS = {
    "Sid": "Logs",
    "Effect": "Allow",
    "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
    "Action": ["kms:Encrypt*", "kms:Decrypt*"],
    "Resource": "*",
    "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:123456789012:log-group:*"}},
}


PREVIEW_USER: dict[str, Any] = {
    "projectId": "p",
    "username": "farm-deploy-pr-123-api",
    "authDatabaseName": "admin",
    "roles": [
        {"roleName": "readWrite", "databaseName": "farm_chat-pr-123"},
        {"roleName": "dbAdmin", "databaseName": "farm_chat-pr-123"},
    ],
    "scopes": [{"type": "CLUSTER", "name": "farm-deploy-dev"}],
    "labels": [{"key": "farm:preview", "value": "pr-123"}, {"key": "farm:ttl-hours", "value": "168"}],
}

CASES: list[Case] = [
    Case(
        "s3-public-access-block",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        PAB_ON,
        {**PAB_ON, "restrictPublicBuckets": False},
    ),
    Case(
        "s3-encryption",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        {
            "bucket": "site-id",
            "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}, "bucketKeyEnabled": True}],
        },
        {"bucket": "site-id", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "none"}}]},
    ),
    Case(
        "s3-policy-not-public",
        "aws:s3/bucketPolicy:BucketPolicy",
        {"bucket": "site-id", "policy": _policy(TLS_DENY, OAC_READ)},
        {
            "bucket": "site-id",
            "policy": _policy(
                TLS_DENY,
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*"},
            ),
        },
    ),
    Case("s3-no-public-acl", S3, {"bucket": "site"}, {"bucket": "site", "acl": "public-read"}),
    Case(
        "s3-ownership-enforced",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        {"bucket": "site-id", "rule": {"objectOwnership": "BucketOwnerEnforced"}},
        {"bucket": "site-id", "rule": {"objectOwnership": "ObjectWriter"}},
    ),
    Case(
        "cloudfront-https-only",
        "aws:cloudfront/distribution:Distribution",
        DISTRIBUTION,
        {**DISTRIBUTION, "orderedCacheBehaviors": [{**API_BEHAVIOR, "viewerProtocolPolicy": "allow-all"}]},
    ),
    Case(
        "cloudfront-tls-1-2",
        "aws:cloudfront/distribution:Distribution",
        DISTRIBUTION,
        {**DISTRIBUTION, "viewerCertificate": {**CERT, "minimumProtocolVersion": "TLSv1.1_2016"}},
    ),
    Case(
        "cloudfront-certificate-prod",
        "aws:cloudfront/distribution:Distribution",
        DISTRIBUTION,
        {**DISTRIBUTION, "viewerCertificate": {"cloudfrontDefaultCertificate": True}},
        stage="prod",
    ),
    Case(
        "cloudfront-origin-access-control",
        "aws:cloudfront/distribution:Distribution",
        DISTRIBUTION,
        {**DISTRIBUTION, "origins": [{"originId": "s3", "domainName": "site.s3.us-east-1.amazonaws.com"}, API_ORIGIN]},
    ),
    Case(
        "cloudfront-response-headers-policy",
        "aws:cloudfront/distribution:Distribution",
        DISTRIBUTION,
        {**DISTRIBUTION, "defaultCacheBehavior": {k: v for k, v in BEHAVIOR.items() if k != "responseHeadersPolicyId"}},
    ),
    Case(
        "cloudfront-hsts",
        "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
        {
            "securityHeadersConfig": {
                "strictTransportSecurity": {
                    "accessControlMaxAgeSec": 63072000.0,
                    "includeSubdomains": True,
                    "preload": True,
                    "override": True,
                }
            }
        },
        {"securityHeadersConfig": {"strictTransportSecurity": {"accessControlMaxAgeSec": 300.0, "override": True}}},
    ),
    Case(
        "kms-key-policy-least-privilege",
        "aws:kms/key:Key",
        {"enableKeyRotation": True, "policy": _policy(KMS_ROOT, KMS_LOGS)},
        # A service principal with no condition may use the key for any account's resources.
        {
            "enableKeyRotation": True,
            "policy": _policy(KMS_ROOT, {k: v for k, v in KMS_LOGS.items() if k != "Condition"}),
        },
    ),
    Case(
        "kms-key-rotation",
        "aws:kms/key:Key",
        {"enableKeyRotation": True, "policy": _policy(KMS_ROOT)},
        {"enableKeyRotation": False, "policy": _policy(KMS_ROOT)},
    ),
    Case(
        "cloudfront-waf",
        "aws:cloudfront/distribution:Distribution",
        DISTRIBUTION,
        {k: v for k, v in DISTRIBUTION.items() if k != "webAclId"},
    ),
    Case(
        "sg-no-public-ingress",
        "aws:ec2/securityGroup:SecurityGroup",
        SG_LB,
        {
            **SG_LB,
            "ingress": [
                {"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": ["0.0.0.0/0"], "description": "ssh"}
            ],
        },
    ),
    Case(
        "sg-no-public-ingress",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        {
            "securityGroupId": "lb-sg-id",
            "ipProtocol": "tcp",
            "fromPort": 443.0,
            "toPort": 443.0,
            "cidrIpv6": "::/0",
            "description": "HTTPS",
        },
        {"securityGroupId": "lb-sg-id", "ipProtocol": "-1", "cidrIpv6": "::/0", "description": "everything"},
    ),
    Case(
        "sg-no-public-ingress",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        {
            "type": "ingress",
            "securityGroupId": "lb-sg-id",
            "protocol": "tcp",
            "fromPort": 80.0,
            "toPort": 80.0,
            "cidrBlocks": ["0.0.0.0/0"],
            "description": "HTTP",
        },
        {
            "type": "ingress",
            "securityGroupId": "lb-sg-id",
            "protocol": "tcp",
            "fromPort": 0.0,
            "toPort": 65535.0,
            "cidrBlocks": ["0.0.0.0/0"],
            "description": "all tcp",
        },
    ),
    Case(
        "sg-rule-description",
        "aws:ec2/securityGroup:SecurityGroup",
        SG_LB,
        {**SG_LB, "egress": [{"protocol": "tcp", "fromPort": 8000.0, "toPort": 8000.0, "cidrBlocks": ["10.0.0.0/16"]}]},
    ),
    Case(
        "default-sg-closed",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        {"vpcId": "vpc-id"},
        {
            "vpcId": "vpc-id",
            "egress": [{"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": ["0.0.0.0/0"]}],
        },
    ),
    Case(
        "subnet-no-auto-public-ip",
        "aws:ec2/subnet:Subnet",
        {"vpcId": "vpc-id", "cidrBlock": "10.0.0.0/20"},
        {"vpcId": "vpc-id", "cidrBlock": "10.0.0.0/20", "mapPublicIpOnLaunch": True},
    ),
    Case(
        "alb-https-listener",
        "aws:lb/listener:Listener",
        {
            "loadBalancerArn": "arn:lb",
            "port": 80.0,
            "protocol": "HTTP",
            "defaultActions": [
                {"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}
            ],
        },
        {
            "loadBalancerArn": "arn:lb",
            "port": 80.0,
            "protocol": "HTTP",
            "defaultActions": [{"type": "forward", "targetGroupArn": "arn:tg"}],
        },
    ),
    Case(
        "alb-https-listener",
        "aws:lb/listener:Listener",
        {
            "loadBalancerArn": "arn:lb",
            "port": 443.0,
            "protocol": "HTTPS",
            "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "certificateArn": "arn:cert",
            "defaultActions": [{"type": "forward", "targetGroupArn": "arn:tg"}],
        },
        {
            "loadBalancerArn": "arn:lb",
            "port": 443.0,
            "protocol": "HTTPS",
            "sslPolicy": "ELBSecurityPolicy-2016-08",
            "certificateArn": "arn:cert",
            "defaultActions": [{"type": "forward", "targetGroupArn": "arn:tg"}],
        },
    ),
    Case(
        "alb-drop-invalid-headers",
        "aws:lb/loadBalancer:LoadBalancer",
        {"loadBalancerType": "application", "dropInvalidHeaderFields": True},
        {"loadBalancerType": "application"},
    ),
    Case(
        "alb-deletion-protection-prod",
        "aws:lb/loadBalancer:LoadBalancer",
        {"dropInvalidHeaderFields": True, "enableDeletionProtection": True},
        {"dropInvalidHeaderFields": True},
        stage="prod",
    ),
    Case(
        "ecs-no-privileged",
        "aws:ecs/taskDefinition:TaskDefinition",
        TASK,
        {**TASK, "containerDefinitions": _containers(privileged=True)},
    ),
    Case(
        "ecs-read-only-root",
        "aws:ecs/taskDefinition:TaskDefinition",
        TASK,
        {**TASK, "containerDefinitions": _containers(readonlyRootFilesystem=False)},
    ),
    Case(
        "no-secrets-in-environment",
        "aws:ecs/taskDefinition:TaskDefinition",
        TASK,
        {
            **TASK,
            "containerDefinitions": _containers(
                environment=[{"name": "MONGODB_URL", "value": "mongodb+srv://u:p@c.mongodb.net"}]
            ),
        },
    ),
    Case(
        "no-secrets-in-environment",
        "aws:lambda/function:Function",
        FUNCTION,
        {**FUNCTION, "environment": {"variables": {"OPENAI_API_KEY": "sk-live"}}},
    ),
    Case(
        "ecs-separate-roles",
        "aws:ecs/taskDefinition:TaskDefinition",
        TASK,
        {**TASK, "taskRoleArn": TASK["executionRoleArn"]},
    ),
    Case(
        "ecs-no-public-ip",
        "aws:ecs/service:Service",
        {"cluster": "c", "networkConfiguration": {"subnets": ["private-a"], "assignPublicIp": False}},
        {"cluster": "c", "networkConfiguration": {"subnets": ["public-a"], "assignPublicIp": True}},
    ),
    Case(
        "ecs-container-insights",
        "aws:ecs/cluster:Cluster",
        {"settings": [{"name": "containerInsights", "value": "enhanced"}]},
        {"settings": [{"name": "containerInsights", "value": "disabled"}]},
    ),
    Case(
        "ecs-container-logging",
        "aws:ecs/taskDefinition:TaskDefinition",
        TASK,
        {**TASK, "containerDefinitions": _containers(logConfiguration=None)},
    ),
    Case(
        "launch-template-imdsv2",
        "aws:ec2/launchTemplate:LaunchTemplate",
        LAUNCH_TEMPLATE,
        {**LAUNCH_TEMPLATE, "metadataOptions": {"httpTokens": "optional"}},
    ),
    Case(
        "launch-template-encrypted-volumes",
        "aws:ec2/launchTemplate:LaunchTemplate",
        LAUNCH_TEMPLATE,
        {
            **LAUNCH_TEMPLATE,
            "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 100.0, "encrypted": "false"}}],
        },
    ),
    Case(
        "lambda-reserved-concurrency",
        "aws:lambda/function:Function",
        FUNCTION,
        {k: v for k, v in FUNCTION.items() if k != "reservedConcurrentExecutions"},
    ),
    Case(
        "lambda-log-group",
        "aws:lambda/function:Function",
        FUNCTION,
        {k: v for k, v in FUNCTION.items() if k != "loggingConfig"},
    ),
    Case(
        "lambda-url-auth",
        "aws:lambda/functionUrl:FunctionUrl",
        {"functionName": "fn", "authorizationType": "AWS_IAM"},
        {"functionName": "fn", "authorizationType": "NONE"},
    ),
    Case(
        "lambda-tracing",
        "aws:lambda/function:Function",
        FUNCTION,
        {**FUNCTION, "tracingConfig": {"mode": "PassThrough"}},
    ),
    Case(
        "iam-no-admin",
        "aws:iam/rolePolicy:RolePolicy",
        {
            "role": "api-task",
            "policy": _policy({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::site/*"}),
        },
        {"role": "api-task", "policy": _policy({"Effect": "Allow", "Action": "*", "Resource": "*"})},
    ),
    Case(
        "iam-no-admin",
        "aws:iam/role:Role",
        {
            "assumeRolePolicy": "{}",
            "inlinePolicies": [
                {
                    "name": "read",
                    "policy": _policy(
                        {
                            "Effect": "Allow",
                            "Action": "secretsmanager:GetSecretValue",
                            "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
                        }
                    ),
                }
            ],
        },
        {
            "assumeRolePolicy": "{}",
            "inlinePolicies": [
                {"name": "admin", "policy": _policy({"Effect": "Allow", "Action": ["*:*"], "Resource": ["*"]})}
            ],
        },
    ),
    Case(
        "iam-no-service-wildcard",
        "aws:iam/policy:Policy",
        {
            "policy": _policy(
                {
                    "Effect": "Allow",
                    "Action": "logs:*",
                    "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/farm/*",
                }
            )
        },
        {"policy": _policy({"Effect": "Allow", "Action": "logs:*", "Resource": "*"})},
    ),
    Case("efs-encrypted", "aws:efs/fileSystem:FileSystem", {"encrypted": True}, {"encrypted": False}),
    Case(
        "ecr-scan-on-push",
        "aws:ecr/repository:Repository",
        ECR_OK,
        {**ECR_OK, "imageScanningConfiguration": {"scanOnPush": False}},
    ),
    Case("ecr-immutable-tags", "aws:ecr/repository:Repository", ECR_OK, {**ECR_OK, "imageTagMutability": "MUTABLE"}),
    Case("log-group-retention", "aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 30.0}, {"name": "/farm/api"}),
    Case(
        "secrets-recovery-window-prod",
        "aws:secretsmanager/secret:Secret",
        {"recoveryWindowInDays": 7.0},
        {"recoveryWindowInDays": 0.0},
        stage="prod",
    ),
    Case(
        "sns-encrypted",
        "aws:sns/topic:Topic",
        {"kmsMasterKeyId": "arn:aws:kms:us-east-1:123456789012:key/1"},
        {"name": "alarms"},
    ),
    Case(
        "alarm-actions",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        {
            "comparisonOperator": "GreaterThanThreshold",
            "evaluationPeriods": 1.0,
            "alarmActions": ["arn:aws:sns:us-east-1:123456789012:alarms"],
        },
        {"comparisonOperator": "GreaterThanThreshold", "evaluationPeriods": 1.0, "alarmActions": []},
    ),
    Case(
        "atlas-no-open-access-prod",
        "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList",
        {"projectId": "p", "ipAddress": "203.0.113.10"},
        {"projectId": "p", "cidrBlock": "0.0.0.0/0"},
        stage="prod",
    ),
    Case(
        "atlas-backup-prod",
        "mongodbatlas:index/advancedCluster:AdvancedCluster",
        ADVANCED_CLUSTER,
        {**ADVANCED_CLUSTER, "backupEnabled": False},
        stage="prod",
        good_protect=True,
        bad_protect=True,
    ),
    Case(
        "atlas-termination-protection-prod",
        "mongodbatlas:index/advancedCluster:AdvancedCluster",
        ADVANCED_CLUSTER,
        {**ADVANCED_CLUSTER, "terminationProtectionEnabled": False},
        stage="prod",
        good_protect=True,
        bad_protect=True,
    ),
    Case(
        "stateful-protected-prod",
        "aws:efs/fileSystem:FileSystem",
        {"encrypted": True},
        {"encrypted": True},
        stage="prod",
        good_protect=True,
    ),
    Case(
        "stateful-protected-prod",
        "mongodbatlas:index/advancedCluster:AdvancedCluster",
        ADVANCED_CLUSTER,
        ADVANCED_CLUSTER,
        stage="prod",
        good_protect=True,
    ),
    Case(
        "preview-db-user-own-database",
        "mongodbatlas:index/databaseUser:DatabaseUser",
        PREVIEW_USER,
        {**PREVIEW_USER, "roles": [{"roleName": "readWrite", "databaseName": "farm_chat"}]},
        stage="preview",
    ),
]

_BUCKET = ("aws:s3/bucket:Bucket", "site", {"bucket": "site"})
_LIFETIME = {"farm:preview": "pr-123", "farm:ttl-hours": "168"}
_VPC = ("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})
_LB_SG = ("aws:ec2/securityGroup:SecurityGroup", "lb-sg", SG_LB)

STACK_CASES: list[StackCase] = [
    StackCase(
        "preview-no-protected-resources",
        [("aws:ecs/service:Service", "api-service", {"tags": _LIFETIME})],
        [],
        [("aws:s3/bucket:Bucket", "web-bucket", {"tags": _LIFETIME})],
        offender="web-bucket",
        stage="preview",
        protect_extra=True,
    ),
    StackCase(
        "preview-shares-dev",
        [("aws:ecs/service:Service", "api-service", {"tags": _LIFETIME})],
        [],
        [("aws:ec2/natGateway:NatGateway", "nat", {"connectivityType": "public", "tags": _LIFETIME})],
        offender="nat",
        stage="preview",
    ),
    StackCase(
        "preview-lifetime-tags",
        [],
        [("aws:lb/listenerRule:ListenerRule", "route", {"priority": 123.0, "tags": _LIFETIME})],
        [("aws:lb/listenerRule:ListenerRule", "route", {"priority": 123.0, "tags": {"farm:preview": "pr-123"}})],
        offender="route",
        stage="preview",
    ),
    StackCase(
        "cloudfront-access-logging",
        [
            (
                "aws:cloudfront/distribution:Distribution",
                "cdn",
                {k: v for k, v in DISTRIBUTION.items() if k != "loggingConfig"},
            )
        ],
        # Standard logging v2: a delivery source on the distribution (no legacy loggingConfig),
        # by the ARN the offline engine gives a distribution named "cdn".
        [
            (
                "aws:cloudwatch/logDeliverySource:LogDeliverySource",
                "cdn-logs",
                {
                    "logType": "ACCESS_LOGS",
                    "resourceArn": "arn:aws:cloudfront::123456789012:distribution/EDB9831B53A857",
                },
            )
        ],
        [
            (
                "aws:cloudwatch/logDeliverySource:LogDeliverySource",
                "other-logs",
                {"logType": "ACCESS_LOGS", "resourceArn": "arn:aws:cloudfront:us-east-1:123456789012:other"},
            )
        ],
        offender="cdn",
    ),
    StackCase(
        "monthly-budget",
        [("aws:ec2/natGateway:NatGateway", "nat", {"connectivityType": "public"})],
        [],
        [
            ("aws:ec2/launchTemplate:LaunchTemplate", "gpu-lt", {"instanceType": "g5.xlarge"}),
            ("aws:autoscaling/group:Group", "gpu-asg", {"minSize": 1.0, "maxSize": 1.0, "desiredCapacity": 1.0}),
        ],
        offender="gpu-asg",
        budget=100.0,
    ),
    StackCase(
        "s3-bucket-public-access-blocked",
        [_BUCKET],
        [("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "site-pab", PAB_ON)],
        [("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "other-pab", {**PAB_ON, "bucket": "other-id"})],
        offender="site",
    ),
    StackCase(
        "s3-bucket-encrypted",
        [_BUCKET],
        [
            (
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "site-sse",
                {"bucket": "site-id", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]},
            )
        ],
        offender="site",
    ),
    StackCase(
        "s3-tls-only",
        [_BUCKET],
        [
            (
                "aws:s3/bucketPolicy:BucketPolicy",
                "site-policy",
                {"bucket": "site-id", "policy": _policy(TLS_DENY, OAC_READ)},
            )
        ],
        [("aws:s3/bucketPolicy:BucketPolicy", "site-policy", {"bucket": "site-id", "policy": _policy(OAC_READ)})],
        offender="site",
    ),
    StackCase(
        "s3-versioning-prod",
        [_BUCKET],
        [
            (
                "aws:s3/bucketVersioning:BucketVersioning",
                "site-versioning",
                {"bucket": "site-id", "versioningConfiguration": {"status": "Enabled"}},
            )
        ],
        [
            (
                "aws:s3/bucketVersioning:BucketVersioning",
                "site-versioning",
                {"bucket": "site-id", "versioningConfiguration": {"status": "Suspended"}},
            )
        ],
        offender="site",
        stage="prod",
    ),
    StackCase(
        "vpc-flow-logs",
        [_VPC],
        [
            (
                "aws:ec2/flowLog:FlowLog",
                "vpc-flow-log",
                {
                    "vpcId": "vpc-id",
                    "trafficType": "ALL",
                    "logDestinationType": "cloud-watch-logs",
                    "logDestination": "arn:lg",
                },
            )
        ],
        offender="vpc",
    ),
    StackCase(
        "vpc-default-sg-adopted",
        [_VPC],
        [("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "vpc-default-sg", {"vpcId": "vpc-id"})],
        offender="vpc",
    ),
    StackCase(
        "sg-public-web-only-on-lb",
        [_LB_SG],
        [("aws:lb/loadBalancer:LoadBalancer", "lb", {"securityGroups": ["lb-sg-id"], "dropInvalidHeaderFields": True})],
        [
            (
                "aws:lb/loadBalancer:LoadBalancer",
                "lb",
                {"securityGroups": ["other-sg-id"], "dropInvalidHeaderFields": True},
            )
        ],
        offender="lb-sg",
    ),
    StackCase(
        # The service reads the secret through its task definition; only the
        # compliant one also waits for the SecretVersion that sets its value.
        "secret-readers-wait-for-value",
        [
            ("aws:secretsmanager/secret:Secret", "db", {}),
            ("aws:secretsmanager/secretVersion:SecretVersion", "db-value", {"secretId": "db-id"}),
            ("aws:ecs/taskDefinition:TaskDefinition", "api-task", {"family": "api"}),
        ],
        [("aws:ecs/service:Service", "api-waits", {"taskDefinition": "arn:task"})],
        [("aws:ecs/service:Service", "api", {"taskDefinition": "arn:task"})],
        offender="api",
        links={
            "db-value": {"secretId": ["db"]},
            "api-task": {"containerDefinitions": ["db"]},
            "api-waits": {"taskDefinition": ["api-task"], "": ["db-value"]},
            "api": {"taskDefinition": ["api-task"]},
        },
    ),
    StackCase(
        "alb-cloudfront-origin-internal",
        [("aws:cloudfront/distribution:Distribution", "cdn", {"origins": [{"originId": "api"}]})],
        [("aws:lb/loadBalancer:LoadBalancer", "alb", {"internal": True, "loadBalancerType": "application"})],
        [("aws:lb/loadBalancer:LoadBalancer", "alb", {"internal": False, "loadBalancerType": "application"})],
        offender="alb",
        links={"cdn": {"origins": ["alb"]}},
    ),
    StackCase(
        # The tag that exempts a plain HTTP listener outside prod must be true: internal, behind a VPC origin.
        "listener-origin-tag-verified",
        [
            (
                "aws:lb/listener:Listener",
                "http",
                {
                    "port": 80.0,
                    "protocol": "HTTP",
                    "defaultActions": [{"type": "forward"}],
                    "tags": {"farm:origin-access": "cloudfront-vpc-origin"},
                },
            )
        ],
        [
            ("aws:lb/loadBalancer:LoadBalancer", "alb", {"internal": True, "loadBalancerType": "application"}),
            ("aws:cloudfront/vpcOrigin:VpcOrigin", "vo", {"vpcOriginEndpointConfig": {"name": "api"}}),
        ],
        [("aws:lb/loadBalancer:LoadBalancer", "alb", {"internal": False, "loadBalancerType": "application"})],
        offender="http",
        links={"http": {"loadBalancerArn": ["alb"]}, "vo": {"vpcOriginEndpointConfig": ["alb"]}},
    ),
    StackCase(
        # A stage in two regions: eu-west-1 lost its API service.
        "regions-same-components",
        [
            ("aws:ec2/vpc:Vpc", "farm-prod-net-vpc", {"cidrBlock": "10.0.0.0/16"}),
            ("aws:ec2/vpc:Vpc", "farm-prod-eu-west-1-net-vpc", {"cidrBlock": "10.0.0.0/16"}),
            ("aws:ecs/service:Service", "farm-prod-api-service", {"desiredCount": 2.0}),
            # Ollama may run in fewer regions (farm:aiRegions): not compared.
            ("aws:ecs/service:Service", "farm-prod-ollama-service", {"desiredCount": 1.0}),
        ],
        [("aws:ecs/service:Service", "farm-prod-eu-west-1-api-service", {"desiredCount": 2.0})],
        [],
        offender="farm-prod-api-service",
        stage="prod",
    ),
    StackCase(
        # An internet-facing origin the CloudFront prefix list alone guards: any distribution reaches it.
        "alb-cloudfront-origin-verified",
        [
            ("aws:ec2/securityGroup:SecurityGroup", "alb-sg", {"vpcId": "vpc-1"}),
            (
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "alb-in-cloudfront",
                {"fromPort": 443.0, "toPort": 443.0, "ipProtocol": "tcp", "prefixListId": "pl-3b927c52"},
            ),
            ("aws:lb/loadBalancer:LoadBalancer", "alb", {"internal": False, "loadBalancerType": "application"}),
        ],
        [
            (
                "aws:lb/listener:Listener",
                "https-checked",
                {"port": 443.0, "defaultActions": [{"type": "fixed-response", "fixedResponse": {"statusCode": "403"}}]},
            ),
            (
                "aws:lb/listenerRule:ListenerRule",
                "from-cloudfront",
                {
                    "priority": 1.0,
                    "conditions": [{"httpHeader": {"httpHeaderName": "X-Farm-Origin-Verify", "values": ["s"]}}],
                    "actions": [{"type": "forward"}],
                },
            ),
        ],
        [("aws:lb/listener:Listener", "https-open", {"port": 443.0, "defaultActions": [{"type": "forward"}]})],
        offender="https-open",
        links={
            "alb": {"securityGroups": ["alb-sg"]},
            "alb-in-cloudfront": {"securityGroupId": ["alb-sg"]},
            "https-checked": {"loadBalancerArn": ["alb"]},
            "https-open": {"loadBalancerArn": ["alb"]},
            "from-cloudfront": {"listenerArn": ["https-checked"]},
        },
    ),
    StackCase(
        "vercel-deployment-waits-for-secrets",
        [
            ("vercel:index/project:Project", "web", {"name": "web"}),
            (
                "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
                "db-url",
                {"key": "MONGODB_URL", "sensitive": True, "projectId": "web-id"},
            ),
        ],
        [("vercel:index/deployment:Deployment", "deploy-waits", {"projectId": "web-id"})],
        [("vercel:index/deployment:Deployment", "deploy", {"projectId": "web-id"})],
        offender="deploy",
        links={
            "db-url": {"projectId": ["web"]},
            "deploy-waits": {"projectId": ["web"], "": ["db-url"]},
            "deploy": {"projectId": ["web"]},
        },
    ),
]
