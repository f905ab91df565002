"""Issue 15's hardening on the shipped stacks: the web ACL, the access logs, the
least-privilege Ollama task, the keys, their cost lines, and every outbound
destination the example app and Ollama need, checked against the security groups."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from analysis.load import analyze_app
from farm_deploy.cli import main
from farm_deploy.offline_plan import OfflinePlan, run_plan

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "examples" / "farm-chat"
VPC_CIDR = "10.0.0.0/16"


@pytest.fixture(scope="module")
def plans() -> dict[str, OfflinePlan]:
    return {stack: run_plan(ROOT, stack) for stack in ("dev", "staging", "prod")}


def of_type(result: OfflinePlan, typ: str) -> list:
    return [r for r in result.resources if r.type == typ]


def named(result: OfflinePlan, name: str):
    (found,) = [r for r in result.resources if r.name == name]
    return found


# --------------------------------------------------------------------------- defaults per stage


def test_stage_defaults(plans: dict[str, OfflinePlan]) -> None:
    got = {s: (p.plan.security.waf, p.plan.security.kms, p.plan.security.access_log_days) for s, p in plans.items()}
    assert got == {
        "dev": ("off", "aws-managed", 14),
        "staging": ("basic", "aws-managed", 30),
        "prod": ("basic", "customer", 365),
    }
    assert not of_type(plans["dev"], "aws:wafv2/webAcl:WebAcl")
    assert not of_type(plans["dev"], "farm:security:KmsKey") and not of_type(plans["staging"], "farm:security:KmsKey")


# --------------------------------------------------------------------------- 1. WAF


def test_prod_web_acl_is_cloudfront_scope_in_us_east_1_with_managed_and_rate_rules(plans) -> None:
    prod = plans["prod"]
    acl = named(prod, "farm-prod-waf-acl")
    assert acl.inputs["scope"] == "CLOUDFRONT"
    assert acl.inputs["defaultAction"] == {"allow": {}}
    # created through the provider pinned to us-east-1 (CloudFront-scope ACLs live there)
    (provider,) = [r for r in prod.resources if r.name == "farm-prod-aws-us-east-1"]
    assert provider.inputs["region"] == "us-east-1"
    assert acl.provider and provider.name in acl.provider
    rules = {r["name"]: r for r in acl.inputs["rules"]}
    assert [r["name"] for r in sorted(acl.inputs["rules"], key=lambda r: r["priority"])] == [
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "rate-ai",
        "rate-api",
    ]
    common = rules["AWSManagedRulesCommonRuleSet"]["statement"]["managedRuleGroupStatement"]
    # basic: bodies over 8 KB (chat histories, attachments) are counted, not blocked
    assert common["ruleActionOverrides"] == [{"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}]
    ai = rules["rate-ai"]["statement"]["rateBasedStatement"]
    assert (ai["limit"], ai["aggregateKeyType"], ai["evaluationWindowSec"]) == (100, "IP", 300)
    prefixes = [s["byteMatchStatement"]["searchString"] for s in ai["scopeDownStatement"]["orStatement"]["statements"]]
    assert prefixes == ["/api/ai/", "/api/chat"]
    api = rules["rate-api"]["statement"]["rateBasedStatement"]
    assert api["limit"] == 2000
    assert api["scopeDownStatement"]["byteMatchStatement"]["searchString"] == "/api/"
    assert api["scopeDownStatement"]["byteMatchStatement"]["positionalConstraint"] == "STARTS_WITH"
    (cdn,) = of_type(prod, "aws:cloudfront/distribution:Distribution")
    assert cdn.inputs["webAclId"] == "arn:aws:wafv2:us-east-1:123456789012:farm-prod-waf-acl"


@pytest.fixture(scope="module")
def public_alb(tmp_path_factory) -> OfflinePlan:
    """Staging with its site on Vercel: no CloudFront, so the load balancer stays internet-facing."""
    folder = tmp_path_factory.mktemp("public-alb")
    (folder / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    text = (ROOT / "Pulumi.staging.yaml").read_text()
    text = text.replace("farm:appPath: examples/farm-chat", f"farm:appPath: {APP}")
    (folder / "Pulumi.staging.yaml").write_text(text + "  farm:web: vercel\n")
    return run_plan(folder, "staging")


def test_no_regional_acl_on_the_load_balancer(plans, public_alb) -> None:
    # Behind CloudFront the load balancer is internal (a VPC origin): CloudFront's ACL sees every request.
    for stack in ("staging", "prod"):
        (lb,) = of_type(plans[stack], "aws:lb/loadBalancer:LoadBalancer")
        assert lb.inputs["internal"] is True
        assert not of_type(plans[stack], "aws:wafv2/webAclAssociation:WebAclAssociation")
    # Without CloudFront the load balancer is public, but farm:waf applies to CloudFront only
    # (the stage plan turns it off): no regional ACL either.
    (lb,) = of_type(public_alb, "aws:lb/loadBalancer:LoadBalancer")
    assert lb.inputs["internal"] is False
    assert public_alb.plan.security.waf == "off"
    assert not of_type(public_alb, "aws:wafv2/webAcl:WebAcl")
    assert not [r for r in plans["dev"].resources if r.type == "aws:wafv2/webAclAssociation:WebAclAssociation"]


def test_each_hardening_has_its_cost_lines(plans) -> None:
    def lines(stack: str) -> dict[str, float]:
        return {
            i.price_key: i.monthly
            for i in plans[stack].cost.items
            if i.price_key.startswith(("waf.", "kms.", "cloudwatch.vended"))
        } | {"access-log storage": sum(i.monthly for i in plans[stack].cost.items if i.item.endswith("access logs"))}

    prod = lines("prod")
    # prod usage: 10 M web + 5 M API requests, 8 GB of access logs a month kept 365 days
    assert prod["waf.web_acl_month"] == 5.0
    assert prod["waf.rule_month"] == 5.0
    assert prod["waf.requests_1m"] == 9.0
    assert prod["cloudwatch.vended_s3_gb"] == 2.0
    assert prod["access-log storage"] == round(8 * 365 / 30 * 0.023, 2)
    assert prod["kms.key_month"] == 1.0
    # no load balancer ACL behind CloudFront (test_no_regional_acl_on_the_load_balancer)
    assert not [i for i in plans["prod"].cost.items if i.resource == "farm-prod-api-waf-acl"]
    dev = lines("dev")
    assert "waf.web_acl_month" not in dev
    assert dev["access-log storage"] == round(0.2 * 14 / 30 * 0.023, 2)


@pytest.mark.parametrize(("key", "value"), [("waf", "maybe"), ("kms", "vault")])
def test_unknown_waf_or_kms_value_is_one_clear_error(tmp_path: Path, capsys, key: str, value: str) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    body = (
        (ROOT / "Pulumi.dev.yaml")
        .read_text()
        .replace("farm:appPath: examples/farm-chat", f"farm:appPath: {APP.as_posix()}\n  farm:{key}: {value}")
    )
    (tmp_path / "Pulumi.dev.yaml").write_text(body)
    code = main(["plan", "--stack", "dev", "--project-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert f"farm:{key}" in err and repr(value) in err


# --------------------------------------------------------------------------- 2. access logs


def test_access_logs_reach_the_log_bucket(plans) -> None:
    prod = plans["prod"]
    bucket = named(prod, "farm-prod-access-logs-bucket")
    assert bucket.protect
    (ownership,) = [
        r for r in of_type(prod, "aws:s3/bucketOwnershipControls:BucketOwnershipControls") if "access-logs" in r.name
    ]
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    sse = named(prod, "farm-prod-access-logs-encryption").inputs["rules"][0]
    assert sse == {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}  # ALB logs: SSE-S3 only
    rule = named(prod, "farm-prod-access-logs-lifecycle").inputs["rules"][0]
    assert rule["expiration"] == {"days": 365}
    policy = json.loads(named(prod, "farm-prod-access-logs-policy").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["LoadBalancerWritesAccessLogs"]["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}
    assert by_sid["LoadBalancerWritesAccessLogs"]["Resource"].endswith("/alb/AWSLogs/123456789012/*")
    cf = by_sid["CloudFrontWritesAccessLogs"]
    assert cf["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert cf["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"
    assert by_sid["DenyInsecureTransport"]["Effect"] == "Deny"
    (alb,) = of_type(prod, "aws:lb/loadBalancer:LoadBalancer")
    assert alb.inputs["accessLogs"] == {
        "bucket": bucket.inputs.get("bucket", "farm-prod-access-logs-bucket-0123abcd"),
        "prefix": "alb",
        "enabled": True,
    }
    source = named(prod, "farm-prod-web-logs-source")
    assert source.inputs["logType"] == "ACCESS_LOGS"
    assert source.inputs["resourceArn"] == "arn:aws:cloudfront::123456789012:distribution/E2B0EF77DF9A2C"
    destination = named(prod, "farm-prod-web-logs-destination")
    assert destination.inputs["deliveryDestinationConfiguration"]["destinationResourceArn"].endswith(
        ":farm-prod-access-logs-bucket/cloudfront"
    )
    assert prod.outputs["accessLogBucket"] == "farm-prod-access-logs-bucket-0123abcd"


# --------------------------------------------------------------------------- 3. least privilege


def _container(result: OfflinePlan, family_part: str) -> dict:
    (task,) = [r for r in of_type(result, "aws:ecs/taskDefinition:TaskDefinition") if family_part in r.name]
    (container,) = json.loads(task.inputs["containerDefinitions"])
    return container


def test_prod_ollama_task_is_hardened(plans) -> None:
    c = _container(plans["prod"], "ollama")
    assert c["user"] == "1000:1000"
    assert c["readonlyRootFilesystem"] is True and c["privileged"] is False
    assert c["linuxParameters"]["capabilities"] == {"drop": ["ALL"]}
    # writable: the EFS model cache and a tmpfs, nothing else
    assert [m["containerPath"] for m in c["mountPoints"]] == ["/home/ollama/.ollama"]
    assert [t["containerPath"] for t in c["linuxParameters"]["tmpfs"]] == ["/tmp"]


@dataclass(frozen=True)
class Destination:
    what: str
    port: int
    to: str  # "internet", "vpc" or "efs"


# Where the example app's API connects, derived from its code and settings:
# src/database/connection.py (Motor, MONGODB_URL: an Atlas mongodb+srv URL, port 27017),
# src/ai/providers.py (ollama.AsyncClient at OLLAMA_URL, openai.AsyncOpenAI at api.openai.com).
# Fargate also pulls the image, reads the secrets and ships logs over the task's own network.
API_DESTINATIONS = {
    "motor": Destination("MongoDB Atlas (MONGODB_URL)", 27017, "internet"),
    "openai": Destination("api.openai.com", 443, "internet"),
    "ollama": Destination("Ollama at http://ollama.<namespace>:11434 (OLLAMA_URL)", 11434, "vpc"),
    "fargate": Destination("ECR, Secrets Manager, CloudWatch Logs", 443, "internet"),
}
# Ollama (https://github.com/ollama/ollama/blob/main/docs/faq.md): `ollama pull` from
# registry.ollama.ai (and hf.co for hf.co/ tags) and their CDNs, over HTTPS; the model cache on EFS.
OLLAMA_DESTINATIONS = [
    Destination("registry.ollama.ai, hf.co and their CDNs", 443, "internet"),
    Destination("EFS model cache", 2049, "efs"),
]
# The GPU hosts: the ECS agent, ECR/Docker Hub image pulls, CloudWatch Logs.
HOST_DESTINATIONS = [Destination("ECS agent, registries, CloudWatch Logs", 443, "internet")]
# The app's dependencies that open connections; any other network client would need a row above.
NETWORK_CLIENTS = {"motor", "openai", "ollama", "httpx", "pymongo", "redis", "boto3", "requests", "aiohttp"}


def _egress(result: OfflinePlan, sg_name: str) -> list[dict]:
    sg_id = f"{sg_name}-id"
    return [
        r.inputs
        for r in of_type(result, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        if r.inputs["securityGroupId"] == sg_id
    ]


def _allowed(rules: list[dict], dest: Destination, efs_sg: str | None = None) -> bool:
    for rule in rules:
        if rule["ipProtocol"] != "-1" and not rule.get("fromPort", 0) <= dest.port <= rule.get("toPort", -1):
            continue
        cidr, peer = rule.get("cidrIpv4"), rule.get("referencedSecurityGroupId")
        if dest.to == "internet" and cidr == "0.0.0.0/0":
            return True
        if dest.to == "vpc" and cidr in (VPC_CIDR, "0.0.0.0/0"):
            return True
        if dest.to == "efs" and peer == f"{efs_sg}-id":
            return True
    return False


def test_the_app_uses_no_network_client_without_a_listed_destination() -> None:
    deps = set(analyze_app(APP).requirements.api.dependencies)
    clients = deps & NETWORK_CLIENTS
    # httpx is the transport of the ollama and openai clients, not a destination of its own
    assert clients - {"httpx"} == {"motor", "ollama", "openai"}
    assert clients - {"httpx"} <= set(API_DESTINATIONS)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_outbound_destination_is_allowed_and_nothing_else(plans, stack: str) -> None:
    result = plans[stack]
    api_rules = _egress(result, f"farm-{stack}-api-task-sg")
    for dest in API_DESTINATIONS.values():
        assert _allowed(api_rules, dest), (stack, "api", dest)
    ollama_rules = _egress(result, f"farm-{stack}-ollama-sg")
    for dest in OLLAMA_DESTINATIONS:
        assert _allowed(ollama_rules, dest, efs_sg=f"farm-{stack}-ollama-efs-sg"), (stack, "ollama", dest)
    host_rules = _egress(result, f"farm-{stack}-ollama-host-sg")
    for dest in HOST_DESTINATIONS:
        assert _allowed(host_rules, dest), (stack, "host", dest)
    # Limited: no all-traffic rule, and nothing the lists above do not explain.
    for rules in (api_rules, ollama_rules, host_rules):
        assert all(r["ipProtocol"] == "tcp" for r in rules)
    assert sorted((r["fromPort"], r.get("cidrIpv4") or r.get("referencedSecurityGroupId")) for r in ollama_rules) == [
        (443, "0.0.0.0/0"),
        (2049, f"farm-{stack}-ollama-efs-sg-id"),
    ]
    assert [(r["fromPort"], r["cidrIpv4"]) for r in host_rules] == [(443, "0.0.0.0/0")]
    # plain HTTP out is refused everywhere (a near miss the check must catch)
    assert not _allowed(ollama_rules, Destination("http", 80, "internet"))
    assert not _allowed(api_rules, Destination("http", 80, "internet"))


# --------------------------------------------------------------------------- 4. keys


def test_prod_uses_its_customer_managed_key_everywhere_asked(plans) -> None:
    prod = plans["prod"]
    key = named(prod, "farm-prod-key-key")
    assert key.inputs["enableKeyRotation"] is True and key.protect
    arn = "arn:aws:kms:us-east-1:123456789012:key/81882d0f-be4e-9d1f-f887-1e139ae35450"
    policy = json.loads(key.inputs["policy"])
    assert [s["Sid"] for s in policy["Statement"]] == [
        "AccountAdministers",
        "CloudWatchLogsEncryptsThisAccountsLogGroups",
    ]
    for secret in of_type(prod, "aws:secretsmanager/secret:Secret"):
        assert secret.inputs["kmsKeyId"] == arn, secret.name
    (efs,) = of_type(prod, "aws:efs/fileSystem:FileSystem")
    assert efs.inputs["kmsKeyId"] == arn
    groups = {g.name: g.inputs.get("kmsKeyId") for g in of_type(prod, "aws:cloudwatch/logGroup:LogGroup")}
    assert groups["farm-prod-api-logs"] == arn and groups["farm-prod-ollama-logs"] == arn
    exec_policy = json.loads(named(prod, "farm-prod-api-execution-role-secrets").inputs["policy"])
    decrypt = [s for s in exec_policy["Statement"] if s.get("Sid") == "DecryptApiSecrets"]
    assert decrypt == [
        {
            "Sid": "DecryptApiSecrets",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": arn,
            "Condition": {"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}},
        }
    ]
    # dev: AWS managed keys, no kmsKeyId anywhere
    dev = plans["dev"]
    assert all("kmsKeyId" not in s.inputs for s in of_type(dev, "aws:secretsmanager/secret:Secret"))
    assert all("kmsKeyId" not in g.inputs for g in of_type(dev, "aws:efs/fileSystem:FileSystem"))


def test_the_api_reads_the_database_secret_at_its_version(plans) -> None:
    c = _container(plans["prod"], "api-task")
    (db,) = [s for s in c["secrets"] if s["name"] == "MONGODB_URL"]
    assert db["valueFrom"].endswith(":::farm-prod-db-connection-value-version-id")
    assert plans["prod"].outputs["dbSecretArn"].startswith("arn:aws:secretsmanager:")
