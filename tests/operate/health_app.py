"""A small FastAPI app answering like a deployed FARM app would, healthy or not.

Started under uvicorn on 127.0.0.1 by the `health_server` fixture."""

from __future__ import annotations

import asyncio
from collections import Counter

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

app = FastAPI()
_calls: Counter[str] = Counter()

PAGE = "<!doctype html><html><head><title>farm-chat</title></head><body><div id=root></div></body></html>"


@app.get("/", response_class=HTMLResponse)
async def index() -> str:
    return PAGE


@app.get("/api/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/api/health/database")
async def database() -> dict[str, str]:
    return {"database": "connected"}


@app.get("/api/ai/health")
async def ai() -> dict[str, bool]:
    return {"ollama": True}


@app.get("/healthy-alt")
async def healthy_alt() -> dict[str, str]:
    return {"status": "healthy"}


@app.get("/ai-down")
async def ai_down() -> dict[str, bool]:
    return {"ollama": False}


@app.get("/failing")
async def failing() -> JSONResponse:
    return JSONResponse({"status": "error"}, status_code=500)


@app.get("/slow")
async def slow(seconds: float = 2.0) -> dict[str, str]:
    await asyncio.sleep(seconds)
    return {"status": "ok"}


@app.get("/wrong")
async def wrong() -> dict[str, str]:
    return {"status": "degraded"}


@app.get("/flaky")
async def flaky(key: str, fail: int = 1) -> JSONResponse:
    """Answers 503 the first `fail` times for `key`, then healthy."""
    _calls[key] += 1
    if _calls[key] <= fail:
        return JSONResponse({"status": "starting"}, status_code=503)
    return JSONResponse({"status": "ok"})
