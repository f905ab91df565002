"""`mongodb-driver`, `mongodb-uri-env`, `mongodb-client`, `mongodb-database`: how the API reaches MongoDB.

Read through the AST where the file parses: module constants (also inside `try:`/`if`
blocks), `os.getenv`/`os.environ`/`config()` calls, pydantic `BaseSettings` fields
and plain settings-class attributes (`DB_URI = environ.get("DATABASE_URI")` gives
`mongodb-uri-env` DATABASE_URI with `field` DB_URI, so `settings.DB_URI` elsewhere
resolves to it). A client built from an f-string, a literal or no argument at all
gives `mongodb-client` with `how` composed/literal/default: the app then reads no
single variable, and the assembly step says so instead of guessing one. The
database name comes from how the code uses its client (`client.blog`,
`client["shop"]`, `get_database("shop")`, `AIOEngine(database=...)`) or from a
`DB_NAME`-like variable's default.
"""

from __future__ import annotations

import ast
import re

from ...models import Finding
from ..registry import register
from ..source import SourceFile
from ._pyast import _statements, call_name, dotted, imports
from .settings import _own_config

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
# connection options, not the connection string: MONGODB_TLS, MONGODB_TLS_ALLOW_INVALID_CERTS,
# MONGODB_MAX_RETRIES, MONGO_MIN_POOL_SIZE, MONGODB_CONNECTION_TIMEOUT_MS, MONGO_ECHO
_URI_OPTION = re.compile(r"(?:^|_)(?:TLS|SSL|CERTS?|RETRIES|RETRY|MAX|MIN|TIMEOUT|ENABLED?|ECHO|DEBUG)(?:_|$)")
_CLIENTS = ("AsyncIOMotorClient", "MotorClient", "MongoClient", "AsyncMongoClient")
_ENV_CALLS = ("os.getenv", "os.environ.get", "getenv", "environ.get", "config", "env", "env.str")
_SETTINGS_OWNER = re.compile(r"settings|config|conf$|cfg|^env$", re.I)
_DB_NAME = re.compile(r"^(?:MONGO(?:DB)?_(?:DB|DATABASE|DB_NAME|DATABASE_NAME)|DB_NAME|DATABASE_NAME|DATABASE)$", re.I)


