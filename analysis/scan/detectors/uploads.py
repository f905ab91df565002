"""`file-upload`: request handlers that accept files (UploadFile, File(...), multipart forms).

`detail.stored` is `false` only when the upload is provably kept in memory: every use of
the parameter in its handler reads it (`await file.read()`, `.filename`,
`.content_type`, `.size`) and the module stores nothing (no file write, stream copy,
`.save(`, `.put(`, `put_object`, `upload_fileobj`, GridFS). Passed on to another
function (`save_avatar(file.file)`), it may be stored there: `true`. An in-memory
upload does not make the app need file storage.

Handed on to a function the module imports from the app's own code (`from faces import match`,
`match(file.file)`), the finding names it in `detail.read_by` (`faces:match:0`, the module, the
function and the argument's position); the assembly step reads that function and clears `stored`
when it too only reads the upload (`reads_upload_only`).
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


def _imported_functions(tree) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """name -> module of the `from module import name` lines (relative ones keep their dots)."""
    import ast

    return {
        alias.asname or alias.name: "." * node.level + (node.module or "")
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def _only_read(src: SourceFile, read_by: list[str] | None = None) -> bool:
    """Every UploadFile/File() parameter of every handler is only read in memory. With `read_by`, an
    upload handed to a function imported from another module (`match(file.file)`) counts as read, and
    that function is added to the list (`module:function:position`) for the assembly step to check."""
    import ast

    tree = src.tree
    if tree is None:
        return False
    handlers = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    imported = _imported_functions(tree) if read_by is not None else {}
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
                if isinstance(parent, ast.Attribute) and parent.attr in _READS:
                    continue
                # `match(file)` or `match(file.file)`: the upload (or its stream) as a positional argument
                arg = parent if isinstance(parent, ast.Attribute) and parent.attr == "file" else node
                call = parents.get(arg)
                if (
                    isinstance(call, ast.Call)
                    and arg in call.args
                    and isinstance(call.func, ast.Name)
                    and call.func.id in imported
                    and read_by is not None
                ):
                    read_by.append(f"{imported[call.func.id]}:{call.func.id}:{call.args.index(arg)}")
                    continue
                return False  # handed on, iterated, or its .file stream used: it may be stored
    return found


def reads_upload_only(text: str, function: str, position: int) -> bool:
    """The module-level `function` of a module's `text` only reads its `position`-th parameter: it hands
    it to library calls (`Image.open(stream)`, `face_recognition.load_image_file(stream)`) or reads its
    attributes, and its body stores nothing (no file write, stream copy, `.save(`, `.put(`, GridFS)."""
    import ast

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    fn = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == function),
        None,
    )
    if fn is None or position >= len(fn.args.args):
        return False
    if _STORES.search(_DECORATOR_LINE.sub("", ast.get_source_segment(text, fn) or "")):
        return False
    param = fn.args.args[position].arg
    local = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    local |= set(_imported_functions(tree))
    parents = {child: node for node in ast.walk(fn) for child in ast.iter_child_nodes(node)}
    used = False
    for node in ast.walk(fn):
        if not (isinstance(node, ast.Name) and node.id == param and isinstance(node.ctx, ast.Load)):
            continue
        used = True
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.attr in _READS:
            continue
        # an argument of a library's function (`module.function(stream)`), not of the app's own helpers,
        # which may store it: those are not followed
        if (
            isinstance(parent, ast.Call)
            and node in parent.args
            and isinstance(parent.func, ast.Attribute)
            and isinstance(parent.func.value, ast.Name)
            and parent.func.value.id not in local
        ):
            continue
        return False
    # a stub that never touches the upload (`def keep(f): pass`) is storage still to be written
    return used


@register("file-upload", suffixes=(".py",), quick=("UploadFile", "File(", ".form()"))
def detect(src: SourceFile) -> list[Finding]:
    findings = []
    lines = set()
    read_by: list[str] = []
    in_memory = not _STORES.search(_DECORATOR_LINE.sub("", src.text)) and _only_read(src, read_by)
    stored = "false" if in_memory and not read_by else "true"
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
                    detail={"via": what, "stored": stored}
                    | ({"read_by": ",".join(dict.fromkeys(read_by))} if in_memory and read_by else {}),
                )
            )
    return sorted(findings, key=lambda f: f.line or 0)
