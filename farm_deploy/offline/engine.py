"""Run the real Pulumi program under Pulumi's in-process mock engine.

This is what `farm-deploy plan` and the tests use: the program, the provider
SDK classes and the policy functions are real; only the cloud is replaced, by
`Recorder`, which writes down every resource registration as the provider would
receive it (camelCase inputs, secrets unwrapped but remembered) and answers the
data sources from an explicit table.

Two checks the stock mock monitor lacks: duplicate resource URNs (the real
engine rejects them, the mocks let the later one win) and unmocked data-source
calls (the mocks would answer `{}`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.settings import SETTINGS
from pulumi.runtime.stack import run_in_stack, wait_for_rpcs
from pulumi.runtime.sync_await import _sync_await

from . import arns
from .data_sources import ACCOUNT_ID, UnmockedCallError, answer

SECRET_SIG = rpc._special_sig_key  # "4dabf18193072939515e22adb298388d"
SECRET_MARK = rpc._special_secret_sig


@dataclass
class RecordedResource:
    type: str
    name: str
    urn: str
    parent: str | None  # parent URN; None for children of the stack
    inputs: dict[str, Any]
    custom: bool
    protect: bool = False
    retain_on_delete: bool = False
    secret_paths: list[str] = field(default_factory=list)
    provider: str | None = None  # "<provider urn>::<id>" as the SDK sends it; None for the default provider
    # URNs this resource waits for: `depends_on` plus the resources whose
    # Outputs reached its inputs (components expanded to their children, as
    # the SDK does before it registers).
    dependencies: list[str] = field(default_factory=list)
    # input key -> URNs its value was computed from
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    # What the recorder answered for it: inputs plus computed outputs (ARN, DNS names).
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def parent_name(self) -> str | None:
        return self.parent.rsplit("::", 1)[-1] if self.parent else None

    @property
    def provider_urn(self) -> str | None:
        return provider_urn(self.provider)

    @property
    def package(self) -> str:
        return self.type.split(":", 1)[0]


def provider_urn(reference: str | None) -> str | None:
    """The provider's URN from a provider reference (`<urn>::<id>`)."""
    return reference.rsplit("::", 1)[0] if reference else None


@dataclass(frozen=True)
class ProviderInfo:
    """Which provider a custom resource is managed by, and the region it lands in."""

    name: str  # the provider resource's logical name; "default" for the package's default provider
    package: str
    default: bool
    region: str | None  # AWS only

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "package": self.package, "default": self.default, "region": self.region}


# The region a default AWS provider uses when the stack sets no `aws:region`.
# Real runs take it from AWS_REGION or fail; offline needs one answer.
FALLBACK_REGION = "us-east-1"

DataSource = Callable[[str, dict[str, Any], str], dict[str, Any]]


def aws_region(
    provider: str | None, inputs: dict[str, Any], recorded: dict[str, RecordedResource], config: dict[str, str]
) -> str | None:
    """The region an AWS resource or invoke acts in, as the provider would decide it.

    pulumi-aws 7 lets a resource name its own `region`, which wins over its
    provider's (https://www.pulumi.com/registry/packages/aws/how-to-guides/multi-region/);
    an explicit provider's `region` input comes next, the stack's `aws:region`
    (the default provider's configuration) last.
    """
    own = inputs.get("region")
    if isinstance(own, str) and own:
        return own
    urn = provider_urn(provider)
    if urn is not None:
        prov = recorded.get(urn)
        region = prov.inputs.get("region") if prov is not None else None
        return region if isinstance(region, str) and region else None
    return config.get("aws:region") or None


def provider_info(
    resource: RecordedResource, recorded: dict[str, RecordedResource], config: dict[str, str]
) -> ProviderInfo | None:
    """The provider of a custom resource (None for components and providers themselves)."""
    if not resource.custom or resource.type.startswith("pulumi:providers:"):
        return None
    urn = resource.provider_urn
    package = resource.package
    region = aws_region(resource.provider, resource.inputs, recorded, config) if package == "aws" else None
    if urn is None:
        return ProviderInfo(name="default", package=package, default=True, region=region)
    return ProviderInfo(name=urn.rsplit("::", 1)[-1], package=package, default=False, region=region)


