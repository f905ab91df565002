"""Fixture repositories of different layouts, written into a temporary folder by the tests.

Each is a dict of relative path -> file content (str, or bytes for odd encodings).
They are small but shaped like the real thing (FARM monorepo, backend/ + frontend/,
FastAPI at the root, FastAPI inside a Next.js repo, dependency files in odd places).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MAIN_WITH_ROUTERS = """\
from fastapi import FastAPI

from .routes import health, items

app = FastAPI(title="shop")
app.include_router(health.router, prefix="/api")
app.include_router(items.router, prefix="/api/v1")
"""

FARM_MONOREPO = {
    "farm.config.ts": """\
import { defineConfig } from '@farm-framework/core';

export default defineConfig({
  name: 'shop',
  features: ['auth', 'ai'],
  database: { type: 'mongodb', url: process.env.DATABASE_URL || 'mongodb://localhost:27017/shop' },
  ai: {
    providers: {
      ollama: { enabled: true, url: 'http://localhost:11434', models: ['llama3.1'], defaultModel: 'llama3.1' },
      openai: { enabled: false, apiKey: process.env.OPENAI_API_KEY },
    },
    routing: { development: 'ollama', production: 'ollama' },
  },
});
""",
    "package.json": '{"name": "shop", "private": true, "workspaces": ["apps/*"]}',
    "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
    "apps/api/pyproject.toml": """\
[project]
name = "shop-api"
requires-python = ">=3.11,<3.12"
dependencies = ["fastapi>=0.115", "motor~=3.6", "Beanie==1.27", "python_multipart"]

[project.optional-dependencies]
dev = ["pytest"]
""",
    "apps/api/src/__init__.py": "",
    "apps/api/src/main.py": MAIN_WITH_ROUTERS,
    "apps/api/src/routes/__init__.py": "",
    "apps/api/src/routes/health.py": """\
from fastapi import APIRouter

router = APIRouter()


@router.get("/health")
async def health():
    return {"ok": True}
""",
    "apps/api/src/routes/items.py": """\
import os

from beanie import Document
from fastapi import APIRouter
from motor.motor_asyncio import AsyncIOMotorClient

router = APIRouter(prefix="/items")
client = AsyncIOMotorClient(os.environ["DATABASE_URL"])


class Item(Document):
    name: str


@router.get("")
async def list_items():
    return await Item.find_all().to_list()
""",
    "apps/api/tests/test_health.py": """\
from fastapi.testclient import TestClient
import openai  # only in tests: not the app

def test_health(tmp_path):
    open(tmp_path / "x", "w").write("x")
""",
    "apps/web/package.json": """\
{
  "name": "web",
  "scripts": {"build": "tsc && vite build"},
  "dependencies": {"react": "^18.3.1"},
  "devDependencies": {"vite": "^5.4.0"}
}
""",
    "apps/web/vite.config.ts": "export default { build: { outDir: 'build/client' } };\n",
    "apps/web/src/main.tsx": "const api = import.meta.env.VITE_BACKEND_URL;\nconsole.log(api);\n",
    "apps/web/public/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00",
}

BACKEND_FRONTEND = {
    "backend/requirements.txt": "fastapi==0.115.6\npymongo[srv]==4.10.1  # sync driver\n-r requirements-base.txt\n",
    "backend/requirements-dev.txt": "pytest\nhttpx\n",
    "backend/app/__init__.py": "",
    "backend/app/main.py": """\
from fastapi import FastAPI, File, UploadFile

from app.core.db import client

app = FastAPI()


@app.get("/healthz")
def healthz():
    return "ok"


@app.post("/upload")
async def upload(file: UploadFile = File(...)):
    with open(f"uploads/{file.filename}", "wb") as out:
        out.write(await file.read())
    return {"name": file.filename}
""",
    "backend/app/core/__init__.py": "",
    "backend/app/core/db.py": """\
from pymongo import MongoClient
from app.core.config import settings

client = MongoClient(settings.MONGO_URI)
""",
    "backend/app/core/config.py": """\
import os


class Settings:
    MONGO_URI = os.getenv("MONGO_URI", "mongodb://localhost:27017")


