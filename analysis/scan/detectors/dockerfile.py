"""`dockerfile`: a Dockerfile, with the Python version and port it uses."""

from __future__ import annotations

import re

from ...models import Finding
from ..registry import register
from ..source import SourceFile

_FROM_PYTHON = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(?:\S+/)?python:(\d+\.\d+)", re.I | re.M)
_EXPOSE = re.compile(r"^\s*EXPOSE\s+(\d+)", re.I | re.M)
_PORT_FLAG = re.compile(r"--port[\"',\s=]+(\d+)")


@register("dockerfile", names=("Dockerfile",), name_prefixes=("Dockerfile.",), suffixes=(".dockerfile",))
def detect(src: SourceFile) -> list[Finding]:
    detail: dict[str, str] = {}
    version = _FROM_PYTHON.search(src.text)
    if version:
        detail["python_version"] = version.group(1)
    port = _EXPOSE.search(src.text) or _PORT_FLAG.search(src.text)
    if port:
        detail["port"] = port.group(1)
    lowered = src.text.lower()
    detail["serves_python"] = (
        "true" if any(s in lowered for s in ("uvicorn", "gunicorn", "fastapi", "hypercorn")) else "false"
    )
    return [Finding(kind="dockerfile", message=f"Dockerfile {src.rel}", file=src.rel, line=1, detail=detail)]
