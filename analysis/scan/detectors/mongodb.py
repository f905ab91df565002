"""`mongodb-driver`, `mongodb-uri-env`, `mongodb-database`: how the API reaches MongoDB."""

from __future__ import annotations

import ast
import re

from ...models import Finding
from ..registry import register
from ..source import SourceFile
from ._pyast import call_name, dotted

DRIVERS = ("motor", "pymongo", "beanie", "odmantic", "mongoengine")
_IMPORT = re.compile(r"^[ \t]*(?:from|import)[ \t]+(motor|pymongo|beanie|odmantic|mongoengine)\b", re.M)
_ENV_READ = re.compile(
    r"""os\.(?:getenv|environ\.get)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*(?:,\s*["']([^"'\n]*)["'])?"""
    r"""|os\.environ\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\]"""
    r"""|(?:config|env)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']"""
)
# pydantic-settings fields: `mongodb_url: str = "..."` (or `MONGODB_URL: str`) read from MONGODB_URL
_SETTINGS_FIELD = re.compile(
    r"""^[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*:[ \t]*[A-Za-z_][\w\[\], |.]*(?:=[ \t]*(?:["']([^"'\n]*)["']|.*))?$""",
    re.M,
)
_URI_NAME = re.compile(r"MONGO|DATABASE_UR[LI]|DB_UR[LI]|ATLAS", re.I)
# pieces of a connection that are not the connection string itself
_URI_PART = re.compile(
    r"(?:^|_)(?:PORT|USER|USERNAME|PASSWORD|PASS|PWD|AUTH_?SOURCE|TIMEOUT|POOL_SIZE|OPTIONS|COLLECTION)$"
)
_CLIENTS = ("AsyncIOMotorClient", "MotorClient", "MongoClient", "AsyncMongoClient")
_ENV_CALLS = ("os.getenv", "os.environ.get", "getenv", "environ.get", "config", "env", "env.str")
_SETTINGS_OWNER = re.compile(r"settings|config|conf$|cfg|^env$", re.I)
_DB_NAME = re.compile(r"^(?:MONGO(?:DB)?_(?:DB|DATABASE|DB_NAME|DATABASE_NAME)|DB_NAME|DATABASE_NAME|DATABASE)$", re.I)


@register("mongodb", suffixes=(".py",), quick=("motor", "beanie", "odmantic", "mongo", "Mongo", "MONGO"))
def detect(src: SourceFile) -> list[Finding]:
    findings: list[Finding] = []
    text = src.text
    seen = set()
    for match in _IMPORT.finditer(text):
        driver = match.group(1)
        if driver in seen:
            continue
        seen.add(driver)
        findings.append(
            Finding(
                kind="mongodb-driver",
                message=f"MongoDB driver {driver}",
                file=src.rel,
                line=src.line_of(match.start(1)),
                detail={"driver": driver},
            )
        )
    env_hits: list[tuple[str, str | None, int]] = []
    for match in _ENV_READ.finditer(text):
        name = match.group(1) or match.group(3) or match.group(4)
        env_hits.append((name, match.group(2), src.line_of(match.start())))
    if "BaseSettings" in text:
        for match in _SETTINGS_FIELD.finditer(text):
            env_hits.append((match.group(1).upper(), match.group(2), src.line_of(match.start(1))))
    reported = set()
    for name, line in _client_arguments(src):
        # what the code hands to the client constructor is the connection string, whatever its name
        if name in reported or _DB_NAME.match(name):
            continue
        reported.add(name)
        part = "host" if re.search(r"(?:^|_)HOST$", name) else "uri"
        findings.append(
            Finding(
                kind="mongodb-uri-env",
                message=f"MongoDB client built from {name}"
                + (" (a host; a full connection string is accepted there)" if part == "host" else ""),
                file=src.rel,
                line=line,
                detail={"env": name, "source": "client-argument", "part": part},
            )
        )
    for name, default, line in env_hits:
        if name in reported:
            continue
        if _URI_NAME.search(name) and not _DB_NAME.match(name) and not _URI_PART.search(name):
            reported.add(name)
            findings.append(
                Finding(
                    kind="mongodb-uri-env",
                    message=f"MongoDB connection string read from {name}",
                    file=src.rel,
                    line=line,
                    detail={"env": name},
                )
            )
        elif _DB_NAME.match(name) and default:
            reported.add(name)
            findings.append(
                Finding(
                    kind="mongodb-database",
                    message=f"MongoDB database name from {name} (default {default!r})",
                    file=src.rel,
                    line=line,
                    detail={"env": name, "name": default},
                )
            )
    return findings


def _env_of(node: ast.expr, constants: dict[str, str | None]) -> str | None:
    """The environment variable an expression reads: settings.X, os.environ["X"], os.getenv("X"), X."""
    if isinstance(node, ast.Call):
        name = call_name(node) or ""
        if name in _ENV_CALLS and node.args:
            first = node.args[0]
            return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
        # settings.mongo_url.get_secret_value(), get_settings().MONGO_URL
        if isinstance(node.func, ast.Attribute) and not node.args:
            return _env_of(node.func.value, constants)
        # str(settings.MONGO_URL)
        return _env_of(node.args[0], constants) if len(node.args) == 1 and not node.keywords else None
    if isinstance(node, ast.Subscript) and dotted(node.value) in ("os.environ", "environ"):
        key = node.slice
        return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
    if isinstance(node, ast.Attribute):
        # only a settings object names an environment variable (self.url, db.client do not)
        base = node.value
        owner = (call_name(base) if isinstance(base, ast.Call) else dotted(base)) or ""
        return node.attr.upper() if _SETTINGS_OWNER.search(owner) else None
    if isinstance(node, ast.Name):
        if node.id in constants:
            return constants[node.id]  # None: assigned from something else, a literal say
        return node.id if node.id.isupper() else None
    return None


def _client_arguments(src: SourceFile) -> list[tuple[str, int]]:
    """(env var, line) for each MongoDB client constructed from a variable rather than a literal."""
    if not any(c in src.text for c in _CLIENTS):
        return []
    tree = src.tree
    if tree is None:
        return []
    # module-level names: the variable each was read from, None when it was not read from one
    constants: dict[str, str | None] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = _env_of(node.value, {})
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = (call_name(node) or "").rsplit(".", 1)[-1]
        if name not in _CLIENTS:
            continue
        arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "host"), None)
        env = _env_of(arg, constants) if arg is not None else None
        if env and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", env):
            out.append((env, node.lineno))
    return out
