"""The environment each stage's API and front end need, with validation rules.

Names, sources and rules only: a secret's value never passes through here. The
`source` says where the deployment takes each value from: `plan` (the value is
in the plan), `config:farm:<key>` (a Pulumi secret in stack config) or
`output:<component>.<name>` (known once that component exists).
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from .models import DeploymentRequirements, EnvRule, EnvVar, StagePlan
from .stack_config import NAMESPACE

STAGE_NAMES = {"dev": "development", "staging": "staging", "prod": "production"}
AI_PROVIDERS = ["ollama", "openai", "huggingface"]
MONGODB_URI_PATTERN = r"^mongodb(\+srv)?://"
WEB_URL_ENV_BY_FRAMEWORK = {"vite": "VITE_API_URL", "nextjs": "NEXT_PUBLIC_API_URL", "cra": "REACT_APP_API_URL"}


def _var(name: str, value: str | None = None, *, source: str = "plan", target: str = "api", **rule: object) -> EnvVar:
    return EnvVar(name=name, target=target, value=value, source=source, rule=EnvRule(**rule))  # type: ignore[arg-type]


def _secret(name: str, source: str, *, target: str = "api", **rule: object) -> EnvVar:
    return EnvVar(name=name, target=target, secret=True, source=source, rule=EnvRule(**rule))  # type: ignore[arg-type]


# Settings the deployment hands the API, by role: (conventional name, names apps read for it).
# The plan uses the names the app reads; the conventional one only when it reads none (then warns).
ROLE_NAMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "cors": (
        "CORS_ORIGINS",
        ("CORS_ORIGINS", "ALLOWED_ORIGINS", "BACKEND_CORS_ORIGINS", "CORS_ALLOW_ORIGINS", "CORS_ALLOWED_ORIGINS"),
    ),
    "db_name": (
        "DATABASE_NAME",
        (
            "DATABASE_NAME",
            "MONGODB_DB",
            "MONGODB_DATABASE",
            "MONGODB_DB_NAME",
            "MONGODB_NAME",
            "MONGO_DB",
            "MONGO_DATABASE",
            "MONGO_DB_NAME",
            "DB_NAME",
        ),
    ),
    "ollama_url": ("OLLAMA_URL", ("OLLAMA_URL", "OLLAMA_HOST", "OLLAMA_BASE_URL", "OLLAMA_API_BASE")),
    "model": ("AI_DEFAULT_MODEL", ("AI_DEFAULT_MODEL", "DEFAULT_MODEL", "LLM_MODEL", "MODEL_NAME", "AI_MODEL")),
}
# The primary provider's own model variable comes first: `OLLAMA_MODEL` names the Ollama model.
MODEL_NAMES_BY_PROVIDER = {
    "ollama": ("OLLAMA_MODEL",),
    "openai": ("OPENAI_MODEL",),
    "huggingface": ("HUGGINGFACE_MODEL", "HF_MODEL"),
}
# Tuning knobs the plan offers; set only when the app reads them (or when the scan saw no reads at all).
OPTIONAL_NAMES = frozenset(
    {
        "ENVIRONMENT",
        "LOG_LEVEL",
        "AI_PROVIDER",
        "AI_FALLBACK_PROVIDER",
        "AI_MAX_TOKENS",
        "AI_TEMPERATURE",
        "AI_TIMEOUT",
        "AI_CACHE_ENABLED",
        "AI_RATE_LIMITING",
    }
)
# Where the API publishes its AI request count, for the Ollama service's scale-from-zero alarm.
AI_METRIC_ENV = "AI_REQUEST_METRIC_NAMESPACE"


def _reads(req: DeploymentRequirements) -> set[str]:
    return {n.upper() for n in (req.api.read_env if req.api else [])}


def role_names(role: str, reads: set[str], *, provider: str | None = None) -> tuple[list[str], bool]:
    """(the names to set for `role`, whether they are the app's own). Every name the app reads for it."""
    conventional, known = ROLE_NAMES[role]
    candidates = (*MODEL_NAMES_BY_PROVIDER.get(provider or "", ()), *known) if role == "model" else known
    own = [n for n in candidates if n in reads]
    return (own, True) if own else ([conventional], False)


def build_env(plan: StagePlan, req: DeploymentRequirements) -> list[EnvVar]:
    """Every variable the stage's API and front end need, in a stable order, under the names the app reads."""
    env, _ = build_env_with_warnings(plan, req)
    return env


def build_env_with_warnings(plan: StagePlan, req: DeploymentRequirements) -> tuple[list[EnvVar], list[str]]:
    c = plan.components
    reads = _reads(req)
    guessed: list[str] = []

    def named(role: str, provider: str | None = None) -> list[str]:
        names, own = role_names(role, reads, provider=provider)
        if not own:
            guessed.append(names[0])
        return names

    env: list[EnvVar] = [
        _var("ENVIRONMENT", STAGE_NAMES[plan.stage], type="enum", choices=list(STAGE_NAMES.values())),
        _var(
            "LOG_LEVEL",
            "debug" if plan.stage == "dev" else "info",
            type="enum",
            choices=["debug", "info", "warning", "error"],
        ),
    ]
    if c.web != "none":
        env += [_var(n, source="output:web.url", pattern=r"^https?://\S+(,https?://\S+)*$") for n in named("cors")]
    if c.db != "none" or req.has_database:
        uri_env = plan.db.uri_env
        source = "output:db.connectionString" if c.db != "none" else "output:mongodb.url"
        env.append(_secret(uri_env, source, pattern=MONGODB_URI_PATTERN))
        env += [_var(n, plan.db.database_name, pattern=r"^[A-Za-z0-9_-]{1,63}$") for n in named("db_name")]
    env += _ai_env(plan, named)
    if c.web != "none":
        name = plan.web.api_url_env or WEB_URL_ENV_BY_FRAMEWORK.get(plan.web.framework, "VITE_API_URL")
        env.append(_var(name, source="output:api.url", target="web", type="url"))
    if reads:
        env = [v for v in env if not (v.target == "api" and v.name in OPTIONAL_NAMES and v.name not in reads)]
    warnings = []
    unread = [v.name for v in env if v.target == "api" and v.name.upper() not in reads]
    if guessed and reads:
        warnings.append(
            f"the app reads no variable the plan knows for {', '.join(guessed)}: set under that conventional name; "
            "rename it in the app's settings or set the app's own name with farm:apiEnv"
        )
    if unread:
        warnings.append(
            f"the plan sets {', '.join(unread)} for the API, which its code does not read "
            + ("(the scan found no environment reads)" if not reads else "")
        )
    return env, [w.rstrip() for w in warnings]


def operator_env(
    env: list[EnvVar], api_env: dict[str, str], secret_names: list[str], required: list[str]
) -> tuple[list[EnvVar], list[str]]:
    """The plan's variables with the operator's `farm:apiEnv` / `farm:apiSecrets` added.

    An operator's variable replaces a planned one of the same name (the operator
    knows the app). Variables the app requires with no default and that nobody
    provides come back as warnings: the API would fail at start-up.
    """
    mine = set(api_env) | set(secret_names)
    out = [v for v in env if not (v.target == "api" and v.name in mine)]
    out += [_var(name, value, source=f"config:{NAMESPACE}:apiEnv") for name, value in sorted(api_env.items())]
    out += [_secret(name, f"config:{NAMESPACE}:apiSecrets.{name}") for name in secret_names]
    provided = {v.name.upper() for v in out if v.target == "api"}
    warnings = [
        f"the app requires {name} from the environment (no default) and the plan does not set it: "
        f"pulumi config set --path '{NAMESPACE}:apiEnv.{name}' <value> (or --secret --path '{NAMESPACE}:apiSecrets.{name}')"
        for name in sorted(set(required))
        if name.upper() not in provided
    ]
    return out, warnings


def _ai_env(plan: StagePlan, named) -> list[EnvVar]:  # type: ignore[no-untyped-def]
    ai = plan.ai
    if plan.components.ai == "none":
        return []
    provider = "ollama" if ai.provider.startswith("ollama") else ai.provider
    out = [_var("AI_PROVIDER", provider, type="enum", choices=AI_PROVIDERS)]
    if ai.fallback_provider:
        out.append(_var("AI_FALLBACK_PROVIDER", ai.fallback_provider, type="enum", choices=AI_PROVIDERS))
    for name in (provider, ai.fallback_provider):
        # A fallback's key is optional: without it the fallback is off, not the deployment.
        required = name == provider
        if name == "ollama":
            out += [_var(n, source="output:ollama.url", type="url") for n in named("ollama_url")]
        elif name == "openai":
            out.append(_secret("OPENAI_API_KEY", "config:farm:openaiApiKey", pattern=r"^sk-", required=required))
        elif name == "huggingface":
            out.append(_secret("HUGGINGFACE_TOKEN", "config:farm:huggingfaceToken", pattern=r"^hf_", required=required))
    if ai.default_model:
        out += [_var(n, ai.default_model) for n in named("model", provider)]
    if ai.scale_to_zero and provider == "ollama":
        out.append(_var(AI_METRIC_ENV, ai.request_metric_namespace))
    out += [
        _var("AI_MAX_TOKENS", "1000", type="int"),
        _var("AI_TEMPERATURE", "0.7", pattern=r"^(0(\.\d+)?|1(\.0+)?|2(\.0+)?|1\.\d+)$"),
        _var("AI_TIMEOUT", "60000" if provider == "ollama" else "30000", type="int"),
    ]
    if plan.stage == "prod":
        out += [_var("AI_CACHE_ENABLED", "true", type="bool"), _var("AI_RATE_LIMITING", "true", type="bool")]
    return out


# --------------------------------------------------------------------------- validation

_BOOLS = {"true", "false", "1", "0", "yes", "no"}


def _is_url(value: str) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def check_value(var: EnvVar, value: str) -> str | None:
    """Why `value` breaks the variable's rule, or None. Never echoes a secret."""
    rule = var.rule
    shown = "(hidden)" if var.secret else repr(value)
    if rule.type == "url" and not _is_url(value):
        return f"{var.name} is not a valid URL: {shown}"
    if rule.type == "int" and not re.fullmatch(r"-?\d+", value):
        return f"{var.name} is not an integer: {shown}"
    if rule.type == "bool" and value.lower() not in _BOOLS:
        return f"{var.name} is not a boolean (true/false): {shown}"
    if rule.type == "enum" and rule.choices and value not in rule.choices:
        return f"{var.name} must be one of {', '.join(rule.choices)}: {shown}"
    if rule.pattern and not re.search(rule.pattern, value):
        return f"{var.name} does not match the required pattern {rule.pattern}: {shown}"
    return None


def validate_env(plan: StagePlan, values: dict[str, str], *, complete: bool = False) -> tuple[list[str], list[str]]:
    """Check a set of values (e.g. an env file) against the stage's rules.

    A missing required variable is an error when the operator must provide it
    (config secrets, or every variable with `complete=True`, for a running
    environment); one the deployment fills in is a warning.
    """
    errors: list[str] = []
    warnings: list[str] = []
    for var in plan.env:
        value = values.get(var.name)
        if value is None or value == "":
            if not var.rule.required or (var.value is not None and not complete):
                continue
            if complete or var.source.startswith("config:"):
                hint = f" (from {var.source})" if var.source.startswith("config:") else ""
                errors.append(f"required environment variable {var.name} is missing{hint}")
            else:
                warnings.append(f"{var.name} is not set here; the deployment fills it from {var.source}")
            continue
        problem = check_value(var, value)
        if problem:
            errors.append(problem)
        elif var.value is not None and value != var.value and not var.secret:
            warnings.append(f"{var.name}={value!r} differs from the plan's {var.value!r}")

    provider = values.get("AI_PROVIDER") or next((v.value for v in plan.env if v.name == "AI_PROVIDER"), None)
    if (
        provider == "openai"
        and not values.get("OPENAI_API_KEY")
        and not any(e.startswith("required environment variable OPENAI_API_KEY") for e in errors)
    ):
        errors.append("OPENAI_API_KEY is required when AI_PROVIDER is openai")
    if provider == "ollama" and not values.get("OLLAMA_URL"):
        warnings.append("OLLAMA_URL not set: the app would fall back to http://localhost:11434")
    known = {v.name for v in plan.env}
    for name in sorted(set(values) - known):
        warnings.append(f"{name} is not used by the {plan.stage} plan")
    return errors, warnings
