"""`plan` prices the stage in its own region, and says so when there is no table for it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from farm_deploy.cli import main

ROOT = Path(__file__).resolve().parents[2]


def project(tmp_path: Path, region: str) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    text = (ROOT / "Pulumi.staging.yaml").read_text()
    text = text.replace("farm:appPath: examples/farm-chat", f"farm:appPath: {ROOT / 'examples' / 'farm-chat'}")
    text = text.replace("aws:region: us-east-1", f"aws:region: {region}")
    assert f"aws:region: {region}" in text
    (tmp_path / "Pulumi.staging.yaml").write_text(text)
    return tmp_path


def test_a_region_without_a_price_table_is_named_in_a_warning(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    base = project(tmp_path, "sa-east-1")
    assert main(["plan", "--stack", "staging", "--json", "--fail-on", "never", "--project-dir", str(base)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["cost"]["region"] == "sa-east-1"
    assert [i for i in doc["cost"]["items"] if i["price_key"].startswith(("nat.", "alb.", "fargate."))] == []
    assert any("no AWS price table for region sa-east-1" in w for w in doc["warnings"])


def test_the_stage_is_priced_in_its_region(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    base = project(tmp_path, "ap-southeast-1")
    assert main(["plan", "--stack", "staging", "--json", "--fail-on", "never", "--project-dir", str(base)]) == 0
    doc = json.loads(capsys.readouterr().out)
    nat = next(i for i in doc["cost"]["items"] if i["price_key"] == "nat.hour")
    assert (nat["unit_price"], nat["monthly"]) == (0.059, 43.07)  # Singapore: 0.059 x 730
    assert not [w for w in doc["warnings"] if "price table" in w]
