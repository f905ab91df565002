"""AWS with containers: the API on ECS Fargate behind an ALB, Ollama on ECS EC2 GPU capacity.

Fargate has no GPUs, so GPU Ollama runs on an EC2 auto scaling group registered
as an ECS capacity provider; EFS keeps files and the model cache across tasks.
"""

from __future__ import annotations

from ..models import DeploymentRequirements
from .base import BaseStrategy, Capabilities, Score, needs_ollama

CAPABILITIES = Capabilities(
    containers=True,
    websockets=True,  # the ALB keeps WebSocket upgrades open to the task
    gpu=True,  # EC2 GPU instances as an ECS capacity provider, not Fargate
    ollama=True,
    persistent_volumes=True,  # EFS mounted into the tasks
    max_body_mb=None,
    global_cdn=True,
    autoscaling=True,
    high_availability=True,
    scale_to_zero=False,  # the ALB and NAT gateway bill by the hour regardless
    fixed_egress_ip=True,  # NAT gateway elastic IPs
    managed_setup=False,
    api_choices=("ecs", "lambda"),
    web_choices=("cloudfront", "vercel"),
    ai_choices=("ollama-gpu", "ollama-cpu", "openai", "huggingface", "none"),
)


class AwsStrategy(BaseStrategy):
    def adjust(self, req: DeploymentRequirements, s: Score) -> None:
        if req.expected_traffic in ("high", "enterprise"):
            s.add(10, "scales out to high traffic with target-tracking autoscaling")
        if not needs_ollama(req) and not req.has_realtime and req.budget_tier == "startup":
            s.add(-10, "VPC, NAT and load balancer cost money even when idle")


STRATEGY = AwsStrategy("aws", "AWS (ECS containers)", CAPABILITIES)
