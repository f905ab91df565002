"""Shared test helpers. Every Pulumi test runs the code under `run_offline`, which
sets fresh mocks and config for each call (docs/development.md, "Testing a Pulumi program offline")."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EXAMPLE_APP = ROOT / "examples" / "farm-chat"


@pytest.fixture
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def example_app() -> Path:
    return EXAMPLE_APP
