"""`required-env`: environment variables the code reads with no default (it fails to start without them).

Two sources, both read from the AST:

- pydantic-settings (or pydantic v1) `BaseSettings` classes: each annotated field with
  no default that is not Optional/`| None`. The variable is the env prefix (from
  `model_config = SettingsConfigDict(env_prefix=...)`, a `class Config`, a class keyword
  or a settings base class in the same file) plus the field name, upper-cased since
  pydantic-settings matches case-insensitively (kept as written with
  `case_sensitive=True`). An alias (`validation_alias=`, `alias=`, v1 `env=`) replaces
  both, as it does in pydantic-settings.
- `os.environ["X"]` reads; `os.environ.get("X")` and `os.getenv("X")` return None
  instead of failing, so they never count.

Not counted: reads under `if __name__ == "__main__":` (not run by the server), inside a
`try` that catches KeyError, names the same file tests (`"X" in os.environ`), assigns
(`os.environ["X"] = ...`) or defaults (`os.environ.setdefault("X", ...)`), and fields a
call to the class in the same file passes by keyword. Settings classes that
derive from a settings class in another module are not followed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ...models import Finding
from ..registry import register
from ..source import SourceFile
from ._pyast import dotted, imports

_CATCHES_KEY_ERROR = frozenset({"KeyError", "LookupError", "Exception", "BaseException"})
_OPTIONAL = frozenset({"Optional", "typing.Optional", "t.Optional"})
_UNION = frozenset({"Union", "typing.Union", "t.Union"})
_ANNOTATED = frozenset({"Annotated", "typing.Annotated", "typing_extensions.Annotated", "t.Annotated"})
_CONFIG_KEYS = ("env_prefix", "case_sensitive")


@register("settings", suffixes=(".py",), quick=("BaseSettings", "environ"))
def detect(src: SourceFile) -> list[Finding]:
    tree = src.tree
    if tree is None:
        return []  # fastapi-app reports the syntax error where it matters
    imported = imports(tree)
    findings = _settings_fields(src, tree, imported) if src.has("BaseSettings") else []
    if src.has("environ"):
        findings += _environ_reads(src, tree, imported)
    return findings


# --------------------------------------------------------------------------- BaseSettings


def _resolve(node: ast.expr, imported: dict[str, tuple[str, int]]) -> str:
    """The dotted name an expression refers to, through the module's imports (`S` -> `pydantic_settings.BaseSettings`)."""
    name = dotted(node) or ""
    head, _, rest = name.partition(".")
    if head in imported:
        module = imported[head][0]
        return f"{module}.{rest}" if rest else module
    return name


def _settings_classes(tree: ast.Module, imported: dict[str, tuple[str, int]]) -> dict[str, ast.ClassDef]:
    """Classes deriving from BaseSettings, directly or through another class of this module."""
    return {name: cls for name, (cls, _) in _settings_classes_with_version(tree, imported).items()}


def _settings_classes_with_version(
    tree: ast.Module, imported: dict[str, tuple[str, int]]
) -> dict[str, tuple[ast.ClassDef, bool]]:
    """Settings classes, each with whether it is pydantic v1's `pydantic.BaseSettings`.

    It matters for `Optional` fields without a default: v1 gave them `None`,
    pydantic-settings (v2) requires them like any other field.
    """
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    found: dict[str, tuple[ast.ClassDef, bool]] = {}
    changed = True
    while changed:
        changed = False
        for cls in classes:
            if cls.name in found:
                continue
            for base in cls.bases:
                resolved = _resolve(base, imported)
                if resolved in found:
                    found[cls.name] = (cls, found[resolved][1])
                elif resolved.rsplit(".", 1)[-1] == "BaseSettings":
                    found[cls.name] = (cls, resolved.startswith("pydantic.") and "pydantic_settings" not in resolved)
                else:
                    continue
                changed = True
                break
    return found


