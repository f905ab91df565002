"""Small repositories rebuilt with our own minimal code, one per shape met in the public corpus.

The corpus itself (benchmarks/corpus/*.yaml, scored by benchmarks/score_corpus.py) needs the
public repositories checked out, which CI cannot do. Each shape here reproduces what made one
or more of those repositories hard: the layout, the way settings are read, where the deploy
files sit. `expected` uses the fact kinds of the scorer and is written from the fixture itself.
"""

from __future__ import annotations

# cookiecutter template: the app lives under {{cookiecutter.project_slug}}/, the API image is
# built from a Dockerfile one folder above the API root, on a base image naming Python in its tag
TEMPLATE = {
    "files": {
        "cookiecutter.json": '{"project_name": "Base", "project_slug": "{{ cookiecutter.project_name|lower }}"}\n',
        "hooks/post_gen_project.py": "from pathlib import Path\n\nPath('generated.txt').write_bytes(b'')\n",
        "{{cookiecutter.project_slug}}/docker-compose.yml": (
            "services:\n"
            "  backend:\n"
            "    build:\n"
            "      context: ./backend\n"
            "      dockerfile: backend.dockerfile\n"
            "  mongodb:\n"
            "    image: mongo:7\n"
            "  frontend:\n"
            "    build: ./frontend\n"
        ),
        "{{cookiecutter.project_slug}}/.env": "SECRET_KEY={{cookiecutter.secret_key}}\nMONGO_DATABASE_URI=mongodb://mongodb\n",
        "{{cookiecutter.project_slug}}/backend/backend.dockerfile": (
            "FROM ghcr.io/example/inboard:fastapi-python3.11\nCOPY ./app /app\n"
        ),
        "{{cookiecutter.project_slug}}/backend/app/pyproject.toml": (
            '[project]\nname = "app"\nrequires-python = ">=3.11"\ndependencies = ["fastapi", "pymongo"]\n'
        ),
        "{{cookiecutter.project_slug}}/backend/app/app/__init__.py": "",
        "{{cookiecutter.project_slug}}/backend/app/app/main.py": (
            "from fastapi import FastAPI\n\nfrom app.core.config import settings\nfrom app.db import client\n\n"
            "app = FastAPI()\n"
        ),
        "{{cookiecutter.project_slug}}/backend/app/app/core/__init__.py": "",
        "{{cookiecutter.project_slug}}/backend/app/app/core/config.py": (
            "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
            "    MONGO_DATABASE_URI: str\n    MONGO_DATABASE: str\n\n\nsettings = Settings()\n"
        ),
        "{{cookiecutter.project_slug}}/backend/app/app/db.py": (
            "from pymongo import AsyncMongoClient\n\nfrom app.core.config import settings\n\n"
            "client = AsyncMongoClient(settings.MONGO_DATABASE_URI)\n"
        ),
        "{{cookiecutter.project_slug}}/backend/app/app/sockets.py": (
            "from fastapi import WebSocket\n\n\nasync def send(websocket: WebSocket) -> None:\n"
            "    await websocket.send_json({})\n"
        ),
        "{{cookiecutter.project_slug}}/frontend/package.json": '{"dependencies": {"next": "15", "react": "19"}}\n',
    },
    "expected": {
        "api_root": "{{cookiecutter.project_slug}}/backend/app",
        "api_entrypoint": "app.main:app",
        "python_version": "3.11",
        "web_root": "{{cookiecutter.project_slug}}/frontend",
        "web_framework": "nextjs",
        "db_drivers": ["pymongo"],
        "db_uri_env": "MONGO_DATABASE_URI",
        "has_realtime": True,
        "writes_local_disk": False,
        "secrets": [],
        "compose_services": ["backend", "frontend", "mongodb"],
        "is_template": True,
    },
}

