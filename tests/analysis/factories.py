"""Hand-built `AppAnalysis` values for the decision tests: the scan has its own
tests, so these tests do not depend on it and can state each fact they need."""

from __future__ import annotations

from analysis.models import (
    AIConfig,
    AIProviderConfig,
    ApiFacts,
    AppAnalysis,
    DatabaseFacts,
    DeploymentRequirements,
    Finding,
    WebFacts,
)


def finding(kind: str, file: str, line: int, **detail: str) -> Finding:
    return Finding(kind=kind, message=kind, file=file, line=line, detail=detail)


def farm_chat(**overrides: object) -> AppAnalysis:
    """What the scan reports for examples/farm-chat: Ollama (GPU) with an OpenAI
    fallback, routing dev->ollama, staging->openai, prod->ollama, WebSockets,
    uploads, MongoDB, medium traffic on a startup budget."""
    req = DeploymentRequirements(
        has_ai=True,
        ai_providers=["ollama", "openai"],
        has_realtime=True,
        has_database=True,
        has_file_storage=True,
        expected_traffic="medium",
        latency_requirements="low",
        features=["auth", "ai", "realtime", "storage"],
        api=ApiFacts(root="apps/api", entrypoint="src.main:app", dockerfile="apps/api/Dockerfile"),
        web=WebFacts(root="apps/web", framework="vite", output_dir="dist", api_url_env="VITE_API_URL"),
        database=DatabaseFacts(drivers=["motor"], uri_env="MONGODB_URL", database_name="farm_chat"),
        ai=AIConfig(
            providers={
                "ollama": AIProviderConfig(
                    enabled=True, models=["llama3.1:8b", "llama3.2:3b"], default_model="llama3.1:8b", gpu=True
                ),
                "openai": AIProviderConfig(
                    enabled=True, models=["gpt-4o-mini"], default_model="gpt-4o-mini", api_key_env="OPENAI_API_KEY"
                ),
            },
            routing={"development": "ollama", "staging": "openai", "production": "ollama"},
        ),
        # keyed by requirement, as the scan does; farm.config's feature list comes first
        evidence={
            "has_realtime": [
                finding("feature", "farm.config.ts", 8, feature="realtime"),
                finding("websocket", "apps/api/src/routes/chat.py", 41, path="/ws"),
            ],
            "has_file_storage": [finding("file-upload", "apps/api/src/routes/files.py", 18)],
        },
    )
    req = req.model_copy(update=overrides)
    return AppAnalysis(app_path="examples/farm-chat", farm_config_file="farm.config.ts", requirements=req)


def crud_app(**overrides: object) -> AppAnalysis:
    """A plain FastAPI + React + MongoDB app: no AI, no WebSockets, no uploads."""
    req = DeploymentRequirements(
        has_database=True,
        api=ApiFacts(root="backend", entrypoint="app.main:app"),
        web=WebFacts(root="frontend", framework="vite"),
        database=DatabaseFacts(drivers=["pymongo"], uri_env="MONGO_URI"),
    )
    req = req.model_copy(update=overrides)
    return AppAnalysis(app_path="crud", requirements=req)
