"""`ai-provider`, `unsupported-ai-provider`, `unused-import`: AI SDKs the API imports and uses.

A provider counts only when the imported name is used somewhere in the module;
an import nobody uses is reported as `unused-import` (info) and not counted.
Ollama reached over plain HTTP (its REST API on port 11434) counts too.
"""

from __future__ import annotations

import re

from ...models import Finding
from ..registry import register
from ..source import SourceFile
from ._pyast import imports, used_names

# top-level module -> provider name; supported ones are deployed, others are reported
SUPPORTED = {
    "ollama": "ollama",
    "openai": "openai",
    "transformers": "huggingface",
    "huggingface_hub": "huggingface",
    "sentence_transformers": "huggingface",
    "diffusers": "huggingface",
}
UNSUPPORTED_PREFIXES = {
    "anthropic": "anthropic",
    "cohere": "cohere",
    "google.generativeai": "google-generativeai",
    "google.genai": "google-genai",
    "vertexai": "vertexai",
    "groq": "groq",
    "mistralai": "mistralai",
    "langchain": "langchain",
    "langchain_core": "langchain",
    "langchain_community": "langchain",
    "langchain_openai": "langchain",
    "langchain_ollama": "langchain",
    "langchain_anthropic": "langchain",
    "llama_index": "llama-index",
    "replicate": "replicate",
    "together": "together",
    "litellm": "litellm",
}
# module names to look for ("llama" stands for both ollama and llama_index)
QUICK = ("llama", "openai", "transformers", "huggingface_hub", "diffusers", "anthropic", "cohere", "google", "vertexai",
         "groq", "mistralai", "langchain", "replicate", "together", "litellm")  # fmt: skip
_MODULES = ("ollama", "openai", "transformers", "huggingface_hub", "sentence_transformers", "diffusers", "anthropic",
            "cohere", "google", "vertexai", "groq", "mistralai", "langchain", "llama_index", "replicate", "together",
            "litellm")  # fmt: skip
# cheap first pass: only files importing one of these modules are parsed
_PROVIDER_IMPORT = re.compile(r"^[ \t]*(?:from|import)[ \t]+(?:" + "|".join(QUICK) + r")", re.M)
_OLLAMA_HTTP = re.compile(r"""["'][^"'\n]*/api/(?:generate|chat|tags|pull|embed|embeddings)\b[^"'\n]*["']""")
_HTTP_CLIENTS = ("httpx", "requests", "aiohttp", "urllib")


def _provider_of(module: str) -> tuple[str, bool] | None:
    """(provider, supported) for a dotted module path."""
    top = module.split(".", 1)[0]
    if top in SUPPORTED:
        return SUPPORTED[top], True
    for prefix, provider in UNSUPPORTED_PREFIXES.items():
        if module == prefix or module.startswith(prefix + "."):
            return provider, False
    if top.startswith("langchain_") or top.startswith("llama_index"):
        return "langchain" if top.startswith("langchain") else "llama-index", False
    return None


@register("ai-provider", suffixes=(".py",), quick=QUICK)
def detect(src: SourceFile) -> list[Finding]:
    findings: list[Finding] = []
    tree = src.tree if _PROVIDER_IMPORT.search(src.text) else None
    used = None
    seen: set[tuple[str, bool]] = set()
    for local, (module, line) in sorted(imports(tree).items() if tree is not None else (), key=lambda kv: kv[1][1]):
        if module.startswith("."):
            continue
        hit = _provider_of(module)
        if hit is None:
            continue
        provider, supported = hit
        if used is None:
            used = used_names(tree)
        top = module.rsplit(".", 1)[0] if "." in module else module
        if local not in used:
            findings.append(
                Finding(
                    kind="unused-import",
                    message=f"{module} is imported but never used: not counted as an AI provider",
                    file=src.rel,
                    line=line,
                    detail={"module": module, "provider": provider},
                )
            )
            continue
        if (provider, True) in seen:
            continue
        seen.add((provider, True))
        if supported:
            findings.append(
                Finding(
                    kind="ai-provider",
                    message=f"AI provider {provider} used through {top}",
                    file=src.rel,
                    line=line,
                    detail={"provider": provider, "module": module, "source": "code"},
                )
            )
        else:
            findings.append(
                Finding(
                    kind="unsupported-ai-provider",
                    severity="warning",
                    message=f"AI provider {provider} ({module}) is not deployed by farm-deploy: "
                    "supported are ollama, openai and huggingface",
                    file=src.rel,
                    line=line,
                    detail={"provider": provider, "module": module},
                )
            )
    if ("ollama", True) not in seen and "ollama" in src.text.lower() and any(c in src.text for c in _HTTP_CLIENTS):
        match = _OLLAMA_HTTP.search(src.text)
        if match:
            findings.append(
                Finding(
                    kind="ai-provider",
                    message="AI provider ollama called over its HTTP API",
                    file=src.rel,
                    line=src.line_of(match.start()),
                    detail={"provider": "ollama", "module": "http", "source": "code"},
                )
            )
    return findings
