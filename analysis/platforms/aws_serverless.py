"""AWS without servers: the FastAPI app on Lambda through an ASGI adapter.

Lambda answers one request per invocation: no WebSocket routes (API Gateway
WebSocket APIs are a different programming model), no Ollama, a ~6 MB request
body and an ephemeral /tmp.
"""

from __future__ import annotations

from ..models import DeploymentRequirements
from .base import LAMBDA_BODY_LIMIT_MB, BaseStrategy, Capabilities, Score

CAPABILITIES = Capabilities(
    containers=False,
    websockets=False,
    gpu=False,
    ollama=False,
    persistent_volumes=False,
    max_body_mb=LAMBDA_BODY_LIMIT_MB,
    global_cdn=True,
    autoscaling=True,
    high_availability=True,
    scale_to_zero=True,
    fixed_egress_ip=True,  # the function runs in private subnets behind the NAT
    managed_setup=True,
    api_choices=("lambda",),
    web_choices=("cloudfront", "vercel"),
    ai_choices=("openai", "huggingface", "none"),
)


class AwsServerlessStrategy(BaseStrategy):
    def adjust(self, req: DeploymentRequirements, s: Score) -> None:
        if req.latency_requirements == "realtime":
            s.add(-10, "cold starts add latency to the first requests")


STRATEGY = AwsServerlessStrategy("aws-serverless", "AWS Lambda", CAPABILITIES)
