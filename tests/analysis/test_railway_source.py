"""Railway builds from GitHub: the app checkout's github.com origin, or another platform that ships the code."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from analysis.git_remote import github_repository
from analysis.stack_config import parse_settings
from analysis.stage_plan import plan_stage
from tests.analysis.factories import crud_app


def checkout(tmp: Path, url: str | None) -> Path:
    app = tmp / "app"
    app.mkdir()
    subprocess.run(["git", "init", "-q", str(app)], check=True)
    if url is not None:
        subprocess.run(["git", "-C", str(app), "remote", "add", "origin", url], check=True)
    return app


@pytest.mark.parametrize(
    ("url", "repository"),
    [
        ("https://github.com/acme/farm-chat.git", "acme/farm-chat"),
        ("https://github.com/acme/farm-chat", "acme/farm-chat"),
        ("git@github.com:acme/farm.chat.git", "acme/farm.chat"),
        ("ssh://git@github.com/acme/farm-chat.git", "acme/farm-chat"),
        ("https://gitlab.com/acme/farm-chat.git", None),
        ("/srv/mirrors/farm-chat", None),
        (None, None),
    ],
)
def test_the_github_repository_comes_from_the_origin_remote(tmp_path: Path, url: str | None, repository: str | None):
    assert github_repository(checkout(tmp_path, url)) == repository


def test_a_worktree_reads_its_main_checkouts_remote(tmp_path: Path) -> None:
    main = checkout(tmp_path, "https://github.com/acme/farm-chat.git")
    subprocess.run(["git", "-C", str(main), "commit", "-q", "--allow-empty", "-m", "x"], check=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@x", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})  # fmt: skip
    tree = tmp_path / "wt"
    subprocess.run(["git", "-C", str(main), "worktree", "add", "-q", str(tree)], check=True)
    assert (tree / ".git").is_file()
    assert github_repository(tree) == "acme/farm-chat"


def test_an_app_inside_a_larger_repository_is_not_given_that_repository(tmp_path: Path) -> None:
    outer = checkout(tmp_path, "https://github.com/acme/monorepo.git")
    (outer / "apps" / "chat").mkdir(parents=True)
    assert github_repository(outer / "apps" / "chat") is None


def railway_app(path: Path):
    # Uploads kept on local disk: Railway (persistent volumes) is the recommendation.
    app = crud_app(has_file_storage=True, writes_local_disk=True)
    return app.model_copy(update={"app_path": str(path)})


def test_without_a_github_origin_the_next_platform_ships_the_checkout(tmp_path: Path) -> None:
    app = railway_app(checkout(tmp_path, "/srv/mirrors/farm-chat"))
    plan = plan_stage(app, parse_settings({}, file="Pulumi.dev.yaml", stack="dev"), "dev")
    assert plan.platform != "railway" and plan.repository is None
    assert any(r.startswith("railway was recommended, but it builds from GitHub") for r in plan.reasons["platform"])
    assert any("farm:railwayRepo" in w for w in plan.warnings)


def test_with_a_github_origin_railway_builds_from_it(tmp_path: Path) -> None:
    app = railway_app(checkout(tmp_path, "git@github.com:acme/farm-chat.git"))
    plan = plan_stage(app, parse_settings({}, file="Pulumi.dev.yaml", stack="dev"), "dev")
    assert (plan.platform, plan.repository) == ("railway", "acme/farm-chat")


def test_farm_railway_repo_keeps_railway(tmp_path: Path) -> None:
    app = railway_app(checkout(tmp_path, None))
    plan = plan_stage(
        app, parse_settings({"railwayRepo": "acme/farm-chat"}, file="Pulumi.dev.yaml", stack="dev"), "dev"
    )
    assert plan.platform == "railway"