settings = Settings()
""",
    "frontend/package.json": """\
{
  "name": "frontend",
  "dependencies": {"react": "^18.2.0", "react-dom": "^18.2.0", "react-scripts": "5.0.1"},
  "scripts": {"start": "react-scripts start", "build": "react-scripts build"}
}
""",
    "frontend/yarn.lock": "# yarn lockfile v1\n",
    "frontend/src/api.js": "export const API = process.env.REACT_APP_API_URL || 'http://localhost:8000';\n",
    "frontend/src/App.js": "fetch('http://localhost:8000/items');\n",
    "frontend/public/favicon.ico": b"\x00\x00\x01\x00",
}

ROOT_FASTAPI = {
    "requirements.txt": "fastapi\nodmantic\nopenai\nanthropic\ntransformers\n",
    "Dockerfile": "FROM python:3.11-slim\nCOPY . .\nRUN pip install -r requirements.txt\nEXPOSE 8080\nCMD uvicorn main:app --port 8080\n",
    "main.py": """\
import anthropic
import transformers
from fastapi import FastAPI
from odmantic import AIOEngine
from openai import OpenAI

app = FastAPI()
engine = AIOEngine()
client = OpenAI()
claude = anthropic.Anthropic()


@app.get("/api/health")
def health():
    return {"ok": True}


@app.websocket("/ws/chat")
async def chat(ws):
    await ws.accept()
""",
}

NEXTJS_VERCEL = {
    "package.json": """\
{
  "name": "nextjs-fastapi",
  "scripts": {"dev": "next dev", "build": "next build"},
  "dependencies": {"next": "14.2.5", "react": "18.3.1"}
}
""",
    "package-lock.json": "{}",
    "next.config.js": "/** @type {import('next').NextConfig} */\nmodule.exports = {\n  output: 'export',\n};\n",
    "requirements.txt": "fastapi==0.115.0\nmotor\n",
    "api/index.py": """\
import os

from fastapi import FastAPI
from motor.motor_asyncio import AsyncIOMotorClient

app = FastAPI(docs_url="/api/py/docs")
db = AsyncIOMotorClient(os.environ.get("MONGODB_URI"))["app"]


@app.get("/api/py/health")
def health():
    return {"status": "ok"}
""",
    "app/page.tsx": "const url = process.env.NEXT_PUBLIC_API_URL;\nexport default function Page() { return null }\n",
    "public/next.svg": "<svg/>",
}

ODD_DEPENDENCIES = {
    "requirement.txt": "fastapi\nmotor\nhuggingface_hub\npython-socketio\n",
    "deploy/Pipfile": '[packages]\nfastapi = "*"\nmotor = "*"\n\n[requires]\npython_version = "3.12"\n',
    "service/__init__.py": "",
    "service/api.py": """\
import socketio
from fastapi import FastAPI
from huggingface_hub import InferenceClient

from service.store import get_db

api = FastAPI()
sio = socketio.AsyncServer(async_mode="asgi")
hf = InferenceClient()


@api.get("/healthz")
def healthz():
    return {"ok": True}
""",
    "service/store.py": """\
import os

import motor.motor_asyncio as motor


def get_db():
    return motor.AsyncIOMotorClient(os.environ["ATLAS_URI"])[os.getenv("DB_NAME", "odd")]
""",
}

POETRY_FACTORY = {
    "server/pyproject.toml": """\
[tool.poetry]
name = "server"

[tool.poetry.dependencies]
python = "^3.12"
fastapi = "^0.115"
beanie = "^1.27"
aiofiles = "*"
""",
    "server/src/app/__init__.py": "",
    "server/src/app/main.py": """\
from fastapi import FastAPI

from .storage import save


def create_app() -> FastAPI:
    application = FastAPI()
    return application


app = create_app()
""",
    "server/src/app/storage.py": """\
import tempfile
from pathlib import Path

import aiofiles
import beanie  # noqa: F401


async def save(name: str, data: bytes) -> None:
    async with aiofiles.open(Path("media") / name, "wb") as out:
        await out.write(data)
    Path(tempfile.gettempdir(), name).write_bytes(data)
    Path("reports", name).write_text("done")
""",
}

NEXT_APP_ROUTER = {
    "package.json": '{"name": "site", "dependencies": {"next": "15.0.0", "react": "19.0.0"}, "scripts": {"build": "next build"}}',
    "bun.lockb": b"\x00\x01bun",
    "next.config.mjs": "const nextConfig = { reactStrictMode: true };\nexport default nextConfig;\n",
    "requirements.txt": "fastapi\n",
    "app/page.tsx": "export default function Home() { return <main/> }\n",
    "app/api/index.py": """\
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

