"""AIStarting -> 503 Service Unavailable with Retry-After (RFC 9110, section 10.2.3)."""

from fastapi import Request
from fastapi.responses import JSONResponse

from .providers import AIStarting


async def ai_starting_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AIStarting)
    return JSONResponse(
        status_code=503,
        content={"detail": "the AI model is starting; retry shortly"},
        headers={"Retry-After": str(exc.retry_after)},
    )