# deploy files outside the API folder: compose builds from the repo root with
# deploy/backend/Dockerfile; secrets in compose, in config/database.env and as a settings default
DEPLOY_OUTSIDE = {
    "files": {
        "docker-compose.yml": (
            "services:\n"
            "  mongo:\n"
            "    image: mongo\n"
            "    env_file: [config/database.env]\n"
            "  fastapi:\n"
            "    build:\n"
            "      context: .\n"
            "      dockerfile: ./deploy/backend/Dockerfile\n"
            "    environment:\n"
            "      JWT_SECRET: 'Xq7vR2mN9pL4kT8wZ3cF6hJ1sD5gB0yA'\n"
            "      MONGODB_PASSWORD: ${MONGO_PASSWORD}\n"
            "  web:\n"
            "    build:\n"
            "      context: .\n"
            "      dockerfile: ./deploy/frontend/Dockerfile\n"
        ),
        "config/database.env": "MONGO_USER=root\nMONGO_PASSWORD=Zk29fQ81xVb7Lp40TmW3eRc6\n",
        "deploy/backend/Dockerfile": "FROM python:3.9 AS deploy\nCOPY ./backend/app /app/app\nWORKDIR /app\n",
        "deploy/backend/requirements.txt": "fastapi\nmotor\nbeanie\n",
        "deploy/frontend/Dockerfile": "FROM node:20 AS build\nFROM nginx:1.27\n",
        "backend/app/__init__.py": "",
        "backend/app/main.py": "from fastapi import FastAPI\n\nfrom app.core.database import client\n\napp = FastAPI()\n",
        "backend/app/core/__init__.py": "",
        "backend/app/core/settings.py": (
            "import os\n\nfrom pydantic import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
            "    jwt_secret: str = os.getenv('JWT_SECRET', 'b41c09e7f2d85a63c1e0f9b7a4d2c8e6')\n"
            "    mongo_host: str = os.getenv('MONGODB_HOST', 'mongo')\n"
            "    mongo_password: str = os.getenv('MONGODB_PASSWORD')\n"
            "    mongodb_uri: str = f'mongodb://root:{mongo_password}@{mongo_host}'\n\n\nsettings = Settings()\n"
        ),
        "backend/app/core/database.py": (
            "import motor.motor_asyncio\n\nfrom app.core.settings import settings\n\n"
            "client = motor.motor_asyncio.AsyncIOMotorClient(settings.mongodb_uri)\ndatabase = client.todos\n"
        ),
        "frontend/package.json": '{"dependencies": {"react": "18", "react-scripts": "5"}}\n',
    },
    "expected": {
        "api_root": "backend",
        "api_entrypoint": "app.main:app",
        "python_version": "3.9",
        "web_root": "frontend",
        "web_framework": "cra",
        "db_drivers": ["motor"],
        "db_uri_env": "MONGODB_URI",
        "db_name": "todos",
        "secrets": ["JWT_SECRET", "MONGO_PASSWORD"],
        "compose_services": ["fastapi", "mongo", "web"],
        "is_template": False,
    },
}

# a stray __init__.py beside main.py that imports its siblings absolutely; sentence_transformers
# imported plainly; the MongoDB URI a literal; a JWT secret too short to be a real one
STRAY_INIT = {
    "files": {
        "backend/__init__.py": "",
        "backend/requirements.txt": "fastapi\npymongo\nsentence-transformers\n",
        "backend/.env": "JWT_SECRET=1234abcd\n",
        "backend/main.py": (
            "from fastapi import FastAPI\n\nfrom routes.search import router\nfrom database import users\n\n"
            "app = FastAPI()\napp.include_router(router)\n"
        ),
        "backend/database.py": (
            'from pymongo import MongoClient\n\nmongodb_uri = ""\nconnection = MongoClient(mongodb_uri, 27017)\n'
            "users = connection.classifier.users\n"
        ),
        "backend/routes/__init__.py": "",
        "backend/routes/search.py": (
            "import sentence_transformers\nfrom fastapi import APIRouter\n\nrouter = APIRouter()\n"
            "model = sentence_transformers.SentenceTransformer('all-MiniLM-L6-v2')\n"
        ),
        "frontend/package.json": '{"dependencies": {"react": "18", "vite": "5"}}\n',
        "frontend/package-lock.json": "{}\n",
    },
    "expected": {
        "api_root": "backend",
        "api_entrypoint": "main:app",
        "web_root": "frontend",
        "web_framework": "vite",
        "web_package_manager": "npm",
        "db_drivers": ["pymongo"],
        "db_uri_env": None,
        "db_name": "classifier",
        "ai_providers": ["huggingface"],
        "secrets": [],
    },
}

