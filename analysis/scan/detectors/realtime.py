"""`websocket`: WebSocket endpoints (FastAPI/Starlette routes, Socket.IO servers)."""

from __future__ import annotations

import re

from ...models import Finding
from ..registry import register
from ..source import SourceFile

_ROUTE = re.compile(r"""@[\w.]+\.websocket(?:_route)?\(\s*(?:path\s*=\s*)?["']([^"']*)["']""")
_ADD_ROUTE = re.compile(r"""\.add_websocket_route\(\s*["']([^"']*)["']""")
_PARAM = re.compile(r"""\b\w+\s*:\s*WebSocket\b""")
_SOCKETIO = re.compile(r"""socketio\.(?:AsyncServer|Server|ASGIApp)\(""")


@register("websocket", suffixes=(".py",), quick=("ocket",))
def detect(src: SourceFile) -> list[Finding]:
    findings = []
    for pattern in (_ROUTE, _ADD_ROUTE):
        for match in pattern.finditer(src.text):
            path = match.group(1)
            findings.append(
                Finding(
                    kind="websocket",
                    message=f"WebSocket endpoint {path}",
                    file=src.rel,
                    line=src.line_of(match.start()),
                    detail={"path": path},
                )
            )
    match = _SOCKETIO.search(src.text)
    if match:
        findings.append(
            Finding(
                kind="websocket",
                message="Socket.IO server",
                file=src.rel,
                line=src.line_of(match.start()),
                detail={"path": "socket.io"},
            )
        )
    if not findings:
        # a handler taking a WebSocket parameter on a router registered elsewhere
        match = _PARAM.search(src.text)
        if match and ("fastapi" in src.text or "starlette" in src.text):
            findings.append(
                Finding(
                    kind="websocket",
                    message="WebSocket handler",
                    file=src.rel,
                    line=src.line_of(match.start()),
                    detail={"path": ""},
                )
            )
    return findings
