"""Finding and reading farm.config.* into the analyzer's models."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.errors import UserError
from analysis.farm_config import CONFIG_NAMES, find_farm_config, load_farm_config
from analysis.models import AIProviderConfig

FIXTURES = Path(__file__).parent / "fixtures"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_example_app_config(example_app):
    config = load_farm_config(example_app / "farm.config.ts", example_app)
    assert config.file == "farm.config.ts"
    assert config.name == "farm-chat"
    assert config.features == ["auth", "ai", "realtime", "storage"]
    assert config.database_url_env == "MONGODB_URL"
    assert config.database_name == "farm_chat"
    assert config.ai.providers == {
        "ollama": AIProviderConfig(
            enabled=True,
            models=["llama3.1:8b", "llama3.2:3b"],
            default_model="llama3.1:8b",
            url="http://localhost:11434",
            gpu=True,
        ),
        "openai": AIProviderConfig(
            enabled=True, models=["gpt-4o-mini", "gpt-4o"], default_model="gpt-4o-mini", api_key_env="OPENAI_API_KEY"
        ),
    }
    assert config.ai.routing == {"development": "ollama", "staging": "openai", "production": "ollama"}
    assert config.deployment == {
        "regions": ["us-east-1"],
        "expected_traffic": "medium",
        "latency_requirements": "low",
        "budget_tier": "startup",
        "cost_optimization": True,
    }
    assert config.line("ai.routing.staging") == 37
    assert config.findings == []


def test_precedence_when_several_exist(tmp_path):
    assert find_farm_config(tmp_path) is None
    write(tmp_path, "farm.config.json", "{}")
    write(tmp_path, "farm.config.js", "module.exports = {}")
    assert find_farm_config(tmp_path).name == "farm.config.js"
    write(tmp_path, "farm.config.ts", "export default {}")
    assert find_farm_config(tmp_path).name == "farm.config.ts"
    assert CONFIG_NAMES[0] == "farm.config.ts"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "farm.config.js",
            "module.exports = { features: ['ai'], ai: { providers: { openai: { apiKey: process.env.OPENAI_KEY } } } };",
        ),
        (
            "farm.config.mjs",
            "export default { features: ['ai'], ai: { providers: { openai: { apiKey: process.env.OPENAI_KEY } } } }",
        ),
        ("farm.config.json", '{"features": ["ai"], "ai": {"providers": {"openai": {"apiKeyEnv": "x"}}}}'),
        ("farm.config.yaml", "features: [ai]\nai:\n  providers:\n    openai:\n      enabled: true\n"),
        ("farm.config.yml", "features:\n  - ai\nai:\n  providers:\n    openai: {}\n"),
    ],
)
def test_every_format(tmp_path, name, text):
    config = load_farm_config(write(tmp_path, name, text), tmp_path)
    assert config.features == ["ai"]
    assert list(config.ai.providers) == ["openai"]
    assert config.ai.providers["openai"].enabled is True
    expected_env = "OPENAI_KEY" if name.endswith(("js", "mjs")) else None
    assert config.ai.providers["openai"].api_key_env == expected_env


def test_yaml_records_key_lines(tmp_path):
    path = write(tmp_path, "farm.config.yaml", "name: x\ndeployment:\n  traffic: huge\n")
    with pytest.raises(UserError) as info:
        load_farm_config(path, tmp_path)
    assert (info.value.file, info.value.line, info.value.key) == ("farm.config.yaml", 3, "deployment.traffic")


def test_utf16_config_with_bom(tmp_path):
    path = write(tmp_path, "farm.config.ts", "export default { features: ['ai'] }".encode("utf-16"))
    assert load_farm_config(path, tmp_path).features == ["ai"]


def test_syntax_error_names_file_line_and_column(tmp_path):
    path = write(tmp_path, "farm.config.ts", "export default defineConfig({\n  features: ['ai'\n  database: {},\n});\n")
    with pytest.raises(UserError) as info:
        load_farm_config(path, tmp_path)
    err = info.value
    assert (err.file, err.line) == ("farm.config.ts", 3)
    assert err.message == "syntax error: expected ',', found 'database' (column 3)"
    assert "farm.config.ts:3" in err.render()


@pytest.mark.parametrize(
    ("text", "key", "line", "valid"),
    [
        ("export default {\n features: 'ai',\n ai: 3 }", "ai", 3, None),
        (
            "export default {\n deployment: {\n  budget: 'cheap' } }",
            "deployment.budget",
            3,
            ["startup", "growth", "enterprise"],
        ),
        (
            "export default {\n deployment: { latency: 'instant' } }",
            "deployment.latency",
            2,
            ["standard", "low", "realtime"],
        ),
        ("export default {\n features: [1] }", "features", 2, None),
        (
            "export default {\n ai: { providers: { ollama: { models: 'x', enabled: 'yes' } } } }",
            "ai.providers.ollama.enabled",
            2,
            None,
        ),
    ],
)
def test_wrong_types_name_the_key(tmp_path, text, key, line, valid):
    path = write(tmp_path, "farm.config.ts", text)
    with pytest.raises(UserError) as info:
        load_farm_config(path, tmp_path)
    assert (info.value.key, info.value.line, info.value.valid) == (key, line, valid)


def test_unreadable_config_is_a_user_error(tmp_path):
    # a folder where the file should be fails to read whatever the user's rights (tests may run as root)
    (tmp_path / "farm.config.ts").mkdir()
    with pytest.raises(UserError) as info:
        load_farm_config(tmp_path / "farm.config.ts", tmp_path)
    assert info.value.file == "farm.config.ts"
    assert info.value.message.startswith("cannot read the FARM config")


def test_literal_api_key_is_reported_not_copied(tmp_path):
    key = "sk-proj-" + "A1b2C3d4" * 5
    path = write(
        tmp_path, "farm.config.ts", f"export default {{ ai: {{ providers: {{ openai: {{\n apiKey: '{key}' }} }} }} }}"
    )
    config = load_farm_config(path, tmp_path)
    assert config.ai.providers["openai"].api_key_env is None
    [finding] = config.findings
    assert (finding.kind, finding.severity, finding.line) == ("secret", "error", 2)
    assert key not in finding.model_dump_json()
    assert key not in config.ai.model_dump_json()


def test_computed_values_are_noted(tmp_path):
    path = write(
        tmp_path,
        "farm.config.ts",
        "export default { ai: { providers: { ollama: {\n enabled: process.env.USE_OLLAMA === '1' } } } }",
    )
    config = load_farm_config(path, tmp_path)
    assert config.ai.providers["ollama"].enabled is True
    kinds = [(f.kind, f.line) for f in config.findings]
    assert ("config-note", 2) in kinds


def test_cli_generated_config_reads_database(tmp_path):
    text = (FIXTURES / "farm-cli-generated.farm.config.ts").read_text()
    config = load_farm_config(write(tmp_path, "farm.config.ts", text), tmp_path)
    assert (config.name, config.features) == ("inventory-app", [])
    assert (config.database_url_env, config.database_name) == ("DATABASE_URL", "inventory-app")
    assert config.ai.providers == {}


def test_routing_to_a_provider_that_is_not_enabled_is_a_warning(tmp_path):
    text = (
        "export default { ai: {\n providers: { ollama: { enabled: true }, openai: { enabled: false } },\n"
        " routing: {\n  development: 'ollama',\n  production: 'openai',\n  staging: 'groq' } } }"
    )
    config = load_farm_config(write(tmp_path, "farm.config.ts", text), tmp_path)
    assert config.ai.routing == {"development": "ollama", "production": "openai", "staging": "groq"}
    warnings = [(f.kind, f.severity, f.line, f.detail) for f in config.findings]
    assert warnings == [
        ("ai-routing", "warning", 5, {"stage": "production", "provider": "openai"}),
        ("ai-routing", "warning", 6, {"stage": "staging", "provider": "groq"}),
    ]
