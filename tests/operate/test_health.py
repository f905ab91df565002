"""Health probes against a real FastAPI app under uvicorn: healthy, failing, slow, wrong body."""

from __future__ import annotations

import time
import uuid

import pytest

from farm_deploy.health import SEED_DEFAULTS, CheckResult, HealthCheck, checks_from_urls, probe, probe_all

from .conftest import _free_port


def check(name: str, url: str, *, timeout: float = 2.0, retries: int = 0) -> HealthCheck:
    return HealthCheck(name=name, url=url, timeout=timeout, retries=retries)


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("web", "/"),
        ("api", "/api/health"),
        ("api", "/healthy-alt"),
        ("database", "/api/health/database"),
        ("database", "/api/health"),  # the example app answers {"status": "ok"}
        ("ai", "/api/ai/health"),
        ("ai", "/api/health"),
    ],
)
def test_healthy(app_url: str, name: str, path: str):
    result = probe(check(name, app_url + path))
    assert result.ok, result.detail
    assert result.detail.startswith("HTTP 200 in ") and result.detail.endswith(" ms")
    assert (result.name, result.url) == (name, app_url + path)


@pytest.mark.parametrize(
    ("name", "path", "detail"),
    [
        (
            "web",
            "/api/health",
            'HTTP 200 but not an HTML page (content-type application/json): {"status":"ok"} (1 attempt)',
        ),
        ("api", "/", None),
        (
            "api",
            "/wrong",
            'HTTP 200 but expected JSON {"status": "ok"|"healthy"}, got: {"status":"degraded"} (1 attempt)',
        ),
        (
            "database",
            "/wrong",
            'HTTP 200 but expected JSON {"database": "connected"} or {"status": "ok"}, got: {"status":"degraded"} '
            "(1 attempt)",
        ),
        (
            "ai",
            "/ai-down",
            'HTTP 200 but expected JSON {"ai": "available"}, {"status": "ok"} or every provider true, '
            'got: {"ollama":false} (1 attempt)',
        ),
        ("api", "/failing", 'HTTP 500: {"status":"error"} (1 attempt)'),
        ("api", "/nope", 'HTTP 404: {"detail":"Not Found"} (1 attempt)'),
    ],
)
def test_failures_have_exact_details(app_url: str, name: str, path: str, detail: str | None):
    result = probe(check(name, app_url + path))
    assert result.ok is False
    if detail is None:  # an HTML page where JSON was expected
        assert result.detail.startswith('HTTP 200 but expected JSON {"status": "ok"|"healthy"}, got: <!doctype html>')
    else:
        assert result.detail == detail


def test_slow_answer_times_out_within_the_timeout(app_url: str):
    started = time.monotonic()
    result = probe(check("api", app_url + "/slow?seconds=3", timeout=0.3, retries=1), backoff=0.01)
    elapsed = time.monotonic() - started
    assert result == CheckResult("api", False, "timed out after 0.3 s (2 attempts)", app_url + "/slow?seconds=3")
    assert elapsed < 1.5  # two attempts of 0.3 s, not the server's 3 s


def test_retry_recovers_and_says_so(app_url: str):
    url = f"{app_url}/flaky?key={uuid.uuid4().hex}&fail=2"
    sleeps: list[float] = []
    result = probe(check("api", url, retries=3), backoff=0.25, sleep=sleeps.append)
    assert result.ok and result.detail.endswith("(attempt 3 of 4)")
    assert sleeps == [0.25, 0.5]  # exponential backoff between the tries


def test_retries_exhausted_with_backoff(app_url: str):
    sleeps: list[float] = []
    result = probe(check("api", app_url + "/failing", retries=3), backoff=0.5, sleep=sleeps.append)
    assert result.detail == 'HTTP 500: {"status":"error"} (4 attempts)'
    assert sleeps == [0.5, 1.0, 2.0]


def test_connection_refused():
    url = f"http://127.0.0.1:{_free_port()}/api/health"
    assert probe(check("api", url)).detail == "connection refused (1 attempt)"


def test_seed_defaults_and_order():
    urls = {
        "ai": "https://x/api/ai/health",
        "extra": "https://x/extra",
        "api": "https://x/api/health",
        "web": "https://x/",
        "database": "https://x/api/health/database",
    }
    checks = checks_from_urls(urls)
    assert [(c.name, c.timeout, c.retries) for c in checks] == [
        ("web", 10, 3),
        ("api", 10, 3),
        ("database", 15, 3),
        ("ai", 30, 2),
        ("extra", 10, 3),
    ]
    assert SEED_DEFAULTS["ai"] == (30, 2)
    assert {(c.timeout, c.retries) for c in checks_from_urls(urls, timeout=1.5, retries=0)} == {(1.5, 0)}


def test_probe_all_runs_concurrently_and_keeps_order(app_url: str):
    checks = [check("api", app_url + "/slow?seconds=0.6", timeout=2) for _ in range(4)]
    checks.append(check("web", app_url + "/"))
    started = time.monotonic()
    results = probe_all(checks, backoff=0.01)
    assert time.monotonic() - started < 2.0  # not 4 × 0.6 s one after the other
    assert [r.name for r in results] == ["api", "api", "api", "api", "web"]
    assert all(r.ok for r in results)
