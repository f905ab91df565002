"""`file-upload`: request handlers that accept files (UploadFile, File(...), multipart forms).

`detail.stored` is `false` only when the upload is provably kept in memory: every use of
the parameter in its handler reads it (`await file.read()`, `.filename`,
`.content_type`, `.size`) and the module stores nothing (no file write, stream copy,
`.save(`, `.put(`, `put_object`, `upload_fileobj`, GridFS). Passed on to another
function (`save_avatar(file.file)`), it may be stored there: `true`. An in-memory
upload does not make the app need file storage.
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


# `@router.put("/users/me")` declares a PUT route: its `.put(` is not a GridFS/S3 put
_DECORATOR_LINE = re.compile(r"^[ \t]*@.*$", re.M)


_READS = frozenset({"read", "filename", "content_type", "size", "headers", "seek"})


def _only_read(src: SourceFile) -> bool:
    """Every UploadFile/File() parameter of every handler is only read in memory."""
    import ast

    tree = src.tree
    if tree is None:
        return False
    handlers = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    found = False
    for fn in handlers:
        args = fn.args.args + fn.args.kwonlyargs
        defaults = dict(zip(reversed(fn.args.args), reversed(fn.args.defaults), strict=False))
        defaults.update(zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True))
        params = set()
        for arg in args:
            annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
            default = defaults.get(arg)
            is_file = isinstance(default, ast.Call) and ast.unparse(default.func).endswith("File")
            if "UploadFile" in annotation or is_file:
                params.add(arg.arg)
        if not params:
            continue
        found = True
        parents = {child: node for node in ast.walk(fn) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(fn):
            if isinstance(node, ast.Name) and node.id in params and isinstance(node.ctx, ast.Load):
                parent = parents.get(node)
                if not (isinstance(parent, ast.Attribute) and parent.attr in _READS):
                    return False  # handed on, iterated, or its .file stream used: it may be stored
    return found


@register("file-upload", suffixes=(".py",), quick=("UploadFile", "File(", ".form()"))
def detect(src: SourceFile) -> list[Finding]:
    findings = []
    lines = set()
    stored = "false" if not _STORES.search(_DECORATOR_LINE.sub("", src.text)) and _only_read(src) else "true"
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
