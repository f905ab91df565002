"""Shapes met in public FARM repositories that the fixture layouts did not cover.

Each test rebuilds the shape of one real case with minimal code of its own (no
third-party code) and asserts the exact detection. The repositories the shapes
come from are listed in docs/analyzer.md ("Tested on real repositories").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.errors import UserError
from analysis.load import analyze_app
from farm_deploy.cli import main


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def kinds(analysis, kind: str) -> list[tuple[str, int | None]]:
    return [(f.file, f.line) for f in analysis.findings if f.kind == kind]


# backend/ + frontend/, pydantic settings with UPPERCASE fields, the client built from
# host/port/user/password fields, the OpenAPI document moved under the API prefix
SETTINGS_HOST_PARTS = {
    "backend/pyproject.toml": '[tool.poetry]\nname = "x"\n\n[tool.poetry.dependencies]\n'
    'python = "^3.12"\nfastapi = "*"\nbeanie = "*"\n',
    "backend/app/config/config.py": """\
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    API_V1_STR: str = "/api/v1"
    MONGO_HOST: str
    MONGO_PORT: int
    MONGO_USER: str | None = None
    MONGO_PASSWORD: str | None = None
    MONGO_DB: str


settings = Settings()
""",
    "backend/app/main.py": """\
from fastapi import FastAPI
from motor.motor_asyncio import AsyncIOMotorClient

from .config.config import settings


async def lifespan(app):
    app.client = AsyncIOMotorClient(
        settings.MONGO_HOST,
        settings.MONGO_PORT,
        username=settings.MONGO_USER,
        password=settings.MONGO_PASSWORD,
    )
    yield


app = FastAPI(openapi_url=f"{settings.API_V1_STR}/openapi.json", lifespan=lifespan)
""",
    "frontend/package.json": '{"scripts": {"build": "tsc && vite build"}, "dependencies": {"react": "18"}, '
    '"devDependencies": {"vite": "5"}}',
    "frontend/src/api.ts": "export const API_URL = import.meta.env.VITE_BACKEND_API_URL;\n",
}


def test_client_built_from_a_host_setting_and_openapi_under_the_api_prefix(tmp_path):
    analysis = analyze_app(write(tmp_path, SETTINGS_HOST_PARTS))
    req = analysis.requirements
    assert req.api.root == "backend" and req.api.entrypoint == "app.main:app"
    assert req.database.uri_env == "MONGO_HOST"
    assert req.database.drivers == ["motor"]
    # MONGO_PORT/USER/PASSWORD are parts of a connection, not connection strings
    uri_envs = sorted(f.detail["env"] for f in analysis.findings if f.kind == "mongodb-uri-env")
    assert uri_envs == ["MONGO_HOST", "MONGO_HOST"]
    assert kinds(analysis, "mongodb-uri-parts") == [("backend/app/main.py", 8)]
    # the load balancer must probe where the document is, not the default /openapi.json
    assert req.api.health_path == "/api/v1/openapi.json"
    assert kinds(analysis, "path-constant") == [("backend/app/config/config.py", 5)]
    assert req.web.api_url_env == "VITE_BACKEND_API_URL"


def test_health_route_under_a_prefix_taken_from_settings(tmp_path):
    files = dict(SETTINGS_HOST_PARTS)
    files["backend/app/routes.py"] = (
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get('/health')\ndef health():\n"
        "    return {}\n"
    )
    files["backend/app/main.py"] += (
        "\nfrom .routes import router\n\napp.include_router(router, prefix=settings.API_V1_STR)\n"
    )
    analysis = analyze_app(write(tmp_path, files))
    assert analysis.requirements.api.health_path == "/api/v1/health"
    assert kinds(analysis, "no-health-route") == []


def test_openapi_switched_off_without_health_route(tmp_path):
    analysis = analyze_app(
        write(
            tmp_path,
            {
                "requirements.txt": "fastapi\n",
                "main.py": "from fastapi import FastAPI\n\napp = FastAPI(openapi_url=None)\n",
            },
        )
    )
    assert analysis.requirements.api.health_path == "/"
    (finding,) = [f for f in analysis.findings if f.kind == "no-health-route"]
    assert "openapi_url=None" in finding.message


@pytest.mark.parametrize(
    ("argument", "env"),
    [
        ("settings.DB_URL", "DB_URL"),  # the settings module is not even in the repository
        ("settings.mongodb_uri", "MONGODB_URI"),  # pydantic reads lowercase fields from UPPERCASE variables
        ("str(get_settings().mongo_dsn)", "MONGO_DSN"),
        ('os.environ["ATLAS_CONN"]', "ATLAS_CONN"),
        ("CONN", "APP_CONN"),  # a module constant read from the environment
        ("LOCAL", "MONGODB_URL"),  # a literal constant names no variable: the name read elsewhere wins
        ("self.url", "MONGODB_URL"),  # an attribute of anything but a settings object names no variable
    ],
)
def test_uri_env_is_the_variable_handed_to_the_client(tmp_path, argument, env):
    main = f"""\
