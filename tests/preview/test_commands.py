"""`farm-deploy preview`: the guard every destroying workflow step runs, names, the sweeper, the comment."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from farm_deploy.cli import main
from farm_deploy.commands.preview import render_comment, stacks_to_remove


@pytest.mark.parametrize(
    "stack", ["dev", "staging", "prod", "acme/dev", "acme/farm-deploy/prod", "pr-", "pr-abc", "qa"]
)
def test_the_guard_refuses_anything_but_a_preview_stack(stack: str, capsys) -> None:
    assert main(["preview", "guard", "--stack", stack]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "Traceback" not in err


def test_destroy_refuses_dev_before_running_anything(capsys) -> None:
    assert main(["preview", "destroy", "--stack", "dev", "--dry-run"]) == 2
    captured = capsys.readouterr()
    assert "refusing: not a preview stack" in captured.err and captured.out == ""


@pytest.mark.parametrize(("stack", "number"), [("pr-123", 123), ("acme/pr-7", 7), ("acme/farm-deploy/pr-42", 42)])
def test_the_guard_accepts_preview_stacks(stack: str, number: int, capsys) -> None:
    assert main(["preview", "guard", "--stack", stack, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == {"schema_version": 1, "stack": stack, "preview": True, "pull_request": number}


def test_the_guard_refuses_a_pr_named_stack_whose_file_sets_another_stage(tmp_path: Path, capsys) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: farm-deploy\nruntime: python\n")
    (tmp_path / "Pulumi.pr-5.yaml").write_text("config:\n  farm:stage: dev\n")
    assert main(["preview", "guard", "--stack", "pr-5", "--project-dir", str(tmp_path)]) == 2
    assert "sets stage dev" in capsys.readouterr().err


def test_destroy_dry_run_destroys_then_removes_the_stack(capsys) -> None:
    assert main(["preview", "destroy", "--stack", "acme/pr-9", "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "pulumi destroy --yes --skip-preview --stack acme/pr-9",
        "pulumi stack rm --yes --stack acme/pr-9",
    ]


@pytest.mark.parametrize("value", ["abc", "12a", "-3", "0", ""])
def test_a_pull_request_number_that_is_not_a_number_is_refused(value: str, capsys) -> None:
    assert main(["preview", "name", "--pr", value]) == 2
    assert "positive whole number" in capsys.readouterr().err


def test_name(capsys) -> None:
    assert main(["preview", "name", "--pr", "0123", "--org", "acme"]) == 0
    assert capsys.readouterr().out == "acme/pr-123\n"


def test_sweeper_removes_closed_and_old_previews_and_never_anything_else() -> None:
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    stacks = [
        {"name": "acme/farm-deploy/dev", "lastUpdate": "2020-01-01T00:00:00Z"},
        {"name": "acme/farm-deploy/prod"},
        {"name": "acme/farm-deploy/pr-1", "lastUpdate": "2026-12-01T10:00:00Z"},  # closed
        {"name": "acme/farm-deploy/pr-2", "lastUpdate": "2026-11-20T10:00:00Z"},  # open, 11 days old
        {"name": "acme/farm-deploy/pr-3", "lastUpdate": "2026-11-30T12:00:00Z"},  # open, 1 day old
        {"name": "acme/farm-deploy/pr-x", "lastUpdate": "2020-01-01T00:00:00Z"},  # not a preview name
    ]
    assert stacks_to_remove(stacks, {2, 3}, max_age_hours=168, now=now) == [
        {"stack": "acme/farm-deploy/pr-1", "reason": "pull request 1 is not open"},
        {"stack": "acme/farm-deploy/pr-2", "reason": "not updated for more than 168 hours"},
    ]
    assert [s["stack"] for s in stacks_to_remove(stacks, {1, 2, 3}, max_age_hours=12, now=now)] == [
        "acme/farm-deploy/pr-2",
        "acme/farm-deploy/pr-3",
    ]


def test_sweep_command_reads_files(tmp_path: Path, capsys) -> None:
    (tmp_path / "stacks.json").write_text(json.dumps([{"name": "pr-4", "lastUpdate": "2026-12-01T00:00:00Z"}]))
    (tmp_path / "open.json").write_text("[]")
    args = ["preview", "sweep", "--stacks", str(tmp_path / "stacks.json"), "--open-prs", str(tmp_path / "open.json")]
    assert main([*args, "--now", "2026-12-01T01:00:00Z", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "schema_version": 1,
        "remove": [{"stack": "pr-4", "reason": "pull request 4 is not open"}],
    }
    (tmp_path / "open.json").write_text('["x"]')
    assert main(args) == 2
    assert "open.json" in capsys.readouterr().err


def test_comment_shows_the_url_the_health_checks_and_the_idle_and_typical_cost() -> None:
    text = render_comment(
        "pr-123",
        {"webUrl": "https://d1.cloudfront.net", "healthUrls": {"api": "https://d1.cloudfront.net/api/health"}},
        {"cost": {"idle": 9.41, "typical": 9.52, "currency": "USD"}},
        {"ok": False, "checks": [{"name": "api", "ok": False, "detail": "HTTP 502"}]},
    )
    assert text.startswith("<!-- farm-deploy-preview -->\n### Preview `pr-123`\n")
    assert "- **App:** https://d1.cloudfront.net\n" in text
    assert "- health `api`: https://d1.cloudfront.net/api/health\n" in text
    assert "9.41 USD idle, 9.52 typical" in text
    assert "- **Health:** FAILING\n  - api: HTTP 502\n" in text


TASK = {"cluster": "c", "taskDefinitionArn": "arn:td/drop", "subnets": ["s1", "s2"], "securityGroup": "sg-p"}


def test_drop_database_only_drops_the_previews_own(tmp_path: Path, capsys) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"preview": {"database": "farm_chat-pr-12", "dropDatabaseTask": TASK}}))
    assert main(["preview", "drop-database", "--stack", "acme/pr-12", "--outputs", str(outputs), "--dry-run"]) == 0
    assert capsys.readouterr().out == "would drop database farm_chat-pr-12 with task arn:td/drop\n"
    # dev's database, or another preview's: refused
    for database in ("farm_chat", "farm_chat-pr-13"):
        outputs.write_text(json.dumps({"preview": {"database": database, "dropDatabaseTask": TASK}}))
        assert main(["preview", "drop-database", "--stack", "pr-12", "--outputs", str(outputs), "--dry-run"]) == 2
        assert "is not this preview's own" in capsys.readouterr().err
    assert main(["preview", "drop-database", "--stack", "dev", "--outputs", str(outputs), "--dry-run"]) == 2
    assert "not a preview stack" in capsys.readouterr().err
    outputs.write_text(json.dumps({"preview": {"database": "farm_chat-pr-12"}}))
    assert main(["preview", "drop-database", "--stack", "pr-12", "--outputs", str(outputs)]) == 2
    assert "preview.dropDatabaseTask" in capsys.readouterr().err


class FakeEcs:
    """ECS as far as the drop needs it (the cloud boundary): RunTask, the waiter, DescribeTasks."""

    def __init__(self, exit_code: int | None) -> None:
        self.exit_code = exit_code
        self.calls: list[tuple[str, dict]] = []

    def run_task(self, **kwargs):
        self.calls.append(("run_task", kwargs))
        return {"tasks": [{"taskArn": "arn:task/1"}], "failures": []}

    def get_waiter(self, name):
        assert name == "tasks_stopped"
        return self

    def wait(self, **kwargs):
        self.calls.append(("wait", kwargs))

    def describe_tasks(self, **kwargs):
        return {"tasks": [{"containers": [{"exitCode": self.exit_code}]}]}


@pytest.mark.parametrize(("exit_code", "result"), [(0, 0), (1, 1), (None, 1)])
def test_the_drop_runs_in_devs_private_subnets_and_reports_the_exit_code(exit_code, result) -> None:
    from farm_deploy.commands.preview import run_one_off

    ecs = FakeEcs(exit_code)
    assert run_one_off(ecs, TASK) == result
    (_, run), (_, wait) = ecs.calls
    assert run["networkConfiguration"]["awsvpcConfiguration"] == {
        "subnets": ["s1", "s2"],
        "securityGroups": ["sg-p"],
        "assignPublicIp": "DISABLED",
    }
    assert run["taskDefinition"] == "arn:td/drop" and wait["tasks"] == ["arn:task/1"]


def test_seed_runs_only_when_the_app_declares_one(tmp_path: Path, capsys) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"preview": {"database": "farm_chat-pr-3", "seedTask": None}}))
    assert main(["preview", "seed", "--stack", "pr-3", "--outputs", str(outputs)]) == 0
    assert "the database starts empty" in capsys.readouterr().out
    outputs.write_text(json.dumps({"preview": {"database": "farm_chat-pr-3", "seedTask": TASK}}))
    assert main(["preview", "seed", "--stack", "pr-3", "--outputs", str(outputs), "--dry-run"]) == 0
    assert capsys.readouterr().out == "would seed farm_chat-pr-3 with task arn:td/drop\n"
    assert main(["preview", "seed", "--stack", "prod", "--outputs", str(outputs), "--dry-run"]) == 2
