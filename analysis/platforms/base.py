"""What a deployment platform can do, and how well it fits an app.

Each platform module declares its `Capabilities` (facts about the platform, not
wishes: the seed claimed WebSockets on Vercel, the platform says otherwise) and
scores an app's `DeploymentRequirements` with reasons. Validation is shared: a
requirement the platform cannot meet becomes an `Issue` with a stable id, which
`stage_plan` also uses for forced choices that cannot work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ..models import DeploymentRequirements, Finding, PlatformScore

# Request body limits, in MB, of the platforms that put a proxy in front of the app.
VERCEL_BODY_LIMIT_MB = 4.5
LAMBDA_BODY_LIMIT_MB = 6.0


@dataclass(frozen=True)
class Capabilities:
    containers: bool
    websockets: bool  # long-lived connections to FastAPI's websocket routes
    gpu: bool  # GPU capacity the platform can schedule Ollama on
    ollama: bool  # can run an Ollama server at all (container with a volume)
    persistent_volumes: bool  # a file system that survives restarts and is shared
    max_body_mb: float | None  # request body limit; None: only what the app sets
    global_cdn: bool
    autoscaling: bool
    high_availability: bool  # more than one host/zone behind one endpoint
    scale_to_zero: bool
    fixed_egress_ip: bool  # lets Atlas allow a known address instead of 0.0.0.0/0
    managed_setup: bool  # little to operate (no VPC, no hosts)
    api_choices: tuple[str, ...] = ()
    web_choices: tuple[str, ...] = ()
    ai_choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Issue:
    """Why a platform (or a forced component choice) does not fit the app as is.

    `id` is stable: operators acknowledge a forced choice by it in `farm:acknowledge`.
    `blocking` issues make the platform invalid; the others need the `action`.
    """

    id: str
    message: str
    action: str = ""
    blocking: bool = True

    def text(self) -> str:
        return f"{self.message} ({self.action})" if self.action else self.message


@dataclass
class Score:
    points: int = 0
    reasons: list[str] = field(default_factory=list)
    signs: dict[str, int] = field(default_factory=dict)  # reason -> +1 / -1 / 0 (a note)

    def add(self, points: int, reason: str) -> None:
        self.points += points
        self.reasons.append(reason)
        self.signs[reason] = (points > 0) - (points < 0)

    def note(self, reason: str) -> None:
        self.reasons.append(reason)
        self.signs[reason] = 0

    def pros(self) -> list[str]:
        return [r for r in self.reasons if self.signs.get(r, 0) > 0]

    def cons(self) -> list[str]:
        return [r for r in self.reasons if self.signs.get(r, 0) < 0]


class PlatformStrategy(Protocol):
    name: str
    title: str
    capabilities: Capabilities

    def validate(self, req: DeploymentRequirements) -> list[Issue]: ...

    def details(self, req: DeploymentRequirements) -> Score: ...

    def score(self, req: DeploymentRequirements) -> PlatformScore: ...


def needs_ollama(req: DeploymentRequirements) -> bool:
    return req.has_ai and "ollama" in req.ai_providers


def cloud_ai_available(req: DeploymentRequirements) -> bool:
    return any(p in req.ai_providers for p in ("openai", "huggingface"))


def wants_gpu(req: DeploymentRequirements) -> bool:
    """Ollama on a GPU unless farm.config says `gpu: false`."""
    provider = req.ai.providers.get("ollama")
    return not (provider is not None and provider.gpu is False)


def needs_ha(req: DeploymentRequirements) -> bool:
    return req.expected_traffic in ("medium", "high", "enterprise") or req.budget_tier != "startup"


# The requirement each finding kind justifies (the scan keys `evidence` by requirement).
FIELD_FOR_KIND = {
    "websocket": "has_realtime",
    "file-upload": "has_file_storage",
    "local-disk-write": "writes_local_disk",
}


def findings_of(req: DeploymentRequirements, kind: str) -> list[Finding]:
    """Findings of one kind in the evidence, code findings before farm.config features."""
    seen: list[Finding] = []
    for key in (kind, FIELD_FOR_KIND.get(kind, kind)):
        for f in req.evidence.get(key, []):
            if f.kind == kind and f not in seen:
                seen.append(f)
    return seen


def upload_size_mb(req: DeploymentRequirements) -> float | None:
    """The largest upload size the scan saw declared (detail `max_mb`), if any."""
    sizes: list[float] = []
    for finding in findings_of(req, "file-upload"):
        try:
            sizes.append(float(finding.detail["max_mb"]))
        except (KeyError, ValueError):
            continue
    return max(sizes) if sizes else None


def where(req: DeploymentRequirements, kind: str) -> str:
    """` (seen at file:line)` for the first finding of a kind, for reasons."""
    found = findings_of(req, kind)
    if not found:
        return ""
    f = found[0]
    return f" (seen at {f.file}:{f.line})" if f.line else f" (seen in {f.file})"


def validate(name: str, caps: Capabilities, req: DeploymentRequirements) -> list[Issue]:
    """The requirement checks every platform shares, in the seed's order."""
    issues: list[Issue] = []
    if needs_ollama(req) and not caps.ollama:
        fallback = "migrate AI to OpenAI/HuggingFace" if cloud_ai_available(req) else "add a cloud AI provider"
        issues.append(
            Issue(
                f"{name}-ollama",
                f"{name} cannot run an Ollama server",
                fallback,
                blocking=not cloud_ai_available(req),
            )
        )
    elif needs_ollama(req) and wants_gpu(req) and not caps.gpu:
        issues.append(
            Issue(
                f"{name}-gpu",
                f"{name} has no GPUs: Ollama would run on CPU",
                "use a small model such as llama3.2:3b",
                blocking=False,
            )
        )
    if req.has_realtime and not caps.websockets:
        issues.append(
            Issue(
                f"{name}-websockets",
                f"{name} cannot hold FastAPI WebSocket connections{where(req, 'websocket')}",
                "a WebSocket API (API Gateway) is a different programming model; use containers",
            )
        )
    if req.has_file_storage and caps.max_body_mb is not None:
        declared = upload_size_mb(req)
        too_big = declared is not None and declared > caps.max_body_mb
        issues.append(
            Issue(
                f"{name}-upload-size",
                f"{name} limits request bodies to about {caps.max_body_mb:g} MB{where(req, 'file-upload')}"
                + (f"; the app accepts up to {declared:g} MB" if declared is not None else ""),
                "upload to S3 with presigned URLs instead of through the API",
                blocking=too_big,
            )
        )
    if req.writes_local_disk and not caps.persistent_volumes:
        issues.append(
            Issue(
                f"{name}-local-disk",
                f"files written to local disk do not survive on {name}{where(req, 'local-disk-write')}",
                "write to object storage (S3) instead",
                blocking=False,
            )
        )
    return issues


