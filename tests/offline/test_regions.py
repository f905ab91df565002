"""Where the AWS resources land: the stage's region, through one explicit provider, never the default one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from farm_deploy.cli import main
from farm_deploy.offline_plan import run_plan

ROOT = Path(__file__).resolve().parents[2]


def _copy(tmp_path: Path, stack: str, **changes: object) -> Path:
    data = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    config = data["config"]
    config["farm:appPath"] = str(ROOT / config["farm:appPath"])
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return tmp_path


def test_a_stack_in_eu_west_1_puts_every_aws_resource_there(tmp_path):
    # farm:region beside the shipped aws:region us-east-1: the stage's region wins.
    project = _copy(tmp_path, "dev", **{"farm:region": "eu-west-1"})
    plan = run_plan(project, "dev")
    aws = [(r, plan.provider_of(r)) for r in plan.resources if r.package == "aws" and r.custom]
    aws = [(r, p) for r, p in aws if p is not None]
    assert len(aws) > 80
    # Only what CloudFront takes from us-east-1 (here its log delivery) is elsewhere, by name.
    elsewhere = sorted((r.name, p.name, p.region) for r, p in aws if p.region != "eu-west-1")
    assert elsewhere == [
        ("farm-dev-web-logs-delivery", "farm-dev-aws-us-east-1", "us-east-1"),
        ("farm-dev-web-logs-destination", "farm-dev-aws-us-east-1", "us-east-1"),
        ("farm-dev-web-logs-source", "farm-dev-aws-us-east-1", "us-east-1"),
    ]
    assert {p.name for _, p in aws} == {"farm-dev-aws", "farm-dev-aws-us-east-1"}
    provider = next(r for r in plan.resources if r.name == "farm-dev-aws")
    assert provider.inputs["region"] == "eu-west-1"
    # A provider's nested inputs reach the engine as JSON text.
    assert json.loads(provider.inputs["defaultTags"]) == {
        "tags": {"farm:project": "farm-deploy", "farm:stack": "dev", "farm:stage": "dev", "managed-by": "pulumi"}
    }
    zones = sorted(r.inputs["availabilityZone"] for r in plan.resources if r.type == "aws:ec2/subnet:Subnet")
    assert zones == ["eu-west-1a", "eu-west-1a", "eu-west-1b", "eu-west-1b"]
    assert plan.outputs["region"] == "eu-west-1"
    # What the recorder computed carries the region too (the load balancer's name, the secrets' ARNs).
    secret_arns = [r.outputs["arn"] for r in plan.resources if r.type == "aws:secretsmanager/secret:Secret"]
    assert secret_arns and all(
        a.startswith("arn:aws:secretsmanager:eu-west-1:123456789012:secret:") for a in secret_arns
    )
    assert plan.documents == []
    assert plan.policy.mandatory == []


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_no_aws_resource_of_a_shipped_stack_uses_the_default_provider(stack):
    plan = run_plan(ROOT, stack)
    on_default = [
        (r.type, r.name)
        for r in plan.resources
        if (p := plan.provider_of(r)) is not None and p.package == "aws" and p.default
    ]
    assert on_default == []
    assert {
        plan.provider_of(r).region for r in plan.resources if r.package == "aws" and r.custom and plan.provider_of(r)
    } == {"us-east-1"}


def test_plan_json_names_each_resources_provider_and_region(tmp_path, capsys):
    project = _copy(tmp_path, "dev", **{"farm:region": "eu-west-1"})
    assert main(["plan", "--stack", "dev", "--project-dir", str(project), "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["resources"]}
    assert rows["farm-dev-net-vpc"]["provider"] == {
        "name": "farm-dev-aws",
        "package": "aws",
        "default": False,
        "region": "eu-west-1",
    }
    assert rows["farm-dev-aws"]["provider"] is None


def test_an_unknown_aws_region_is_one_message_naming_the_key(tmp_path, capsys):
    project = _copy(tmp_path, "dev", **{"aws:region": "eu-west-9", "farm:region": None})
    code = main(["plan", "--stack", "dev", "--project-dir", str(project)])
    err = capsys.readouterr().err
    assert code != 0
    assert "aws:region" in err and "eu-west-9" in err and "Traceback" not in err
    assert "Pulumi.dev.yaml" in err


def test_a_misspelled_region_gets_the_nearest_one(tmp_path, capsys):
    project = _copy(tmp_path, "dev", **{"aws:region": "eu-wst-1"})
    assert main(["plan", "--stack", "dev", "--project-dir", str(project)]) != 0
    assert "did you mean eu-west-1?" in capsys.readouterr().err
