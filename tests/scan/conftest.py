"""Fixtures for the scanner tests: the shipped stacks' offline plans, and checkov when installed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AWS_STACKS = ("dev", "staging", "prod")


@pytest.fixture(scope="session")
def shipped_plans() -> dict:
    """stack -> OfflinePlan, for every Pulumi.<stack>.yaml of the checkout (evaluated once)."""
    from farm_deploy.offline_plan import run_plan

    return {p.name.split(".")[1]: run_plan(ROOT, p.name.split(".")[1]) for p in sorted(ROOT.glob("Pulumi.*.yaml"))}


def checkov_path() -> str | None:
    for candidate in (os.environ.get("FARM_CHECKOV"), str(ROOT / ".venv-scan" / "bin" / "checkov")):
        if candidate and Path(candidate).is_file():
            return candidate
    return shutil.which("checkov")


@pytest.fixture(scope="session")
def checkov() -> str:
    path = checkov_path()
    if path is None:
        pytest.skip(
            "checkov is not installed: `bash .ci/run` creates .venv-scan with the pinned checkov "
            "(or set FARM_CHECKOV to a checkov executable)"
        )
    return path
