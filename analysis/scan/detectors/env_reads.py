"""`env-read`: every environment variable a module of the app reads, with or without a default.

`ApiFacts.required_env` (the scan's `required-env` findings) lists the names the
app cannot start without; wiring the app by its own names also needs the ones
it reads with a default (`ollama_model: str = "llama3.1:8b"`,
`os.getenv("MONGODB_DB", "app")`): setting a conventional name the app never
reads leaves the default in force. Read from the AST, never run:

- fields of pydantic-settings `BaseSettings` classes (prefix and aliases as the
  `settings` detector resolves them);
- `os.environ["X"]`, `os.environ.get("X")`, `os.getenv("X")`.

A detector, so that the walk's one read of each file serves it (and the tree the `settings`
detector parsed): one `env-read` finding per module, its names in `detail.names`. They are
bookkeeping, not news: `analyze_app` folds those under the API's folder into `ApiFacts.read_env`
and drops them from the findings.
"""

from __future__ import annotations

import ast

from ...models import Finding
from ..registry import register
from ..source import SourceFile
from ._pyast import dotted, imports
from .settings import _environ_names, settings_fields

KIND = "env-read"


# A module reads the environment only through a name holding one of these words (`os.environ`,
# `getenv`, a `BaseSettings` class: the import or the base names it).
@register(KIND, suffixes=(".py",), quick=("environ", "getenv", "BaseSettings"))
def detect(src: SourceFile) -> list[Finding]:
    tree = src.tree
    names = module_env_reads(tree) if tree is not None else set()
    if not names:
        return []
    return [
        Finding(
            kind=KIND,
            message=f"{src.rel} reads {len(names)} environment variable(s)",
            file=src.rel,
            detail={"names": ",".join(sorted(names))},
        )
    ]


def module_env_reads(tree: ast.Module) -> set[str]:
    imported = imports(tree)
    return _settings_names(tree, imported) | _environ_names_read(tree, imported)


def _settings_names(tree: ast.Module, imported: dict[str, tuple[str, int]]) -> set[str]:
    return {f.env for f in settings_fields(tree, imported)[1]}


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
