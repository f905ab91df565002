"""Pulumi dynamic providers over Railway's public GraphQL API.

Railway has no Pulumi provider, so each Railway object the app needs is a
`pulumi.dynamic.Resource` whose CRUD calls Railway directly: a project, a
service (with its per-environment settings and optional public domain), a
service's variables, and a volume.

Property names are Railway's (camelCase), so inputs map 1:1 onto the GraphQL
inputs. Every resource also takes `endpoint` (tests point it at a local
server) and `token` (a Pulumi secret; `$RAILWAY_API_TOKEN` when absent): both
are ignored by `diff`, so rotating a token does not touch the resources.

The providers are pickled into the state and run in another process: they
hold no members, build a `RailwayClient` per call, and import only modules of
this package.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import pulumi
import pulumi.dynamic as dyn
from pulumi.output import Unknown
from pulumi.runtime import rpc

from . import operations as ops
from .client import RailwayClient

_CONNECTION = ("endpoint", "token")


def _is_unknown(value: Any) -> bool:
    """A value the engine does not know yet (preview): never equal to a real one."""
    return isinstance(value, Unknown) or value == rpc.UNKNOWN


def _client(props: dict[str, Any]) -> RailwayClient:
    return RailwayClient.from_props(props)


def _changed(olds: dict[str, Any], news: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    return [k for k in keys if olds.get(k) != news.get(k)]


def _connection(props: dict[str, Any]) -> dict[str, Any]:
    return {k: props.get(k) for k in _CONNECTION if props.get(k) is not None}


# --------------------------------------------------------------------------- project


class ProjectProvider(dyn.ResourceProvider):
    """A Railway project; its first (default) environment is where the stage lives.

    `name` and `description` update in place; the workspace and the default
    environment's name can only be chosen at creation, so they replace.
    """

    REPLACE_KEYS = ("workspaceId", "defaultEnvironmentName")
    UPDATE_KEYS = ("name", "description")

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        project_input = {
            k: props[k] for k in ("name", "description", "workspaceId", "defaultEnvironmentName") if props.get(k)
        }
        data = _client(props).execute(ops.PROJECT_CREATE, {"input": project_input})["projectCreate"]
        return dyn.CreateResult(data["id"], {**props, **self._environment(data, props)})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        replaces = _changed(olds, news, self.REPLACE_KEYS)
        updates = _changed(olds, news, self.UPDATE_KEYS)
        return dyn.DiffResult(changes=bool(replaces or updates), replaces=replaces, stables=["environmentId"])

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        project_input = {k: news.get(k) for k in self.UPDATE_KEYS}
        _client(news).execute(ops.PROJECT_UPDATE, {"id": _id, "input": project_input})
        return dyn.UpdateResult(
            {**news, "environmentId": olds.get("environmentId"), "environmentName": olds.get("environmentName")}
        )

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        data = _client(props).execute(ops.PROJECT_READ, {"id": id_})["project"]
        outs = {**props, "name": data["name"], "description": data.get("description"), **self._environment(data, props)}
        return dyn.ReadResult(id_, outs)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        _client(props).execute(ops.PROJECT_DELETE, {"id": _id})

    @staticmethod
    def _environment(data: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        envs = [e["node"] for e in data.get("environments", {}).get("edges", [])]
        wanted = props.get("defaultEnvironmentName")
        chosen = next((e for e in envs if e["name"] == wanted), envs[0] if envs else None)
        if chosen is None:
            return {"environmentId": None, "environmentName": None}
        return {"environmentId": chosen["id"], "environmentName": chosen["name"]}


# --------------------------------------------------------------------------- service


class ServiceProvider(dyn.ResourceProvider):
    """A service in one environment: its source, build/deploy settings and public domain.

    The project, environment and branch cannot change under a service, nor can
    its public port once a domain was generated: those replace. The name
    updates through `serviceUpdate`; the source and the settings through
    `serviceInstanceUpdate`, sending only what changed (a removed setting is
    sent as null, which resets it).
    """

    REPLACE_KEYS = ("projectId", "environmentId", "branch", "publicPort")
    SETTINGS_KEYS = (
        "buildCommand",
        "dockerfilePath",
        "healthcheckPath",
        "healthcheckTimeout",
        "numReplicas",
        "railwayConfigFile",
        "restartPolicyMaxRetries",
        "restartPolicyType",
        "rootDirectory",
        "startCommand",
    )
    UPDATE_KEYS = ("name", "source", *SETTINGS_KEYS)

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        client = _client(props)
        service_input = {
            "projectId": props["projectId"],
            "environmentId": props["environmentId"],
            "name": props["name"],
            "source": props.get("source"),
        }
        if props.get("branch"):
            service_input["branch"] = props["branch"]
        service_id = client.execute(ops.SERVICE_CREATE, {"input": service_input})["serviceCreate"]["id"]
        settings = {k: props[k] for k in self.SETTINGS_KEYS if props.get(k) is not None}
        if settings:
            self._update_instance(client, service_id, props["environmentId"], settings)
        domain = None
        if props.get("publicPort"):
            domain_input = {
                "serviceId": service_id,
                "environmentId": props["environmentId"],
                "targetPort": int(props["publicPort"]),
            }
            domain = client.execute(ops.SERVICE_DOMAIN_CREATE, {"input": domain_input})["serviceDomainCreate"]["domain"]
        return dyn.CreateResult(service_id, {**props, "domain": domain})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        replaces = _changed(olds, news, self.REPLACE_KEYS)
        updates = _changed(olds, news, self.UPDATE_KEYS)
        return dyn.DiffResult(
            changes=bool(replaces or updates), replaces=replaces, stables=[] if replaces else ["domain"]
        )

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        client = _client(news)
        if olds.get("name") != news.get("name"):
            client.execute(ops.SERVICE_UPDATE, {"id": _id, "input": {"name": news["name"]}})
        instance = {k: news.get(k) for k in ("source", *self.SETTINGS_KEYS) if olds.get(k) != news.get(k)}
        if instance:
            self._update_instance(client, _id, news["environmentId"], instance)
        return dyn.UpdateResult({**news, "domain": olds.get("domain")})

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        data = _client(props).execute(
            ops.SERVICE_INSTANCE_READ, {"serviceId": id_, "environmentId": props["environmentId"]}
        )["serviceInstance"]
        outs = {**props, "name": data["serviceName"]}
        outs.update({k: data.get(k) for k in self.SETTINGS_KEYS if k in data})
        source = {k: v for k, v in (data.get("source") or {}).items() if v}
        outs["source"] = source or None
        return dyn.ReadResult(id_, outs)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        _client(props).execute(ops.SERVICE_DELETE, {"id": _id, "environmentId": props.get("environmentId")})

    @staticmethod
    def _update_instance(client: RailwayClient, service_id: str, environment_id: str, settings: dict[str, Any]) -> None:
        for key in ("healthcheckTimeout", "numReplicas", "restartPolicyMaxRetries"):
            # Pulumi hands numbers over as floats; the schema wants Int.
            if isinstance(settings.get(key), float):
                settings[key] = int(settings[key])
        client.execute(
            ops.SERVICE_INSTANCE_UPDATE,
            {"serviceId": service_id, "environmentId": environment_id, "input": settings},
        )


# --------------------------------------------------------------------------- variables


def _as_variable(value: Any) -> str:
    """Railway variables are strings; the engine hands numbers over as floats (8000.0)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _digest(salt: str, name: str, value: Any) -> str:
    return hashlib.sha256(f"{salt}\0{name}\0{_as_variable(value)}".encode()).hexdigest()