# a URI assembled in an f-string of config() reads inside a try block: no single variable
COMPOSED_URI = {
    "files": {
        "backend/requirements.txt": "fastapi\nmotor\npython-decouple\n",
        "backend/main.py": "from fastapi import FastAPI\n\nimport database\n\napp = FastAPI()\n",
        "backend/database.py": (
            "from decouple import config\nfrom motor.motor_asyncio import AsyncIOMotorClient\n\ntry:\n"
            "    uri = f\"mongodb://{config('USER_MONGO')}:{config('PASSWD_MONGO')}@{config('HOST_MONGO')}\"\n"
            "    client = AsyncIOMotorClient(uri)\nexcept Exception:\n    client = None\n"
        ),
    },
    "expected": {"api_root": "backend", "api_entrypoint": "main:app", "db_uri_env": None, "db_drivers": ["motor"]},
}

# a plain settings class (not pydantic) aliasing the variable; data-collection scripts outside
# the API root write files; the Gemini REST API, Whisper and gTTS; an upload written to disk
SETTINGS_ALIAS_AND_AI = {
    "files": {
        "backend/knowledge_base/collect.py": "with open('dump.json', 'w') as fh:\n    fh.write('{}')\n",
        "backend/editor/requirements.txt": "fastapi\nmotor\nopenai-whisper\ngTTS\nrequests\n",
        "backend/editor/main.py": "import uvicorn\n\nuvicorn.run('server.app:app')\n",
        "backend/editor/server/__init__.py": "",
        "backend/editor/server/config.py": (
            "from os import environ\n\n\nclass Settings:\n    DB_URI = environ.get('DATABASE_URI')\n"
        ),
        "backend/editor/server/app.py": (
            "from fastapi import FastAPI, UploadFile\nfrom motor.motor_asyncio import AsyncIOMotorClient\n\n"
            "from .config import Settings as db_settings\nfrom . import voice\n\n"
            "client = AsyncIOMotorClient(db_settings.DB_URI)\napp = FastAPI()\n\n\n"
            "@app.post('/audio')\nasync def audio(file: UploadFile):\n"
            "    with open('uploads/' + file.filename, 'wb') as fh:\n        fh.write(await file.read())\n"
        ),
        "backend/editor/server/voice.py": (
            "import requests\nimport whisper\nfrom gtts import gTTS\n\n"
            "URL = 'https://generativelanguage.googleapis.com/v1/models/gemini:generateContent'\n"
            "model = whisper.load_model('tiny')\n\n\ndef speak(text):\n    gTTS(text).save('out.mp3')\n"
            "    return requests.post(URL, json={})\n"
        ),
    },
    "expected": {
        "api_root": "backend/editor",
        "api_entrypoint": "server.app:app",
        "db_uri_env": "DATABASE_URI",
        "ai_providers": ["gemini", "tts", "whisper"],
        "has_file_storage": True,
        "writes_local_disk": True,
        "compose_services": [],
    },
}

