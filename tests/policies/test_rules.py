"""Every rule: a compliant and a violating resource, checked through the registry.

The resources are shaped as the engine passes them (camelCase, floats, JSON
text), and go through `check_resources` exactly as `farm-deploy plan` does."""

from __future__ import annotations

import pytest

from farm_deploy.policy_check import check_resources
from policies.registry import BY_ID, RULES, STACK_RULES
from policies.rules import RuleContext

from .cases import CASES, STACK_CASES, Case, StackCase
from .helpers import recorded, urn_of


def _fired(report, name: str) -> set[str]:
    return {v.policy for v in report.violations if v.resource == name}


def test_every_rule_has_a_case():
    covered = {c.rule for c in CASES} | {c.rule for c in STACK_CASES}
    assert covered == set(BY_ID)
    assert len(RULES) >= 30


def test_rule_metadata_is_complete():
    for rule in RULES:
        assert rule.mirrors and all(m.strip() for m in rule.mirrors), rule.id
        assert rule.resource_types and all(":" in t for t in rule.resource_types), rule.id
        assert rule.description.endswith("."), rule.id
    assert {r.level for r in RULES} == {"mandatory", "advisory"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}:{c.type.rsplit(':', 1)[-1]}")
def test_resource_rule_fires_only_on_the_violating_resource(case: Case):
    good = recorded(case.type, "good", case.good, stage=case.stage, protect=case.good_protect)
    bad = recorded(case.type, "bad", case.bad, stage=case.stage, protect=case.bad_protect)
    report = check_resources([good, bad], case.stage)
    resource_rules = {r.id for r in RULES if not r.is_stack}
    assert _fired(report, "good") & resource_rules == set()
    assert _fired(report, "bad") & resource_rules == {case.rule}
    message = next(v.message for v in report.violations if v.resource == "bad" and v.policy == case.rule)
    assert message and "\n" not in message


@pytest.mark.parametrize("case", [c for c in CASES if BY_ID[c.rule].stages == ("prod",)], ids=lambda c: c.rule)
def test_prod_only_rules_stay_quiet_in_dev_and_staging(case: Case):
    for stage in ("dev", "staging"):
        bad = recorded(case.type, "bad", case.bad, stage=stage, protect=case.bad_protect)
        assert case.rule not in _fired(check_resources([bad], stage), "bad")


@pytest.mark.parametrize("case", STACK_CASES, ids=lambda c: c.rule)
def test_stack_rule_fires_only_when_the_link_is_missing(case: StackCase):
    def build(extra):
        entries = case.common + extra
        urns = {n: urn_of(t, n, case.stage) for t, n, _ in entries}
        extra_names = {n for _, n, _ in extra}

        def deps(name: str) -> dict[str, list[str]]:
            return {k: [urns[d] for d in names if d in urns] for k, names in case.links.get(name, {}).items()}

        return [
            recorded(
                t,
                n,
                i,
                stage=case.stage,
                protect=case.protect_extra and n in extra_names,
                dependencies=deps(n).get("", []),
                property_dependencies={k: v for k, v in deps(n).items() if k},
            )
            for t, n, i in entries
        ]

    good = check_resources(build(case.good_extra), case.stage, budget=case.budget)
    bad = check_resources(build(case.bad_extra), case.stage, budget=case.budget)
    assert case.rule not in {v.policy for v in good.violations}
    fired = [v for v in bad.violations if v.policy == case.rule]
    assert [v.resource for v in fired] == [case.offender]


def test_stack_rules_cover_each_resource_separately():
    # Two buckets, one blocked: only the other is reported.
    pab = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True}
    resources = [
        recorded("aws:s3/bucket:Bucket", "site", {}),
        recorded("aws:s3/bucket:Bucket", "logs", {}),
        recorded("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "site-pab", {**pab, "bucket": "site-id"}),
    ]
    report = check_resources(resources, "dev")
    assert [v.resource for v in report.violations if v.policy == "s3-bucket-public-access-blocked"] == ["logs"]
    assert len(STACK_RULES) == len(STACK_CASES)


def test_public_web_ingress_through_a_standalone_rule_is_tied_to_its_group():
    rule = {
        "securityGroupId": "lb-sg-id",
        "ipProtocol": "tcp",
        "fromPort": 443.0,
        "toPort": 443.0,
        "cidrIpv4": "0.0.0.0/0",
    }
    group = {"vpcId": "vpc-id", "description": "lb"}
    attached = [
        recorded("aws:ec2/securityGroup:SecurityGroup", "lb-sg", group),
        recorded("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "lb-https", rule),
        recorded(
            "aws:lb/loadBalancer:LoadBalancer", "lb", {"securityGroups": ["lb-sg-id"], "dropInvalidHeaderFields": True}
        ),
    ]
    assert "sg-public-web-only-on-lb" not in {v.policy for v in check_resources(attached, "dev").violations}
    on_tasks = attached[:2] + [recorded("aws:ec2/securityGroup:SecurityGroup", "tasks-sg", group)]
    on_tasks[1] = recorded(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "lb-https",
        {**rule, "securityGroupId": "tasks-sg-id"},
    )
    fired = [v.resource for v in check_resources(on_tasks, "dev").violations if v.policy == "sg-public-web-only-on-lb"]
    assert fired == ["lb-https"]


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("OPENAI_API_KEY", "sk-1", True),
        ("db_password", "p", True),
        ("MONGODB_URL", "mongodb+srv://x", True),
        ("HF_TOKEN", "hf_x", True),
        ("JWT_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:x", False),
        ("OPENAI_API_KEY", "", False),
        ("APP_ENV", "prod", False),
        ("AI_MAX_TOKENS", "1024", False),
        ("ALLOWED_KEYS", "a,b", False),
        ("JWT_SECRET", "x", True),
        ("SECRET_KEY", "x", True),
        ("MONGODB_URI", "mongodb://x", True),
        ("OPENAI_API_KEY_SECRET_NAME", "farm/dev/openai", False),
        ("apikey", "k", True),
    ],
)
def test_secret_names_with_values_are_flagged(name, value, secret):
    from policies.rules.ecs import secret_like

    assert secret_like(name, value) is secret


def test_rule_check_ignores_other_types_and_stages():
    rule = BY_ID["efs-encrypted"]
    assert rule.check({"encrypted": False}, RuleContext(stage="dev", type="aws:s3/bucket:Bucket")) == []
    assert rule.check({"encrypted": False}, RuleContext(stage="dev", type="aws:efs/fileSystem:FileSystem"))
    prod_only = BY_ID["stateful-protected-prod"]
    ctx = RuleContext(stage="staging", type="aws:efs/fileSystem:FileSystem", protect=False)
    assert prod_only.check({}, ctx) == []
