"""Every environment variable the API's code reads, with or without a default.

`ApiFacts.required_env` (the scan's `required-env` findings) lists the names the
app cannot start without; wiring the app by its own names also needs the ones
it reads with a default (`ollama_model: str = "llama3.1:8b"`,
`os.getenv("MONGODB_DB", "app")`): setting a conventional name the app never
reads leaves the default in force. Read from the AST, never run:

- fields of pydantic-settings `BaseSettings` classes (prefix and aliases as the
  `settings` detector resolves them);
- `os.environ["X"]`, `os.environ.get("X")`, `os.getenv("X")`.
"""

from __future__ import annotations

import ast
import os
import stat
from pathlib import Path

from .scan.detectors._pyast import dotted, imports
from .scan.detectors.settings import (
    _config,
    _environ_names,
    _field_alias,
    _is_field,
    _parse_annotation,
    _settings_classes_with_version,
)
from .scan.walker import MAX_FILE_BYTES, SKIP_DIRS, read_bytes

# Tests and examples inside the API folder are not what the server runs.
_NOT_SERVED = frozenset({"tests", "test", "examples", "docs", "scripts"})
MAX_FILES = 2000
# A module reads the environment only through a name holding one of these words (`os.environ`,
# `getenv`, a `BaseSettings` class: the import or the base names it), so a file without any of
# them is never parsed. Tested on bytes: these ASCII words are in the UTF-8 text exactly when in
# the bytes, and a file in another encoding does not parse as UTF-8 anyway.
_NEEDLES = (b"environ", b"getenv", b"BaseSettings")


def read_env(api_dir: Path) -> list[str]:
    """Sorted names the Python code under `api_dir` reads from the environment."""
    names: set[str] = set()
    count = 0
    for folder, dirs, files in os.walk(api_dir):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and d not in _NOT_SERVED and not d.startswith("."))
        for file in sorted(files):
            if not file.endswith(".py") or file.startswith("test_"):
                continue
            count += 1
            if count > MAX_FILES:
                return sorted(names)
            path = os.path.join(folder, file)  # os, not pathlib: this loop may see 2,000 files
            try:
                info = os.lstat(path)
                # Only regular files of a sane size: a FIFO would block, a link may leave the app.
                if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
                    continue
                data = read_bytes(path)
                if not any(needle in data for needle in _NEEDLES):
                    continue
                # as read_text() reads it: replacement characters, universal newlines
                text = data.decode("utf-8", errors="replace")
                if "\r" in text:
                    text = text.replace("\r\n", "\n").replace("\r", "\n")
                tree = ast.parse(text)
            except (SyntaxError, ValueError, RecursionError, OSError):
                continue
            names |= module_env_reads(tree)
    return sorted(names)


def module_env_reads(tree: ast.Module) -> set[str]:
    imported = imports(tree)
    return _settings_names(tree, imported) | _environ_names_read(tree, imported)


def _settings_names(tree: ast.Module, imported: dict[str, tuple[str, int]]) -> set[str]:
    versions = _settings_classes_with_version(tree, imported)
    classes = {name: cls for name, (cls, _) in versions.items()}
    out: set[str] = set()
    for cls in classes.values():
        config = _config(cls, classes, imported)
        prefix = config.get("env_prefix")
        prefix = prefix if isinstance(prefix, str) else ""
        case_sensitive = config.get("case_sensitive") is True
        for node in cls.body:
            if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
                continue
            field = node.target.id
            if field.startswith("_") or field == "model_config":
                continue
            annotation = _parse_annotation(node.annotation)
            head = annotation.value if isinstance(annotation, ast.Subscript) else annotation
            if (dotted(head) or "").rsplit(".", 1)[-1] == "ClassVar":
                continue
            metadata: list[ast.expr] = []
            if isinstance(annotation, ast.Subscript) and isinstance(annotation.slice, ast.Tuple):
                metadata = list(annotation.slice.elts[1:])
            calls = [c for c in (node.value, *metadata) if isinstance(c, ast.Call) and _is_field(c, imported)]
            alias = next((a for c in calls if (a := _field_alias(c))), None)
            env = alias if alias is not None else prefix + field
            out.add(env if case_sensitive else env.upper())
    return out


def _environ_names_read(tree: ast.Module, imported: dict[str, tuple[str, int]]) -> set[str]:
    environ = _environ_names(imported)
    getenv = {f"{local}.getenv" for local, (module, _) in imported.items() if module == "os"}
    getenv |= {local for local, (module, _) in imported.items() if module == "os.getenv"}
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and dotted(node.value) in environ and isinstance(node.ctx, ast.Load):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                out.add(key.value)
        elif isinstance(node, ast.Call) and node.args:
            func = dotted(node.func) or ""
            first = node.args[0]
            is_get = func in getenv or (func.endswith(".get") and func[: -len(".get")] in environ)
            if is_get and isinstance(first, ast.Constant) and isinstance(first.value, str):
                out.add(first.value)
    return out
