"""`ai-provider`, `unsupported-ai-provider`, `unused-import`: AI services and models the API uses.

One table, `PROVIDERS`, maps each provider to the modules that reach it (SDKs,
LangChain partner packages, local inference libraries), the distributions that
install them and the hosts of its REST API. Three kinds of evidence count:

- an import whose name the module uses (an import nobody uses is reported as
  `unused-import` and not counted);
- an OpenAI-compatible client whose `base_url` points at another provider's host
  (OpenRouter, Groq, a local Ollama): the host names the provider, not the SDK;
- a string holding a provider's REST host (`https://api.openai.com/v1/...`,
  `generativelanguage.googleapis.com`) in a module that also uses an HTTP client,
  and Ollama's REST paths (`/api/generate`, `/api/chat` ...).

Supported providers (ollama, openai, huggingface) are deployed; the others are
reported so that the plan can say what it does not deploy.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from ...models import Finding
from ..registry import register
from ..source import SourceFile
from ._pyast import imports, used_names


@dataclass(frozen=True)
class Provider:
    name: str
    supported: bool
    modules: tuple[str, ...] = ()  # dotted module prefixes
    distributions: tuple[str, ...] = ()  # normalised requirement names
    hosts: tuple[str, ...] = ()


PROVIDERS: tuple[Provider, ...] = (
    Provider("openai", True, ("openai", "langchain_openai", "llama_index.llms.openai"), ("openai", "langchain-openai"), ("api.openai.com",)),
    Provider("ollama", True, ("ollama", "langchain_ollama", "llama_index.llms.ollama"), ("ollama", "langchain-ollama"), (":11434",)),
    Provider(
        "huggingface",
        True,
        ("transformers", "huggingface_hub", "sentence_transformers", "diffusers", "langchain_huggingface"),
        ("transformers", "huggingface-hub", "sentence-transformers", "diffusers", "langchain-huggingface"),
        ("api-inference.huggingface.co", "router.huggingface.co"),
    ),
    Provider("anthropic", False, ("anthropic", "langchain_anthropic"), ("anthropic", "langchain-anthropic"), ("api.anthropic.com",)),
    Provider(
        "gemini",
        False,
        ("google.generativeai", "google.genai", "langchain_google_genai"),
        ("google-generativeai", "google-genai", "langchain-google-genai"),
        ("generativelanguage.googleapis.com",),
    ),
    Provider("vertexai", False, ("vertexai", "langchain_google_vertexai"), ("google-cloud-aiplatform",), ("aiplatform.googleapis.com",)),
    Provider("groq", False, ("groq", "langchain_groq"), ("groq", "langchain-groq"), ("api.groq.com",)),
    Provider("openrouter", False, (), (), ("openrouter.ai",)),
    Provider("mistral", False, ("mistralai", "langchain_mistralai"), ("mistralai", "langchain-mistralai"), ("api.mistral.ai",)),
    Provider("cohere", False, ("cohere", "langchain_cohere"), ("cohere", "langchain-cohere"), ("api.cohere.ai", "api.cohere.com")),
    Provider("together", False, ("together",), ("together",), ("api.together.xyz",)),
    Provider("replicate", False, ("replicate",), ("replicate",), ("api.replicate.com",)),
    Provider("deepseek", False, (), (), ("api.deepseek.com",)),
    Provider("litellm", False, ("litellm",), ("litellm",)),
    Provider("langchain", False, ("langchain", "langchain_core", "langchain_community"), ("langchain",)),
    Provider("llama-index", False, ("llama_index",), ("llama-index",)),
    # local inference: models run inside the API's own process
    Provider("whisper", False, ("whisper", "faster_whisper"), ("openai-whisper", "faster-whisper")),
    Provider("tts", False, ("gtts", "edge_tts", "TTS", "pyttsx3"), ("gtts", "edge-tts", "tts", "pyttsx3")),
    Provider("spacy", False, ("spacy",), ("spacy",)),
    Provider("mediapipe", False, ("mediapipe",), ("mediapipe",)),
)  # fmt: skip
BY_NAME = {p.name: p for p in PROVIDERS}
# most specific prefix first: langchain_openai before langchain, google.genai before google
_MODULE_TABLE = sorted(((m, p) for p in PROVIDERS for m in p.modules), key=lambda mp: -len(mp[0]))
_HOST_TABLE = tuple((h, p) for p in PROVIDERS for h in p.hosts)
_TOPS = sorted({m.split(".", 1)[0] for m, _ in _MODULE_TABLE})
# cheap first pass over the text: an import of one of the table's top-level modules, or a host
_PROVIDER_IMPORT = re.compile(r"^[ \t]*(?:from|import)[ \t]+(?:" + "|".join(map(re.escape, _TOPS)) + r")\b", re.M)
QUICK = (*_TOPS, *(h for h, _ in _HOST_TABLE), "/api/generate", "/api/chat")
_OLLAMA_HTTP = re.compile(r"""["'][^"'\n]*/api/(?:generate|chat|tags|pull|embed|embeddings)\b[^"'\n]*["']""")
_HTTP_CLIENTS = ("httpx", "requests", "aiohttp", "urllib")
_CLIENT_CLASSES = ("OpenAI", "AsyncOpenAI", "ChatOpenAI", "OpenAIEmbeddings", "AzureOpenAI")


def provider_of_module(module: str) -> Provider | None:
    for prefix, provider in _MODULE_TABLE:
        if module == prefix or module.startswith(prefix + "."):
            return provider
    return None


def provider_of_distribution(name: str) -> Provider | None:
    return next((p for p in PROVIDERS if name in p.distributions), None)


