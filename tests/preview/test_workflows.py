"""The preview workflows: forks get nothing, nothing but a preview stack is destroyed, every tool is installed."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository"
# On GitHub's Ubuntu runner image
# (https://github.com/actions/runner-images/blob/main/images/ubuntu/Ubuntu2404-Readme.md: git, gh, jq, the AWS CLI).
ON_IMAGE = {"python", "python3", "jq", "gh", "aws", "cat"}
SHELL = {"echo", "exit", "if", "then", "else", "fi", "for", "do", "done", "[", "set", "true"}
ACTION_TOOLS = {"actions/setup-python": {"python", "pip"}, "pulumi/actions": {"pulumi"}, "pnpm/action-setup": {"pnpm"}}


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True)  # PyYAML reads `on:` as YAML 1.1 true
    return data


def runs(job: dict) -> list[str]:
    return [s.get("run", "") for s in job["steps"]]


def test_previews_deploy_on_push_and_go_away_on_close_never_for_forks() -> None:
    wf = load("preview.yml")
    assert wf["on"]["pull_request"]["types"] == ["opened", "synchronize", "reopened", "closed"]
    assert wf["permissions"] == {"contents": "read"}
    deploy, destroy = wf["jobs"]["deploy"], wf["jobs"]["destroy"]
    assert "github.event.action != 'closed'" in deploy["if"] and FORK_GUARD in deploy["if"]
    assert "github.event.action == 'closed'" in destroy["if"] and FORK_GUARD in destroy["if"]
    script = "\n".join(runs(deploy))
    # the release built for the head, pinned into the preview, not built inside `pulumi up`
    assert '--pin "$SHORT"' in script and "release build" in script
    assert deploy["steps"][0]["with"]["ref"] == "${{ github.event.pull_request.head.sha }}"
    order = [next(i for i, r in enumerate(runs(deploy)) if needle in r) for needle in (
        "preview guard", "stack init", "release build", "pulumi up", "farm-deploy verify", "preview comment",
    )]  # fmt: skip
    assert order == sorted(order)
    assert "--copy-config-from" in script and "farm:stage preview" in script


def test_teardown_runs_the_guard_from_the_base_branch_before_destroying() -> None:
    destroy = load("preview.yml")["jobs"]["destroy"]
    assert destroy["steps"][0]["with"]["ref"] == "${{ github.event.pull_request.base.ref }}"
    script = "\n".join(runs(destroy))
    assert "pulumi destroy" not in script and "stack rm" not in script  # only through the guarded command
    assert script.index("preview guard") < script.index("preview drop-database") < script.index("preview destroy")


def test_the_sweeper_is_scheduled_with_a_configurable_age_and_only_destroys_through_the_guard() -> None:
    wf = load("preview-sweep.yml")
    assert "schedule" in wf["on"] and "max-age-hours" in wf["on"]["workflow_dispatch"]["inputs"]
    job = wf["jobs"]["sweep"]
    script = "\n".join(runs(job))
    assert '--max-age-hours "$MAX_AGE"' in script and "gh pr list --state open" in script
    assert "pulumi destroy" not in script and "preview destroy --stack" in script
    assert job["permissions"]["pull-requests"] == "read"


@pytest.mark.parametrize("name", ["preview.yml", "preview-sweep.yml"])
def test_actions_pinned_checkouts_without_credentials(name: str) -> None:
    for job in load(name)["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def _commands(script: str) -> list[str]:
    out = []
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words: list[str] = []
        for token in [*list(lexer), ";"]:
            if token in {";", "&&", "||", "|", "(", ")", "$("}:
                while words and (re.match(r"^\w+=", words[0]) or words[0] in {"if", "!", "then", "do"}):
                    words.pop(0)
                if words:
                    out.append(words[0])
                words = []
            else:
                words.append(token)
    return out


def missing_tools(workflow: dict) -> list[str]:
    missing = []
    for job_id, job in workflow["jobs"].items():
        have = ON_IMAGE | SHELL
        for step in job["steps"]:
            if "uses" in step:
                have |= ACTION_TOOLS.get(step["uses"].split("@")[0], set())
                continue
            run = step.get("run", "")
            for command in _commands(run.replace("$(", "; ")):
                if (
                    command.startswith(".venv/bin/")
                    and "venv .venv"
                    not in "\n".join(s.get("run", "") for s in job["steps"][: job["steps"].index(step) + 1])
                    or not command.startswith((".venv/bin/", "policies/venv/bin/"))
                    and command not in have
                ):
                    missing.append(f"{job_id}: {command}")
    return missing


@pytest.mark.parametrize("name", ["preview.yml", "preview-sweep.yml"])
def test_every_tool_a_step_runs_is_installed_first(name: str) -> None:
    assert missing_tools(load(name)) == []


def test_the_tool_check_finds_what_nothing_installed() -> None:
    workflow = yaml.safe_load(
        """
jobs:
  j:
    steps:
      - run: pulumi stack ls
      - uses: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d
      - run: .venv/bin/farm-deploy preview guard --stack pr-1 && pulumi stack ls
      - run: python -m venv .venv
      - run: x=$(mongosh --eval 1)
"""
    )
    assert missing_tools(workflow) == ["j: pulumi", "j: .venv/bin/farm-deploy", "j: mongosh"]