# uploads read in memory and fed to a model are not storage; the version from runtime.txt
IN_MEMORY_UPLOAD = {
    "files": {
        "backend/runtime.txt": "python-3.6.14\n",
        "backend/requirements.txt": "fastapi\nmotor\n",
        "backend/main.py": (
            "import os\n\nfrom fastapi import FastAPI, File, UploadFile\nfrom motor.motor_asyncio import AsyncIOMotorClient\n\n"
            "client = AsyncIOMotorClient(os.environ.get('MONGODB_URL'))\napp = FastAPI()\n\n\n"
            "@app.post('/classify')\nasync def classify(image: UploadFile = File(...)):\n"
            "    data = await image.read()\n    return {'size': len(data)}\n"
        ),
        "frontend/package.json": '{"dependencies": {"react": "17", "react-scripts": "4"}}\n',
        "frontend/yarn.lock": "\n",
    },
    "expected": {
        "python_version": "3.6",
        "db_uri_env": "MONGODB_URL",
        "has_file_storage": False,
        "writes_local_disk": False,
        "web_package_manager": "yarn",
    },
}

# held out: no module-level app, only a factory uvicorn calls with --factory; a settings class with
# env_prefix="DATABASE_" whose `name` field names the database; a Vue front end on Vite with yarn
FACTORY_APP = {
    "files": {
        "docker-compose.yml": (
            "services:\n  backend:\n    build:\n      context: ./backend\n  mongo:\n    image: mongo:7\n"
            "    environment:\n      MONGO_INITDB_ROOT_PASSWORD: Tr4ck-9vQz2Lm\n"
        ),
        "backend/Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "app.main:init_app", "--factory"]\n',
        "backend/requirements.txt": "fastapi\nbeanie\npydantic-settings\n",
        "backend/app/__init__.py": "",
        "backend/app/main.py": (
            "from fastapi import FastAPI\n\nfrom app.db import connect\n\n\n"
            "def init_app() -> FastAPI:\n    app = FastAPI()\n    app.add_event_handler('startup', connect)\n"
            "    return app\n"
        ),
        "backend/app/settings.py": (
            "import os\n\nfrom pydantic_settings import BaseSettings, SettingsConfigDict\n\n\n"
            "class DatabaseSettings(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix='DATABASE_')\n"
            "    host: str = 'mongo'\n    name: str = 'ledger'\n\n    @property\n    def database_url(self) -> str:\n"
            "        return os.environ.get('DATABASE_URL') or f'mongodb://{self.host}'\n"
        ),
        "backend/app/db.py": (
            "from beanie import init_beanie\nfrom motor.motor_asyncio import AsyncIOMotorClient\n\n"
            "from app.settings import DatabaseSettings\n\n\nasync def connect(settings=DatabaseSettings()):\n"
            "    client = AsyncIOMotorClient(str(settings.database_url))\n"
            "    await init_beanie(database=client[settings.name], document_models=[])\n"
        ),
        "frontend/package.json": '{"scripts": {"build": "vite build"}, "dependencies": {"vue": "3"}, "devDependencies": {"vite": "5"}}\n',
        "frontend/yarn.lock": "\n",
    },
    "expected": {
        "api_root": "backend",
        "api_entrypoint": "app.main:init_app",
        "python_version": "3.12",
        "web_root": "frontend",
        "web_framework": "vite",
        "web_package_manager": "yarn",
        "db_drivers": ["beanie", "motor"],
        "db_uri_env": "DATABASE_URL",
        "db_name": "ledger",
        "secrets": ["MONGO_INITDB_ROOT_PASSWORD"],
        "compose_services": ["backend", "mongo"],
        "localhost_files": [],
    },
}

