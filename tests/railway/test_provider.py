"""The Railway dynamic providers, called directly against the local GraphQL server.

In a deployment the engine calls these methods in a separate process; here
they run in-process, so each test sees the exact GraphQL operations sent, in
order, and every request has passed the schema check of the fake server.
"""

from __future__ import annotations

import base64

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown

from components.railway import operations as ops
from components.railway.client import RailwayApiError, RailwayClient
from components.railway.provider import (
    ProjectProvider,
    ServiceProvider,
    VariablesProvider,
    VolumeProvider,
)

from .conftest import TOKEN, FakeRailway


def conn(railway: FakeRailway) -> dict[str, str]:
    return {"endpoint": railway.url, "token": TOKEN}


def service_props(railway: FakeRailway, **extra: object) -> dict[str, object]:
    props: dict[str, object] = {
        **conn(railway),
        "projectId": "project-1",
        "environmentId": "project-1-env",
        "name": "api",
        "source": {"repo": "acme/farm-chat"},
        "branch": "main",
        "rootDirectory": "apps/api",
        "healthcheckPath": "/api/health",
        "healthcheckTimeout": 120.0,  # the engine hands numbers over as floats
        "restartPolicyType": "ON_FAILURE",
        "restartPolicyMaxRetries": 5.0,
        "railwayConfigFile": "apps/api/railway.json",
    }
    props.update(extra)
    return props


# --------------------------------------------------------------------------- project


def test_project_create_update_delete(railway: FakeRailway) -> None:
    provider = ProjectProvider()
    props = {**conn(railway), "name": "farm-chat-dev", "defaultEnvironmentName": "dev"}

    created = provider.create(props)

    assert created.id == "project-1"
    assert created.outs["environmentId"] == "project-1-env"
    assert created.outs["environmentName"] == "dev"
    assert railway.calls[0].variables == {"input": {"name": "farm-chat-dev", "defaultEnvironmentName": "dev"}}

    news = {**props, "name": "farm-chat-development", "description": "FARM app"}
    diff = provider.diff(created.id, created.outs, news)
    assert (diff.changes, diff.replaces) == (True, [])
    updated = provider.update(created.id, created.outs, news)
    assert updated.outs["environmentId"] == "project-1-env"

    provider.delete(created.id, updated.outs)

    assert railway.operations() == ["projectCreate", "projectUpdate", "projectDelete"]
    assert railway.calls[1].variables == {
        "id": "project-1",
        "input": {"name": "farm-chat-development", "description": "FARM app"},
    }
    assert railway.calls[2].variables == {"id": "project-1"}


def test_project_diff_replaces_on_workspace_and_ignores_token(railway: FakeRailway) -> None:
    provider = ProjectProvider()
    olds = {**conn(railway), "name": "p", "workspaceId": "ws-1", "environmentId": "e"}

    moved = provider.diff("project-1", olds, {**olds, "workspaceId": "ws-2"})
    rotated = provider.diff("project-1", olds, {**olds, "token": "another-token", "endpoint": "http://x"})

    assert (moved.changes, moved.replaces) == (True, ["workspaceId"])
    assert (rotated.changes, rotated.replaces) == (False, [])
    assert railway.calls == []  # diff never calls Railway


def test_project_read_returns_railway_state(railway: FakeRailway) -> None:
    result = ProjectProvider().read("project-7", {**conn(railway), "name": "old"})

    assert result.id == "project-7"
    assert (result.outs["name"], result.outs["environmentId"]) == ("read-back", "project-7-env")
    assert railway.operations() == ["project"]


# --------------------------------------------------------------------------- service


def test_service_create_sends_create_settings_and_domain(railway: FakeRailway) -> None:
    created = ServiceProvider().create(service_props(railway, publicPort=8000.0))

    assert created.id == "service-1"
    assert created.outs["domain"] == "service-1.up.railway.app"
    assert railway.operations() == ["serviceCreate", "serviceInstanceUpdate", "serviceDomainCreate"]
    assert railway.calls[0].variables == {
        "input": {
            "projectId": "project-1",
            "environmentId": "project-1-env",
            "name": "api",
            "source": {"repo": "acme/farm-chat"},
            "branch": "main",
        }
    }
    assert railway.calls[1].variables == {
        "serviceId": "service-1",
        "environmentId": "project-1-env",
        "input": {
            "healthcheckPath": "/api/health",
            "healthcheckTimeout": 120,
            "railwayConfigFile": "apps/api/railway.json",
            "restartPolicyMaxRetries": 5,
            "restartPolicyType": "ON_FAILURE",
            "rootDirectory": "apps/api",
        },
    }
    assert railway.calls[2].variables == {
        "input": {"serviceId": "service-1", "environmentId": "project-1-env", "targetPort": 8000}
    }


