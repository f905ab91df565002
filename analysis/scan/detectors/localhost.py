"""`localhost-url`: addresses of this machine or of the local network in what the app ships or reads.

Every text file an app ships or reads is searched: code (Python, JS/TS, Vue/Svelte components), `.env*` files
in any folder, `.json`, `.yaml`, `.toml`, `.html`, `next.config.*`. Two shapes: URLs
(`http://localhost:8000`, `mongodb://192.168.1.20:27017`) and bare host values
(`host="localhost"`, `MONGO_HOST: 10.0.0.5`). Loopback (localhost, 127.0.0.1, 0.0.0.0
in a URL) and private addresses (10/8, 172.16/12, 192.168/16, RFC 1918) both fail
once deployed: the detail says which (`private`).

A hard-coded one breaks once deployed (warning). One that is only the default of
an environment variable, or sits in a dev-server config or an env file, is reported as info;
so is one in JS/TS code under a development check a few lines above it (the page's own host
compared with localhost, `NODE_ENV`, `import.meta.env.DEV`/`MODE`): used on a developer's
machine only.
"""

from __future__ import annotations

import re

from ...models import Finding
from ..registry import register
from ..source import JS_SUFFIXES, SourceFile

_PRIVATE = r"10\.\d{1,3}\.\d{1,3}\.\d{1,3}|192\.168\.\d{1,3}\.\d{1,3}|172\.(?:1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}"
_URL = re.compile(
    r"""\b((?:https?|wss?|mongodb(?:\+srv)?|redis|amqp|postgres(?:ql)?)://(?:[^@/\s"'`]*@)?"""
    r"""(localhost|127\.0\.0\.1|0\.0\.0\.0|""" + _PRIVATE + r""")(?::(\d+))?[^\s"'`]*)"""
)
# host="localhost", "host": "127.0.0.1", MONGO_HOST: 192.168.1.20 (a bind to 0.0.0.0 is fine and not matched)
_BARE_HOST = re.compile(
    r"""\b\w*host\w*["']?\s*[=:]\s*["']?(localhost|127\.0\.0\.1|""" + _PRIVATE + r""")["']?(?![\w.:/-])""",
    re.I,
)
SUFFIXES = (".py", *JS_SUFFIXES, ".json", ".yaml", ".yml", ".toml", ".html", ".htm", ".env")
_SKIP_NAMES = ("package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "composer.lock", "tsconfig.json")
_ENV_ON_LINE = re.compile(r"getenv|environ|process\.env|import\.meta\.env|Field\(|env=")
# JS/TS: an environment read with a fallback (`env.BACKEND_URL || "http://localhost:8000"`, `env['API'] ?? ...`),
# the `env` of SvelteKit's `$env/dynamic/private` (https://svelte.dev/docs/kit/$env-dynamic-private)
_JS_ENV_FALLBACK = re.compile(r"""\benv(?:\.\w+|\[\s*["'`]\w+["'`]\s*\])\s*(?:\|\||\?\?)""")
_DEV_ONLY_FILES = (
    "vite.config.",
    "next.config.",
    "vue.config.",
    "webpack.config.",
    "setupProxy.",
    "vitest.config.",
    "jest.config.",
    "playwright.config.",
    "docker-compose",
    "compose.",
    "farm.config.",
    ".env",
)
_PORT_SERVICES = {
    "11434": "ollama",
    "27017": "mongodb",
    "6379": "redis",
    "5432": "postgres",
    "8000": "api",
    "5173": "web",
    "3000": "web",
    "4000": "web",
}


# `if (window.location.hostname === "localhost")`, `if (process.env.NODE_ENV === "production") ... else`,
# `if (import.meta.env.DEV)`: a condition on where or how the page runs, a few lines above the address
_DEV_CHECK = re.compile(r"location\.host(?:name)?\b|\bNODE_ENV\b|import\.meta\.env\.(?:DEV|PROD|MODE)\b")
_DEV_CHECK_LINES = 8


def _under_a_development_check(src: SourceFile, line: int) -> bool:
    if not src.name.endswith(JS_SUFFIXES):
        return False
    above = [src.line_text(n) for n in range(max(1, line - _DEV_CHECK_LINES), line)]
    return any(re.search(r"\bif\b", text) for text in above) and any(_DEV_CHECK.search(text) for text in above)


def _env_fallback(src: SourceFile, line: int) -> bool:
    return src.name.endswith(JS_SUFFIXES) and _JS_ENV_FALLBACK.search(src.line_text(line)) is not None


def _unread_assignments(src: SourceFile) -> list[tuple[int, int]]:
    """Line spans of module-level assignments (lower-case names) nothing in the app's module reads: the
    CORS origins list a FastAPI module builds and then leaves for `allow_origins=["*"]` configures nothing."""
    if not src.name.endswith(".py") or not src.has("FastAPI(") or src.tree is None:
        return []
    import ast

    read = {n.id for n in ast.walk(src.tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store)}
    read |= {n for node in ast.walk(src.tree) if isinstance(node, ast.Global) for n in node.names}
    return [
        (node.lineno, node.end_lineno or node.lineno)
        for node in src.tree.body
        if isinstance(node, ast.Assign)
        # an UPPER_CASE constant is written to be imported by other modules: unread here is not unused
        and all(isinstance(t, ast.Name) and t.id not in read and not t.id.isupper() for t in node.targets)
    ]


def _listed_origins(src: SourceFile) -> tuple[set[int], set[int]]:
    """(listed, wildcard): lines of Python strings that are items of a list, tuple or set display.

    listed: an env read elsewhere on the line (`[os.getenv("CLIENT"), "http://localhost:3001"]`) is
    another item, not this address's default, unless the display is itself an argument of the env
    read or settings field. wildcard: items of a display that also holds "*" in a module configuring
    CORS origins; Starlette allows every origin once "*" is among them
    (https://github.com/encode/starlette/blob/master/starlette/middleware/cors.py, `allow_all_origins =
    "*" in allow_origins`), so the local ones break nothing once deployed."""
    if not src.name.endswith(".py") or src.tree is None:
        return set(), set()
    import ast

    parents = {child: node for node in ast.walk(src.tree) for child in ast.iter_child_nodes(node)}

    def in_env_call(node: ast.AST) -> bool:
        while node in parents:
            node = parents[node]
            if isinstance(node, ast.stmt):
                return False
            if isinstance(node, ast.Call) and _ENV_ON_LINE.search(
                ast.unparse(node.func) + "(" + " ".join(f"{k.arg}=" for k in node.keywords if k.arg)
            ):
                return True
        return False

    listed: set[int] = set()
    wildcard: set[int] = set()
    origins = "allow_origins" in src.text
    for node in ast.walk(src.tree):
        if not isinstance(node, ast.List | ast.Tuple | ast.Set):
            continue
        items = [e for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        lines = {n for e in items for n in range(e.lineno, (e.end_lineno or e.lineno) + 1)}
        if origins and any(e.value == "*" for e in items):
            wildcard |= lines
        elif not in_env_call(node):
            listed |= lines
    return listed, wildcard


def _python_spans(src: SourceFile) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(docstrings, main blocks): line spans of string statements (a module's, class's or function's
    docstring: text about an address, like a comment) and of `if __name__ == "__main__":` blocks (a
    developer's `python main.py`; the deployed server imports the module, and the block never runs:
    https://docs.python.org/3/library/__main__.html#idiomatic-usage)."""
    if not src.name.endswith(".py") or src.tree is None:
        return [], []
    import ast

    strings = [
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(src.tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    ]
    mains = [
        (node.lineno, node.end_lineno or node.lineno)
        for node in src.tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and len(node.test.comparators) == 1
        and {ast.unparse(node.test.left), ast.unparse(node.test.comparators[0])} == {"__name__", "'__main__'"}
    ]
    return strings, mains


def _within(spans: list[tuple[int, int]], line: int) -> bool:
    return any(a <= line <= b for a, b in spans)


# a comment, or a message printed or logged: text about an address, not one the app connects to
_COMMENT = ("#", "//", "/*", "*", "<!--")
_MESSAGE = re.compile(r"\b(?:print|console\.(?:log|info|warn|error)|log(?:ger|ging)?\.\w+|echo)\s*\(")


def _python_comment_column(text: str) -> int:
    """Where a line's trailing Python comment starts (-1: none): the first `#` outside a string literal,
    so a comment that quotes an address (`# or ["http://localhost:3000"]`) is still a comment."""
    quote = ""
    escaped = False
    for column, char in enumerate(text):
        if escaped:
            escaped = False
        elif quote:
            if char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            return column
    return -1


def _not_an_address_in_use(src: SourceFile, line: int, offset: int) -> bool:
    text = src.line_text(line)
    if text.lstrip().startswith(_COMMENT):
        return True
    column = offset - (src.text.rfind("\n", 0, offset) + 1)
    before = text[:column]
    if "#" in before and src.name.endswith(".py") and 0 <= _python_comment_column(text) < column:
        return True  # a trailing Python comment
    return bool(_MESSAGE.search(before))


# CI runs the stack on its own machine: a workflow curling http://localhost:8080 is not the deployment
_CI_FILES = (".gitlab-ci.yml", ".travis.yml", "azure-pipelines.yml", "bitbucket-pipelines.yml", "Jenkinsfile")
_CI_FOLDERS = (".github/", ".circleci/", ".gitlab/", ".buildkite/")
# a compose file under another name (`extends: {file: common.yaml}`): top-level `services:` of containers
_COMPOSE_SHAPE = re.compile(r"^services:[ \t]*$(?:\n(?:[ \t].*|[ \t]*#.*|))*?\n[ \t]+(?:image|build|extends):", re.M)


def _ci_file(src: SourceFile) -> bool:
    rel = "/" + src.rel
    return src.name in _CI_FILES or any("/" + folder in rel for folder in _CI_FOLDERS)


def _mask_credentials(url: str) -> str:
    return re.sub(r"://[^@/]*@", "://***@", url)


_MAIN_BLOCK = 'under `if __name__ == "__main__":`: a developer\'s run, not the deployed server'


@register(
    "localhost-url",
    suffixes=SUFFIXES,
    name_prefixes=(".env",),
    quick=("localhost", "127.0.0.1", "0.0.0.0", "192.168.", "://10.", "://172.", "st: 10.", "st=10.", 'st": "10.'),
)
def detect(src: SourceFile) -> list[Finding]:
    if src.name in _SKIP_NAMES:
        return []
    # package.json: the dev server's `proxy` and `scripts`; env files: development values
    dev_only = (
        src.name.startswith(_DEV_ONLY_FILES)
        or src.name.endswith(".env")
        or src.name == "package.json"
        or _ci_file(src)
        or (src.name.endswith((".yml", ".yaml")) and bool(_COMPOSE_SHAPE.search(src.text)))
    )
    settings_file = "BaseSettings" in src.text
    findings = []
    seen_lines = set()
    unread: list[tuple[int, int]] | None = None
    items: tuple[set[int], set[int]] | None = None
    spans: tuple[list[tuple[int, int]], list[tuple[int, int]]] | None = None
    for match in _URL.finditer(src.text):
        line = src.line_of(match.start())
        if line in seen_lines or _not_an_address_in_use(src, line, match.start()):
            continue
        if unread is None:
            unread = _unread_assignments(src)
            spans = _python_spans(src)
            items = _listed_origins(src)
        docstrings, mains = spans or ([], [])
        if _within(docstrings, line):
            continue
        unread_name = any(a <= line <= b for a, b in unread)
        main_block = _within(mains, line)
        seen_lines.add(line)
        url = _mask_credentials(match.group(1))
        private = not match.group(2).startswith(("localhost", "127.", "0.0.0.0"))
        service = _PORT_SERVICES.get(match.group(3) or "", "")
        if url.startswith("mongodb"):
            service = "mongodb"
        listed, wildcard = items or (set(), set())
        beside_wildcard = line in wildcard
        default_only = (
            dev_only
            or settings_file
            or beside_wildcard
            or (bool(_ENV_ON_LINE.search(src.line_text(line))) and line not in listed)
            or _env_fallback(src, line)
            or _under_a_development_check(src, line)
            or unread_name
            or main_block
        )
        if dev_only:
            why = "in a development-only config"
        elif unread_name:
            why = "assigned to a name the module never reads: not in use"
        elif main_block:
            why = _MAIN_BLOCK
        elif beside_wildcard:
            why = 'listed beside "*", which allows every origin: not needed once deployed'
        elif default_only:
            why = "as the default of an environment variable: set it per stage"
        else:
            why = "hard-coded: it will not resolve once deployed; read it from an environment variable"
        findings.append(
            Finding(
                kind="localhost-url",
                severity="info" if default_only else "warning",
                message=f"{url} {why}",
                file=src.rel,
                line=line,
                detail={"url": url, "service": service, "hard_coded": "false" if default_only else "true"}
                | ({"private": "true"} if private else {}),
            )
        )
    for match in _BARE_HOST.finditer(src.text):
        line = src.line_of(match.start())
        if line in seen_lines or _not_an_address_in_use(src, line, match.start()):
            continue
        if spans is None:
            spans = _python_spans(src)
        docstrings, mains = spans
        if _within(docstrings, line):
            continue
        seen_lines.add(line)
        host = match.group(1)
        private = not host.startswith(("localhost", "127."))
        main_block = _within(mains, line)
        default_only = dev_only or main_block or bool(_ENV_ON_LINE.search(src.line_text(line)))
        if main_block and not dev_only:
            why = _MAIN_BLOCK
        else:
            why = "(a development value)" if default_only else "hard-coded: it will not resolve once deployed"
        findings.append(
            Finding(
                kind="localhost-url",
                severity="info" if default_only else "warning",
                message=f"host {host} {why}",
                file=src.rel,
                line=line,
                detail={"url": host, "service": "", "hard_coded": "false" if default_only else "true"}
                | ({"private": "true"} if private else {}),
            )
        )
    return findings
