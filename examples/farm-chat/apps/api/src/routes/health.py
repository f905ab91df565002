from fastapi import APIRouter, HTTPException

from ..ai.providers import ollama_healthy
from ..database.connection import ping

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/database")
async def database_health() -> dict[str, str]:
    try:
        await ping()
    except Exception as exc:  # the driver raises several unrelated types
        raise HTTPException(status_code=503, detail="database unreachable") from exc
    return {"status": "ok"}


@router.get("/ai/health")
async def ai_health() -> dict[str, bool]:
    return {"ollama": await ollama_healthy()}
