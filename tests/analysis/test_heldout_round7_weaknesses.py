"""One regression test per general weakness the seventh held-out round showed (11 public FARM
repositories scored at first sight; see benchmarks/README.md).

Each rebuilds the shape with minimal code of our own and pins the exact fact or finding; where a
fix narrows a rule, a control case pins what still counts.
"""

from __future__ import annotations

from analysis.load import analyze_app
from tests.analysis import repos

# --------------------------------------------------------------------------- an app module named like the package it imports

FACTORY_APP = (
    "from fastapi import FastAPI\n\nfrom app.routes.items import router\n\n\n"
    "def get_application():\n    built = FastAPI()\n    built.include_router(router)\n    return built\n\n\n"
    "application = get_application()\n"
)
ROUTES = "from fastapi import APIRouter\n\nrouter = APIRouter()\n"


def _factory_repo(app_folder: str) -> dict[str, str]:
    return {
        "backend/requirements.txt": "fastapi\n",
        "backend/Dockerfile": "FROM python:3.9\nCOPY . .\n",
        f"backend/{app_folder}/__init__.py": "",
        f"backend/{app_folder}/app.py": FACTORY_APP,
        "backend/app/routes/items.py": ROUTES,
    }


def test_a_module_named_app_importing_the_app_package_runs_from_the_root(tmp_path):
    # backend/config/app.py does `from app.routes.items import router`: `app` is the package
    # backend/app, not the module itself, so the API runs from backend (where requirements.txt is)
    api = analyze_app(repos.build(tmp_path, _factory_repo("config"))).requirements.api
    assert (api.root, api.entrypoint, api.python_version) == ("backend", "config.app:application", "3.9")


def test_a_real_sibling_import_still_runs_from_the_module_folder(tmp_path):
    # control: backend/config/app.py imports `routes`, a package beside it: it runs from backend/config
    files = _factory_repo("config")
    files["backend/config/app.py"] = FACTORY_APP.replace("from app.routes.items", "from routes.items")
    files["backend/config/routes/items.py"] = ROUTES
    api = analyze_app(repos.build(tmp_path, files)).requirements.api
    assert (api.root, api.entrypoint) == ("backend/config", "app:application")
