"""One regression test per general weakness the third held-out round showed (14 public FARM
repositories scored at first sight; see benchmarks/README.md).

Each rebuilds the shape with minimal code of our own and pins the exact fact or finding; where a
fix narrows a rule, a control case pins what still counts.
"""

from __future__ import annotations

from analysis.load import analyze_app
from tests.analysis import repos
from tests.analysis.repos import MAIN, findings, warned_local_files


def counted_providers(analysis):
    kinds = ("ai-provider", "unsupported-ai-provider")
    return sorted({f.detail["provider"] for f in analysis.findings if f.kind in kinds})


# --------------------------------------------------------------------------- the entry module


def test_the_module_that_adds_routes_to_an_imported_app_is_the_entrypoint(tmp_path):
    # bootstrap.py builds the app, main.py imports it and declares the routes; bootstrap never imports
    # main, so `uvicorn src.bootstrap:app` would serve no route: the server starts from main
    files = {
        "backend/src/__init__.py": "",
        "backend/src/bootstrap.py": MAIN + "\n\n@app.get('/healthcheck/')\ndef health():\n    return 'ok'\n",
        "backend/src/main.py": (
            "from .bootstrap import app\nfrom .store import save\n\n\n@app.post('/todo/')\n"
            "async def create(item: dict):\n    return await save(item)\n"
        ),
        "backend/src/store.py": "async def save(item):\n    return item\n",
        "backend/pyproject.toml": '[project]\nname = "todo"\ndependencies = ["fastapi"]\n',
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert (analysis.requirements.api.root, analysis.requirements.api.entrypoint) == ("backend", "src.main:app")
    [entry] = findings(analysis, "entry-module")
    assert (entry.file, entry.detail["app_file"]) == ("backend/src/main.py", "backend/src/bootstrap.py")


def test_a_routes_module_the_app_module_imports_is_not_the_entrypoint(tmp_path):
    # control: main.py builds the app and imports routes.py, which decorates the imported app:
    # main is where everything is assembled
    files = {
        "main.py": MAIN + "\nimport routes  # noqa: E402\n",
        "routes.py": "from main import app\n\n\n@app.get('/items')\ndef items():\n    return []\n",
        "requirements.txt": "fastapi\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.api.entrypoint == "main:app"
    assert findings(analysis, "entry-module") == []


# --------------------------------------------------------------------------- MongoDB facts


def test_a_dotenv_values_mapping_names_the_connection_string_variable(tmp_path):
    # config = dotenv_values(".env"); MongoClient(config["DB_URL"]): DB_URL holds the URI
    files = {
        "main.py": "from config.database import connect\n" + MAIN,
        "config/__init__.py": "",
        "config/database.py": (
            "from dotenv import dotenv_values\nfrom pymongo import MongoClient\n\nconfig = dotenv_values('.env')\n"
            "client = MongoClient(config['DB_URL'], tls=True)\n\n\ndef connect():\n"
            "    return client[config.get('DB_NAME')]\n"
        ),
        "requirements.txt": "fastapi\npymongo\npython-dotenv\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.database.uri_env == "DB_URL"
    assert findings(analysis, "mongodb-uri-unresolved") == []


def test_connection_options_are_not_the_connection_string(tmp_path):
    # the URI is composed from user, password and host in a method; MONGODB_TLS and friends are
    # options of the connection, not a variable holding it: the report says no variable does
    files = {
        "main.py": "from core.database import get_client\n" + MAIN,
        "core/__init__.py": "",
        "core/config.py": (
            "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
            "    DB_HOST: str = ''\n    DB_USER: str = ''\n    DB_PASS: str = ''\n"
            "    MONGODB_TLS: str = 'true'\n    MONGODB_TLS_ALLOW_INVALID_CERTS: str = 'false'\n"
            "    MONGODB_MAX_RETRIES: int = 3\n    MONGODB_CONNECTION_TIMEOUT: int = 10\n\n\nsettings = Settings()\n"
        ),
        "core/database.py": (
            "from motor.motor_asyncio import AsyncIOMotorClient\n\nfrom core.config import settings\n\n\n"
            "class Config:\n    def uri(self):\n"
            "        return f'mongodb+srv://{settings.DB_USER}:{settings.DB_PASS}@{settings.DB_HOST}/'\n\n\n"
            "def get_client():\n    uri = Config().uri()\n    return AsyncIOMotorClient(uri, tls=settings.MONGODB_TLS)\n"
        ),
        "requirements.txt": "fastapi\nmotor\npydantic-settings\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    env_names = {f.detail["env"] for f in findings(analysis, "mongodb-uri-env")}
    assert env_names & {"MONGODB_TLS", "MONGODB_TLS_ALLOW_INVALID_CERTS", "MONGODB_MAX_RETRIES"} == set()
    [unresolved] = findings(analysis, "mongodb-uri-unresolved")
    assert unresolved.detail["env"] == "MONGODB_URL"


def test_a_uri_option_name_does_not_hide_the_uri_setting_beside_it(tmp_path):
    # control: MONGODB_URL next to MONGODB_TLS is still the connection string
    files = {
        "main.py": "import db\n" + MAIN,
        "db.py": (
            "from pydantic_settings import BaseSettings\nfrom pymongo import MongoClient\n\n\n"
            "class Settings(BaseSettings):\n    MONGODB_URL: str\n    MONGODB_TLS: bool = True\n\n\n"
            "settings = Settings()\nclient = MongoClient(settings.MONGODB_URL, tls=settings.MONGODB_TLS)\n"
        ),
        "requirements.txt": "fastapi\npymongo\n",
    }
    assert analyze_app(repos.build(tmp_path, files)).requirements.database.uri_env == "MONGODB_URL"


def test_a_client_built_from_a_constructor_parameter_reads_the_callers_variable(tmp_path):
    # class Database: __init__(self, connection_url) builds the client; the module instantiates it
    # with environ["MONGO_CONNECTION_STRING"]: that variable holds the connection string
    files = {
        "main.py": "from db import connected\n" + MAIN,
        "db.py": (
            "from os import environ\n\nfrom motor.motor_asyncio import AsyncIOMotorClient\n\n\n"
            "class Database:\n    def __init__(self, name, connection_url):\n"
            "        self.client = AsyncIOMotorClient(connection_url)\n        self.db = self.client[name]\n\n\n"
            "connected = Database('todos', connection_url=environ['MONGO_CONNECTION_STRING'])\n"
        ),
        "requirements.txt": "fastapi\nmotor\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.database.uri_env == "MONGO_CONNECTION_STRING"
    assert findings(analysis, "mongodb-uri-unresolved") == []


def test_a_database_name_passed_to_the_wrapper_class_is_the_name(tmp_path):
    # Store(url=..., name="todos") and get_database(name) inside the class: the literal the
    # module passes is the database name (the repository pattern of round 3, in one module)
    files = {
        "main.py": "import db\n" + MAIN,
        "db.py": (
            "import os\n\nfrom pymongo import MongoClient\n\n\nclass Store:\n    def __init__(self, url, name):\n"
            "        self.client = MongoClient(url)\n        self.db = self.client.get_database(name)\n\n\n"
            "store = Store(os.environ['MONGO_URL'], 'todos')\n"
        ),
        "requirements.txt": "fastapi\npymongo\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert (analysis.requirements.database.uri_env, analysis.requirements.database.database_name) == (
        "MONGO_URL",
        "todos",
    )


# --------------------------------------------------------------------------- leftover code


def test_a_module_nothing_imports_is_not_the_apis(tmp_path):
    # an old database.py nothing imports (motor, a localhost URI) next to the pymongo module the app
    # uses: its driver and its address are leftover code, reported as an unused module
    files = {
        "backend/main.py": "from config.database import connect\n" + MAIN,
        "backend/config/__init__.py": "",
        "backend/config/database.py": (
            "import os\n\nfrom pymongo import MongoClient\n\nclient = MongoClient(os.environ['DB_URL'])\n\n\n"
            "def connect():\n    return client['farm']\n"
        ),
        "backend/apps/server/database.py": (
            "import motor.motor_asyncio\n\nMONGO_DETAILS = 'mongodb://localhost:27017'\n"
            "client = motor.motor_asyncio.AsyncIOMotorClient(MONGO_DETAILS)\n"
        ),
        "backend/requirements.txt": "fastapi\npymongo\nmotor\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.database.drivers == ["pymongo"]
    assert analysis.requirements.database.uri_env == "DB_URL"
    assert [f.file for f in findings(analysis, "unused-module")] == ["backend/apps/server/database.py"]
    assert warned_local_files(analysis) == []


def test_an_unused_module_that_is_the_only_database_code_still_counts(tmp_path):
    # control: a skeleton whose database module nothing imports yet: it is the only sign that the
    # app means to use MongoDB, so its driver and variable stay
    files = {
        "app/__init__.py": "",
        "app/main.py": MAIN,
        "app/database.py": (
            "import os\n\nfrom motor.motor_asyncio import AsyncIOMotorClient\n\n"
            "client = AsyncIOMotorClient(os.environ['DATABASE_URL'])\n"
        ),
        "requirements.txt": "fastapi\nmotor\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert [f.file for f in findings(analysis, "unused-module")] == ["app/database.py"]
    assert analysis.requirements.database.drivers == ["motor"]
    assert analysis.requirements.database.uri_env == "DATABASE_URL"


def test_modules_reached_by_from_dot_import_are_used(tmp_path):
    # `from . import login, users` in routers/api.py reaches users.py: its driver counts
    files = {
        "backend/app/__init__.py": "",
        "backend/app/main.py": "from fastapi import FastAPI\n\nfrom .routers.api import api_router\n\napp = FastAPI()\n",
        "backend/app/routers/__init__.py": "",
        "backend/app/routers/api.py": "from fastapi import APIRouter\n\nfrom . import login, users\n\napi_router = APIRouter()\n",
        "backend/app/routers/login.py": "router = None\n",
        "backend/app/routers/users.py": "from pymongo import errors\n\nrouter = None\n",
        "backend/requirements.txt": "fastapi\npymongo\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert findings(analysis, "unused-module") == []
    assert analysis.requirements.database.drivers == ["pymongo"]


def test_unimported_scripts_and_websocket_helpers_still_count(tmp_path):
    # controls: a device bridge that runs on its own still posts to a local address (a warning), and
    # WebSocket helpers nothing imports yet keep has_realtime (the costlier mistake is to drop it);
    # with a dynamic import anywhere no module is called unused
    files = {
        "api/main.py": MAIN,
        "api/bridge.py": (
            "import requests\n\nAPI = 'http://127.0.0.1:8000/data'\n\n\nif __name__ == '__main__':\n"
            "    requests.post(API, json={})\n"
        ),
        "api/sockets.py": "from fastapi import WebSocket\n\n\nasync def send(ws: WebSocket):\n    await ws.send_json({})\n",
        "api/requirements.txt": "fastapi\nrequests\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert warned_local_files(analysis) == ["api/bridge.py"]
    assert analysis.requirements.has_realtime is True
    files = {
        "main.py": "import importlib\n" + MAIN + "importlib.import_module('plugins.store')\n",
        "plugins/__init__.py": "",
        "plugins/store.py": "from pymongo import MongoClient\n\nclient = MongoClient()\n",
        "requirements.txt": "fastapi\npymongo\n",
    }
    analysis = analyze_app(repos.build(tmp_path / "dynamic", files))
    assert findings(analysis, "unused-module") == []
    assert analysis.requirements.database.drivers == ["pymongo"]


# --------------------------------------------------------------------------- secrets


def _uri_repo(password: str) -> dict[str, str]:
    uri = f"mongodb+srv://test_user:{password}@cluster0.example.net/"
    return {
        "main.py": MAIN,
        "tests/test_config.py": f"def test_uri():\n    expected = '{uri}'\n    assert expected\n",
    }


def test_placeholder_passwords_in_a_mongodb_uri_are_not_secrets(tmp_path):
    for index, password in enumerate(("test_password", "p%40ssw0rd%21%23", "mypass123", "admin")):
        analysis = analyze_app(repos.build(tmp_path / str(index), _uri_repo(password)))
        assert findings(analysis, "secret") == [], password


def test_a_chosen_password_in_a_mongodb_uri_is_still_a_secret(tmp_path):
    # control: upper case or no placeholder word is a chosen or generated password
    for index, password in enumerate(("FarmStack", "xk29fjq7ta")):
        analysis = analyze_app(repos.build(tmp_path / str(index), _uri_repo(password)))
        [secret] = findings(analysis, "secret")
        assert (secret.file, secret.detail["variable"], secret.detail["type"]) == (
            "tests/test_config.py",
            "expected",
            "mongodb-uri-password",
        )


# --------------------------------------------------------------------------- AI providers


def test_langchain_beside_the_provider_it_drives_is_a_framework(tmp_path):
    # langchain_core messages and a langchain.agents agent over langchain_google_genai: the provider
    # is Gemini; LangChain is reported as the framework that drives it
    files = {
        "main.py": "import ai\n" + MAIN,
        "ai.py": (
            "from langchain.agents import create_agent\nfrom langchain_core.messages import HumanMessage\n"
            "from langchain_google_genai import ChatGoogleGenerativeAI\n\n"
            "agent = create_agent(ChatGoogleGenerativeAI(model='gemini-2.0-flash'), tools=[])\n"
            "agent.invoke([HumanMessage(content='hi')])\n"
        ),
        "requirements.txt": "fastapi\nlangchain\nlangchain-google-genai\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert counted_providers(analysis) == ["gemini"]
    assert analysis.requirements.unsupported_ai_providers == ["gemini"]
    assert {f.detail["provider"] for f in findings(analysis, "ai-framework")} == {"langchain"}


def test_langchain_alone_stays_a_provider_nobody_named(tmp_path):
    # control: with no provider found, LangChain is what calls a model: it stays unsupported
    files = {
        "main.py": "import ai\n" + MAIN,
        "ai.py": "from langchain.chat_models import init_chat_model\n\nmodel = init_chat_model(name())\n",
        "requirements.txt": "fastapi\nlangchain\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert counted_providers(analysis) == ["langchain"]
    assert findings(analysis, "ai-framework") == []
