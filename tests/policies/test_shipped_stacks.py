"""The three shipped stacks pass the policy pack as `farm-deploy plan` runs it."""

from __future__ import annotations

import json

import pytest
import yaml

from analysis.models import STAGES
from farm_deploy.cli import main
from farm_deploy.offline_plan import run_plan


@pytest.mark.parametrize("stack", STAGES)
def test_shipped_stack_has_no_mandatory_violation(repo_root, stack):
    plan = run_plan(repo_root, stack)
    report = plan.policy
    assert report is not None and report.stage == stack
    assert report.checked > 0
    assert report.mandatory == [], [(v.policy, v.resource, v.message) for v in report.mandatory]
    assert report.unused_waivers == []
    assert plan.to_json()["policy"] == report.to_dict()


def _stack_copy(repo_root, tmp_path, stack: str, edit) -> None:
    data = yaml.safe_load((repo_root / f"Pulumi.{stack}.yaml").read_text())
    config = data["config"]
    config["farm:appPath"] = str(repo_root / config["farm:appPath"])
    edit(config)
    (tmp_path / "Pulumi.yaml").write_text((repo_root / "Pulumi.yaml").read_text())
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(data))


def test_a_public_http_listener_fails_the_plan_where_the_internal_one_passes(repo_root, tmp_path, capsys):
    # The shipped dev stack has no domain: viewers get HTTPS from CloudFront, and the internal load
    # balancer's plain HTTP listener behind its VPC origin passes. The same app with its front end on
    # Vercel (`farm:web: vercel`) calls an internet-facing load balancer whose plain HTTP listener fails `plan`.
    _stack_copy(repo_root, tmp_path, "dev", lambda config: config.update({"farm:web": "vercel"}))
    code = main(["plan", "--stack", "dev", "--project-dir", str(tmp_path), "--json"])
    policy = json.loads(capsys.readouterr().out)["policy"]
    assert code == 1
    assert [(v["policy"], v["resource"]) for v in policy["violations"] if v["level"] == "mandatory"] == [
        ("alb-https-listener", "farm-dev-api-http")
    ]
    assert policy["waived"] == []


def test_a_stale_waiver_is_reported_and_an_unknown_one_refused(repo_root, tmp_path, capsys):
    def add(config):
        config["farm:policyWaivers"] = [
            *config.get("farm:policyWaivers", []),
            {"policy": "efs-encrypted", "reason": "none here"},
        ]

    _stack_copy(repo_root, tmp_path, "dev", add)
    assert run_plan(tmp_path, "dev").policy.unused_waivers == ["efs-encrypted"]

    _stack_copy(
        repo_root, tmp_path, "dev", lambda c: c.update({"farm:policyWaivers": [{"policy": "nope", "reason": "typo"}]})
    )
    assert main(["plan", "--stack", "dev", "--project-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown policy in a waiver" in err and "'farm:policyWaivers'" in err