def unwrap_secrets(value: Any, path: str = "", found: list[str] | None = None) -> Any:
    """Replace the wire marker of secret values by the value, noting where they were."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == SECRET_MARK:
            if found is not None:
                found.append(path or ".")
            return unwrap_secrets(value.get("value"), path, found)
        return {k: unwrap_secrets(v, f"{path}.{k}" if path else k, found) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v, f"{path}[{i}]", found) for i, v in enumerate(value)]
    return value


def _computed(typ: str, name: str, inputs: dict[str, Any], region: str = FALLBACK_REGION) -> dict[str, Any]:
    """Plausible values for the outputs a provider computes (ids, ARNs, URLs), in `region`."""
    pkg = typ.partition(":")[0]
    state: dict[str, Any] = {}
    if pkg == "aws":
        state["arn"] = arns.arn(typ, name, inputs, region)
        state.setdefault("name", inputs.get("name", name))
    extras: dict[str, dict[str, Any]] = {
        "aws:lb/loadBalancer:LoadBalancer": {
            "dnsName": f"{name}.{region}.elb.amazonaws.com",
            "zoneId": "Z35SXDOTRQ7X7K",
            "arnSuffix": f"app/{name}/0123456789abcdef",
        },
        "aws:lb/targetGroup:TargetGroup": {"arnSuffix": f"targetgroup/{name}/0123456789abcdef"},
        "aws:cloudfront/distribution:Distribution": {
            "domainName": f"{name}.cloudfront.net",
            "hostedZoneId": "Z2FDTNDATAQYW2",
        },
        "aws:lambda/functionUrl:FunctionUrl": {"functionUrl": f"https://{name}.lambda-url.{region}.on.aws/"},
        "aws:apigatewayv2/api:Api": {"apiEndpoint": f"https://{name}.execute-api.{region}.amazonaws.com"},
        "aws:ecr/repository:Repository": {
            "repositoryUrl": f"{ACCOUNT_ID}.dkr.ecr.{region}.amazonaws.com/{name}",
            "registryId": ACCOUNT_ID,
        },
        "aws:ec2/eip:Eip": {"publicIp": "203.0.113.10", "allocationId": f"eipalloc-{name}"},
        "aws:ec2/natGateway:NatGateway": {"publicIp": "203.0.113.10"},
        "aws:ec2/instance:Instance": {"primaryNetworkInterfaceId": f"eni-{name}"},
        "aws:ec2/vpc:Vpc": {"defaultSecurityGroupId": f"sg-default-{name}"},
        "aws:s3/bucket:Bucket": {
            "bucket": inputs.get("bucket", f"{name}-0123abcd"),
            "bucketRegionalDomainName": f"{inputs.get('bucket', name)}.s3.{region}.amazonaws.com",
        },
        "aws:efs/fileSystem:FileSystem": {"dnsName": f"fs-{name}.efs.{region}.amazonaws.com"},
        "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": {"hostedZone": "Z0OFFLINE"},
        "aws:sns/topic:Topic": {},
        # ACM's DNS validation: one CNAME per name on the certificate
        # (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html).
        "aws:acm/certificate:Certificate": {
            "domainValidationOptions": [
                {
                    "domainName": n,
                    "resourceRecordName": f"_{arns.digest(n, 32)}.{n}.",
                    "resourceRecordType": "CNAME",
                    "resourceRecordValue": f"_{arns.digest(n + 'v', 32)}.abcdefghij.acm-validations.aws.",
                }
                for n in [inputs.get("domainName"), *(inputs.get("subjectAlternativeNames") or [])]
                if isinstance(n, str)
            ],
            "status": "PENDING_VALIDATION",
        },
        "aws:acm/certificateValidation:CertificateValidation": {"certificateArn": inputs.get("certificateArn")},
        "aws:route53/record:Record": {"fqdn": str(inputs.get("name", name)).rstrip(".")},
        "aws:cloudfront/vpcOrigin:VpcOrigin": {"id": f"vo_{arns.digest(name, 22)}"},
        "aws:secretsmanager/secretVersion:SecretVersion": {"versionId": f"{name}-version-id"},
        "aws:kms/key:Key": {"keyId": f"mrk-{name}"},
        "random:index/randomPassword:RandomPassword": {"result": "offline-password-not-a-secret"},
        "random:index/randomId:RandomId": {"hex": "0123abcd", "b64Url": "ASOrzQ"},
        "docker:index/image:Image": {
            "repoDigest": f"{inputs.get('imageName', name)}@sha256:{'0' * 64}",
            "imageName": inputs.get("imageName", name),
        },
        "mongodbatlas:index/project:Project": {"id": f"proj-{name}"},
        # pulumi-mongodbatlas 4.x (provider 2.x schema): connectionStrings is one object, not a list.
        "mongodbatlas:index/advancedCluster:AdvancedCluster": {
            "connectionStrings": {"standardSrv": f"mongodb+srv://{inputs.get('name', name)}.abcde.mongodb.net"},
            "stateName": "IDLE",
            "clusterId": f"cluster-{name}",
        },
        "mongodbatlas:index/flexCluster:FlexCluster": {
            "connectionStrings": {"standardSrv": f"mongodb+srv://{inputs.get('name', name)}.abcde.mongodb.net"},
            "stateName": "IDLE",
        },
        "vercel:index/project:Project": {"id": f"prj_{name}"},
        "vercel:index/deployment:Deployment": {"url": f"{name}.vercel.app", "domains": [f"{name}.vercel.app"]},
        "docker:index/remoteImage:RemoteImage": {
            "imageId": f"sha256:{'1' * 64}",
            "repoDigest": f"{inputs.get('name', name)}@sha256:{'1' * 64}",
        },
        # Railway objects (components/railway/provider.py): what Railway's answers fill in.
        "pulumi-python:dynamic:Resource": {
            "environmentId": f"{name}-environment-id",
            "domain": f"{name}.up.railway.app" if inputs.get("publicPort") else None,
            "names": sorted(inputs.get("variables") or {}),
        },
    }
    state.update(extras.get(typ, {}))
    return state


class Recorder(pulumi.runtime.Mocks):
    """The cloud, as far as the program can tell: records, and answers invokes."""

    def __init__(
        self,
        data_source: DataSource = answer,
        config: dict[str, str] | None = None,
        stack_outputs: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self._data_source = data_source
        self.config = dict(config or {})
        # Referenced stack name -> its outputs (a preview's dev stack, from dev's own offline plan).
        self._stack_outputs = stack_outputs
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[str] = []
        # Set by the monitor: the providers registered so far, to answer per region.
        self.recorded: dict[str, RecordedResource] = {}
        # What each resource's outputs were answered with, by id and by (type, name).
        self.by_id: dict[str, dict[str, Any]] = {}
        self.states: dict[tuple[str, str], dict[str, Any]] = {}

    def region(self, provider: str | None, inputs: dict[str, Any] | None = None) -> str:
        """The AWS region a resource or invoke with this provider reference acts in."""
        return aws_region(provider, inputs or {}, self.recorded, self.config) or FALLBACK_REGION

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = unwrap_secrets(args.inputs)
        computed = _computed(args.typ, args.name, inputs, self.region(args.provider, inputs))
        if args.typ == "aws:secretsmanager/secretVersion:SecretVersion":
            # A version's `arn` is its secret's (the provider reads it back from the secret).
            secret = self.by_id.get(str(inputs.get("secretId")), {})
            computed["arn"] = computed["secretArn"] = secret.get("arn", computed["arn"])
        state = {**inputs, **{k: v for k, v in computed.items() if k not in inputs}}
        self.by_id[f"{args.name}-id"] = state
        self.states[(args.typ, args.name)] = state
        if args.typ == "pulumi:pulumi:StackReference":
            # The engine answers a stack reference with the stack's outputs (a mock must too).
            name = str(inputs.get("name") or args.name)
            if self._stack_outputs is not None and name not in self._stack_outputs:
                self.errors.append(f"no stack {name} to reference (offline, known: {sorted(self._stack_outputs)})")
                raise KeyError(name)
            state = {"outputs": (self._stack_outputs or {}).get(name, {}), "name": name}
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        call_args = unwrap_secrets(args.args)
        self.calls.append((args.token, call_args))
        try:
            return self._data_source(args.token, call_args, self.region(args.provider, call_args))
        except UnmockedCallError as exc:
            self.errors.append(str(exc))
            raise


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """Mock monitor that also keeps parent, protect, and catches duplicate URNs."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(recorder)
        self.recorder = recorder
        self.recorded: dict[str, RecordedResource] = {}
        recorder.recorded = self.recorded
        self.stack_outputs: dict[str, Any] = {}
        self.stack_urn: str | None = None
        self._lock = threading.Lock()

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            self.stack_urn = urn
            return super().RegisterResource(request)
        pulumi_mocks._ensure_event_loop()  # pyright: ignore[reportPrivateImportUsage] (the mock monitor's own helper)
        secret_paths: list[str] = []
        inputs = unwrap_secrets(rpc.deserialize_properties(request.object, keep_unknowns=True), "", secret_paths)
        record = RecordedResource(
            type=request.type,
            name=request.name,
            urn=urn,
            parent=request.parent if request.parent and request.parent != self.stack_urn else None,
            inputs=inputs,
            custom=bool(request.custom),
            protect=bool(request.protect),
            retain_on_delete=bool(getattr(request, "retainOnDelete", False)),
            secret_paths=secret_paths,
            provider=request.provider or None,
            dependencies=sorted(set(request.dependencies)),
            property_dependencies={
                key: sorted(deps.urns) for key, deps in request.propertyDependencies.items() if deps.urns
            },
        )
        with self._lock:
            if urn in self.recorded:
                self.recorder.errors.append(f"duplicate resource name: {request.type} {request.name!r} ({urn})")
            self.recorded[urn] = record
        response = super().RegisterResource(request)
        record.outputs = self.recorder.states.get((request.type, request.name), {})
        return response

    def RegisterResourceOutputs(self, request):  # noqa: N802
        if self.stack_urn and request.urn == self.stack_urn:
            pulumi_mocks._ensure_event_loop()  # pyright: ignore[reportPrivateImportUsage] (the mock monitor's own helper)
            outputs = rpc.deserialize_properties(request.outputs, keep_unknowns=True)
            secret_paths: list[str] = []
            plain = unwrap_secrets(outputs, "", secret_paths)
            self.stack_outputs = {"values": plain, "secret_paths": secret_paths}
        return super().RegisterResourceOutputs(request)


