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
from typing import TYPE_CHECKING

from .errors import UserError
from .farm_config import SUPPORTED_PROVIDERS, FarmConfig, config_too_large, find_farm_config, load_farm_config
from .models import ApiFacts, AppAnalysis, DatabaseFacts, DeploymentRequirements, Finding, WebFacts
from .requirements_files import DEV_REQUIREMENT_WORDS
from .requirements_files import is_dev_requirements as _is_dev_requirements
from .scan import Inventory, WalkResult, scan
from .scan.detectors.env_reads import KIND as ENV_READ
from .scan.detectors.mongodb import CLIENT_METHODS
from .scan.detectors.uploads import reads_upload_only
from .scan.source import JS_SUFFIXES
from .scan.walker import SKIP_DIRS, TEMPLATE_FILES
from .wording import plural

if TYPE_CHECKING:
    from .scan.prescan import Prescan

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


def analyze_app(path: str | os.PathLike[str], *, prescan: Prescan | None = None) -> AppAnalysis:
    """`prescan`: a forked child already walking `path` (analysis.scan.prescan), taken when it matches."""
    root = _check_path(path)
    config_path = find_farm_config(root)
    oversized = config_too_large(config_path, root) if config_path else None
    config = load_farm_config(config_path, root) if config_path and oversized is None else None
    result, template = _scan(root, prescan)
    findings = [f for f in result.findings if not _shadowed_dockerfile(f, result.inventory)]
    findings = _without_extended_bases(findings)
    if oversized is not None:
        findings = [f for f in findings if f.file != oversized.file] + [oversized]
    if template is not None:
        findings.append(template)
    if config is not None:
        findings.extend(config.findings)
    env_reads = [f for f in findings if f.kind == ENV_READ]
    findings = [f for f in findings if f.kind != ENV_READ]
    api = _api_facts(root, path, findings, result.inventory)
    if api is not None:
        api.read_env = sorted({n for f in env_reads if _under(f.file, api.root) for n in f.detail["names"].split(",")})
    web = _web_facts(findings, result.inventory)
    _mark_scripts(root, api, findings, result.inventory)
    _imported_client_database(root, api, findings, result.inventory)
    _uploads_read_by_helpers(root, api, findings, result.inventory)
    _outside_the_app(findings, api, web)
    _unlinked_public_pages(root, findings, web)
    requirements = _requirements(config, findings, api, web, result.inventory)
    findings.sort(key=lambda f: (f.file, f.line or 0, f.kind))
    return AppAnalysis(
        app_path=str(path),
        farm_config_file=config.file if config else None,
        requirements=requirements,
        findings=findings,
    )


def _scan(root: Path, prescan: Prescan | None = None) -> tuple[WalkResult, Finding | None]:
    """Walk the repository; a template repository (cookiecutter, copier) is walked as what it renders.

    Its `{{cookiecutter.project_slug}}/` folder is walked with the placeholder taken as a literal
    folder name, so paths in the report are the repository's own. That happens when the root holds
    a template definition, or when nothing outside the placeholder folders builds a FastAPI app.
    """
    marker = next((name for name in TEMPLATE_FILES if (root / name).is_file()), None)
    result = scan(root, templates=marker is not None, prescan=prescan)
    skipped = [f for f in result.findings if f.kind == "skipped-template" and "{" in f.file]
    if marker is None and skipped and not _of(result.findings, "fastapi-app"):
        result = scan(root, templates=True)
        marker = skipped[0].file
    if marker is None:
        return result, None
    return result, Finding(
        kind="template-repository",
        severity="warning",
        message=f"template repository ({marker}): analyzed with its {{{{...}}}} placeholders taken as literal "
        "folder names; deploy an app rendered from it rather than the template itself",
        file=marker,
        detail={"template": marker},
    )


def _shadowed_dockerfile(finding: Finding, inventory: Inventory) -> bool:
    """A lowercase `dockerfile` beside a `Dockerfile`: Docker builds the `Dockerfile`, the other is not used."""
    return (
        finding.kind == "dockerfile"
        and PurePosixPath(finding.file).name == "dockerfile"
        and inventory.has(_parent(finding.file), "Dockerfile")
    )


def _without_extended_bases(findings: list[Finding]) -> list[Finding]:
    """Drops the services of a compose-shaped YAML file under another name (common.yaml) that a compose
    file only `extends`: a base of service settings, "not part of the final project"
    (https://docs.docker.com/compose/how-tos/multiple-compose-files/extends/)."""
    bases = {f.detail["extends_file"] for f in findings if f.kind == "compose-service" and "extends_file" in f.detail}
    return [
        f
        for f in findings
        if not (f.kind == "compose-service" and f.detail.get("renamed") == "true" and f.file in bases)
    ]


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


def _repo_text(root: Path, rel: str) -> str | None:
    """A file of the repository as text (replacement characters for bad bytes), None when unreadable."""
    try:
        return (root / rel).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


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
    named = [_parent(a) for a in _ancestors(folder) if a != "." and PurePosixPath(a).name in absolute]
    if named:
        # the code's own absolute imports say where it runs from: that wins; of several folders of
        # that name (backend/app/app), the nearest one whose parent holds the dependency files
        by_imports = next((r for r in named if r in dependency_dirs), named[0])
        return by_imports if len(_ancestors(by_imports)) < len(_ancestors(root)) else root
    if root != folder and app.detail.get("relative_imports") != "true":
        # climbed over an __init__.py, but the module imports its siblings absolutely
        # (`from routes import x` in backend/main.py): it runs from its own folder
        siblings = _siblings(app, absolute, folder, inventory)
        if siblings:
            return folder
    # no dependency file between root and the module, one just above: run from there
    between = [a for a in _ancestors(folder) if _under(a, root)]
    if not any(a in dependency_dirs for a in between):
        siblings = _siblings(app, absolute, folder, inventory)
        for ancestor in _ancestors(root)[1:]:
            if ancestor in dependency_dirs:
                path = _relative(folder, ancestor).split("/") if folder != ancestor else []
                # a requirements file only lists what to install; when the module imports its
                # siblings as top-level modules (`from routes.user import x` in Backend/index.py),
                # it runs from its own folder. A pyproject.toml or Pipfile marks the project's root,
                # where its tools run: that stays the root (with an api-import-path warning)
                project = inventory.has(ancestor, "pyproject.toml") or inventory.has(ancestor, "Pipfile")
                if all(p.isidentifier() for p in path) and (project or not siblings or root != folder):
                    root = ancestor
                break
    return root


