"""`cost actual` against moto's Cost Explorer (moto 5 implements ce:GetCostAndUsage and answers from a queue of
results set through its documented /moto-api/static/ce/cost-and-usage-results endpoint)."""

from __future__ import annotations

import datetime as dt
import json

import boto3
import pytest
import requests
from moto import mock_aws

from farm_deploy.cli import main
from farm_deploy.cost_actual import cost_actual

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def queue(*groups: tuple[str, str]) -> None:
    result = {
        "ResultsByTime": [
            {
                "TimePeriod": {"Start": "2026-10-31", "End": "2026-12-01"},
                "Total": {},
                "Groups": [
                    {"Keys": [f"farm:component${c}"], "Metrics": {"UnblendedCost": {"Amount": a, "Unit": "USD"}}}
                    for c, a in groups
                ],
                "Estimated": False,
            }
        ]
    }
    r = requests.post(
        "http://motoapi.amazonaws.com/moto-api/static/ce/cost-and-usage-results", json={"results": [result]}
    )
    assert r.status_code == 201


def test_spend_per_component_against_the_estimate(aws, repo_root) -> None:
    # spend per farm:component tag as Cost Explorer groups it; "" is spend without the tag
    queue(("api", "30.00"), ("ollama", "25.00"), ("net", "37.00"), ("", "2.50"))
    client = boto3.client("ce", region_name="us-east-1")
    doc = cost_actual(repo_root, "dev", days=30, today=TODAY, client=client)
    rows = {r["component"]: r for r in doc["components"]}
    assert doc["schema_version"] == 1 and doc["period"] == {"start": "2026-11-01", "end": "2026-12-01", "days": 30}
    assert rows["ollama"]["actual"] == 25.0
    # 30 days of a 730-hour month; dev's GPU scales to zero: g4dn.xlarge for its typical hours 21.04
    # + 60 GB gp3 0.26 + EFS 3.00 + logs 0.18 + the wake and idle alarms 0.20 = 24.68
    assert rows["ollama"]["estimate"] == round(24.68 * 720 / 730, 2) == 24.34
    assert rows["ollama"]["error"] == round((25 - 24.34) / 24.34, 4)
    assert rows["ollama"]["within_target"] is True
    assert rows["(untagged)"]["actual"] == 2.5 and rows["(untagged)"]["error"] is None
    assert doc["actual"] == 94.5


def test_no_tagged_spend_says_what_to_enable(aws, repo_root, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    # moto answers with no results when nothing is queued: the account has no spend with the tag yet
    code = main(["cost", "actual", "--stack", "dev", "--project-dir", str(repo_root)])
    err = capsys.readouterr().err
    assert code == 2
    assert "no spend tagged farm:stack=dev" in err and "cost-allocation tags" in err and "24 hours" in err
    assert "Traceback" not in err


def test_cost_explorer_not_enabled(repo_root) -> None:
    from botocore.stub import Stubber

    client = boto3.client("ce", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(client) as stub:
        # the error the API answers for an account without Cost Explorer
        stub.add_client_error(
            "get_cost_and_usage", "AccessDeniedException", "User not enabled for cost explorer access"
        )
        from analysis.errors import UserError

        with pytest.raises(UserError) as info:
            cost_actual(repo_root, "dev", today=TODAY, client=client)
    text = info.value.render()
    assert "User not enabled for cost explorer access" in text and "enable Cost Explorer" in text


def test_json_document(aws, repo_root, capsys: pytest.CaptureFixture[str]) -> None:
    queue(("api", "10.00"))
    assert main(["cost", "actual", "--stack", "dev", "--days", "7", "--json", "--project-dir", str(repo_root)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {
        "schema_version",
        "stack",
        "stage",
        "period",
        "currency",
        "estimate",
        "actual",
        "error",
        "target",
        "components",
    }
    assert doc["period"]["days"] == 7 and doc["actual"] == 10.0