@dataclass
class OfflineRun:
    resources: list[RecordedResource]
    outputs: dict[str, Any]
    secret_outputs: list[str]
    errors: list[str]
    calls: list[tuple[str, dict[str, Any]]]
    config: dict[str, str] = field(default_factory=dict)

    def provider_of(self, resource: RecordedResource) -> ProviderInfo | None:
        return provider_info(resource, {r.urn: r for r in self.resources}, self.config)

    def dependencies_of(self, resource: RecordedResource) -> list[RecordedResource]:
        by_urn = {r.urn: r for r in self.resources}
        return [by_urn[u] for u in resource.dependencies if u in by_urn]

    def of_type(self, typ: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == typ]

    def one(self, typ: str) -> RecordedResource:
        found = self.of_type(typ)
        if len(found) != 1:
            raise AssertionError(f"expected one {typ}, found {len(found)}: {[r.name for r in found]}")
        return found[0]

    def named(self, name: str) -> RecordedResource:
        found = [r for r in self.resources if r.name == name]
        if len(found) != 1:
            raise AssertionError(f"expected one resource named {name!r}, found {len(found)}")
        return found[0]

    def children_of(self, parent: RecordedResource) -> list[RecordedResource]:
        return [r for r in self.resources if r.parent == parent.urn]


