"""Which environment variable names hold credentials.

Shared by the planner (a plain `farm:apiEnv` value must not be one) and the
ECS component (a plain `environment` entry must not be one): plain variables
land in task definitions and project settings, readable by anyone allowed to
describe them.
"""

from __future__ import annotations

_CREDENTIAL_WORDS = {"SECRET", "PASSWORD", "PASSWD", "APIKEY", "CREDENTIALS"}
_KEY_QUALIFIERS = {"API", "PRIVATE", "ACCESS", "SECRET", "SIGNING", "ENCRYPTION"}
_CREDENTIAL_NAMES = {"MONGODB_URI", "MONGODB_URL", "DATABASE_URL"}


def looks_like_credential(env_name: str) -> bool:
    """`OPENAI_API_KEY`, `HF_TOKEN`, `JWT_SECRET`, `MONGODB_URL` yes; `AI_MAX_TOKENS` no."""
    name = env_name.upper()
    parts = name.split("_")
    return (
        name in _CREDENTIAL_NAMES
        or any(p in _CREDENTIAL_WORDS for p in parts)
        or parts[-1] == "TOKEN"
        or (len(parts) > 1 and parts[-1] == "KEY" and parts[-2] in _KEY_QUALIFIERS)
    )
