"""Chat completion: Ollama first, OpenAI when Ollama is unreachable."""

from collections.abc import AsyncIterator

import httpx
from ollama import AsyncClient as OllamaClient
from openai import AsyncOpenAI

from ..core.config import settings

_ollama = OllamaClient(host=settings.ollama_url)
_openai = AsyncOpenAI(api_key=settings.openai_api_key) if settings.openai_api_key else None


async def ollama_healthy() -> bool:
    try:
        await _ollama.list()
        return True
    except (httpx.HTTPError, ConnectionError):
        return False


async def stream_chat(messages: list[dict[str, str]]) -> AsyncIterator[tuple[str, str]]:
    """Yield (provider, text chunk) pairs."""
    try:
        async for part in await _ollama.chat(model=settings.ollama_model, messages=messages, stream=True):
            yield "ollama", part["message"]["content"]
        return
    except (httpx.HTTPError, ConnectionError):
        if _openai is None:
            raise
    stream = await _openai.chat.completions.create(model=settings.openai_model, messages=messages, stream=True)
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            yield "openai", chunk.choices[0].delta.content
