"""`/api/ai/health` answers that mix true and false provider flags: one provider
down is an unhealthy AI, whatever order the flags come in."""

from __future__ import annotations

import json

import pytest

from farm_deploy.health import expect_ai


def verdict(body: dict) -> str | None:
    return expect_ai("application/json", json.dumps(body).encode())


@pytest.mark.parametrize(
    "body",
    [
        {"ollama": True, "openai": False},
        {"ollama": False, "openai": True},
        {"ollama": True, "openai": True, "huggingface": False},
        {"ollama": False, "openai": False},
        {"ollama": True, "openai": False, "status": "degraded"},
        {"ai": "unavailable", "ollama": True, "openai": False},
    ],
)
def test_any_false_flag_is_unhealthy(body: dict) -> None:
    detail = verdict(body)
    assert detail is not None
    assert detail.startswith('expected JSON {"ai": "available"}, {"status": "ok"} or every provider true, got: {')


@pytest.mark.parametrize(
    "body",
    [
        {"ollama": True, "openai": True},
        {"ollama": True, "openai": True, "model": "llama3.2:3b"},  # non-boolean fields are not flags
        {"ollama": True},
    ],
)
def test_every_flag_true_is_healthy(body: dict) -> None:
    assert verdict(body) is None


def test_explicit_status_wins_over_a_false_flag() -> None:
    # The app said it is fine overall (one optional provider may be off).
    assert verdict({"status": "ok", "openai": False}) is None
    assert verdict({"ai": "available", "openai": False}) is None


def test_no_flag_at_all_is_not_healthy() -> None:
    assert verdict({}) is not None
    assert verdict({"model": "llama3.2:3b"}) is not None
