"""Detectors, one per module; importing this package registers them all."""

from . import (  # noqa: F401
    ai_providers,
    compose,
    dependencies,
    disk_writes,
    dockerfile,
    env_reads,
    fastapi_app,
    frontend,
    frontend_env,
    health_route,
    localhost,
    mongodb,
    python_version,
    realtime,
    secrets,
    settings,
    uploads,
)
