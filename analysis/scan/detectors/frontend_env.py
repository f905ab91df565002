"""`frontend-env`: build-time variables the front end reads (VITE_*, REACT_APP_*, NEXT_PUBLIC_*)."""

from __future__ import annotations

import re

from ...models import Finding
from ..registry import register
from ..source import JS_SUFFIXES, SourceFile

_ENV = re.compile(
    r"""import\.meta\.env\.(VITE_[A-Z0-9_]+)|process\.env\.((?:REACT_APP|NEXT_PUBLIC|VITE)_[A-Z0-9_]+)"""
    r"""|process\.env\[\s*["']((?:REACT_APP|NEXT_PUBLIC|VITE)_[A-Z0-9_]+)["']\s*\]"""
)


@register("frontend-env", suffixes=JS_SUFFIXES, quick=(".env",))
def detect(src: SourceFile) -> list[Finding]:
    findings = []
    seen = set()
    for match in _ENV.finditer(src.text):
        name = match.group(1) or match.group(2) or match.group(3)
        if name in seen:
            continue
        seen.add(name)
        findings.append(
            Finding(
                kind="frontend-env",
                message=f"front end reads {name} at build time",
                file=src.rel,
                line=src.line_of(match.start()),
                detail={"env": name},
            )
        )
    return findings
