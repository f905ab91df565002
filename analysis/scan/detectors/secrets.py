"""`secret`, `env-file`: committed credentials, reported without the value.

Sources:

- env-like files (`.env`, `.env.*`, `*.env`, `env.*`) that hold values; the
  example/sample/template/dist ones are placeholders and only checked for real
  key shapes;
- key shapes anywhere in code and config (OpenAI `sk-...`, Hugging Face `hf_...`,
  AWS `AKIA...`, GitHub tokens, private key blocks, MongoDB URIs with a password);
- secret-named keys with real-looking values in YAML (compose `environment:`,
  Kubernetes manifests, config files), Kubernetes `Secret` data decoded from base64;
- secret-named defaults in Python code: `os.getenv("JWT_SECRET", "<value>")` and
  settings-class fields such as `SECRET_KEY: str = "<value>"`;
- credential-named literals in JS/TS and Vue/Svelte code (`apiSecret: '<value>'`,
  `const API_KEY = "<value>"`) whose value looks generated (see `detect_in_js`).

A value "looks real" by shape and entropy, not by a known prefix: at least 12
characters, not a lowercase phrase, not a placeholder, a URL or a `${...}`
reference, and at least 3 bits of Shannon entropy per character. Files git
ignores are never read (see analysis.scan.ignored). A finding names the variable
and a short SHA-256 fingerprint so the same secret can be recognised across
files; it never holds the value.
"""

from __future__ import annotations

import re

from ...models import Finding
from ...wording import plural
from ..registry import register
from ..source import JS_SUFFIXES, SourceFile

PLACEHOLDER_ENV_FILES = (".env.example", ".env.sample", ".env.template", ".env.dist", ".env.defaults")
# AUTH but not AUTHOR/AUTHORS/AUTHORITY (a blog post's author is not a credential); AUTHORIZATION stays
_SECRET_NAME = re.compile(
    r"KEY|SECRET|TOKEN|PASSWORD|PASSWD|PWD|PRIVATE|CREDENTIAL|AUTH(?!OR(?!IZ))|DSN|SALT|COOKIE", re.I
)
_PLACEHOLDER = re.compile(
    r"^(?:|x+|\*+|\.+|-+|<.*>|\{.*\}|\$\{.*\}|\[.*\]|(?:your|my|change|replace|insert|put|add|enter|fill)[-_ a-z]*|"
    r"changeme|change[-_]?me|todo|tbd|none|null|false|true|example|sample|placeholder|secret|password|dummy|test|xxx.*|"
    r"sk-\.\.\.|sk-x+|sk-your.*|\.\.\.)$",
    re.I,
)
# (type, literals one of which the text must hold for the pattern to be tried, pattern)
_KEY_SHAPES: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    ("anthropic-api-key", ("sk-ant-",), re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}")),
    ("openai-api-key", ("sk-",), re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")),
    ("huggingface-token", ("hf_",), re.compile(r"\bhf_[A-Za-z0-9]{30,}")),
    ("aws-access-key-id", ("AKIA", "ASIA"), re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("github-token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}")),
    (
        "private-key",
        ("PRIVATE KEY",),
        re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    ),
    (
        "mongodb-uri-password",
        ("mongodb",),
        re.compile(r"mongodb(?:\+srv)?://([^:/@\s\"'`]+):([^@/\s\"'`]+)@([^/\s\"'`?]+)"),
    ),
)
_FAKE = re.compile(r"your|example|placeholder|here|xxxx|dummy|fake|sample|replace|change|redacted|\.\.\.", re.I)
_ASSIGNED_NAME = re.compile(r"""([A-Za-z_][A-Za-z0-9_]*)["']?\s*(?:[:=]|:=)\s*[^=\n]*$""")
_ENV_LINE = re.compile(r"""^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$""")
# Which files the shapes are searched in: one token per common leak (fewer tokens, faster
# gate); the shapes themselves also match the rarer forms (ASIA keys, gho_/ghs_ tokens).
QUICK = ("sk-", "hf_", "AKIA", "ghp_", "PRIVATE KEY", "://")
_SECRET_WORDS = ("KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD", "PWD", "PRIVATE", "CREDENTIAL", "AUTH", "key", "secret", "token", "password")  # fmt: skip
CONFIG_SUFFIXES = (".py", *JS_SUFFIXES, ".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".sh", ".tfvars", ".properties", ".ipynb")  # fmt: skip
SKIP_NAMES = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Pipfile.lock", "composer.lock")  # fmt: skip


def fingerprint(value: str) -> str:
    import hashlib  # imported here: loading OpenSSL costs ~10 ms on every start otherwise

    return "sha256:" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:8]


