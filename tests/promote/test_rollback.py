"""`farm-deploy rollback` against a real git history built in the test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from farm_deploy import cli
from farm_deploy.stack_files import StackFile
from tests.cli.contracts import assert_document

from .conftest import PROD, commit_all, git

RELEASE_A = PROD  # sha-0a1b2c3, 1.4.2, [llama3.1:8b]
RELEASE_B = (
    PROD.replace("sha-0a1b2c3", "sha-9f8e7d6")
    .replace('"1.4.2"', '"1.5.0"')
    .replace("    - llama3.1:8b\n", "    - llama3.1:8b\n    - qwen2.5:7b\n")
)


@pytest.fixture
def farm_deploy(monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMANDS", {"rollback": "rollback"})

    def invoke(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["rollback", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def history(repo: Path) -> dict[str, str]:
    """prod: release A (the fixture's commit), then B, then a comment-only edit."""
    target = repo / "Pulumi.prod.yaml"
    first = git(repo, "rev-parse", "HEAD")
    target.write_text(RELEASE_B, encoding="utf-8")
    second = commit_all(repo, "release B to prod")
    target.write_text(RELEASE_B.replace("# Release pins", "# Release pins (owner: platform team)"), encoding="utf-8")
    third = commit_all(repo, "document the pins")
    return {"A": first, "B": second, "docs": third}


def test_rollback_puts_back_the_previous_release(repo: Path, history, farm_deploy):
    target = repo / "Pulumi.prod.yaml"
    current = target.read_text(encoding="utf-8")
    code, out, err = farm_deploy("--stack", "prod", "--project-dir", str(repo))
    assert (code, err) == (0, "")
    prod = StackFile.load(target)
    assert (prod.get("apiImageTag"), prod.get("webVersion"), prod.get("models")) == (
        "sha-0a1b2c3",
        "1.4.2",
        ["llama3.1:8b"],
    )
    new = target.read_text(encoding="utf-8")
    # the later comment edit stays: only the pins went back
    assert "# Release pins (owner: platform team)" in new
    assert new == current.replace("sha-9f8e7d6", "sha-0a1b2c3").replace('"1.5.0"', '"1.4.2"').replace(
        "    - qwen2.5:7b\n", ""
    )
    assert f"rollback prod to {history['A'][:12]} (stacks)" in out
    assert "-  farm:apiImageTag: sha-9f8e7d6   # the image running in prod" in out
    assert "+  farm:apiImageTag: sha-0a1b2c3   # the image running in prod" in out
    assert "next: pulumi up --stack prod" in out


def test_rollback_to_a_revision_json(repo: Path, history, farm_deploy):
    target = repo / "Pulumi.prod.yaml"
    target.write_text(RELEASE_A, encoding="utf-8")
    commit_all(repo, "rolled back to A")
    code, out, _ = farm_deploy("--stack", "prod", "--project-dir", str(repo), "--to", history["B"][:10], "--json")
    assert code == 0
    report = json.loads(out)
    assert_document("farm-deploy rollback --stack STACK --json", report)
    assert report["commit"] == history["B"] and report["subject"] == "release B to prod"
    assert report["written"] is True and report["next"] == "pulumi up --stack prod"
    assert report["changes"][0] == {
        "key": "farm:apiImageTag",
        "from": "sha-0a1b2c3",
        "to": "sha-9f8e7d6",
        "action": "change",
    }
    assert StackFile.load(target).get("models") == ["llama3.1:8b", "qwen2.5:7b"]


def test_rollback_dry_run_writes_nothing(repo: Path, history, farm_deploy):
    target = repo / "Pulumi.prod.yaml"
    before = target.read_bytes()
    code, out, _ = farm_deploy("--stack", "prod", "--project-dir", str(repo), "--dry-run", "--json")
    report = json.loads(out)
    assert code == 0 and report["written"] is False and report["commit"] == history["A"]
    assert "+  farm:apiImageTag: sha-0a1b2c3" in report["diff"]
    assert target.read_bytes() == before


def test_rollback_removes_a_pin_the_old_release_did_not_have(repo: Path, farm_deploy):
    target = repo / "Pulumi.prod.yaml"
    target.write_text(PROD.replace('  farm:webVersion: "1.4.2"\n', ""), encoding="utf-8")
    old = commit_all(repo, "prod without a web pin")
    target.write_text(PROD.replace("sha-0a1b2c3", "sha-1234567"), encoding="utf-8")
    commit_all(repo, "pin web and a new image")
    code, out, _ = farm_deploy("--stack", "prod", "--project-dir", str(repo), "--json")
    report = json.loads(out)
    assert code == 0 and report["commit"] == old
    assert report["changes"][1] == {"key": "farm:webVersion", "from": "1.4.2", "to": None, "action": "remove"}
    assert "webVersion" not in target.read_text(encoding="utf-8")


def test_no_earlier_release(repo: Path, farm_deploy):
    code, _, err = farm_deploy("--stack", "prod", "--project-dir", str(repo))
    assert code == 2 and "no earlier commit of the stack file has different release pins" in err


def test_unknown_revision(repo: Path, farm_deploy):
    code, _, err = farm_deploy("--stack", "prod", "--project-dir", str(repo), "--to", "v9.9.9")
    assert code == 2 and "unknown git revision" in err and "got: 'v9.9.9'" in err


def test_file_absent_at_revision(repo: Path, farm_deploy):
    (repo / "Pulumi.staging.yaml").write_text(PROD, encoding="utf-8")
    commit_all(repo, "add staging")
    code, _, err = farm_deploy("--stack", "staging", "--project-dir", str(repo), "--to", "HEAD~1")
    assert code == 2 and "Pulumi.staging.yaml does not exist at HEAD~1" in err


def test_not_a_git_repository(project: Path, farm_deploy):
    code, _, err = farm_deploy("--stack", "prod", "--project-dir", str(project))
    assert code == 2 and "rollback reads the stack file's git history" in err


def test_uncommitted_pin_edit_is_refused_unless_forced(repo: Path, history, farm_deploy):
    target = repo / "Pulumi.prod.yaml"
    edited = target.read_text(encoding="utf-8").replace("sha-9f8e7d6", "sha-handmade")
    target.write_text(edited, encoding="utf-8")
    code, _, err = farm_deploy("--stack", "prod", "--project-dir", str(repo))
    assert code == 2 and "has uncommitted edits to the release pins" in err
    assert target.read_text(encoding="utf-8") == edited
    code, out, _ = farm_deploy("--stack", "prod", "--project-dir", str(repo), "--force", "--json")
    report = json.loads(out)
    # the working copy's pins differ from HEAD's, so HEAD is the release to go back to
    assert code == 0 and report["commit"] == history["docs"]
    assert StackFile.load(target).get("apiImageTag") == "sha-9f8e7d6"
