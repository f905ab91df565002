"""`DockerHost`: the whole FARM app on one Docker engine, with pulumi-docker.

The same layout as the `compose.yaml` that `farm-deploy docker compose` writes
(the builder maps both from one spec): a private network; MongoDB and Ollama
on named volumes, with health checks and no published ports; the API image
built from the app; the front end built into an unprivileged nginx image that
serves the SPA and forwards `/api` to the API. Only the web server is
published on the host (the API too, on 127.0.0.1, when asked). Every
long-running container restarts `unless-stopped`.

Ollama gets the host's GPUs (`gpus = "all"`) only with the `gpu` flag: asking
for GPUs on a host without the NVIDIA runtime fails the container.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_docker as docker
import pulumi_random as random

from components import container as c
from components.common import child_opts
from components.files import write_if_changed


@dataclass
class DockerHostArgs:
    project: str  # prefix of container, image and volume names, e.g. "farm-chat-local"
    stage: str
    api_context: str  # folder the API image is built from
    api_dockerfile: str  # path of its Dockerfile
    api_port: int = 8000
    api_health_path: str = "/api/health"
    publish_api: bool = False
    api_env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    api_secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    web: bool = True
    web_context: str | None = None
    web_dockerfile: str | None = None
    web_port: int = 8080
    nginx_conf: str = ""
    ollama: bool = False
    gpu: bool = False
    ollama_models: Sequence[str] = ()
    ollama_keep_alive: str = "24h"
    mongodb: bool = True
    database_name: str = "app"
    mongodb_url_env: str = "MONGODB_URL"
    mongo_image: str = c.MONGO_IMAGE
    ollama_image: str = c.OLLAMA_IMAGE
    # Generated build files (name -> text) written to build_dir before building.
    build_files: Mapping[str, str] = field(default_factory=dict)
    build_dir: str | None = None
    protect: bool = False


class DockerHost(pulumi.ComponentResource):
    """MongoDB, Ollama, the API and the web server on one Docker engine."""

    web_url: pulumi.Output[str] | None
    api_url: pulumi.Output[str]

    def __init__(self, name: str, args: DockerHostArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:docker:DockerHost", name, None, opts)
        self._name = name
        self._args = args
        self._write_build_files()

        self.network = self._create_network()
        self.mongodb = self._create_mongodb() if args.mongodb else None
        self.ollama = self._create_ollama() if args.ollama else None
        self.ollama_pull = self._create_model_pull() if args.ollama and args.ollama_models else None
        self.api_image = self._create_api_image()
        self.api = self._create_api()
        self.web_image = self._create_web_image() if args.web else None
        self.web = self._create_web() if args.web else None

        # The URLs as seen from the host the engine runs on.
        self.web_url = pulumi.Output.from_input(f"http://localhost:{args.web_port}") if self.web else None
        if args.publish_api:
            self.api_url = pulumi.Output.from_input(f"http://127.0.0.1:{args.api_port}")
        else:
            self.api_url = pulumi.Output.from_input(f"http://localhost:{args.web_port}" if self.web else "")
        self.register_outputs({"networkName": self.network.name, "webUrl": self.web_url, "apiUrl": self.api_url})

    # ------------------------------------------------------------------ helpers

    def _opts(self, *, protect: bool = False, **kwargs: object) -> pulumi.ResourceOptions:
        return child_opts(self, protect=protect, **kwargs)

    def _write_build_files(self) -> None:
        """Generated Dockerfiles must exist on disk for the engine to build from them.

        Written atomically and only when different, so an unchanged plan does
        not touch the files (nor their timestamps).
        """
        if not self._args.build_files:
            return
        folder = Path(self._args.build_dir or ".")
        folder.mkdir(parents=True, exist_ok=True)
        for rel, text in self._args.build_files.items():
            write_if_changed(folder / rel, text)

    def _networks(self, alias: str) -> list[docker.ContainerNetworksAdvancedArgs]:
        return [docker.ContainerNetworksAdvancedArgs(name=self.network.name, aliases=[alias])]

    @staticmethod
    def _healthcheck(check: c.HealthCheck) -> docker.ContainerHealthcheckArgs:
        return docker.ContainerHealthcheckArgs(
            tests=["CMD", *check.test],
            interval=check.interval,
            timeout=check.timeout,
            retries=check.retries,
            start_period=check.start_period,
        )

    def _volume(self, key: str) -> docker.Volume:
        return docker.Volume(
            f"{self._name}-{key}",
            name=f"{self._args.project}-{key}",
            opts=self._opts(protect=self._args.protect),
        )

    # ------------------------------------------------------------------ children

    def _create_network(self) -> docker.Network:
        return docker.Network(
            f"{self._name}-network", name=f"{self._args.project}-net", driver="bridge", opts=self._opts()
        )

    def _create_mongodb(self) -> docker.Container:
        a = self._args
        self.mongodb_password = random.RandomPassword(
            f"{self._name}-mongodb-password", length=32, special=False, opts=self._opts()
        )
        self.mongodb_volume = self._volume("mongodb-data")
        image = docker.RemoteImage(
            f"{self._name}-mongodb-image", name=a.mongo_image, keep_locally=True, opts=self._opts()
        )
        return docker.Container(
            f"{self._name}-mongodb",
            name=f"{a.project}-mongodb",
            image=image.image_id,
            restart=c.RESTART_POLICY,
            envs=[
                f"MONGO_INITDB_ROOT_USERNAME={c.MONGO_USER}",
                pulumi.Output.secret(pulumi.Output.concat("MONGO_INITDB_ROOT_PASSWORD=", self.mongodb_password.result)),
            ],
            volumes=[docker.ContainerVolumeArgs(volume_name=self.mongodb_volume.name, container_path="/data/db")],
            networks_advanced=self._networks("mongodb"),
            healthcheck=self._healthcheck(c.MONGO_HEALTH),
            wait=True,
            opts=self._opts(),
        )

    def _create_ollama(self) -> docker.Container:
        a = self._args
        self.ollama_volume = self._volume("ollama-models")
        self.ollama_image = docker.RemoteImage(
            f"{self._name}-ollama-image", name=a.ollama_image, keep_locally=True, opts=self._opts()
        )
        return docker.Container(
            f"{self._name}-ollama",
            name=f"{a.project}-ollama",
            image=self.ollama_image.image_id,
            restart=c.RESTART_POLICY,
            envs=[f"OLLAMA_KEEP_ALIVE={a.ollama_keep_alive}"],
            gpus="all" if a.gpu else None,
            volumes=[docker.ContainerVolumeArgs(volume_name=self.ollama_volume.name, container_path="/root/.ollama")],
            networks_advanced=self._networks("ollama"),
            healthcheck=self._healthcheck(c.OLLAMA_HEALTH),
            wait=True,
            opts=self._opts(),
        )

    def _create_model_pull(self) -> docker.Container:
        """A one-shot container that pulls the plan's models into the shared volume."""
        a = self._args
        return docker.Container(
            f"{self._name}-ollama-pull",
            name=f"{a.project}-ollama-pull",
            image=self.ollama_image.image_id,
            restart="no",
            must_run=False,
            entrypoints=["/bin/sh", "-c"],
            command=[c.pull_models_command(list(a.ollama_models))],
            envs=[f"OLLAMA_HOST=http://ollama:{c.OLLAMA_PORT}"],
            networks_advanced=self._networks("ollama-pull"),
            opts=self._opts(depends_on=[self.ollama]),
        )

    def _create_api_image(self) -> docker.Image:
        a = self._args
        return docker.Image(
            f"{self._name}-api-image",
            image_name=f"{a.project}-api:local",
            build=docker.DockerBuildArgs(context=a.api_context, dockerfile=a.api_dockerfile),
            skip_push=True,
            opts=self._opts(),
        )

    def _api_envs(self) -> list[pulumi.Input[str]]:
        a = self._args
        envs: list[pulumi.Input[str]] = [
            f"{k}={v}" if isinstance(v, str) else pulumi.Output.concat(k, "=", v) for k, v in a.api_env.items()
        ]
        if self.mongodb is not None:
            url = pulumi.Output.concat(
                f"{a.mongodb_url_env}=mongodb://{c.MONGO_USER}:",
                self.mongodb_password.result,
                f"@mongodb:{c.MONGO_PORT}/{a.database_name}?authSource=admin",
            )
            envs.append(pulumi.Output.secret(url))
        for key, value in a.api_secrets.items():
            envs.append(pulumi.Output.secret(pulumi.Output.concat(key, "=", value)))
        return envs

    def _create_api(self) -> docker.Container:
        a = self._args
        depends = [r for r in (self.mongodb, self.ollama) if r is not None]
        ports = (
            [docker.ContainerPortArgs(internal=a.api_port, external=a.api_port, ip="127.0.0.1")]
            if a.publish_api
            else None
        )
        return docker.Container(
            f"{self._name}-api",
            name=f"{a.project}-api",
            image=self.api_image.repo_digest,
            restart=c.RESTART_POLICY,
            envs=self._api_envs(),
            ports=ports,
            networks_advanced=self._networks("api"),
            healthcheck=self._healthcheck(c.api_health_check(a.api_port, a.api_health_path)),
            wait=True,
            opts=self._opts(depends_on=depends),
        )

    def _create_web_image(self) -> docker.Image:
        a = self._args
        return docker.Image(
            f"{self._name}-web-image",
            image_name=f"{a.project}-web:local",
            build=docker.DockerBuildArgs(context=a.web_context, dockerfile=a.web_dockerfile),
            skip_push=True,
            opts=self._opts(),
        )

    def _create_web(self) -> docker.Container:
        a = self._args
        assert self.web_image is not None  # built whenever the web container is
        return docker.Container(
            f"{self._name}-web",
            name=f"{a.project}-web",
            image=self.web_image.repo_digest,
            restart=c.RESTART_POLICY,
            ports=[docker.ContainerPortArgs(internal=c.WEB_CONTAINER_PORT, external=a.web_port)],
            uploads=[docker.ContainerUploadArgs(file=c.NGINX_CONF_PATH, content=a.nginx_conf)],
            networks_advanced=self._networks("web"),
            healthcheck=self._healthcheck(c.WEB_HEALTH),
            opts=self._opts(depends_on=[self.api]),
        )