def _siblings(app: Finding, absolute: set[str], folder: str, inventory: Inventory) -> list[str]:
    """The absolute imports of the entry module that name a module or package in its own folder.

    `from app.routes import x` inside backend/config/app.py names the package backend/app, never the
    module itself (a plain module has no submodules to import): its own file is no sibling.
    """
    own = PurePosixPath(app.file).stem
    return [
        h for h in absolute if (h != own and inventory.has(folder, f"{h}.py")) or _join(folder, h) in inventory.dirs
    ]


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
    every_app = _of(findings, "fastapi-app")
    imported_calls = [f for f in every_app if f.detail.get("built_by") == "imported-call"]
    every_app = [f for f in every_app if f.detail.get("built_by") != "imported-call"]
    apps = [f for f in every_app if f.detail.get("built_by") not in ("imported-factory", "factory-function")]
    if not apps and any("fastapi" in f.detail.get("packages", "").split(",") for f in _of(findings, "dependency-file")):
        # only `app = create_app()` with the factory elsewhere: trust it when the API depends on fastapi
        apps = [f for f in every_app if f.detail.get("built_by") == "imported-factory"]
    if not apps and imported_calls:
        # `app = create_server()`, the function imported from a module of the repository that builds the app
        apps = _confirmed_factory_calls(root, imported_calls, inventory)
    if not apps:
        # no module-level app anywhere: a factory function the server calls (`uvicorn m:init_app --factory`)
        apps = [f for f in every_app if f.detail.get("built_by") == "factory-function"]
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
        lost = _lost_python(findings, ".")
        raise UserError(
            "no FastAPI app found"
            + (f": {plural(len(lost), 'Python file')} could not be read ({', '.join(lost[:3])})" if lost else ""),
            file=str(path),
            hint=f"looked through {plural(inventory.python_files, 'Python file')} (tests, docs, examples, node_modules and "
            "virtualenvs skipped); expected a module-level `app = FastAPI(...)`",
        )
    app = min(apps, key=_app_rank)
    dependency_findings = _of(findings, "dependency-file")
    dependency_dirs = {_parent(f.file) for f in dependency_findings}
    api_root = _api_root(app, inventory, dependency_dirs)
    _other_services(apps, app, api_root, findings)
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
    entry_file = _assembling_module(root, app, api_root, inventory, findings) or app.file
    module = _relative(entry_file, api_root)[:-3].replace("/", ".")
    if module.endswith(".__init__"):
        module = module[: -len(".__init__")]
    entrypoint = f"{module}:{app.detail['attribute']}"
    if app.detail.get("built_by") == "factory-function":
        # https://www.uvicorn.org/settings/#application : `--factory` treats APP as a callable returning the app
        findings.append(
            Finding(
                kind="asgi-factory",
                severity="info",
                message=f"{app.file} has no module-level app, only the factory {app.detail['attribute']}(): the "
                f"image farm-deploy generates runs `uvicorn {entrypoint} --factory`, and the Lambda and Vercel "
                "entry points call it once per process",
                file=app.file,
                line=app.line,
                detail={"factory": app.detail["attribute"], "entrypoint": entrypoint},
            )
        )

    dep_files = _dependency_files(dependency_findings, api_root, findings)
    if not dep_files:
        dep_files = _requirements_folder(root, api_root, findings)
    packages: list[str] = []
    main = [f for f in dep_files if not _is_dev_requirements(f.file)] or dep_files
    for f in _with_includes(root, main, dependency_findings, findings):
        for name in f.detail.get("packages", "").split(","):
            if name and name not in packages:
                packages.append(name)

    if not dep_files:
        from .imported_packages import imported_distributions

        packages = imported_distributions(root / api_root)
        findings.append(
            Finding(
                kind="no-dependency-file",
                severity="warning",
                message="the API has no requirements.txt, pyproject.toml or Pipfile: the deployment installs, "
                f"unpinned, what its code imports ({', '.join(packages) or 'nothing found'}); commit a "
                "requirements.txt with the versions it runs on",
                file=api_root,
                detail={"packages": ",".join(packages)},
            )
        )

    dockerfile, port, docker_python = _dockerfile(findings, api_root)
    # the Dockerfile that deploys the API wins: it is what runs; then the version files
    python_version = docker_python or _linked_python(findings, api_root) or _python_version(findings, api_root)
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
        factory=app.detail.get("built_by") == "factory-function",
    )


def _confirmed_factory_calls(root: Path, candidates: list[Finding], inventory: Inventory) -> list[Finding]:
    """The `app = some_function()` candidates whose function is defined in a module of the repository
    that builds or returns a FastAPI app (`def create_server() -> FastAPI`); each becomes an
    imported-factory app. A name the repository does not define (`app = Celery(...)`) is dropped."""
    from .scan.detectors.fastapi_app import factories_in

    confirmed = []
    for app in candidates:
        module, _, function = app.detail.get("call", "").rpartition(".")
        folder = _parent(app.file)
        if module.startswith("."):
            # from .server import create_server: relative to the module's package
            dots = len(module) - len(module.lstrip("."))
            bases = [_ancestors(folder)[dots - 1]] if dots - 1 < len(_ancestors(folder)) else []
            module = module.lstrip(".")
        else:
            bases = _ancestors(folder)  # an absolute import resolves from the folder the server runs in
        if not module or not function:
            continue
        path = module.replace(".", "/")
        for base in bases:
            rel = next(
                (
                    _join(base, candidate)
                    for candidate in (path + ".py", path + "/__init__.py")
                    if inventory.has(_parent(_join(base, candidate)), PurePosixPath(candidate).name)
                ),
                None,
            )
            if rel is None:
                continue
            text = _repo_text(root, rel)
            if text is None:
                break
            if function in factories_in(text, rel):
                app.detail["built_by"] = "imported-factory"
                app.detail["factory_file"] = rel
                app.message = f"FastAPI app `{app.detail['attribute']}` in {app.file}, built by {function}() of {rel}"
                confirmed.append(app)
            break
    return confirmed


