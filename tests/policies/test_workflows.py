"""The CI workflows keep their safety properties (actionlint and yamllint check the syntax)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from analysis.models import STAGES

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"


def _load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True)  # PyYAML reads the `on:` key as YAML 1.1 true
    return data


def _steps_using(job: dict, action: str) -> list[dict]:
    return [s for s in job["steps"] if str(s.get("uses", "")).startswith(action + "@")]


def test_actions_are_pinned_to_a_major_version_at_least():
    for path in WORKFLOWS.glob("*.yml"):
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            for step in job.get("steps", []):
                if "uses" in step:
                    ref = step["uses"].split("@", 1)
                    pinned = len(ref) == 2 and (ref[1].startswith("v") or re.fullmatch(r"[0-9a-f]{40}", ref[1]))
                    assert pinned, (path.name, step["uses"])


def test_pull_request_previews_every_stack_with_the_policy_pack_and_never_for_forks():
    wf = _load("pull-request.yml")
    assert list(wf["on"]) == ["pull_request"]
    assert wf["permissions"] == {"contents": "read"}
    preview = wf["jobs"]["preview"]
    assert preview["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert preview["permissions"] == {"id-token": "write", "contents": "read", "pull-requests": "write"}
    assert preview["strategy"]["matrix"]["stack"] == list(STAGES)
    (aws,) = _steps_using(preview, "aws-actions/configure-aws-credentials")
    assert "AWS_READONLY_ROLE_ARN" in aws["with"]["role-to-assume"]
    (pulumi,) = _steps_using(preview, "pulumi/actions")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["policyPacks"] == "policies"
    assert pulumi["with"]["policyPackConfigs"] == "policy-config.json"
    assert any("farm-deploy policy config" in s.get("run", "") for s in preview["steps"])
    # jobs that run code from forks get no secrets
    for name in ("test", "offline-plan"):
        assert "secrets." not in yaml.safe_dump(wf["jobs"][name])
    assert wf["jobs"]["plan-comment"]["if"].endswith(
        "github.event.pull_request.head.repo.full_name == github.repository"
    )
    assert "bash .ci/run" in wf["jobs"]["test"]["steps"][-1]["run"]
    assert "--json" in yaml.safe_dump(wf["jobs"]["offline-plan"])


def test_deploy_goes_dev_then_staging_then_prod_behind_an_approval():
    wf = _load("deploy.yml")
    assert wf["on"]["push"]["branches"] == ["main"]
    jobs = wf["jobs"]
    assert "needs" not in jobs["dev"]
    assert jobs["staging"]["needs"] == "dev"
    assert jobs["prod"]["needs"] == "staging"
    assert [jobs[s]["with"]["stack"] for s in ("dev", "staging", "prod")] == ["dev", "staging", "prod"]
    assert jobs["prod"]["with"]["environment"] == "production"

    stack = _load("deploy-stack.yml")
    up = stack["jobs"]["up"]
    assert up["environment"] == "${{ inputs.environment }}"
    assert up["concurrency"] == {"group": "deploy-${{ inputs.stack }}", "cancel-in-progress": False}
    (pulumi,) = _steps_using(up, "pulumi/actions")
    assert pulumi["with"]["command"] == "up" and pulumi["with"]["policyPacks"] == "policies"
    runs = [s.get("run", "") for s in up["steps"]]
    assert runs.index(next(r for r in runs if "farm-deploy verify" in r)) > up["steps"].index(pulumi)


@pytest.mark.parametrize("trigger", ["schedule", "workflow_dispatch"])
def test_drift_runs_nightly_and_on_demand(trigger):
    wf = _load("drift.yml")
    assert trigger in wf["on"]
    job = wf["jobs"]["drift"]
    (pulumi,) = _steps_using(job, "pulumi/actions")
    assert pulumi["with"]["expect-no-changes"] is True and pulumi["with"]["refresh"] is True
    assert pulumi["continue-on-error"] is True
    issue_step = next(s for s in job["steps"] if "gh issue" in s.get("run", ""))
    assert issue_step["if"] == "steps.preview.outcome == 'failure'"
    assert job["permissions"]["issues"] == "write"
