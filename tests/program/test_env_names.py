"""The API is wired by the names its code reads, in the example app and in every analyzer fixture layout.

Two properties per layout and stage: every variable the app requires with no
default is provided by the plan (or the plan says which `pulumi config set`
line provides it), and every variable the plan sets for the API is read by the
app's code or named in a plan warning.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.load import analyze_app
from analysis.stack_config import StackSettings, parse_settings, split_namespace
from analysis.stage_plan import plan_stage
from farm_deploy.offline_plan import load_stack_file
from tests.analysis import repos

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "farm-chat"
LAYOUTS = (
    "FARM_MONOREPO",
    "BACKEND_FRONTEND",
    "ROOT_FASTAPI",
    "NEXTJS_VERCEL",
    "ODD_DEPENDENCIES",
    "POETRY_FACTORY",
    "NEXT_APP_ROUTER",
    "VITE_YARN_API_DOCKER",
    "SRC_LAYOUT_PACKAGE",
)


def api_names(plan) -> set[str]:
    return {v.name for v in plan.env if v.target == "api"}


def check(analysis, plan) -> None:
    api = analysis.requirements.api
    names = api_names(plan)
    for name in api.required_env:
        assert name in names or any(f"apiEnv.{name}'" in w for w in plan.warnings), name
    warned = " ".join(plan.warnings)
    for name in names:
        assert name in api.read_env or name in warned, (name, plan.warnings)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_fixture_layouts(tmp_path, layout, stage) -> None:
    analysis = analyze_app(repos.build(tmp_path, getattr(repos, layout)))
    check(analysis, plan_stage(analysis, StackSettings(), stage))


def shipped_settings(stack: str) -> StackSettings:
    farm, _ = split_namespace(load_stack_file(ROOT, stack).config)
    return parse_settings(farm, file=f"Pulumi.{stack}.yaml", stack=stack)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_example_app_on_the_shipped_stacks(stack) -> None:
    analysis = analyze_app(EXAMPLE)
    check(analysis, plan_stage(analysis, shipped_settings(stack), stack))


def test_example_app_gets_its_own_names_and_the_pulled_model() -> None:
    analysis = analyze_app(EXAMPLE)
    assert analysis.requirements.api.read_env == [
        "AI_REQUEST_METRIC_NAMESPACE", "AI_RETRY_AFTER", "ALLOWED_ORIGINS", "ENVIRONMENT", "MAX_UPLOAD_BYTES",
        "MONGODB_DB", "MONGODB_URL", "OLLAMA_MODEL", "OLLAMA_URL", "OPENAI_API_KEY", "OPENAI_MODEL",
    ]  # fmt: skip
    dev = plan_stage(analysis, shipped_settings("dev"), "dev")
    env = {v.name: v for v in dev.env if v.target == "api"}
    # the model dev pulls (Pulumi.dev.yaml pins llama3.2:3b) is the model the app asks Ollama for
    pulled = [m.name for m in dev.ai.models if m.provider == "ollama"]
    assert pulled == ["llama3.2:3b"]
    assert env["OLLAMA_MODEL"].value == "llama3.2:3b"
    assert env["OLLAMA_URL"].source == "output:ollama.url"
    assert env["ALLOWED_ORIGINS"].source == "output:web.url"
    assert env["MONGODB_DB"].value == "farm_chat"
    assert env["AI_REQUEST_METRIC_NAMESPACE"].value == "farm-deploy/dev"
    # conventional names the app never reads are not set at all
    assert not {"AI_DEFAULT_MODEL", "CORS_ORIGINS", "DATABASE_NAME", "LOG_LEVEL", "AI_PROVIDER"} & set(env)
    assert not [w for w in dev.warnings if "does not read" in w or "reads no variable" in w]


def test_a_conventional_name_is_a_warning(tmp_path) -> None:
    analysis = analyze_app(repos.build(tmp_path, repos.BACKEND_FRONTEND))
    plan = plan_stage(analysis, StackSettings(), "dev")
    assert "CORS_ORIGINS" in api_names(plan)
    assert any(w.startswith("the app reads no variable the plan knows for CORS_ORIGINS") for w in plan.warnings)


def test_a_required_setting_nobody_provides_names_the_config_line(tmp_path) -> None:
    files = dict(repos.BACKEND_FRONTEND)
    files["backend/app/settings.py"] = (
        "from pydantic_settings import BaseSettings\n\n\nclass S(BaseSettings):\n    session_secret: str\n"
    )
    analysis = analyze_app(repos.build(tmp_path, files))
    assert "SESSION_SECRET" in analysis.requirements.api.required_env
    plan = plan_stage(analysis, StackSettings(), "dev")
    assert (
        "pulumi config set --path 'farm:apiEnv.SESSION_SECRET' <value> "
        "(or --secret --path 'farm:apiSecrets.SESSION_SECRET')"
    ) in " ".join(plan.warnings)


def test_fallback_key_missing_disables_the_fallback_not_the_deploy() -> None:
    analysis = analyze_app(EXAMPLE)
    settings = shipped_settings("dev")
    assert settings.secrets_set == []  # Pulumi.dev.yaml sets no secret
    dev = plan_stage(analysis, settings, "dev")
    assert dev.ai.fallback_provider is None
    assert "OPENAI_API_KEY" not in api_names(dev)
    assert (
        "fallback openai is off: farm:openaiApiKey is not set "
        "(pulumi config set --secret farm:openaiApiKey <value> to enable it)"
    ) in dev.warnings
    settings.secrets_set = ["openaiApiKey"]
    with_key = plan_stage(analysis, settings, "dev")
    assert with_key.ai.fallback_provider == "openai"
    (key,) = [v for v in with_key.env if v.name == "OPENAI_API_KEY"]
    assert (key.secret, key.rule.required) == (True, False)
    # where OpenAI is the primary provider its key stays required
    staging = plan_stage(analysis, shipped_settings("staging"), "staging")
    (key,) = [v for v in staging.env if v.name == "OPENAI_API_KEY"]
    assert key.rule.required is True
