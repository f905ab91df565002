"""ApiService under the mocks: the exact ECS, ALB, IAM and autoscaling inputs AWS would get."""

from __future__ import annotations

import json
import re

import pulumi
import pytest

from analysis.errors import UserError
from components.api_service import TLS_POLICY, ApiService, ApiServiceArgs, looks_like_credential
from components.app_secrets import AppSecrets, AppSecretsArgs
from components.naming import lb_name, task_family
from farm_deploy.offline.engine import run_offline

SECRET_VALUES = {
    "MONGODB_URL": "mongodb+srv://app:s3cr3t-pw@c0.example.net/app",
    "OPENAI_API_KEY": "sk-live-abcdef123456",
}
LISTENER = "aws:lb/listener:Listener"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
POLICY = "aws:appautoscaling/policy:Policy"
OUTPUTS = (
    "url", "alb_dns_name", "alb_arn_suffix", "target_group_arn_suffix", "security_group_id",
    "service_name", "log_group_name", "task_role_name", "task_definition_arn",
)  # fmt: skip


def run(stack: str = "dev", *, with_secrets: bool = True, **kwargs):
    config = {f"farm:{k}": v for k, v in SECRET_VALUES.items()}

    def program():
        secrets = {}
        if with_secrets:
            cfg = pulumi.Config("farm")
            store = AppSecrets(
                "app-secrets", AppSecretsArgs(values={k: cfg.require_secret(k) for k in SECRET_VALUES}, stack=stack)
            )
            secrets = store.arns
        defaults = dict(
            image_ref="123456789012.dkr.ecr.us-east-1.amazonaws.com/api@sha256:" + "a" * 64,
            vpc_id="vpc-1",
            public_subnet_ids=["subnet-pub-a", "subnet-pub-b"],
            private_subnet_ids=["subnet-priv-a", "subnet-priv-b"],
            cluster_arn="arn:aws:ecs:us-east-1:123456789012:cluster/farm",
            cluster_name="farm",
            environment={"AI_PROVIDER": "ollama", "CORS_ORIGINS": "https://app.example.com"},
            secrets=secrets,
            tags={"farm:stage": stack},
            stack=stack,
            project="farm-deploy",
        )
        service = ApiService("api", ApiServiceArgs(**{**defaults, **kwargs}))
        for key in OUTPUTS:
            pulumi.export(key, getattr(service, key))

    return run_offline(program, stack=stack, config=config, secret_keys=list(config))


@pytest.fixture(scope="module")
def prod():
    return run(
        "prod",
        certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/abc",
        protect=True,
        deletion_protection=True,
        min_count=2,
        max_count=6,
        cpu=1024,
        memory=2048,
    )


@pytest.fixture(scope="module")
def dev():
    return run("dev", with_secrets=False, task_role_policy_statements=None)


def container(result) -> dict:
    (definition,) = json.loads(result.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])
    return definition


# ---------------------------------------------------------------- load balancer


def test_https_listener_with_modern_tls_and_http_redirect(prod):
    listeners = {r.inputs["port"]: r.inputs for r in prod.of_type(LISTENER)}
    assert set(listeners) == {443, 80}
    https = listeners[443]
    assert https["protocol"] == "HTTPS"
    assert https["sslPolicy"] == TLS_POLICY == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["certificateArn"] == "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    assert https["defaultActions"] == [
        {
            "type": "forward",
            "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-tg/d92c117a77dc502e",
        }
    ]
    assert listeners[80]["protocol"] == "HTTP"
    assert listeners[80]["defaultActions"] == [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    ]


def test_without_a_certificate_only_plain_http_forwards(dev):
    (listener,) = dev.of_type(LISTENER)
    assert listener.inputs["port"] == 80 and listener.inputs["protocol"] == "HTTP"
    assert listener.inputs["defaultActions"][0]["type"] == "forward"
    assert "sslPolicy" not in listener.inputs and "certificateArn" not in listener.inputs
    assert dev.outputs["url"] == "http://api-alb.us-east-1.elb.amazonaws.com"


