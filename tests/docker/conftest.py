"""A small FARM app in tmp_path and a stage plan for it, for the Docker tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from analysis.models import (
    AISettings,
    ApiSettings,
    ComponentChoices,
    DatabaseSettings,
    EnvRule,
    EnvVar,
    ModelChoice,
    StagePlan,
    WebSettings,
)


def make_app(root: Path, *, dockerfile: bool = False) -> Path:
    api = root / "apps" / "api"
    (api / "src").mkdir(parents=True)
    (api / "src" / "__init__.py").write_text("")
    (api / "src" / "main.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n")
    (api / "requirements.txt").write_text("fastapi==0.163.2\nuvicorn==0.54.0\nmotor==3.7.0\n")
    if dockerfile:
        (api / "Dockerfile").write_text("FROM python:3.12-slim\n")
    web = root / "apps" / "web"
    web.mkdir(parents=True)
    (web / "package.json").write_text('{"name": "web", "scripts": {"build": "vite build"}}\n')
    (web / "package-lock.json").write_text("{}\n")
    return root


def make_plan(**overrides: Any) -> StagePlan:
    values: dict[str, Any] = {
        "stage": "dev",
        "platform": "docker",
        "components": ComponentChoices(web="docker", api="docker", ai="ollama-cpu", db="none", network=False),
        "api": ApiSettings(root="apps/api", entrypoint="src.main:app", python_version="3.12"),
        "web": WebSettings(
            root="apps/web", build_command="npm run build", output_dir="dist", api_url_env="VITE_API_URL"
        ),
        "ai": AISettings(
            provider="ollama-cpu",
            keep_alive="30m",
            models=[
                ModelChoice(name="llama3.2:3b", provider="ollama", hardware="cpu"),
                ModelChoice(name="nomic-embed-text", provider="ollama", hardware="cpu"),
            ],
        ),
        "db": DatabaseSettings(database_name="farm_chat", uri_env="MONGODB_URL"),
        "env": [
            EnvVar(name="ENVIRONMENT", value="development", source="plan"),
            EnvVar(name="CORS_ORIGINS", source="output:web.url"),
            EnvVar(name="MONGODB_URL", secret=True, source="output:mongodb.url"),
            EnvVar(name="OPENAI_API_KEY", secret=True, source="config:farm:openaiApiKey"),
            EnvVar(name="HF_TOKEN", secret=True, source="config:farm:huggingfaceToken", rule=EnvRule(required=False)),
            EnvVar(name="VITE_API_URL", target="web", source="output:api.url"),
        ],
    }
    values.update(overrides)
    return StagePlan(**values)


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    return make_app(tmp_path / "farm-chat")


@pytest.fixture
def plan() -> StagePlan:
    return make_plan()
