"""`dockerfile`: a Dockerfile, with the Python version and port it uses."""

from __future__ import annotations

import re

from ...models import Finding
from ..registry import register
from ..source import SourceFile

_FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)", re.I | re.M)
# python:3.12-slim, python:3 (the newest 3.x); images built on Python that name it in the tag
# (ghcr.io/br3ndonland/inboard:fastapi-0.51-python3.11, tiangolo/uvicorn-gunicorn:python3.11)
_PYTHON_IMAGE = re.compile(r"(?:^|/)python:(\d+(?:\.\d+)*)")
_PYTHON_IN_TAG = re.compile(r":(?:[\w.-]*[-_])?python-?(\d\.\d+)")


def python_of(image: str) -> str | None:
    """The Python version a base image runs: "3.12" for python:3.12.4-slim, "3" for python:3."""
    match = _PYTHON_IMAGE.search(image) or _PYTHON_IN_TAG.search(image)
    if match is None:
        return None
    parts = match.group(1).split(".")
    return ".".join(parts[:2])


_EXPOSE = re.compile(r"^\s*EXPOSE\s+(\d+)", re.I | re.M)
_PORT_FLAG = re.compile(r"--port[\"',\s=]+(\d+)")


# `dockerfile`: Docker's builders fall back to a lowercase `dockerfile` when a folder has no `Dockerfile`
# (the legacy builder since https://github.com/moby/moby/pull/10858, BuildKit's buildx since
# https://github.com/docker/buildx/pull/444); analysis.load drops it when a `Dockerfile` sits beside it
@register("dockerfile", names=("Dockerfile", "dockerfile"), name_prefixes=("Dockerfile.",), suffixes=(".dockerfile",))
def detect(src: SourceFile) -> list[Finding]:
    detail: dict[str, str] = {}
    # the first stage built on Python (a multi-stage build may start from node to build assets)
    version = next((v for m in _FROM.finditer(src.text) if (v := python_of(m.group(1)))), None)
    if version:
        detail["python_version"] = version
    port = _EXPOSE.search(src.text) or _PORT_FLAG.search(src.text)
    if port:
        detail["port"] = port.group(1)
    lowered = src.text.lower()
    detail["serves_python"] = (
        "true" if any(s in lowered for s in ("uvicorn", "gunicorn", "fastapi", "hypercorn")) else "false"
    )
    return [Finding(kind="dockerfile", message=f"Dockerfile {src.rel}", file=src.rel, line=1, detail=detail)]
