"""Documents inside resource inputs that no type checker reads, checked against AWS's own shapes.

Container definitions, IAM policy documents, dashboard bodies and launch
template user data reach the provider as strings: a misspelled `healthcheck`
or a widget 30 units wide passes the SDK's types and every mock, and fails at
`pulumi up` (or worse, is silently ignored). Each is checked here against what
AWS publishes:

- container definitions: the `ContainerDefinition` shape of ECS's service model
  in botocore (the same model the AWS API validates requests against);
- IAM policies: parliament, an IAM policy linter with AWS's action and
  resource tables; findings that are expected for a kind of policy are listed
  with the reason in `IAM_EXPECTED`;
- dashboards: CloudWatch's documented body structure
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html);
- user data: base64 that decodes to a shell script bash can parse;
- Route 53 routing values: a latency record's region, a health check's type and
  its alarm's region, against the enums of Route 53's service model in botocore
  (alarm-based health checks take alarms only from the regions `CloudWatchRegion`
  lists; a region missing there fails at `pulumi up`).

The offline plan runs these over every resource (`farm-deploy plan`, and the
tests over every shipped stack).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DocumentIssue:
    resource: str  # logical name
    type: str  # resource type token
    field: str  # input holding the document
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"resource": self.resource, "type": self.type, "field": self.field, "message": self.message}


# --------------------------------------------------------------------------- botocore shapes


@functools.cache
def _ecs_shape(name: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("ecs").shape_for(name)


def _check_shape(value: Any, shape: Any, path: str) -> list[str]:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected an object ({shape.name})"]
        problems = [f"{path}: missing required `{m}`" for m in shape.required_members if m not in value]
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                near = _nearest(key, list(shape.members))
                hint = f" (did you mean `{near}`?)" if near else ""
                problems.append(f"{path}: unknown field `{key}` in {shape.name}{hint}")
            else:
                problems += _check_shape(item, member, f"{path}.{key}")
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        return [p for i, item in enumerate(value) for p in _check_shape(item, shape.member, f"{path}[{i}]")]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected a map"]
        return [p for k, item in value.items() for p in _check_shape(item, shape.value, f"{path}.{k}")]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: expected a string, got {type(value).__name__}"]
        if shape.enum and value not in shape.enum:
            return [f"{path}: `{value}` is not one of {', '.join(shape.enum)}"]
        return []
    if kind in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected an integer, got {value!r}"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: expected true or false, got {value!r}"]
    return []


def _nearest(word: str, candidates: list[str]) -> str | None:
    import difflib

    lowered = {c.lower(): c for c in candidates}
    if word.lower() in lowered:
        return lowered[word.lower()]
    match = difflib.get_close_matches(word, candidates, n=1, cutoff=0.75)
    return match[0] if match else None


def check_container_definitions(text: str) -> list[str]:
    """Problems with an ECS task definition's `containerDefinitions` JSON, as ECS's API model sees them."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        return [f"not JSON: {exc}"]
    if not isinstance(value, list) or not value:
        return ["expected a non-empty list of container definitions"]
    shape = _ecs_shape("ContainerDefinition")
    problems = []
    for i, container in enumerate(value):
        problems += _check_shape(container, shape, f"[{i}]")
        # Required by RegisterTaskDefinition although the shape marks neither required.
        if isinstance(container, dict):
            problems += [f"[{i}]: missing required `{m}`" for m in ("name", "image") if m not in container]
    return problems


# --------------------------------------------------------------------------- CloudWatch dashboards

# Widget types of the documented body structure; "custom" is the Lambda-backed widget.
_WIDGET_TYPES = ("metric", "text", "log", "alarm", "explorer", "custom")
_WIDGET_KEYS = {"type", "x", "y", "width", "height", "properties"}


