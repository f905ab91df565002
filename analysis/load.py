"""Read an app repository into an `AppAnalysis`.

`analyze_app(path)` is the only entry point: it checks the path, reads
`farm.config.*` (analysis.farm_config), walks the repository once
(analysis.scan) and assembles what the detectors found into the API, web and
database facts and the seed's `DeploymentRequirements`, keeping for each
requirement the findings that justify it (`evidence`). No Pulumi import, no
network, no code from the app is run.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path, PurePosixPath

from .env_reads import read_env
from .errors import UserError
from .farm_config import SUPPORTED_PROVIDERS, FarmConfig, find_farm_config, load_farm_config
from .models import ApiFacts, AppAnalysis, DatabaseFacts, DeploymentRequirements, Finding, WebFacts
from .scan import Inventory, scan

DRIVER_ORDER = ("motor", "pymongo", "beanie", "odmantic", "mongoengine")
# folders that conventionally hold the API or the front end, best first
API_DIR_NAMES = ("api", "backend", "server", "app", "src", "service")
WEB_DIR_NAMES = ("web", "frontend", "client", "ui", "app", "www", "site")
LOCK_FILES = (
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("bun.lockb", "bun"),
    ("bun.lock", "bun"),
    ("pnpm-workspace.yaml", "pnpm"),
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
)
DEV_REQUIREMENT_WORDS = ("dev", "test", "lint", "doc", "ci", "local")


def analyze_app(path: str | os.PathLike[str]) -> AppAnalysis:
    root = _check_path(path)
    config_path = find_farm_config(root)
    config = load_farm_config(config_path, root) if config_path else None
    result = scan(root)
    findings = list(result.findings)
    if config is not None:
        findings.extend(config.findings)
    api = _api_facts(root, path, findings, result.inventory)
    if api is not None:
        api.read_env = read_env(root / api.root)
    web = _web_facts(findings, result.inventory)
    requirements = _requirements(config, findings, api, web, result.inventory)
    findings.sort(key=lambda f: (f.file, f.line or 0, f.kind))
    return AppAnalysis(
        app_path=str(path),
        farm_config_file=config.file if config else None,
        requirements=requirements,
        findings=findings,
    )


def _check_path(path: str | os.PathLike[str]) -> Path:
    root = Path(path)
    if not root.exists():
        raise UserError(
            "app path does not exist",
            file=str(path),
            hint="give the folder holding the FARM app (farm.config.ts, the FastAPI code)",
        )
    if not root.is_dir():
        raise UserError("app path is a file, not a folder", file=str(path), hint="give the app's root folder")
    try:
        with os.scandir(root):
            pass
    except OSError as exc:
        raise UserError(f"cannot read the app folder: {exc.strerror or exc}", file=str(path)) from None
    return root


# --------------------------------------------------------------------------- helpers


def _parent(rel: str) -> str:
    parent = PurePosixPath(rel).parent.as_posix()
    return "." if parent in ("", ".") else parent


def _ancestors(folder: str) -> list[str]:
    """folder, its parent, ... up to "." (all relative to the app root)."""
    out = [folder]
    while folder != ".":
        folder = _parent(folder)
        out.append(folder)
    return out


def _under(rel: str, folder: str) -> bool:
    return folder == "." or rel == folder or rel.startswith(folder + "/")


def _join(folder: str, rel: str) -> str:
    return rel if folder == "." else f"{folder}/{rel}"


def _relative(rel: str, folder: str) -> str:
    return rel if folder == "." else rel[len(folder) + 1 :]


def _of(findings: list[Finding], kind: str) -> list[Finding]:
    return [f for f in findings if f.kind == kind]


# --------------------------------------------------------------------------- API


def _api_root(app: Finding, inventory: Inventory, dependency_dirs: set[str]) -> str:
    """The folder the entry module is importable from (`uvicorn <module>:app` run there)."""
    folder = _parent(app.file)
    root = folder
    # climb over packages (folders with __init__.py)
    while root != "." and inventory.has(root, "__init__.py"):
        root = _parent(root)
    # relative imports need at least one package level, even a namespace package
    if root == folder and folder != "." and app.detail.get("relative_imports") == "true":
        root = _parent(folder)
    # `from app.core import x` inside backend/app/main.py: backend is the root
    absolute = set(filter(None, app.detail.get("absolute_imports", "").split(",")))
    by_imports = None
    for ancestor in _ancestors(folder):
        if ancestor != "." and PurePosixPath(ancestor).name in absolute:
            by_imports = _parent(ancestor)
    if by_imports is not None:
        # the code's own absolute imports say where it runs from: that wins
        return by_imports if len(_ancestors(by_imports)) < len(_ancestors(root)) else root
    # no dependency file between root and the module, one just above: run from there
    between = [a for a in _ancestors(folder) if _under(a, root)]
    if not any(a in dependency_dirs for a in between):
        for ancestor in _ancestors(root)[1:]:
            if ancestor in dependency_dirs:
                path = _relative(folder, ancestor).split("/") if folder != ancestor else []
                if all(p.isidentifier() for p in path):
                    root = ancestor
                break
    return root


def _sibling_imports(app: Finding, inventory: Inventory, api_root: str) -> list[str]:
    """Top-level imports of the entry module that name modules beside it but not under `api_root`.

    `from routes import chat` in src/main.py only works when src/ is on the import path: run from
    the API root (where the dependency files are), it fails at start-up.
    """
    folder = _parent(app.file)
    if folder == api_root:
        return []
    heads = sorted(filter(None, app.detail.get("absolute_imports", "").split(",")))

    def present(where: str, head: str) -> bool:
        return inventory.has(where, f"{head}.py") or _join(where, head) in inventory.dirs

    return [h for h in heads if present(folder, h) and not present(api_root, h)]


def _app_rank(app: Finding) -> tuple[int, int, str]:
    name = PurePosixPath(app.file).name
    parts = app.file.split("/")
    score = 0
    score += 4 if app.detail.get("attribute") == "app" else 0
    score += 3 if name in ("main.py", "app.py", "server.py", "asgi.py", "index.py", "api.py") else 0
    score += 2 if any(p in API_DIR_NAMES for p in parts[:-1]) else 0
    return (-score, len(parts), app.file)


def _api_facts(root: Path, path: str | os.PathLike[str], findings: list[Finding], inventory: Inventory) -> ApiFacts:
    apps = [f for f in _of(findings, "fastapi-app") if f.detail.get("built_by") != "imported-factory"]
    if not apps and any("fastapi" in f.detail.get("packages", "").split(",") for f in _of(findings, "dependency-file")):
        # only `app = create_app()` with the factory elsewhere: trust it when the API depends on fastapi
        apps = _of(findings, "fastapi-app")
    broken = _of(findings, "python-syntax-error")
    if not apps and broken:
        first = min(broken, key=_app_rank)
        raise UserError(
            f"no FastAPI app found: the module that builds it does not parse ({first.detail['error']})",
            file=os.path.join(str(path), first.file),
            line=first.line,
            hint="fix the syntax error (python -m py_compile shows it); the analyzer reads the code without running it",
        )
    if not apps:
        raise UserError(
            "no FastAPI app found",
            file=str(path),
            hint=f"looked through {inventory.python_files} Python file(s) (tests, docs, examples, node_modules and "
            "virtualenvs skipped); expected a module-level `app = FastAPI(...)`",
        )
    app = min(apps, key=_app_rank)
    dependency_findings = _of(findings, "dependency-file")
    dependency_dirs = {_parent(f.file) for f in dependency_findings}
    api_root = _api_root(app, inventory, dependency_dirs)
    siblings = _sibling_imports(app, inventory, api_root)
    if siblings:
        import_dir = _relative(_parent(app.file), api_root)
        findings.append(
            Finding(
                kind="api-import-path",
                severity="warning",
                message=f"{app.file} imports {', '.join(siblings)} as top-level modules, so it runs with "
                f"{_parent(app.file)} on the import path, but its dependency files are in {api_root}: make those "
                f"imports relative (from .{siblings[0]} import ...) or set PYTHONPATH={import_dir} in the image",
                file=app.file,
                line=app.line,
                detail={"modules": ",".join(siblings), "import_dir": import_dir},
            )
        )
    module = _relative(app.file, api_root)[:-3].replace("/", ".")
    if module.endswith(".__init__"):
        module = module[: -len(".__init__")]
    entrypoint = f"{module}:{app.detail['attribute']}"

    dep_files = _dependency_files(dependency_findings, api_root, findings)
    packages: list[str] = []
    main = [f for f in dep_files if not _is_dev_requirements(f.file)] or dep_files
    for f in main:
        for name in f.detail.get("packages", "").split(","):
            if name and name not in packages:
                packages.append(name)

    dockerfile, port, docker_python = _dockerfile(findings, api_root)
    python_version = _python_version(findings, api_root) or docker_python or "3.12"
    return ApiFacts(
        root=api_root,
        entrypoint=entrypoint,
        python_version=python_version,
        dependency_files=[f.file for f in dep_files],
        dependencies=packages,
        dockerfile=dockerfile,
        port=port,
        health_path=_health_path(app, findings),
        required_env=_required_env(findings, api_root),
    )


def _required_env(findings: list[Finding], api_root: str) -> list[str]:
    """Variables the API's code reads with no default. Only the API root counts: it is the image's build
    context, so code elsewhere in the repository (another service, a worker) is not what the API runs."""
    return sorted({f.detail["env"] for f in _of(findings, "required-env") if _under(f.file, api_root)})


def _is_dev_requirements(rel: str) -> bool:
    name = PurePosixPath(rel).name.lower()
    return name.startswith("requirement") and any(w in name for w in DEV_REQUIREMENT_WORDS)


def _dependency_files(dependency_findings: list[Finding], api_root: str, findings: list[Finding]) -> list[Finding]:
    """Dependency files for the API: its own folder first, then its ancestors, then odd places."""
    web_roots = {_parent(f.file) for f in _of(findings, "frontend") if _parent(f.file) != "."}
    ancestors = _ancestors(api_root)

    def rank(f: Finding) -> tuple[int, int, int, str]:
        folder = _parent(f.file)
        if _under(folder, api_root):
            place = 0
            distance = len(_ancestors(folder)) - len(ancestors)
        elif folder in ancestors:
            place, distance = 1, ancestors.index(folder)
        else:
            place, distance = 2, len(_ancestors(folder))
        name = PurePosixPath(f.file).name
        kind = 0 if name == "requirements.txt" else 1 if name in ("pyproject.toml", "Pipfile") else 2
        return (place, distance, kind + (3 if _is_dev_requirements(f.file) else 0), f.file)

    chosen = [f for f in dependency_findings if not any(_under(f.file, w) for w in web_roots)]
    return sorted(chosen, key=rank)


def _dockerfile(findings: list[Finding], api_root: str) -> tuple[str | None, int, str | None]:
    candidates = [f for f in _of(findings, "dockerfile") if _under(f.file, api_root)]
    candidates.sort(key=lambda f: (f.detail.get("serves_python") != "true", f.file.count("/"), f.file))
    if not candidates:
        return None, 8000, None
    best = candidates[0]
    port = best.detail.get("port")
    return best.file, int(port) if port and port.isdigit() else 8000, best.detail.get("python_version")


def _python_version(findings: list[Finding], api_root: str) -> str | None:
    ancestors = _ancestors(api_root)
    versions = [f for f in _of(findings, "python-version") if _parent(f.file) in ancestors]
    versions.sort(key=lambda f: ancestors.index(_parent(f.file)))
    return versions[0].detail["version"] if versions else None


def _health_path(app: Finding, findings: list[Finding]) -> str:
    includes: dict[str, str] = json.loads(app.detail.get("includes", "{}"))
    app_module = app.detail.get("module_path", "")
    paths = []
    for route in _of(findings, "health-route"):
        module = route.detail.get("module_path", "")
        path = route.detail["path"]
        if module == app_module:
            paths.append(path)
            continue
        for included, prefix in includes.items():
            if module == included or module.endswith("." + included):
                full, unresolved = _resolve_template(prefix + path, findings)
                if not unresolved:
                    paths.append(full)
                break
    if not paths:
        probe, why = _openapi_path(app, findings)
        findings.append(
            Finding(
                kind="no-health-route",
                severity="warning",
                message=f"no health check route found (e.g. @app.get('/api/health')): the load balancer will probe "
                f"{probe}{why}",
                file=app.file,
                line=app.line,
            )
        )
        return probe
    paths.sort(key=lambda p: (not p.endswith("/health"), p.count("/"), len(p), p))
    return paths[0]


def _resolve_template(template: str, findings: list[Finding]) -> tuple[str, list[str]]:
    """`{API_V1_STR}/openapi.json` -> `/api/v1/openapi.json` from the path constants found; names left over."""
    constants: dict[str, str] = {}
    for f in _of(findings, "path-constant"):
        constants.setdefault(f.detail["name"].upper(), f.detail["path"])
    unresolved: list[str] = []

    def resolve(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.upper() in constants:
            return constants[name.upper()]
        unresolved.append(name)
        return ""

    return re.sub(r"\{(\w+)\}", resolve, template).replace("//", "/"), unresolved


def _openapi_path(app: Finding, findings: list[Finding]) -> tuple[str, str]:
    """Where the app serves its OpenAPI document (the probe of last resort), and a note when unsure."""
    template = app.detail.get("openapi_url")
    if template is None:
        return "/openapi.json", ""
    if template == "":
        return "/", " (openapi_url=None switches the OpenAPI document off; add a health route)"
    path, unresolved = _resolve_template(template, findings)
    if unresolved or not path.startswith("/"):
        return "/openapi.json", f" (openapi_url is computed from {', '.join(unresolved) or template}: check it)"
    return path, ""


# --------------------------------------------------------------------------- web


def _web_rank(f: Finding) -> tuple[int, int, str]:
    folder = _parent(f.file)
    name = PurePosixPath(folder).name
    score = 2 if f.detail.get("react") == "true" else 0
    score += 1 if name in WEB_DIR_NAMES else 0
    return (-score, folder.count("/") if folder != "." else -1, folder)


def _web_facts(findings: list[Finding], inventory: Inventory) -> WebFacts | None:
    frontends = _of(findings, "frontend")
    if not frontends:
        return None
    best = min(frontends, key=_web_rank)
    root = _parent(best.file)
    framework = best.detail["framework"]
    declared = {_parent(f.file): f.detail["package_manager"] for f in _of(findings, "package-manager")}
    manager = best.detail.get("package_manager") or _lock_manager(root, inventory, declared)
    if manager not in ("npm", "pnpm", "yarn", "bun"):
        manager = "npm"
    if best.detail.get("has_build_script") == "true":
        build = "yarn build" if manager == "yarn" else f"{manager} run build"
    else:
        tool = {"vite": "vite build", "cra": "react-scripts build", "nextjs": "next build"}.get(framework) or {
            "farm": "farm build",
            "rsbuild": "rsbuild build",
            "webpack": "webpack",
            "parcel": "parcel build",
        }.get(best.detail.get("bundler", ""), "vite build")
        build = f"npx {tool}"
    configs = [f for f in _of(findings, "build-config") if _parent(f.file) == root]
    output = {"vite": "dist", "cra": "build", "nextjs": ".next"}.get(framework, "dist")
    output = best.detail.get("output_dir", output)
    for cfg in configs:
        if cfg.detail.get("output_dir"):
            output = cfg.detail["output_dir"]
    if framework == "nextjs" and output != "out":
        findings.append(
            Finding(
                kind="nextjs-server-rendering",
                severity="warning",
                message="Next.js without `output: 'export'` needs a server (Vercel or a container): "
                "it cannot be served from a bucket",
                file=configs[0].file if configs else best.file,
                line=configs[0].line if configs else best.line,
            )
        )
    env_names = [f.detail["env"] for f in _of(findings, "frontend-env") if _under(f.file, root)]
    return WebFacts(
        root=root,
        framework=framework,
        build_command=build,
        output_dir=output,
        package_manager=manager,  # type: ignore[arg-type]
        api_url_env=_api_url_env(env_names),
    )


def _lock_manager(root: str, inventory: Inventory, declared: dict[str, str]) -> str:
    for folder in _ancestors(root):
        if folder in declared:
            return declared[folder]
        for name, manager in LOCK_FILES:
            if inventory.has(folder, name):
                return manager
    return "npm"


def _api_url_env(names: list[str]) -> str | None:
    for words in (("API",), ("BACKEND",), ("SERVER",), ("URL", "HOST")):
        for name in names:
            if any(w in name for w in words):
                return name
    return None


# --------------------------------------------------------------------------- requirements


def _config_finding(config: FarmConfig, kind: str, key: str, message: str, **detail: str) -> Finding:
    return Finding(kind=kind, message=message, file=config.file, line=config.line(key), detail=detail)


def _database_facts(config: FarmConfig | None, findings: list[Finding], api: ApiFacts) -> DatabaseFacts:
    drivers = {f.detail["driver"] for f in _of(findings, "mongodb-driver")}
    seen = [f for f in _of(findings, "mongodb-uri-env") if _under(f.file, api.root)] or _of(findings, "mongodb-uri-env")
    # the variable handed to the client constructor beats names that merely look like a URI
    seen = [f for f in seen if f.detail.get("source") == "client-argument"] or seen
    counts = Counter(f.detail["env"] for f in seen)
    if counts:
        # the name read most often; on a tie the first one met (findings come in walk order)
        uri_env = max(dict.fromkeys(f.detail["env"] for f in seen), key=counts.__getitem__)
    elif config is not None and config.database_url_env:
        uri_env = config.database_url_env
    else:
        uri_env = "MONGODB_URL"
    chosen = next((f for f in seen if f.detail["env"] == uri_env), None)
    if chosen is not None and chosen.detail.get("part") == "host":
        findings.append(
            Finding(
                kind="mongodb-uri-parts",
                severity="warning",
                message=f"the app passes {uri_env} to the MongoDB client as a host, with the port, user and "
                f"password from other variables: farm-deploy sets {uri_env} to the full connection string "
                "(the client accepts one there); leave the user and password variables unset",
                file=chosen.file,
                line=chosen.line,
                detail={"env": uri_env},
            )
        )
    _missing_driver_dependencies(findings, api)
    names = _of(findings, "mongodb-database")
    if names:
        database_name = names[0].detail["name"]
    elif config is not None and config.database_name:
        database_name = config.database_name
    else:
        database_name = "app"
    return DatabaseFacts(
        drivers=[d for d in DRIVER_ORDER if d in drivers],
        uri_env=uri_env,
        database_name=database_name,
    )


# a driver import is satisfied by these distributions (beanie installs motor, motor installs pymongo, ...)
DRIVER_PROVIDERS = {
    "motor": ("motor", "beanie"),
    "pymongo": ("pymongo", "motor", "beanie", "odmantic", "mongoengine"),
    "beanie": ("beanie",),
    "odmantic": ("odmantic",),
    "mongoengine": ("mongoengine",),
}


def _missing_driver_dependencies(findings: list[Finding], api: ApiFacts) -> None:
    """A MongoDB driver the API imports but no dependency file installs: the image would fail on import."""
    if not api.dependency_files:
        return
    installed = set(api.dependencies)
    reported = set()
    for f in _of(findings, "mongodb-driver"):
        driver = f.detail["driver"]
        if driver in reported or not _under(f.file, api.root):
            continue
        if not installed.intersection(DRIVER_PROVIDERS.get(driver, (driver,))):
            reported.add(driver)
            findings.append(
                Finding(
                    kind="missing-dependency",
                    severity="warning",
                    message=f"{driver} is imported but not in {', '.join(api.dependency_files)}: "
                    "the API would fail on import once deployed",
                    file=f.file,
                    line=f.line,
                    detail={"package": driver},
                )
            )


def _requirements(
    config: FarmConfig | None,
    findings: list[Finding],
    api: ApiFacts,
    web: WebFacts | None,
    inventory: Inventory,
) -> DeploymentRequirements:
    evidence: dict[str, list[Finding]] = {}
    features = list(config.features) if config else []
    feature_findings: dict[str, Finding] = {}
    if config is not None:
        for index, feature in enumerate(features):
            key = f"features.{index}" if config.line(f"features.{index}") else "features"
            feature_findings[feature] = _config_finding(
                config, "feature", key, f"farm.config feature {feature!r}", feature=feature
            )
        findings.extend(feature_findings.values())

    # AI: enabled providers in farm.config plus providers the code actually uses
    providers: list[str] = []
    unsupported: list[str] = []
    ai_evidence: list[Finding] = []
    if config is not None:
        for name, block in config.ai.providers.items():
            if not block.enabled:
                continue
            key = f"ai.providers.{name}"
            if name in SUPPORTED_PROVIDERS:
                finding = _config_finding(
                    config,
                    "ai-provider",
                    key,
                    f"AI provider {name} enabled in farm.config",
                    provider=name,
                    source="farm.config",
                )
            else:
                finding = Finding(
                    kind="unsupported-ai-provider",
                    severity="warning",
                    message=f"AI provider {name} in farm.config is not deployed by farm-deploy: "
                    "supported are ollama, openai and huggingface",
                    file=config.file,
                    line=config.line(key),
                    detail={"provider": name, "source": "farm.config"},
                )
            findings.append(finding)
    for f in findings:
        if f.kind == "ai-provider":
            ai_evidence.append(f)
            if f.detail["provider"] not in providers:
                providers.append(f.detail["provider"])
        elif f.kind == "unsupported-ai-provider":
            ai_evidence.append(f)
            if f.detail["provider"] not in unsupported:
                unsupported.append(f.detail["provider"])
    providers = [p for p in SUPPORTED_PROVIDERS if p in providers]
    has_ai = "ai" in features or bool(providers) or bool(unsupported)
    if has_ai:
        evidence["has_ai"] = ([feature_findings["ai"]] if "ai" in feature_findings else []) + ai_evidence
    if providers:
        evidence["ai_providers"] = [f for f in ai_evidence if f.kind == "ai-provider"]
    if unsupported:
        evidence["unsupported_ai_providers"] = [f for f in ai_evidence if f.kind == "unsupported-ai-provider"]

    def flag(name: str, feature: str | None, kinds: tuple[str, ...]) -> bool:
        hits = [feature_findings[feature]] if feature and feature in feature_findings else []
        hits += [f for f in findings if f.kind in kinds]
        if hits:
            evidence[name] = hits
        return bool(hits)

    has_realtime = flag("has_realtime", "realtime", ("websocket",))
    has_file_storage = flag("has_file_storage", "storage", ("file-upload",))
    writes_local_disk = flag("writes_local_disk", None, ("local-disk-write",))

    database = None
    db_evidence = [f for f in findings if f.kind in ("mongodb-driver", "mongodb-uri-env")]
    if config is not None and config.database is not None:
        db_evidence.insert(
            0,
            _config_finding(
                config,
                "database-config",
                "database",
                f"database {config.database.get('type', 'mongodb')!s} in farm.config",
                type=str(config.database.get("type", "mongodb")),
            ),
        )
        findings.append(db_evidence[0])
    has_database = bool(db_evidence)
    if has_database:
        evidence["has_database"] = db_evidence
        database = _database_facts(config, findings, api)

    # static assets: asset folders, media, or a front end (its build is static files)
    for folder, count in sorted(inventory.asset_dirs.items()):
        findings.append(
            Finding(
                kind="static-assets",
                message=f"{count} static asset file(s) (images, fonts) under {folder}",
                file=folder,
                detail={"count": str(count)},
            )
        )
    for folder, count in sorted(inventory.media_dirs.items()):
        findings.append(
            Finding(
                kind="media-content",
                message=f"{count} audio/video file(s) under {folder}",
                file=folder,
                detail={"count": str(count)},
            )
        )
    cdn_evidence = [f for f in findings if f.kind in ("static-assets", "media-content", "frontend")]
    global_cdn = bool(cdn_evidence)

    settings = dict(config.deployment) if config else {}
    if config is not None:
        for target in settings:
            key = _deployment_key(config, target)
            evidence.setdefault(target, []).append(
                _config_finding(
                    config,
                    "deployment-setting",
                    key,
                    f"{key} = {settings[target]!r} in farm.config",
                    setting=target,
                    value=json.dumps(settings[target]),
                )
            )
            findings.append(evidence[target][-1])
    if "global_cdn" in settings and settings["global_cdn"] is not None:
        global_cdn = bool(settings.pop("global_cdn"))
    else:
        settings.pop("global_cdn", None)
        if cdn_evidence:
            evidence["global_cdn"] = cdn_evidence
    if settings.get("cost_optimization") is None:
        settings.pop("cost_optimization", None)

    return DeploymentRequirements(
        has_ai=has_ai,
        ai_providers=providers,
        unsupported_ai_providers=unsupported,
        has_realtime=has_realtime,
        has_database=has_database,
        has_file_storage=has_file_storage,
        writes_local_disk=writes_local_disk,
        global_cdn=global_cdn,
        features=features,
        api=api,
        web=web,
        database=database,
        ai=config.ai if config else DeploymentRequirements().ai,
        evidence=evidence,
        **settings,
    )


def _deployment_key(config: FarmConfig, target: str) -> str:
    from .farm_config import DEPLOYMENT_CHOICES, DEPLOYMENT_FLAGS

    deployment = config.raw.get("deployment") or {}
    if target == "regions":
        return "deployment.regions"
    for aliases, field_name, *_ in (*DEPLOYMENT_CHOICES.values(), *DEPLOYMENT_FLAGS.values()):
        if field_name == target:
            for alias in aliases:
                if alias in deployment:
                    return f"deployment.{alias}"
    return "deployment"
