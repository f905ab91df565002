"""Find and read an app's `farm.config.*` into the analyzer's models.

FARM apps keep one config at the repository root: usually `farm.config.ts`
(`export default defineConfig({...})`), sometimes `.js`/`.mjs`/`.cjs`, `.json`
or `.yaml`. The TypeScript/JavaScript forms are parsed by `ts_literal` (never
evaluated). What is read: `name`, `features`, `database`, `ai.providers`,
`ai.routing` and `deployment`. A malformed file or a value of the wrong type
is a `UserError` naming the file, the line and the key.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UserError
from .models import AIConfig, AIProviderConfig, Finding
from .ts_literal import EnvRef, Expr

# precedence when a repository holds more than one
CONFIG_NAMES: tuple[str, ...] = (
    "farm.config.ts",
    "farm.config.mts",
    "farm.config.js",
    "farm.config.mjs",
    "farm.config.cjs",
    "farm.config.json",
    "farm.config.yaml",
    "farm.config.yml",
)
SUPPORTED_PROVIDERS: tuple[str, ...] = ("ollama", "openai", "huggingface")
ROUTING_KEYS: tuple[str, ...] = ("development", "staging", "production")

# deployment.<key> (and its long alias) -> (DeploymentRequirements field, valid values)
DEPLOYMENT_CHOICES: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "traffic": (("traffic", "expectedTraffic"), "expected_traffic", ("low", "medium", "high", "enterprise")),
    "latency": (("latency", "latencyRequirements"), "latency_requirements", ("standard", "low", "realtime")),
    "scaling": (("scaling", "scalingNeeds"), "scaling_needs", ("static", "dynamic", "auto")),
    "budget": (("budget", "budgetTier"), "budget_tier", ("startup", "growth", "enterprise")),
}
DEPLOYMENT_FLAGS: dict[str, tuple[tuple[str, ...], str]] = {
    "costOptimization": (("costOptimization",), "cost_optimization"),
    "globalCDN": (("globalCDN", "globalCdn", "cdn"), "global_cdn"),
}


@dataclass
class FarmConfig:
    """What the analyzer takes from farm.config (paths relative to the app root)."""

    file: str
    raw: dict[str, Any]
    name: str | None = None
    features: list[str] = field(default_factory=list)
    database: dict[str, Any] | None = None
    database_url_env: str | None = None
    database_name: str | None = None
    ai: AIConfig = field(default_factory=AIConfig)
    # DeploymentRequirements field -> value from `deployment`
    deployment: dict[str, Any] = field(default_factory=dict)
    platforms: list[str] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def line(self, key: str) -> int | None:
        return self.lines.get(key)


def find_farm_config(root: Path) -> Path | None:
    for name in CONFIG_NAMES:
        candidate = root / name
        if candidate.is_file() and not _is_farm_bundler_config(candidate):
            return candidate
    return None


def _is_farm_bundler_config(path: Path) -> bool:
    """`farm.config.ts` is also the config of the Farm web bundler (`@farmfe/core`): not a FARM-stack config."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return False  # unreadable: load_farm_config reports it
    return b"@farmfe/" in head and not any(m in head for m in (b"@farm-framework/", b"@farm/"))


# a config is a few KiB; past this it is not a config to read (a 50 MB one took 21 s and 600 MB to parse)
MAX_CONFIG_BYTES = 1024 * 1024


def config_too_large(path: Path, root: Path) -> Finding | None:
    """A finding when the FARM config is over `MAX_CONFIG_BYTES`: it is then not read at all."""
    try:
        size = path.stat().st_size
    except OSError:
        return None  # load_farm_config reports the unreadable file
    if size <= MAX_CONFIG_BYTES:
        return None
    return Finding(
        kind="file-too-large",
        severity="warning",
        message=f"FARM config not read: {size // 1024} KiB is over the {MAX_CONFIG_BYTES // 1024} KiB limit; "
        "features, AI providers and deployment settings from it are missing",
        file=path.relative_to(root).as_posix(),
        detail={"limit": str(MAX_CONFIG_BYTES)},
    )


