"""`compose-service`, `kubernetes-workload`, `unreadable-deploy-file`: deploy files read as YAML.

Compose files under every name the Compose specification lists
(https://docs.docker.com/compose/intro/compose-application-model/#the-compose-file:
`compose.yaml`, `compose.yml`, `docker-compose.yaml`, `docker-compose.yml`, plus
override and per-environment variants such as `docker-compose.prod.yml`), and any
other YAML file shaped like one (a top-level `services:` mapping whose services
all name an `image` or a `build`, run with `docker compose -f`). Each
service gives one finding with its image, build context and Dockerfile (both
relative to the repository root, as the assembly step links a Dockerfile to the
API through them), published ports and the names (never the values) of its
environment variables.

Kubernetes manifests (`apiVersion:` and `kind:` at the top level) give one
finding per Deployment/StatefulSet/DaemonSet/Job/CronJob with its container
images and environment variable names.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from ...models import Finding
from ..registry import register
from ..source import SourceFile

_COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$")
_WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet")


def is_compose_file(name: str) -> bool:
    return bool(_COMPOSE_NAME.match(name))


def _yaml_documents(src: SourceFile) -> list[Any] | Finding:
    import yaml  # only repositories with YAML deploy files pay for the import

    try:
        return [d for d in yaml.safe_load_all(src.text) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return Finding(
            kind="unreadable-deploy-file",
            severity="warning",
            message=f"deploy file is not valid YAML, not read: {getattr(exc, 'problem', None) or exc}",
            file=src.rel,
            line=mark.line + 1 if mark is not None else None,
        )


def _env_names(environment: Any) -> list[str]:
    if isinstance(environment, dict):
        return [str(k) for k in environment]
    if isinstance(environment, list):
        return [str(item).split("=", 1)[0] for item in environment if isinstance(item, str | int)]
    return []


def _ports(ports: Any) -> list[str]:
    out = []
    for port in ports if isinstance(ports, list) else []:
        if isinstance(port, dict):
            port = port.get("published") or port.get("target")
        if port is not None:
            out.append(str(port))
    return out


def _line_of_key(src: SourceFile, key: str) -> int | None:
    match = re.search(rf"^[ \t]+['\"]?{re.escape(key)}['\"]?[ \t]*:", src.text, re.M)
    return src.line_of(match.start()) if match else None


def _repo_path(folder: str, path: str) -> str:
    """`path` (relative to the compose file's folder, as Compose resolves it) relative to the repository root."""
    joined = posixpath.normpath(posixpath.join(folder if folder != "." else "", path))
    return "." if joined in ("", ".") else joined


def _compose(src: SourceFile, documents: list[Any], renamed: bool = False) -> list[Finding]:
    findings = []
    for document in documents:
        services = document.get("services") if isinstance(document, dict) else None
        if not isinstance(services, dict):
            continue
        for name, service in services.items():
            service = service if isinstance(service, dict) else {}
            detail = {"service": str(name)}
            if isinstance(service.get("image"), str):
                detail["image"] = service["image"]
            build = service.get("build")
            if isinstance(build, str):
                build = {"context": build}
            if isinstance(build, dict):
                context = _repo_path(src.directory, str(build.get("context") or "."))
                detail["build_context"] = context
                dockerfile = build.get("dockerfile")
                if isinstance(dockerfile, str) and "://" not in dockerfile:
                    detail["dockerfile"] = _repo_path(context, dockerfile)
                else:
                    detail["dockerfile"] = _repo_path(context, "Dockerfile")
            extends = service.get("extends")
            if isinstance(extends, dict) and isinstance(extends.get("file"), str):
                # https://docs.docker.com/compose/how-tos/multiple-compose-files/extends/ : `file` is
                # relative to this compose file
                detail["extends_file"] = _repo_path(src.directory, extends["file"])
            if renamed:
                detail["renamed"] = "true"
            ports = _ports(service.get("ports"))
            if ports:
                detail["ports"] = ",".join(ports)
            env = _env_names(service.get("environment"))
            if env:
                detail["env"] = ",".join(env)
            what = detail.get("image") or (f"built from {detail['build_context']}" if "build_context" in detail else "")
            findings.append(
                Finding(
                    kind="compose-service",
                    message=f"compose service {name}" + (f" ({what})" if what else ""),
                    file=src.rel,
                    line=_line_of_key(src, str(name)),
                    detail=detail,
                )
            )
    return findings


def _kubernetes(src: SourceFile, documents: list[Any]) -> list[Finding]:
    findings = []
    for document in documents:
        if not isinstance(document, dict) or document.get("kind") not in _WORKLOADS:
            continue
        spec: Any = document.get("spec") or {}
        # Pod: spec.containers; Deployment & co: spec.template.spec; CronJob: spec.jobTemplate.spec.template.spec
        for step in ("jobTemplate", "spec", "template", "spec"):
            if isinstance(spec, dict) and "containers" not in spec and step in spec:
                spec = spec[step]
        containers = spec.get("containers") if isinstance(spec, dict) else None
        images, env = [], []
        for container in containers if isinstance(containers, list) else []:
            if isinstance(container, dict):
                if isinstance(container.get("image"), str):
                    images.append(container["image"])
                env += [str(e.get("name")) for e in container.get("env") or [] if isinstance(e, dict)]
        metadata = document.get("metadata") or {}
        name = str(metadata.get("name", "")) if isinstance(metadata, dict) else ""
        detail = {"workload": str(document["kind"]), "name": name, "images": ",".join(images)}
        if env:
            detail["env"] = ",".join(env)
        findings.append(
            Finding(
                kind="kubernetes-workload",
                message=f"Kubernetes {document['kind']} {name} ({', '.join(images) or 'no image'})",
                file=src.rel,
                line=1,
                detail=detail,
            )
        )
    return findings


def _compose_shaped(documents: list[Any]) -> bool:
    """A top-level `services:` mapping in which every service names an `image` or a `build`.

    `docker compose -f Production.yml up` reads a compose file under any name
    (https://docs.docker.com/compose/reference/help/, "Use -f to specify the name and path of one or
    more Compose files"),
    so the shape decides. A list of services (GitLab CI, render.yaml) or services without an image or
    build are other tools' files.
    """
    for document in documents:
        services = document.get("services") if isinstance(document, dict) else None
        if isinstance(services, dict) and services:
            return all(isinstance(s, dict) and ("image" in s or "build" in s) for s in services.values())
    return False


@register("deploy-yaml", suffixes=(".yml", ".yaml"), quick=("services:", "apiVersion:"), app_code_only=False)
def detect(src: SourceFile) -> list[Finding]:
    compose = is_compose_file(src.name)
    kubernetes = not compose and "kind:" in src.text and re.search(r"^apiVersion:", src.text, re.M) is not None
    # a compose file under another name (backend/Production.yml): read it when `services:` is top level
    renamed = not (compose or kubernetes) and re.search(r"^services:", src.text, re.M) is not None
    if not (compose or kubernetes or renamed):
        return []
    documents = _yaml_documents(src)
    if isinstance(documents, Finding):
        # a YAML file of unknown purpose that does not parse is no deploy file
        return [] if renamed else [documents]
    if renamed:
        return _compose(src, documents, renamed=True) if _compose_shaped(documents) else []
    return _compose(src, documents) if compose else _kubernetes(src, documents)
