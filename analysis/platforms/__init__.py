"""Platform strategies behind a small registry: name -> strategy."""

from __future__ import annotations

from ..errors import UserError
from ..models import PLATFORMS
from . import aws, aws_serverless, docker, railway, vercel
from .base import Capabilities, Issue, PlatformStrategy

REGISTRY: dict[str, PlatformStrategy] = {
    s.name: s
    for s in (
        aws.STRATEGY,
        aws_serverless.STRATEGY,
        vercel.STRATEGY,
        railway.STRATEGY,
        docker.STRATEGY,
    )
}
assert tuple(REGISTRY) == PLATFORMS, "registry and models.PLATFORMS must list the same platforms"


def get(name: str, *, file: str | None = None, key: str | None = None) -> PlatformStrategy:
    try:
        return REGISTRY[name]
    except KeyError:
        raise UserError("unknown platform", file=file, key=key, value=name, valid=list(REGISTRY)) from None


__all__ = ["REGISTRY", "Capabilities", "Issue", "PlatformStrategy", "get"]
