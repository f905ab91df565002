"""The front end (and, when the plan says so, the FastAPI app) as one Vercel project.

What the Vercel provider can set is set on the project: framework, root
directory, build/install/output settings, the function region and timeout
(`resource_config`), and the environment variables per target. What Vercel only
reads from files in the deployed tree is generated here as text by pure
functions, for the caller to write next to the app (`vercel_files`):

- `vercel.json`: the rewrites (`/api/(.*)` to the Python function, the SPA
  fallback), per-function settings and cache headers. The provider has no
  resource for rewrites or per-function settings.
- `api/index.py`: the Python function Vercel runs; it imports the FastAPI app.
- `.python-version`: Vercel picks the Python runtime from this file (or from
  `requires-python` in pyproject.toml); there is no project setting for it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumiverse_vercel as vercel

from analysis.errors import UserError

from .common import child_opts

Target = Literal["production", "preview", "development"]
TARGETS: tuple[str, ...] = ("production", "preview", "development")
FRAMEWORKS: tuple[str, ...] = ("vite", "create-react-app", "nextjs")
# Python versions Vercel's runtime offers (docs: functions/runtimes/python).
PYTHON_VERSIONS: tuple[str, ...] = ("3.12", "3.13", "3.14")
API_FUNCTION = "api/index.py"
# Vercel project names: lowercase letters, digits, '.', '_', '-'; at most 100, no '---'.
_PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class VercelEnv:
    key: str
    value: pulumi.Input[str]
    targets: Sequence[str] = ("production", "preview")
    sensitive: bool = False
    # URNs the variable had under another parent: the same Vercel variable, moved, not a second one
    # (Vercel refuses a second variable with the same key and target).
    aliases: Sequence[str] = ()


@dataclass
class VercelAppArgs:
    project_name: str
    root_directory: str | None = None  # the web root relative to the uploaded tree / repository
    framework: str | None = None  # "vite" | "create-react-app" | "nextjs" | None
    build_command: str | None = None
    output_directory: str | None = None
    install_command: str | None = None
    env: Sequence[VercelEnv] = field(default_factory=list)
    api_url: pulumi.Input[str] | None = None
    api_url_env: str | None = None  # e.g. VITE_API_URL: what the front end reads at build time
    python_api: bool = False
    api_entrypoint: str | None = None  # "module:attribute" of the FastAPI app, e.g. "src.main:app"
    api_root: str = "."  # folder (relative to root_directory) the entrypoint module is imported from
    python_version: str = "3.12"
    function_region: str = "iad1"  # next to AWS us-east-1 (and Atlas US_EAST_1)
    function_timeout: int = 30  # seconds
    team_id: str | None = None
    git_repository: dict[str, Any] | None = None  # {"type": "github", "repo": "org/app", "production_branch": "main"}
    deploy: bool = False
    project_files: str | None = None  # folder uploaded as the deployment's tree (root_directory lies inside it)
    protect: bool = False


# ---------------------------------------------------------------------- pure functions


def vercel_json(
    *,
    python_api: bool,
    spa: bool = True,
    function_timeout: int = 30,
    immutable_prefix: str = "/assets/",
) -> dict[str, Any]:
    """The `vercel.json` settings the provider cannot set.

    Rewrites run only when no static file matches, so built assets are still
    served as files; the API rewrite comes first so that `/api/...` never falls
    back to `index.html`. Hashed assets may be cached for a year, `index.html`
    must not be (it names the current hashes).
    """
    config: dict[str, Any] = {"$schema": "https://openapi.vercel.sh/vercel.json"}
    rewrites: list[dict[str, str]] = []
    if python_api:
        # The function keeps the original path, so FastAPI still sees /api/health.
        rewrites.append({"source": "/api/(.*)", "destination": "/api/index"})
        config["functions"] = {
            API_FUNCTION: {
                "maxDuration": function_timeout,
                # Tests and caches are not part of the function bundle.
                "excludeFiles": "{tests/**,**/__pycache__/**,**/*.pyc,node_modules/**}",
            }
        }
    if spa:
        rewrites.append({"source": "/((?!api/).*)", "destination": "/index.html"})
    if rewrites:
        config["rewrites"] = rewrites
    config["headers"] = [
        {
            "source": f"{immutable_prefix}(.*)",
            "headers": [{"key": "Cache-Control", "value": "public, max-age=31536000, immutable"}],
        },
        {"source": "/index.html", "headers": [{"key": "Cache-Control", "value": "no-cache"}]},
    ]
    if python_api:
        config["headers"].append({"source": "/api/(.*)", "headers": [{"key": "Cache-Control", "value": "no-store"}]})
    return config


def python_entry(entrypoint: str, api_root: str = ".") -> str:
    """`api/index.py`: exposes the FastAPI app as `app`, which Vercel's Python runtime serves (ASGI)."""
    module, sep, attribute = entrypoint.partition(":")
    factory = attribute.endswith("()")
    attribute = attribute.removesuffix("()")
    if not sep or not module or not attribute.isidentifier():
        raise UserError(
            "the API entrypoint must be 'module:attribute'",
            key="api_entrypoint",
            value=entrypoint,
            hint="e.g. src.main:app",
        )
    root = api_root.strip("/") or "."
    lines = [
        '"""Vercel function: the FastAPI app. Generated by farm-deploy; do not edit."""',
        "",
        "import sys",
        "from pathlib import Path",
        "",
        f"sys.path.insert(0, str((Path(__file__).resolve().parent.parent / {root!r}).resolve()))",
        "",
        f"from {module} import {attribute} as app  # noqa: E402"
        if not factory
        else f"from {module} import {attribute}  # noqa: E402",
        *([f"app = {attribute}()"] if factory else []),
        "",
        '__all__ = ["app"]',
        "",
    ]
    return "\n".join(lines)