class VariablesProvider(dyn.ResourceProvider):
    """The variables of one service in one environment, as one collection.

    The values are secrets: the outputs keep only their names and salted
    digests (enough to tell what changed), never the values. Changed and new
    variables are upserted in one call, removed ones deleted one by one.
    """

    REPLACE_KEYS = ("projectId", "environmentId", "serviceId")

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        variables = dict(props.get("variables") or {})
        self._upsert(_client(props), props, variables)
        salt = secrets.token_hex(8)
        return dyn.CreateResult(f"{props['serviceId']}:{props['environmentId']}", self._outs(props, variables, salt))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        replaces = _changed(olds, news, self.REPLACE_KEYS)
        variables = news.get("variables")
        if not isinstance(variables, dict) or any(_is_unknown(v) for v in variables.values()):
            return dyn.DiffResult(changes=True, replaces=replaces)
        salt = olds.get("salt", "")
        wanted = {k: _digest(salt, k, v) for k, v in variables.items()}
        return dyn.DiffResult(changes=bool(replaces) or wanted != (olds.get("digests") or {}), replaces=replaces)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        client = _client(news)
        salt = olds.get("salt") or secrets.token_hex(8)
        old_digests = olds.get("digests") or {}
        variables = dict(news.get("variables") or {})
        changed = {k: v for k, v in variables.items() if old_digests.get(k) != _digest(salt, k, v)}
        if changed:
            self._upsert(client, news, changed)
        for name in sorted(set(old_digests) - set(variables)):
            self._delete_one(client, news, name)
        return dyn.UpdateResult(self._outs(news, variables, salt))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        client = _client(props)
        for name in props.get("names") or []:
            self._delete_one(client, props, name)

    @staticmethod
    def _scope(props: dict[str, Any]) -> dict[str, Any]:
        return {
            "projectId": props["projectId"],
            "environmentId": props["environmentId"],
            "serviceId": props["serviceId"],
        }

    def _upsert(self, client: RailwayClient, props: dict[str, Any], variables: dict[str, Any]) -> None:
        values = {k: _as_variable(v) for k, v in variables.items()}
        client.execute(ops.VARIABLE_COLLECTION_UPSERT, {"input": {**self._scope(props), "variables": values}})

    def _delete_one(self, client: RailwayClient, props: dict[str, Any], name: str) -> None:
        client.execute(ops.VARIABLE_DELETE, {"input": {**self._scope(props), "name": name}})

    def _outs(self, props: dict[str, Any], variables: dict[str, Any], salt: str) -> dict[str, Any]:
        return {
            **self._scope(props),
            **_connection(props),
            "names": sorted(variables),
            "salt": salt,
            "digests": {k: _digest(salt, k, v) for k, v in variables.items()},
        }


