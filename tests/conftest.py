"""Shared test helpers. Every Pulumi test runs the code under `run_offline`, which
sets fresh mocks and config for each call; the autouse fixture below also clears
them after every test, so that a test reading `pulumi.Config` outside the engine
never sees what an earlier test left behind (the suite runs in random order)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EXAMPLE_APP = ROOT / "examples" / "farm-chat"


def reset_pulumi_state() -> None:
    """Empty config and secret keys, no mocks, no root stack: a process that has run no program.

    Only when pulumi is already loaded: the analyzer tests never import it.
    """
    if "pulumi" not in sys.modules:
        return
    import pulumi.runtime
    from pulumi.runtime import settings

    pulumi.runtime.set_all_config({}, [])
    settings.reset_options(project="project", stack="stack", root_directory="root_directory")
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()


@pytest.fixture(autouse=True)
def _isolated_pulumi_state() -> Iterator[None]:
    reset_pulumi_state()
    yield
    reset_pulumi_state()


@pytest.fixture
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def example_app() -> Path:
    return EXAMPLE_APP
