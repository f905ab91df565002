"""Environment per stage (names, sources and rules; never secret values) and
validate_env as in the seed's validateEnvironment."""

from __future__ import annotations

import pytest

from analysis.env_rules import validate_env
from analysis.stack_config import StackSettings
from analysis.stage_plan import plan_stage, plan_stages
from tests.analysis.factories import crud_app, farm_chat


@pytest.fixture(scope="module")
def plans():
    return plan_stages(farm_chat())


def names(plan, target="api"):
    return [v.name for v in plan.env if v.target == target]


def var(plan, name):
    return next(v for v in plan.env if v.name == name)


def test_dev_env_for_the_example_app(plans):
    dev = plans["dev"]
    assert names(dev) == [
        "ENVIRONMENT", "LOG_LEVEL", "CORS_ORIGINS", "MONGODB_URL", "DATABASE_NAME", "AI_PROVIDER",
        "AI_FALLBACK_PROVIDER", "OLLAMA_URL", "OPENAI_API_KEY", "AI_DEFAULT_MODEL",
        "AI_REQUEST_METRIC_NAMESPACE", "AI_MAX_TOKENS", "AI_TEMPERATURE", "AI_TIMEOUT",
    ]  # fmt: skip
    # dev scales its GPU to zero: the API publishes AI requests where the wake-up alarm reads them
    assert var(dev, "AI_REQUEST_METRIC_NAMESPACE").value == "farm-deploy/dev"
    assert names(dev, "web") == ["VITE_API_URL"]
    assert (var(dev, "AI_PROVIDER").value, var(dev, "AI_FALLBACK_PROVIDER").value) == ("ollama", "openai")
    assert var(dev, "OLLAMA_URL").source == "output:ollama.url"
    assert var(dev, "VITE_API_URL").source == "output:api.url"
    assert var(dev, "ENVIRONMENT").value == "development"


def test_secrets_carry_names_and_sources_only(plans):
    for plan in plans.values():
        secrets = {v.name: v.source for v in plan.env if v.secret}
        assert all(v.value is None for v in plan.env if v.secret)
        assert secrets["MONGODB_URL"] == "output:db.connectionString"
        assert secrets["OPENAI_API_KEY"] == "config:farm:openaiApiKey"


def test_staging_has_no_ollama_and_prod_turns_on_cache_and_rate_limits(plans):
    assert "OLLAMA_URL" not in names(plans["staging"])
    assert var(plans["staging"], "AI_PROVIDER").value == "openai"
    assert var(plans["prod"], "AI_CACHE_ENABLED").value == "true"
    assert var(plans["prod"], "AI_RATE_LIMITING").rule.type == "bool"
    assert "AI_CACHE_ENABLED" not in names(plans["dev"])


def test_front_end_variable_follows_the_framework():
    app = crud_app()
    app.requirements.web.framework = "nextjs"
    p = plan_stage(app, StackSettings(), "dev")
    assert names(p, "web") == ["NEXT_PUBLIC_API_URL"]
    assert var(p, "MONGO_URI").secret is True  # the app's own URI variable name
    assert "AI_PROVIDER" not in names(p)


def test_missing_operator_secret_is_an_error_and_deploy_time_values_warn(plans):
    errors, warnings = validate_env(plans["staging"], {})
    assert "required environment variable OPENAI_API_KEY is missing (from config:farm:openaiApiKey)" in errors
    assert "MONGODB_URL is not set here; the deployment fills it from output:db.connectionString" in warnings
    assert not any("ENVIRONMENT" in e for e in errors)  # the plan supplies it