def score_common(caps: Capabilities, req: DeploymentRequirements, issues: list[Issue]) -> Score:
    """Points every platform earns or loses for the same facts; modules add their own."""
    s = Score(20, [])
    if needs_ollama(req):
        if caps.gpu and wants_gpu(req):
            s.add(30, "runs Ollama on GPU capacity")
        elif caps.ollama:
            s.add(15, "runs Ollama in a container (CPU only)")
        else:
            s.add(-30, "cannot run Ollama: AI must move to a cloud provider")
    if req.has_realtime:
        if caps.websockets:
            s.add(20, "holds WebSocket connections" + where(req, "websocket"))
        else:
            s.add(-30, "no WebSocket support for FastAPI routes")
    if req.has_file_storage:
        if caps.max_body_mb is None:
            s.add(10, "no platform limit on upload size")
        else:
            s.add(-10, f"request bodies capped at about {caps.max_body_mb:g} MB")
    if req.writes_local_disk:
        if caps.persistent_volumes:
            s.add(5, "persistent volumes for files the app writes")
        else:
            s.add(-10, "local disk is ephemeral")
    if req.global_cdn and caps.global_cdn:
        s.add(10, "global CDN for the front end")
    if needs_ha(req):
        if caps.high_availability:
            s.add(10, "highly available across zones")
        else:
            s.add(-20, "a single host: no high availability")
    if req.budget_tier == "startup" and req.cost_optimization and caps.scale_to_zero:
        s.add(10, "scales to zero when idle")
    if caps.managed_setup:
        s.add(5, "little infrastructure to operate")
    if req.has_database and not caps.fixed_egress_ip:
        s.add(-5, "no fixed egress IP for the Atlas access list")
    s.points -= 5 * sum(1 for i in issues if not i.blocking)
    return s


def finish(name: str, s: Score, issues: list[Issue]) -> PlatformScore:
    valid = not any(i.blocking for i in issues)
    points = max(0, min(100, s.points))
    # Confidence: how much of the score rests on facts found (reasons) versus
    # defaults, lowered by each issue the operator must handle.
    confidence = 0.5 + min(0.4, 0.06 * len(s.reasons)) - 0.05 * len(issues)
    if not valid:
        confidence = min(confidence, 0.3)
    return PlatformScore(
        platform=name,
        score=points,
        confidence=round(max(0.1, min(0.95, confidence)), 2),
        reasoning=s.reasons,
        issues=[i.text() for i in issues],
        valid=valid,
    )


@dataclass(frozen=True)
class BaseStrategy:
    """Shared behaviour; a platform module supplies name, capabilities and `adjust`."""

    name: str
    title: str
    capabilities: Capabilities

    def validate(self, req: DeploymentRequirements) -> list[Issue]:
        return validate(self.name, self.capabilities, req)

    def adjust(self, req: DeploymentRequirements, s: Score) -> None:
        """Platform-specific points; the default adds none."""

    def details(self, req: DeploymentRequirements) -> Score:
        """The signed reasons behind the score (for trade-offs between platforms)."""
        s = score_common(self.capabilities, req, self.validate(req))
        self.adjust(req, s)
        return s

    def score(self, req: DeploymentRequirements) -> PlatformScore:
        return finish(self.name, self.details(req), self.validate(req))
