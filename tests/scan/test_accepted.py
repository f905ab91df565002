"""The accepted-findings file: validation, pattern matching, stale entries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.errors import UserError
from farm_deploy.scan import ACCEPTED_FILE, KINDS, Accepted, judge, load_accepted

ROOT = Path(__file__).resolve().parents[2]

ENTRY = """\
accepted:
  - check: CKV_AWS_91
    resource: aws_lb.*-api-alb
    stages: [staging, prod]
    kind: planned-fix
    reason: access logs come with the log bucket
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "accepted.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads(tmp_path: Path) -> None:
    [entry] = load_accepted(_write(tmp_path, ENTRY))
    assert entry == Accepted(
        "CKV_AWS_91", "aws_lb.*-api-alb", ("staging", "prod"), "access logs come with the log bucket", "planned-fix", 2
    )


def test_an_empty_list_is_allowed(tmp_path: Path) -> None:
    assert load_accepted(_write(tmp_path, "accepted: []\n")) == []


@pytest.mark.parametrize(
    ("text", "message", "key", "line"),
    [
        (
            ENTRY.replace("    reason: access logs come with the log bucket\n", ""),
            "needs a reason",
            "accepted[0].reason",
            2,
        ),
        (ENTRY.replace("access logs come with the log bucket", '"  "'), "needs a reason", "accepted[0].reason", 2),
        (ENTRY.replace("CKV_AWS_91", "aws-logs"), "checkov check id", "accepted[0].check", 2),
        (ENTRY.replace("[staging, prod]", "[production]"), "list of stages", "accepted[0].stages", 2),
        (ENTRY.replace("[staging, prod]", "[]"), "list of stages", "accepted[0].stages", 2),
        (ENTRY.replace("planned-fix", "fine"), "`kind`", "accepted[0].kind", 2),
        (ENTRY.replace("    kind:", "    owner: me\n    kind:"), "unknown key", "accepted[0].owner", 2),
        (ENTRY.replace("aws_lb.*-api-alb", '""'), "`resource`", "accepted[0].resource", 2),
        (ENTRY + "  - just a string\n", "must be a mapping", "accepted[1]", 7),
        ("- check: CKV_AWS_91\n", "one key, `accepted`", "accepted", None),
        ("accepted:\n  - check: [unclosed\n", "not valid YAML", None, 3),
    ],
)
def test_mistakes_are_one_clear_error(
    tmp_path: Path, text: str, message: str, key: str | None, line: int | None
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(UserError) as err:
        load_accepted(path)
    assert message in err.value.message
    assert err.value.file == str(path)
    assert err.value.key == key
    assert err.value.line == line


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        load_accepted(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("check", "resource", "stage", "expected"),
    [
        ("CKV_AWS_91", "aws_lb.farm-prod-api-alb", "prod", True),
        ("CKV_AWS_91", "aws_lb.shop-staging-api-alb", "staging", True),
        ("CKV_AWS_91", "aws_lb.farm-dev-api-alb", "dev", False),  # stage not listed
        ("CKV_AWS_92", "aws_lb.farm-prod-api-alb", "prod", False),  # another check
        ("CKV_AWS_91", "aws_lb_listener.farm-prod-api-alb", "prod", False),  # another type
        ("CKV_AWS_91", "aws_lb.farm-prod-api-alb-2", "prod", False),  # the glob is anchored
    ],
)
def test_pattern_matching(tmp_path: Path, check: str, resource: str, stage: str, expected: bool) -> None:
    [entry] = load_accepted(_write(tmp_path, ENTRY))
    assert entry.matches(check, resource, stage) is expected


def _failed(check: str, address: str) -> dict:
    return {"check_id": check, "check_name": "a check", "resource": address, "guideline": None}


ADDRESSES = {
    "aws_lb.farm_prod_api_alb": ("aws:lb/loadBalancer:LoadBalancer", "farm-prod-api-alb"),
    "aws_s3_bucket.farm_prod_web_bucket": ("aws:s3/bucket:Bucket", "farm-prod-web-bucket"),
}


def test_judge_marks_accepted_unaccepted_and_stale() -> None:
    accepted = [
        Accepted("CKV_AWS_91", "aws_lb.*-api-alb", ("prod",), "logs later", "planned-fix"),
        Accepted("CKV_AWS_18", "aws_s3_bucket.*-web-bucket", ("prod",), "fixed since", "by-design"),
        Accepted("CKV_AWS_18", "aws_s3_bucket.*-web-bucket", ("dev",), "other stage", "by-design"),
        Accepted("CKV_AWS_68", "aws_cloudfront_distribution.*", ("prod",), "no such resource here", "planned-fix"),
    ]
    failed = [
        _failed("CKV_AWS_91", "aws_lb.farm_prod_api_alb"),
        _failed("CKV_AWS_145", "aws_s3_bucket.farm_prod_web_bucket"),
    ]
    findings, stale = judge(failed, ADDRESSES, accepted, "prod")
    assert [(f["check_id"], f["resource"], f["status"]) for f in findings] == [
        ("CKV_AWS_145", "aws_s3_bucket.farm-prod-web-bucket", "unaccepted"),
        ("CKV_AWS_91", "aws_lb.farm-prod-api-alb", "accepted"),
    ]
    assert findings[1]["accepted"]["reason"] == "logs later"
    assert findings[1]["pulumi_name"] == "farm-prod-api-alb"
    # In force (stage listed, a resource it names exists) and matched nothing: stale.
    # The dev entry and the one naming no resource of this plan are not.
    assert stale == [accepted[1]]


def test_the_shipped_file_is_valid_and_every_reason_says_why() -> None:
    entries = load_accepted(ROOT / ACCEPTED_FILE)
    assert len(entries) >= 20
    assert {e.kind for e in entries} <= set(KINDS)
    for e in entries:
        assert len(e.reason.split()) >= 8, e
        if e.kind == "planned-fix":
            # Says which item of the hardening work removes it.
            assert re.search(r"item [1-4]\b", e.reason), e


def test_docs_list_every_accepted_entry() -> None:
    page = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    missing = [
        f"{e.check} {e.resource}"
        for e in load_accepted(ROOT / ACCEPTED_FILE)
        if f"| `{e.check}` | `{e.resource}` | {', '.join(e.stages)} | {e.kind} |" not in page
    ]
    assert missing == []