MAX_SIBLING_MODULES = 200
# a route, router or middleware added to an app object imported from elsewhere
_ROUTES_ON = (
    r"^[ \t]*(?:@{attr}\.(?:get|post|put|patch|delete|api_route|websocket|route)\(|{attr}\.(?:include_router|mount)\()"
)


def _assembling_module(
    root: Path, app: Finding, api_root: str, inventory: Inventory, findings: list[Finding]
) -> str | None:
    """A module beside the app's that imports the app and adds its routes, and that the app's module
    does not import: `uvicorn` must start from it, or those routes never exist (`bootstrap.py` builds
    `app`, `main.py` does `from .bootstrap import app` and declares `@app.post(...)`)."""
    folder = _parent(app.file)
    stem = PurePosixPath(app.file).stem
    attr = re.escape(app.detail["attribute"])
    if stem == "__init__":
        # the app built in a package's __init__.py (core/__init__.py): the modules beside the package
        # import it as `from core import api`
        if folder == ".":
            return None
        folder, stem = _parent(folder), PurePosixPath(folder).name
    imports_app = re.compile(rf"^[ \t]*from[ \t]+(?:\.|[\w.]*\.)?{re.escape(stem)}[ \t]+import[^\n]*\b{attr}\b", re.M)
    routes = re.compile(_ROUTES_ON.format(attr=attr), re.M)
    names = sorted(
        n
        for n in inventory.names.get(folder, ())
        if n.endswith(".py") and n not in ("__init__.py", "conftest.py") and not n.startswith("test_")
    )
    if len(names) > MAX_SIBLING_MODULES:
        return None  # a generated folder, not a hand-written entry beside its bootstrap: not worth reading
    candidates = []
    for name in names:
        rel = _join(folder, name)
        if rel == app.file:
            continue
        text = _repo_text(root, rel)
        if text is None:
            continue
        if imports_app.search(text) and routes.search(text):
            candidates.append(rel)
    if not candidates:
        return None
    reached = _reachable(root, api_root, app.file, {app.file, *candidates})
    candidates = [c for c in candidates if c not in reached]
    if len(candidates) != 1:
        return None  # none, or several modules each adding routes: no single place to start from
    [chosen] = candidates
    findings.append(
        Finding(
            kind="entry-module",
            message=f"{chosen} imports the app of {app.file} and adds its routes, and {app.file} does not "
            f"import it: the server starts from {chosen}",
            file=chosen,
            detail={"app_file": app.file, "attribute": app.detail["attribute"]},
        )
    )
    return chosen


def _with_includes(root: Path, files: list[Finding], every: list[Finding], findings: list[Finding]) -> list[Finding]:
    """The dependency files and, depth first, the files they include with `-r`; a missing one is reported.

    An included file the walk did not read (`-r base.txt`: not named requirements*) is read here.
    """
    by_path = {f.file: f for f in every}
    out: list[Finding] = []
    stack = list(reversed(files))
    while stack:
        f = stack.pop()
        if f in out:
            continue
        out.append(f)
        for include in filter(None, f.detail.get("includes", "").split(",")):
            path = PurePosixPath(_parent(f.file), include).as_posix()
            path = os.path.normpath(path).replace(os.sep, "/")
            if path not in by_path and not path.startswith("../"):
                included = _read_requirements(root, path)
                if included is not None:
                    by_path[path] = included
            if path in by_path:
                stack.append(by_path[path])
            else:
                findings.append(
                    Finding(
                        kind="missing-include",
                        severity="warning",
                        message=f"{f.file} includes {include} (-r), which is not in the repository: "
                        "pip install -r will fail",
                        file=f.file,
                        detail={"include": include},
                    )
                )
    return out


def _requirements_folder(root: Path, api_root: str, findings: list[Finding]) -> list[Finding]:
    """No `requirements*.txt`, `pyproject.toml` or `Pipfile`: a `requirements/` folder of per-environment
    files (`base.txt`, `production.txt`, `local.txt`), as cookiecutter layouts have, in the API's folder or
    above it. The production file wins, then the shared base; development ones are not deployed."""
    for folder in (api_root, *_ancestors(api_root)):
        directory = root / folder / "requirements" if folder != "." else root / "requirements"
        if not directory.is_dir():
            continue
        names = sorted(p.name for p in directory.iterdir() if p.suffix in (".txt", ".in") and p.is_file())

        def rank(name: str) -> int:
            stem = name.lower()
            if any(w in stem for w in DEV_REQUIREMENT_WORDS):
                return 9
            if "prod" in stem:
                return 0
            return 1 if any(w in stem for w in ("base", "common", "main", "default")) else 2

        usable = sorted((n for n in names if rank(n) < 9), key=lambda n: (rank(n), n))
        if not usable:
            continue
        rel = PurePosixPath(folder, "requirements", usable[0]).as_posix().removeprefix("./")
        found = _read_requirements(root, rel)
        if found is None:
            continue
        findings.append(
            Finding(
                kind="requirements-folder",
                severity="info",
                message=f"no requirements.txt: the image installs {rel}, the deployable file of "
                f"{PurePosixPath(rel).parent}/ ({', '.join(names)})",
                file=rel,
                detail={"chosen": rel, "files": ",".join(names)},
            )
        )
        return [found]
    return []