app = FastAPI()
app.mount("/uploads", StaticFiles(directory="uploads"), name="uploads")
""",
}

VITE_YARN_API_DOCKER = {
    "api/Dockerfile": 'FROM python:3.12\nWORKDIR /srv\nCOPY . .\nRUN pip install -r requirements.txt\nEXPOSE 9000\nCMD ["uvicorn", "main:app", "--port", "9000"]\n',
    "api/requirements.txt": "fastapi\nollama\nlangchain-openai\n",
    "api/.python-version": "3.11.9\n",
    "api/main.py": """\
import httpx
from fastapi import FastAPI
from langchain_openai import ChatOpenAI

app = FastAPI()
llm = ChatOpenAI()
OLLAMA = "http://localhost:11434"


@app.get("/ping")
async def ping():
    async with httpx.AsyncClient() as client:
        r = await client.post(f"{OLLAMA}/api/generate", json={"model": "llama3.2"})
    return r.json()
""",
    "web/package.json": '{"name": "web", "packageManager": "yarn@4.5.0", "devDependencies": {"@vitejs/plugin-react": "4", "vite": "5"}, "dependencies": {"react": "18"}}',
    "web/src/config.ts": "export const API_BASE = import.meta.env.VITE_API_BASE_URL;\nexport const MODE = import.meta.env.VITE_MODE;\n",
    "web/src/assets/hero.webm": b"\x1aE\xdf\xa3",
}

# A packaged backend in a src layout (hatch), the package a namespace package
# (no __init__.py) using relative imports; maintenance scripts beside it.
SRC_LAYOUT_PACKAGE = {
    "backend/pyproject.toml": """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "lists-backend"
dependencies = ["fastapi[standard] ~= 0.115", "motor[srv] ~= 3.6"]

[tool.hatch.build.targets.wheel]
packages = ["src/lists"]
""",
    "backend/requirements-dev.txt": "pytest\nmongomock-motor\n",
    "backend/Dockerfile": 'FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\nRUN pip install .\nEXPOSE 3001\nCMD ["python", "-m", "lists"]\n',
    "backend/src/lists/server.py": """\
import os
from contextlib import asynccontextmanager

from fastapi import FastAPI

from .store import Store

MONGODB_URI = os.environ["MONGODB_URI"]


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.store = await Store.connect(MONGODB_URI)
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/api/lists")
async def lists():
    return await app.store.all()
""",
    "backend/src/lists/store.py": """\
from motor.motor_asyncio import AsyncIOMotorClient


class Store:
    @classmethod
    async def connect(cls, uri):
        return cls(AsyncIOMotorClient(uri).get_default_database())
""",
    "backend/scripts/export.py": "import json\n\nwith open('dump.json', 'w') as out:\n    json.dump({}, out)\n",
    "frontend/package.json": '{"dependencies": {"react": "^18", "react-scripts": "5.0.1"}, "scripts": {"build": "react-scripts build"}}',
    "frontend/package-lock.json": "{}",
    "frontend/src/App.js": "fetch('/api/lists').then((r) => r.json());\n",
    "compose.yml": "services:\n  mongodb:\n    image: mongo:7\n",
}


def build(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def aws_dev_project(tmp_path: Path, app: Path) -> Path:
    """A Pulumi project folder whose dev stack deploys `app` on AWS (a placeholder Atlas org)."""
    import shutil

    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "Pulumi.yaml", project / "Pulumi.yaml")
    (project / "Pulumi.dev.yaml").write_text(
        f"config:\n  aws:region: us-east-1\n  farm:appPath: {app}\n  farm:platform: aws\n"
        '  farm:atlasOrgId: "000000000000000000000000"\n',
        encoding="utf-8",
    )
    return project


# The smallest app module the analyzer takes for the API.
MAIN = "from fastapi import FastAPI\n\napp = FastAPI()\n"


def findings(analysis: Any, kind: str) -> list[Any]:
    """The analysis' findings of one kind, in report order."""
    return [f for f in analysis.findings if f.kind == kind]


def warned_local_files(analysis: Any) -> list[str]:
    """Files with a local address the analyzer warns about (hard-coded, in use)."""
    return sorted({f.file for f in findings(analysis, "localhost-url") if f.severity == "warning"})