# --------------------------------------------------------------------------- volume


class VolumeProvider(dyn.ResourceProvider):
    """A volume mounted into one service.

    Nothing about a volume changes in place here: any change replaces it, and
    the old one goes first (a Railway service takes one volume), so the data
    is lost: that is why the component protects volumes in prod.
    """

    REPLACE_KEYS = ("projectId", "environmentId", "serviceId", "mountPath")

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        volume_input = {k: props[k] for k in self.REPLACE_KEYS}
        data = _client(props).execute(ops.VOLUME_CREATE, {"input": volume_input})["volumeCreate"]
        return dyn.CreateResult(data["id"], {**props, "volumeName": data["name"]})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        replaces = _changed(olds, news, self.REPLACE_KEYS)
        return dyn.DiffResult(changes=bool(replaces), replaces=replaces, delete_before_replace=bool(replaces))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        _client(props).execute(ops.VOLUME_DELETE, {"volumeId": _id})


# --------------------------------------------------------------------------- resources


class RailwayProject(dyn.Resource):
    """A Railway project; `environmentId` is its default environment."""

    environmentId: pulumi.Output[str]  # noqa: N815 (Railway's property name)

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(ProjectProvider(), name, {"environmentId": None, "environmentName": None, **props}, opts)


class RailwayService(dyn.Resource):
    """A Railway service; `domain` is its public domain when `publicPort` is set."""

    domain: pulumi.Output[str | None]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(ServiceProvider(), name, {"domain": None, **props}, opts)


class RailwayVariables(dyn.Resource):
    """The variables of a Railway service (values are secrets and stay out of the outputs)."""

    names: pulumi.Output[list[str]]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(VariablesProvider(), name, {"names": None, **props}, opts)


class RailwayVolume(dyn.Resource):
    """A Railway volume mounted into a service."""

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(VolumeProvider(), name, props, opts)
