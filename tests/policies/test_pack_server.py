"""The live pack end to end: `policies/__main__.py` in a child process, driven over
the analyzer gRPC protocol the Pulumi engine uses (GetAnalyzerInfo, Configure,
Analyze, AnalyzeStack). The server runs in its own process, which the test
kills, so nothing blocks (docs/development.md, "Testing a Pulumi program offline")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from analysis.stack_config import PolicyWaiver
from farm_deploy.commands.policy import pack_config
from policies.registry import RULES

ROOT = Path(__file__).resolve().parents[2]
LEVELS = {"mandatory": analyzer_pb2.MANDATORY, "advisory": analyzer_pb2.ADVISORY}


@pytest.fixture(scope="module")
def analyzer():
    proc = subprocess.Popen([sys.executable, "__main__.py"], cwd=ROOT / "policies", stdout=subprocess.PIPE, text=True)
    try:
        port = proc.stdout.readline().strip()
        assert port.isdigit(), f"the pack did not start: {port!r}"
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()


def _configure(stub, stage: str, waivers: list[PolicyWaiver]) -> None:
    # What the engine sends after reading `--policy-pack-config` (farm-deploy policy config).
    config = {}
    for name, entry in pack_config(stage, waivers).items():
        pc = analyzer_pb2.PolicyConfig(enforcementLevel=LEVELS[entry.pop("enforcementLevel")])
        pc.properties.update(entry)
        config[name] = pc
    stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=config))


def _struct(values: dict) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


def _urn(stack: str, typ: str, name: str) -> str:
    return f"urn:pulumi:{stack}::farm-deploy::{typ}::{name}"


def test_the_pack_declares_every_rule_with_its_level(analyzer):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "farm-deploy-guardrails"
    assert {p.name: p.enforcementLevel for p in info.policies} == {r.id: LEVELS[r.level] for r in RULES}
    assert all(
        set(p.configSchema.properties) == {"stage", "waiverReason", "monthlyBudget", "region"} for p in info.policies
    )


def test_analyze_reports_mandatory_and_waived_violations(analyzer):
    _configure(analyzer, "prod", [PolicyWaiver(policy="ecr-immutable-tags", reason="demo re-pushes latest")])
    typ = "aws:ecr/repository:Repository"
    response = analyzer.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type=typ,
            properties=_struct({"imageTagMutability": "MUTABLE", "imageScanningConfiguration": {"scanOnPush": False}}),
            urn=_urn("prod", typ, "repo"),
            name="repo",
            options=analyzer_pb2.AnalyzerResourceOptions(protect=False),
        )
    )
    found = {d.policyName: (d.enforcementLevel, d.message) for d in response.diagnostics}
    assert set(found) == {"ecr-scan-on-push", "ecr-immutable-tags", "stateful-protected-prod"}
    assert found["ecr-scan-on-push"][0] == analyzer_pb2.MANDATORY
    assert found["stateful-protected-prod"][0] == analyzer_pb2.MANDATORY
    level, message = found["ecr-immutable-tags"]
    assert level == analyzer_pb2.ADVISORY
    assert message.endswith(
        "[waived: demo re-pushes latest] ECR tags are MUTABLE; a pinned release tag must not be overwritten (IMMUTABLE)"
    )


def test_analyze_stack_links_resources_through_property_dependencies(analyzer):
    _configure(analyzer, "dev", [])
    vpc_urn = _urn("dev", "aws:ec2/vpc:Vpc", "vpc")
    vpc = analyzer_pb2.AnalyzerResource(
        type="aws:ec2/vpc:Vpc", properties=_struct({"cidrBlock": "10.0.0.0/16"}), urn=vpc_urn, name="vpc"
    )
    flow = analyzer_pb2.AnalyzerResource(
        type="aws:ec2/flowLog:FlowLog",
        properties=_struct({"vpcId": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "trafficType": "ALL"}),
        urn=_urn("dev", "aws:ec2/flowLog:FlowLog", "flow"),
        name="flow",
        propertyDependencies={"vpcId": analyzer_pb2.AnalyzerPropertyDependencies(urns=[vpc_urn])},
    )

    def flow_log_violations(resources):
        response = analyzer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources))
        return [(d.urn, d.enforcementLevel) for d in response.diagnostics if d.policyName == "vpc-flow-logs"]

    assert flow_log_violations([vpc, flow]) == []
    assert flow_log_violations([vpc]) == [(vpc_urn, analyzer_pb2.MANDATORY)]
