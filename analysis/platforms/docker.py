"""One Docker host: everything runs (GPU Ollama too if the host has a GPU), nothing is redundant."""

from __future__ import annotations

from ..models import DeploymentRequirements
from .base import BaseStrategy, Capabilities, Score, needs_ollama, wants_gpu

CAPABILITIES = Capabilities(
    containers=True,
    websockets=True,
    gpu=True,  # when the host has an NVIDIA GPU and the container toolkit
    ollama=True,
    persistent_volumes=True,
    max_body_mb=None,
    global_cdn=False,
    autoscaling=False,
    high_availability=False,
    scale_to_zero=False,
    fixed_egress_ip=True,
    managed_setup=False,
    api_choices=("docker",),
    web_choices=("docker",),
    ai_choices=("ollama-gpu", "ollama-cpu", "openai", "huggingface", "none"),
)


class DockerStrategy(BaseStrategy):
    def adjust(self, req: DeploymentRequirements, s: Score) -> None:
        s.add(-10, "you run, patch and back up the host yourself")
        if needs_ollama(req) and wants_gpu(req):
            s.note("GPU only if the host has an NVIDIA GPU and the container toolkit")


STRATEGY = DockerStrategy("docker", "single Docker host", CAPABILITIES)