class OfflineError(Exception):
    """The program cannot be evaluated offline: the messages say why."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def run_offline(
    program: Callable[[], None],
    *,
    project: str = "farm-deploy",
    stack: str = "dev",
    config: dict[str, Any] | None = None,
    secret_keys: list[str] | None = None,
    data_source: DataSource = answer,
    stack_outputs: dict[str, dict[str, Any]] | None = None,
) -> OfflineRun:
    """Evaluate `program` as `pulumi up` would, against the recorder.

    `config` keys are full names (`farm:appPath`, `aws:region`); values are
    strings or JSON-able structures. Raises `OfflineError` for duplicate names
    and unmocked data sources; lets the program's own exceptions through.
    """
    cfg = {k: v if isinstance(v, str) else _json(v) for k, v in (config or {}).items()}
    recorder = Recorder(data_source, cfg, stack_outputs)
    monitor = RecordingMonitor(recorder)
    pulumi.runtime.set_mocks(recorder, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(cfg, secret_keys or [])
    # SETTINGS' attributes are per-context properties a type checker cannot see.
    SETTINGS.rpc_manager.clear()  # pyright: ignore[reportAttributeAccessIssue]
    SETTINGS.outputs.clear()  # pyright: ignore[reportAttributeAccessIssue]

    # set_mocks registers a root stack and closes it at once, so exports would
    # never be registered: replace it by one that runs the program, as the
    # Pulumi language host does.
    pulumi.runtime.settings.ROOT.set(None)

    try:
        _sync_await(run_in_stack(program))
        _sync_await(wait_for_rpcs())
    except Exception:
        if recorder.errors:
            raise OfflineError(list(dict.fromkeys(recorder.errors))) from None
        raise
    if recorder.errors:
        raise OfflineError(list(dict.fromkeys(recorder.errors)))
    resources = list(monitor.recorded.values())
    outputs = monitor.stack_outputs.get("values", {}) or {}
    return OfflineRun(
        resources=resources,
        outputs=outputs,
        secret_outputs=monitor.stack_outputs.get("secret_paths", []),
        errors=[],
        calls=recorder.calls,
        config=cfg,
    )


def _json(value: Any) -> str:
    import json

    return json.dumps(value)