def check_dashboard_body(text: str) -> list[str]:
    """Problems with a dashboard body, per CloudWatch's "Dashboard Body Structure and Syntax"."""
    try:
        body = json.loads(text)
    except ValueError as exc:
        return [f"not JSON: {exc}"]
    if not isinstance(body, dict) or not isinstance(body.get("widgets"), list):
        return ["the body must be an object with a `widgets` array"]
    widgets = body["widgets"]
    problems = [] if len(widgets) <= 500 else [f"{len(widgets)} widgets: at most 500"]
    for i, widget in enumerate(widgets):
        where = f"widgets[{i}]"
        if not isinstance(widget, dict):
            problems.append(f"{where}: expected an object")
            continue
        problems += [f"{where}: unknown field `{k}`" for k in sorted(set(widget) - _WIDGET_KEYS)]
        kind = widget.get("type")
        if kind not in _WIDGET_TYPES:
            problems.append(f"{where}.type: `{kind}` is not one of {', '.join(_WIDGET_TYPES)}")
        for key, low, high in (("x", 0, 23), ("y", 0, None), ("width", 1, 24), ("height", 1, 1000)):
            if key not in widget:
                continue
            value = widget[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < low or (high and value > high):
                problems.append(f"{where}.{key}: {value!r} is outside {low}..{high or 'inf'}")
        props = widget.get("properties")
        if not isinstance(props, dict):
            problems.append(f"{where}: `properties` is required")
            continue
        problems += _check_widget_properties(kind, props, where)
    return problems


def _check_widget_properties(kind: Any, props: dict[str, Any], where: str) -> list[str]:
    problems = []
    if kind == "metric":
        if "region" not in props:
            problems.append(f"{where}.properties: metric widgets require `region`")
        metrics = props.get("metrics")
        if metrics is not None:
            if not isinstance(metrics, list):
                problems.append(f"{where}.properties.metrics: expected an array")
            else:
                for j, row in enumerate(metrics):
                    # Each metric: namespace, name, dimension name/value pairs, optional options object;
                    # or an expression object alone.
                    if not isinstance(row, list) or not all(isinstance(x, (str, dict)) for x in row):
                        problems.append(f"{where}.properties.metrics[{j}]: expected an array of strings")
        period = props.get("period")
        if period is not None and (not isinstance(period, int) or period < 1 or (period >= 60 and period % 60)):
            problems.append(f"{where}.properties.period: {period!r} is not 1, 5, 10, 30 or a multiple of 60")
    elif kind == "text" and not isinstance(props.get("markdown"), str):
        problems.append(f"{where}.properties: text widgets require `markdown`")
    elif kind == "alarm" and not isinstance(props.get("alarms"), list):
        problems.append(f"{where}.properties: alarm widgets require an `alarms` array of ARNs")
    elif kind == "log":
        problems += [f"{where}.properties: log widgets require `{k}`" for k in ("query", "region") if k not in props]
    return problems


# --------------------------------------------------------------------------- user data


def check_user_data(encoded: str) -> list[str]:
    """Launch template user data: base64 (the EC2 API requires it) of a script bash can parse."""
    try:
        script = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        return [f"not base64 of UTF-8 text: {exc}"]
    if not script.startswith("#!"):
        return ["the script has no #! line, so cloud-init does not run it"]
    bash = shutil.which("bash")
    if bash and script.startswith(("#!/bin/bash", "#!/usr/bin/env bash", "#!/bin/sh")):
        done = subprocess.run([bash, "-n"], input=script, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return [f"bash cannot parse it: {done.stderr.strip()}"]
    return []


# --------------------------------------------------------------------------- IAM policies

# Input fields holding a policy document, per resource type. ECR lifecycle
# policies are not IAM policies and are left out.
POLICY_FIELDS: dict[str, tuple[str, str]] = {
    "aws:iam/role:Role": ("assumeRolePolicy", "trust"),
    "aws:iam/rolePolicy:RolePolicy": ("policy", "identity"),
    "aws:iam/policy:Policy": ("policy", "identity"),
    "aws:s3/bucketPolicy:BucketPolicy": ("policy", "resource"),
    "aws:kms/key:Key": ("policy", "key"),
    "aws:efs/fileSystemPolicy:FileSystemPolicy": ("policy", "resource"),
    "aws:sns/topicPolicy:TopicPolicy": ("policy", "resource"),
    "aws:secretsmanager/secretPolicy:SecretPolicy": ("policy", "resource"),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": ("policy", "resource"),
}

# (policy kind, parliament issue, text in its detail or "") -> why the finding is expected there.
IAM_EXPECTED: dict[tuple[str, str, str], str] = {
    ("trust", "MALFORMED", "neither Resource nor NotResource"): (
        "a role's trust policy names no Resource: the role itself is the resource "
        "(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html)"
    ),
    ("identity", "MISMATCHED_TYPE_BUT_USABLE", "StringEquals requires a value of type String but given Arn"): (
        "an ARN compared with StringEquals matches it exactly; AWS's own example for "
        "elasticfilesystem:AccessPointArn does so (https://docs.aws.amazon.com/efs/latest/ug/access-points-iam-policy.html)"
    ),
    # AWS's own key policy for encrypting log groups: the Logs service may use the
    # key when the encryption context names a log group of this account, written
    # with ArnLike on kms:EncryptionContext:aws:logs:arn beside kms:Describe*
    # (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
    # parliament types that context key as a string and finds it on no Describe action.
    ("key", "UNKNOWN_CONDITION_FOR_ACTION", "kms:EncryptionContext:aws:logs:arn"): (
        "CloudWatch Logs' documented key policy scopes the whole statement, Describe* included, by the log group ARN "
        "(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html)"
    ),
    ("key", "MISMATCHED_TYPE", "ArnLike requires a value of type Arn but given String"): (
        "the encryption context's aws:logs:arn holds an ARN; AWS's example compares it with ArnLike "
        "(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html)"
    ),
    ("key", "RESOURCE_STAR", ""): (
        'in a key policy "Resource": "*" means the key the policy is attached to '
        "(https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html)"
    ),
}


@functools.cache
def _parliament() -> Any:
    # parliament 1.6 opens its data files without closing them and imports the
    # deprecated pkg_resources: both only warn, at import, and are not ours to fix.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import parliament
    return parliament


def check_iam_policy(text: str, kind: str) -> list[str]:
    """parliament's findings on one policy document, less those `IAM_EXPECTED` explains."""
    policy = _parliament().analyze_policy_string(text, include_community_auditors=False)
    problems = []
    for finding in policy.findings:
        detail = finding.detail if isinstance(finding.detail, str) else json.dumps(finding.detail, default=str)
        if any(k == kind and issue == finding.issue and needle in detail for (k, issue, needle) in IAM_EXPECTED):
            continue
        problems.append(f"{finding.issue}: {detail}")
    return problems


# --------------------------------------------------------------------------- over a plan


@functools.cache
def _route53_enum(shape: str) -> tuple[str, ...]:
    import botocore.session

    return tuple(botocore.session.get_session().get_service_model("route53").shape_for(shape).enum)


def _in_enum(value: Any, shape: str, what: str) -> list[str]:
    allowed = _route53_enum(shape)
    if isinstance(value, str) and value not in allowed:
        return [f"{what} {value!r} is not one Route 53 accepts ({shape})"]
    return []


def check_route53(resource_type: str, inputs: dict[str, Any]) -> list[str]:
    """A record's latency region, a health check's type and alarm region, against Route 53's enums."""
    if resource_type == "aws:route53/record:Record":
        return [
            p
            for policy in inputs.get("latencyRoutingPolicies") or []
            for p in _in_enum((policy or {}).get("region"), "ResourceRecordSetRegion", "latency region")
        ]
    problems = _in_enum(str(inputs.get("type") or ""), "HealthCheckType", "health check type")
    if inputs.get("type") == "CLOUDWATCH_METRIC":
        problems += _in_enum(inputs.get("cloudwatchAlarmRegion"), "CloudWatchRegion", "alarm region")
    return problems


def check_resources(resources: list[Any]) -> list[DocumentIssue]:
    """Every document in the recorded resources (objects with `type`, `name`, `inputs`)."""
    issues: list[DocumentIssue] = []

    def add(r: Any, field: str, problems: list[str]) -> None:
        issues.extend(DocumentIssue(r.name, r.type, field, p) for p in problems)

    for r in resources:
        inputs = r.inputs or {}
        if r.type == "aws:ecs/taskDefinition:TaskDefinition" and isinstance(inputs.get("containerDefinitions"), str):
            add(r, "containerDefinitions", check_container_definitions(inputs["containerDefinitions"]))
        elif r.type == "aws:cloudwatch/dashboard:Dashboard" and isinstance(inputs.get("dashboardBody"), str):
            add(r, "dashboardBody", check_dashboard_body(inputs["dashboardBody"]))
        elif r.type == "aws:ec2/launchTemplate:LaunchTemplate" and isinstance(inputs.get("userData"), str):
            add(r, "userData", check_user_data(inputs["userData"]))
        elif r.type in ("aws:route53/record:Record", "aws:route53/healthCheck:HealthCheck"):
            add(r, "routing", check_route53(r.type, inputs))
        if r.type in POLICY_FIELDS:
            field, kind = POLICY_FIELDS[r.type]
            if isinstance(inputs.get(field), str):
                add(r, field, check_iam_policy(inputs[field], kind))
    return issues
