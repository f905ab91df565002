"""`local-disk-write`: the API writes files to its own disk.

Such writes are lost when a Lambda, a Vercel function or a Fargate task is
replaced, so the platform choice needs to know. Writes under a temporary
folder (`/tmp`, `tempfile`) are fine and not reported.
"""

from __future__ import annotations

import ast
import re

from ...models import Finding
from ..registry import register
from ..source import SourceFile
from ._pyast import call_name, dotted, string_arg

_OPENERS = {"open", "io.open", "aiofiles.open", "codecs.open", "os.fdopen"}
_SHUTIL = {"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copyfileobj", "shutil.move", "shutil.copytree"}
_MODE = re.compile(r"^[rwxabt+U]{1,4}$")
_PATH_WRITES = {"write_text", "write_bytes"}
# cheap first pass: only files with one of these calls are parsed
_CALLS = re.compile(
    r"\b(?:open|write_text|write_bytes|copy2?|copyfile(?:obj)?|move|copytree|mount|\w*FileHandler|basicConfig)\s*\("
)
# logging handlers that append to a local file (https://docs.python.org/3/library/logging.handlers.html)
_FILE_HANDLERS = ("FileHandler", "RotatingFileHandler", "TimedRotatingFileHandler", "WatchedFileHandler")
_USER_FILE_DIRS = {"uploads", "upload", "media", "files", "user_uploads", "data", "storage"}


def _is_temporary(node: ast.AST, text: str) -> bool:
    # ast.unparse costs what the node costs; ast.get_source_segment re-splits the whole file each call
    try:
        source = ast.unparse(node)
    except (TypeError, ValueError, AttributeError, RecursionError):
        source = ""
    lowered = source.lower()
    return "tmp" in lowered or "temp" in lowered


_BODY_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def _calls_on(tree: ast.Module, lines: set[int]):
    """Call nodes of the statements that span one of `lines`: the whole tree is never walked."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        stmt = stack.pop()
        for field in _BODY_FIELDS:
            inner = getattr(stmt, field, None)
            if inner:
                stack.extend(inner)
        start, end = getattr(stmt, "lineno", 0), getattr(stmt, "end_lineno", 0) or 0
        if not any(start <= line <= end for line in lines):
            continue
        for name, value in ast.iter_fields(stmt):
            if name in _BODY_FIELDS:
                continue
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, ast.AST):
                    for node in ast.walk(item):
                        if isinstance(node, ast.Call):
                            yield node


def _mode(call: ast.Call, position: int) -> str | None:
    return string_arg(call, position, "mode")


def _finding(src: SourceFile, node: ast.AST, what: str) -> Finding:
    return Finding(
        kind="local-disk-write",
        severity="warning",
        message=f"writes to local disk: {what}",
        file=src.rel,
        line=getattr(node, "lineno", None),
        detail={"call": what},
    )


@register(
    "local-disk-write",
    suffixes=(".py",),
    quick=("open(", "write_", "shutil", "StaticFiles", "FileHandler", "basicConfig"),
)
def detect(src: SourceFile) -> list[Finding]:
    lines = {src.line_of(m.start()) for m in _CALLS.finditer(src.text)}
    if not lines:
        return []
    tree = src.tree
    if tree is None:
        return []
    findings = []
    for node in _calls_on(tree, lines):
        name = call_name(node) or ""
        target: ast.AST | None = node.args[0] if node.args else None
        if name in _OPENERS or (isinstance(node.func, ast.Attribute) and node.func.attr == "open"):
            if name in _OPENERS:
                mode = _mode(node, 1)
            else:
                target = node.func.value  # Path(...).open(mode): only trust receivers that look like paths
                receiver = (dotted(target.func) if isinstance(target, ast.Call) else dotted(target)) or ""
                mode = _mode(node, 0) if "path" in receiver.lower() else string_arg(node, 99, "mode")
            if (
                mode
                and _MODE.match(mode)
                and any(c in mode for c in "wax+")
                and not (target is not None and _is_temporary(target, src.text))
            ):
                findings.append(_finding(src, node, f"{name or 'open'}(..., {mode!r})"))
        elif name.rsplit(".", 1)[-1] in _FILE_HANDLERS:
            if target is None or not _is_temporary(target, src.text):
                findings.append(_finding(src, node, f"logging {name.rsplit('.', 1)[-1]} (a log file on local disk)"))
        elif name.endswith("basicConfig") and any(kw.arg == "filename" for kw in node.keywords):
            findings.append(_finding(src, node, "logging.basicConfig(filename=...) (a log file on local disk)"))
        elif name in _SHUTIL:
            dest = node.args[1] if len(node.args) > 1 else None
            if dest is None or not _is_temporary(dest, src.text):
                findings.append(_finding(src, node, f"{name}(...)"))
        elif isinstance(node.func, ast.Attribute) and node.func.attr in _PATH_WRITES:
            if not _is_temporary(node.func.value, src.text):
                findings.append(_finding(src, node, f".{node.func.attr}(...)"))
        elif name.endswith("mount") and len(node.args) >= 2 and isinstance(node.args[1], ast.Call):
            inner = node.args[1]
            if (dotted(inner.func) or "").endswith("StaticFiles"):
                directory = string_arg(inner, 0, "directory") or ""
                if directory.strip("./").split("/")[0].lower() in _USER_FILE_DIRS:
                    findings.append(_finding(src, node, f"serves user files from the local folder {directory!r}"))
    return findings