def python_version_file(version: str) -> str:
    if version not in PYTHON_VERSIONS:
        raise UserError(
            "Vercel's Python runtime does not offer this version",
            key="python_version",
            value=version,
            valid=list(PYTHON_VERSIONS),
        )
    return version + "\n"


def vercel_files(
    *,
    python_api: bool,
    api_entrypoint: str | None = None,
    api_root: str = ".",
    python_version: str = "3.12",
    function_timeout: int = 30,
    framework: str | None = None,
) -> dict[str, str]:
    """Every file Vercel reads from the project's root directory, as {relative path: content}."""
    # Next.js routes itself; a catch-all to index.html would break it.
    files = {
        "vercel.json": json.dumps(
            vercel_json(python_api=python_api, spa=framework != "nextjs", function_timeout=function_timeout),
            indent=2,
        )
        + "\n"
    }
    if python_api:
        files[API_FUNCTION] = python_entry(api_entrypoint or "main:app", api_root)
        files[".python-version"] = python_version_file(python_version)
    return files


def env_targets(env: VercelEnv) -> list[str]:
    """The targets a variable can really have on Vercel.

    Vercel refuses sensitive variables in the development target (`vercel env
    pull` would have to reveal them), so a secret asked for there is kept to
    production and preview; local development uses its own .env. A secret asked
    for development only is a mistake, not something to drop silently.
    """
    unknown = [t for t in env.targets if t not in TARGETS]
    if unknown or not env.targets:
        raise UserError(
            "unknown Vercel target", key=f"env.{env.key}.targets", value=list(env.targets), valid=list(TARGETS)
        )
    targets = [t for t in TARGETS if t in env.targets]
    if env.sensitive:
        targets = [t for t in targets if t != "development"]
        if not targets:
            raise UserError(
                "a sensitive Vercel variable cannot target development only",
                key=f"env.{env.key}.targets",
                value=list(env.targets),
                valid=["production", "preview"],
                hint="put local development values in the app's .env file",
            )
    return targets


def production_url(project_name: str) -> str:
    # Vercel's default production domain; it gets a suffix if the name is taken
    # by another account, in which case the project's domains list says so.
    return f"https://{project_name}.vercel.app"


# ---------------------------------------------------------------------- component


