"""`file-upload`: request handlers that accept files (UploadFile, File(...), multipart forms)."""

from __future__ import annotations

import re

from ...models import Finding
from ..registry import register
from ..source import SourceFile

_PATTERNS = (
    (re.compile(r""":\s*(?:list\[|List\[|Optional\[|typing\.List\[)?\s*UploadFile\b"""), "UploadFile parameter"),
    (re.compile(r"""=\s*File\(\s*(?:\.\.\.|None|default)?"""), "File(...) parameter"),
    (re.compile(r"""await\s+\w+\.form\(\)"""), "multipart form read"),
)


@register("file-upload", suffixes=(".py",), quick=("UploadFile", "File(", ".form()"))
def detect(src: SourceFile) -> list[Finding]:
    findings = []
    lines = set()
    for pattern, what in _PATTERNS:
        for match in pattern.finditer(src.text):
            line = src.line_of(match.start())
            if line in lines:
                continue
            lines.add(line)
            findings.append(
                Finding(
                    kind="file-upload", message=f"file upload: {what}", file=src.rel, line=line, detail={"via": what}
                )
            )
    return sorted(findings, key=lambda f: f.line or 0)