# held out: the OpenAI SDK pointed at base URLs from settings (OpenRouter, a local Ollama), the async
# pymongo client, a Streamlit UI instead of a JS front end, a CI workflow curling the local stack
OPENAI_COMPATIBLE_CHAT = {
    "files": {
        ".python-version": "3.13\n",
        "pyproject.toml": '[project]\nname = "chat"\ndependencies = ["fastapi", "pymongo", "openai", "streamlit"]\n',
        ".github/workflows/ci.yml": "jobs:\n  smoke:\n    steps:\n      - run: curl -sf http://localhost:8000/health\n",
        "app/__init__.py": "",
        "app/main.py": (
            "from fastapi import FastAPI\n\nfrom app.config import settings\nfrom app.llm import make_client\n"
            "from app.store import make_store\n\napp = FastAPI()\n"
        ),
        "app/config.py": (
            "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
            "    mongo_uri: str = 'mongodb://mongo:27017'\n    mongo_db: str = 'chat'\n"
            "    llm_base_url: str = 'https://openrouter.ai/api/v1'\n"
            "    ollama_base_url: str = 'http://host.docker.internal:11434/v1'\n\n\nsettings = Settings()\n"
        ),
        "app/llm.py": (
            "import openai\n\n\ndef make_client(base_url: str) -> openai.AsyncOpenAI:\n"
            "    return openai.AsyncOpenAI(api_key='unused', base_url=base_url)\n"
        ),
        "app/store.py": (
            "from pymongo import AsyncMongoClient\n\n\ndef make_store(uri: str, db_name: str):\n"
            "    return AsyncMongoClient(uri)[db_name]\n"
        ),
        "streamlit_app.py": "import os\n\nAPI = os.environ.get('API_BASE_URL', 'http://localhost:8000')\n",
    },
    "expected": {
        "api_root": ".",
        "api_entrypoint": "app.main:app",
        "python_version": "3.13",
        "web_root": None,
        "db_drivers": ["pymongo"],
        "db_uri_env": "MONGO_URI",
        "db_name": "chat",
        "ai_providers": ["ollama", "openrouter"],
        "secrets": [],
        "localhost_files": [],
    },
}

# held-out round 3: the app is built in bootstrap.py and main.py adds its routes (bootstrap never
# imports main); the client is built in a wrapper class from its constructor parameter; the
# committed env file's URI password is the word "password"; CORS and the front end's base URL
# are hard-coded
BOOTSTRAP_ENTRY = {
    "files": {
        ".env": "API_SERVER_PORT=3030\nMONGO_PASSWORD=password\nMONGO_URL=mongodb://admin:password@database:27017/admin\n",
        "docker-compose.yml": (
            "services:\n  database:\n    image: mongo\n  server:\n    build:\n      context: backend\n"
            "    env_file: [.env]\n"
        ),
        "backend/Dockerfile": 'FROM python:3.11\nCMD ["sh", "-c", "uvicorn src.main:app --port 3030"]\n',
        "backend/pyproject.toml": '[project]\nname = "todo"\ndependencies = ["fastapi", "motor"]\n',
        "backend/src/__init__.py": "",
        "backend/src/bootstrap.py": (
            "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\n"
            "app.add_middleware(CORSMiddleware, allow_origins=['http://localhost:5173'])\n"
        ),
        "backend/src/main.py": (
            "from .bootstrap import app\nfrom .db import store\n\n\n@app.get('/todo/')\nasync def todos():\n"
            "    return await store.db.todos.find().to_list(10)\n"
        ),
        "backend/src/db.py": (
            "from os import environ\n\nfrom motor.motor_asyncio import AsyncIOMotorClient\n\n\nclass Store:\n"
            "    def __init__(self, url, name):\n        self.client = AsyncIOMotorClient(url)\n"
            "        self.db = self.client.get_database(name)\n\n\n"
            "store = Store(url=environ['MONGO_URL'], name='todos')\n"
        ),
        "frontend/package.json": '{"dependencies": {"react": "18"}, "devDependencies": {"vite": "5"}}\n',
        "frontend/package-lock.json": "{}\n",
        "frontend/src/config.ts": "export const apiUrl = 'http://localhost:3030'\n",
    },
    "expected": {
        "api_root": "backend",
        "api_entrypoint": "src.main:app",
        "python_version": "3.11",
        "web_root": "frontend",
        "web_framework": "vite",
        "web_package_manager": "npm",
        "db_drivers": ["motor"],
        "db_uri_env": "MONGO_URL",
        "db_name": "todos",
        "secrets": [],
        "compose_services": ["database", "server"],
        "localhost_files": ["backend/src/bootstrap.py", "frontend/src/config.ts"],
    },
}