def _read_requirements(root: Path, rel: str) -> Finding | None:
    from .scan import MAX_FILE_BYTES
    from .scan.detectors.dependencies import scan_requirements_full

    try:
        with (root / rel).open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES)
    except OSError:
        return None
    names, _, includes, extras = scan_requirements_full(data.decode("utf-8", "replace"))
    detail = {"format": "requirements", "packages": ",".join(names)}
    if includes:
        detail["includes"] = ",".join(includes)
    if extras:
        detail["extras"] = ",".join(extras)
    return Finding(
        kind="dependency-file", message=f"Python dependencies (included): {len(names)}", file=rel, detail=detail
    )


def _other_services(apps: list[Finding], app: Finding, api_root: str, findings: list[Finding]) -> None:
    """A FastAPI app outside the API's root is another service (a worker API, a model server), not the app."""
    reported: set[str] = set()
    for other in sorted(apps, key=_app_rank):
        folder = _parent(other.file)
        if other is app or _under(other.file, api_root) or folder in reported:
            continue
        reported.add(folder)
        findings.append(
            Finding(
                kind="fastapi-service",
                severity="warning",
                message=f"another FastAPI app in {folder}: a separate service, not deployed with the API "
                f"({app.file}); deploy it on its own",
                file=other.file,
                line=other.line,
                detail={"attribute": other.detail.get("attribute", "app"), "root": folder},
            )
        )


def _lost_python(findings: list[Finding], root: str) -> list[str]:
    """Python files under `root` the walk could not read (unreadable, over the size limit, binary)."""
    kinds = ("unreadable-file", "file-too-large", "binary-file")
    return [f.file for f in findings if f.kind in kinds and f.file.endswith(".py") and _under(f.file, root)]


def _required_env(findings: list[Finding], api_root: str) -> list[str]:
    """Variables the API's code reads with no default. Only the API root counts: it is the image's build
    context, so code elsewhere in the repository (another service, a worker) is not what the API runs."""
    return sorted({f.detail["env"] for f in _of(findings, "required-env") if _under(f.file, api_root)})


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


# after the deploying Dockerfile: .python-version, then requires-python, then runtime.txt, then Pipfile
PYTHON_VERSION_SOURCES = (".python-version", "pyproject.toml", "runtime.txt", "Pipfile")
DEFAULT_PYTHON = "3.12"


def _python_version(findings: list[Finding], api_root: str) -> str:
    ancestors = _ancestors(api_root)
    versions = [f for f in _of(findings, "python-version") if _parent(f.file) in ancestors]

    def rank(f: Finding) -> tuple[int, int]:
        name = PurePosixPath(f.file).name
        source = PYTHON_VERSION_SOURCES.index(name) if name in PYTHON_VERSION_SOURCES else len(PYTHON_VERSION_SOURCES)
        return (ancestors.index(_parent(f.file)), source)

    versions.sort(key=rank)
    return versions[0].detail["version"] if versions else DEFAULT_PYTHON


API_SERVICE_WORDS = ("api", "backend", "server", "fastapi", "app", "web")


def _linked_python(findings: list[Finding], api_root: str) -> str | None:
    """The Python version of the Dockerfile a compose service builds the API with, wherever that file is.

    A service whose build context holds the API root (`build: {context: ., dockerfile:
    deploy/backend/Dockerfile}`) and whose Dockerfile starts from a Python image deploys the API.
    """
    dockerfiles = {f.file: f for f in _of(findings, "dockerfile")}
    linked = []
    for service in _of(findings, "compose-service"):
        context, path = service.detail.get("build_context"), service.detail.get("dockerfile")
        docker = dockerfiles.get(path or "")
        if docker is None and path is not None and PurePosixPath(path).name == "Dockerfile":
            # no `Dockerfile` in the context: Docker builds its lowercase `dockerfile` (see the dockerfile detector)
            docker = dockerfiles.get(_join(_parent(path), "dockerfile"))
        if context is None or docker is None or "python_version" not in docker.detail:
            continue
        if _under(api_root, context) or _under(context, api_root):
            name = service.detail["service"].lower()
            linked.append(
                (docker.detail.get("serves_python") != "true", not any(w in name for w in API_SERVICE_WORDS), docker)
            )
    linked.sort(key=lambda t: (t[0], t[1], t[2].file))
    return linked[0][2].detail["python_version"] if linked else None


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
        lost = _lost_python(findings, _parent(app.file))
        if lost:
            why += f" ({plural(len(lost), 'Python file')} near the app could not be read, e.g. {lost[0]}: the route may be there)"
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
            "vue-cli": "vue-cli-service build",
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


def _database_facts(config: FarmConfig | None, findings: list[Finding], api: ApiFacts, entry_dir: str) -> DatabaseFacts:
    drivers = {f.detail["driver"] for f in _of(findings, "mongodb-driver") if f.detail.get("script") != "true"}
    uri_env = _uri_env(config, findings, api)
    _missing_driver_dependencies(findings, api)
    names = [f for f in _of(findings, "mongodb-database") if f.detail.get("script") != "true"]
    # nearest the entry module first (its own package, then the API root), then what the code selects
    # over a variable's default, then walk order
    names.sort(
        key=lambda f: (not _under(f.file, entry_dir), not _under(f.file, api.root), f.detail.get("source") != "code")
    )
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