class VercelApp(pulumi.ComponentResource):
    """A Vercel project with its environment variables and, if asked, a deployment."""

    project_id: pulumi.Output[str]
    project_name: pulumi.Output[str]
    url: pulumi.Output[str]
    production_url: pulumi.Output[str]
    vercel_json: pulumi.Output[str]

    def __init__(self, name: str, args: VercelAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:web:VercelApp", name, None, opts)
        self._name = name
        self._args = args
        self._validate()
        # Plain text, known now: the caller writes these into the uploaded tree.
        self.vercel_files = vercel_files(
            python_api=args.python_api,
            api_entrypoint=args.api_entrypoint,
            api_root=args.api_root,
            python_version=args.python_version,
            function_timeout=args.function_timeout,
            framework=args.framework,
        )

        self.project = self._create_project()
        self.env_vars = self._create_env_vars()
        self.deployment = self._create_deployment()

        self.project_id = self.project.id
        self.project_name = self.project.name
        self.production_url = self.project.name.apply(production_url)
        self.url = (
            self.deployment.url.apply(lambda u: u if u.startswith("https://") else f"https://{u}")
            if self.deployment is not None
            else self.production_url
        )
        self.vercel_json = pulumi.Output.from_input(self.vercel_files["vercel.json"])
        self.register_outputs(
            {
                "project_id": self.project_id,
                "project_name": self.project_name,
                "url": self.url,
                "production_url": self.production_url,
            }
        )

    def _validate(self) -> None:
        a = self._args
        if not _PROJECT_NAME.match(a.project_name) or "---" in a.project_name:
            raise UserError(
                "not a valid Vercel project name",
                key="project_name",
                value=a.project_name,
                hint="lowercase letters, digits, '.', '_' and '-', at most 100 characters",
            )
        if a.framework is not None and a.framework not in FRAMEWORKS:
            raise UserError(
                "unsupported front-end framework", key="framework", value=a.framework, valid=list(FRAMEWORKS)
            )
        if a.api_url is not None and not a.api_url_env:
            raise UserError(
                "the API URL has nowhere to go: the front end's variable name is unknown",
                key="api_url_env",
                hint="e.g. VITE_API_URL for Vite, REACT_APP_API_URL for Create React App",
            )
        seen: set[tuple[str, str]] = set()
        for env in self._wanted_env():
            if not _ENV_KEY.match(env.key):
                raise UserError("not a valid environment variable name", key="env", value=env.key)
            for target in env_targets(env):
                if (env.key, target) in seen:
                    raise UserError("the same variable is set twice for one target", key=f"env.{env.key}", value=target)
                seen.add((env.key, target))
        if a.python_api:
            python_version_file(a.python_version)
        if a.deploy and a.project_files is None:
            raise UserError("a deployment needs the folder to upload", key="project_files")

    def _create_project(self) -> vercel.Project:
        a = self._args
        resource_config = None
        if a.python_api:
            resource_config = vercel.ProjectResourceConfigArgs(
                function_default_regions=[a.function_region],
                function_default_timeout=a.function_timeout,
                # Fluid compute lets one instance serve concurrent requests: fewer cold starts for an ASGI app.
                fluid=True,
            )
        git = vercel.ProjectGitRepositoryArgs(**a.git_repository) if a.git_repository else None
        return vercel.Project(
            f"{self._name}-project",
            name=a.project_name,
            team_id=a.team_id,
            framework=a.framework,
            root_directory=a.root_directory,
            build_command=a.build_command,
            output_directory=a.output_directory,
            install_command=a.install_command,
            git_repository=git,
            resource_config=resource_config,
            opts=child_opts(self, protect=a.protect),
        )

    def _wanted_env(self) -> list[VercelEnv]:
        a = self._args
        wanted = list(a.env)
        if a.api_url is not None and a.api_url_env:
            # Public by nature (it ends up in the JS bundle), and the same API for every target of this stage.
            wanted.append(VercelEnv(key=a.api_url_env, value=a.api_url, targets=TARGETS, sensitive=False))
        return wanted

    def _create_env_vars(self) -> list[vercel.ProjectEnvironmentVariable]:
        a = self._args
        wanted = self._wanted_env()
        counts: dict[str, int] = {}
        for env in wanted:
            counts[env.key] = counts.get(env.key, 0) + 1
        variables = []
        for env in wanted:
            targets = env_targets(env)
            suffix = env.key.lower().replace("_", "-")
            if counts[env.key] > 1:  # one key with a value per target: the targets tell them apart
                suffix += "-" + "-".join(targets)
            value = pulumi.Output.secret(env.value) if env.sensitive else env.value
            variables.append(
                vercel.ProjectEnvironmentVariable(
                    f"{self._name}-env-{suffix}",
                    project_id=self.project.id,
                    team_id=a.team_id,
                    key=env.key,
                    value=value,
                    targets=targets,
                    sensitive=env.sensitive,
                    opts=child_opts(self, aliases=list(env.aliases) or None),
                )
            )
        return variables

    def _create_deployment(self) -> vercel.Deployment | None:
        a = self._args
        if not a.deploy:
            return None
        if a.project_files is None or not os.path.isdir(a.project_files):
            # Nothing built or checked out here (e.g. an offline plan on a fresh clone): no deployment to make.
            pulumi.log.warn(f"{self._name}: {a.project_files!r} not found, no Vercel deployment created", self)
            return None
        files = vercel.get_project_directory_output(path=a.project_files)
        return vercel.Deployment(
            f"{self._name}-deployment",
            project_id=self.project.id,
            team_id=a.team_id,
            files=files.files,
            path_prefix=a.project_files,
            production=True,
            project_settings=vercel.DeploymentProjectSettingsArgs(
                framework=a.framework,
                root_directory=a.root_directory,
                build_command=a.build_command,
                output_directory=a.output_directory,
                install_command=a.install_command,
            ),
            # Env vars must exist before the build reads them.
            opts=child_opts(self, depends_on=list(self.env_vars)),
        )
