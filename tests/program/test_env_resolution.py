"""The one resolver of a plan's variables: plan values, `output:` addresses, `config:` secrets."""

from __future__ import annotations

import pulumi
import pytest

from analysis.errors import UserError
from analysis.models import EnvRule, EnvVar
from analysis.platforms.env import output_sources, plain_env
from farm_deploy.build.context import secret_env

ENV = [
    EnvVar(name="LOG_LEVEL", value="info", source="plan"),
    EnvVar(name="CORS_ORIGINS", source="output:web.url"),
    EnvVar(name="OLLAMA_URL", source="output:ollama.url"),
    EnvVar(name="MONGODB_URL", secret=True, source="output:db.uri"),
    EnvVar(name="OPENAI_API_KEY", secret=True, source="config:farm:openaiApiKey"),
    EnvVar(name="HF_TOKEN", secret=True, source="config:farm:huggingfaceToken", rule=EnvRule(required=False)),
    EnvVar(name="VITE_API_URL", target="web", source="output:api.url"),
]


def test_plain_values_and_known_outputs_only() -> None:
    assert plain_env(ENV, "api") == {"LOG_LEVEL": "info"}
    assert plain_env(ENV, "api", outputs={"web.url": "https://app.example.com"}) == {
        "LOG_LEVEL": "info",
        "CORS_ORIGINS": "https://app.example.com",
    }
    assert plain_env(ENV, "api", skip=["LOG_LEVEL"], outputs={"ollama.url": "http://ollama:11434"}) == {
        "OLLAMA_URL": "http://ollama:11434"
    }
    assert plain_env(ENV, "web", outputs={"api.url": ""}) == {"VITE_API_URL": ""}


def test_output_sources_name_what_another_resource_fills() -> None:
    assert output_sources(ENV, "api") == {"CORS_ORIGINS": "web.url", "OLLAMA_URL": "ollama.url"}
    assert output_sources(ENV, "api", skip=["OLLAMA_URL"]) == {"CORS_ORIGINS": "web.url"}
    assert output_sources(ENV, "web") == {"VITE_API_URL": "api.url"}


def test_secrets_from_config_and_the_optional_one_left_out() -> None:
    read = {"openaiApiKey": "sk-value"}
    values = secret_env(ENV, "api", None, read=lambda key: read.get(key))  # type: ignore[arg-type,return-value]
    assert values == {"OPENAI_API_KEY": "sk-value"}  # MONGODB_URL is an output, HF_TOKEN optional and unset


def test_provided_secrets_win_and_are_made_secret() -> None:
    values = secret_env(ENV, "api", {"OPENAI_API_KEY": "given"}, read=lambda key: None)
    assert set(values) == {"OPENAI_API_KEY"}
    assert isinstance(values["OPENAI_API_KEY"], pulumi.Output)


def test_a_required_secret_missing_names_its_key() -> None:
    with pytest.raises(UserError, match="secret OPENAI_API_KEY for the api is not set") as info:
        secret_env(ENV, "api", None, read=lambda key: None)
    assert info.value.key == "farm:openaiApiKey"
    assert info.value.hint == "pulumi config set --secret farm:openaiApiKey <value>"
