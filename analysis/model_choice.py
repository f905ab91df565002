"""The seed's model optimizer: which model each provider and hardware gets.

Model names age fast (the seed's `gpt-3.5-turbo` and `phi3` are retired or
superseded), so they live in one dated table; update the table, not the logic.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import AIConfig, ModelChoice

MODEL_TABLE_DATE = "2026-11-25"


@dataclass(frozen=True)
class ModelSpec:
    name: str
    provider: str
    hardware: str  # gpu | cpu | cloud
    memory_gb: float | None  # memory the loaded model needs (GPU memory on gpu)
    note: str
    source: str


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "llama3.1:8b",
        "ollama",
        "gpu",
        6.0,
        "8B, 4-bit quantised; fits the 16 GB T4 of g4dn.xlarge and the 24 GB A10G of g5.xlarge",
        "https://ollama.com/library/llama3.1",
    ),
    ModelSpec(
        "llama3.2:3b",
        "ollama",
        "cpu",
        4.0,
        "3B, 4-bit quantised; usable latency on 2-4 vCPUs",
        "https://ollama.com/library/llama3.2",
    ),
    ModelSpec(
        "gpt-5-mini",
        "openai",
        "cloud",
        None,
        "OpenAI's low-cost GPT-5 model",
        "https://platform.openai.com/docs/models/gpt-5-mini",
    ),
    ModelSpec(
        "meta-llama/Llama-3.1-8B-Instruct",
        "huggingface",
        "cloud",
        None,
        "the same Llama 3.1 8B served by Hugging Face inference providers",
        "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct",
    ),
)

# Names an app may still carry -> what replaces them today.
OUTDATED: dict[str, str] = {
    "gpt-3.5-turbo": "gpt-5-mini",
    "gpt-4": "gpt-5-mini",
    "gpt-4-turbo": "gpt-5-mini",
    "gpt-4o": "gpt-5-mini",
    "gpt-4o-mini": "gpt-5-mini",
    "phi3": "llama3.2:3b",
    "llama2": "llama3.1:8b",
    "llama3": "llama3.1:8b",
    "llama3.1": "llama3.1:8b",  # untagged: pin the size so the GPU plan holds
}

# GPU memory per instance type, to check the model fits.
GPU_MEMORY_GB: dict[str, float] = {"g4dn.xlarge": 16.0, "g5.xlarge": 24.0, "g6.xlarge": 24.0}


def recommended(provider: str, hardware: str) -> ModelSpec | None:
    for spec in MODELS:
        if spec.provider == provider and spec.hardware == hardware:
            return spec
    for spec in MODELS:
        if spec.provider == provider:
            return spec
    return None


def provider_of_model(name: str) -> str:
    """Which provider serves a model name: table first, then the naming schemes."""
    spec = spec_for(name)
    if spec is not None:
        return spec.provider
    if "/" in name:
        return "huggingface"  # org/model repository ids
    if name.startswith(("gpt-", "o1", "o3", "o4", "chatgpt-")):
        return "openai"
    return "ollama"  # library tags such as llama3.2:3b, mistral, qwen2.5:7b


def spec_for(name: str) -> ModelSpec | None:
    return next((s for s in MODELS if s.name == name), None)


def choose_models(
    ai_choice: str,
    ai_config: AIConfig,
    *,
    pinned: list[str] | None = None,
    gpu_instance_type: str | None = None,
) -> tuple[list[ModelChoice], list[str]]:
    """Models for one stage's AI component, and warnings.

    Order of precedence: the release pin (`farm:models`), then the app's
    configured default when it suits the hardware, then the table.
    """
    provider = {"ollama-gpu": "ollama", "ollama-cpu": "ollama"}.get(ai_choice, ai_choice)
    hardware = {"ollama-gpu": "gpu", "ollama-cpu": "cpu"}.get(ai_choice, "cloud")
    if ai_choice == "none":
        return [], []
    warnings: list[str] = []
    best = recommended(provider, hardware)
    if pinned:
        mine = [n for n in pinned if provider_of_model(n) == provider]
        if mine:
            return [_choice(n, provider, hardware, "pinned by farm:models") for n in mine], warnings
        warnings.append(f"farm:models pins {', '.join(pinned)}, not {provider} models: pin not used here")

    configured = ai_config.providers.get(provider)
    wanted = configured.default_model if configured else None
    name = best.name if best else wanted or ""
    reason = f"current {provider} model for {hardware} (model table of {MODEL_TABLE_DATE})"
    kept = "farm.config's default model"
    if wanted in OUTDATED:
        warnings.append(f"farm.config's {provider} model {wanted!r} is outdated; the plan uses {OUTDATED[wanted]!r}")
        kept = f"replaces outdated {wanted} (model table of {MODEL_TABLE_DATE})"
        wanted = OUTDATED[wanted]
    if wanted:
        spec = spec_for(wanted)
        too_big = (
            hardware == "cpu" and best is not None and (spec is None or (spec.memory_gb or 0) > (best.memory_gb or 0))
        )
        if too_big and best is not None:
            warnings.append(f"{wanted!r} is too large for CPU inference; the plan uses {best.name!r}")
            reason = f"{wanted} is too large for CPU inference"
        else:
            name, reason = wanted, kept

    choice = _choice(name, provider, hardware, reason)
    if hardware == "gpu" and gpu_instance_type and choice.memory_gb:
        capacity = GPU_MEMORY_GB.get(gpu_instance_type)
        if capacity is not None and choice.memory_gb > capacity:
            warnings.append(f"{name} needs about {choice.memory_gb:g} GB; {gpu_instance_type} has {capacity:g} GB")
    return [choice], warnings


def _choice(name: str, provider: str, hardware: str, reason: str) -> ModelChoice:
    spec = spec_for(name)
    return ModelChoice(
        name=name,
        provider=provider,
        hardware=hardware,  # type: ignore[arg-type]
        memory_gb=spec.memory_gb if spec else None,
        reason=reason,
    )
