"""`localhost-url`: service URLs pointing at localhost / 127.0.0.1 in application code.

A hard-coded one breaks once deployed (warning). One that is only the default of
an environment variable, or sits in a dev-server config, is reported as info.
"""

from __future__ import annotations

import re

from ...models import Finding
from ..registry import register
from ..source import JS_SUFFIXES, SourceFile

_URL = re.compile(
    r"""\b((?:https?|wss?|mongodb(?:\+srv)?|redis|amqp|postgres(?:ql)?)://(?:[^@/\s"'`]*@)?(?:localhost|127\.0\.0\.1|0\.0\.0\.0)(?::(\d+))?[^\s"'`]*)"""
)
_ENV_ON_LINE = re.compile(r"getenv|environ|process\.env|import\.meta\.env|Field\(|env=")
_DEV_ONLY_FILES = (
    "vite.config.",
    "next.config.",
    "webpack.config.",
    "setupProxy.",
    "vitest.config.",
    "jest.config.",
    "playwright.config.",
    "docker-compose",
    "farm.config.",
)
_PORT_SERVICES = {
    "11434": "ollama",
    "27017": "mongodb",
    "6379": "redis",
    "5432": "postgres",
    "8000": "api",
    "5173": "web",
    "3000": "web",
    "4000": "web",
}


def _mask_credentials(url: str) -> str:
    return re.sub(r"://[^@/]*@", "://***@", url)


@register("localhost-url", suffixes=(".py", *JS_SUFFIXES), quick=("://",))
def detect(src: SourceFile) -> list[Finding]:
    if "localhost" not in src.text and "127.0.0.1" not in src.text and "0.0.0.0" not in src.text:
        return []  # the quick filter "://" is broad: check the hosts before the regex
    dev_only = src.name.startswith(_DEV_ONLY_FILES)
    settings_file = "BaseSettings" in src.text
    findings = []
    seen_lines = set()
    for match in _URL.finditer(src.text):
        line = src.line_of(match.start())
        if line in seen_lines:
            continue
        seen_lines.add(line)
        url = _mask_credentials(match.group(1))
        service = _PORT_SERVICES.get(match.group(2) or "", "")
        if url.startswith("mongodb"):
            service = "mongodb"
        default_only = dev_only or settings_file or bool(_ENV_ON_LINE.search(src.line_text(line)))
        if dev_only:
            why = "in a development-only config"
        elif default_only:
            why = "as the default of an environment variable: set it per stage"
        else:
            why = "hard-coded: it will not resolve once deployed; read it from an environment variable"
        findings.append(
            Finding(
                kind="localhost-url",
                severity="info" if default_only else "warning",
                message=f"{url} {why}",
                file=src.rel,
                line=line,
                detail={"url": url, "service": service, "hard_coded": "false" if default_only else "true"},
            )
        )
    return findings
