"""`fastapi-app`: a module-level FastAPI application (`app = FastAPI(...)`, or a factory's result), else
an app factory function the server calls with `--factory` (`def init_app() -> FastAPI`)."""

from __future__ import annotations

import ast
import json
import re

from ...models import Finding
from ..registry import register
from ..source import SourceFile
from ._pyast import call_name, dotted, imports, string_arg


def _factories(tree: ast.Module) -> set[str]:
    """Functions in this module that build and return a FastAPI app."""
    out = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            returns = dotted(node.returns) if node.returns is not None else None
            builds = any(
                isinstance(n, ast.Call) and call_name(n) in ("FastAPI", "fastapi.FastAPI") for n in ast.walk(node)
            )
            if returns in ("FastAPI", "fastapi.FastAPI") or builds:
                out.add(node.name)
    return out


def factories_in(text: str, rel: str) -> set[str]:
    """The factories (`_factories`) of a module's source; none when it does not parse."""
    if "FastAPI" not in text:
        return set()
    try:
        return _factories(ast.parse(text, filename=rel))
    except (SyntaxError, ValueError, RecursionError):
        return set()


def _includes(tree: ast.Module, imported: dict[str, tuple[str, int]]) -> dict[str, str]:
    """Imported module (dotted, without leading dots) -> prefix it is included under."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "include_router" or not node.args:
            continue
        prefix = string_arg(node, 99, "prefix")
        if prefix is None:
            # prefix=settings.API_V1_STR: kept as {API_V1_STR}, resolved from path constants later
            value = next((k.value for k in node.keywords if k.arg == "prefix"), None)
            name = dotted(value) if value is not None else None
            prefix = "{" + name.rsplit(".", 1)[-1] + "}" if name else ""
        target = dotted(node.args[0]) or ""
        head = target.split(".", 1)[0]
        if head in imported:
            module = imported[head][0].lstrip(".")
            if target.count(".") == 0:
                # `from .routes.health import router as health_router`: the module is the parent
                module = module.rsplit(".", 1)[0] if "." in module else module
            out[module] = prefix
    return out


# `app = create_app()` with the factory imported from another module: a FastAPI app only if
# the API depends on fastapi (checked when the findings are assembled)
_FACTORY_NAME = re.compile(r"^(?:create|get|make|build|init|new)_?(?:app|application|api)$", re.I)
_FACTORY_CALL = re.compile(
    r"^\w+\s*(?::[^=\n]+)?=\s*(?:create|get|make|build|init|new)_?(?:app|application|api)\(", re.I | re.M
)


# `app = create_server()`, `api = setup_application()`: the usual names of the object a server starts,
# built by a function imported from another module, whatever its name. A candidate only: it counts
# when that function turns out to build or return a FastAPI app (checked across modules in analysis.load)
_APP_NAMES = frozenset({"app", "application", "api"})
_APP_FROM_CALL = re.compile(r"^(?:app|application|api)[ \t]*(?::[^=\n]+)?=[ \t]*[A-Za-z_][\w.]*\(", re.M)


@register(
    "fastapi-app",
    suffixes=(".py",),
    quick=("FastAPI", "_ap", "app =", "app=", "api =", "api=", "application =", "application="),
)
def detect(src: SourceFile) -> list[Finding]:
    if "FastAPI" not in src.text and not _FACTORY_CALL.search(src.text) and not _APP_FROM_CALL.search(src.text):
        return []  # the quick filters ("_ap", "app =") are broad: check before paying for a parse
    tree = src.tree
    if tree is None:
        return _syntax_error(src)
    factories = _factories(tree)
    imported = imports(tree)
    found = []
    for node in tree.body:
        if not isinstance(node, ast.Assign | ast.AnnAssign) or not isinstance(node.value, ast.Call):
            continue
        name = call_name(node.value) or ""
        if name in ("FastAPI", "fastapi.FastAPI"):
            how = "direct"
        elif name in factories:
            how = "factory"
        elif name in imported and _FACTORY_NAME.match(name):
            how = "imported-factory"
        elif name.split(".", 1)[0] in imported:
            how = "imported-call"
        else:
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and (how != "imported-call" or target.id in _APP_NAMES):
                found.append((target.id, node.lineno, how, name, _openapi_url(node.value)))
    if all(how == "imported-call" for _, _, how, _, _ in found):
        # no module-level app, only a factory the server calls (`uvicorn app.main:init_app --factory`):
        # used only when the repository has no module-level app at all (see analysis.load)
        found += [
            (node.name, node.lineno, "factory-function", node.name, None)
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name in factories
            and _FACTORY_NAME.match(node.name)
        ]
    if not found:
        return []
    absolute = sorted({m.split(".", 1)[0] for m, _ in imported.values() if not m.startswith(".")})
    relative = any(m.startswith(".") for m, _ in imported.values())
    includes = _includes(tree, imported)
    module = src.rel[:-3].replace("/", ".")
    messages = {
        "direct": "FastAPI app `{attribute}` in {file}",
        "factory": "FastAPI app `{attribute}` in {file}, built by {call}()",
        "imported-factory": "app `{attribute}` in {file}, built by the imported {call}()",
        "imported-call": "app `{attribute}` in {file}, built by the imported {call}()",
        "factory-function": "FastAPI app factory {attribute}() in {file}, with no module-level app",
    }
    findings = []
    for attribute, line, how, call, openapi in found:
        detail = {
            "attribute": attribute,
            "built_by": how,
            "module_path": module,
            "relative_imports": "true" if relative else "false",
            "absolute_imports": ",".join(absolute),
            "includes": json.dumps(includes, sort_keys=True),
        }
        if openapi is not None:
            detail["openapi_url"] = openapi
        if how == "imported-call":
            # where the function comes from: `from app.server import create_server` -> app.server.create_server
            head, _, rest = call.partition(".")
            detail["call"] = imported[head][0] + ("." + rest if rest else "")
        findings.append(
            Finding(
                kind="fastapi-app",
                message=messages[how].format(attribute=attribute, file=src.rel, call=call),
                file=src.rel,
                line=line,
                detail=detail,
            )
        )
    return findings


def _openapi_url(call: ast.Call) -> str | None:
    """`openapi_url=` of the FastAPI call: the path, "" when switched off, `{NAME}` for names in an f-string."""
    value = next((k.value for k in call.keywords if k.arg == "openapi_url"), None)
    if value is None:
        return None
    if isinstance(value, ast.Constant):
        return value.value if isinstance(value.value, str) else "" if value.value is None else None
    if isinstance(value, ast.JoinedStr):
        parts = []
        for part in value.values:
            if isinstance(part, ast.Constant):
                parts.append(str(part.value))
                continue
            name = dotted(part.value) if isinstance(part, ast.FormattedValue) else None
            if name is None:
                return None
            parts.append("{" + name.rsplit(".", 1)[-1] + "}")
        return "".join(parts)
    name = dotted(value)
    return "{" + name.rsplit(".", 1)[-1] + "}" if name else None


def _syntax_error(src: SourceFile) -> list[Finding]:
    """A module that builds a FastAPI app but does not parse: say where, the app cannot be found otherwise."""
    if not re.search(r"\bFastAPI\s*\(", src.text):
        return []
    try:
        ast.parse(src.text, filename=src.rel)
    except SyntaxError as exc:
        return [
            Finding(
                kind="python-syntax-error",
                severity="warning",
                message=f"{src.rel} does not parse: {exc.msg}; the FastAPI app in it cannot be read",
                file=src.rel,
                line=exc.lineno,
                detail={"error": str(exc.msg)},
            )
        ]
    except (ValueError, RecursionError):
        return []
    return []  # too large to parse: generated code, not an app module
