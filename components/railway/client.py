"""A small client for Railway's public GraphQL API (standard library only).

The dynamic providers run in a separate process during `pulumi up`, and their
instances are pickled into the stack's state: so the client is built per call
from plain values (endpoint, token, timeout) and holds no socket or session.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

DEFAULT_ENDPOINT = "https://backboard.railway.com/graphql/v2"
TOKEN_ENV = "RAILWAY_API_TOKEN"
DEFAULT_TIMEOUT = 30.0
_OPERATION_NAME = re.compile(r"^\s*(?:query|mutation)\s+(\w+)")


class RailwayApiError(Exception):
    """Railway refused a request or could not be reached; the message says which and why."""

    def __init__(self, operation: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"Railway {operation}: {message}")
        self.operation = operation
        self.status = status


def operation_name(document: str) -> str:
    match = _OPERATION_NAME.match(document)
    if not match:
        raise ValueError("GraphQL document has no operation name")
    return match.group(1)


@dataclass(frozen=True)
class RailwayClient:
    endpoint: str = DEFAULT_ENDPOINT
    token: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_props(cls, props: dict[str, Any]) -> RailwayClient:
        """The client for a resource's inputs: `endpoint`, `token` (else $RAILWAY_API_TOKEN)."""
        return cls(
            endpoint=props.get("endpoint") or DEFAULT_ENDPOINT,
            token=props.get("token") or os.environ.get(TOKEN_ENV),
        )

    def execute(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one operation; return its `data`, or raise `RailwayApiError`."""
        name = operation_name(document)
        if not self.token:
            raise RailwayApiError(name, f"no API token: set the stack's secret farm:railwayToken or ${TOKEN_ENV}")
        body = json.dumps({"query": document, "variables": variables or {}, "operationName": name}).encode()
        request = urllib.request.Request(
            self.endpoint,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token}",
                "User-Agent": "farm-deploy",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise RailwayApiError(name, _http_error_message(exc), status=exc.code) from None
        except urllib.error.URLError as exc:
            raise RailwayApiError(name, f"cannot reach {self.endpoint}: {exc.reason}") from None
        except TimeoutError:
            raise RailwayApiError(name, f"no answer from {self.endpoint} within {self.timeout:g}s") from None
        except ValueError:
            raise RailwayApiError(name, "the answer is not JSON") from None
        errors = payload.get("errors")
        if errors:
            messages = "; ".join(str(e.get("message", e)) for e in errors)
            raise RailwayApiError(name, messages)
        data = payload.get("data")
        if not isinstance(data, dict):
            raise RailwayApiError(name, "the answer has no data")
        return data


def _http_error_message(exc: urllib.error.HTTPError) -> str:
    detail = ""
    try:
        payload = json.loads(exc.read() or b"{}")
        detail = "; ".join(str(e.get("message", e)) for e in payload.get("errors", []))
    except ValueError:
        pass
    if exc.code in (401, 403):
        hint = "the token is missing, expired or lacks access to this workspace"
    elif exc.code == 429:
        hint = "rate limited: retry later"
    else:
        hint = exc.reason or "request failed"
    return f"HTTP {exc.code}: {detail or hint}"