def test_service_from_image_without_domain(railway: FakeRailway) -> None:
    props = {
        **conn(railway),
        "projectId": "project-1",
        "environmentId": "e",
        "name": "mongodb",
        "source": {"image": "mongo:8.0"},
    }

    created = ServiceProvider().create(props)

    # no settings and no public port: nothing but the create
    assert railway.operations() == ["serviceCreate"]
    assert railway.calls[0].variables["input"]["source"] == {"image": "mongo:8.0"}
    assert created.outs["domain"] is None


@pytest.mark.parametrize(
    ("change", "replaces"),
    [
        ({"projectId": "project-2"}, ["projectId"]),
        ({"environmentId": "other-env"}, ["environmentId"]),
        ({"branch": "release"}, ["branch"]),
        ({"publicPort": 9000.0}, ["publicPort"]),
        ({"name": "backend"}, []),
        ({"healthcheckPath": "/healthz"}, []),
        ({"source": {"image": "ghcr.io/acme/api:1.2.3"}}, []),
    ],
)
def test_service_diff_replaces_immutable_fields_only(
    railway: FakeRailway, change: dict[str, object], replaces: list[str]
) -> None:
    olds = service_props(railway, publicPort=8000.0, domain="d")

    diff = ServiceProvider().diff("service-1", olds, {**olds, **change})

    assert diff.changes is True
    assert diff.replaces == replaces


def test_service_diff_no_change(railway: FakeRailway) -> None:
    olds = service_props(railway, domain="d")
    diff = ServiceProvider().diff("service-1", olds, {**service_props(railway), "token": "rotated"})
    assert (diff.changes, diff.replaces) == (False, [])


def test_service_update_sends_only_what_changed(railway: FakeRailway) -> None:
    olds = service_props(railway, domain="service-1.up.railway.app")
    news = service_props(
        railway,
        name="backend",
        healthcheckPath="/healthz",
        startCommand=None,
        source={"image": "ghcr.io/acme/api:1.2.3"},
        railwayConfigFile=None,
    )

    result = ServiceProvider().update("service-1", olds, news)

    assert railway.operations() == ["serviceUpdate", "serviceInstanceUpdate"]
    assert railway.calls[0].variables == {"id": "service-1", "input": {"name": "backend"}}
    assert railway.calls[1].variables == {
        "serviceId": "service-1",
        "environmentId": "project-1-env",
        # a removed setting is sent as null so Railway resets it
        "input": {
            "source": {"image": "ghcr.io/acme/api:1.2.3"},
            "healthcheckPath": "/healthz",
            "railwayConfigFile": None,
        },
    }
    assert result.outs["domain"] == "service-1.up.railway.app"


def test_service_read_and_delete(railway: FakeRailway) -> None:
    provider = ServiceProvider()
    read = provider.read("service-3", service_props(railway))
    provider.delete("service-3", read.outs)

    assert railway.operations() == ["serviceInstance", "serviceDelete"]
    assert read.outs["restartPolicyType"] == "ON_FAILURE"
    assert read.outs["source"] == {"repo": "acme/farm-chat"}
    assert railway.calls[1].variables == {"id": "service-3", "environmentId": "project-1-env"}


# --------------------------------------------------------------------------- variables


def variables_props(railway: FakeRailway, variables: dict[str, object]) -> dict[str, object]:
    return {**conn(railway), "projectId": "p", "environmentId": "e", "serviceId": "s", "variables": variables}


def test_variables_lifecycle_keeps_values_out_of_outputs(railway: FakeRailway) -> None:
    provider = VariablesProvider()
    first = variables_props(railway, {"MONGODB_URL": "mongodb://u:hunter2@db", "PORT": 8000.0})

    created = provider.create(first)
    second = variables_props(
        railway, {"MONGODB_URL": "mongodb://u:hunter2@db", "PORT": "8080", "OLLAMA_URL": "http://o"}
    )
    diff = provider.diff(created.id, created.outs, second)
    updated = provider.update(created.id, created.outs, second)
    third = variables_props(railway, {"OLLAMA_URL": "http://o"})
    updated_again = provider.update(created.id, updated.outs, third)
    provider.delete(created.id, updated_again.outs)

    assert railway.operations() == [
        "variableCollectionUpsert",
        "variableCollectionUpsert",
        "variableDelete",
        "variableDelete",
        "variableDelete",
    ]
    scope = {"projectId": "p", "environmentId": "e", "serviceId": "s"}
    assert railway.calls[0].variables == {
        "input": {**scope, "variables": {"MONGODB_URL": "mongodb://u:hunter2@db", "PORT": "8000"}}
    }
    assert diff.changes is True and diff.replaces == []
    # only the changed and the new variable are upserted
    assert railway.calls[1].variables == {"input": {**scope, "variables": {"PORT": "8080", "OLLAMA_URL": "http://o"}}}
    # third: OLLAMA_URL unchanged, two removed -> deletes only, sorted
    assert [c.operation for c in railway.calls[2:4]] == ["variableDelete", "variableDelete"]
    assert [c.variables["input"]["name"] for c in railway.calls[2:4]] == ["MONGODB_URL", "PORT"]
    # delete removes what is left
    assert railway.calls[4].variables == {"input": {**scope, "name": "OLLAMA_URL"}}
    for outs in (created.outs, updated.outs, updated_again.outs):
        assert "variables" not in outs
        assert "hunter2" not in repr(outs)
    assert updated_again.outs["names"] == ["OLLAMA_URL"]


