"""Vercel: the front end on its CDN, FastAPI as Python functions.

The seed listed WebSockets among Vercel's capabilities; its Python functions
cannot hold them, bodies stop at about 4.5 MB and egress IPs are not fixed.
"""

from __future__ import annotations

from ..models import DeploymentRequirements
from .base import VERCEL_BODY_LIMIT_MB, BaseStrategy, Capabilities, Score

CAPABILITIES = Capabilities(
    containers=False,
    websockets=False,
    gpu=False,
    ollama=False,
    persistent_volumes=False,
    max_body_mb=VERCEL_BODY_LIMIT_MB,
    global_cdn=True,
    autoscaling=True,
    high_availability=True,
    scale_to_zero=True,
    fixed_egress_ip=False,  # Atlas would need 0.0.0.0/0 or Secure Compute addresses
    managed_setup=True,
    api_choices=("vercel",),
    web_choices=("vercel",),
    ai_choices=("openai", "huggingface", "none"),
)


class VercelStrategy(BaseStrategy):
    def adjust(self, req: DeploymentRequirements, s: Score) -> None:
        s.add(10, "preview deployment per pull request")
        if req.web is not None and req.web.framework == "nextjs":
            s.add(10, "Next.js runs natively")
        if req.expected_traffic == "enterprise":
            s.add(-10, "usage pricing grows fast at enterprise traffic")


STRATEGY = VercelStrategy("vercel", "Vercel", CAPABILITIES)