def _constant(node: ast.expr | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _own_config(cls: ast.ClassDef) -> dict[str, object]:
    """env_prefix / case_sensitive set on the class itself (v2 model_config, v1 class Config, class keywords)."""
    out: dict[str, object] = {}
    for kw in cls.keywords:
        if kw.arg in _CONFIG_KEYS:
            out[kw.arg] = _constant(kw.value)
    for node in cls.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and _assigns(node, "model_config"):
            value = node.value
            if isinstance(value, ast.Call):
                out.update({kw.arg: _constant(kw.value) for kw in value.keywords if kw.arg in _CONFIG_KEYS})
            elif isinstance(value, ast.Dict):
                for key, item in zip(value.keys, value.values, strict=True):
                    if _constant(key) in _CONFIG_KEYS:
                        out[str(_constant(key))] = _constant(item)
        elif isinstance(node, ast.ClassDef) and node.name == "Config":
            for inner in node.body:
                for key in _CONFIG_KEYS:
                    if isinstance(inner, ast.Assign | ast.AnnAssign) and _assigns(inner, key):
                        out[key] = _constant(inner.value)
    return out


def _assigns(node: ast.Assign | ast.AnnAssign, name: str) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return any(isinstance(t, ast.Name) and t.id == name for t in targets)


def _config(
    cls: ast.ClassDef,
    classes: dict[str, ast.ClassDef],
    imported: dict[str, tuple[str, int]],
    seen: frozenset[str] = frozenset(),
) -> dict[str, object]:
    """The class's settings config, merged over that of its settings bases in this module."""
    merged: dict[str, object] = {}
    seen = seen | {cls.name}
    for base in reversed(cls.bases):
        name = _resolve(base, imported)
        if name in classes and name not in seen:  # a cycle parses, though it would not run
            merged.update(_config(classes[name], classes, imported, seen))
    merged.update(_own_config(cls))
    return merged


def _parse_annotation(node: ast.expr) -> ast.expr:
    """A string annotation ("Optional[str]") as an expression; anything else as it is."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return ast.parse(node.value, mode="eval").body
        except (SyntaxError, ValueError, RecursionError):
            return node
    return node


def _allows_none(node: ast.expr) -> bool:
    node = _parse_annotation(node)
    if isinstance(node, ast.Constant):
        return node.value is None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _allows_none(node.left) or _allows_none(node.right)
    if isinstance(node, ast.Subscript):
        name = dotted(node.value) or ""
        if name in _OPTIONAL:
            return True
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if name in _UNION:
            return any(_allows_none(a) for a in args)
        if name in _ANNOTATED:
            return _allows_none(args[0])
    return False


def _is_field(call: ast.Call, imported: dict[str, tuple[str, int]]) -> bool:
    return _resolve(call.func, imported).rsplit(".", 1)[-1] == "Field"


def _field_has_default(call: ast.Call) -> bool:
    """`Field(...)`, `Field()` and `Field(alias=...)` are required; a default or default_factory is not."""
    if call.args and not _is_ellipsis(call.args[0]):
        return True
    return any(
        (kw.arg == "default" and not _is_ellipsis(kw.value)) or kw.arg == "default_factory" for kw in call.keywords
    )


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _field_alias(call: ast.Call) -> str | None:
    """The environment name a Field sets: v1 `env=`, then `validation_alias=` (AliasChoices: the first), `alias=`."""
    by_keyword = {kw.arg: kw.value for kw in call.keywords}
    for key in ("env", "validation_alias", "alias"):
        value = by_keyword.get(key)
        if value is None:
            continue
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value
        # AliasChoices("A", "B"), AliasPath("a", 0), env=["A", "B"]: the first name
        items = value.args if isinstance(value, ast.Call) else getattr(value, "elts", [])
        first = next((i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)), None)
        if first is not None:
            return first
    return None


def _keywords_passed(tree: ast.Module, classes: dict[str, ast.ClassDef]) -> dict[str, set[str]]:
    """Class name -> keyword arguments some call in this module passes it (`Settings(api_key=...)`)."""
    out: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = (dotted(node.func) or "").rsplit(".", 1)[-1]
            if name in classes:
                out.setdefault(name, set()).update(kw.arg for kw in node.keywords if kw.arg)
    return out


@dataclass(frozen=True)
class EnvField:
    """A field of a settings class that pydantic-settings fills from the environment."""

    cls: ast.ClassDef
    node: ast.AnnAssign
    field: str
    annotation: ast.expr
    calls: list[ast.Call]  # the `Field(...)` calls of its default and its `Annotated` metadata
    env: str  # the variable: the alias, else the class's env prefix + the field, as matched


def settings_fields(tree: ast.Module, imported: dict[str, tuple[str, int]]) -> tuple[dict[str, bool], list[EnvField]]:
    """Whether each settings class is pydantic v1, and every environment-bound field of them, in source order."""
    versions = _settings_classes_with_version(tree, imported)
    classes = {name: cls for name, (cls, _) in versions.items()}
    fields: list[EnvField] = []
    for cls in sorted(classes.values(), key=lambda c: c.lineno):
        config = _config(cls, classes, imported)
        prefix = config.get("env_prefix")
        prefix = prefix if isinstance(prefix, str) else ""
        case_sensitive = config.get("case_sensitive") is True
        for node in cls.body:
            if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
                continue
            field = node.target.id
            if field.startswith("_") or field == "model_config":
                continue  # private attributes and the config are not read from the environment
            annotation = _parse_annotation(node.annotation)
            head = annotation.value if isinstance(annotation, ast.Subscript) else annotation
            if (dotted(head) or "").rsplit(".", 1)[-1] == "ClassVar":
                continue
            metadata: list[ast.expr] = []
            if isinstance(annotation, ast.Subscript) and (dotted(annotation.value) or "") in _ANNOTATED:
                metadata = annotation.slice.elts[1:] if isinstance(annotation.slice, ast.Tuple) else []
            calls = [c for c in (node.value, *metadata) if isinstance(c, ast.Call) and _is_field(c, imported)]
            alias = next((a for c in calls if (a := _field_alias(c))), None)
            env = alias if alias is not None else prefix + field
            fields.append(EnvField(cls, node, field, annotation, calls, env if case_sensitive else env.upper()))
    return {name: v1 for name, (_, v1) in versions.items()}, fields


def _settings_fields(src: SourceFile, tree: ast.Module, imported: dict[str, tuple[str, int]]) -> list[Finding]:
    v1, fields = settings_fields(tree, imported)
    passed = _keywords_passed(tree, {f.cls.name: f.cls for f in fields})
    findings = []
    for f in fields:
        if v1[f.cls.name] and _allows_none(f.annotation):
            continue  # pydantic v1: an Optional field defaults to None
        value = f.node.value
        if value is not None and value not in f.calls and not _is_ellipsis(value):
            continue  # a plain default
        if any(_field_has_default(c) for c in f.calls):
            continue
        alias = next((a for c in f.calls if (a := _field_alias(c))), None)
        if passed.get(f.cls.name, set()) & {f.field, alias}:
            continue
        findings.append(
            Finding(
                kind="required-env",
                message=f"{f.env} must be set: field `{f.field}` of settings class {f.cls.name} has no default",
                file=src.rel,
                line=f.node.lineno,
                detail={"env": f.env, "source": f"settings:{f.cls.name}", "field": f.field},
            )
        )
    return findings


# --------------------------------------------------------------------------- os.environ["X"]


def _environ_names(imported: dict[str, tuple[str, int]]) -> set[str]:
    """How this module spells os.environ: `os.environ`, `environ` (from os import environ), `_os.environ`."""
    names = {"os.environ"}
    for local, (module, _) in imported.items():
        if module == "os":
            names.add(f"{local}.environ")
        elif module == "os.environ":
            names.add(local)
    return names


def _catches_key_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((dotted(t) or "").rsplit(".", 1)[-1] in _CATCHES_KEY_ERROR for t in types)


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(_constant(c) == "__main__" for c in test.comparators)
    )


class _EnvironReads(ast.NodeVisitor):
    """`os.environ["X"]` loads the server would run, and the names the module checks or sets itself."""

    def __init__(self, environ: set[str]) -> None:
        self.environ = environ
        self.reads: list[tuple[str, int]] = []
        self.provided: set[str] = set()  # tested with `in`, assigned or given a default by the module
        self._shielded = 0

    def visit_If(self, node: ast.If) -> None:
        if _is_main_guard(node.test):
            for stmt in node.orelse:
                self.visit(stmt)
            return
        self.generic_visit(node)

    def visit_Try(self, node: ast.Try) -> None:
        catches = any(_catches_key_error(h) for h in node.handlers)
        self._shielded += int(catches)
        for stmt in node.body:
            self.visit(stmt)
        self._shielded -= int(catches)
        for child in (*node.handlers, *node.orelse, *node.finalbody):
            self.visit(child)

    visit_TryStar = visit_Try  # noqa: N815  (ast.NodeVisitor dispatches on the node class name)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        key = _constant(node.slice)
        if isinstance(key, str) and dotted(node.value) in self.environ:
            if not isinstance(node.ctx, ast.Load):
                self.provided.add(key)  # the module sets it itself
            elif not self._shielded:
                self.reads.append((key, node.lineno))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        # os.environ.setdefault("X", ...): the module supplies its own default
        if isinstance(node.func, ast.Attribute) and node.func.attr == "setdefault" and node.args:
            key = _constant(node.args[0])
            if isinstance(key, str) and dotted(node.func.value) in self.environ:
                self.provided.add(key)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        key = _constant(node.left)
        if (
            isinstance(key, str)
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and dotted(node.comparators[0]) in self.environ
        ):
            self.provided.add(key)
        self.generic_visit(node)


def _environ_reads(src: SourceFile, tree: ast.Module, imported: dict[str, tuple[str, int]]) -> list[Finding]:
    visitor = _EnvironReads(_environ_names(imported))
    visitor.visit(tree)
    findings = []
    seen = set(visitor.provided)
    for env, line in visitor.reads:
        if env in seen:
            continue
        seen.add(env)
        findings.append(
            Finding(
                kind="required-env",
                message=f'{env} must be set: os.environ["{env}"] fails without it',
                file=src.rel,
                line=line,
                detail={"env": env, "source": "os.environ"},
            )
        )
    return findings
