"""The seed's health checks, probed over HTTP with timeouts, retries and expected bodies.

| check | URL | expected | seed's timeout / retries |
|---|---|---|---|
| web | the front end | 200 and an HTML page | 10 s / 3 |
| api | `/api/health` | 200, JSON `status` "ok" or "healthy" | 10 s / 3 |
| database | `/api/health/database` | 200, JSON `database` "connected" or `status` "ok"/"healthy" | 15 s / 3 |
| ai | `/api/ai/health` | 200, JSON `ai` "available", `status` "ok"/"healthy", or every boolean true (`{"ollama": true}`) | 30 s / 2 |

Any other name in `healthUrls` is expected to answer 200. Only the standard
library is used, so probing needs nothing the runtime does not already have.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

OK_STATUSES = frozenset({"ok", "healthy"})
# The seed's `generateHealthChecks`: (timeout seconds, retries)
SEED_DEFAULTS: dict[str, tuple[float, int]] = {"web": (10, 3), "api": (10, 3), "database": (15, 3), "ai": (30, 2)}
ORDER = ("web", "api", "database", "ai")
MAX_BODY = 1 << 20
MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class HealthCheck:
    name: str
    url: str
    timeout: float
    retries: int


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    url: str | None = None
    region: str | None = None  # set on the checks of one region of a multi-region stage

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "ok": self.ok, "detail": self.detail}
        if self.url:
            out["url"] = self.url
        if self.region:
            out["region"] = self.region
        return out


# ---------------------------------------------------------------------- expectations


def _json(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _short(body: bytes, limit: int = 120) -> str:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def expect_web(content_type: str, body: bytes) -> str | None:
    head = body[:4096].lower()
    if "text/html" in content_type.lower() or b"<!doctype html" in head or b"<html" in head:
        return None
    return f"not an HTML page (content-type {content_type or 'none'}): {_short(body)}"


def expect_api(content_type: str, body: bytes) -> str | None:
    data = _json(body)
    if data is not None and str(data.get("status", "")).lower() in OK_STATUSES:
        return None
    return f'expected JSON {{"status": "ok"|"healthy"}}, got: {_short(body)}'


def expect_database(content_type: str, body: bytes) -> str | None:
    data = _json(body)
    if data is not None and (data.get("database") == "connected" or str(data.get("status", "")).lower() in OK_STATUSES):
        return None
    return f'expected JSON {{"database": "connected"}} or {{"status": "ok"}}, got: {_short(body)}'


def expect_ai(content_type: str, body: bytes) -> str | None:
    data = _json(body)
    if data is not None:
        flags = [v for v in data.values() if isinstance(v, bool)]
        if data.get("ai") == "available" or str(data.get("status", "")).lower() in OK_STATUSES:
            return None
        if flags and all(flags):
            return None
    return f'expected JSON {{"ai": "available"}}, {{"status": "ok"}} or every provider true, got: {_short(body)}'


def expect_any(content_type: str, body: bytes) -> str | None:
    return None


EXPECTATIONS: dict[str, Callable[[str, bytes], str | None]] = {
    "web": expect_web,
    "api": expect_api,
    "database": expect_database,
    "ai": expect_ai,
}


# ---------------------------------------------------------------------- probing


def checks_from_urls(
    health_urls: dict[str, str], *, timeout: float | None = None, retries: int | None = None
) -> list[HealthCheck]:
    """One check per exported health URL, the seed's defaults unless overridden."""
    names = [n for n in ORDER if n in health_urls] + sorted(n for n in health_urls if n not in ORDER)
    checks = []
    for name in names:
        seed_timeout, seed_retries = SEED_DEFAULTS.get(name, (10, 3))
        checks.append(
            HealthCheck(
                name=name,
                url=health_urls[name],
                timeout=seed_timeout if timeout is None else timeout,
                retries=seed_retries if retries is None else retries,
            )
        )
    return checks


def _attempt(check: HealthCheck) -> tuple[bool, str]:
    request = urllib.request.Request(
        check.url, headers={"User-Agent": "farm-deploy-verify", "Accept": "application/json, text/html"}
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=check.timeout) as response:
            body = response.read(MAX_BODY)
            status = response.status
            content_type = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        body = exc.read(2048) if exc.fp else b""
        return False, f"HTTP {exc.code}" + (f": {_short(body)}" if body else "")
    except TimeoutError:
        return False, f"timed out after {check.timeout:g} s"
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return False, f"timed out after {check.timeout:g} s"
        if isinstance(reason, ConnectionRefusedError):
            return False, "connection refused"
        return False, f"cannot connect: {reason}"
    except (OSError, ValueError) as exc:
        return False, f"request failed: {exc}"
    elapsed = time.monotonic() - started
    if status != 200:
        return False, f"HTTP {status} (expected 200)"
    problem = EXPECTATIONS.get(check.name, expect_any)(content_type, body)
    if problem:
        return False, f"HTTP 200 but {problem}"
    return True, f"HTTP 200 in {elapsed * 1000:.0f} ms"


def probe(check: HealthCheck, *, backoff: float = 1.0, sleep: Callable[[float], None] = time.sleep) -> CheckResult:
    """Probe until it passes or the retries are spent, waiting backoff, 2×backoff, ... between tries."""
    attempts = check.retries + 1
    for i in range(attempts):
        ok, detail = _attempt(check)
        if ok:
            suffix = f" (attempt {i + 1} of {attempts})" if i else ""
            return CheckResult(check.name, True, detail + suffix, check.url)
        if i + 1 < attempts:
            sleep(min(backoff * 2**i, MAX_BACKOFF))
    tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
    return CheckResult(check.name, False, f"{detail} ({tries})", check.url)


def probe_all(checks: list[HealthCheck], *, backoff: float = 1.0) -> list[CheckResult]:
    """All checks at once (results in the checks' order), so slow ones do not add up."""
    if not checks:
        return []
    with ThreadPoolExecutor(max_workers=len(checks)) as pool:
        return list(pool.map(lambda c: probe(c, backoff=backoff), checks))