def test_complete_mode_requires_everything(plans):
    errors, _ = validate_env(plans["dev"], {}, complete=True)
    missing = {e.split()[3] for e in errors if e.startswith("required environment variable")}
    assert {"MONGODB_URL", "OLLAMA_URL", "ENVIRONMENT", "VITE_API_URL"} <= missing
    # OpenAI is only dev's fallback: its key is optional there, required where it is the primary provider
    assert "OPENAI_API_KEY" not in missing
    assert var(plans["dev"], "OPENAI_API_KEY").rule.required is False
    assert var(plans["staging"], "OPENAI_API_KEY").rule.required is True


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("AI_MAX_TOKENS", "lots", "AI_MAX_TOKENS is not an integer: 'lots'"),
        ("ENVIRONMENT", "qa", "ENVIRONMENT must be one of development, staging, production: 'qa'"),
        ("VITE_API_URL", "api.example.com", "VITE_API_URL is not a valid URL: 'api.example.com'"),
        ("OLLAMA_URL", "ftp://ollama", "OLLAMA_URL is not a valid URL: 'ftp://ollama'"),
        (
            "MONGODB_URL",
            "postgres://u:p@h/db",
            "MONGODB_URL does not match the required pattern ^mongodb(\\+srv)?://: (hidden)",
        ),
        ("OPENAI_API_KEY", "not-a-key", "OPENAI_API_KEY does not match the required pattern ^sk-: (hidden)"),
    ],
)
def test_rule_violations_are_errors_and_hide_secret_values(plans, name, value, expected):
    errors, _ = validate_env(plans["dev"], {name: value})
    assert expected in errors
    assert all(value not in e for e in errors if name in ("MONGODB_URL", "OPENAI_API_KEY"))


def test_bool_rule_and_a_good_file(plans):
    good = {
        "OPENAI_API_KEY": "sk-test",
        "MONGODB_URL": "mongodb+srv://user:pw@cluster0.example.mongodb.net/farm_chat",
        "OLLAMA_URL": "http://ollama.farm.local:11434",
        "AI_CACHE_ENABLED": "true",
        "CORS_ORIGINS": "https://chat.example.com",
    }
    errors, warnings = validate_env(plans["prod"], good)
    assert errors == []
    errors, _ = validate_env(plans["prod"], {**good, "AI_CACHE_ENABLED": "maybe"})
    assert errors == ["AI_CACHE_ENABLED is not a boolean (true/false): 'maybe'"]


def test_seed_ai_checks_and_unknown_names(plans):
    errors, warnings = validate_env(plans["dev"], {"AI_PROVIDER": "openai", "DEBUG_TOOLBAR": "1"})
    # dev's OpenAI is a fallback (key optional), but an env file switching the provider to it needs the key
    assert errors == ["OPENAI_API_KEY is required when AI_PROVIDER is openai"]
    assert "AI_PROVIDER='openai' differs from the plan's 'ollama'" in warnings
    assert "DEBUG_TOOLBAR is not used by the dev plan" in warnings
    _, warnings = validate_env(plans["dev"], {"OPENAI_API_KEY": "sk-x"})
    assert "OLLAMA_URL not set: the app would fall back to http://localhost:11434" in warnings


def test_operator_env_replaces_planned_values_and_adds_secrets_by_name() -> None:
    from analysis.env_rules import operator_env
    from analysis.models import EnvVar

    planned = [
        EnvVar(name="LOG_LEVEL", value="info", source="plan"),
        EnvVar(name="VITE_API_URL", target="web", source="output:api.url"),
    ]
    env, warnings = operator_env(
        planned, {"LOG_LEVEL": "debug", "PROJECT_NAME": "x"}, ["JWT_SECRET"], ["PROJECT_NAME", "MONGO_DB"]
    )
    by_name = {v.name: v for v in env}
    assert by_name["LOG_LEVEL"].value == "debug" and by_name["LOG_LEVEL"].source == "config:farm:apiEnv"
    assert by_name["PROJECT_NAME"].value == "x"
    jwt = by_name["JWT_SECRET"]
    assert jwt.secret and jwt.value is None and jwt.source == "config:farm:apiSecrets.JWT_SECRET"
    assert "VITE_API_URL" in by_name
    # only what nobody provides is reported
    assert len(warnings) == 1 and "MONGO_DB" in warnings[0] and "farm:apiEnv.MONGO_DB" in warnings[0]
