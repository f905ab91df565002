"""Settings read from the environment (12-factor): nothing secret lives in code."""

import json
from typing import Annotated

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: str = "development"
    mongodb_url: str = "mongodb://localhost:27017"
    mongodb_db: str = "farm_chat"
    ollama_url: str = "http://localhost:11434"
    # The model the deployment pulled; the default is the one `ollama pull` in the README fetches.
    ollama_model: str = "llama3.2:3b"
    openai_api_key: str | None = None
    openai_model: str = "gpt-4o-mini"
    # Comma-separated ("https://a,https://b") or a JSON list: deployments set either.
    allowed_origins: Annotated[list[str], NoDecode] = ["http://localhost:5173"]
    max_upload_bytes: int = 10 * 1024 * 1024
    # CloudWatch namespace for the AIRequests metric (embedded metric format on stdout); unset: no metric.
    ai_request_metric_namespace: str | None = None
    # Seconds a client should wait while the AI host starts (scaled to zero when idle).
    ai_retry_after: int = 120

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [o.strip() for o in text.split(",") if o.strip()]
        return value


settings = Settings()
