"""`farm-deploy policy list` and `farm-deploy policy config --stack S`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from farm_deploy.cli import main
from policies.registry import RULES
from tests.cli.contracts import assert_document


def _project(tmp_path: Path, stack: str, body: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: farm-deploy\nruntime: python\n")
    (tmp_path / f"Pulumi.{stack}.yaml").write_text("config:\n  aws:region: us-east-1\n" + body)
    return tmp_path


def test_list_prints_every_rule_with_level_and_mirrors(capsys):
    assert main(["policy", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(RULES) + 1
    first = out[0].split()
    assert first[:3] == ["s3-public-access-block", "mandatory", "all"]
    assert "CKV_AWS_53," in first
    assert (
        out[-1]
        == f"{len(RULES)} rules: {sum(r.level == 'mandatory' for r in RULES)} mandatory, {sum(r.level == 'advisory' for r in RULES)} advisory"
    )


def test_list_json(capsys):
    assert main(["policy", "list", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert_document("farm-deploy policy list --json", doc)
    rows = doc["rules"]
    by_id = {r["id"]: r for r in rows}
    assert by_id["vpc-flow-logs"]["kind"] == "stack"
    assert by_id["stateful-protected-prod"]["stages"] == ["prod"]
    assert by_id["ecr-immutable-tags"]["mirrors"][0] == "CKV_AWS_51"
    assert set(rows[0]) == {"id", "level", "kind", "stages", "mirrors", "resource_types", "description"}


def test_config_gives_every_policy_the_stage_and_downgrades_waived_ones(tmp_path, capsys):
    project = _project(
        tmp_path,
        "blue",
        "  farm:stage: prod\n"
        "  farm:policyWaivers:\n"
        "    - policy: cloudfront-certificate-prod\n"
        "      reason: no domain until launch day\n",
    )
    assert main(["policy", "config", "--stack", "blue", "--project-dir", str(project)]) == 0
    config = json.loads(capsys.readouterr().out)
    assert set(config) == {r.id for r in RULES}
    assert config["vpc-flow-logs"] == {"enforcementLevel": "mandatory", "stage": "prod"}
    assert config["cloudfront-waf"] == {"enforcementLevel": "advisory", "stage": "prod"}
    assert config["cloudfront-certificate-prod"] == {
        "stage": "prod",
        "enforcementLevel": "advisory",
        "waiverReason": "no domain until launch day",
    }


def test_config_writes_the_file_atomically(tmp_path, capsys):
    project = _project(tmp_path, "dev", "")
    target = tmp_path / "out" / "policy-config.json"
    target.parent.mkdir()
    assert main(["policy", "config", "--stack", "dev", "--project-dir", str(project), "-o", str(target)]) == 0
    assert json.loads(target.read_text())["efs-encrypted"] == {"enforcementLevel": "mandatory", "stage": "dev"}
    assert list(target.parent.iterdir()) == [target]
    assert "wrote" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("body", "key", "needle"),
    [
        (
            "  farm:policyWaivers:\n    - policy: no-such-rule\n      reason: because\n",
            "farm:policyWaivers",
            "no-such-rule",
        ),
        (
            "  farm:policyWaivers:\n    - policy: efs-encrypted\n      reason: x\n",
            "farm:policyWaivers.0.reason",
            "at least 3",
        ),
    ],
)
def test_bad_waivers_are_user_errors_naming_file_and_key(tmp_path, capsys, body, key, needle):
    project = _project(tmp_path, "dev", body)
    assert main(["policy", "config", "--stack", "dev", "--project-dir", str(project)]) == 2
    err = capsys.readouterr().err
    assert "Pulumi.dev.yaml" in err and repr(key) in err and needle in err
    assert "Traceback" not in err


def test_the_shipped_stacks_produce_a_config(repo_root, capsys):
    for stack in ("dev", "staging", "prod"):
        assert main(["policy", "config", "--stack", stack, "--project-dir", str(repo_root)]) == 0
        config = json.loads(capsys.readouterr().out)
        assert {entry["stage"] for entry in config.values()} == {stack}


def test_every_rule_and_flag_is_documented(repo_root):
    docs = (repo_root / "docs" / "policies-and-ci.md").read_text(encoding="utf-8")
    missing = [r.id for r in RULES if f"`{r.id}`" not in docs]
    assert missing == []
    for name in (
        "farm:policyWaivers",
        "farm-deploy policy list",
        "farm-deploy policy config",
        "--output",
        "unused_waivers",
    ):
        assert name in docs