import os

from fastapi import FastAPI
from pymongo import AsyncMongoClient

CONN = os.getenv("APP_CONN")
LOCAL = "mongodb://db:27017"
MONGODB_URL_DEFAULT = os.getenv("MONGODB_URL")
app = FastAPI()
client = AsyncMongoClient({argument})
"""
    analysis = analyze_app(write(tmp_path, {"backend/requirements.txt": "fastapi\npymongo\n", "backend/main.py": main}))
    assert analysis.requirements.database.uri_env == env
    assert analysis.requirements.database.drivers == ["pymongo"]


def test_driver_missing_from_dependency_file_in_a_deploy_folder(tmp_path):
    analysis = analyze_app(
        write(
            tmp_path,
            {
                "deploy/backend/requirements.txt": "fastapi\nuvicorn\naiofiles\n",
                "backend/app/main.py": "from fastapi import FastAPI\n\nfrom app.core.database import client\n\n"
                "app = FastAPI()\n",
                "backend/app/core/database.py": "from motor import motor_asyncio\n\n"
                "client = motor_asyncio.AsyncIOMotorClient(settings.mongodb_uri)\n",
            },
        )
    )
    req = analysis.requirements
    assert (req.api.root, req.api.entrypoint) == ("backend", "app.main:app")
    assert req.api.dependency_files == ["deploy/backend/requirements.txt"]
    assert req.database.uri_env == "MONGODB_URI"
    (missing,) = [f for f in analysis.findings if f.kind == "missing-dependency"]
    assert (missing.file, missing.line, missing.detail) == ("backend/app/core/database.py", 1, {"package": "motor"})


def test_driver_installed_through_an_odm_is_not_missing(tmp_path):
    analysis = analyze_app(
        write(
            tmp_path,
            {
                "requirements.txt": "fastapi\nbeanie==1.26\n",
                "main.py": "from fastapi import FastAPI\nfrom motor.motor_asyncio import AsyncIOMotorClient\n"
                "import pymongo\n\napp = FastAPI()\n",
            },
        )
    )
    assert kinds(analysis, "missing-dependency") == []


def test_src_layout_namespace_package_with_relative_imports(tmp_path):
    analysis = analyze_app(
        write(
            tmp_path,
            {
                "backend/pyproject.toml": '[project]\nname = "todo"\ndependencies = ["fastapi", "motor"]\n',
                "backend/requirements.txt": "fastapi==0.111\nmotor==3.4\n",
                "backend/Dockerfile": "FROM python:3\nWORKDIR /app\nCOPY . .\nEXPOSE 3001\n",
                "backend/src/todo/server.py": """\
import os

from fastapi import FastAPI
from motor.motor_asyncio import AsyncIOMotorClient

from .dal import Store

MONGODB_URI = os.environ["MONGODB_URI"]
app = FastAPI()
client = AsyncIOMotorClient(MONGODB_URI)
""",
                "backend/src/todo/dal.py": "class Store:\n    pass\n",
                "frontend/package.json": '{"scripts": {"build": "react-scripts build"}, '
                '"dependencies": {"react": "18", "react-scripts": "5"}}',
            },
        )
    )
    req = analysis.requirements
    assert (req.api.root, req.api.entrypoint, req.api.port) == ("backend", "src.todo.server:app", 3001)
    assert req.database.uri_env == "MONGODB_URI"
    assert (req.web.framework, req.web.output_dir, req.web.build_command) == ("cra", "build", "npm run build")


FARM_BUNDLER_CONFIG = """\
import path from 'node:path'
import { defineConfig } from '@farmfe/core'

