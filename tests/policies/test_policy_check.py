"""`check_resources`: waivers, stages, counting, the JSON contract, and real recordings."""

from __future__ import annotations

import json

import pytest

from analysis.errors import UserError
from analysis.stack_config import PolicyWaiver
from farm_deploy.offline.engine import RecordedResource, run_offline
from farm_deploy.policy_check import check_resources, format_report

from .helpers import recorded

OPEN_SSH = {
    "vpcId": "vpc-id",
    "description": "tasks",
    "ingress": [
        {"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": ["0.0.0.0/0"], "description": "ssh"}
    ],
}


def _insecure() -> list[RecordedResource]:
    return [
        recorded("aws:ec2/securityGroup:SecurityGroup", "tasks-sg", OPEN_SSH),
        recorded("aws:cloudwatch/logGroup:LogGroup", "api-logs", {"name": "/farm/api"}),
        recorded("aws:sns/topic:Topic", "alarms", {}),
    ]


def test_report_lists_mandatory_then_advisory_with_the_documented_keys():
    report = check_resources(_insecure(), "dev")
    data = report.to_dict()
    assert set(data) == {"checked", "violations", "waived", "unused_waivers", "mandatory"}
    assert data["checked"] == 3
    assert [(v["policy"], v["level"], v["resource"]) for v in data["violations"]] == [
        ("log-group-retention", "mandatory", "api-logs"),
        ("sg-no-public-ingress", "mandatory", "tasks-sg"),
        ("sns-encrypted", "advisory", "alarms"),
    ]
    assert set(data["violations"][0]) == {"policy", "level", "resource", "type", "message"}
    assert data["mandatory"] == 2
    assert report.passed is False
    json.dumps(data)  # the plan command embeds it in its JSON


def test_a_waived_mandatory_rule_does_not_fail_but_is_reported_with_its_reason():
    waivers = [
        PolicyWaiver(policy="sg-no-public-ingress", reason="bastion during the migration, until 2026-12-01"),
        PolicyWaiver(policy="log-group-retention", reason="kept for the audit"),
    ]
    report = check_resources(_insecure(), "dev", waivers)
    assert report.passed is True
    assert [v.policy for v in report.violations] == ["sns-encrypted"]
    waived = report.to_dict()["waived"]
    assert [(w["policy"], w["resource"], w["reason"]) for w in waived] == [
        ("log-group-retention", "api-logs", "kept for the audit"),
        ("sg-no-public-ingress", "tasks-sg", "bastion during the migration, until 2026-12-01"),
    ]
    assert report.unused_waivers == []


def test_a_waiver_that_matches_nothing_is_reported_as_unused():
    report = check_resources(_insecure(), "dev", [PolicyWaiver(policy="efs-encrypted", reason="no efs here")])
    assert report.unused_waivers == ["efs-encrypted"]
    assert "waiver for efs-encrypted matched nothing" in format_report(report)


def test_a_waiver_for_an_unknown_policy_is_a_user_error():
    with pytest.raises(UserError) as err:
        check_resources(
            _insecure(), "dev", [PolicyWaiver(policy="s3-encrypton", reason="typo")], file="Pulumi.dev.yaml"
        )
    assert err.value.key == "farm:policyWaivers"
    assert err.value.file == "Pulumi.dev.yaml"
    assert err.value.value == "s3-encrypton"
    assert "s3-encryption" in err.value.valid


def test_component_resources_are_not_counted_or_checked():
    component = RecordedResource(
        type="farm:network:Network",
        name="net",
        urn="urn:pulumi:dev::p::farm:network:Network::net",
        parent=None,
        inputs={},
        custom=False,
    )
    assert check_resources([component, *_insecure()], "dev").checked == 3


def test_unknown_stage_is_a_programming_error():
    with pytest.raises(ValueError, match="stage"):
        check_resources([], "production")


def test_format_report_names_each_violation():
    text = format_report(check_resources(_insecure(), "dev"))
    assert text.splitlines()[0].startswith("policy: 3 resources checked")
    assert "mandatory sg-no-public-ingress" in text
    assert "tasks-sg: ingress open to the internet on tcp 22-22" in text


def _program(insecure: bool):
    def program() -> None:
        import pulumi_aws as aws

        from components.network import Network, NetworkArgs

        net = Network("farm-dev-net", NetworkArgs(az_count=2))
        if insecure:
            # The deliberately insecure override: SSH open to the world on the VPC.
            aws.ec2.SecurityGroup(
                "debug-sg",
                vpc_id=net.vpc_id,
                description="debug access",
                ingress=[
                    {
                        "protocol": "tcp",
                        "from_port": 22,
                        "to_port": 22,
                        "cidr_blocks": ["0.0.0.0/0"],
                        "description": "ssh",
                    }
                ],
            )

    return program


def test_the_real_network_component_passes_and_an_insecure_override_is_caught():
    clean = check_resources(run_offline(_program(False), stack="dev").resources, "dev")
    assert clean.checked > 10
    assert clean.mandatory == []
    # flow logs and the closed default security group are linked to the VPC
    assert {v.policy for v in clean.violations}.isdisjoint(
        {"vpc-flow-logs", "default-sg-closed", "vpc-default-sg-adopted"}
    )

    caught = check_resources(run_offline(_program(True), stack="dev").resources, "dev")
    assert [(v.policy, v.resource) for v in caught.mandatory] == [("sg-no-public-ingress", "debug-sg")]