def provider_of_host(text: str) -> Provider | None:
    return next((p for host, p in _HOST_TABLE if host in text), None)


def _finding(src: SourceFile, provider: Provider, line: int | None, via: str, module: str) -> Finding:
    if provider.supported:
        return Finding(
            kind="ai-provider",
            message=f"AI provider {provider.name} used through {via}",
            file=src.rel,
            line=line,
            detail={"provider": provider.name, "module": module, "source": "code"},
        )
    return Finding(
        kind="unsupported-ai-provider",
        severity="warning",
        message=f"AI provider {provider.name} ({via}) is not deployed by farm-deploy: "
        "supported are ollama, openai and huggingface",
        file=src.rel,
        line=line,
        detail={"provider": provider.name, "module": module},
    )


_BASE_URL_NAME = re.compile(r"base_?url|api_?base|endpoint", re.I)


def _configured_base_url(tree: ast.Module) -> bool:
    """An OpenAI-compatible client whose base_url comes from a setting or a parameter, not a literal:
    `AsyncOpenAI(base_url=settings.llm_base_url)` talks to whatever that setting names."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in _CLIENT_CLASSES and any(
                kw.arg in ("base_url", "openai_api_base", "api_base") and not isinstance(kw.value, ast.Constant)
                for kw in node.keywords
            ):
                return True
    return False


def _base_url_settings(tree: ast.Module) -> list[tuple[Provider, int]]:
    """Settings and constants naming a provider's API as a base URL, the value an OpenAI-compatible
    client is then pointed at: `llm_base_url: str = "https://openrouter.ai/api/v1"`,
    `OLLAMA_BASE_URL = "http://host.docker.internal:11434/v1"`."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str) and "://" in value.value):
            continue
        names = [t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else "" for t in targets]
        if not any(_BASE_URL_NAME.search(n) for n in names):
            continue
        provider = provider_of_host(value.value)
        if provider is not None:
            out.append((provider, node.lineno))
    return out


def _base_url_providers(tree: ast.Module) -> list[tuple[Provider, int]]:
    """OpenAI-compatible clients pointed elsewhere: OpenAI(base_url="https://openrouter.ai/api/v1")."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name not in _CLIENT_CLASSES:
            continue
        for kw in node.keywords:
            if kw.arg in ("base_url", "openai_api_base", "api_base") and isinstance(kw.value, ast.Constant):
                provider = provider_of_host(str(kw.value.value))
                if provider is not None and provider.name != "openai":
                    out.append((provider, node.lineno))
    return out


@register("ai-provider", suffixes=(".py",), quick=QUICK)
def detect(src: SourceFile) -> list[Finding]:
    findings: list[Finding] = []
    tree = src.tree
    seen: set[str] = set()
    redirected = _base_url_providers(tree) if tree is not None and "base_url" in src.text else []
    for provider, line in redirected:
        if provider.name not in seen:
            seen.add(provider.name)
            findings.append(_finding(src, provider, line, "an OpenAI-compatible client's base_url", "base_url"))
    if tree is not None and "://" in src.text:
        for provider, line in _base_url_settings(tree):
            if provider.name not in seen:
                seen.add(provider.name)
                finding = _finding(src, provider, line, "a base URL setting", "base_url")
                finding.detail["via"] = "base-url-setting"
                findings.append(finding)
    configured = tree is not None and "base_url" in src.text and _configured_base_url(tree)
    if tree is not None and _PROVIDER_IMPORT.search(src.text):
        used = None
        for local, (module, line) in sorted(imports(tree).items(), key=lambda kv: kv[1][1]):
            provider = provider_of_module(module) if not module.startswith(".") else None
            if provider is None:
                continue
            if used is None:
                used = used_names(tree)
            if local not in used:
                findings.append(
                    Finding(
                        kind="unused-import",
                        message=f"{module} is imported but never used: not counted as an AI provider",
                        file=src.rel,
                        line=line,
                        detail={"module": module, "provider": provider.name},
                    )
                )
                continue
            if provider.name == "openai" and redirected and module.split(".", 1)[0] == "openai":
                continue  # the OpenAI SDK talking to another provider
            if provider.name in seen:
                continue
            seen.add(provider.name)
            top = module.rsplit(".", 1)[0] if "." in module else module
            finding = _finding(src, provider, line, top, module)
            if provider.name == "openai" and configured:
                # the provider is the one the setting names (analysis.load drops this one when a base URL
                # setting names another provider)
                finding.detail["base_url"] = "configured"
            findings.append(finding)
    if any(c in src.text for c in _HTTP_CLIENTS):
        findings += _rest_calls(src, seen)
    return findings


def _rest_calls(src: SourceFile, seen: set[str]) -> list[Finding]:
    """Provider REST hosts in string literals, and Ollama's REST paths, in a module using an HTTP client."""
    out = []
    for host, provider in _HOST_TABLE:
        if provider.name in seen or host not in src.text:
            continue
        index = src.text.index(host)
        quote = max(src.text.rfind('"', 0, index), src.text.rfind("'", 0, index))
        if quote < 0 or "\n" in src.text[quote:index]:
            continue  # not inside a string literal on this line
        seen.add(provider.name)
        out.append(_finding(src, provider, src.line_of(index), f"its REST API ({host})", "http"))
    if "ollama" not in seen and "ollama" in src.text.lower():
        match = _OLLAMA_HTTP.search(src.text)
        if match:
            seen.add("ollama")
            out.append(_finding(src, BY_NAME["ollama"], src.line_of(match.start()), "its HTTP API", "http"))
    return out