export default defineConfig({
  compilation: { resolve: { alias: { '@/': path.join(process.cwd(), 'src') } } },
  plugins: ['@farmfe/plugin-react', less()],
})
"""


def test_farm_bundler_config_is_not_a_farm_stack_config(tmp_path):
    analysis = analyze_app(
        write(
            tmp_path,
            {
                "farm.config.ts": FARM_BUNDLER_CONFIG,
                "package.json": '{"scripts": {"build": "farm build"}, "dependencies": {"react": "18"}, '
                '"devDependencies": {"@farmfe/core": "1"}}',
                "api/requirements.txt": "fastapi\n",
                "api/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            },
        )
    )
    assert analysis.farm_config_file is None
    web = analysis.requirements.web
    assert (web.root, web.framework, web.build_command, web.output_dir) == (".", "unknown", "npm run build", "dist")
    (frontend,) = [f for f in analysis.findings if f.kind == "frontend"]
    assert frontend.detail["bundler"] == "farm"


def test_farm_stack_config_importing_farm_core_is_still_read(tmp_path):
    config = "import { defineConfig } from '@farm/core';\n\nexport default defineConfig({ features: ['ai'] });\n"
    analysis = analyze_app(
        write(
            tmp_path,
            {"farm.config.ts": config, "main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"},
        )
    )
    assert analysis.farm_config_file == "farm.config.ts"
    assert analysis.requirements.features == ["ai"]


# a generator that reflowed Python into long lines: the app module does not parse
UNPARSABLE_MAIN = """\
from fastapi import FastAPI from fastapi.middleware.cors import CORSMiddleware
app = FastAPI( title="chat", description="a chat
app", version="0.1.0" )
"""


def test_app_module_that_does_not_parse_is_named_in_one_error(tmp_path):
    root = write(tmp_path, {"apps/api/requirements.txt": "fastapi\n", "apps/api/src/main.py": UNPARSABLE_MAIN})
    with pytest.raises(UserError) as caught:
        analyze_app(root)
    error = caught.value
    assert error.file == str(root / "apps/api/src/main.py")
    assert error.line == 2  # where the unterminated string starts
    assert "does not parse" in error.message


def test_cli_reports_the_unparsable_module_without_traceback(tmp_path, capsys):
    root = write(tmp_path, {"requirements.txt": "fastapi\n", "main.py": UNPARSABLE_MAIN})
    assert main(["analyze", str(root)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("error: ") and "main.py:2" in err and "does not parse" in err


def test_requirements_with_several_specs_per_line_are_reported(tmp_path):
    requirements = (
        "# FastAPI fastapi==0.104 uvicorn==0.24\n"
        "fastapi==0.104.1 uvicorn[standard]==0.24.0 # Database motor==3.3.2\n"
        "Logging python-json-logger==2.0.7\n"
        "motor==3.3.2 ; python_version >= '3.10'\n"
        "httpx[http2] >= 0.25, < 1  # client\n"
        "pkg @ https://example.com/pkg-1.0.whl\n"
        "orjson==3.9 --hash=sha256:00 \\\n"
        "    --hash=sha256:11\n"
    )
    analysis = analyze_app(
        write(
            tmp_path, {"requirements.txt": requirements, "main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"}
        )
    )
    assert analysis.requirements.api.dependencies == ["motor", "httpx", "pkg", "orjson"]
    (invalid,) = [f for f in analysis.findings if f.kind == "dependency-file-invalid"]
    assert (invalid.file, invalid.line, invalid.detail) == ("requirements.txt", 2, {"lines": "2,3"})


def test_entry_module_importing_its_siblings_absolutely_below_the_dependency_folder(tmp_path):
    analysis = analyze_app(
        write(
            tmp_path,
            {
                "apps/api/pyproject.toml": '[project]\nname = "api"\ndependencies = ["fastapi"]\n',
                "apps/api/src/main.py": "from fastapi import FastAPI\n\nfrom core import config\n"
                "from routes.chat import router\nimport fastapi\n\napp = FastAPI()\n",
                "apps/api/src/core.py": "config = {}\n",
                "apps/api/src/routes/chat.py": "router = None\n",
            },
        )
    )
    api = analysis.requirements.api
    assert (api.root, api.entrypoint) == ("apps/api", "src.main:app")
    (finding,) = [f for f in analysis.findings if f.kind == "api-import-path"]
    assert (finding.file, finding.line) == ("apps/api/src/main.py", 7)
    assert finding.detail == {"modules": "core,routes", "import_dir": "src"}


def test_entry_module_with_siblings_at_the_api_root_is_fine(tmp_path):
    analysis = analyze_app(
        write(
            tmp_path,
            {
                "backend/requirements.txt": "fastapi\n",
                "backend/main.py": "from fastapi import FastAPI\n\nfrom config import settings\n"
                "from apps.todo.routers import router\n\napp = FastAPI()\n",
                "backend/config.py": "settings = None\n",
                "backend/apps/todo/routers.py": "router = None\n",
            },
        )
    )
    assert (analysis.requirements.api.root, analysis.requirements.api.entrypoint) == ("backend", "main:app")
    assert kinds(analysis, "api-import-path") == []