def _uri_env(config: FarmConfig | None, findings: list[Finding], api: ApiFacts) -> str:
    """The variable the API reads its connection string from; a `mongodb-uri-unresolved` finding when none is."""
    every = [f for f in findings if f.detail.get("script") != "true"]  # not a standalone script's
    in_api = [f for f in _of(every, "mongodb-uri-env") if _under(f.file, api.root)]
    clients = [f for f in _of(every, "mongodb-client") if _under(f.file, api.root)]
    if not in_api and not clients:
        # nothing under the API root: what the rest of the repository does is the best guess. When the
        # API has its own reads, a seed script beside it (seed/seed.py's literal MONGO_URI) is not
        # how the API connects, and its names must not cancel the API's variable
        in_api, clients = _of(every, "mongodb-uri-env"), _of(every, "mongodb-client")
    # settings.DB_URI where the settings class says DB_URI = environ.get("DATABASE_URI")
    aliases = {f.detail["field"]: f.detail["env"] for f in in_api if "field" in f.detail}
    # pieces of a composed connection string are not the connection string
    parts = {p for f in clients for p in f.detail.get("parts", "").split(",") if p}
    # names of literal connection strings (MONGODB_URL = "mongodb://...") are constants, not variables
    parts |= {f.detail["name"] for f in clients if f.detail.get("name")}
    seen = [f for f in in_api if f.detail["env"] not in parts]
    # the variable handed to the client constructor beats names that merely look like a URI
    seen = [f for f in seen if f.detail.get("source") == "client-argument"] or ([] if clients else seen)
    counts = Counter(aliases.get(f.detail["env"], f.detail["env"]) for f in seen)
    default = config.database_url_env if config is not None and config.database_url_env else "MONGODB_URL"
    if counts:
        # the name read most often; on a tie the first one met (findings come in walk order)
        order = dict.fromkeys(aliases.get(f.detail["env"], f.detail["env"]) for f in seen)
        uri_env = max(order, key=counts.__getitem__)
    else:
        uri_env = default
        where = clients[0] if clients else None
        how = where.detail["how"] if where else "none"
        drivers = [f for f in _of(findings, "mongodb-driver") if _under(f.file, api.root)] or _of(
            findings, "mongodb-driver"
        )
        place = where or (drivers[0] if drivers else None)
        why = {
            "composed": f"assembled from {where.detail.get('parts') or 'several values'}" if where else "",
            "literal": "a literal string in the code",
            "default": "no argument (the driver's localhost default)",
        }.get(how, "no variable the analyzer could find")
        findings.append(
            Finding(
                kind="mongodb-uri-unresolved",
                severity="warning",
                message=f"the MongoDB connection string is read from no single environment variable ({why}): "
                f"farm-deploy sets {uri_env}; make the app read its connection string from it",
                file=place.file if place else api.root,
                line=place.line if place else None,
                detail={"env": uri_env, "how": how},
            )
        )
        return uri_env
    chosen = next((f for f in seen if aliases.get(f.detail["env"], f.detail["env"]) == uri_env), None)
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
    return uri_env


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
    # extras install more distributions: fastapi-users[beanie] brings beanie
    for f in _of(findings, "dependency-file"):
        if f.file in api.dependency_files:
            installed.update(filter(None, f.detail.get("extras", "").split(",")))
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
    feature_findings = _feature_findings(config, findings)
    providers, unsupported, has_ai = _ai_requirements(config, findings, features, feature_findings, evidence)
    entry_dir = _entry_dir(api)

    def flag(name: str, feature: str | None, kinds: tuple[str, ...]) -> bool:
        hits = [feature_findings[feature]] if feature and feature in feature_findings else []
        # only what the API's own code does: a training script or another service elsewhere in the
        # repository is not deployed with it
        hits += [
            f
            for f in findings
            if f.kind in kinds
            and _under(f.file, api.root)
            and f.detail.get("stored") != "false"
            and f.detail.get("script") != "true"
        ]
        if hits:
            evidence[name] = hits
        return bool(hits)

    has_realtime = flag("has_realtime", "realtime", ("websocket",))
    has_file_storage = flag("has_file_storage", "storage", ("file-upload",))
    writes_local_disk = flag("writes_local_disk", None, ("local-disk-write",))

    database = None
    db_evidence = _database_evidence(config, findings)
    has_database = bool(db_evidence)
    if has_database:
        evidence["has_database"] = db_evidence
        database = _database_facts(config, findings, api, entry_dir)

    cdn_evidence = _static_assets(findings, inventory)
    global_cdn = bool(cdn_evidence)
    settings = _deployment_settings(config, findings, evidence)
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


# kinds whose findings describe what the serving code does, so a standalone script's do not count
SERVING_KINDS = (
    "mongodb-driver",
    "mongodb-uri-env",
    "mongodb-client",
    "mongodb-database",
    "local-disk-write",
    "file-upload",
    "websocket",
    "ai-provider",
    "unsupported-ai-provider",
)
# past this many Python files under the API root the import graph is not built (facts stay as found)
MAX_GRAPH_FILES = 3000
# the names of a `from` import run to the end of the line, or across lines inside parentheses only:
# a newline allowed outside them would swallow the import lines that follow
_IMPORT_LINE = re.compile(
    r"^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[\w., \t]+)|import[ \t]+([\w., \t]+))", re.M
)