def load_farm_config(path: Path, root: Path) -> FarmConfig:
    rel = path.relative_to(root).as_posix()
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise UserError(f"cannot read the FARM config: {exc.strerror or exc}", file=rel) from None
    text = _decode(data)
    raw, lines, notes = _parse(text, rel, path.suffix.lower())
    if not isinstance(raw, dict):
        raise UserError("the FARM config must export an object", file=rel, value=type(raw).__name__)
    config = FarmConfig(file=rel, raw=raw, lines=lines)
    for line, message in notes:
        config.findings.append(Finding(kind="config-note", message=message, file=rel, line=line))
    _read(config)
    return config


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8-sig", errors="replace")


def _parse(text: str, rel: str, suffix: str) -> tuple[Any, dict[str, int], list[tuple[int, str]]]:
    if suffix == ".json":
        try:
            return json.loads(text), {}, []
        except json.JSONDecodeError as exc:
            raise UserError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=rel, line=exc.lineno) from None
    if suffix in (".yaml", ".yml"):
        return _parse_yaml(text, rel)
    from .ts_literal import TsSyntaxError, parse_config_module

    try:
        result = parse_config_module(text)
    except TsSyntaxError as exc:
        raise UserError(
            f"syntax error: {exc.message} (column {exc.column})",
            file=rel,
            line=exc.line,
            hint="farm.config is read without running it: the default export must be an object literal",
        ) from None
    return result.value, result.lines, [(n.line, n.message) for n in result.notes]


def _parse_yaml(text: str, rel: str) -> tuple[Any, dict[str, int], list[tuple[int, str]]]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise UserError(f"invalid YAML: {exc.problem}", file=rel, line=line) from None
    lines: dict[str, int] = {}

    def walk(node: Any, prefix: str) -> None:
        if hasattr(node, "lc") and isinstance(node, dict):
            for key, value in node.items():
                dotted = f"{prefix}{key}"
                with contextlib.suppress(KeyError, TypeError):
                    lines[dotted] = node.lc.key(key)[0] + 1
                walk(value, dotted + ".")

    walk(data, "")
    return _plain(data), lines, []


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


# --------------------------------------------------------------------------- reading


def _fail(
    config: FarmConfig, key: str, message: str, value: Any = None, valid: tuple[str, ...] | None = None
) -> UserError:
    return UserError(
        message,
        file=config.file,
        line=config.line(key),
        key=key,
        value=_show(value),
        valid=valid,
    )


def _show(value: Any) -> Any:
    if isinstance(value, EnvRef):
        return f"process.env.{value.name}"
    if isinstance(value, Expr):
        return value.source
    return value


def _string(config: FarmConfig, key: str, value: Any, *, env_default: bool = True) -> str | None:
    """A plain string, or the default of `process.env.X ?? 'default'`."""
    if value is None:
        return None
    if isinstance(value, EnvRef):
        return _string(config, key, value.default) if env_default and value.default is not None else None
    if isinstance(value, str):
        return value
    raise _fail(config, key, "expected a string", value)


def _bool(config: FarmConfig, key: str, value: Any, default: bool | None) -> bool | None:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, EnvRef | Expr):
        # decided at run time: treat as on, and say so
        config.findings.append(
            Finding(
                kind="config-note",
                message=f"{key} is computed at run time ({_show(value)}); assumed true",
                file=config.file,
                line=config.line(key),
            )
        )
        return True
    raise _fail(config, key, "expected true or false", value)


