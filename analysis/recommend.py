"""Score every platform for an app and pick one, with reasons and alternatives."""

from __future__ import annotations

from .models import Alternative, DeploymentRequirements, PlatformScore, Recommendation
from .platforms import REGISTRY
from .platforms.base import Score

# A lead smaller than this over the runner-up is a close call: lower confidence.
CLOSE_CALL = 10


def score_all(req: DeploymentRequirements) -> list[PlatformScore]:
    """Every platform's score, best first; valid platforms before invalid ones."""
    scores = [strategy.score(req) for strategy in REGISTRY.values()]
    order = list(REGISTRY)
    return sorted(scores, key=lambda s: (not s.valid, -s.score, order.index(s.platform)))


def _tradeoffs(alt: PlatformScore, alt_s: Score, best_s: Score) -> list[str]:
    """What choosing `alt` over the best platform gains (+) and gives up (-)."""
    gains = [r for r in alt_s.pros() if r not in best_s.pros()]
    gains += [f"avoids: {r}" for r in best_s.cons() if r not in alt_s.cons()]
    losses = [f"no longer: {r}" for r in best_s.pros() if r not in alt_s.pros()]
    losses += [r for r in alt_s.cons() if r not in best_s.cons()]
    notes = [r for r in alt_s.reasons if alt_s.signs.get(r) == 0]
    out = [f"+ {g}" for g in gains] + [f"- {loss}" for loss in losses] + [f"note: {n}" for n in notes]
    return out + [f"! {issue}" for issue in alt.issues]


def recommend(req: DeploymentRequirements) -> Recommendation:
    scores = score_all(req)
    best = scores[0]
    reasoning = list(best.reasoning)
    confidence = best.confidence
    if not best.valid:
        reasoning.insert(0, "no platform meets every requirement; this one comes closest")
    if len(scores) > 1 and best.score - scores[1].score < CLOSE_CALL and scores[1].valid:
        confidence = round(max(0.1, confidence - 0.1), 2)
        reasoning.append(f"close call with {scores[1].platform} ({scores[1].score} vs {best.score})")
    details = {name: strategy.details(req) for name, strategy in REGISTRY.items()}
    alternatives = [
        Alternative(
            platform=s.platform,
            score=s.score,
            confidence=s.confidence,
            tradeoffs=_tradeoffs(s, details[s.platform], details[best.platform]),
        )
        for s in scores[1:]
    ]
    return Recommendation(
        platform=best.platform,
        confidence=confidence,
        reasoning=reasoning,
        alternatives=alternatives,
        scores=scores,
    )
