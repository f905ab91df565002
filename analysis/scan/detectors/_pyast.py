"""Small helpers over Python ASTs shared by the Python detectors."""

from __future__ import annotations

import ast


def dotted(node: ast.AST) -> str | None:
    """`a.b.c` for Name/Attribute chains, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def call_name(node: ast.Call) -> str | None:
    return dotted(node.func)


def string_arg(call: ast.Call, position: int, keyword: str | None = None) -> str | None:
    if keyword:
        for kw in call.keywords:
            if kw.arg == keyword:
                return (
                    kw.value.value if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str) else None
                )
    if len(call.args) > position:
        arg = call.args[position]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
    return None


def imports(tree: ast.Module) -> dict[str, tuple[str, int]]:
    """Local name -> (imported dotted module or module.name, line), for every import in the module."""
    out: dict[str, tuple[str, int]] = {}
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".", 1)[0]
                out[local] = (alias.name if alias.asname else alias.name.split(".", 1)[0], node.lineno)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name == "*":
                    continue
                out[alias.asname or alias.name] = (
                    f"{module}.{alias.name}" if module.strip(".") else module + alias.name,
                    node.lineno,
                )
    return out


def _statements(body: list[ast.stmt]):
    """Every statement, descending into compound statements but not into expressions (cheaper than ast.walk)."""
    for node in body:
        yield node
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(node, field, None)
            if inner:
                yield from _statements(inner)
        if isinstance(node, ast.Match):
            for case in node.cases:
                yield from _statements(case.body)


def used_names(tree: ast.Module) -> set[str]:
    """Names read anywhere in the module (imports themselves do not count)."""
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