def test_alb_is_public_drops_invalid_headers_and_protection_follows_the_flag(prod, dev):
    alb = prod.one("aws:lb/loadBalancer:LoadBalancer").inputs
    assert alb["loadBalancerType"] == "application" and alb["internal"] is False
    assert alb["subnets"] == ["subnet-pub-a", "subnet-pub-b"]
    assert alb["securityGroups"] == ["api-alb-sg-id"]
    assert alb["dropInvalidHeaderFields"] is True
    assert alb["enableDeletionProtection"] is True
    assert dev.one("aws:lb/loadBalancer:LoadBalancer").inputs["enableDeletionProtection"] is False


def test_target_group_registers_ips_and_checks_the_health_path(prod):
    tg = prod.one("aws:lb/targetGroup:TargetGroup").inputs
    assert (tg["targetType"], tg["port"], tg["protocol"], tg["vpcId"]) == ("ip", 8000, "HTTP", "vpc-1")
    assert tg["healthCheck"]["path"] == "/api/health"
    assert tg["healthCheck"]["matcher"] == "200"


def test_short_names_keep_pulumis_autonaming(prod):
    # "api-alb" + "-" + 7 random characters fits ELB's 32: no physical name given.
    assert "name" not in prod.one("aws:lb/loadBalancer:LoadBalancer").inputs
    assert "name" not in prod.one("aws:lb/targetGroup:TargetGroup").inputs


def test_long_stack_names_get_load_balancer_names_elb_accepts():
    # Autonaming would refuse these at `pulumi up` ("plus 7 random chars is
    # longer than maximum length 32"); the mocks never autoname.
    def program():
        ApiService(
            "farm-feature-login-page-api",
            ApiServiceArgs(
                image_ref="123456789012.dkr.ecr.us-east-1.amazonaws.com/api@sha256:" + "a" * 64,
                vpc_id="vpc-1",
                public_subnet_ids=["subnet-pub-a", "subnet-pub-b"],
                private_subnet_ids=["subnet-priv-a", "subnet-priv-b"],
                cluster_arn="arn:aws:ecs:us-east-1:123456789012:cluster/farm",
                cluster_name="farm",
                stack="feature-login-page",
                project="farm-deploy",
            ),
        )

    result = run_offline(program, stack="feature-login-page")
    alb = result.one("aws:lb/loadBalancer:LoadBalancer").inputs["name"]
    tg = result.one("aws:lb/targetGroup:TargetGroup").inputs["name"]
    for name in (alb, tg):
        assert len(name) <= 32
        assert re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?", name)
        assert not name.startswith("internal-")
    assert alb.startswith("farm-feature-login-page-") and tg.startswith("farm-feature-login-page-")
    assert alb != tg


def test_lb_name_is_stable_and_changes_with_what_replaces_a_target_group():
    long = "farm-feature-login-page-api-tg"
    assert lb_name("farm-dev-api-tg") is None
    assert lb_name("x" * 24) is None and lb_name("x" * 25) is not None
    assert lb_name(long, 8000) == lb_name(long, 8000)
    assert lb_name(long, 8000) != lb_name(long, 8080)
    assert lb_name("a" * 22 + "-" + "b" * 10).count("--") == 0


def test_dotted_stack_names_get_valid_elb_names_and_task_family():
    # Stack names may hold "." and "_": ELB names allow neither, task families no ".".
    assert lb_name("farm-v1.2-api-tg") is not None
    for logical in ("farm-v1.2-api-alb", "farm-feature_x-api-tg", "internal-api-alb", "farm-" + "a.b" * 20):
        name = lb_name(logical, 8000)
        assert name is not None and len(name) <= 32
        assert re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?", name)
        assert not name.startswith("internal-")
    assert task_family("farm-deploy-v1.2-farm-v1.2-api") == "farm-deploy-v1-2-farm-v1-2-api"
    assert task_family("farm-deploy-prod-farm-prod-api") == "farm-deploy-prod-farm-prod-api"


# ---------------------------------------------------------------- security groups


def rules(result, typ, group):
    return sorted(
        (
            r.inputs["fromPort"],
            r.inputs["toPort"],
            r.inputs.get("cidrIpv4") or r.inputs.get("referencedSecurityGroupId"),
        )
        for r in result.of_type(typ)
        if r.inputs["securityGroupId"] == group
    )