def test_variables_diff_unchanged_and_unknown(railway: FakeRailway) -> None:
    provider = VariablesProvider()
    props = variables_props(railway, {"A": "1"})
    created = provider.create(props)

    same = provider.diff(created.id, created.outs, props)
    unknown = provider.diff(created.id, created.outs, variables_props(railway, {"A": Unknown()}))
    moved = provider.diff(created.id, created.outs, {**props, "serviceId": "s2"})

    assert (same.changes, same.replaces) == (False, [])
    assert unknown.changes is True
    assert moved.replaces == ["serviceId"]


# --------------------------------------------------------------------------- volume


def test_volume_create_diff_delete(railway: FakeRailway) -> None:
    provider = VolumeProvider()
    props = {**conn(railway), "projectId": "p", "environmentId": "e", "serviceId": "s", "mountPath": "/data/db"}

    created = provider.create(props)
    same = provider.diff(created.id, created.outs, props)
    moved = provider.diff(created.id, created.outs, {**props, "mountPath": "/data"})
    provider.delete(created.id, created.outs)

    assert railway.operations() == ["volumeCreate", "volumeDelete"]
    assert railway.calls[0].variables == {
        "input": {"projectId": "p", "environmentId": "e", "serviceId": "s", "mountPath": "/data/db"}
    }
    assert railway.calls[1].variables == {"volumeId": "volume-1"}
    assert (same.changes, same.replaces) == (False, [])
    assert (moved.changes, moved.replaces, moved.delete_before_replace) == (True, ["mountPath"], True)


# --------------------------------------------------------------------------- client and schema


def test_every_operation_validates_against_the_schema(railway_schema) -> None:
    from graphql import parse, validate

    used = set()
    for name, document in ops.ALL.items():
        assert validate(railway_schema, parse(document)) == [], name
        used.add(parse(document).definitions[0].selection_set.selections[0].name.value)
    # the schema subset holds exactly the root fields the provider sends, no more
    declared = set(railway_schema.query_type.fields) | set(railway_schema.mutation_type.fields)
    assert used == declared


def test_api_error_is_raised_with_the_operation(railway: FakeRailway) -> None:
    railway.fail_next["projectDelete"] = "Project not found"
    with pytest.raises(RailwayApiError, match=r"Railway ProjectDelete: Project not found"):
        ProjectProvider().delete("project-9", conn(railway))


def test_missing_token_is_a_clear_error(railway: FakeRailway, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAILWAY_API_TOKEN", raising=False)
    with pytest.raises(RailwayApiError, match="no API token"):
        RailwayClient(endpoint=railway.url).execute(ops.PROJECT_DELETE, {"id": "p"})
    assert railway.calls == []


def test_token_from_environment(railway: FakeRailway, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAILWAY_API_TOKEN", TOKEN)
    VolumeProvider().delete("volume-3", {"endpoint": railway.url})
    assert railway.operations() == ["volumeDelete"]


def test_rejected_token_reports_http_status(railway: FakeRailway) -> None:
    with pytest.raises(RailwayApiError, match="HTTP 401: Not Authorized") as info:
        RailwayClient(endpoint=railway.url, token="wrong").execute(ops.PROJECT_DELETE, {"id": "p"})
    assert info.value.status == 401
    railway.failures.clear()  # the server recorded the bad token on purpose


def test_unreachable_endpoint_is_a_clear_error() -> None:
    client = RailwayClient(endpoint="http://127.0.0.1:9/graphql", token="t", timeout=2)
    with pytest.raises(RailwayApiError, match="cannot reach http://127.0.0.1:9/graphql"):
        client.execute(ops.PROJECT_DELETE, {"id": "p"})


@pytest.mark.parametrize("provider", [ProjectProvider(), ServiceProvider(), VariablesProvider(), VolumeProvider()])
def test_providers_serialise_as_pulumi_does(provider) -> None:
    blob = serialize_provider(provider)
    restored = dill.loads(base64.b64decode(blob))
    assert type(restored) is type(provider)
    assert vars(restored) == {}  # no members: nothing unpicklable, nothing secret captured
