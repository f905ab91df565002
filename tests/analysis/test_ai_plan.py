"""The seed's AI provider migration and model optimizer, with current model names."""

from __future__ import annotations

import re

import pytest

from analysis import model_choice
from analysis.ai_migration import migrate
from analysis.model_choice import MODEL_TABLE_DATE, MODELS, choose_models, provider_of_model
from analysis.models import AIConfig, AIProviderConfig


def config(*enabled: str, default: dict[str, str] | None = None, routing=None) -> AIConfig:
    default = default or {}
    return AIConfig(
        providers={p: AIProviderConfig(enabled=True, default_model=default.get(p)) for p in enabled},
        routing=routing or {},
    )


def test_ollama_to_vercel_migrates_to_openai():
    plan = migrate(config("ollama", "openai"), "vercel", providers=["ollama", "openai"], wanted="ollama", stack="prod")
    assert (plan.source_provider, plan.provider, plan.fallback_provider) == ("ollama", "openai", None)
    assert plan.warnings[0] == "Ollama is not supported on vercel: migrating to a cloud provider"
    assert "pulumi config set --secret farm:openaiApiKey <value> --stack prod" in plan.actions
    assert "prompts and user data now leave your infrastructure for openai" in plan.warnings


def test_ollama_only_to_serverless_needs_a_cloud_provider():
    plan = migrate(config("ollama"), "aws-serverless", providers=["ollama"])
    assert plan.provider == "none"
    assert "no cloud AI provider configured: add OpenAI or HuggingFace to farm.config" in plan.warnings
    assert any("add a cloud AI provider" in a for a in plan.actions)


def test_huggingface_is_the_second_choice():
    plan = migrate(config("ollama", "huggingface"), "vercel", providers=["ollama", "huggingface"])
    assert plan.provider == "huggingface"
    assert "pulumi config set --secret farm:huggingfaceToken <value>" in plan.actions


def test_ollama_stays_where_containers_run_and_keeps_a_cloud_fallback():
    plan = migrate(config("ollama", "openai"), "aws", providers=["ollama", "openai"])
    assert (plan.provider, plan.fallback_provider, plan.warnings) == ("ollama", "openai", [])
    assert "pulumi config set --secret farm:openaiApiKey <value> (fallback)" in plan.actions


def test_cloud_only_app_on_a_container_platform_is_told_about_ollama():
    plan = migrate(config("openai"), "aws", providers=["openai"])
    assert plan.provider == "openai"
    assert any("consider enabling Ollama" in a for a in plan.actions)
    assert plan.source_provider == "openai"


def test_routing_development_is_the_source():
    plan = migrate(
        config("ollama", "openai", routing={"development": "openai"}),
        "aws",
        providers=["ollama", "openai"],
        wanted="ollama",
    )
    assert (plan.source_provider, plan.provider) == ("openai", "ollama")
    assert any("smaller local model" in a for a in plan.actions)


# --------------------------------------------------------------------------- models


def test_model_table_is_dated_and_current():
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", MODEL_TABLE_DATE)
    names = {m.name for m in MODELS}
    assert {"llama3.1:8b", "llama3.2:3b", "gpt-5-mini", "meta-llama/Llama-3.1-8B-Instruct"} <= names
    assert not names & {"gpt-3.5-turbo", "phi3", "llama2"}
    assert all(m.source.startswith("https://") for m in MODELS)


@pytest.mark.parametrize(
    ("choice", "expected", "hardware"),
    [
        ("ollama-gpu", "llama3.1:8b", "gpu"),
        ("ollama-cpu", "llama3.2:3b", "cpu"),
        ("openai", "gpt-5-mini", "cloud"),
        ("huggingface", "meta-llama/Llama-3.1-8B-Instruct", "cloud"),
    ],
)
def test_table_defaults_per_hardware(choice, expected, hardware):
    models, warnings = choose_models(choice, AIConfig())
    assert [(m.name, m.hardware) for m in models] == [(expected, hardware)]
    assert warnings == []


def test_outdated_names_are_replaced_with_a_warning():
    models, warnings = choose_models("openai", config("openai", default={"openai": "gpt-3.5-turbo"}))
    assert models[0].name == "gpt-5-mini"
    assert models[0].reason.startswith("replaces outdated gpt-3.5-turbo")
    assert warnings == ["farm.config's openai model 'gpt-3.5-turbo' is outdated; the plan uses 'gpt-5-mini'"]


def test_app_default_kept_when_it_fits_and_swapped_on_cpu_when_not():
    cfg = config("ollama", default={"ollama": "llama3.1:8b"})
    assert choose_models("ollama-gpu", cfg)[0][0].reason == "farm.config's default model"
    models, warnings = choose_models("ollama-cpu", cfg)
    assert models[0].name == "llama3.2:3b"
    assert warnings == ["'llama3.1:8b' is too large for CPU inference; the plan uses 'llama3.2:3b'"]


def test_gpu_memory_is_checked(monkeypatch):
    monkeypatch.setitem(model_choice.GPU_MEMORY_GB, "g4dn.xlarge", 4.0)
    _, warnings = choose_models("ollama-gpu", AIConfig(), gpu_instance_type="g4dn.xlarge")
    assert warnings == ["llama3.1:8b needs about 6 GB; g4dn.xlarge has 4 GB"]


@pytest.mark.parametrize(
    ("name", "provider"),
    [
        ("gpt-5-mini", "openai"),
        ("o4-mini", "openai"),
        ("qwen2.5:7b", "ollama"),
        ("mistralai/Mistral-7B-Instruct-v0.3", "huggingface"),
    ],
)
def test_provider_of_model(name, provider):
    assert provider_of_model(name) == provider