MIN_SECRET_CHARS = 12
MIN_SECRET_ENTROPY = 3.0
_PHRASE = re.compile(r"[a-z _.-]+")
# words separated by spaces ("Silkroute Editorial", "Hello World 2"): prose, not a generated value
_PROSE = re.compile(r"[A-Za-z]+(?:[ ,.'-]*[ ][ ,.'-]*[A-Za-z0-9]+)+[.!]?")
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    import math
    from collections import Counter

    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values()) if n else 0.0


def looks_real(value: str) -> bool:
    """A value shaped like a generated credential rather than a placeholder, a word or a reference."""
    value = value.strip()
    if len(value) < MIN_SECRET_CHARS or _PLACEHOLDER.match(value) or _FAKE.search(value):
        return False
    if value.startswith(("$", "{{", "%", "/", "./", "<")) or "${" in value or "{{" in value:
        return False
    if "://" in value and "@" not in value:
        return False  # a URL without credentials
    if _ENV_NAME.fullmatch(value):
        return False  # the name of another variable (a Kubernetes secretKeyRef key, a compose reference)
    if _PHRASE.fullmatch(value) or _PROSE.fullmatch(value):
        return False  # a lowercase phrase ("thisshouldbechanged") or words is a placeholder, not a generated secret
    if _guessable(value):
        return False
    return entropy(value) >= MIN_SECRET_ENTROPY


# a service's name or a placeholder word with a number (mongodb27017, postgres_5432, admin123456): what
# a tutorial writes, the number a port or a counter; neither chosen nor generated
_WORD_NUMBER = re.compile(r"([a-z]+)[-_.@]?(\d+)")
_GUESSABLE_WORD = re.compile(
    r"mongo|postgres|mysql|maria|redis|rabbit|elastic|minio|database|^db$|root|admin|user|pass|pwd|secret|"
    r"test|demo|example|sample|dummy|fake|changeme"
)


def _guessable(value: str) -> bool:
    match = _WORD_NUMBER.fullmatch(value)
    return match is not None and _GUESSABLE_WORD.search(match.group(1).translate(_LEET)) is not None


def secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def _unquote(value: str) -> str:
    if " #" in value and not value.startswith(("'", '"')):
        value = value.split(" #", 1)[0].rstrip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


# a lowercase password made of placeholder words (test_password, mypass, secret_pwd, admin123, the
# URL-encoded p%40ssw0rd%21): a fixture's or a tutorial's, not a generated credential
_PLACEHOLDER_WORDS = re.compile(r"test|pass|pwd|secret|example|sample|dummy|fake|demo|admin|user|changeme")
_LEET = str.maketrans({"@": "a", "0": "o", "1": "i", "3": "e", "$": "s", "!": None, "#": None, "%": None})


# an Atlas cluster's address, <cluster>.<id>.mongodb.net, as the Atlas UI copies it
# (https://www.mongodb.com/docs/manual/reference/connection-string/); a tutorial writes an example id
# (cluster0.xxxxx, cluster0.abcde, cluster0.example)
_ATLAS_HOST = re.compile(r"[\w-]+\.([a-z0-9]+)\.mongodb\.net", re.I)
_EXAMPLE_ID = re.compile(r"x+|abc\w*|\d+|a?b?c?d?e?f?g?h?|example|sample|test|demo|cluster\d*|mongodb", re.I)


def _real_atlas_account(user: str, host: str) -> bool:
    """A user named beyond the placeholder words, on an Atlas cluster whose project id is not a
    tutorial's: whatever the password looks like, it opens a real database."""
    match = _ATLAS_HOST.fullmatch(host.split(":")[0])
    if match is None or _FAKE.search(host) or _EXAMPLE_ID.fullmatch(match.group(1)):
        return False
    rest = re.sub(r"[\W\d_]+", "", _PLACEHOLDER_WORDS.sub("", user.lower().translate(_LEET)))
    return len(rest) >= 3 and not _PLACEHOLDER.match(user) and not _FAKE.search(user)


def _is_placeholder_uri(user: str, password: str, host: str) -> bool:
    if _PLACEHOLDER.match(password) or password.startswith(("$", "{", "<", "%")) or "${" in password:
        return True
    from urllib.parse import unquote

    decoded = unquote(password)
    if not re.fullmatch(r"[a-z0-9_.@!#$%-]+", decoded):
        return False  # upper case or other characters: shaped like a chosen or generated password
    if _real_atlas_account(unquote(user), host):
        return False  # a weak password of a real account is still its password
    return bool(_PLACEHOLDER_WORDS.search(decoded.translate(_LEET)))


def _secret(src: SourceFile, line: int, variable: str, kind: str, value: str, severity: str = "error") -> Finding:
    return Finding(
        kind="secret",
        severity=severity,  # type: ignore[arg-type]
        message=f"committed secret: {variable} ({kind}); remove it from the repository and rotate it",
        file=src.rel,
        line=line,
        detail={"variable": variable, "type": kind, "fingerprint": fingerprint(value)},
    )


