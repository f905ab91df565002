"""`farm-deploy promote` on copies of stack files: pins copied, everything else byte for byte."""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import pytest

from farm_deploy import cli
from farm_deploy.stack_files import StackFile
from tests.cli.contracts import assert_document

from .conftest import DEV, PROD, commit_all

PIN_PREFIXES = ("  farm:apiImageTag:", "  farm:webVersion:", "  farm:models:", "    - ")


@pytest.fixture
def farm_deploy(monkeypatch, capsys):
    # only this command: other commands' modules are not under test here
    monkeypatch.setattr(cli, "COMMANDS", {"promote": "promote"})

    def invoke(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["promote", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def changed_lines(old: str, new: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_promote_copies_pins_and_keeps_everything_else(project: Path, farm_deploy):
    code, out, err = farm_deploy("dev", "prod", "--project-dir", str(project))
    assert (code, err) == (0, "")
    new = (project / "Pulumi.prod.yaml").read_text(encoding="utf-8")
    prod = StackFile.load(project / "Pulumi.prod.yaml")
    assert prod.get("apiImageTag") == "sha-2b7e151"
    assert prod.get("webVersion") == "1.5.0"
    assert prod.get("models") == ["llama3.1:8b", "qwen2.5:7b"]
    # every other value as it was, sizes and domains not taken from dev
    before = StackFile.parse(PROD, Path("prod")).farm()
    after = prod.farm()
    for key in ("apiImageTag", "webVersion", "models"):
        before.pop(key)
        after.pop(key)
    assert after == before
    assert after["dbTier"] == "dedicated" and after["apiMinCount"] == 2 and after["domain"] == "chat.example.com"
    # only pin lines changed; comments (incl. the one at the end of the tag's line), order, quoting kept
    assert changed_lines(PROD, new) == [
        "-  farm:apiImageTag: sha-0a1b2c3   # the image running in prod",
        '-  farm:webVersion: "1.4.2"',
        "+  farm:apiImageTag: sha-2b7e151   # the image running in prod",
        '+  farm:webVersion: "1.5.0"',
        "+    - qwen2.5:7b",
    ]
    # secret ciphertexts byte-identical and where they were
    old_lines, new_lines = PROD.splitlines(), new.splitlines()
    secure = [i for i, line in enumerate(old_lines) if "secure:" in line]
    assert len(secure) == 2
    assert [line for line in new_lines if "secure:" in line] == [old_lines[i] for i in secure]
    assert [line for line in new_lines if line.lstrip().startswith("#")] == [
        line for line in old_lines if line.lstrip().startswith("#")
    ]
    # the diff and the table were printed, and the next step
    assert "--- a/Pulumi.prod.yaml" in out and "+++ b/Pulumi.prod.yaml" in out
    assert "+  farm:apiImageTag: sha-2b7e151   # the image running in prod" in out
    assert "next: pulumi up --stack prod" in out
    assert "apiMinCount" in out and "dbTier" in out  # listed as left alone by design
    # the source file is untouched
    assert (project / "Pulumi.dev.yaml").read_text(encoding="utf-8") == DEV


def test_round_trip_without_changes_is_byte_identical(project: Path):
    for name, text in (("Pulumi.dev.yaml", DEV), ("Pulumi.prod.yaml", PROD)):
        stack = StackFile.load(project / name)
        assert stack.set("apiImageTag", stack.get("apiImageTag")).text == text
        stack.write()
        assert (project / name).read_bytes() == text.encode()


def test_dry_run_writes_nothing_and_json_shape(project: Path, farm_deploy):
    target = project / "Pulumi.prod.yaml"
    stat = target.stat()
    code, out, _ = farm_deploy("dev", "prod", "--project-dir", str(project), "--dry-run", "--json")
    assert code == 0
    report = json.loads(out)
    assert target.read_text(encoding="utf-8") == PROD
    assert target.stat().st_mtime_ns == stat.st_mtime_ns
    assert report["dry_run"] is True and report["written"] is False
    assert (report["from"], report["to"], report["file"]) == ("dev", "prod", str(target))
    assert report["changes"] == [
        {"key": "farm:apiImageTag", "from": "sha-0a1b2c3", "to": "sha-2b7e151", "action": "change"},
        {"key": "farm:webVersion", "from": "1.4.2", "to": "1.5.0", "action": "change"},
        {"key": "farm:models", "from": ["llama3.1:8b"], "to": ["llama3.1:8b", "qwen2.5:7b"], "action": "change"},
    ]
    assert report["not_promoted"] == ["farm:apiMinCount", "farm:certificateArn", "farm:dbTier", "farm:domain"]
    assert_document("farm-deploy promote FROM TO --json", report)
    assert report["diff"].startswith("--- a/Pulumi.prod.yaml\n+++ b/Pulumi.prod.yaml\n")
    assert report["next"] == "pulumi up --stack prod"


def test_second_promotion_is_a_no_op(project: Path, farm_deploy):
    assert farm_deploy("dev", "prod", "--project-dir", str(project))[0] == 0
    target = project / "Pulumi.prod.yaml"
    first = target.read_text(encoding="utf-8")
    mtime = target.stat().st_mtime_ns
    code, out, _ = farm_deploy("dev", "prod", "--project-dir", str(project), "--json")
    report = json.loads(out)
    assert code == 0 and report["written"] is False and report["diff"] == "" and report["next"] is None
    assert [c["action"] for c in report["changes"]] == ["same", "same", "same"]
    assert target.read_text(encoding="utf-8") == first and target.stat().st_mtime_ns == mtime


def test_only_selected_key(project: Path, farm_deploy):
    code, _, _ = farm_deploy("dev", "prod", "--project-dir", str(project), "--key", "farm:apiImageTag")
    assert code == 0
    prod = StackFile.load(project / "Pulumi.prod.yaml")
    assert (prod.get("apiImageTag"), prod.get("webVersion"), prod.get("models")) == (
        "sha-2b7e151",
        "1.4.2",
        ["llama3.1:8b"],
    )


def test_pin_missing_in_target_is_added_after_the_previous_pin(project: Path, farm_deploy):
    target = project / "Pulumi.prod.yaml"
    target.write_text(PROD.replace('  farm:webVersion: "1.4.2"\n', ""), encoding="utf-8")
    assert farm_deploy("dev", "prod", "--project-dir", str(project))[0] == 0
    lines = target.read_text(encoding="utf-8").splitlines()
    i = lines.index("  farm:apiImageTag: sha-2b7e151   # the image running in prod")
    assert lines[i + 1] == "  farm:webVersion: 1.5.0"  # quoted only when YAML needs it


def test_pin_missing_in_source_is_removed_from_target(project: Path, farm_deploy):
    (project / "Pulumi.dev.yaml").write_text(DEV.replace('  farm:webVersion: "1.5.0"\n', ""), encoding="utf-8")
    code, out, _ = farm_deploy("dev", "prod", "--project-dir", str(project), "--json")
    assert code == 0
    assert json.loads(out)["changes"][1] == {"key": "farm:webVersion", "from": "1.4.2", "to": None, "action": "remove"}
    new = (project / "Pulumi.prod.yaml").read_text(encoding="utf-8")
    assert "webVersion" not in new
    assert "  # Everything below differs from dev by design.\n" in new


def test_models_as_json_text_compare_equal(project: Path, farm_deploy):
    target = project / "Pulumi.prod.yaml"
    text = PROD.replace("  farm:models:\n    - llama3.1:8b\n", '  farm:models: \'["llama3.1:8b", "qwen2.5:7b"]\'\n')
    target.write_text(text, encoding="utf-8")
    code, out, _ = farm_deploy("dev", "prod", "--project-dir", str(project), "--json")
    assert code == 0
    assert json.loads(out)["changes"][2]["action"] == "same"
    assert 'farm:models: \'["llama3.1:8b", "qwen2.5:7b"]\'\n' in target.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("dbTier", "differs between stages by design"),
        ("farm:domain", "differs between stages by design"),
        ("certificateArn", "differs between stages by design"),
        ("apiMinCount", "differs between stages by design"),
        ("openaiApiKey", "secrets are not promoted"),
        ("farm:nope", "unknown config key"),
    ],
)
def test_refused_keys(project: Path, farm_deploy, key: str, message: str):
    code, out, err = farm_deploy("dev", "prod", "--project-dir", str(project), "--key", key)
    assert code == 2 and out == ""
    assert message in err and "valid: farm:apiImageTag, farm:webVersion, farm:models" in err
    assert (project / "Pulumi.prod.yaml").read_text(encoding="utf-8") == PROD


def test_secret_pin_in_source_is_refused(project: Path, farm_deploy):
    (project / "Pulumi.dev.yaml").write_text(
        DEV.replace("  farm:apiImageTag: sha-2b7e151\n", "  farm:apiImageTag:\n    secure: v1:abc=\n"),
        encoding="utf-8",
    )
    code, _, err = farm_deploy("dev", "prod", "--project-dir", str(project))
    assert code == 2
    assert "Pulumi.dev.yaml:7, key 'farm:apiImageTag'" in err and "encrypted per stack" in err


def test_key_of_wrong_type(project: Path, farm_deploy):
    (project / "Pulumi.dev.yaml").write_text(DEV.replace('"1.5.0"', "1.10"), encoding="utf-8")
    code, _, err = farm_deploy("dev", "prod", "--project-dir", str(project))
    assert code == 2
    assert "Pulumi.dev.yaml:8, key 'farm:webVersion': must be a string, got a float" in err
    assert "got: 1.1" in err and "quote it" in err


def test_models_of_wrong_type(project: Path, farm_deploy):
    (project / "Pulumi.dev.yaml").write_text(
        DEV.replace("  farm:models:\n    - llama3.1:8b\n    - qwen2.5:7b\n", "  farm:models: llama3.1:8b\n"),
        encoding="utf-8",
    )
    code, _, err = farm_deploy("dev", "prod", "--project-dir", str(project))
    assert code == 2 and "key 'farm:models': not a valid JSON list" in err


def test_malformed_yaml_names_file_and_line(project: Path, farm_deploy):
    (project / "Pulumi.prod.yaml").write_text(PROD.replace("  farm:dbTier: dedicated", "  farm:dbTier: [dedicated"))
    code, _, err = farm_deploy("dev", "prod", "--project-dir", str(project))
    assert code == 2 and "Traceback" not in err
    assert f"{project / 'Pulumi.prod.yaml'}:" in err and "malformed YAML" in err


def test_unknown_stack(project: Path, farm_deploy):
    code, _, err = farm_deploy("dev", "qa", "--project-dir", str(project))
    assert code == 2
    assert "Pulumi.qa.yaml: unknown stack: no stack file" in err and "valid: dev, prod" in err


def test_same_stack_refused(project: Path, farm_deploy):
    code, _, err = farm_deploy("prod", "prod", "--project-dir", str(project))
    assert code == 2 and "FROM and TO are the same stack" in err


def test_failed_write_leaves_the_original_and_no_temp_file(project: Path, farm_deploy, monkeypatch):
    before = sorted(p.name for p in project.iterdir())

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    code, _, err = farm_deploy("dev", "prod", "--project-dir", str(project))
    assert code == 2 and "could not write the stack file (No space left on device)" in err
    assert (project / "Pulumi.prod.yaml").read_text(encoding="utf-8") == PROD
    assert sorted(p.name for p in project.iterdir()) == before


def test_write_keeps_file_mode(project: Path, farm_deploy):
    target = project / "Pulumi.prod.yaml"
    target.chmod(0o640)
    assert farm_deploy("dev", "prod", "--project-dir", str(project))[0] == 0
    assert target.stat().st_mode & 0o777 == 0o640


def test_no_git_repository_skips_the_check_with_a_note(project: Path, farm_deploy):
    code, out, _ = farm_deploy("dev", "prod", "--project-dir", str(project))
    assert code == 0 and "skipped the check for uncommitted edits" in out


def test_uncommitted_pin_edit_is_refused_unless_forced(repo: Path, farm_deploy):
    target = repo / "Pulumi.prod.yaml"
    edited = PROD.replace("sha-0a1b2c3", "sha-hotfix1")
    target.write_text(edited, encoding="utf-8")
    code, _, err = farm_deploy("dev", "prod", "--project-dir", str(repo))
    assert code == 2
    assert "Pulumi.prod.yaml:11, key 'farm:apiImageTag': has uncommitted edits to the release pins" in err
    assert "--force" in err
    assert target.read_text(encoding="utf-8") == edited

    code, out, _ = farm_deploy("dev", "prod", "--project-dir", str(repo), "--dry-run")
    assert code == 0 and target.read_text(encoding="utf-8") == edited
    assert (
        "note: Pulumi.prod.yaml has uncommitted edits to the release pins (farm:apiImageTag): "
        "without --force a real run refuses" in out
    )

    code, out, _ = farm_deploy("dev", "prod", "--project-dir", str(repo), "--force")
    assert code == 0 and "note: --force: overwriting uncommitted edits to farm:apiImageTag" in out
    assert StackFile.load(target).get("apiImageTag") == "sha-2b7e151"


def test_uncommitted_edit_elsewhere_is_allowed(repo: Path, farm_deploy):
    target = repo / "Pulumi.prod.yaml"
    target.write_text(PROD.replace("# Release pins", "# Release pins (see RUNBOOK.md)"), encoding="utf-8")
    code, out, _ = farm_deploy("dev", "prod", "--project-dir", str(repo))
    assert code == 0 and "note:" not in out
    new = target.read_text(encoding="utf-8")
    assert "# Release pins (see RUNBOOK.md)" in new and "sha-2b7e151" in new


def test_committed_promotion_then_clean(repo: Path, farm_deploy):
    assert farm_deploy("dev", "prod", "--project-dir", str(repo))[0] == 0
    commit_all(repo, "promote dev to prod")
    # a staged-but-uncommitted pin edit counts as uncommitted too
    target = repo / "Pulumi.prod.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("sha-2b7e151", "sha-local00"), encoding="utf-8")
    from .conftest import git

    git(repo, "add", "Pulumi.prod.yaml")
    code, _, err = farm_deploy("dev", "prod", "--project-dir", str(repo))
    assert code == 2 and "uncommitted edits" in err
