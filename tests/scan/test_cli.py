"""`farm-deploy scan`: exit codes, messages and the JSON document, on the real staging plan.

The checkov here is a stand-in script that reads the plan file it is given and
fails CKV_AWS_91 on every aws_lb in it: it checks the command's plumbing and
verdicts, while test_checkov.py runs the real checkov.
"""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest

from farm_deploy.cli import main
from farm_deploy.json_documents import SCAN
from tests.cli.contracts import assert_document

ROOT = Path(__file__).resolve().parents[2]

FAKE = """#!{python}
import json, sys
args = sys.argv[1:]
if args[:1] == ["--version"]:
    print("0.0-fake"); sys.exit(0)
if {exit_code}:
    print("boom", file=sys.stderr); sys.exit({exit_code})
assert args[args.index("--framework") + 1] == "terraform_plan" and "--skip-download" in args, args
plan = json.load(open(args[args.index("-f") + 1]))
failed = [
    {{"check_id": "CKV_AWS_91", "check_name": "ALB access logs", "resource": r["address"], "guideline": None}}
    for r in plan["planned_values"]["root_module"]["resources"] if r["type"] == "aws_lb"
]
print(json.dumps({{"check_type": "terraform_plan", "results": {{"failed_checks": failed, "passed_checks": [{{}}] * 7}},
                  "summary": {{"checkov_version": "0.0-fake"}}}}))
sys.exit(1 if failed else 0)
"""

ACCEPT_ALB_LOGS = """\
accepted:
  - check: CKV_AWS_91
    resource: aws_lb.*-api-alb
    stages: [staging, prod]
    kind: planned-fix
    reason: access logs come with the log bucket of a later change
"""
STALE = """\
  - check: CKV_AWS_18
    resource: aws_s3_bucket.*-web-bucket
    stages: [staging]
    kind: by-design
    reason: reads are logged at CloudFront, writes by CloudTrail
"""


def _fake_checkov(tmp_path: Path, exit_code: int = 0) -> str:
    path = tmp_path / "checkov"
    path.write_text(FAKE.format(python=sys.executable, exit_code=exit_code), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def _accepted(tmp_path: Path, text: str) -> str:
    path = tmp_path / "accepted.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _scan(tmp_path: Path, accepted: str, *extra: str, exit_code: int = 0) -> list[str]:
    return [
        "scan",
        "--stack",
        "staging",
        "--project-dir",
        str(ROOT),
        "--checkov",
        _fake_checkov(tmp_path, exit_code),
        "--accepted",
        _accepted(tmp_path, accepted),
        *extra,
    ]


def test_all_failures_accepted_exits_0(tmp_path: Path, capsys) -> None:
    assert main(_scan(tmp_path, ACCEPT_ALB_LOGS)) == 0
    out = capsys.readouterr().out
    assert "1 failed (1 accepted, 0 not)" in out
    assert "accepted CKV_AWS_91" in out and "aws_lb.farm-staging-api-alb" in out


def test_an_unaccepted_failure_exits_1(tmp_path: Path, capsys) -> None:
    assert main(_scan(tmp_path, "accepted: []\n")) == 1
    out = capsys.readouterr().out
    assert "FAILED   CKV_AWS_91" in out
    assert "1 failure neither fixed nor accepted" in out


def test_a_stale_entry_is_reported_and_fails_only_when_asked(tmp_path: Path, capsys) -> None:
    assert main(_scan(tmp_path, ACCEPT_ALB_LOGS + STALE)) == 0
    assert "stale    CKV_AWS_18" in capsys.readouterr().out
    assert main(_scan(tmp_path, ACCEPT_ALB_LOGS + STALE, "--fail-on-stale")) == 1


def test_json_document(tmp_path: Path, capsys) -> None:
    assert main(_scan(tmp_path, ACCEPT_ALB_LOGS + STALE, "--json")) == 0
    doc = json.loads(capsys.readouterr().out)
    assert_document(SCAN.command, doc)
    assert list(doc) == list(SCAN.fields)
    assert doc["schema_version"] == SCAN.version == 1
    assert doc["stack"] == "staging" and doc["stage"] == "staging"
    assert doc["checkov"]["version"] == "0.0-fake"
    assert doc["summary"] == {"passed": 7, "failed": 1, "accepted": 1, "unaccepted": 0, "stale": 1}
    [finding] = doc["findings"]
    assert finding["resource"] == "aws_lb.farm-staging-api-alb"
    assert finding["pulumi_type"] == "aws:lb/loadBalancer:LoadBalancer"
    assert finding["status"] == "accepted" and finding["accepted"]["kind"] == "planned-fix"
    assert doc["stale"] == [
        {
            "check": "CKV_AWS_18",
            "resource": "aws_s3_bucket.*-web-bucket",
            "stages": ["staging"],
            "kind": "by-design",
            "reason": "reads are logged at CloudFront, writes by CloudTrail",
        }
    ]
    assert doc["unknown_types"] == []
    assert "farm:web:StaticSite" in doc["skipped"]


def test_write_plan_writes_the_document_checkov_read(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    assert main(_scan(tmp_path, ACCEPT_ALB_LOGS, "--write-plan", str(out))) == 0
    plan = json.loads(out.read_text())
    assert plan["format_version"] == "1.2"
    assert "aws_lb.farm_staging_api_alb" in [r["address"] for r in plan["planned_values"]["root_module"]["resources"]]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            ACCEPT_ALB_LOGS.replace("    reason: access logs come with the log bucket of a later change\n", ""),
            "needs a reason",
        ),
        ("accepted: [\n", "not valid YAML"),
    ],
)
def test_a_bad_accepted_file_exits_2_with_one_message(tmp_path: Path, capsys, text: str, needle: str) -> None:
    assert main(_scan(tmp_path, text)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and needle in err and "accepted.yaml" in err
    assert "Traceback" not in err


def test_a_missing_checkov_exits_2_with_a_hint(tmp_path: Path, capsys) -> None:
    args = _scan(tmp_path, ACCEPT_ALB_LOGS)
    args[args.index("--checkov") + 1] = str(tmp_path / "no-checkov")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "checkov not found at the path given by --checkov" in err


def test_checkov_crashing_exits_2(tmp_path: Path, capsys) -> None:
    assert main(_scan(tmp_path, ACCEPT_ALB_LOGS, exit_code=3)) == 2
    err = capsys.readouterr().err
    assert "checkov failed (exit 3)" in err and "boom" in err


def test_write_plan_into_a_missing_folder_fails_before_scanning(tmp_path: Path, capsys) -> None:
    assert main(_scan(tmp_path, ACCEPT_ALB_LOGS, "--write-plan", str(tmp_path / "nope" / "plan.json"))) == 2
    assert "no such folder" in capsys.readouterr().err
    assert not (tmp_path / "nope").exists()
