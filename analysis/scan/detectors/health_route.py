"""`health-route`: a GET route whose path names a health check (`/health`, `/healthz`, `/api/health`).

`path-constant`: a URL prefix kept in a constant or settings field (`API_V1_STR = "/api/v1"`), for
`openapi_url=f"{settings.API_V1_STR}/openapi.json"` and the like, resolved when the findings are assembled.
"""

from __future__ import annotations

import ast
import re

from ...models import Finding
from ..registry import register
from ..source import SourceFile
from ._pyast import call_name, string_arg

_HEALTH = re.compile(r"(^|/)(health|healthz|healthcheck|health-check|ping)$")
_ROUTE_METHODS = {"get", "api_route", "head"}
# cheap first pass: only files with a health-looking route decorator are parsed
_DECORATOR = re.compile(
    r"""@[\w.]+\.(?:get|api_route|head)\(\s*(?:path\s*=\s*)?["'][^"'\n]*(?:health|ping)[^"'\n]*["']"""
)


def _functions(body: list[ast.stmt]):
    """Functions at module level, in classes and under if/try: where routes are declared."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node.body)
        elif isinstance(node, ast.If | ast.Try):
            yield from _functions(node.body)
            yield from _functions(node.orelse)


def _router_prefixes(tree: ast.Module) -> dict[str, str]:
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            name = call_name(node.value)
            if name in ("APIRouter", "fastapi.APIRouter", "FastAPI", "fastapi.FastAPI"):
                prefix = string_arg(node.value, 99, "prefix") or ""
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        out[target.id] = prefix
    return out


@register("health-route", suffixes=(".py",), quick=("health", "ping"))
def detect(src: SourceFile) -> list[Finding]:
    if not _DECORATOR.search(src.text):
        return []
    tree = src.tree
    if tree is None:
        return []
    prefixes = _router_prefixes(tree)
    findings = []
    for node in _functions(tree.body):
        for deco in node.decorator_list:
            if not (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute)):
                continue
            if deco.func.attr not in _ROUTE_METHODS or not isinstance(deco.func.value, ast.Name):
                continue
            path = string_arg(deco, 0, "path")
            if path is None or not _HEALTH.search(path.rstrip("/") or "/"):
                continue
            router = deco.func.value.id
            full = (prefixes.get(router, "") + path).replace("//", "/")
            findings.append(
                Finding(
                    kind="health-route",
                    message=f"health check route {full}",
                    file=src.rel,
                    line=deco.lineno,
                    detail={"path": full, "router": router, "module_path": src.rel[:-3].replace("/", ".")},
                )
            )
    return findings


_PATH_CONSTANT = re.compile(
    r"""^[ \t]*([A-Za-z_][A-Za-z0-9_]*(?:PREFIX|_STR|API|ROOT|BASE|_PATH)[A-Za-z0-9_]*)[ \t]*(?::[^=\n]+)?="""
    r"""[ \t]*["'](/[\w\-./]*)["'][ \t]*(?:#.*)?$""",
    re.M | re.I,
)


@register("path-constant", suffixes=(".py",), quick=('"/', "'/"))
def detect_path_constants(src: SourceFile) -> list[Finding]:
    return [
        Finding(
            kind="path-constant",
            message=f"URL path {match.group(2)} in {match.group(1)}",
            file=src.rel,
            line=src.line_of(match.start(1)),
            detail={"name": match.group(1), "path": match.group(2)},
        )
        for match in _PATH_CONSTANT.finditer(src.text)
    ]