def _mark_scripts(root: Path, api: ApiFacts, findings: list[Finding], inventory: Inventory) -> None:
    """Findings of standalone scripts in the API folder (a data import, a training run) get `detail.script`.

    A module counts as a script when the entry module's import graph does not reach it and it runs
    on its own (an `if __name__ == "__main__":` block, or a top-level `with`/`for`/`while`): its
    drivers, disk writes, uploads and AI libraries are not what the API serves with.
    """
    entry = _entry_file(api, inventory)
    candidates = sorted(
        {f.file for f in findings if f.kind in SERVING_KINDS and f.file.endswith(".py") and _under(f.file, api.root)}
        - {entry}
    )
    # a hard-coded address in a module nobody imports breaks nothing either
    addresses = {
        f.file
        for f in findings
        if f.kind == "localhost-url" and f.severity == "warning" and f.file.endswith(".py") and _under(f.file, api.root)
    } - {entry}
    if not (candidates or addresses) or entry is None:
        return
    folders = [(folder, names) for folder, names in inventory.names.items() if _under(folder, api.root)]
    # counted before the paths are built: a generated tree can hold tens of thousands of modules
    if sum(name.endswith(".py") for _, names in folders for name in names) > MAX_GRAPH_FILES:
        return
    modules = {_join(folder, name) for folder, names in folders for name in names if name.endswith(".py")}
    reachable = _reachable(root, api.root, entry, modules)
    scripts = {rel for rel in candidates if rel not in reachable and _runs_on_its_own(root / rel)}
    unused = _unused_modules(root, api.root, entry, modules, {*candidates, *addresses} - reachable - scripts)
    for f in findings:
        if f.file in scripts and f.kind in SERVING_KINDS:
            f.detail["script"] = "true"
        elif f.file in unused and f.kind in SERVING_KINDS and f.kind != "websocket":
            # WebSocket helpers nothing imports yet still say the app means to hold connections:
            # choosing a platform that cannot is the costlier mistake
            f.detail["script"] = "true"
            f.detail["unused_module"] = "true"
        elif f.file in unused and f.kind == "localhost-url" and f.severity == "warning":
            f.severity = "info"
            f.detail["unused_module"] = "true"
    _keep_the_only_evidence(findings, api.root)
    for rel in sorted(scripts):
        findings.append(
            Finding(
                kind="standalone-script",
                message=f"{rel} runs on its own and the API's entry module does not import it: "
                "its drivers, disk writes and AI libraries are not counted as the API's",
                file=rel,
            )
        )
    for rel in sorted(unused):
        findings.append(
            Finding(
                kind="unused-module",
                message=f"no module of the API imports {rel}: its drivers, addresses, disk writes and AI "
                "libraries are not counted as the API's (leftover code)",
                file=rel,
            )
        )


# leftover code is noise beside the code in use, but alone it is the only sign of what the app means
# to use (a skeleton whose database module nothing imports yet still wants a database)
_EVIDENCE_GROUPS = (
    ("mongodb-driver",),
    ("mongodb-uri-env", "mongodb-client", "mongodb-database"),
    ("ai-provider", "unsupported-ai-provider"),
)


def _keep_the_only_evidence(findings: list[Finding], api_root: str) -> None:
    for kinds in _EVIDENCE_GROUPS:
        group = [f for f in findings if f.kind in kinds and _under(f.file, api_root)]
        if group and all(f.detail.get("script") == "true" for f in group):
            for f in group:
                if f.detail.pop("unused_module", None) is not None:
                    del f.detail["script"]


# a module loaded by name at run time leaves no import line: then no module can be called unused
_DYNAMIC_IMPORT = re.compile(r"\bimportlib\b|\b__import__\(|\bpkgutil\b|\bimport_module\(|\bautodiscover")


def _unused_modules(root: Path, api_root: str, entry: str, modules: set[str], unreached: set[str]) -> set[str]:
    """Of `unreached` (modules the entry's import graph misses), those no module of the API root imports
    at all: leftover code (an old `database.py` nothing uses) rather than a worker or a tool."""
    if not unreached:
        return set()
    imported: set[str] = set()
    for rel in sorted(modules):
        text = _repo_text(root, rel)
        if text is None:
            continue
        if _DYNAMIC_IMPORT.search(text):
            return set()
        imported.update(_imported_files(root, [api_root, _parent(entry), _parent(rel)], rel, modules))
    # a package's __init__.py runs whenever anything under it is imported
    # a module that runs on its own is a tool of its own (a device bridge, a seed): not leftover code
    return {
        rel
        for rel in unreached
        if rel not in imported and PurePosixPath(rel).name != "__init__.py" and not _runs_on_its_own(root / rel)
    }


def _imported_client_database(root: Path, api: ApiFacts, findings: list[Finding], inventory: Inventory) -> None:
    """The database selected on a client another module imports: `conn = MongoClient(...)` in
    config/db.py, `from config.db import conn` and `conn.EventWiz.users.find()` in routes/user.py.

    Looked up only when the API's code names no database itself; the importing modules are read
    here (they need not mention MongoDB at all, so the scan's filters skip them).
    """
    if any(
        f.kind == "mongodb-database" and _under(f.file, api.root) and f.detail.get("script") != "true" for f in findings
    ):
        return
    clients = [
        f
        for f in findings
        if f.kind in ("mongodb-uri-env", "mongodb-client")
        and "client" in f.detail
        and f.file.endswith(".py")
        and _under(f.file, api.root)
        and f.detail.get("script") != "true"
    ]
    if not clients:
        return
    folders = [(folder, names) for folder, names in inventory.names.items() if _under(folder, api.root)]
    if sum(name.endswith(".py") for _, names in folders for name in names) > MAX_GRAPH_FILES:
        return
    modules = sorted(_join(folder, name) for folder, names in folders for name in names if name.endswith(".py"))
    for client in clients:
        var = client.detail["client"]
        # the module as imported: config.db from the API root, or any shorter tail (db, from beside it)
        dotted = _relative(client.file, api.root)[:-3].replace("/", ".").removesuffix(".__init__")
        tails = {".".join(dotted.split(".")[i:]) for i in range(dotted.count(".") + 1)}
        imports = re.compile(rf"^[ \t]*from[ \t]+\.*([\w.]+)[ \t]+import[ \t]+[^\n]*\b{re.escape(var)}\b", re.M)
        selects = re.compile(
            rf"\b{re.escape(var)}[ \t]*(?:\.[ \t]*([A-Za-z_]\w*)[ \t]*[.\[]|\[[ \t]*[\"']([\w-]{{1,64}})[\"'][ \t]*\])"
        )
        for rel in modules:
            if rel == client.file:
                continue
            text = _repo_text(root, rel)
            if text is None:
                continue
            if not any(m.group(1) in tails for m in imports.finditer(text)):
                continue
            for match in selects.finditer(text):
                name = match.group(1) or match.group(2)
                if name in CLIENT_METHODS:
                    continue
                findings.append(
                    Finding(
                        kind="mongodb-database",
                        message=f"MongoDB database {name!r} ({var}.{name} on the client imported from {client.file})",
                        file=rel,
                        line=text.count("\n", 0, match.start()) + 1,
                        detail={"name": name, "source": "code", "client": var},
                    )
                )
                return


