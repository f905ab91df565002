"""Railway: containers with volumes and WebSockets, no GPUs."""

from __future__ import annotations

from ..models import DeploymentRequirements
from .base import BaseStrategy, Capabilities, Score

CAPABILITIES = Capabilities(
    containers=True,
    websockets=True,
    gpu=False,
    ollama=True,  # on CPU, with a volume for the models
    persistent_volumes=True,
    max_body_mb=None,
    global_cdn=False,
    autoscaling=True,
    high_availability=False,  # a service with a volume runs a single replica
    scale_to_zero=True,  # serverless sleep for idle services
    fixed_egress_ip=False,
    managed_setup=True,
    api_choices=("railway",),
    web_choices=("railway", "vercel"),
    ai_choices=("ollama-cpu", "openai", "huggingface", "none"),
)


class RailwayStrategy(BaseStrategy):
    def adjust(self, req: DeploymentRequirements, s: Score) -> None:
        if len(req.regions) > 1:
            s.add(-10, "limited multi-region deployment")


STRATEGY = RailwayStrategy("railway", "Railway", CAPABILITIES)
