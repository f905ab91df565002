"""One regression test per general weakness found on the held-out repositories (FARM repositories
scored at first sight, after the corpus in benchmarks/corpus had been fitted).

Each rebuilds the shape with minimal code of our own and pins the exact fact or finding; where a
fix narrows a rule, a control case pins what still counts.
"""

from __future__ import annotations

from analysis.load import analyze_app
from analysis.scan.detectors.secrets import looks_real, secret_name
from tests.analysis import repos
from tests.analysis.repos import MAIN, findings, warned_local_files


def providers(analysis):
    return sorted(
        {f.detail["provider"] for f in analysis.findings if f.kind in ("ai-provider", "unsupported-ai-provider")}
    )


# --------------------------------------------------------------------------- the import graph


def test_every_import_line_of_the_entry_module_is_followed(tmp_path):
    # `from pkg import a` followed by more import lines: each line is an import of its own. The
    # store module is reached through the third line; it runs on its own too, so if the graph lost
    # that line it would be a standalone script and its driver and database would not count.
    files = {
        "backend/__init__.py": "",
        "backend/main.py": (
            "from fastapi import FastAPI\n"
            "from backend import config\n"
            "from backend.tasks import TaskList, make_list\n\n"
            "app = FastAPI()\n"
        ),
        "backend/config.py": "import os\nMONGODB_URI = os.getenv('MONGODB_URI')\n",
        "backend/tasks.py": "from backend.store import Store\n\n\nclass TaskList:\n    pass\n\n\ndef make_list():\n    return Store()\n",
        "backend/store.py": (
            "from pymongo import MongoClient\n\nfrom backend import config\n\n\nclass Store:\n"
            "    def __init__(self):\n        self.client = MongoClient(config.MONGODB_URI)\n"
            "        self.db = self.client['tasks']\n\n\n"
            "if __name__ == '__main__':\n    print(Store())\n"
        ),
        "backend/requirements.txt": "fastapi\npymongo\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert findings(analysis, "standalone-script") == []
    assert analysis.requirements.database.drivers == ["pymongo"]
    assert analysis.requirements.database.database_name == "tasks"


def test_parenthesised_imports_with_comments_are_followed(tmp_path):
    files = {
        "api/main.py": (
            "from fastapi import FastAPI\nfrom api.db import (  # the store\n    connect,\n    close,\n)\n\n"
            "app = FastAPI()\n"
        ),
        "api/__init__.py": "",
        "api/db.py": (
            "import motor.motor_asyncio\n\nclient = motor.motor_asyncio.AsyncIOMotorClient()\n\n\n"
            "def connect():\n    pass\n\n\ndef close():\n    pass\n\n\nif __name__ == '__main__':\n    connect()\n"
        ),
        "requirements.txt": "fastapi\nmotor\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert findings(analysis, "standalone-script") == []
    assert analysis.requirements.database.drivers == ["motor"]


# --------------------------------------------------------------------------- MongoDB facts


def test_a_seed_script_beside_the_api_does_not_cancel_the_api_variable(tmp_path):
    # seed/seed.py (outside the API root) names its literal connection string MONGO_URI, the
    # variable the API reads through its settings: the API's variable stands
    files = {
        "backend/app/main.py": "from fastapi import FastAPI\nfrom app.db import connect\n\napp = FastAPI()\n",
        "backend/app/config.py": (
            "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
            "    mongo_uri: str = 'mongodb://localhost:27017'\n\n\nsettings = Settings()\n"
        ),
        "backend/app/db.py": (
            "from motor.motor_asyncio import AsyncIOMotorClient\nfrom app.config import settings\n\n\n"
            "def connect():\n    return AsyncIOMotorClient(settings.mongo_uri)\n"
        ),
        "backend/requirements.txt": "fastapi\nmotor\npydantic-settings\n",
        "seed/seed.py": (
            "from pymongo import MongoClient\nMONGO_URI = 'mongodb://localhost:27017'\n\n"
            "if __name__ == '__main__':\n    MongoClient(MONGO_URI)\n"
        ),
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.database.uri_env == "MONGO_URI"
    assert findings(analysis, "mongodb-uri-unresolved") == []


def test_a_seed_script_alone_still_decides_when_the_api_reads_nothing(tmp_path):
    files = {
        "backend/main.py": MAIN,
        "backend/requirements.txt": "fastapi\n",
        "seed/seed.py": "from pymongo import MongoClient\nclient = MongoClient('mongodb://localhost:27017')\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    [unresolved] = findings(analysis, "mongodb-uri-unresolved")
    assert (unresolved.file, unresolved.detail["how"]) == ("seed/seed.py", "literal")


def test_settings_env_prefix_names_the_database_variable(tmp_path):
    files = {
        "backend/app/main.py": "from fastapi import FastAPI\nfrom app.db import connect\n\napp = FastAPI()\n",
        "backend/app/settings.py": (
            "from pydantic_settings import BaseSettings, SettingsConfigDict\n\n\n"
            "class DatabaseSettings(BaseSettings):\n"
            "    model_config = SettingsConfigDict(env_prefix='DATABASE_')\n"
            "    url: str = 'mongodb://db:27017'\n    name: str = 'inventory'\n"
        ),
        "backend/app/db.py": (
            "from motor.motor_asyncio import AsyncIOMotorClient\nfrom app.settings import DatabaseSettings\n\n"
            "settings = DatabaseSettings()\n\n\ndef connect():\n"
            "    client = AsyncIOMotorClient(settings.url)\n    return client[settings.name]\n"
        ),
        "backend/requirements.txt": "fastapi\nmotor\npydantic-settings\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.database.uri_env == "DATABASE_URL"
    assert analysis.requirements.database.database_name == "inventory"


def test_client_subscript_reads_a_parameter_default_and_an_annotated_client(tmp_path):
    store = (
        "from typing import Any\n\nfrom pymongo import MongoClient\nimport os\n\n\nclass Store:\n"
        "    def __init__(self, db_name: str = 'notes_db', factory: Any = None):\n"
        "        factory = factory or MongoClient\n"
        "        self._client: MongoClient[Any] = factory(os.getenv('MONGODB_URI'))\n"
        "        self._db = self._client[db_name]\n"
    )
    files = {
        "main.py": "from fastapi import FastAPI\nfrom store import Store\n\napp = FastAPI()\nstore = Store()\n",
        "store.py": store,
        "requirements.txt": "fastapi\npymongo\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.database.database_name == "notes_db"
    # two functions giving the same parameter different defaults: no name is read from them
    files["store.py"] = store + "\n\ndef other(db_name: str = 'elsewhere'):\n    return db_name\n"
    analysis = analyze_app(repos.build(tmp_path / "two", files))
    assert analysis.requirements.database.database_name == "app"


# --------------------------------------------------------------------------- entry point


def test_a_factory_only_app_is_the_entrypoint_with_an_asgi_factory_note(tmp_path):
    files = {
        "backend/app/__init__.py": "",
        "backend/app/main.py": (
            "from fastapi import FastAPI\nfrom app.routes import router\n\n\n"
            "def init_app() -> FastAPI:\n    app = FastAPI(root_path='/api')\n    app.include_router(router)\n"
            "    return app\n"
        ),
        "backend/app/routes.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
        "backend/requirements.txt": "fastapi\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert (analysis.requirements.api.root, analysis.requirements.api.entrypoint) == ("backend", "app.main:init_app")
    [warning] = findings(analysis, "asgi-factory")
    assert (warning.file, warning.line, warning.severity) == ("backend/app/main.py", 5, "info")
    # The plan calls the factory: the generated image runs `uvicorn app.main:init_app --factory`.
    assert analysis.requirements.api.factory is True
    assert warning.detail == {"factory": "init_app", "entrypoint": "app.main:init_app"}
    assert "--factory" in warning.message


def test_a_module_level_app_beats_a_factory_function_elsewhere(tmp_path):
    files = {
        "api/factory.py": "from fastapi import FastAPI\n\n\ndef create_app():\n    return FastAPI()\n",
        "api/main.py": MAIN,
        "api/requirements.txt": "fastapi\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.api.entrypoint == "main:app"
    assert findings(analysis, "asgi-factory") == []


# --------------------------------------------------------------------------- secrets


def test_author_is_not_a_secret_name_and_words_are_not_a_secret_value():
    assert [n for n in ("AUTHOR", "authors", "AUTHORITY") if secret_name(n)] == []
    assert [n for n in ("AUTHORIZATION", "AUTH_TOKEN", "BASIC_AUTH") if secret_name(n)] == [
        "AUTHORIZATION",
        "AUTH_TOKEN",
        "BASIC_AUTH",
    ]
    assert looks_real("Acme Editorial Team") is False
    assert looks_real("q8Vt2xLm0ZpR4kWc") is True


def test_a_default_author_is_not_a_committed_secret(tmp_path):
    files = {
        "main.py": MAIN + "\n\nfrom pydantic_settings import BaseSettings\n\n\nclass BlogSettings(BaseSettings):\n"
        "    title: str = 'Notes'\n    author: str = 'Acme Editorial'\n    api_key: str = 'q8Vt2xLm0ZpR4kWc'\n",
        "requirements.txt": "fastapi\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert sorted(f.detail["variable"] for f in findings(analysis, "secret")) == ["API_KEY"]


def test_a_connection_string_on_a_continuation_line_is_named_by_the_assignment(tmp_path):
    files = {
        "backend/main.py": MAIN,
        "backend/db.py": (
            "from pymongo import MongoClient\n\nclient = MongoClient(\n"
            "    'mongodb+srv://app:Zq81vT0pLm2x@cluster0.example.mongodb.net/?retryWrites=true'\n)\n"
        ),
        "backend/requirements.txt": "fastapi\npymongo\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    [secret] = findings(analysis, "secret")
    assert (secret.file, secret.line, secret.detail["variable"]) == ("backend/db.py", 4, "client")
    assert "Zq81vT0pLm2x" not in secret.message


# --------------------------------------------------------------------------- uploads


def test_a_put_route_decorator_is_not_a_stored_upload(tmp_path):
    handler = (
        "from fastapi import FastAPI, UploadFile\n\napp = FastAPI()\n\n\n"
        "@app.post('/images')\nasync def upload(file: UploadFile):\n    raw = await file.read()\n"
        "    return {'size': len(raw), 'type': file.content_type}\n\n\n"
        "@app.put('/profile')\nasync def profile(body: dict):\n    return body\n"
    )
    analysis = analyze_app(repos.build(tmp_path, {"main.py": handler, "requirements.txt": "fastapi\n"}))
    assert [f.detail["stored"] for f in findings(analysis, "file-upload")] == ["false"]
    assert analysis.requirements.has_file_storage is False
    # a real store in the module still counts
    stored = handler + "\n\ndef keep(fs, raw):\n    fs.put(raw)\n"
    analysis = analyze_app(repos.build(tmp_path / "stored", {"main.py": stored, "requirements.txt": "fastapi\n"}))
    assert analysis.requirements.has_file_storage is True


# --------------------------------------------------------------------------- local addresses


def test_ci_workflows_and_compose_fragments_are_development_configs(tmp_path):
    files = {
        "main.py": MAIN,
        "requirements.txt": "fastapi\n",
        ".github/workflows/ci.yml": "jobs:\n  e2e:\n    steps:\n      - run: curl -sf http://localhost:8080/health\n",
        "common.yaml": (
            "services:\n  api-template:\n    build:\n      context: .\n    healthcheck:\n"
            '      test: ["CMD", "curl", "http://localhost:8000/health"]\n'
        ),
        "config/endpoints.yaml": "upstream:\n  url: http://localhost:9000/v1\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    # the plain YAML config the app reads still breaks once deployed
    assert warned_local_files(analysis) == ["config/endpoints.yaml"]
    by_file = {f.file: f.severity for f in findings(analysis, "localhost-url")}
    assert by_file == {
        ".github/workflows/ci.yml": "info",
        "common.yaml": "info",
        "config/endpoints.yaml": "warning",
    }


# --------------------------------------------------------------------------- AI providers

_LLM = (
    "from openai import AsyncOpenAI\nfrom settings import settings\n\n\n"
    "def client():\n    return AsyncOpenAI(api_key='x', base_url=settings.llm_base_url)\n"
)


def _chat_repo(base_urls: str) -> dict[str, str]:
    return {
        "main.py": "from fastapi import FastAPI\nimport llm\n\napp = FastAPI()\n",
        "llm.py": _LLM,
        "settings.py": "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
        + base_urls
        + "\n\nsettings = Settings()\n",
        "requirements.txt": "fastapi\nopenai\npydantic-settings\n",
    }


def test_openai_sdk_pointed_at_a_configured_base_url_is_the_provider_the_setting_names(tmp_path):
    urls = (
        "    llm_base_url: str = 'https://openrouter.ai/api/v1'\n"
        "    ollama_base_url: str = 'http://host.docker.internal:11434/v1'\n"
    )
    analysis = analyze_app(repos.build(tmp_path, _chat_repo(urls)))
    assert providers(analysis) == ["ollama", "openrouter"]
    [sdk] = findings(analysis, "openai-compatible-client")
    assert (sdk.file, sdk.detail["provider"]) == ("llm.py", "ollama,openrouter")
    assert analysis.requirements.ai_providers == ["ollama"]


def test_openai_sdk_with_a_configured_base_url_stays_openai_without_another_provider(tmp_path):
    # the setting names OpenAI itself, or no base URL setting exists: the SDK is OpenAI's
    analysis = analyze_app(repos.build(tmp_path, _chat_repo("    llm_base_url: str = 'https://api.openai.com/v1'\n")))
    assert providers(analysis) == ["openai"]
    analysis = analyze_app(repos.build(tmp_path / "none", _chat_repo("    llm_base_url: str | None = None\n")))
    assert providers(analysis) == ["openai"]
    assert findings(analysis, "openai-compatible-client") == []
