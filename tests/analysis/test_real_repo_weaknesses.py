"""One regression test per general weakness found by scoring the analyzer on public FARM repositories.

Each rebuilds the shape with minimal code of our own and pins the exact fact or finding.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess

import pytest

from analysis.errors import UserError
from analysis.load import analyze_app
from analysis.scan.walker import decode
from tests.analysis import repos
from tests.analysis.repos import MAIN, findings


def secret_names(analysis):
    return sorted((f.file, f.detail["variable"]) for f in findings(analysis, "secret"))


# --------------------------------------------------------------------------- templates


def test_app_only_under_a_placeholder_folder_is_analyzed_as_a_template(tmp_path):
    analysis = analyze_app(repos.build(tmp_path, {"{{cookiecutter.project_slug}}/backend/main.py": MAIN}))
    assert analysis.requirements.api.root == "{{cookiecutter.project_slug}}/backend"
    assert analysis.requirements.api.entrypoint == "main:app"
    [template] = findings(analysis, "template-repository")
    assert (template.file, template.severity) == ("{{cookiecutter.project_slug}}", "warning")


def test_cookiecutter_json_makes_the_placeholder_folders_part_of_the_app(tmp_path):
    files = {
        "cookiecutter.json": "{}",
        "main.py": MAIN,
        "{{cookiecutter.project_slug}}/worker.py": "import openai\nopenai.OpenAI()\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert findings(analysis, "skipped-template") == []
    assert findings(analysis, "template-repository")[0].file == "cookiecutter.json"
    # the placeholder folder is read: its module's provider is found (main.py does not import it, so
    # it is an unused module and the provider is not the API's)
    assert [f.file for f in findings(analysis, "ai-provider")] == ["{{cookiecutter.project_slug}}/worker.py"]


# --------------------------------------------------------------------------- deploy files


@pytest.mark.parametrize(
    "name", ["docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml", "docker-compose.prod.yml"]
)
def test_compose_files_are_read_under_every_name(tmp_path, name):
    compose = "services:\n  api:\n    build: ./backend\n    ports: ['8000:8000']\n    environment: [MONGO_URL=x]\n  redis:\n    image: redis:7\n"
    analysis = analyze_app(repos.build(tmp_path, {"backend/main.py": MAIN, name: compose}))
    services = {f.detail["service"]: f.detail for f in findings(analysis, "compose-service")}
    assert services == {
        "api": {
            "service": "api",
            "build_context": "backend",
            "dockerfile": "backend/Dockerfile",
            "ports": "8000:8000",
            "env": "MONGO_URL",
        },
        "redis": {"service": "redis", "image": "redis:7"},
    }


def test_kubernetes_workloads_and_broken_yaml_are_findings(tmp_path):
    manifest = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: api\n          image: acme/api:1\n          env:\n            - name: MONGO_URL\n"
    )
    files = {"main.py": MAIN, "k8s/api.yaml": manifest, "docker-compose.yml": "services: [unclosed\n"}
    analysis = analyze_app(repos.build(tmp_path, files))
    [workload] = findings(analysis, "kubernetes-workload")
    assert workload.detail == {"workload": "Deployment", "name": "api", "images": "acme/api:1", "env": "MONGO_URL"}
    [broken] = findings(analysis, "unreadable-deploy-file")
    assert (broken.file, broken.severity) == ("docker-compose.yml", "warning")


def test_python_version_comes_from_the_dockerfile_compose_builds_the_api_with(tmp_path):
    files = {
        "backend/app/main.py": MAIN,
        "backend/app/__init__.py": "",
        "backend/.python-version": "3.11\n",
        "deploy/api/Dockerfile": "FROM python:3.9-slim AS base\nCOPY backend/app /app/app\n",
        "docker-compose.yml": "services:\n  api:\n    build:\n      context: .\n      dockerfile: deploy/api/Dockerfile\n",
    }
    assert analyze_app(repos.build(tmp_path, files)).requirements.api.python_version == "3.9"


@pytest.mark.parametrize(
    ("files", "version"),
    [
        ({"Dockerfile": "FROM python:3\nCMD uvicorn main:app\n", ".python-version": "3.11\n"}, "3"),
        (
            {".python-version": "3.10.4\n", "pyproject.toml": '[project]\nname="x"\nrequires-python=">=3.11,<3.13"\n'},
            "3.10",
        ),
        (
            {"pyproject.toml": '[project]\nname="x"\nrequires-python="==3.11.*"\n', "runtime.txt": "python-3.9.1\n"},
            "3.11",
        ),
        ({"runtime.txt": "python-3.9.1\n"}, "3.9"),
        ({}, "3.12"),
    ],
)
def test_python_version_precedence(tmp_path, files, version):
    analysis = analyze_app(repos.build(tmp_path, {"main.py": MAIN, **files}))
    assert analysis.requirements.api.python_version == version


# --------------------------------------------------------------------------- secrets


def test_secrets_by_shape_and_entropy_in_env_like_files_yaml_and_code_defaults(tmp_path):
    real = "Zk29fQ81xVb7Lp40TmW3eRc6"
    files = {
        "main.py": MAIN + f"import os\nJWT = os.getenv('JWT_SECRET', '{real}a')\n",
        "settings.py": f"from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n    SECRET_KEY: str = '{real}b'\n",
        "config/database.env": f"MONGO_USER=root\nMONGO_PASSWORD={real}c\n",
        "env.production": f"API_TOKEN={real}d\n",
        "env.sample": f"API_TOKEN={real}e\n",
        "app.env.example": f"API_TOKEN={real}f\n",
        ".env": "JWT_SECRET=thisshouldbechanged\nSHORT_KEY=abc123XY\nREF_SECRET=${OTHER}\n",
        "docker-compose.yml": f"services:\n  api:\n    environment:\n      AUTH_SECRET: '{real}g'\n      DB_PASSWORD: ${{DB_PASSWORD}}\n",
        "k8s/secret.yaml": "apiVersion: v1\nkind: Secret\ndata:\n"
        f"  API_KEY: {base64.b64encode((real + 'h').encode()).decode()}\n"
        f"  PASSWORD: {base64.b64encode(b'password').decode()}\n",
        "k8s/deploy.yaml": "env:\n  - name: X\n    valueFrom:\n      secretKeyRef:\n        key: MONGO_PASSWORD\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert secret_names(analysis) == [
        ("config/database.env", "MONGO_PASSWORD"),
        ("docker-compose.yml", "AUTH_SECRET"),
        ("env.production", "API_TOKEN"),
        ("k8s/secret.yaml", "API_KEY"),
        ("main.py", "JWT_SECRET"),
        ("settings.py", "SECRET_KEY"),
    ]
    assert real not in analysis.model_dump_json()


def test_gitignored_env_file_outside_git_is_not_a_committed_secret(tmp_path):
    files = {
        "main.py": MAIN,
        ".gitignore": ".env\nlocal/\n",
        ".env": "JWT_SECRET=Zk29fQ81xVb7Lp40TmW3eRc6\n",
        "local/x.env": "API_KEY=Zk29fQ81xVb7Lp40TmW3eRc7\n",
    }
    assert secret_names(analyze_app(repos.build(tmp_path, files))) == []


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_in_a_git_checkout_tracked_files_count_even_when_gitignore_matches_them(tmp_path):
    files = {"main.py": MAIN, ".gitignore": "*.env\n", "tracked.env": "API_KEY=Zk29fQ81xVb7Lp40TmW3eRc6\n"}
    repos.build(tmp_path, files)
    git = ["git", "-C", str(tmp_path), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-f", "main.py", ".gitignore", "tracked.env"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    (tmp_path / "local.env").write_text("API_KEY=Zk29fQ81xVb7Lp40TmW3eRc7\n")
    assert secret_names(analyze_app(tmp_path)) == [("tracked.env", "API_KEY")]


# --------------------------------------------------------------------------- AI providers


@pytest.mark.parametrize(
    ("code", "supported", "unsupported"),
    [
        ("import sentence_transformers\nsentence_transformers.SentenceTransformer('m')\n", ["huggingface"], []),
        ("from langchain_openai import ChatOpenAI\nChatOpenAI()\n", ["openai"], []),
        ("from langchain_anthropic import ChatAnthropic\nChatAnthropic()\n", [], ["anthropic"]),
        ("from google import genai\ngenai.Client()\n", [], ["gemini"]),
        ("import google.generativeai as g\ng.configure()\n", [], ["gemini"]),
        ("from openai import OpenAI\nOpenAI(base_url='https://openrouter.ai/api/v1')\n", [], ["openrouter"]),
        ("from openai import OpenAI\nOpenAI(base_url='http://localhost:11434/v1')\n", ["ollama"], []),
        ("import httpx\nhttpx.post('https://api.anthropic.com/v1/messages')\n", [], ["anthropic"]),
        ("import whisper\nwhisper.load_model('tiny')\n", [], ["whisper"]),
        ("import spacy\nimport mediapipe as mp\nspacy.load('en')\nmp.solutions\n", [], ["spacy", "mediapipe"]),
    ],
)
def test_ai_providers_from_one_table(tmp_path, code, supported, unsupported):
    analysis = analyze_app(repos.build(tmp_path, {"main.py": "import ai\n" + MAIN, "ai.py": code}))
    assert analysis.requirements.ai_providers == supported
    assert analysis.requirements.unsupported_ai_providers == unsupported


# --------------------------------------------------------------------------- localhost / LAN


def test_loopback_and_private_addresses_in_every_text_file(tmp_path):
    files = {
        "main.py": MAIN + "import uvicorn\nuvicorn.run(app, host='0.0.0.0')\nDB = dict(host='localhost')\n",
        "web/.env.production": "VITE_API=http://192.168.1.20:8000\n",
        "web/index.html": '<script src="http://127.0.0.1:5173/x.js"></script>\n',
        "web/next.config.js": "module.exports = { rewrites: () => [{ destination: 'http://localhost:8000' }] }\n",
        "config/app.json": '{"cache": {"host": "10.0.0.5"}}\n',
        "config/app.yaml": "broker: amqp://172.20.0.3:5672\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    got = sorted(
        (f.file, f.line, f.severity, f.detail.get("private", "false")) for f in findings(analysis, "localhost-url")
    )
    assert got == [
        ("config/app.json", 1, "warning", "true"),
        ("config/app.yaml", 1, "warning", "true"),
        ("main.py", 6, "warning", "false"),
        ("web/.env.production", 1, "info", "true"),
        ("web/index.html", 1, "warning", "false"),
        ("web/next.config.js", 1, "info", "false"),
    ]


# --------------------------------------------------------------------------- MongoDB


def test_settings_default_followed_by_a_comment_and_an_fstring_uri(tmp_path):
    files = {
        "main.py": "import config\nimport db\n" + MAIN,
        "config.py": "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
        "    MONGO_DB: str = 'shop'  # the database\n",
        "db.py": "import os\n\nfrom motor.motor_asyncio import AsyncIOMotorClient\n\n"
        "uri = f\"mongodb+srv://{os.getenv('DB_USER')}:{os.getenv('DB_PASS')}@cluster0.example.net\"\n"
        "client = AsyncIOMotorClient(uri)\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.database.database_name == "shop"
    [unresolved] = findings(analysis, "mongodb-uri-unresolved")
    assert (unresolved.file, unresolved.line, unresolved.detail) == (
        "db.py",
        6,
        {"env": "MONGODB_URL", "how": "composed"},
    )
    assert "DB_USER,DB_PASS" in unresolved.message


# --------------------------------------------------------------------------- services, writes, uploads


def test_a_second_fastapi_app_is_a_service_of_its_own(tmp_path):
    files = {
        "api/main.py": MAIN,
        "api/requirements.txt": "fastapi\n",
        "ml/serve.py": MAIN,
        "ml/requirements.txt": "fastapi\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.api.root == "api"
    [other] = findings(analysis, "fastapi-service")
    assert (other.file, other.detail) == ("ml/serve.py", {"attribute": "app", "root": "ml"})


@pytest.mark.parametrize(
    "code",
    [
        "import logging\nlogging.getLogger().addHandler(logging.FileHandler('app.log'))\n",
        "from logging.handlers import RotatingFileHandler\nRotatingFileHandler('app.log')\n",
        "import logging\nlogging.basicConfig(filename='app.log')\n",
    ],
)
def test_log_files_are_local_disk_writes(tmp_path, code):
    analysis = analyze_app(repos.build(tmp_path, {"main.py": MAIN + code}))
    assert analysis.requirements.writes_local_disk


def test_writes_outside_the_api_root_are_not_the_apis(tmp_path):
    files = {
        "backend/main.py": MAIN,
        "backend/requirements.txt": "fastapi\n",
        "training/collect.py": "open('d.csv', 'w')\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert findings(analysis, "local-disk-write")[0].file == "training/collect.py"
    assert not analysis.requirements.writes_local_disk


def test_an_upload_read_in_memory_is_not_file_storage(tmp_path):
    handler = "from fastapi import UploadFile\n\n\n@app.post('/x')\nasync def x(f: UploadFile):\n    return len(await f.read())\n"
    analysis = analyze_app(repos.build(tmp_path, {"main.py": MAIN + handler}))
    [upload] = findings(analysis, "file-upload")
    assert upload.detail["stored"] == "false"
    assert not analysis.requirements.has_file_storage


# --------------------------------------------------------------------------- dependency files


def test_requirements_includes_extras_and_in_files(tmp_path):
    files = {
        "main.py": MAIN + "import beanie\nimport motor\n",
        "requirements.txt": "-r base.txt\n-r missing.txt\nfastapi-users[beanie]==13.0\n",
        "base.txt": "fastapi\n",
        "requirements-dev.in": "pytest\n",
        "requirements-dev.ini": "ruff\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    api = analysis.requirements.api
    assert api.dependencies == ["fastapi-users", "fastapi"]
    [missing] = findings(analysis, "missing-include")
    assert (missing.file, missing.detail) == ("requirements.txt", {"include": "missing.txt"})
    # beanie comes with fastapi-users[beanie], motor with beanie: nothing is missing
    assert findings(analysis, "missing-dependency") == []
    assert {f.file for f in findings(analysis, "dependency-file")} >= {"requirements-dev.in", "requirements-dev.ini"}


# --------------------------------------------------------------------------- silent drops


def test_binary_package_json_is_a_warning_naming_the_lost_front_end(tmp_path):
    analysis = analyze_app(repos.build(tmp_path, {"main.py": MAIN, "apps/web/package.json": b"\x00\x01binary"}))
    [dropped] = findings(analysis, "binary-file")
    assert (dropped.file, dropped.severity) == ("apps/web/package.json", "warning")
    assert dropped.message == "file skipped: binary content; the front end in apps/web is not analyzed"
    assert analysis.requirements.web is None


def test_oversized_farm_config_is_a_finding_and_not_parsed(tmp_path):
    big = "export default { name: 'x', pad: '" + "x" * (1024 * 1024) + "' }\n"
    analysis = analyze_app(repos.build(tmp_path, {"main.py": MAIN, "farm.config.ts": big}))
    [dropped] = findings(analysis, "file-too-large")
    assert (dropped.file, dropped.severity) == ("farm.config.ts", "warning")
    assert analysis.farm_config_file is None


def _deny(monkeypatch, suffix):
    real_open = os.open

    def fake_open(path, *args, **kwargs):
        if str(path).endswith(suffix):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)


def test_unreadable_main_module_is_named_in_the_error(tmp_path, monkeypatch):
    repos.build(tmp_path, {"main.py": MAIN})
    _deny(monkeypatch, "main.py")
    with pytest.raises(UserError, match=r"no FastAPI app found: 1 Python file could not be read \(main.py\)"):
        analyze_app(tmp_path)


def test_unreadable_routes_are_named_in_the_missing_health_route_warning(tmp_path, monkeypatch):
    repos.build(tmp_path, {"api/main.py": MAIN, "api/routes/health.py": "x = 1\n"})
    _deny(monkeypatch, "health.py")
    [warning] = findings(analyze_app(tmp_path), "no-health-route")
    assert "1 Python file near the app could not be read, e.g. api/routes/health.py" in warning.message


def test_define_config_with_a_type_argument_is_read(tmp_path):
    config = "import { defineConfig, type FarmConfig } from '@farm/core';\n\nexport default defineConfig<FarmConfig>({ features: ['ai'] });\n"
    analysis = analyze_app(repos.build(tmp_path, {"main.py": MAIN, "farm.config.ts": config}))
    assert analysis.requirements.features == ["ai"]


# --------------------------------------------------------------------------- decoding, WebSockets (issue 9)


def test_utf16_without_a_bom_is_decoded():
    text = "fastapi==0.115\nmotor\n"
    assert decode(text.encode("utf-16-le")) == (text, "utf-16")
    assert decode(text.encode("utf-16-be")) == (text, "utf-16")
    assert decode(b"\x00\x00\x01\x02" * 8) == (None, None)  # NULs in both halves: binary


def test_utf16_requirements_without_a_bom_are_read(tmp_path):
    files = {"main.py": MAIN, "requirements.txt": "fastapi\nmotor\n".encode("utf-16-le")}
    assert analyze_app(repos.build(tmp_path, files)).requirements.api.dependencies == ["fastapi", "motor"]


def test_websocket_parameter_on_a_router_registered_elsewhere_is_realtime(tmp_path):
    files = {
        "main.py": MAIN,
        "chat.py": "from fastapi import APIRouter, WebSocket\n\nrouter = APIRouter()\n\n\nasync def relay(ws: WebSocket):\n    await ws.accept()\n",
        "other.py": "class WebSocket:\n    pass\n\n\ndef f(ws: WebSocket):\n    pass\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    [socket] = findings(analysis, "websocket")
    assert (socket.file, socket.line, socket.detail) == ("chat.py", 6, {"path": ""})
    assert analysis.requirements.has_realtime


def test_connection_string_and_database_name_imported_from_a_constants_module(tmp_path):
    files = {
        "server/app.py": MAIN + "from config import DB_NAME\nfrom mongodb import client\n\ndb = client[DB_NAME]\n",
        "server/config.py": 'MONGODB_URL = "mongodb://127.0.0.1:27017/"\nDB_NAME = "chat"\n',
        "server/mongodb.py": "from pymongo import MongoClient\n\nfrom config import MONGODB_URL\n\nclient = MongoClient(str(MONGODB_URL))\n",
        "server/queries.py": "class Accounts:\n    DATABASE_NAME = 'accounts-db'\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    # the URI is written in the code: no variable to set, so none is named
    [unresolved] = findings(analysis, "mongodb-uri-unresolved")
    assert unresolved.detail == {"env": "MONGODB_URL", "how": "literal"}
    names = sorted((f.file, f.detail["name"]) for f in findings(analysis, "mongodb-database"))
    assert names == [("server/config.py", "chat"), ("server/queries.py", "accounts-db")]
    assert analysis.requirements.database.database_name == "chat"


def test_an_upload_handed_to_another_function_may_be_stored(tmp_path):
    handler = (
        "from fastapi import File, UploadFile\n\nfrom storage import keep\n\n\n@app.post('/avatar')\n"
        "async def avatar(file: UploadFile = File(...)):\n    return keep(file.file, file.filename)\n"
    )
    analysis = analyze_app(
        repos.build(tmp_path, {"main.py": MAIN + handler, "storage.py": "def keep(f, n):\n    pass\n"})
    )
    assert findings(analysis, "file-upload")[0].detail["stored"] == "true"
    assert analysis.requirements.has_file_storage


def test_standalone_scripts_beside_the_api_are_not_the_apis(tmp_path):
    files = {
        "backend/requirements.txt": "fastapi\nmotor\n",
        "backend/main.py": MAIN + "from services import store\n",
        "backend/services/__init__.py": "",
        "backend/services/store.py": "from .files import save\n",
        "backend/services/files.py": "def save(data):\n    with open('uploads/x', 'wb') as fh:\n        fh.write(data)\n",
        "backend/train.py": "import transformers\nfrom pymongo import MongoClient\n\nif __name__ == '__main__':\n"
        "    transformers.pipeline('x')\n    open('model.bin', 'wb').write(b'')\n",
        "backend/seed.py": "import json\nfrom pymongo import MongoClient\n\nwith open('data.json') as fh:\n    MongoClient().db.x.insert_many(json.load(fh))\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    req = analysis.requirements
    assert sorted(f.file for f in findings(analysis, "standalone-script")) == ["backend/seed.py", "backend/train.py"]
    # the write reached through main -> services.store -> services.files still counts
    assert req.writes_local_disk
    assert [f.file for f in req.evidence["writes_local_disk"]] == ["backend/services/files.py"]
    assert req.ai_providers == [] and req.database is None


def test_addresses_in_comments_messages_dev_proxies_and_files_outside_the_app_are_not_warnings(tmp_path):
    files = {
        "api/main.py": MAIN + "# client = MongoClient('mongodb://localhost:27017')\n"
        "print('open http://localhost:3000 to sign up')\nORIGINS = ['http://localhost:5173']  # the dev server\n",
        "api/requirements.txt": "fastapi\n",
        "web/package.json": '{"dependencies": {"react": "18", "vite": "5"}, "proxy": "http://localhost:8000"}\n',
        "data/records.json": '{"source": "http://192.168.0.10/export"}\n',
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    got = sorted((f.file, f.line, f.severity) for f in findings(analysis, "localhost-url"))
    assert got == [
        ("api/main.py", 6, "warning"),
        ("data/records.json", 1, "info"),
        ("web/package.json", 1, "info"),
    ]
