"""The seed's AI provider migration: from the provider used while developing to
the one a stage (on a given platform) can run, with what the operator must do.
Only names of secrets appear here, never values."""

from __future__ import annotations

from .models import AIConfig, MigrationPlan
from .platforms import REGISTRY

CLOUD_PROVIDERS = ("openai", "huggingface")
SECRET_KEY_FOR = {"openai": "openaiApiKey", "huggingface": "huggingfaceToken"}


def enabled_providers(ai: AIConfig, found: list[str] | None = None) -> list[str]:
    """Providers the app can use: farm.config's enabled ones, else those found in code."""
    enabled = [name for name, p in ai.providers.items() if p.enabled]
    for name in found or []:
        if name not in enabled:
            enabled.append(name)
    return enabled


def development_provider(ai: AIConfig, providers: list[str]) -> str | None:
    routed = ai.routing.get("development")
    if routed:
        return routed
    if "ollama" in providers:
        return "ollama"
    return providers[0] if providers else None


def _fallback(provider: str, providers: list[str]) -> str | None:
    order = {"ollama": ("openai", "huggingface"), "openai": ("huggingface",), "huggingface": ("openai",)}
    return next((p for p in order.get(provider, ()) if p in providers), None)


def migrate(
    ai: AIConfig,
    platform: str,
    *,
    providers: list[str],
    wanted: str | None = None,
    stack: str | None = None,
    source: str | None = None,
) -> MigrationPlan:
    """What provider this platform ends up with for the wanted one, and the steps to get there."""
    supports_ollama = REGISTRY[platform].capabilities.ollama
    source = source or development_provider(ai, providers)
    warnings: list[str] = []
    actions: list[str] = []

    provider = wanted
    if provider is None:
        # Ollama first where it is configured: the branch below migrates it when the platform cannot run it.
        cloud_first = next((p for p in CLOUD_PROVIDERS if p in providers), "none")
        provider = "ollama" if "ollama" in providers else cloud_first
    if provider == "ollama" and not supports_ollama:
        warnings.append(f"Ollama is not supported on {platform}: migrating to a cloud provider")
        cloud = next((p for p in CLOUD_PROVIDERS if p in providers), None)
        if cloud is None:
            warnings.append("no cloud AI provider configured: add OpenAI or HuggingFace to farm.config")
            actions.append("add a cloud AI provider (openai or huggingface) to farm.config's ai.providers")
            provider = "none"
        else:
            provider = cloud

    stack_flag = f" --stack {stack}" if stack else ""
    if provider in SECRET_KEY_FOR:
        key = SECRET_KEY_FOR[provider]
        actions.append(f"pulumi config set --secret farm:{key} <value>{stack_flag}")
        if source == "ollama":
            warnings.append(f"prompts and user data now leave your infrastructure for {provider}")
            actions.append(f"re-run the prompt tests against {provider}: answers differ from the local model")
            actions.append(f"set usage limits and cost alerts in the {provider} account")
    elif provider == "ollama":
        actions.append("models are pulled when the Ollama task starts and cached on its volume")
        if source and source != "ollama":
            actions.append("check prompts written for a cloud model against the smaller local model")

    fallback = _fallback(provider, providers) if provider != "none" else None
    if fallback in SECRET_KEY_FOR and provider not in SECRET_KEY_FOR:
        actions.append(f"pulumi config set --secret farm:{SECRET_KEY_FOR[fallback]} <value>{stack_flag} (fallback)")

    if "ollama" not in providers and supports_ollama and provider != "none":
        actions.append("consider enabling Ollama in farm.config for lower inference cost at steady load")

    return MigrationPlan(
        source_provider=source,
        provider=provider,
        fallback_provider=fallback,
        warnings=warnings,
        actions=actions,
    )