def _string_list(config: FarmConfig, key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise _fail(config, key, "expected a list of strings", value)
    out = []
    for item in value:
        if isinstance(item, str):
            out.append(item)
        elif item is not None and not isinstance(item, Expr):
            raise _fail(config, key, "expected a list of strings", item)
    return out


def _read(config: FarmConfig) -> None:
    raw = config.raw
    config.name = _string(config, "name", raw.get("name"))
    config.features = _string_list(config, "features", raw.get("features"))
    _read_database(config, raw.get("database"))
    _read_ai(config, raw.get("ai"))
    _read_deployment(config, raw.get("deployment"))


def _read_database(config: FarmConfig, database: Any) -> None:
    if database is None or database is False:
        return
    if not isinstance(database, dict):
        raise _fail(config, "database", "expected an object such as { type: 'mongodb', url: ... }", database)
    config.database = database
    kind = _string(config, "database.type", database.get("type")) or "mongodb"
    if kind != "mongodb":
        config.findings.append(
            Finding(
                kind="unsupported-database",
                severity="warning",
                message=f"database type {kind!r}: only MongoDB (Atlas) is deployed",
                file=config.file,
                line=config.line("database.type"),
                detail={"type": kind},
            )
        )
    url = database.get("url") or database.get("uri")
    if isinstance(url, EnvRef):
        config.database_url_env = url.name
    default_url = _string(config, "database.url", url)
    if default_url:
        config.database_name = _database_from_uri(default_url)
    name = database.get("name") or database.get("database")
    if isinstance(name, str) and name:
        config.database_name = name


def _database_from_uri(uri: str) -> str | None:
    rest = uri.split("://", 1)[-1]
    if "/" not in rest:
        return None
    path = rest.split("/", 1)[1].split("?", 1)[0]
    return path or None


def _read_ai(config: FarmConfig, ai: Any) -> None:
    if ai is None:
        return
    if not isinstance(ai, dict):
        raise _fail(config, "ai", "expected an object with `providers` and `routing`", ai)
    providers = ai.get("providers") or {}
    if not isinstance(providers, dict):
        raise _fail(config, "ai.providers", "expected an object keyed by provider name", providers)
    result = AIConfig()
    for name, block in providers.items():
        key = f"ai.providers.{name}"
        if block is None or block is False:
            continue
        if not isinstance(block, dict):
            raise _fail(config, key, "expected an object such as { enabled: true, models: [...] }", block)
        result.providers[name] = _provider(config, key, block)
    routing = ai.get("routing") or {}
    if not isinstance(routing, dict):
        raise _fail(config, "ai.routing", "expected an object such as { development: 'ollama' }", routing)
    enabled = {name for name, block in result.providers.items() if block.enabled}
    for stage, provider in routing.items():
        key = f"ai.routing.{stage}"
        value = _string(config, key, provider)
        if not value:
            continue
        result.routing[stage] = value
        if value not in enabled:
            config.findings.append(
                Finding(
                    kind="ai-routing",
                    severity="warning",
                    message=f"{key} names {value!r}, which is not an enabled provider in ai.providers",
                    file=config.file,
                    line=config.line(key),
                    detail={"stage": stage, "provider": value},
                )
            )
    config.ai = result


def _provider(config: FarmConfig, key: str, block: dict[str, Any]) -> AIProviderConfig:
    api_key = block.get("apiKey", block.get("token", block.get("api_key")))
    api_key_env = None
    if isinstance(api_key, EnvRef):
        api_key_env = api_key.name
    elif isinstance(api_key, str) and api_key:
        # A literal key in a committed file: report it, never copy it.
        config.findings.append(
            Finding(
                kind="secret",
                severity="error",
                message=f"{key}.apiKey holds a literal key; read it from the environment instead",
                file=config.file,
                line=config.line(f"{key}.apiKey") or config.line(f"{key}.token"),
                detail={"variable": f"{key}.apiKey"},
            )
        )
    gpu = block.get("gpu")
    return AIProviderConfig(
        enabled=bool(_bool(config, f"{key}.enabled", block.get("enabled"), default=True)),
        models=_string_list(config, f"{key}.models", block.get("models")),
        default_model=_string(config, f"{key}.defaultModel", block.get("defaultModel")),
        url=_string(config, f"{key}.url", block.get("url", block.get("baseUrl"))),
        gpu=_bool(config, f"{key}.gpu", gpu, default=None) if gpu is not None else None,
        api_key_env=api_key_env,
    )


def _read_deployment(config: FarmConfig, deployment: Any) -> None:
    if deployment is None:
        return
    if not isinstance(deployment, dict):
        raise _fail(config, "deployment", "expected an object", deployment)
    regions = deployment.get("regions")
    if regions is not None:
        region_list = _string_list(config, "deployment.regions", regions)
        if not region_list:
            raise _fail(config, "deployment.regions", "expected at least one region", regions)
        config.deployment["regions"] = region_list
    for aliases, target, valid in DEPLOYMENT_CHOICES.values():
        for alias in aliases:
            if alias in deployment:
                key = f"deployment.{alias}"
                value = _string(config, key, deployment[alias])
                if value not in valid:
                    raise _fail(config, key, f"unknown {alias} {value!r}", value, valid)
                config.deployment[target] = value
                break
    for aliases, target in DEPLOYMENT_FLAGS.values():
        for alias in aliases:
            if alias in deployment:
                config.deployment[target] = _bool(config, f"deployment.{alias}", deployment[alias], default=None)
                break
    platforms = deployment.get("platforms")
    if platforms is not None:
        config.platforms = _string_list(config, "deployment.platforms", platforms)
