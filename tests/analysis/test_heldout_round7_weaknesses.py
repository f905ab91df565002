"""One regression test per general weakness the seventh held-out round showed (11 public FARM
repositories scored at first sight; see benchmarks/README.md).

Each rebuilds the shape with minimal code of our own and pins the exact fact or finding; where a
fix narrows a rule, a control case pins what still counts.
"""

from __future__ import annotations

from analysis.load import analyze_app
from tests.analysis import repos
from tests.analysis.repos import warned_local_files

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


# --------------------------------------------------------------------------- a compose file under another name

RENAMED_COMPOSE = (
    'version: "3"\nservices:\n  api:\n    build:\n      context: .\n      dockerfile: ./deploy/Dockerfile\n'
    "    ports:\n      - 8000:8000\n"
)


def _compose_services(tmp_path, name: str, text: str) -> list[tuple[str, str, str]]:
    files = {"backend/requirements.txt": "fastapi\n", "backend/main.py": repos.MAIN, f"backend/{name}": text}
    services = repos.findings(analyze_app(repos.build(tmp_path, files)), "compose-service")
    return [(f.file, f.detail["service"], f.detail.get("dockerfile", "")) for f in services]


def test_a_compose_file_under_another_name_gives_its_services(tmp_path):
    # `docker compose -f Production.yml up`: the name is free, the top-level services mapping decides
    found = _compose_services(tmp_path, "Production.yml", RENAMED_COMPOSE)
    assert found == [("backend/Production.yml", "api", "backend/deploy/Dockerfile")]


def test_other_yaml_with_services_is_no_compose_file(tmp_path):
    # controls: GitLab CI lists its services; a render.yaml-like list; a mapping without image or build
    gitlab = "services:\n  - mongo:6\ntest:\n  script: pytest\n"
    render = "services:\n  - type: web\n    name: api\n    env: python\n"
    other = "services:\n  mailer:\n    host: smtp.example.com\n"
    for name, text in (("ci.yml", gitlab), ("render.yaml", render), ("settings.yml", other)):
        assert _compose_services(tmp_path / name, name, text) == []


def test_a_renamed_base_that_a_compose_file_extends_is_no_project(tmp_path):
    # common.yaml holds a template service compose.yaml extends: only compose.yaml's services run
    files = {
        "backend/requirements.txt": "fastapi\n",
        "backend/main.py": repos.MAIN,
        "common.yaml": "services:\n  api-base:\n    build:\n      context: backend\n",
        "compose.yaml": "services:\n  api:\n    extends:\n      file: common.yaml\n      service: api-base\n",
    }
    services = repos.findings(analyze_app(repos.build(tmp_path, files)), "compose-service")
    assert [(f.file, f.detail["service"]) for f in services] == [("compose.yaml", "api")]


# --------------------------------------------------------------------------- local CORS origins beside an env read or "*"

CORS = (
    "import os\n\nfrom fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\n"
    "app = FastAPI()\norigins = {origins}\n"
    "app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=['*'])\n"
)


def _warned(tmp_path, origins: str) -> list[str]:
    files = {"requirements.txt": "fastapi\n", "main.py": CORS.format(origins=origins)}
    return warned_local_files(analyze_app(repos.build(tmp_path, files)))


def test_a_local_origin_listed_beside_an_env_read_is_hard_coded(tmp_path):
    # the env read is another item of the list, not the local address's default
    assert _warned(tmp_path, "[os.getenv('CLIENT_URL'), 'http://localhost:3001']") == ["main.py"]


def test_a_local_origin_as_an_env_default_stays_a_default(tmp_path):
    # controls: the address is the env read's default, or the whole list is
    assert _warned(tmp_path / "a", "[os.getenv('CLIENT_URL', 'http://localhost:3001')]") == []
    assert _warned(tmp_path / "b", "os.getenv('ORIGINS', ['http://localhost:3001'])") == []


def test_local_origins_beside_a_wildcard_break_nothing(tmp_path):
    # "*" among the origins allows every origin: the local ones are not needed once deployed
    assert _warned(tmp_path, "['http://localhost:5173', 'http://127.0.0.1:3000', '*']") == []


def test_local_origins_without_a_wildcard_are_hard_coded(tmp_path):
    # control: the same list without "*" (a "*" in another list, allow_methods, changes nothing)
    assert _warned(tmp_path, "['http://localhost:5173', 'http://127.0.0.1:3000']") == ["main.py"]