def _uploads_read_by_helpers(root: Path, api: ApiFacts, findings: list[Finding], inventory: Inventory) -> None:
    """An upload a handler hands to the app's own function in another module (`detail.read_by`) is kept
    in memory when each such function only reads it too: `stored` becomes false."""
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        if f.kind == "file-upload" and f.detail.get("read_by"):
            by_file.setdefault(f.file, []).append(f)
    for rel, uploads in by_file.items():
        if all(
            _helper_reads_only(root, api, rel, target, inventory) for target in uploads[0].detail["read_by"].split(",")
        ):
            for f in uploads:
                f.detail["stored"] = "false"


def _helper_reads_only(root: Path, api: ApiFacts, rel: str, target: str, inventory: Inventory) -> bool:
    module, function, position = target.rsplit(":", 2)
    dots = len(module) - len(module.lstrip("."))
    path = module.lstrip(".").replace(".", "/")
    if dots:
        base = _parent(rel)
        for _ in range(dots - 1):
            base = _parent(base)
        bases = [base]
    else:
        # an absolute import resolves from the folder the server runs in: the handler's own or the API root
        bases = list(dict.fromkeys([_parent(rel), api.root]))
    for base in bases:
        for candidate in (_join(base, path + ".py"), _join(base, path + "/__init__.py")) if path else ():
            if inventory.has(_parent(candidate), PurePosixPath(candidate).name):
                text = _repo_text(root, candidate)
                if text is None:
                    return False
                return reads_upload_only(text, function, int(position))
    return False


# the folders a front end's build copies as they are (https://vite.dev/guide/assets#the-public-directory,
# https://create-react-app.dev/docs/using-the-public-folder/)
PUBLIC_DIRS = ("public", "static")
MAX_LINK_SEARCH_FILES = 2000


def _unlinked_public_pages(root: Path, findings: list[Finding], web: WebFacts | None) -> None:
    """A page of the front end's public folder besides index.html that nothing in the front end names
    (`clear-cache.html`, a developer's debugging page): the build copies it, yet no user reaches it from
    the app, so a local address in it breaks nothing deployed: info, not a warning."""
    if web is None:
        return
    pages = [
        f
        for f in findings
        if f.kind == "localhost-url"
        and f.severity == "warning"
        and f.file.endswith((".html", ".htm"))
        and PurePosixPath(f.file).name != "index.html"
        and _parent(f.file) in {_join(web.root, d) for d in PUBLIC_DIRS}
    ]
    if not pages:
        return
    names = {PurePosixPath(f.file).name for f in pages}
    linked: set[str] = set()
    seen = 0
    for folder, dirs, files in os.walk(root / web.root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        for name in files:
            if not name.endswith((*JS_SUFFIXES, ".html", ".htm", ".json")):
                continue
            seen += 1
            if seen > MAX_LINK_SEARCH_FILES:
                return  # too large to tell: leave the warnings
            try:
                text = (Path(folder) / name).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            linked |= {page for page in names - {name} if page in text}
    for f in pages:
        if PurePosixPath(f.file).name not in linked:
            f.severity = "info"
            f.detail["unlinked_page"] = "true"


def _outside_the_app(findings: list[Finding], api: ApiFacts, web: WebFacts | None) -> None:
    """A local address in a file neither the API nor the front end ships (a data file, a template's
    settings, another tool's folder) does not break the deployment: info, not a warning."""
    roots = [api.root] + ([web.root] if web is not None else [])
    for f in findings:
        if f.kind == "localhost-url" and f.severity == "warning" and not any(_under(f.file, r) for r in roots):
            f.severity = "info"
            f.detail["outside_app"] = "true"


def _entry_file(api: ApiFacts, inventory: Inventory) -> str | None:
    module = api.entrypoint.split(":", 1)[0].replace(".", "/")
    for rel in (_join(api.root, module + ".py"), _join(api.root, module + "/__init__.py")):
        if inventory.has(_parent(rel), PurePosixPath(rel).name):
            return rel
    return None


def _reachable(root: Path, api_root: str, entry: str, modules: set[str]) -> set[str]:
    """Python files of the API root the entry module reaches through its imports (static ones)."""
    seen = {entry}
    queue = [entry]
    bases = [api_root, _parent(entry)]
    while queue:
        for rel_file in _imported_files(root, bases, queue.pop(), modules):
            if rel_file not in seen:
                seen.add(rel_file)
                queue.append(rel_file)
    return seen


def _imported_files(root: Path, bases: list[str], rel: str, modules: set[str]) -> list[str]:
    """The files of `modules` one module's static import lines name, with the packages' `__init__.py`."""
    text = _repo_text(root, rel)
    if text is None:
        return []
    out: list[str] = []
    here = _parent(rel)
    for dots, module, names, plain in _IMPORT_LINE.findall(text):
        targets: list[str] = []
        if plain:
            targets = [m.strip().split(" ", 1)[0] for m in plain.split(",")]
            found = [_join(b, t.replace(".", "/")) for b in bases + [here] for t in targets]
        else:
            base = here
            for _ in range(max(len(dots) - 1, 0)):
                base = _parent(base)
            path = module.replace(".", "/")
            heads = [_join(base, path)] if dots else [_join(b, path) for b in bases + [here]]
            found = list(heads)
            for head in heads:
                for name in re.sub(r"#[^\n]*", "", names).replace("\n", " ").split(","):
                    name = name.strip().split(" ", 1)[0].strip("()")
                    if name:
                        found.append(_join(head, name))
        for candidate in found:
            # `from . import users`: the module path is empty, so head + "/" + name has a double slash
            candidate = re.sub("/+", "/", candidate).strip("/") or "."
            for rel_file in (candidate + ".py", candidate + "/__init__.py"):
                if rel_file in modules:
                    out.append(rel_file)
            # importing a.b.c runs a/__init__.py and a/b/__init__.py too
            parts = candidate.split("/")
            for i in range(1, len(parts)):
                init = "/".join(parts[:i]) + "/__init__.py"
                if init in modules:
                    out.append(init)
    return out


def _runs_on_its_own(path: Path) -> bool:
    import ast

    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError, RecursionError):
        return False
    for node in tree.body:
        if isinstance(node, ast.With | ast.AsyncWith | ast.For | ast.AsyncFor | ast.While):
            return True
        if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
            return True
    return False