# held-out round 3: python-dotenv's dotenv_values mapping names the URI variable, an old motor
# module nothing imports (with a localhost URI) is leftover code, LangChain drives Gemini
LEFTOVER_MODULE = {
    "files": {
        "backend-fastapi/requirements.txt": "fastapi\npymongo\nmotor\nlangchain\nlangchain-google-genai\n",
        "backend-fastapi/main.py": (
            "from fastapi import FastAPI\n\nfrom config.database import connect\nfrom routes.chat import router\n\n"
            "app = FastAPI()\napp.include_router(router)\n"
        ),
        "backend-fastapi/config/__init__.py": "",
        "backend-fastapi/config/database.py": (
            "from dotenv import dotenv_values\nfrom pymongo import MongoClient\n\nconfig = dotenv_values('.env')\n"
            "client = MongoClient(config['DB_URL'])\n\n\ndef connect():\n    return client['farmstack']\n"
        ),
        "backend-fastapi/routes/__init__.py": "",
        "backend-fastapi/routes/chat.py": (
            "from fastapi import APIRouter\nfrom langchain_core.messages import HumanMessage\n"
            "from langchain_google_genai import ChatGoogleGenerativeAI\n\nrouter = APIRouter()\n"
            "llm = ChatGoogleGenerativeAI(model='gemini-2.0-flash')\n\n\n@router.post('/chat')\n"
            "def chat(text: str):\n    return llm.invoke([HumanMessage(content=text)]).content\n"
        ),
        "backend-fastapi/apps/server/database.py": (
            "import motor.motor_asyncio\n\nclient = motor.motor_asyncio.AsyncIOMotorClient('mongodb://localhost:27017')\n"
        ),
        "ui/package.json": '{"dependencies": {"next": "14", "react": "18"}}\n',
        "ui/package-lock.json": "{}\n",
    },
    "expected": {
        "api_root": "backend-fastapi",
        "api_entrypoint": "main:app",
        "web_root": "ui",
        "web_framework": "nextjs",
        "web_package_manager": "npm",
        "db_drivers": ["pymongo"],
        "db_uri_env": "DB_URL",
        "db_name": "farmstack",
        "ai_providers": ["gemini"],
        "localhost_files": [],
    },
}

# a requirements file at the top, the API in Backend/ importing its siblings as top-level modules,
# the client built in config/db.py and its database selected in a route module that never names
# MongoDB; Vue 2 on Vue CLI with yarn, a storage key and secret in a Vuex module, a hard-coded return
# URL in a component, an origins list the app module never reads
SIBLING_IMPORTS_AND_VUE_CLI = {
    "files": {
        "requirements.txt": "fastapi\npymongo\n",
        "Backend/index.py": (
            "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\n"
            "from routes.events import router\n\napp = FastAPI()\napp.include_router(router)\n\n"
            "origins = ['http://localhost:3000']\napp.add_middleware(CORSMiddleware, allow_origins=['*'])\n"
        ),
        "Backend/config/db.py": "import os\n\nfrom pymongo import MongoClient\n\nconn = MongoClient(os.getenv('DATABASE_URL'))\n",
        "Backend/routes/events.py": (
            "from fastapi import APIRouter\n\nfrom config.db import conn\n\nrouter = APIRouter()\n\n\n"
            "@router.get('/events')\ndef events():\n    return list(conn.Events.posts.find())\n"
        ),
        "frontend/package.json": (
            '{"scripts": {"build": "vue-cli-service build"}, "dependencies": {"vue": "2"},'
            ' "devDependencies": {"@vue/cli-service": "4"}}\n'
        ),
        "frontend/yarn.lock": "# yarn lockfile v1\n",
        "frontend/src/store/images.js": (
            "export const upload = (file) => ({\n  apiKey: 'Zr4Kp8LmQ2xW7vTn3BcY9dHs',\n"
            "  apiSecret: 'T3qV9mK2xR7pL4wZ8nB1cF6hJ0sD5gY2aE9uI3oP7rW=',\n  key: file.name,\n})\n"
        ),
        "frontend/src/components/Pay.vue": (
            "<script>\nexport default {\n  data: () => ({ successURL: 'http://localhost:8080/done' }),\n}\n</script>\n"
        ),
    },
    "expected": {
        "api_root": "Backend",
        "api_entrypoint": "index:app",
        "web_root": "frontend",
        "web_framework": "unknown",
        "web_package_manager": "yarn",
        "db_drivers": ["pymongo"],
        "db_uri_env": "DATABASE_URL",
        "db_name": "Events",
        "secrets": ["APIKEY", "APISECRET"],
        "localhost_files": ["frontend/src/components/Pay.vue"],
    },
}