def _shapes(src: SourceFile, text: str, line_offset: int = 0, variable_hint: str | None = None) -> list[Finding]:
    found = []
    taken: list[tuple[int, int]] = []
    for kind, literals, pattern in _KEY_SHAPES:
        if not (src.has_any(literals) if text is src.text else any(lit in text for lit in literals)):
            continue
        for match in pattern.finditer(text):
            if any(a <= match.start() < b for a, b in taken):
                continue
            taken.append((match.start(), match.end()))
            if kind == "mongodb-uri-password":
                user, password, host = match.groups()
                if _is_placeholder_uri(user, password, host):
                    continue
                value = password
                local = host.split(":")[0] in ("localhost", "127.0.0.1", "mongo", "mongodb", "db", "database")
                severity = "warning" if local else "error"
            else:
                value = match.group(0)
                if kind != "private-key" and (_FAKE.search(value) or not any(c.isdigit() for c in value)):
                    continue
                severity = "error"
            if line_offset:
                line, variable = line_offset, variable_hint
            else:
                line = src.line_of(match.start())
                column = match.start() - (src.text.rfind("\n", 0, match.start()) + 1)
                variable = _variable_on_line(src.line_text(line), column) or _assigned_around(src, line)
            found.append(_secret(src, line, variable or "(inline)", kind, value, severity))
    return found


