"""`RailwayApp`: the whole FARM app as one Railway project.

One project per stage (its default environment named after the stage), and in
it: MongoDB from the official image with a volume for its data, Ollama on CPU
(Railway has no GPUs) with a volume for the models, the API from an image or
from the repository, and the front end built from the repository. Services
talk over Railway's private network (`<service>.railway.internal`); only the
API and the front end get a public domain.

Each service's build/deploy settings come from one pure function,
`railway_config`, which is also the service's `railway.json` (Railway's
config as code): what the API sets and what a user commits cannot drift.
Secrets (the database password, API keys) reach Railway only as the values of
a `RailwayVariables` resource, passed as Pulumi secrets.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_random as random

from analysis.errors import UserError
from components.common import child_opts
from components.container import MONGO_IMAGE, MONGO_PORT, OLLAMA_IMAGE, OLLAMA_PORT

from .client import DEFAULT_ENDPOINT
from .provider import RailwayProject, RailwayService, RailwayVariables, RailwayVolume

RAILWAY_SCHEMA_URL = "https://railway.com/railway.schema.json"
WEB_PORT = 8080
MONGO_USER = "farm"
# Static file server for the built front end, pinned (npx fetches it at start).
WEB_SERVER = "serve@14.2.4"


# --------------------------------------------------------------------------- railway.json


def railway_config(
    *,
    health_path: str | None,
    restart_max_retries: int = 5,
    health_timeout: int = 120,
    replicas: int = 1,
    dockerfile: str | None = None,
    build_command: str | None = None,
    start_command: str | None = None,
    from_repo: bool = True,
) -> dict[str, Any]:
    """The `railway.json` of one service (Railway's config-as-code schema).

    Restart policy ON_FAILURE with a bounded number of retries: a crash loop
    stops instead of restarting forever. A service deployed from an image has
    no build section (nothing is built).
    """
    config: dict[str, Any] = {"$schema": RAILWAY_SCHEMA_URL}
    if from_repo:
        build: dict[str, Any] = {"builder": "DOCKERFILE" if dockerfile else "RAILPACK"}
        if dockerfile:
            build["dockerfilePath"] = dockerfile
        if build_command:
            build["buildCommand"] = build_command
        config["build"] = build
    deploy: dict[str, Any] = {"numReplicas": replicas}
    if start_command:
        deploy["startCommand"] = start_command
    if health_path:
        deploy["healthcheckPath"] = health_path
        deploy["healthcheckTimeout"] = health_timeout
    deploy["restartPolicyType"] = "ON_FAILURE"
    deploy["restartPolicyMaxRetries"] = restart_max_retries
    config["deploy"] = deploy
    return config


def render_railway_json(config: Mapping[str, Any]) -> str:
    return json.dumps(config, indent=2) + "\n"


def instance_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The `serviceInstanceUpdate` fields equivalent to a `railway.json`."""
    build = config.get("build", {})
    deploy = config.get("deploy", {})
    settings = {
        "dockerfilePath": build.get("dockerfilePath"),
        "buildCommand": build.get("buildCommand"),
        "startCommand": deploy.get("startCommand"),
        "healthcheckPath": deploy.get("healthcheckPath"),
        "healthcheckTimeout": deploy.get("healthcheckTimeout"),
        "numReplicas": deploy.get("numReplicas"),
        "restartPolicyType": deploy.get("restartPolicyType"),
        "restartPolicyMaxRetries": deploy.get("restartPolicyMaxRetries"),
    }
    return {k: v for k, v in settings.items() if v is not None}


# --------------------------------------------------------------------------- args


@dataclass
class RailwayAppArgs:
    project_name: str
    stage: str
    # Railway API token (a Pulumi secret); $RAILWAY_API_TOKEN when None.
    token: pulumi.Input[str] | None = None
    endpoint: str = DEFAULT_ENDPOINT
    workspace_id: str | None = None
    # GitHub repository ("owner/name") the repo-built services deploy from.
    repo: str | None = None
    branch: str = "main"
    # A prebuilt API image ("ghcr.io/acme/api:1.2.3"); wins over the repository.
    api_image: str | None = None
    api_root: str = "."
    api_dockerfile: str | None = None  # relative to api_root
    api_port: int = 8000
    api_health_path: str = "/api/health"
    api_replicas: int = 1
    api_env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    api_secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    web: bool = True
    web_root: str = "."
    web_build_command: str = "npm run build"
    web_output_dir: str = "dist"
    web_api_url_env: str | None = "VITE_API_URL"
    web_env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Variables whose value is another service's address: name -> "api.url" | "web.url" | "ollama.url".
    api_env_outputs: Mapping[str, str] = field(default_factory=dict)
    web_env_outputs: Mapping[str, str] = field(default_factory=dict)
    ollama: bool = False
    ollama_image: str = OLLAMA_IMAGE
    ollama_keep_alive: str = "24h"
    ollama_default_model: str | None = None
    mongodb: bool = True
    mongo_image: str = MONGO_IMAGE
    database_name: str = "app"
    mongodb_url_env: str = "MONGODB_URL"
    restart_max_retries: int = 5
    health_timeout: int = 120
    protect: bool = False


# --------------------------------------------------------------------------- component


class RailwayApp(pulumi.ComponentResource):
    """The FARM app on Railway: project, services, variables, volumes."""

    project_id: pulumi.Output[str]
    environment_id: pulumi.Output[str]
    api_url: pulumi.Output[str]
    web_url: pulumi.Output[str] | None
    railway_json: dict[str, str]

    def __init__(self, name: str, args: RailwayAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:railway:RailwayApp", name, None, opts)
        self._name = name
        self._args = args
        self._validate()
        self._conn: dict[str, Any] = {"endpoint": args.endpoint}
        if args.token is not None:
            self._conn["token"] = pulumi.Output.secret(args.token)

        self.railway_json = {}
        self.project = self._create_project()
        self.environment_id = self.project.environmentId
        self.project_id = self.project.id
        self.mongodb = self._create_mongodb() if args.mongodb else None
        self.ollama = self._create_ollama() if args.ollama else None
        self.api = self._create_api()
        self.web = self._create_web() if args.web else None
        # Both services have a public port, so Railway gives each a domain.
        self.api_url = pulumi.Output.concat("https://", self.api.domain.apply(lambda d: d or ""))
        self.web_url = pulumi.Output.concat("https://", self.web.domain.apply(lambda d: d or "")) if self.web else None
        self._create_api_variables()
        if self.web:
            self._create_web_variables()

        self.register_outputs(
            {
                "projectId": self.project_id,
                "environmentId": self.environment_id,
                "apiUrl": self.api_url,
                "webUrl": self.web_url,
                "railwayJson": self.railway_json,
            }
        )

    # ------------------------------------------------------------------ helpers

    def _validate(self) -> None:
        a = self._args
        if not a.api_image and not a.repo:
            raise UserError(
                "Railway needs the API's source: a GitHub repository or a prebuilt image",
                key="repo",
                hint="set `repo` to owner/name, or `api_image` to a prebuilt image",
            )
        if a.web and not a.repo:
            raise UserError(
                "the front end is built on Railway from the GitHub repository, which is not set",
                key="repo",
                hint="set `repo` to owner/name",
            )

    def _opts(self, *, protect: bool = False, **kwargs: Any) -> pulumi.ResourceOptions:
        return child_opts(self, protect=protect, **kwargs)

    def _service(
        self,
        key: str,
        source: dict[str, str],
        config: dict[str, Any],
        *,
        root: str | None = None,
        public_port: int | None = None,
    ) -> RailwayService:
        """A service whose settings are its railway.json; kept under `railway_json[key]`."""
        self.railway_json[key] = render_railway_json(config)
        props: dict[str, Any] = {
            **self._conn,
            "projectId": self.project.id,
            "environmentId": self.project.environmentId,
            "name": key,
            "source": source,
            **instance_settings(config),
        }
        if "repo" in source:
            props["branch"] = self._args.branch
            # Paths from the repository's root, as Railway shows them ("/apps/api"):
            # the config file path does not follow the root directory.
            folder = posixpath.normpath(root or ".").strip("/")
            props["rootDirectory"] = "/" + ("" if folder == "." else folder)
            props["railwayConfigFile"] = posixpath.join(props["rootDirectory"], "railway.json")
        if public_port:
            props["publicPort"] = public_port
        return RailwayService(f"{self._name}-{key}", props, self._opts())

    def _volume(self, key: str, service: RailwayService, mount_path: str) -> RailwayVolume:
        props = {
            **self._conn,
            "projectId": self.project.id,
            "environmentId": self.project.environmentId,
            "serviceId": service.id,
            "mountPath": mount_path,
        }
        return RailwayVolume(f"{self._name}-{key}-data", props, self._opts(protect=self._args.protect))

    def _variables(
        self, key: str, service: RailwayService, variables: Mapping[str, pulumi.Input[str]]
    ) -> RailwayVariables:
        props = {
            **self._conn,
            "projectId": self.project.id,
            "environmentId": self.project.environmentId,
            "serviceId": service.id,
            "variables": variables,
        }
        return RailwayVariables(f"{self._name}-{key}-vars", props, self._opts())

    # ------------------------------------------------------------------ children

    def _create_project(self) -> RailwayProject:
        a = self._args
        props: dict[str, Any] = {**self._conn, "name": a.project_name, "defaultEnvironmentName": a.stage}
        if a.workspace_id:
            props["workspaceId"] = a.workspace_id
        return RailwayProject(f"{self._name}-project", props, self._opts(protect=a.protect))

    def _create_mongodb(self) -> RailwayService:
        a = self._args
        self.mongodb_password = random.RandomPassword(
            f"{self._name}-mongodb-password", length=32, special=False, opts=self._opts()
        )
        config = railway_config(health_path=None, restart_max_retries=a.restart_max_retries, from_repo=False)
        service = self._service("mongodb", {"image": a.mongo_image}, config)
        self.mongodb_volume = self._volume("mongodb", service, "/data/db")
        self.mongodb_variables = self._variables(
            "mongodb",
            service,
            {
                "MONGO_INITDB_ROOT_USERNAME": MONGO_USER,
                # RandomPassword's result is secret in a real engine; say so explicitly anyway.
                "MONGO_INITDB_ROOT_PASSWORD": pulumi.Output.secret(self.mongodb_password.result),
            },
        )
        return service

    def _create_ollama(self) -> RailwayService:
        a = self._args
        config = railway_config(health_path=None, restart_max_retries=a.restart_max_retries, from_repo=False)
        service = self._service("ollama", {"image": a.ollama_image}, config)
        self.ollama_volume = self._volume("ollama", service, "/root/.ollama")
        # Railway's private network is IPv6: listen on all v6 addresses.
        self.ollama_variables = self._variables(
            "ollama", service, {"OLLAMA_HOST": f"[::]:{OLLAMA_PORT}", "OLLAMA_KEEP_ALIVE": a.ollama_keep_alive}
        )
        return service

    def _create_api(self) -> RailwayService:
        a = self._args
        from_repo = not a.api_image
        config = railway_config(
            health_path=a.api_health_path,
            restart_max_retries=a.restart_max_retries,
            health_timeout=a.health_timeout,
            replicas=a.api_replicas,
            dockerfile=a.api_dockerfile if from_repo else None,
            from_repo=from_repo,
        )
        source = {"image": a.api_image} if a.api_image else {"repo": a.repo or ""}
        return self._service("api", source, config, root=a.api_root if from_repo else None, public_port=a.api_port)

    def _create_web(self) -> RailwayService:
        a = self._args
        config = railway_config(
            health_path="/",
            restart_max_retries=a.restart_max_retries,
            health_timeout=a.health_timeout,
            build_command=a.web_build_command,
            # -s: single-page app, unknown paths fall back to index.html
            start_command=f"npx --yes {WEB_SERVER} -s {a.web_output_dir} -l tcp://0.0.0.0:{WEB_PORT}",
        )
        return self._service("web", {"repo": a.repo or ""}, config, root=a.web_root, public_port=WEB_PORT)

    def _addresses(self, wanted: Mapping[str, str]) -> dict[str, pulumi.Input[str]]:
        known: dict[str, pulumi.Input[str]] = {"api.url": self.api_url}
        if self.web_url is not None:
            known["web.url"] = self.web_url
        if self.ollama is not None:
            known["ollama.url"] = f"http://ollama.railway.internal:{OLLAMA_PORT}"
        return {name: known[source] for name, source in wanted.items() if source in known}

    def _create_api_variables(self) -> None:
        a = self._args
        variables: dict[str, pulumi.Input[str]] = {"PORT": str(a.api_port), **a.api_env}
        if self.mongodb is not None:
            variables[a.mongodb_url_env] = pulumi.Output.secret(
                pulumi.Output.concat(
                    f"mongodb://{MONGO_USER}:",
                    self.mongodb_password.result,
                    f"@mongodb.railway.internal:{MONGO_PORT}/{a.database_name}?authSource=admin",
                )
            )
        if self.ollama is not None:
            variables["OLLAMA_URL"] = f"http://ollama.railway.internal:{OLLAMA_PORT}"
            if a.ollama_default_model:
                variables["OLLAMA_MODEL"] = a.ollama_default_model
        if self.web is not None:
            variables["ALLOWED_ORIGINS"] = self.web.domain.apply(lambda d: json.dumps([f"https://{d}"]))
        variables.update(self._addresses(a.api_env_outputs))
        for key, value in a.api_secrets.items():
            variables[key] = pulumi.Output.secret(value)
        self.api_variables = self._variables("api", self.api, variables)

    def _create_web_variables(self) -> None:
        a = self._args
        variables: dict[str, pulumi.Input[str]] = {"PORT": str(WEB_PORT), **a.web_env}
        if a.web_api_url_env:
            variables[a.web_api_url_env] = self.api_url
        variables.update(self._addresses(a.web_env_outputs))
        assert self.web is not None  # called only when the web service exists
        self.web_variables = self._variables("web", self.web, variables)