def test_tasks_are_reachable_only_from_the_alb_on_the_container_port(prod):
    assert rules(prod, INGRESS, "api-task-sg-id") == [(8000, 8000, "api-alb-sg-id")]
    assert rules(prod, EGRESS, "api-alb-sg-id") == [(8000, 8000, "api-task-sg-id")]
    assert rules(prod, EGRESS, "api-task-sg-id") == [(443, 443, "0.0.0.0/0"), (27017, 27017, "0.0.0.0/0")]
    groups = prod.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert all("ingress" not in g.inputs and "egress" not in g.inputs for g in groups)


def test_ollama_port_is_open_inside_the_vpc_only_when_asked(prod):
    result = run(with_secrets=False, vpc_egress_ports=[11434], vpc_cidr="10.0.0.0/16")
    assert rules(result, EGRESS, "api-task-sg-id") == [
        (443, 443, "0.0.0.0/0"),
        (11434, 11434, "10.0.0.0/16"),
        (27017, 27017, "0.0.0.0/0"),
    ]
    assert not any(r.inputs["fromPort"] == 11434 for r in prod.of_type(EGRESS))
    with pytest.raises(ValueError, match="vpc_cidr"):
        run(with_secrets=False, vpc_egress_ports=[11434])


def test_alb_accepts_443_and_80_with_a_certificate_and_only_80_without(prod, dev):
    assert rules(prod, INGRESS, "api-alb-sg-id") == [(80, 80, "0.0.0.0/0"), (443, 443, "0.0.0.0/0")]
    assert rules(dev, INGRESS, "api-alb-sg-id") == [(80, 80, "0.0.0.0/0")]


def test_behind_cloudfront_the_alb_admits_only_cloudfronts_prefix_list():
    def ingress(result):
        return sorted(
            (r.inputs["fromPort"], r.inputs.get("prefixListId"), r.inputs.get("cidrIpv4"))
            for r in result.of_type(INGRESS)
            if r.inputs["securityGroupId"] == "api-alb-sg-id"
        )

    plain = run(with_secrets=False, behind_cloudfront=True)
    assert ingress(plain) == [(80.0, "pl-3b927c52", None)]
    tls = run(
        with_secrets=False,
        behind_cloudfront=True,
        certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/abc",
        domain="api.example.com",
    )
    # one rule only: the prefix list's weight leaves no room for a second one
    assert ingress(tls) == [(443.0, "pl-3b927c52", None)]
    looked_up = [args for token, args in tls.calls if token == "aws:ec2/getManagedPrefixList:getManagedPrefixList"]
    assert looked_up == [{"name": "com.amazonaws.global.cloudfront.origin-facing"}]


# ---------------------------------------------------------------- task definition


def test_task_definition_is_fargate_awsvpc_with_separate_roles(prod):
    task = prod.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert task["networkMode"] == "awsvpc"
    assert (task["cpu"], task["memory"]) == ("1024", "2048")
    assert task["family"] == "farm-deploy-prod-api"
    assert task["executionRoleArn"] == "arn:aws:iam::123456789012:role/api-execution-role"
    assert task["taskRoleArn"] == "arn:aws:iam::123456789012:role/api-task-role"
    assert task["volumes"] == [{"name": "tmp"}]
    assert task["runtimePlatform"] == {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"}


def test_graviton_tasks_for_arm64_images():
    task = run(with_secrets=False, cpu_architecture="ARM64").one("aws:ecs/taskDefinition:TaskDefinition").inputs
    assert task["runtimePlatform"]["cpuArchitecture"] == "ARM64"


def test_container_is_locked_down(prod):
    c = container(prod)
    assert c["readonlyRootFilesystem"] is True
    assert c["privileged"] is False
    assert c["mountPoints"] == [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}]
    assert c["linuxParameters"]["capabilities"] == {"drop": ["ALL"]}
    assert c["image"].endswith("@sha256:" + "a" * 64)
    assert c["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]
    assert c["healthCheck"]["command"][:3] == ["CMD", "python", "-c"]
    assert "http://127.0.0.1:8000/api/health" in c["healthCheck"]["command"][3]
    assert c["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "/farm/farm-deploy/prod/api",
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "api",
        },
    }


