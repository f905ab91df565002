"""The live pack's callbacks, driven with pulumi-policy's own argument objects.

PolicyPack is never constructed (it starts a server and blocks); the
`ResourceValidationArgs` / `StackValidationArgs` are built by hand the way the
analyzer servicer builds them: props wrapped in `unknown_checking_proxy`,
options in `PolicyResourceOptions`, config from the policy-pack config file."""

from __future__ import annotations

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from policies.adapter import CONFIG_PROPERTIES, plain, resource_validator, stack_validator, stage_from_urn
from policies.pack import PACK_NAME, build_policies
from policies.registry import BY_ID, RULES
from policies.rules import UNKNOWN


def _opts(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def _urn(stack: str, typ: str, name: str) -> str:
    return f"urn:pulumi:{stack}::farm-deploy::{typ}::{name}"


def _args(typ: str, props: dict, *, stack: str = "dev", name: str = "r", protect: bool = False, config=None):
    return ResourceValidationArgs(
        typ, unknown_checking_proxy(props), _urn(stack, typ, name), name, _opts(protect), None, config
    )


class Reports:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    def __call__(self, message: str, urn: str | None = None) -> None:
        self.calls.append((message, urn))


def test_resource_validator_reports_through_pulumi_policy_args():
    validate = resource_validator(BY_ID["ecr-immutable-tags"])
    report = Reports()
    validate(_args("aws:ecr/repository:Repository", {"imageTagMutability": "MUTABLE"}), report)
    assert len(report.calls) == 1 and "MUTABLE" in report.calls[0][0]
    ok = Reports()
    validate(_args("aws:ecr/repository:Repository", {"imageTagMutability": "IMMUTABLE"}), ok)
    assert ok.calls == []


def test_protect_comes_from_the_resource_options_and_stage_from_the_urn():
    validate = resource_validator(BY_ID["stateful-protected-prod"])
    typ = "aws:efs/fileSystem:FileSystem"
    for stack, protect, expected in [("prod", False, 1), ("prod", True, 0), ("dev", False, 0)]:
        report = Reports()
        validate(_args(typ, {"encrypted": True}, stack=stack, protect=protect), report)
        assert len(report.calls) == expected, (stack, protect)


def test_config_stage_overrides_the_stack_name_and_waivers_are_labelled():
    validate = resource_validator(BY_ID["atlas-no-open-access-prod"])
    typ = "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList"
    report = Reports()
    config = {"stage": "prod", "waiverReason": "load test window"}
    validate(_args(typ, {"cidrBlock": "0.0.0.0/0"}, stack="blue", config=config), report)
    assert len(report.calls) == 1
    assert report.calls[0][0].startswith("[waived: load test window] ")
    quiet = Reports()
    validate(_args(typ, {"cidrBlock": "0.0.0.0/0"}, stack="blue", config={"stage": "dev"}), quiet)
    assert quiet.calls == []


def test_unknown_values_during_preview_skip_the_rule_instead_of_guessing():
    validate = resource_validator(BY_ID["launch-template-imdsv2"])
    report = Reports()
    props = {"metadataOptions": {"httpTokens": UNKNOWN_STRING_VALUE}}
    validate(_args("aws:ec2/launchTemplate:LaunchTemplate", props), report)
    assert report.calls == []
    # an unknown elsewhere does not hide a known violation
    props = {"imageId": UNKNOWN_STRING_VALUE, "metadataOptions": {"httpTokens": "optional"}}
    validate(_args("aws:ec2/launchTemplate:LaunchTemplate", props), report)
    assert len(report.calls) == 1


def test_plain_unwraps_proxies_and_marks_unknowns():
    proxied = unknown_checking_proxy({"a": [{"b": UNKNOWN_STRING_VALUE}, 1.0], "c": {"d": "x"}})
    assert plain(proxied) == {"a": [{"b": UNKNOWN}, 1.0], "c": {"d": "x"}}


@pytest.mark.parametrize(
    ("urn", "stage"),
    [
        ("urn:pulumi:staging::farm-deploy::aws:s3/bucket:Bucket::b", "staging"),
        ("urn:pulumi:feature-x::farm-deploy::aws:s3/bucket:Bucket::b", "prod"),
        ("not-a-urn", "prod"),
    ],
)
def test_stage_from_urn(urn, stage):
    assert stage_from_urn(urn) == stage


def _policy_resource(typ: str, name: str, props: dict, *, stack: str = "dev") -> PolicyResource:
    return PolicyResource(typ, unknown_checking_proxy(props), _urn(stack, typ, name), name, _opts(), None, None, [], {})


def test_stack_validator_links_through_property_dependencies_when_ids_are_unknown():
    vpc = _policy_resource("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})
    flow = _policy_resource(
        "aws:ec2/flowLog:FlowLog", "vpc-flow", {"vpcId": UNKNOWN_STRING_VALUE, "trafficType": "ALL"}
    )
    validate = stack_validator(BY_ID["vpc-flow-logs"])

    unlinked = Reports()
    validate(StackValidationArgs([vpc, flow]), unlinked)
    assert unlinked.calls == [("VPC has no flow log (aws.ec2.FlowLog with vpcId)", vpc.urn)]

    flow.property_dependencies["vpcId"] = [vpc]
    linked = Reports()
    validate(StackValidationArgs([vpc, flow]), linked)
    assert linked.calls == []


def test_policies_are_built_from_the_registry():
    policies = build_policies()
    assert [p.name for p in policies] == [r.id for r in RULES]
    for policy, rule in zip(policies, RULES, strict=True):
        assert isinstance(policy, StackValidationPolicy if rule.is_stack else ResourceValidationPolicy)
        expected = EnforcementLevel.MANDATORY if rule.level == "mandatory" else EnforcementLevel.ADVISORY
        assert policy.enforcement_level == expected
        assert policy.config_schema.properties == CONFIG_PROPERTIES
        assert all(m in policy.description for m in rule.mirrors)
    assert PACK_NAME == "farm-deploy-guardrails"


def test_pack_entry_point_wires_the_built_policies(repo_root):
    source = (repo_root / "policies" / "__main__.py").read_text()
    assert "policies=build_policies()" in source
    assert (repo_root / "policies" / "PulumiPolicy.yaml").read_text().count("name: python") == 1
    pins = (repo_root / "policies" / "requirements.txt").read_text().split()
    runtime_pins = (repo_root / "requirements.txt").read_text().split()
    assert [p for p in pins if p.startswith("pulumi-policy==")] == [
        p for p in runtime_pins if p.startswith("pulumi-policy==")
    ]
