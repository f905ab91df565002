"""The example app while its GPU scales from zero: fallback, else 503 with Retry-After, and the wake-up metric.

The app's real modules (settings, providers, the error handler, the EMF line)
serve requests through httpx's ASGI transport (what FastAPI's TestClient wraps;
starlette's TestClient warns that its httpx backend is deprecated); only the Ollama and OpenAI client libraries
are replaced, by stand-ins whose Ollama host refuses connections as a host
scaled to zero does (no DNS record, no listener).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

API = Path(__file__).resolve().parents[2] / "examples" / "farm-chat" / "apps" / "api"


class _Refused:
    def __init__(self, host: str | None = None) -> None:
        self.host = host

    async def chat(self, **_kwargs: object) -> object:
        raise httpx.ConnectError("[Errno -2] Name or service not known")

    async def list(self) -> object:
        raise httpx.ConnectError("refused")


class _Delta:
    def __init__(self, text: str) -> None:
        self.choices = [types.SimpleNamespace(delta=types.SimpleNamespace(content=text))]


class _OpenAI:
    def __init__(self, api_key: str | None = None) -> None:
        self.api_key = api_key
        self.chat = types.SimpleNamespace(completions=types.SimpleNamespace(create=self._create))
        self.models: list[str] = []

    async def _create(self, *, model: str, messages: object, stream: bool) -> object:
        self.models.append(model)

        async def chunks():
            for text in ("hello", " there"):
                yield _Delta(text)

        return chunks()


def _load(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> types.SimpleNamespace:
    for name in list(sys.modules):
        if name == "src" or name.startswith("src."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ollama", types.SimpleNamespace(AsyncClient=_Refused))
    monkeypatch.setitem(sys.modules, "openai", types.SimpleNamespace(AsyncOpenAI=_OpenAI))
    for key in ("OPENAI_API_KEY", "AI_REQUEST_METRIC_NAMESPACE", "OLLAMA_MODEL", "ALLOWED_ORIGINS"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(API)  # no .env here: only the environment counts
    monkeypatch.syspath_prepend(str(API))
    providers = importlib.import_module("src.ai.providers")
    errors = importlib.import_module("src.ai.errors")
    config = importlib.import_module("src.core.config")
    app = FastAPI()
    app.add_exception_handler(providers.AIStarting, errors.ai_starting_handler)

    @app.post("/api/ai")
    async def ai() -> dict[str, str]:
        parts = [(p, c) async for p, c in providers.stream_chat([{"role": "user", "content": "hi"}])]
        return {"provider": parts[0][0], "reply": "".join(c for _, c in parts)}

    return types.SimpleNamespace(app=app, providers=providers, settings=config.settings)


def post(app: FastAPI, path: str) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            return await client.post(path)

    # Not asyncio.run: it leaves no current event loop behind, which the Pulumi tests after this one need.
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(go())
    finally:
        loop.close()


@pytest.fixture
def cleanup() -> Iterator[None]:
    yield
    for name in [n for n in sys.modules if n == "src" or n.startswith("src.")]:
        del sys.modules[name]


def test_no_fallback_answers_503_with_retry_after(monkeypatch, capsys, cleanup) -> None:
    loaded = _load(monkeypatch, {"AI_REQUEST_METRIC_NAMESPACE": "farm-deploy/dev"})
    response = post(loaded.app, "/api/ai")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "120"
    # the request was counted anyway: that count is what wakes the GPU
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert line["AIRequests"] == 1 and line["Service"] == "api"
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    assert directive == {
        "Namespace": "farm-deploy/dev",
        "Dimensions": [["Service"]],
        "Metrics": [{"Name": "AIRequests", "Unit": "Count"}],
    }


def test_fallback_answers_while_the_gpu_boots(monkeypatch, cleanup) -> None:
    loaded = _load(monkeypatch, {"OPENAI_API_KEY": "sk-test"})
    response = post(loaded.app, "/api/ai")
    assert response.status_code == 200
    assert response.json() == {"provider": "openai", "reply": "hello there"}
    assert loaded.providers._openai.models == ["gpt-4o-mini"]


def test_no_namespace_no_metric(monkeypatch, capsys, cleanup) -> None:
    loaded = _load(monkeypatch, {})
    assert post(loaded.app, "/api/ai").status_code == 503
    assert "AIRequests" not in capsys.readouterr().out


def test_settings_read_the_names_the_deployment_sets(monkeypatch, cleanup) -> None:
    loaded = _load(
        monkeypatch,
        {"OLLAMA_MODEL": "llama3.2:3b", "ALLOWED_ORIGINS": "https://a.example.com,https://b.example.com"},
    )
    assert loaded.settings.ollama_model == "llama3.2:3b"
    assert loaded.settings.allowed_origins == ["https://a.example.com", "https://b.example.com"]
    monkeypatch.setenv("ALLOWED_ORIGINS", '["https://c.example.com"]')  # Railway's form
    assert type(loaded.settings)().allowed_origins == ["https://c.example.com"]