def _assigned_around(src: SourceFile, line: int) -> str | None:
    """The name a Python statement spanning `line` assigns: `client = MongoClient(\n    "mongodb+srv://..."\n)`."""
    if not src.rel.endswith(".py") or src.tree is None:
        return None
    import ast

    for node in ast.walk(src.tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.lineno < line <= (node.end_lineno or 0):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            name = next(
                (
                    t.id if isinstance(t, ast.Name) else t.attr
                    for t in targets
                    if isinstance(t, ast.Name | ast.Attribute)
                ),
                None,
            )
            if name:
                return name
    return None


def _variable_on_line(line_text: str, column: int) -> str | None:
    match = _ASSIGNED_NAME.search(line_text[:column])
    return match.group(1) if match else None


@register(
    "secret-in-code",
    suffixes=CONFIG_SUFFIXES,
    names=("Dockerfile", "dockerfile", "docker-compose.yml"),
    quick=QUICK,
    app_code_only=False,
)
def detect_in_code(src: SourceFile) -> list[Finding]:
    if src.name in SKIP_NAMES or src.name.startswith(".env"):
        return []
    return _shapes(src, src.text)


# `KEY: value`, `- KEY=value`, `"KEY": "value"` on one line of YAML (compose environment, manifests, config)
_YAML_PAIR = re.compile(
    r"""^[ \t]*(?:-[ \t]+)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?[ \t]*[:=][ \t]*(["']?)([^\s"'#]+)\2[ \t]*(?:#.*)?$""",
    re.M,
)
_K8S_SECRET = re.compile(r"^kind:\s*Secret\s*$", re.M)


@register("secret-in-yaml", suffixes=(".yml", ".yaml"), quick=_SECRET_WORDS, app_code_only=False)
def detect_in_yaml(src: SourceFile) -> list[Finding]:
    if src.name in SKIP_NAMES:
        return []
    base64_data = bool(_K8S_SECRET.search(src.text))
    findings = []
    shaped = {f.line for f in _shapes(src, src.text)}
    for match in _YAML_PAIR.finditer(src.text):
        name, value = match.group(1), match.group(3)
        if not _SECRET_NAME.search(name):
            continue
        line = src.line_of(match.start(1))
        if line in shaped:
            continue  # a known key shape: the code/config detector reports it
        if base64_data:
            value = _b64(value)
        if value and looks_real(value):
            findings.append(_secret(src, line, name, "yaml-value", value))
    return findings


def _b64(value: str) -> str:
    import base64
    import binascii

    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return value


def is_env_like(name: str) -> bool:
    """`.env`, `.env.local`, `database.env`, `env.sample`, `app.env.example`."""
    lowered = name.lower()
    return lowered.startswith((".env", "env.")) or lowered.endswith(".env") or ".env." in lowered


@register("env-file", name_prefixes=(".env", "env."), suffixes=(".env",), app_code_only=False)
def detect_env_file(src: SourceFile) -> list[Finding]:
    lowered = src.name.lower()
    placeholder_file = (
        lowered.startswith(PLACEHOLDER_ENV_FILES)
        or lowered.endswith((".example", ".sample", ".template", ".dist", "-sample", "-example", "-template"))
        or any(f".{word}." in lowered for word in ("example", "sample", "template", "dist"))
    )
    findings: list[Finding] = []
    filled = 0
    for number, raw_line in enumerate(src.text.splitlines(), start=1):
        match = _ENV_LINE.match(raw_line)
        if not match or raw_line.lstrip().startswith("#"):
            continue
        name, value = match.group(1), _unquote(match.group(2))
        if not value:
            continue
        filled += 1
        shaped = _shapes(src, value, line_offset=number, variable_hint=name)
        if shaped:
            findings.extend(shaped)
            continue
        if placeholder_file or not looks_real(value):
            continue
        if _SECRET_NAME.search(name):
            findings.append(_secret(src, number, name, "env-value", value))
    if filled and not placeholder_file:
        findings.insert(
            0,
            Finding(
                kind="env-file",
                severity="warning",
                message=f"committed environment file with {plural(filled, 'value')}: keep .env out of the repository",
                file=src.rel,
                line=1,
                detail={"values": str(filled)},
            ),
        )
    return findings


# front-end and Node code: a credential-named key or constant assigned a literal. Narrower than
# _SECRET_NAME (a React `key`, a localStorage key name, a reCAPTCHA site key or a Stripe
# publishable key are not credentials) and only generated-looking values: 20 characters or more,
# no whitespace, upper and lower case and digits, 4 bits of entropy per character
_JS_SECRET_NAME = re.compile(r"secret|api_?key|access_?key|private_?key|password|passwd|token", re.I)
_JS_PAIR = re.compile(r"""(?:^|[\s{,(])["']?([A-Za-z_$][\w$]*)["']?[ \t]*[:=][ \t]*(["'`])([^"'`\s\\]{20,})\2""", re.M)
_JS_QUICK = ("ecret", "ECRET", "Key", "KEY", "_key", "oken", "OKEN", "assw", "ASSW")


def _generated(value: str) -> bool:
    return (
        entropy(value) >= 4.0
        and any(c.isdigit() for c in value)
        and any(c.isupper() for c in value)
        and any(c.islower() for c in value)
    )


@register("secret-in-js", suffixes=JS_SUFFIXES, quick=_JS_QUICK)
def detect_in_js(src: SourceFile) -> list[Finding]:
    findings = []
    shaped = {f.line for f in _shapes(src, src.text)}  # a known key shape: secret-in-code reports it
    for match in _JS_PAIR.finditer(src.text):
        name, value = match.group(1), match.group(3)
        if not _JS_SECRET_NAME.search(name) or not looks_real(value) or not _generated(value):
            continue
        if name == "apiKey" and value.startswith("AIza") and "authDomain" in src.text:
            # a Firebase web config's API key identifies the project and is public by design
            # (https://firebase.google.com/docs/projects/api-keys)
            continue
        line = src.line_of(match.start(1))
        if line not in shaped:
            findings.append(_secret(src, line, name, "code-literal", value))
    return findings


_ENV_DEFAULT_CALLS = ("getenv", "environ.get", "config", "env", "env.str", "getattr")
_SETTINGS_CLASS = re.compile(r"Settings|Config$|BaseModel")


@register("secret-default", suffixes=(".py",), quick=("getenv", "environ", "config(", "Settings", "Config"))
def detect_code_default(src: SourceFile) -> list[Finding]:
    """`os.getenv("JWT_SECRET", "<value>")` and `SECRET_KEY: str = "<value>"` in a settings class."""
    import ast

    tree = src.tree
    if tree is None:
        return []
    findings = []
    seen: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _called(node.func)
            if not name.endswith(_ENV_DEFAULT_CALLS) or not node.args:
                continue
            key = node.args[0]
            default = node.args[1] if len(node.args) > 1 else None
            default = next((k.value for k in node.keywords if k.arg == "default"), default)
            if (
                isinstance(key, ast.Constant)
                and isinstance(key.value, str)
                and isinstance(default, ast.Constant)
                and isinstance(default.value, str)
                and _SECRET_NAME.search(key.value)
                and looks_real(default.value)
                and node.lineno not in seen
            ):
                seen.add(node.lineno)
                findings.append(_secret(src, default.lineno, key.value, "code-default", default.value))
        elif isinstance(node, ast.ClassDef) and any(_SETTINGS_CLASS.search(_called(b)) for b in node.bases):
            for stmt in node.body:
                target = stmt.target if isinstance(stmt, ast.AnnAssign) else None
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    target = stmt.targets[0]
                value = getattr(stmt, "value", None)
                if (
                    isinstance(target, ast.Name)
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                    and _SECRET_NAME.search(target.id)
                    and looks_real(value.value)
                ):
                    findings.append(_secret(src, stmt.lineno, target.id.upper(), "settings-default", value.value))
    return findings


def _called(node: object) -> str:
    import ast

    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))