# a settings property assembling the URI from fields, the app's own wrapper class named MongoClient,
# a requires-python lower bound above the default, a database picked in a startup hook and dropped
COMPUTED_URI_AND_WRAPPER = {
    "files": {
        "backend/pyproject.toml": (
            '[project]\nname = "api"\nrequires-python = ">=3.13"\ndependencies = ["fastapi", "motor", "pydantic-settings"]\n'
        ),
        "backend/app/main.py": (
            "from fastapi import FastAPI\n\nfrom app.deps import current_user\nfrom app.store import client\n\n"
            "app = FastAPI()\n\n\n@app.on_event('startup')\nasync def ping():\n    probe = client['admin_probe']\n"
            "    await client.admin.command('ping')\n"
        ),
        "backend/app/config.py": (
            "from pydantic import computed_field\nfrom pydantic_settings import BaseSettings\n\n\n"
            "class Settings(BaseSettings):\n    DB_HOST: str = 'db'\n    DB_USER: str = 'app'\n\n"
            "    @computed_field\n    @property\n    def DB_URL(self) -> str:\n"
            "        return f'mongodb://{self.DB_USER}@{self.DB_HOST}'\n\n\nsettings = Settings()\n"
        ),
        "backend/app/store.py": (
            "from motor.motor_asyncio import AsyncIOMotorClient\n\nfrom app.config import settings\n\n"
            "client = AsyncIOMotorClient(settings.DB_URL)\n\n\nclass MongoClient:\n"
            "    def __init__(self, name: str = 'wallet'):\n        self.db = client[name]\n\n"
            "    async def find_user(self, uid):\n        return await self.db.users.find_one({'uid': uid})\n"
        ),
        "backend/app/deps.py": (
            "from app.store import MongoClient\n\n\nasync def current_user(uid: str):\n"
            "    return await MongoClient().find_user(uid)\n"
        ),
    },
    "expected": {
        "api_root": "backend",
        "api_entrypoint": "app.main:app",
        "python_version": "3.13",
        "db_drivers": ["motor"],
        "db_uri_env": None,
        "db_name": "wallet",
        "localhost_files": [],
    },
}

SHAPES = {
    "template": TEMPLATE,
    "deploy-outside": DEPLOY_OUTSIDE,
    "stray-init": STRAY_INIT,
    "composed-uri": COMPOSED_URI,
    "settings-alias-and-ai": SETTINGS_ALIAS_AND_AI,
    "in-memory-upload": IN_MEMORY_UPLOAD,
    "factory-app": FACTORY_APP,
    "openai-compatible-chat": OPENAI_COMPATIBLE_CHAT,
    "bootstrap-entry": BOOTSTRAP_ENTRY,
    "leftover-module": LEFTOVER_MODULE,
    "sibling-imports-and-vue-cli": SIBLING_IMPORTS_AND_VUE_CLI,
    "computed-uri-and-wrapper": COMPUTED_URI_AND_WRAPPER,
}
