"""`file-upload`: request handlers that accept files (UploadFile, File(...), multipart forms).

`detail.stored` says whether the module keeps the upload: it writes a file, copies the
stream, or hands it to a store (`.save(`, `.put(`, `put_object`, `upload_fileobj`,
GridFS). An upload only read in memory (`await file.read()` fed to a model) is
reported with stored=false and does not make the app need file storage.
"""

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


_STORES = re.compile(
    r"""open\([^)\n]*["'][wax]b?\+?["']|copyfileobj|write_bytes|put_object|upload_file(?:obj)?\b|\.put\(|"""
    r"""\.save\(|\.store\(|\.write\(|aiofiles|shutil\.(?:copy|move)|GridFS"""
)


@register("file-upload", suffixes=(".py",), quick=("UploadFile", "File(", ".form()"))
def detect(src: SourceFile) -> list[Finding]:
    findings = []
    lines = set()
    stored = "true" if _STORES.search(src.text) else "false"
    for pattern, what in _PATTERNS:
        for match in pattern.finditer(src.text):
            line = src.line_of(match.start())
            if line in lines:
                continue
            lines.add(line)
            findings.append(
                Finding(
                    kind="file-upload",
                    message=f"file upload: {what}",
                    file=src.rel,
                    line=line,
                    detail={"via": what, "stored": stored},
                )
            )
    return sorted(findings, key=lambda f: f.line or 0)
