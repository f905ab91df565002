"""`secret`, `env-file`: committed credentials, reported without the value.

Two sources: `.env*` files that hold values (`.env.example`, `.env.sample`,
`.env.template` and `.env.dist` are placeholders and only checked for real key
shapes), and key shapes anywhere in code and config (OpenAI `sk-...`, Hugging
Face `hf_...`, AWS `AKIA...`, GitHub tokens, private key blocks, MongoDB URIs
with a password). A finding names the variable and a short SHA-256 fingerprint
so the same secret can be recognised across files; it never holds the value.
"""

from __future__ import annotations

import re

from ...models import Finding
from ..registry import register
from ..source import JS_SUFFIXES, SourceFile

PLACEHOLDER_ENV_FILES = (".env.example", ".env.sample", ".env.template", ".env.dist", ".env.defaults")
_SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|PASSWD|PWD|PRIVATE|CREDENTIAL|AUTH|DSN|SALT|COOKIE", re.I)
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
CONFIG_SUFFIXES = (".py", *JS_SUFFIXES, ".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".sh", ".tfvars", ".properties", ".ipynb")  # fmt: skip
SKIP_NAMES = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Pipfile.lock", "composer.lock")  # fmt: skip


def fingerprint(value: str) -> str:
    import hashlib  # imported here: loading OpenSSL costs ~10 ms on every start otherwise

    return "sha256:" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:8]


def _unquote(value: str) -> str:
    if " #" in value and not value.startswith(("'", '"')):
        value = value.split(" #", 1)[0].rstrip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _is_placeholder_uri(user: str, password: str, host: str) -> bool:
    return bool(_PLACEHOLDER.match(password)) or password.startswith(("$", "{", "<", "%")) or "${" in password


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
                variable = _variable_on_line(src.line_text(line), column)
            found.append(_secret(src, line, variable or "(inline)", kind, value, severity))
    return found


def _variable_on_line(line_text: str, column: int) -> str | None:
    match = _ASSIGNED_NAME.search(line_text[:column])
    return match.group(1) if match else None


@register(
    "secret-in-code",
    suffixes=CONFIG_SUFFIXES,
    names=("Dockerfile", "docker-compose.yml"),
    quick=QUICK,
    app_code_only=False,
)
def detect_in_code(src: SourceFile) -> list[Finding]:
    if src.name in SKIP_NAMES or src.name.startswith(".env"):
        return []
    return _shapes(src, src.text)


@register("env-file", name_prefixes=(".env",), app_code_only=False)
def detect_env_file(src: SourceFile) -> list[Finding]:
    placeholder_file = src.name.lower().startswith(PLACEHOLDER_ENV_FILES) or src.name.lower().endswith(
        (".example", ".sample", ".template", ".dist")
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
        if placeholder_file or _PLACEHOLDER.match(value) or value.startswith("$"):
            continue
        if _SECRET_NAME.search(name):
            findings.append(_secret(src, number, name, "env-value", value))
    if filled and not placeholder_file:
        findings.insert(
            0,
            Finding(
                kind="env-file",
                severity="warning",
                message=f"committed environment file with {filled} value(s): keep .env out of the repository",
                file=src.rel,
                line=1,
                detail={"values": str(filled)},
            ),
        )
    return findings
