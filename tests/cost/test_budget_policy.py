"""farm:monthlyBudget: the mandatory monthly-budget policy blocks an over-budget plan; bad budgets are refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from farm_deploy.cli import main

ROOT = Path(__file__).resolve().parents[2]


def project(tmp_path: Path, extra: str) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    text = (ROOT / "Pulumi.dev.yaml").read_text()
    text = text.replace("farm:appPath: examples/farm-chat", f"farm:appPath: {ROOT / 'examples' / 'farm-chat'}")
    text = text.replace("config:\n", f"config:\n{extra}", 1)
    (tmp_path / "Pulumi.dev.yaml").write_text(text)
    return tmp_path


def test_over_budget_plan_fails_naming_the_biggest_items(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    # dev with its GPU always on and a NAT gateway (dev's defaults scale to zero and use a NAT instance)
    base = project(tmp_path, "  farm:monthlyBudget: 100\n  farm:aiScaleToZero: false\n  farm:natInstance: false\n")
    code = main(["plan", "--stack", "dev", "--json", "--project-dir", str(base)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    (v,) = [v for v in doc["policy"]["violations"] if v["policy"] == "monthly-budget"]
    assert v["level"] == "mandatory" and v["resource"] == "farm-dev-ollama-asg"
    # typical 458.17 (dev as shipped, docs/cost.md) against 100
    assert v["message"].startswith("typical monthly cost 458.17 USD exceeds farm:monthlyBudget 100.00 USD by 358.17.")
    assert "ollama-asg: g4dn.xlarge hours 383.98" in v["message"]
    assert "Under budget without: farm-dev-ollama-asg" in v["message"]


def test_within_budget_passes_and_the_pack_config_carries_it(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    base = project(tmp_path, "  farm:monthlyBudget: 500\n  farm:budgetAlertPercent: 90\n")
    assert main(["plan", "--stack", "dev", "--json", "--project-dir", str(base)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert not [v for v in doc["policy"]["violations"] if v["policy"] == "monthly-budget"]
    assert main(["policy", "config", "--stack", "dev", "--project-dir", str(base)]) == 0
    config = json.loads(capsys.readouterr().out)
    assert config["monthly-budget"] == {
        "enforcementLevel": "mandatory",
        "stage": "dev",
        "monthlyBudget": 500.0,
        "region": "us-east-1",
    }


@pytest.mark.parametrize("value", ["0", "-20", "lots"])
def test_a_budget_that_is_not_a_positive_number(tmp_path, capsys: pytest.CaptureFixture[str], value: str) -> None:
    base = project(tmp_path, f'  farm:monthlyBudget: "{value}"\n')
    assert main(["plan", "--stack", "dev", "--project-dir", str(base)]) == 2
    err = capsys.readouterr().err
    assert "Pulumi.dev.yaml" in err and "farm:monthlyBudget" in err and value in err
    assert "Traceback" not in err


def test_the_live_pack_reads_the_budget_from_its_config() -> None:
    from pulumi_policy import PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions, StackValidationArgs
    from pulumi_policy.proxy import unknown_checking_proxy

    from policies.adapter import stack_validator
    from policies.registry import BY_ID

    def resource(typ: str, name: str, props: dict) -> PolicyResource:
        opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
        urn = f"urn:pulumi:dev::farm-deploy::{typ}::{name}"
        return PolicyResource(typ, unknown_checking_proxy(props), urn, name, opts, None, None, [], {})

    gpu = [
        resource("aws:ec2/launchTemplate:LaunchTemplate", "gpu-lt", {"instanceType": "g5.xlarge"}),
        resource("aws:autoscaling/group:Group", "gpu-asg", {"minSize": 1.0, "maxSize": 1.0, "desiredCapacity": 1.0}),
    ]
    calls: list[tuple[str, str | None]] = []

    def report(message: str, urn: str | None = None) -> None:
        calls.append((message, urn))

    validate = stack_validator(BY_ID["monthly-budget"])
    # Frankfurt: g5.xlarge 1.258 x 730 = 918.34, within 1,000
    validate(StackValidationArgs(gpu, {"stage": "dev", "monthlyBudget": 1000, "region": "eu-central-1"}), report)
    assert calls == []
    validate(StackValidationArgs(gpu, {"stage": "dev"}), report)  # no budget configured: nothing to check
    assert calls == []
    validate(StackValidationArgs(gpu, {"stage": "dev", "monthlyBudget": 700, "region": "us-east-1"}), report)
    # us-east-1: 1.006 x 730 = 734.38 > 700
    assert len(calls) == 1
    assert calls[0][0].startswith("typical monthly cost 734.38 USD exceeds farm:monthlyBudget 700.00")
    assert calls[0][1] == "urn:pulumi:dev::farm-deploy::aws:autoscaling/group:Group::gpu-asg"


def test_the_budget_is_deployed_as_an_aws_budget_notifying_the_alarm_email(tmp_path) -> None:
    from farm_deploy.offline_plan import run_plan

    base = project(
        tmp_path, "  farm:monthlyBudget: 600\n  farm:budgetAlertPercent: 90\n  farm:alarmEmail: ops@example.com\n"
    )
    dev = run_plan(base, "dev")
    (budget,) = [r for r in dev.resources if r.type == "aws:budgets/budget:Budget"]
    assert budget.name == "farm-dev-cost-budget"
    assert budget.inputs["limitAmount"] == "600.00"
    assert budget.inputs["filterExpression"]["tags"] == {
        "key": "farm:stack",
        "values": ["dev"],
        "matchOptions": ["EQUALS"],
    }
    assert [
        (n["notificationType"], n["threshold"], n["subscriberEmailAddresses"]) for n in budget.inputs["notifications"]
    ] == [
        ("ACTUAL", 90.0, ["ops@example.com"]),
        ("FORECASTED", 90.0, ["ops@example.com"]),
    ]
    # the shipped dev stack sets no budget: no AWS Budget
    from pathlib import Path

    shipped = run_plan(Path(__file__).resolve().parents[2], "dev")
    assert not [r for r in shipped.resources if r.type == "aws:budgets/budget:Budget"]