def test_secrets_are_ecs_secrets_never_environment(prod):
    c = container(prod)
    assert c["secrets"] == [
        {
            "name": "MONGODB_URL",
            "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-secrets-mongodb-url-CdeMHO",
        },
        {
            "name": "OPENAI_API_KEY",
            "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-secrets-openai-api-key-nTuMlF",
        },
    ]
    assert c["environment"] == [
        {"name": "AI_PROVIDER", "value": "ollama"},
        {"name": "CORS_ORIGINS", "value": "https://app.example.com"},
    ]
    # The values exist only in the secret versions, nowhere else in the stack.
    elsewhere = json.dumps(
        [r.inputs for r in prod.resources if r.type != "aws:secretsmanager/secretVersion:SecretVersion"]
    ) + json.dumps(prod.outputs)
    for value in SECRET_VALUES.values():
        assert value not in elsewhere


def test_execution_role_reads_exactly_those_secrets(prod):
    policy = json.loads(prod.named("api-execution-role-secrets").inputs["policy"])
    assert policy["Statement"] == [
        {
            "Sid": "ReadApiSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-secrets-mongodb-url-CdeMHO",
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-secrets-openai-api-key-nTuMlF",
            ],
        }
    ]
    assert prod.named("api-execution-role-secrets").inputs["role"] == "api-execution-role-id"
    attachment = prod.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs
    assert attachment == {
        "role": "api-execution-role",
        "policyArn": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    }


def test_roles_trust_only_ecs_tasks_of_this_account(prod):
    for name in ("api-execution-role", "api-task-role"):
        (statement,) = json.loads(prod.named(name).inputs["assumeRolePolicy"])["Statement"]
        assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_no_secrets_no_secret_policy_and_a_bare_task_role(dev):
    assert [r.name for r in dev.of_type("aws:iam/rolePolicy:RolePolicy")] == []
    assert container(dev)["secrets"] == []


