"""A stand-in for Railway's GraphQL endpoint, on 127.0.0.1, for the provider tests.

Every request is parsed and validated against `components/railway/schema.graphql`
(the published schema's subset) with graphql-core, its variables coerced to the
declared types, and then executed against canned resolvers, so the answer has
exactly the shape the query selected. Anything else (a bad token, a document or
variable the schema rejects, an operation with no canned answer) is recorded as
a failure, answered with an error, and fails the test at teardown.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLSchema, build_schema, graphql_sync, parse, validate

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "components" / "railway" / "schema.graphql"
TOKEN = "test-token-not-secret"


@dataclass
class Call:
    operation: str  # the root field, e.g. "serviceCreate"
    variables: dict[str, Any]


@dataclass
class FakeRailway:
    schema: GraphQLSchema
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    # root field -> resolver(**args) returning the canned data
    answers: dict[str, Callable[..., Any]] = field(default_factory=dict)
    fail_next: dict[str, str] = field(default_factory=dict)  # root field -> error message to answer once
    _ids: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def new_id(self, kind: str) -> str:
        with self._lock:
            self._ids[kind] = self._ids.get(kind, 0) + 1
            return f"{kind}-{self._ids[kind]}"

    def operations(self) -> list[str]:
        return [c.operation for c in self.calls]

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        if headers.get("authorization") != f"Bearer {TOKEN}":
            self.failures.append(f"bad Authorization header: {headers.get('authorization')!r}")
            return 401, {"errors": [{"message": "Not Authorized"}]}
        try:
            payload = json.loads(body)
            document = parse(payload["query"])
        except Exception as exc:
            self.failures.append(f"unparsable request: {exc}")
            return 400, {"errors": [{"message": str(exc)}]}
        errors = validate(self.schema, document)
        if errors:
            self.failures.append("invalid against schema.graphql: " + "; ".join(e.message for e in errors))
            return 400, {"errors": [{"message": e.message} for e in errors]}
        variables = payload.get("variables") or {}
        operation = document.definitions[0]
        root_field = operation.selection_set.selections[0].name.value
        if payload.get("operationName") != operation.name.value:
            self.failures.append(f"operationName {payload.get('operationName')!r} != {operation.name.value!r}")
        if root_field not in self.answers:
            self.failures.append(f"no canned answer for {root_field}")
            return 400, {"errors": [{"message": f"unexpected operation {root_field}"}]}
        self._check_environment_variables(root_field, variables)
        self.calls.append(Call(root_field, variables))
        if root_field in self.fail_next:
            return 200, {"errors": [{"message": self.fail_next.pop(root_field)}], "data": None}
        root = {name: (lambda _info, _fn=fn, **kw: _fn(**kw)) for name, fn in self.answers.items()}
        result = graphql_sync(self.schema, payload["query"], root_value=root, variable_values=variables)
        if result.errors:
            self.failures.append(f"{root_field}: " + "; ".join(e.message for e in result.errors))
            return 400, {"errors": [{"message": e.message} for e in result.errors]}
        return 200, {"data": result.data}

    def _check_environment_variables(self, root_field: str, variables: dict[str, Any]) -> None:
        # EnvironmentVariables is a custom scalar: graphql-core passes it through,
        # so check its documented shape (an object of string values) here.
        found = variables.get("input", {}).get("variables") if isinstance(variables.get("input"), dict) else None
        if found is not None and not (isinstance(found, dict) and all(isinstance(v, str) for v in found.values())):
            self.failures.append(f"{root_field}: EnvironmentVariables must map names to strings, got {found!r}")


def _default_answers(fake: FakeRailway) -> dict[str, Callable[..., Any]]:
    def project(input: dict[str, Any]) -> dict[str, Any]:
        pid = fake.new_id("project")
        env_name = input.get("defaultEnvironmentName") or "production"
        return {
            "id": pid,
            "name": input.get("name") or "generated",
            "description": input.get("description"),
            "environments": {"edges": [{"node": {"id": f"{pid}-env", "name": env_name}}]},
        }

    def service(input: dict[str, Any]) -> dict[str, Any]:
        return {"id": fake.new_id("service"), "name": input.get("name") or "service", "projectId": input["projectId"]}

    return {
        "projectCreate": project,
        "projectUpdate": lambda id, input: {"id": id, "name": input.get("name") or "x"},
        "projectDelete": lambda id: True,
        "project": lambda id: {
            "id": id,
            "name": "read-back",
            "description": None,
            "environments": {"edges": [{"node": {"id": f"{id}-env", "name": "production"}}]},
        },
        "serviceCreate": service,
        "serviceUpdate": lambda id, input: {"id": id, "name": input.get("name"), "projectId": "p"},
        "serviceInstanceUpdate": lambda serviceId, input, environmentId=None: True,
        "serviceDelete": lambda id, environmentId=None: True,
        "serviceDomainCreate": lambda input: {
            "id": fake.new_id("domain"),
            "domain": f"{input['serviceId']}.up.railway.app",
        },
        "serviceInstance": lambda serviceId, environmentId: {
            "serviceId": serviceId,
            "serviceName": "api",
            "environmentId": environmentId,
            "healthcheckPath": "/api/health",
            "healthcheckTimeout": 120,
            "numReplicas": 1,
            "restartPolicyType": "ON_FAILURE",
            "restartPolicyMaxRetries": 5,
            "rootDirectory": "apps/api",
            "dockerfilePath": None,
            "startCommand": None,
            "railwayConfigFile": "apps/api/railway.json",
            "source": {"image": None, "repo": "acme/farm-chat"},
        },
        "variableCollectionUpsert": lambda input: True,
        "variableDelete": lambda input: True,
        "volumeCreate": lambda input: {"id": fake.new_id("volume"), "name": "volume-name"},
        "volumeDelete": lambda volumeId: True,
    }


class _Handler(BaseHTTPRequestHandler):
    fake: FakeRailway  # set on the per-server subclass
    timeout = 5  # a stuck client cannot hold the server thread

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        status, payload = self.fake.handle({k.lower(): v for k, v in self.headers.items()}, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:  # keep the test output clean
        pass


@pytest.fixture(scope="session")
def railway_schema() -> GraphQLSchema:
    return build_schema(SCHEMA_FILE.read_text())


@pytest.fixture
def railway(railway_schema: GraphQLSchema) -> Iterator[FakeRailway]:
    fake = FakeRailway(schema=railway_schema)
    fake.answers = _default_answers(fake)
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/graphql/v2"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert not fake.failures, "the fake Railway API saw requests it rejects:\n" + "\n".join(fake.failures)
