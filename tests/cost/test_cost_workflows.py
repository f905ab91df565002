"""The cost steps of the workflows: SHA-pinned actions, one PR comment updated in place, the monthly refresh."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
SHA = re.compile(r"^[^@]+@[0-9a-f]{40}$")


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def test_pull_request_cost_job_comments_once_and_is_pinned():
    job = load("pull-request.yml")["jobs"]["cost-diff"]
    uses = [s["uses"] for s in job["steps"] if "uses" in s]
    assert uses and all(SHA.match(u) for u in uses)
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    assert "head.repo.full_name == github.repository" in job["if"]
    script = "\n".join(s.get("run", "") for s in job["steps"])
    assert 'cost diff --stack "$stack" --base "origin/$BASE_REF" --json' in script
    assert "cost comment cost/*.json -o cost-comment.md" in script
    assert "<!-- farm-deploy-cost-diff -->" in script and "--method PATCH" in script


def test_price_refresh_is_scheduled_runs_the_script_and_opens_a_pr():
    wf = load("price-refresh.yml")
    triggers = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads the key `on` as true
    assert "schedule" in triggers and "workflow_dispatch" in triggers
    job = wf["jobs"]["refresh"]
    uses = [s["uses"] for s in job["steps"] if "uses" in s]
    assert all(SHA.match(u) for u in uses)
    script = "\n".join(s.get("run", "") for s in job["steps"])
    assert "scripts/refresh_prices.py" in script
    assert 'cost diff --stack "$stack" --base HEAD --json' in script
    assert "gh pr create" in script and "--body-file pr-body.md" in script
    assert job["permissions"] == {"contents": "write", "pull-requests": "write", "id-token": "write"}