def test_task_role_gets_exactly_the_statements_asked_for():
    statement = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::uploads/*"]}
    result = run(with_secrets=False, task_role_policy_statements=[statement])
    policy = result.named("api-task-role-policy").inputs
    assert policy["role"] == "api-task-role-id"
    assert json.loads(policy["policy"]) == {"Version": "2012-10-17", "Statement": [statement]}


# ---------------------------------------------------------------- service


def test_service_runs_in_private_subnets_without_public_ips(prod):
    svc = prod.one("aws:ecs/service:Service").inputs
    assert svc["launchType"] == "FARGATE"
    assert svc["networkConfiguration"] == {
        "subnets": ["subnet-priv-a", "subnet-priv-b"],
        "securityGroups": ["api-task-sg-id"],
        "assignPublicIp": False,
    }
    assert svc["loadBalancers"] == [
        {
            "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-tg/d92c117a77dc502e",
            "containerName": "api",
            "containerPort": 8000,
        }
    ]
    assert svc["cluster"] == "arn:aws:ecs:us-east-1:123456789012:cluster/farm"
    assert svc["desiredCount"] == 2
    assert svc["enableExecuteCommand"] is False


def test_bad_deployments_roll_back_by_circuit_breaker_and_alarms(prod):
    svc = prod.one("aws:ecs/service:Service").inputs
    assert svc["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert svc["alarms"] == {"alarmNames": ["api-deploy-5xx", "api-deploy-unhealthy"], "enable": True, "rollback": True}
    alarms = {r.name: r.inputs for r in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert set(alarms) == {"api-deploy-5xx", "api-deploy-unhealthy"}
    dims = {"LoadBalancer": "app/api-alb/0123456789abcdef", "TargetGroup": "targetgroup/api-tg/0123456789abcdef"}
    assert (alarms["api-deploy-5xx"]["metricName"], alarms["api-deploy-5xx"]["dimensions"]) == (
        "HTTPCode_Target_5XX_Count",
        dims,
    )
    assert (alarms["api-deploy-unhealthy"]["metricName"], alarms["api-deploy-unhealthy"]["threshold"]) == (
        "UnHealthyHostCount",
        1,
    )


def test_rollback_alarms_notify_only_when_given_a_target(prod):
    assert all(r.inputs["alarmActions"] == [] for r in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"))
    topic = "arn:aws:sns:us-east-1:123456789012:alarms"
    result = run(with_secrets=False, alarm_actions=[topic])
    assert [r.inputs["alarmActions"] for r in result.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")] == [
        [topic],
        [topic],
    ]


def test_autoscaling_tracks_cpu_and_requests_per_target(prod):
    target = prod.one("aws:appautoscaling/target:Target").inputs
    assert (target["resourceId"], target["minCapacity"], target["maxCapacity"]) == ("service/farm/api-service", 2, 6)
    assert target["scalableDimension"] == "ecs:service:DesiredCount"
    configs = {r.name: r.inputs["targetTrackingScalingPolicyConfiguration"] for r in prod.of_type(POLICY)}
    assert configs["api-scale-cpu"]["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ECSServiceAverageCPUUtilization"
    }
    assert configs["api-scale-cpu"]["targetValue"] == 60
    assert configs["api-scale-requests"]["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ALBRequestCountPerTarget",
        "resourceLabel": "app/api-alb/0123456789abcdef/targetgroup/api-tg/0123456789abcdef",
    }
    assert all(r.inputs["policyType"] == "TargetTrackingScaling" for r in prod.of_type(POLICY))


def test_log_group_retention_and_protection(prod, dev):
    group = prod.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["retentionInDays"] == 30
    assert (group.protect, group.retain_on_delete) == (True, True)
    dev_group = dev.one("aws:cloudwatch/logGroup:LogGroup")
    assert (dev_group.protect, dev_group.retain_on_delete) == (False, False)


def test_outputs(prod):
    assert prod.outputs == {
        "url": "https://api-alb.us-east-1.elb.amazonaws.com",
        "alb_dns_name": "api-alb.us-east-1.elb.amazonaws.com",
        "alb_arn_suffix": "app/api-alb/0123456789abcdef",
        "target_group_arn_suffix": "targetgroup/api-tg/0123456789abcdef",
        "security_group_id": "api-task-sg-id",
        "service_name": "api-service",
        "log_group_name": "/farm/farm-deploy/prod/api",
        "task_role_name": "api-task-role",
        "task_definition_arn": "arn:aws:ecs:us-east-1:123456789012:task-definition/farm-deploy-prod-api:1",
    }


def test_domain_names_the_url():
    result = run(with_secrets=False, certificate_arn="arn:cert", domain="api.example.com")
    assert result.outputs["url"] == "https://api.example.com"
    assert run(with_secrets=False, domain="api.example.com").outputs["url"] == "http://api.example.com"


def test_low_port_keeps_only_the_bind_capability():
    c = container(run(with_secrets=False, port=80))
    assert "NET_BIND_SERVICE" not in c["linuxParameters"]["capabilities"]["drop"]
    assert "NET_RAW" in c["linuxParameters"]["capabilities"]["drop"]


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"cpu": 300}, "cpu"),
        ({"cpu": 256, "memory": 4096}, "memory"),
        ({"min_count": 3, "max_count": 2}, "min_count"),
        ({"environment": {"OPENAI_API_KEY": "sk-oops"}}, "env"),
        ({"environment": {"MONGODB_URL": "mongodb://u:p@h"}}, "env"),
        ({"environment": {"X": "1"}, "secrets": {"X": "arn:x"}}, "env"),
        ({"health_path": "health"}, "api.health_path"),
        ({"cpu_architecture": "arm64"}, "api.cpu_architecture"),
    ],
)
def test_bad_settings_are_user_errors(change, key):
    with pytest.raises(UserError) as err:
        run(with_secrets=False, **change)
    assert err.value.key == key


@pytest.mark.parametrize(
    ("name", "credential"),
    [
        ("OPENAI_API_KEY", True),
        ("HF_TOKEN", True),
        ("JWT_SECRET", True),
        ("SECRET_KEY", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("DB_PASSWORD", True),
        ("MONGODB_URL", True),
        ("AI_MAX_TOKENS", False),
        ("TOKEN_EXPIRY_MINUTES", False),
        ("PUBLIC_KEY_URL", False),
        ("CACHE_KEY", False),
        ("AI_PROVIDER", False),
    ],
)
def test_credential_names_are_told_apart_from_settings(name, credential):
    assert looks_like_credential(name) is credential


def test_settings_that_merely_mention_tokens_stay_plain():
    c = container(run(with_secrets=False, environment={"AI_MAX_TOKENS": "1024"}))
    assert c["environment"] == [{"name": "AI_MAX_TOKENS", "value": "1024"}]
