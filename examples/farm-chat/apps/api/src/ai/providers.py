"""Chat completion: Ollama first, OpenAI when Ollama is unreachable."""

from collections.abc import AsyncIterator

import httpx
from ollama import AsyncClient as OllamaClient
from openai import AsyncOpenAI

from ..core.config import settings
from .metrics import record_ai_request

# In a stage that scales its GPU to zero, Ollama is unreachable until the first
# AI request has woken it (minutes): the fallback answers meanwhile, or, with no
# fallback configured, `AIStarting` becomes a 503 with Retry-After.

_ollama = OllamaClient(host=settings.ollama_url)
_openai = AsyncOpenAI(api_key=settings.openai_api_key) if settings.openai_api_key else None


class AIStarting(Exception):
    """The AI host is not answering yet (scaled to zero, booting) and no fallback is configured."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the AI host is starting; retry in {retry_after} s")
        self.retry_after = retry_after


async def ollama_healthy() -> bool:
    try:
        await _ollama.list()
        return True
    except (httpx.HTTPError, ConnectionError):
        return False


async def stream_chat(messages: list[dict[str, str]]) -> AsyncIterator[tuple[str, str]]:
    """Yield (provider, text chunk) pairs."""
    # Counted before trying: this is what wakes a GPU that scaled to zero.
    record_ai_request(settings.ai_request_metric_namespace)
    try:
        async for part in await _ollama.chat(model=settings.ollama_model, messages=messages, stream=True):
            yield "ollama", part["message"]["content"]
        return
    except (httpx.HTTPError, ConnectionError) as exc:
        if _openai is None:
            raise AIStarting(settings.ai_retry_after) from exc
    stream = await _openai.chat.completions.create(model=settings.openai_model, messages=messages, stream=True)
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            yield "openai", chunk.choices[0].delta.content