@register(
    "mongodb",
    suffixes=(".py",),
    quick=("motor", "beanie", "odmantic", "mongo", "Mongo", "MONGO", "DATABASE", "DB_UR", "DB_NAME"),
)
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
    tree = src.tree
    fields: dict[str, str] = {}
    if tree is not None:
        env_hits += _class_fields(tree, fields)
    elif "BaseSettings" in text:
        for match in _SETTINGS_FIELD.finditer(text):
            env_hits.append((match.group(1).upper(), match.group(2), src.line_of(match.start(1))))
    reported = set()
    clients, unresolved = _client_arguments(src)
    for how, parts, line in unresolved:
        findings.append(
            Finding(
                kind="mongodb-client",
                message=f"MongoDB client built from {_HOW[how]}" + (f" ({', '.join(parts)})" if parts else ""),
                file=src.rel,
                line=line,
                detail={"how": how, "parts": ",".join(parts)},
            )
        )
    for name, line in clients:
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
        if (
            _URI_NAME.search(name)
            and not _DB_NAME.match(name)
            and not _URI_PART.search(name)
            and not _URI_OPTION.search(name.upper())
        ):
            reported.add(name)
            detail = {"env": name}
            field = next((f for f, env in fields.items() if env == name and f != name), None)
            if field is not None:
                detail["field"] = field  # settings.<field> elsewhere means this variable
            findings.append(
                Finding(
                    kind="mongodb-uri-env",
                    message=f"MongoDB connection string read from {name}",
                    file=src.rel,
                    line=line,
                    detail=detail,
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
    if tree is not None:
        # `conn = MongoClient(...)` at module level: other modules may import it and select the database
        # there (`conn.shop.orders`), which the assembly step looks up when the code names none
        own = _own_clients(tree)
        module_clients = {
            node.value.lineno: node.targets[0].id
            for node in _statements(tree.body)
            if isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and _is_client_call(node.value, own)
        }
        for f in findings:
            if f.kind in ("mongodb-uri-env", "mongodb-client") and f.line in module_clients:
                f.detail["client"] = module_clients[f.line]
        findings += _database_names(src, tree)
        findings += _named_constants(src, tree)
        findings += _composed_properties(src, tree)
    return findings


_HOW = {
    "composed": "a string assembled from parts",
    "literal": "a literal string",
    "default": "no argument (localhost)",
}
CLIENT_METHODS = frozenset(
    {
        "close", "aclose", "get_database", "get_default_database", "admin", "list_databases", "list_database_names",
        "drop_database", "start_session", "server_info", "address", "watch", "nodes", "options", "io_loop",
        "delegate", "topology_description", "primary", "secondaries", "is_primary", "codec_options",
        "read_preference", "write_concern", "read_concern", "bulk_write", "HOST", "PORT",
    }
)  # fmt: skip


_ENVIRON = frozenset({"os.environ", "environ"})
_DRIVER_MODULES = ("motor", "pymongo", "mongomock", "mongomock_motor")


def _own_clients(tree: ast.Module) -> frozenset[str]:
    """Client class names that are the app's own here: `class MongoClient(BaseClient)` in this module,
    or `from app.clients import MongoClient`. A call to one builds the app's wrapper, not a driver
    client, so its attributes (`mongo_client.get_user`) are not databases."""
    own = {n.name for n in tree.body if isinstance(n, ast.ClassDef) and n.name in _CLIENTS}
    for local, (module, _) in imports(tree).items():
        if local in _CLIENTS and (module.startswith(".") or module.split(".", 1)[0] not in _DRIVER_MODULES):
            own.add(local)
    return frozenset(own)


def _is_client_call(node: ast.expr, own: frozenset[str]) -> bool:
    if not isinstance(node, ast.Call):
        return False
    if isinstance(node.func, ast.Name) and node.func.id in own:
        return False
    return (call_name(node) or "").rsplit(".", 1)[-1] in _CLIENTS


def _environ_mappings(tree: ast.Module) -> frozenset[str]:
    """Names that hold the environment as a mapping: os.environ, and module-level
    `config = dotenv_values(".env")` (python-dotenv's dict of the file's variables,
    https://saurabh-kumar.com/python-dotenv/reference/#dotenv.main.dotenv_values)."""
    names = set(_ENVIRON)
    for node in _statements(tree.body):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            calls = [value] if isinstance(value, ast.Call) else []
            if isinstance(value, ast.Dict):  # {**dotenv_values(".env"), **os.environ}
                calls = [
                    v for k, v in zip(value.keys, value.values, strict=True) if k is None and isinstance(v, ast.Call)
                ]
            if any((call_name(c) or "").rsplit(".", 1)[-1] == "dotenv_values" for c in calls):
                names.add(node.targets[0].id)
    return frozenset(names)


def _env_call(node: ast.expr, mappings: frozenset[str] = _ENVIRON) -> tuple[str, str | None] | None:
    """(variable, default) for os.getenv("X", "d"), os.environ["X"], config("X", default="d"),
    and `env["X"]` / `env.get("X")` on a mapping of the environment (`mappings`)."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and dotted(node.func.value) in mappings - _ENVIRON
        and node.args
    ):
        node = ast.Call(func=ast.Name(id="getenv"), args=node.args, keywords=node.keywords)
    if isinstance(node, ast.Call) and (call_name(node) or "") in _ENV_CALLS and node.args:
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            default = node.args[1] if len(node.args) > 1 else None
            default = next((k.value for k in node.keywords if k.arg == "default"), default)
            value = default.value if isinstance(default, ast.Constant) and isinstance(default.value, str) else None
            return first.value, value
    if isinstance(node, ast.Subscript) and dotted(node.value) in mappings:
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value, None
    return None


def _class_fields(tree: ast.Module, fields: dict[str, str]) -> list[tuple[str, str | None, int]]:
    """Environment reads declared by classes: BaseSettings fields (read under their own name) and
    attributes assigned from an environment call. Fills `fields` (ATTRIBUTE -> variable)."""
    hits: list[tuple[str, str | None, int]] = []
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        settings = any("BaseSettings" in (dotted(b) or "") for b in cls.bases)
        # pydantic-settings reads field `name` of a class with env_prefix="DATABASE_" from DATABASE_NAME
        # (https://docs.pydantic.dev/latest/concepts/pydantic_settings/#environment-variable-names)
        prefix = _own_config(cls).get("env_prefix") if settings else None
        prefix = prefix.upper() if isinstance(prefix, str) else ""
        for stmt in cls.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                target, value = stmt.target.id, stmt.value
            elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                target, value = stmt.targets[0].id, stmt.value
            else:
                continue
            if target.startswith("_") or target == "model_config":
                continue
            read = _env_call(value) if value is not None else None
            if settings and isinstance(stmt, ast.AnnAssign):
                default = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
                # a settings field is read from the variable of its own name, whatever its default
                hits.append((prefix + target.upper(), default if read is None else read[1], stmt.lineno))
                fields[target.upper()] = prefix + target.upper()
            elif read is not None:
                fields[target.upper()] = read[0]
                hits.append((read[0], read[1], stmt.lineno))
    return hits


def _database_names(src: SourceFile, tree: ast.Module) -> list[Finding]:
    """Database names the code selects on its client: client.blog, client["shop"], get_database("shop")."""
    constants = _module_strings(tree)
    own = _own_clients(tree)
    clients: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None and _is_client_call(node.value, own):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            clients.update(d for t in targets if (d := dotted(t)))
        elif isinstance(node, ast.AnnAssign) and any(
            c in ast.unparse(node.annotation) for c in _CLIENTS
        ):  # self._client: MongoClient[Any] = factory(uri): typed as a client, built however
            clients.update(d for d in [dotted(node.target)] if d)
    # def __init__(self, db_name: str = "todo_app"): ... client[db_name] reads the parameter's default
    params: dict[str, str | None] = {}
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            positional = fn.args.posonlyargs + fn.args.args
            pairs = list(zip(positional[len(positional) - len(fn.args.defaults) :], fn.args.defaults, strict=True))
            pairs += [(a, d) for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True) if d is not None]
            for arg, default in pairs:
                if isinstance(default, ast.Constant) and isinstance(default.value, str):
                    # the same name with two defaults in one module says nothing
                    params[arg.arg] = default.value if params.get(arg.arg, default.value) == default.value else None
    out: list[Finding] = []

    def add(name: str | None, node: ast.AST, how: str) -> None:
        if name and re.fullmatch(r"[\w-]{1,64}", name) and name not in {f.detail["name"] for f in out}:
            out.append(
                Finding(
                    kind="mongodb-database",
                    message=f"MongoDB database {name!r} ({how})",
                    file=src.rel,
                    line=getattr(node, "lineno", None),
                    detail={"name": name, "source": "code"},
                )
            )

    def is_client(node: ast.expr) -> bool:
        if isinstance(node, ast.Call):
            return _is_client_call(node, own)
        return dotted(node) in clients

    owners = _enclosing_functions(tree)

    def value_of(node: ast.expr, passed: bool = False) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            found = constants.get(node.id) or params.get(node.id)
            if found is None and not passed and id(node) in owners:
                # Store(url=..., name="todos") builds the client of `def __init__(self, url, name)`
                argument = _argument_passed(tree, *owners[id(node)], node.id)
                found = value_of(argument, passed=True) if argument is not None else None
            return found
        read = _env_call(node)
        return read[1] if read else None

    discarded = _discarded_values(tree)
    for node in ast.walk(tree):
        if id(node) in discarded:
            continue
        if isinstance(node, ast.Subscript) and is_client(node.value):
            add(value_of(node.slice), node, "client[...]")
        elif isinstance(node, ast.Attribute) and is_client(node.value) and node.attr not in CLIENT_METHODS:
            add(node.attr, node, f"client.{node.attr}")
        elif isinstance(node, ast.Call):
            name = (call_name(node) or "").rsplit(".", 1)[-1]
            if name == "get_database" and isinstance(node.func, ast.Attribute) and is_client(node.func.value):
                arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "name"), None)
                if arg is not None:
                    add(value_of(arg), node, "get_database")
            elif name == "AIOEngine":
                arg = node.args[1] if len(node.args) > 1 else None
                arg = next((k.value for k in node.keywords if k.arg == "database"), arg)
                if arg is not None:
                    add(value_of(arg), node, "AIOEngine(database=...)")
    return out


def _discarded_values(tree: ast.Module) -> set[int]:
    """id() of the values assigned to a function's local that the function never reads:
    `my_db = client["hello"]` in a startup hook that then returns selects nothing the app uses."""
    out: set[int] = set()
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        read = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        declared = {name for n in ast.walk(fn) if isinstance(n, ast.Global | ast.Nonlocal) for name in n.names}
        for stmt in ast.walk(fn):
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and stmt.targets[0].id not in read | declared
            ):
                out.add(id(stmt.value))
    return out


def _named_constants(src: SourceFile, tree: ast.Module) -> list[Finding]:
    """Literal settings another module imports: `MONGODB_URL = "mongodb://127.0.0.1:27017"` (a connection
    string in the code: no variable to set) and `DB_NAME = "chat"`, also as class attributes."""
    out = []
    bodies = [tree.body] + [n.body for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    for name, key, value, line in _settings_mapping_names(tree):
        out.append(
            Finding(
                kind="mongodb-database",
                message=f"MongoDB database {value!r} ({name}[{key!r}])",
                file=src.rel,
                line=line,
                detail={"name": value, "source": "constant", "constant": f"{name}.{key}"},
            )
        )
    for body in bodies:
        for node in body:
            if not (isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Constant)):
                continue
            value = node.value.value
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if not isinstance(target, ast.Name) or not isinstance(value, str):
                    continue
                if _DB_NAME.match(target.id) and re.fullmatch(r"[\w-]{1,64}", value):
                    out.append(
                        Finding(
                            kind="mongodb-database",
                            message=f"MongoDB database {value!r} ({target.id})",
                            file=src.rel,
                            line=node.lineno,
                            detail={"name": value, "source": "constant", "constant": target.id},
                        )
                    )
                elif value.startswith(("mongodb://", "mongodb+srv://")) and body is tree.body:
                    out.append(
                        Finding(
                            kind="mongodb-client",
                            message=f"MongoDB connection string written in the code ({target.id})",
                            file=src.rel,
                            line=node.lineno,
                            detail={"how": "literal", "parts": "", "name": target.id},
                        )
                    )
    return out


# MONGO = {"HOST": ..., "DBNAME": "shop"}, MONGODB_SETTINGS = {"db": "shop", "host": ...}: the database
# name in a module-level mapping of MongoDB settings
_MAPPING_NAME = re.compile(r"MONGO", re.I)
_MAPPING_DB_KEY = re.compile(r"^(?:DB_?NAME|DATABASE(?:_?NAME)?|NAME|DB)$", re.I)


def _settings_mapping_names(tree: ast.Module) -> list[tuple[str, str, str, int]]:
    """(mapping, key, database name, line) of the MongoDB settings mappings of the module."""
    out = []
    for node in tree.body:
        if not (isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Dict)):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if not (isinstance(target, ast.Name) and _MAPPING_NAME.search(target.id)):
                continue
            for key, value in zip(node.value.keys, node.value.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and isinstance(key.value, str)
                    and _MAPPING_DB_KEY.match(key.value)
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                    and re.fullmatch(r"[\w-]{1,64}", value.value)
                ):
                    out.append((target.id, key.value, value.value, value.lineno))
    return out


_PROPERTY_DECORATORS = frozenset({"property", "computed_field", "cached_property", "functools.cached_property"})


def _composed_properties(src: SourceFile, tree: ast.Module) -> list[Finding]:
    """A settings property that assembles the connection string from other fields
    (`@computed_field @property def DB_URL(self): return f"{self.DB_SCHEME}://{self.DB_HOST}..."`):
    pydantic reads no variable for a property, so `settings.DB_URL` handed to the client names
    none (https://docs.pydantic.dev/latest/concepts/fields/#the-computed_field-decorator)."""
    out = []
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    for cls in classes:
        for fn in cls.body:
            if not (
                isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
                and _URI_NAME.search(fn.name)
                and not _DB_NAME.match(fn.name)
                and any((dotted(d) or "") in _PROPERTY_DECORATORS for d in fn.decorator_list)
            ):
                continue
            fields = [
                node.attr
                for ret in ast.walk(fn)
                if isinstance(ret, ast.Return) and ret.value is not None
                for node in ast.walk(ret.value)
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
            ]
            fields = list(dict.fromkeys(fields))
            if len(fields) < 2 or any(_env_call(node) for node in ast.walk(fn)):
                # `return self.MONGO_URL` is an alias, not an assembly; a property that returns
                # os.environ.get("DATABASE_URL") when it is set reads that variable first
                continue
            out.append(
                Finding(
                    kind="mongodb-client",
                    message=f"MongoDB connection string assembled by the property {cls.name}.{fn.name} "
                    f"({', '.join(fields)})",
                    file=src.rel,
                    line=fn.lineno,
                    detail={"how": "composed", "parts": ",".join(fields), "name": fn.name.upper()},
                )
            )
    return out + _composed_class_attributes(src, classes)


def _composed_class_attributes(src: SourceFile, classes: list[ast.ClassDef]) -> list[Finding]:
    """A class attribute assembled from the class's own fields
    (`MONGO_URL = DatabaseURL(f"mongodb://{MONGO_USER}:{MONGO_PASSWORD}@{MONGO_HOST}")`): a variable of
    its name cannot replace it when it holds an object built from the string, nor in a class that is no
    settings class. Pydantic v1 makes an un-annotated attribute a field typed by its default
    (https://docs.pydantic.dev/1.10/usage/models/#field-ordering), and BaseSettings' arbitrary types
    accept only an instance of that type, so the variable's string fails validation (pydantic/pydantic
    v1.10.2: pydantic/env_settings.py `arbitrary_types_allowed`, pydantic/validators.py
    `make_arbitrary_type_validator`)."""
    out = []
    for cls in classes:
        settings = any("Settings" in (dotted(b) or "") for b in cls.bases)
        names: set[str] = set()
        for node in cls.body:
            if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            target = targets[0].id if len(targets) == 1 and isinstance(targets[0], ast.Name) else None
            value = node.value
            wrapped = isinstance(value, ast.Call) and len(value.args) == 1
            text = value.args[0] if isinstance(value, ast.Call) and wrapped else value
            fields = [
                n.id
                for part in (text.values if isinstance(text, ast.JoinedStr) else [])
                if isinstance(part, ast.FormattedValue)
                for n in ast.walk(part.value)
                if isinstance(n, ast.Name) and n.id in names
            ]
            fields = list(dict.fromkeys(fields))
            if target is not None:
                names.add(target)
            if (
                target is None
                or len(fields) < 2
                or not _URI_NAME.search(target)
                or _DB_NAME.match(target)
                or (settings and not wrapped)  # a string field: the variable of its name replaces it
            ):
                continue
            out.append(
                Finding(
                    kind="mongodb-client",
                    message=f"MongoDB connection string assembled by {cls.name}.{target} ({', '.join(fields)})",
                    file=src.rel,
                    line=node.lineno,
                    detail={"how": "composed", "parts": ",".join(fields), "name": target.upper()},
                )
            )
    return out


def _module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "literal" (or an environment read's default), also inside try/if blocks."""
    out: dict[str, str] = {}
    for node in _statements(tree.body):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            text = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
            if text is None and (read := _env_call(value)) is not None:
                text = read[1]
            for target in targets:
                if isinstance(target, ast.Name) and text is not None:
                    out[target.id] = text
    return out


def _env_of(node: ast.expr, constants: dict[str, str | None], mappings: frozenset[str] = _ENVIRON) -> str | None:
    """The environment variable an expression reads: settings.X, os.environ["X"], os.getenv("X"), X."""
    read = _env_call(node, mappings) if mappings is not _ENVIRON else None
    if read is not None:
        return read[0]
    if isinstance(node, ast.Call):
        name = call_name(node) or ""
        if name in _ENV_CALLS and node.args:
            first = node.args[0]
            return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
        # settings.mongo_url.get_secret_value(), get_settings().MONGO_URL
        if isinstance(node.func, ast.Attribute) and not node.args:
            return _env_of(node.func.value, constants, mappings)
        # str(settings.MONGO_URL)
        return _env_of(node.args[0], constants, mappings) if len(node.args) == 1 and not node.keywords else None
    if isinstance(node, ast.Subscript) and dotted(node.value) in _ENVIRON:
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


def _client_arguments(src: SourceFile) -> tuple[list[tuple[str, int]], list[tuple[str, list[str], int]]]:
    """([(env var, line)] for clients built from a variable, [(how, parts, line)] for clients built
    from a composed string, a literal or nothing)."""
    if not any(c in src.text for c in _CLIENTS):
        return [], []
    tree = src.tree
    if tree is None:
        return [], []
    # module-level names: the variable each was read from (None: assigned from something else);
    # and how the others were built (composed from parts, a literal)
    constants: dict[str, str | None] = {}
    built: dict[str, tuple[str, list[str]]] = {}
    mappings = _environ_mappings(tree)
    for node in _statements(tree.body):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = _env_of(node.value, {}, mappings)
                    how = _built(node.value)
                    if how is not None:
                        built[target.id] = how
    out, unresolved = [], []
    owners = _enclosing_functions(tree)
    own = _own_clients(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not _is_client_call(node, own):
            continue
        arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "host"), None)
        if arg is None:
            unresolved.append(("default", [], node.lineno))
            continue
        if isinstance(arg, ast.Name) and id(node) in owners:
            # def __init__(self, connection_url): self.client = MongoClient(connection_url), and the module
            # builds Database(connection_url=environ["X"]): the argument of that call is the variable
            arg = _argument_passed(tree, *owners[id(node)], arg.id) or arg
        env = _env_of(arg, constants, mappings)
        if env and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", env):
            out.append((env, node.lineno))
            continue
        how = _built(arg) or (built.get(arg.id) if isinstance(arg, ast.Name) else None)
        if how is not None:
            unresolved.append((how[0], how[1], node.lineno))
    return out, unresolved


def _enclosing_functions(tree: ast.Module) -> dict[int, tuple[str, list[str]]]:
    """id(node) -> (the name callers use: the function's, or the class's for `__init__`; its parameters)
    for every node inside a module-level function or a method of a module-level class."""
    out: dict[int, tuple[str, list[str]]] = {}
    for top in tree.body:
        functions: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
        if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef):
            functions.append((top.name, top))
        elif isinstance(top, ast.ClassDef):
            functions += [
                (top.name if f.name == "__init__" else f.name, f)
                for f in top.body
                if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
        for caller_name, function in functions:
            params = [a.arg for a in (*function.args.posonlyargs, *function.args.args) if a.arg not in ("self", "cls")]
            params += [a.arg for a in function.args.kwonlyargs]
            for inner in ast.walk(function):
                out[id(inner)] = (caller_name, params)
    return out


def _argument_passed(tree: ast.Module, caller: str, params: list[str], param: str) -> ast.expr | None:
    """The expression a call `caller(...)` in this module passes for `param` (by keyword or position)."""
    if param not in params:
        return None
    index = params.index(param)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (call_name(node) or "").rsplit(".", 1)[-1] == caller:
            value = next((k.value for k in node.keywords if k.arg == param), None)
            if value is None and index < len(node.args) and not any(isinstance(a, ast.Starred) for a in node.args):
                value = node.args[index]
            if value is not None:
                return value
    return None


def _built(node: ast.expr) -> tuple[str, list[str]] | None:
    """("composed", [variables]) for an f-string/concatenation/format, ("literal", []) for a plain string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "literal", []
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod)):
        parts = []
        for inner in ast.walk(node):
            read = _env_call(inner) if isinstance(inner, ast.Call | ast.Subscript) else None
            if read is not None:
                parts.append(read[0])
            elif isinstance(inner, ast.FormattedValue) and (name := dotted(inner.value)):
                parts.append(name)
        return "composed", list(dict.fromkeys(parts))
    return None
