"""An app built only by a factory function (`def init_app() -> FastAPI`) deploys on every target.

The analyzer reports `module:function` with `api.factory`; the plan's entrypoint is
`module:function()`. Each generated entry point is run for real here: uvicorn
loads the image's CMD as uvicorn would, the Lambda handler and Vercel's
`api/index.py` are imported and serve the factory's app.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from pathlib import Path

import pytest

from analysis.load import analyze_app
from analysis.stack_config import parse_settings
from analysis.stage_plan import plan_stage
from components.dockerfile import render_api_dockerfile
from components.lambda_package import handler_source
from components.vercel_app import python_entry

PACKAGE = "factory_fixture_pkg"
MAIN = (
    "from fastapi import FastAPI\n\n"
    "CALLS = []\n\n\n"
    "def init_app() -> FastAPI:\n"
    "    CALLS.append(1)\n"
    "    app = FastAPI()\n\n"
    "    @app.get('/api/health')\n"
    "    def health():\n"
    "        return {'status': 'ok', 'calls': len(CALLS)}\n\n"
    "    return app\n"
)


@pytest.fixture
def api_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "api"
    (root / PACKAGE).mkdir(parents=True)
    (root / PACKAGE / "__init__.py").write_text("")
    (root / PACKAGE / "main.py").write_text(MAIN)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.syspath_prepend(str(root))
    yield root
    for name in [m for m in sys.modules if m.startswith(PACKAGE) or m in ("index", "farm_handler_fixture")]:
        sys.modules.pop(name, None)


def get_health(app) -> dict:
    import httpx

    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://x") as client:
            return await client.get("/api/health")

    # A private loop: asyncio.run() would unset the loop Pulumi's runtime uses in later tests.
    loop = asyncio.new_event_loop()
    try:
        response = loop.run_until_complete(get())
    finally:
        loop.close()
    assert response.status_code == 200
    return response.json()


def test_the_plan_calls_the_factory(tmp_path: Path) -> None:
    app = tmp_path / "repo"
    (app / "backend" / "app").mkdir(parents=True)
    (app / "backend" / "app" / "__init__.py").write_text("")
    (app / "backend" / "app" / "main.py").write_text(MAIN)
    (app / "backend" / "requirements.txt").write_text("fastapi\nuvicorn\n")
    analysis = analyze_app(app)
    assert analysis.requirements.api is not None
    assert (analysis.requirements.api.entrypoint, analysis.requirements.api.factory) == ("app.main:init_app", True)
    plan = plan_stage(analysis, parse_settings({}, file="Pulumi.dev.yaml", stack="dev"), "dev")
    assert plan.api.entrypoint == "app.main:init_app()"


def test_the_image_runs_uvicorn_with_factory_and_uvicorn_loads_it(api_dir: Path) -> None:
    import uvicorn

    text = render_api_dockerfile("3.12", f"{PACKAGE}.main:init_app()", 8000, "/api/health", ["requirements.txt"])
    (cmd_line,) = [line for line in text.splitlines() if line.startswith("CMD ")]
    cmd = json.loads(cmd_line[4:])
    assert cmd[:3] == ["uvicorn", f"{PACKAGE}.main:init_app", "--factory"]
    # What uvicorn does with those arguments (https://www.uvicorn.org/settings/#application).
    config = uvicorn.Config(app=cmd[1], factory="--factory" in cmd)
    config.load()
    assert get_health(config.loaded_app)["status"] == "ok"
    # Without --factory uvicorn would serve the function itself: the flag is what makes it work.
    assert "--factory" not in json.loads(
        next(
            line
            for line in render_api_dockerfile(
                "3.12", f"{PACKAGE}.main:app", 8000, "/api/health", ["requirements.txt"]
            ).splitlines()
            if line.startswith("CMD ")
        )[4:]
    )


def test_the_lambda_handler_builds_the_app_once(api_dir: Path) -> None:
    (api_dir / "farm_handler_fixture.py").write_text(handler_source(f"{PACKAGE}.main:init_app()"))
    handler = importlib.import_module("farm_handler_fixture")
    from fastapi import FastAPI

    assert isinstance(handler.app, FastAPI)
    assert get_health(handler.app) == {"status": "ok", "calls": 1}


def test_vercels_entry_builds_the_app_once(api_dir: Path) -> None:
    web = api_dir.parent / "web" / "api"
    web.mkdir(parents=True)
    (web / "index.py").write_text(python_entry(f"{PACKAGE}.main:init_app()", "../../api"))
    sys.path.insert(0, str(web))
    entry = importlib.import_module("index")
    assert get_health(entry.app) == {"status": "ok", "calls": 1}