def _entry_dir(api: ApiFacts) -> str:
    """The folder of the entry module (api.root + the module path of `module:attribute`)."""
    module = api.entrypoint.split(":", 1)[0].replace(".", "/")
    return _parent(_join(api.root, module + ".py"))


def _feature_findings(config: FarmConfig | None, findings: list[Finding]) -> dict[str, Finding]:
    """One finding per farm.config feature, pointing at its line."""
    out: dict[str, Finding] = {}
    if config is None:
        return out
    for index, feature in enumerate(config.features):
        key = f"features.{index}" if config.line(f"features.{index}") else "features"
        out[feature] = _config_finding(config, "feature", key, f"farm.config feature {feature!r}", feature=feature)
    findings.extend(out.values())
    return out


def _config_provider_findings(config: FarmConfig) -> list[Finding]:
    out = []
    for name, block in config.ai.providers.items():
        if not block.enabled:
            continue
        key = f"ai.providers.{name}"
        if name in SUPPORTED_PROVIDERS:
            out.append(
                _config_finding(
                    config,
                    "ai-provider",
                    key,
                    f"AI provider {name} enabled in farm.config",
                    provider=name,
                    source="farm.config",
                )
            )
        else:
            out.append(
                Finding(
                    kind="unsupported-ai-provider",
                    severity="warning",
                    message=f"AI provider {name} in farm.config is not deployed by farm-deploy: "
                    "supported are ollama, openai and huggingface",
                    file=config.file,
                    line=config.line(key),
                    detail={"provider": name, "source": "farm.config"},
                )
            )
    return out


def _ai_requirements(
    config: FarmConfig | None,
    findings: list[Finding],
    features: list[str],
    feature_findings: dict[str, Finding],
    evidence: dict[str, list[Finding]],
) -> tuple[list[str], list[str], bool]:
    """(supported providers, unsupported ones, has_ai): enabled providers in farm.config plus those the code uses."""
    if config is not None:
        findings.extend(_config_provider_findings(config))
    providers: list[str] = []
    unsupported: list[str] = []
    ai_evidence: list[Finding] = []
    # the OpenAI SDK pointed at a configured base URL talks to the provider a base URL setting names
    named = {
        f.detail["provider"]
        for f in findings
        if f.kind in ("ai-provider", "unsupported-ai-provider")
        and f.detail.get("via") == "base-url-setting"
        and f.detail.get("script") != "true"
    }
    if named and "openai" not in named:
        for f in findings:
            if f.kind == "ai-provider" and f.detail.get("base_url") == "configured":
                f.kind = "openai-compatible-client"
                f.message = (
                    f"the OpenAI SDK in {f.file} is pointed at a configured base URL: it talks to "
                    f"{', '.join(sorted(named))}, not to OpenAI"
                )
                f.detail["provider"] = ",".join(sorted(named))
    _frameworks_with_providers(findings)
    for f in findings:
        if f.detail.get("script") == "true":
            continue  # a standalone script's library, not the API's
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
    return providers, unsupported, has_ai


# orchestration libraries: they call a model provider, they are not one
AI_FRAMEWORKS = ("langchain", "llama-index")


def _frameworks_with_providers(findings: list[Finding]) -> None:
    """LangChain or LlamaIndex next to the provider they drive (`langchain_core` messages with
    `langchain_google_genai`, a `langchain.agents` agent over Gemini): the provider is what the
    stage must reach, the framework becomes an `ai-framework` finding. Alone, with no provider
    found, the framework stays an unsupported provider: something calls a model nobody named."""
    live = [
        f for f in findings if f.kind in ("ai-provider", "unsupported-ai-provider") and f.detail.get("script") != "true"
    ]
    providers = sorted({f.detail["provider"] for f in live} - set(AI_FRAMEWORKS))
    if not providers:
        return
    for f in live:
        if f.kind == "unsupported-ai-provider" and f.detail["provider"] in AI_FRAMEWORKS:
            f.kind = "ai-framework"
            f.severity = "info"
            f.message = f"{f.detail['provider']} orchestrates {', '.join(providers)}: not a provider of its own"


def _database_evidence(config: FarmConfig | None, findings: list[Finding]) -> list[Finding]:
    db_evidence = [
        f for f in findings if f.kind in ("mongodb-driver", "mongodb-uri-env") and f.detail.get("script") != "true"
    ]
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
    return db_evidence


def _static_assets(findings: list[Finding], inventory: Inventory) -> list[Finding]:
    """Findings for asset and media folders; returns the CDN evidence (those, and a front end: its build is static)."""
    for folder, count in sorted(inventory.asset_dirs.items()):
        findings.append(
            Finding(
                kind="static-assets",
                message=f"{plural(count, 'static asset file')} (images, fonts) under {folder}",
                file=folder,
                detail={"count": str(count)},
            )
        )
    for folder, count in sorted(inventory.media_dirs.items()):
        findings.append(
            Finding(
                kind="media-content",
                message=f"{plural(count, 'audio/video file')} under {folder}",
                file=folder,
                detail={"count": str(count)},
            )
        )
    return [f for f in findings if f.kind in ("static-assets", "media-content", "frontend")]


def _deployment_settings(
    config: FarmConfig | None, findings: list[Finding], evidence: dict[str, list[Finding]]
) -> dict[str, object]:
    """farm.config's deployment block as requirement fields, each with a finding for its line."""
    settings = dict(config.deployment) if config else {}
    if config is None:
        return settings
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
    return settings


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
