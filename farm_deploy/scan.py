"""`farm-deploy scan`: the offline plan as a Terraform plan JSON, checked by checkov.

pulumi-aws is bridged from the Terraform AWS provider: every `aws:` resource
is a Terraform resource under another name, with the same arguments in
camelCase. This module turns the resources the offline plan recorded into the
document `terraform show -json` prints, so checkov's `terraform_plan` checks
(the scanner most AWS teams already run) can judge what `pulumi up` would
create, with no cloud account and no Terraform.

- Types: `TF_TYPES` maps each Pulumi type token to its Terraform type, as the
  provider's bridge metadata records them ("renames.resources" in
  https://github.com/pulumi/pulumi-aws/blob/master/provider/cmd/pulumi-resource-aws/bridge-metadata.json).
  The installed SDK does not ship that file, so the table lists the types this
  program declares; `UNMAPPED` says why the others have no Terraform twin.
- Arguments: the bridge names a Pulumi property by camelCasing the Terraform
  one, and pluralises lists of blocks and lists with no maximum (`rule` becomes
  `rules`): `PLURALS` undoes those, one entry per property the program sets
  ("renamedProperties" in the same file).
- Blocks: Terraform plan JSON writes every nested block as a list of objects
  (https://developer.hashicorp.com/terraform/internals/json-format#values-representation),
  where Pulumi has an object for blocks of at most one item. Maps (`tags`,
  alarm `dimensions`) stay objects, and their keys are not renamed.
- References: a value that is another resource's id or ARN is unknown when
  Terraform plans, so it is left out of `values` and written as a reference in
  `configuration`, which is how checkov links resources (a bucket to its
  public access block). References inside JSON strings (policy documents,
  container definitions) stay literal text.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import UserError
from analysis.models import STAGES

# Bumped only if a field of `scan --json` changes meaning or goes away (docs/reference/json.md).
SCAN_SCHEMA_VERSION = 1
ACCEPTED_FILE = Path("policies") / "scanner-accepted.yaml"
CHECKOV_ENV = "FARM_CHECKOV"
# Where .ci/run installs the pinned checkov: its own virtualenv, because
# checkov pins an older `packaging` than the project's requirements.
SCAN_VENV = ".venv-scan"
TF_PROVIDER = "registry.terraform.io/hashicorp/aws"

TF_TYPES: dict[str, str] = {
    "aws:appautoscaling/policy:Policy": "aws_appautoscaling_policy",
    "aws:appautoscaling/target:Target": "aws_appautoscaling_target",
    "aws:acm/certificate:Certificate": "aws_acm_certificate",
    "aws:acm/certificateValidation:CertificateValidation": "aws_acm_certificate_validation",
    "aws:autoscaling/group:Group": "aws_autoscaling_group",
    "aws:budgets/budget:Budget": "aws_budgets_budget",
    "aws:cloudfront/cachePolicy:CachePolicy": "aws_cloudfront_cache_policy",
    "aws:cloudfront/distribution:Distribution": "aws_cloudfront_distribution",
    "aws:cloudfront/function:Function": "aws_cloudfront_function",
    "aws:cloudfront/originAccessControl:OriginAccessControl": "aws_cloudfront_origin_access_control",
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": "aws_cloudfront_response_headers_policy",
    "aws:cloudfront/vpcOrigin:VpcOrigin": "aws_cloudfront_vpc_origin",
    "aws:cloudwatch/dashboard:Dashboard": "aws_cloudwatch_dashboard",
    "aws:cloudwatch/logDelivery:LogDelivery": "aws_cloudwatch_log_delivery",
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": "aws_cloudwatch_log_delivery_destination",
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": "aws_cloudwatch_log_delivery_source",
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "aws_cloudwatch_metric_alarm",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "aws_default_security_group",
    "aws:ec2/eip:Eip": "aws_eip",
    "aws:ec2/eipAssociation:EipAssociation": "aws_eip_association",
    "aws:ec2/instance:Instance": "aws_instance",
    "aws:ec2/flowLog:FlowLog": "aws_flow_log",
    "aws:ec2/internetGateway:InternetGateway": "aws_internet_gateway",
    "aws:ec2/launchTemplate:LaunchTemplate": "aws_launch_template",
    "aws:ec2/natGateway:NatGateway": "aws_nat_gateway",
    "aws:ec2/route:Route": "aws_route",
    "aws:ec2/routeTable:RouteTable": "aws_route_table",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "aws_route_table_association",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:ec2/subnet:Subnet": "aws_subnet",
    "aws:ec2/vpc:Vpc": "aws_vpc",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "aws_ecr_lifecycle_policy",
    "aws:ecr/repository:Repository": "aws_ecr_repository",
    "aws:ecs/capacityProvider:CapacityProvider": "aws_ecs_capacity_provider",
    "aws:ecs/cluster:Cluster": "aws_ecs_cluster",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": "aws_ecs_cluster_capacity_providers",
    "aws:ecs/service:Service": "aws_ecs_service",
    "aws:ecs/taskDefinition:TaskDefinition": "aws_ecs_task_definition",
    "aws:efs/accessPoint:AccessPoint": "aws_efs_access_point",
    "aws:efs/fileSystem:FileSystem": "aws_efs_file_system",
    "aws:efs/fileSystemPolicy:FileSystemPolicy": "aws_efs_file_system_policy",
    "aws:efs/mountTarget:MountTarget": "aws_efs_mount_target",
    "aws:iam/instanceProfile:InstanceProfile": "aws_iam_instance_profile",
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "aws_iam_role_policy_attachment",
    "aws:kms/alias:Alias": "aws_kms_alias",
    "aws:kms/key:Key": "aws_kms_key",
    "aws:lb/listener:Listener": "aws_lb_listener",
    "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
    "aws:lb/targetGroup:TargetGroup": "aws_lb_target_group",
    "aws:route53/record:Record": "aws_route53_record",
    "aws:s3/bucket:Bucket": "aws_s3_bucket",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "aws_s3_bucket_lifecycle_configuration",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "aws_s3_bucket_ownership_controls",
    "aws:s3/bucketPolicy:BucketPolicy": "aws_s3_bucket_policy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "aws_s3_bucket_public_access_block",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "aws_s3_bucket_server_side_encryption_configuration"
    ),
    "aws:s3/bucketVersioning:BucketVersioning": "aws_s3_bucket_versioning",
    "aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",
    "aws:secretsmanager/secret:Secret": "aws_secretsmanager_secret",
    "aws:secretsmanager/secretVersion:SecretVersion": "aws_secretsmanager_secret_version",
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": "aws_service_discovery_private_dns_namespace",
    "aws:servicediscovery/service:Service": "aws_service_discovery_service",
    "aws:sns/topic:Topic": "aws_sns_topic",
    "aws:sns/topicSubscription:TopicSubscription": "aws_sns_topic_subscription",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "aws_vpc_security_group_egress_rule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "aws_vpc_security_group_ingress_rule",
    "aws:wafv2/webAcl:WebAcl": "aws_wafv2_web_acl",
    "aws:wafv2/webAclAssociation:WebAclAssociation": "aws_wafv2_web_acl_association",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": "aws_wafv2_web_acl_logging_configuration",
}

# Type token prefix -> why those resources are not scanned. A type matching
# neither this nor TF_TYPES stops the scan: an unscanned resource must be a choice.
UNMAPPED: dict[str, str] = {
    "farm:": "a component: a grouping of its children, which are scanned, with nothing deployed of its own",
    "pulumi:": "Pulumi's own bookkeeping (stack, providers, stack references): nothing deployed",
    "pulumi-python:dynamic:": "a dynamic provider (Railway's API): no Terraform provider and no checkov rules",
    "pulumi-python:dynamic/farm:CloudFrontInvalidation": "a CloudFront invalidation request (boto3), "
    "one per served web version: nothing stays deployed, no Terraform type, no checkov rules",
    "docker:": "the local Docker engine and image builds, not cloud infrastructure: the Dockerfile has its own linter",
    "random:": "generated values held in the Pulumi state, nothing deployed",
    "mongodbatlas:": "checkov has no rules for MongoDB Atlas; the policy pack checks the Atlas resources",
    "vercel:": "checkov has no rules for Vercel; the policy pack checks the Vercel resources",
}

# Terraform type -> {Pulumi property: Terraform argument} where the bridge
# pluralised the name (bridge metadata "renamedProperties"). Applies at any
# depth inside that resource; every other key is snake_cased mechanically.
PLURALS: dict[str, dict[str, str]] = {
    "aws_autoscaling_group": {"vpcZoneIdentifiers": "vpc_zone_identifier", "tags": "tag"},
    "aws_budgets_budget": {"notifications": "notification", "costFilters": "cost_filter"},
    "aws_cloudfront_distribution": {
        "origins": "origin",
        "orderedCacheBehaviors": "ordered_cache_behavior",
        "functionAssociations": "function_association",
        "lambdaFunctionAssociations": "lambda_function_association",
        "customErrorResponses": "custom_error_response",
        "originGroups": "origin_group",
        "customHeaders": "custom_header",
    },
    "aws_cloudwatch_metric_alarm": {"metricQueries": "metric_query"},
    "aws_ecr_repository": {"encryptionConfigurations": "encryption_configuration"},
    "aws_ecs_cluster": {"settings": "setting"},
    "aws_ecs_cluster_capacity_providers": {"defaultCapacityProviderStrategies": "default_capacity_provider_strategy"},
    "aws_ecs_service": {
        "capacityProviderStrategies": "capacity_provider_strategy",
        "loadBalancers": "load_balancer",
        "orderedPlacementStrategies": "ordered_placement_strategy",
    },
    "aws_ecs_task_definition": {"volumes": "volume"},
    "aws_lb_listener": {"defaultActions": "default_action"},
    "aws_s3_bucket_lifecycle_configuration": {
        "rules": "rule",
        "transitions": "transition",
        "noncurrentVersionTransitions": "noncurrent_version_transition",
    },
    "aws_s3_bucket_server_side_encryption_configuration": {"rules": "rule"},
    "aws_cloudwatch_log_delivery": {"s3DeliveryConfigurations": "s3_delivery_configuration"},
    "aws_wafv2_web_acl": {
        "rules": "rule",
        "ruleActionOverrides": "rule_action_override",
        "statements": "statement",
        "textTransformations": "text_transformation",
    },
}

# Properties whose value is a map (string keys chosen by the user): kept as an
# object, keys untouched. Every other object is a block.
MAP_KEYS = frozenset({"tags", "tagsAll", "dimensions", "variables"})
# Except where PLURALS says it is a list of blocks (the ASG's `tag`).
_LIST_OF_BLOCKS = {("aws_autoscaling_group", "tags")}
# Types whose nested `tags` is a block, not a map (a budget's filter_expression.tags {key, values}).
_NESTED_TAGS_BLOCK = frozenset({"aws_budgets_budget"})

_SNAKE_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_SNAKE_2 = re.compile(r"([a-z0-9])([A-Z])")
_CHECK_ID = re.compile(r"^CKV2?_[A-Z0-9]+_\d+$")


def snake(name: str) -> str:
    """`enableHttp2` -> `enable_http2`, `roleARN` -> `role_arn`: the bridge's camelCase undone."""
    return _SNAKE_2.sub(r"\1_\2", _SNAKE_1.sub(r"\1_\2", name)).lower()


def tf_type_for(token: str) -> str | None:
    return TF_TYPES.get(token)


def unmapped_reason(token: str) -> str | None:
    for prefix, reason in UNMAPPED.items():
        if token.startswith(prefix):
            return reason
    return None


# ---------------------------------------------------------------- conversion


@dataclass
class Converted:
    """A Terraform plan JSON document and how its addresses map back to Pulumi."""

    document: dict[str, Any]
    addresses: dict[str, tuple[str, str]]  # Terraform address -> (Pulumi type, Pulumi name)
    skipped: dict[str, str]  # Pulumi type -> reason, for types not converted
    unknown_types: list[str] = field(default_factory=list)  # no mapping and no reason: a gap


def _tf_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not re.match(r"^[A-Za-z_]", base):
        base = "r_" + base
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _plain_number(value: Any) -> Any:
    # The mock engine hands numbers over as floats (8000.0): Terraform prints integers.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _Converter:
    def __init__(self, tf_type: str, refs: dict[str, str]) -> None:
        self.tf_type = tf_type
        self.renames = PLURALS.get(tf_type, {})
        self.refs = refs

    def key(self, camel: str) -> str:
        return self.renames.get(camel) or snake(camel)

    def is_map(self, camel: str, depth: int) -> bool:
        if camel not in MAP_KEYS or (self.tf_type, camel) in _LIST_OF_BLOCKS:
            return False
        return not (camel == "tags" and depth > 0 and self.tf_type in _NESTED_TAGS_BLOCK)

    def block(self, obj: dict[str, Any], depth: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
        """(values, expressions) for one object of inputs."""
        values: dict[str, Any] = {}
        exprs: dict[str, Any] = {}
        for camel, raw in obj.items():
            if raw is None:
                continue
            key = self.key(camel)
            if isinstance(raw, dict) and self.is_map(camel, depth):
                values[key] = {k: _plain_number(v) for k, v in raw.items()}
                exprs[key] = {"constant_value": values[key]}
            elif isinstance(raw, dict):
                v, e = self.block(raw, depth + 1)
                values[key], exprs[key] = [v], [e]
            elif isinstance(raw, list) and raw and all(isinstance(i, dict) for i in raw):
                pairs = [self.block(i, depth + 1) for i in raw]
                values[key], exprs[key] = [p[0] for p in pairs], [p[1] for p in pairs]
            elif isinstance(raw, list):
                found = [self.refs[i] for i in raw if isinstance(i, str) and i in self.refs]
                if found:
                    # An unknown element makes the whole list unknown at plan time.
                    exprs[key] = {"references": _ref_list(found)}
                else:
                    values[key] = [_plain_number(i) for i in raw]
                    exprs[key] = {"constant_value": values[key]}
            elif isinstance(raw, str) and raw in self.refs:
                exprs[key] = {"references": _ref_list([self.refs[raw]])}
            else:
                values[key] = _plain_number(raw)
                exprs[key] = {"constant_value": values[key]}
        return values, exprs


def _ref_list(attrs: list[str]) -> list[str]:
    # Terraform lists `aws_x.a.id` and then `aws_x.a` for each reference.
    out: list[str] = []
    for attr in attrs:
        out += [attr, attr.rsplit(".", 1)[0]]
    return list(dict.fromkeys(out))


def _reference_index(resources: list[Any], addresses: dict[str, str]) -> dict[str, str]:
    """Values the mock engine computes for a resource -> the Terraform attribute they stand for."""
    index: dict[str, str] = {}
    for r in resources:
        address = addresses.get(r.urn)
        if address is None:
            continue
        index[f"{r.name}-id"] = f"{address}.id"
        # The ARN the mock engine answered for it (each service's own shape, farm_deploy/offline/arns.py).
        arn = (getattr(r, "outputs", None) or {}).get("arn")
        if isinstance(arn, str) and r.type != "aws:secretsmanager/secretVersion:SecretVersion":
            index[arn] = f"{address}.arn"
        index[f"eipalloc-{r.name}"] = f"{address}.allocation_id"
    return index


def convert(resources: list[Any], *, terraform_version: str = "1.9.8") -> Converted:
    """The recorded resources as `terraform show -json` would print a plan creating them."""
    from farm_deploy.offline_plan import mask_paths

    taken: dict[str, set[str]] = {}
    by_urn: dict[str, str] = {}
    addresses: dict[str, tuple[str, str]] = {}
    skipped: dict[str, str] = {}
    unknown: list[str] = []
    for r in resources:
        tf_type = tf_type_for(r.type)
        if tf_type is None:
            reason = unmapped_reason(r.type)
            if reason is None:
                unknown.append(r.type)
            else:
                skipped[r.type] = reason
            continue
        name = _tf_name(r.name, taken.setdefault(tf_type, set()))
        by_urn[r.urn] = f"{tf_type}.{name}"
        addresses[f"{tf_type}.{name}"] = (r.type, r.name)
    refs = _reference_index(resources, by_urn)

    planned: list[dict[str, Any]] = []
    configured: list[dict[str, Any]] = []
    for r in resources:
        address = by_urn.get(r.urn)
        if address is None:
            continue
        tf_type, name = address.split(".", 1)
        inputs = mask_paths(r.inputs, r.secret_paths)
        if not isinstance(inputs, dict):
            inputs = {}
        own = {k: v for k, v in refs.items() if v.rsplit(".", 1)[0] == address}
        values, exprs = _Converter(tf_type, {k: v for k, v in refs.items() if k not in own}).block(inputs)
        planned.append(
            {
                "address": address,
                "mode": "managed",
                "type": tf_type,
                "name": name,
                "provider_name": TF_PROVIDER,
                "schema_version": 0,
                "values": values,
                "sensitive_values": {},
            }
        )
        configured.append(
            {
                "address": address,
                "mode": "managed",
                "type": tf_type,
                "name": name,
                "provider_config_key": "aws",
                "expressions": exprs,
                "schema_version": 0,
            }
        )
    document = {
        "format_version": "1.2",
        "terraform_version": terraform_version,
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": [
            {
                "address": p["address"],
                "mode": "managed",
                "type": p["type"],
                "name": p["name"],
                "provider_name": TF_PROVIDER,
                "change": {"actions": ["create"], "before": None, "after": p["values"], "after_unknown": {}},
            }
            for p in planned
        ],
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "full_name": TF_PROVIDER}},
            "root_module": {"resources": configured},
        },
    }
    return Converted(document=document, addresses=addresses, skipped=skipped, unknown_types=sorted(set(unknown)))


# ---------------------------------------------------------------- accepted rules


@dataclass(frozen=True)
class Accepted:
    check: str
    resource: str  # glob over `<terraform type>.<pulumi name>`
    stages: tuple[str, ...]
    reason: str
    kind: str  # one of KINDS
    line: int | None = None

    def matches(self, check_id: str, resource: str, stage: str) -> bool:
        return check_id == self.check and stage in self.stages and fnmatch.fnmatchcase(resource, self.resource)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "resource": self.resource,
            "stages": list(self.stages),
            "kind": self.kind,
            "reason": self.reason,
        }


KINDS = ("planned-fix", "by-design", "false-positive")
_ENTRY_KEYS = {"check", "resource", "stages", "reason", "kind"}


def load_accepted(path: Path) -> list[Accepted]:
    """The accepted-rules file, validated: one UserError naming the file, line and key on any mistake."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(
            "the accepted-rules file does not exist", file=file, hint="create it (it may list none)"
        ) from None
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UserError(
            f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
            file=file,
            line=mark.line + 1 if mark else None,
        ) from None
    if not isinstance(data, dict) or set(data) - {"accepted"} or not isinstance(data.get("accepted"), list | None):
        raise UserError(
            "expected a mapping with one key, `accepted`, holding a list of entries",
            file=file,
            key="accepted",
            hint="see docs/security.md#accepted-findings",
        )
    lines = [n.start_mark.line + 1 for n in _entry_nodes(node)]
    out: list[Accepted] = []
    for i, entry in enumerate(data.get("accepted") or []):
        line = lines[i] if i < len(lines) else None
        key = f"accepted[{i}]"
        if not isinstance(entry, dict):
            raise UserError("an entry must be a mapping", file=file, line=line, key=key, value=entry)
        extra = sorted(set(entry) - _ENTRY_KEYS)
        if extra:
            raise UserError(
                "unknown key in an entry", file=file, line=line, key=f"{key}.{extra[0]}", valid=sorted(_ENTRY_KEYS)
            )
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(
                "every accepted entry needs a reason",
                file=file,
                line=line,
                key=f"{key}.reason",
                hint="say why the finding is accepted and what would fix it",
            )
        check = entry.get("check")
        if not isinstance(check, str) or not _CHECK_ID.match(check):
            raise UserError(
                "`check` must be a checkov check id",
                file=file,
                line=line,
                key=f"{key}.check",
                value=check,
                hint="e.g. CKV_AWS_68",
            )
        resource = entry.get("resource")
        if not isinstance(resource, str) or not resource.strip():
            raise UserError(
                "`resource` must be a pattern over <terraform type>.<pulumi name>",
                file=file,
                line=line,
                key=f"{key}.resource",
                value=resource,
                hint="e.g. aws_lb.farm-*-api-alb",
            )
        stages = entry.get("stages")
        if not isinstance(stages, list) or not stages or any(s not in STAGES for s in stages):
            raise UserError(
                "`stages` must be a non-empty list of stages",
                file=file,
                line=line,
                key=f"{key}.stages",
                value=stages,
                valid=list(STAGES),
            )
        kind = entry.get("kind")
        if kind not in KINDS:
            raise UserError(
                "`kind` says what the entry is", file=file, line=line, key=f"{key}.kind", value=kind, valid=list(KINDS)
            )
        out.append(Accepted(check, resource.strip(), tuple(stages), " ".join(reason.split()), kind, line))
    return out


def _entry_nodes(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == "accepted" and isinstance(v, yaml.SequenceNode):
                return list(v.value)
    return []


# ---------------------------------------------------------------- checkov


def find_checkov(explicit: str | None, project_dir: Path) -> str:
    """`--checkov`, then $FARM_CHECKOV, then the scan virtualenv of the checkout, then PATH."""
    candidates: list[tuple[str, str]] = []
    if explicit:
        candidates.append(("--checkov", explicit))
    if os.environ.get(CHECKOV_ENV):
        candidates.append((CHECKOV_ENV, os.environ[CHECKOV_ENV]))
    for source, path in candidates:
        if Path(path).is_file() and os.access(path, os.X_OK):
            return path
        raise UserError(
            f"checkov not found at the path given by {source}", value=path, hint="give the checkov executable"
        )
    for base in dict.fromkeys([project_dir, Path(__file__).resolve().parent.parent]):
        local = base / SCAN_VENV / "bin" / "checkov"
        if local.is_file():
            return str(local)
    found = shutil.which("checkov")
    if found:
        return found
    raise UserError(
        "checkov is not installed",
        hint=(
            "pip install 'farm-deploy[scan]' in a separate virtualenv (checkov pins an older `packaging`), "
            f"then pass --checkov PATH or set {CHECKOV_ENV}; `bash .ci/run` creates {SCAN_VENV}/"
        ),
    )


def run_checkov(checkov: str, plan_file: Path) -> dict[str, Any]:
    """checkov's JSON report for one plan file, offline."""
    cmd = [checkov, "-f", str(plan_file), "--framework", "terraform_plan", "--skip-download", "-o", "json", "--compact"]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)
    except OSError as exc:
        raise UserError(f"checkov could not be started: {exc}", value=checkov) from None
    # checkov exits 1 when a check fails; anything else, or no JSON, is checkov failing.
    report = None
    if proc.returncode in (0, 1):
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError:
            report = None
    if report is None:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise UserError(f"checkov failed (exit {proc.returncode})", value=checkov, hint=" | ".join(tail) or None)
    if isinstance(report, list):  # one report per framework when several ran
        report = next((r for r in report if r.get("check_type") == "terraform_plan"), report[0] if report else {})
    return report


# ---------------------------------------------------------------- the scan


@dataclass
class ScanResult:
    stack: str
    stage: str
    checkov: str
    version: str
    converted: Converted
    findings: list[dict[str, Any]]
    stale: list[Accepted]
    passed: int
    accepted_file: str

    @property
    def unaccepted(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["status"] == "unaccepted"]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCAN_SCHEMA_VERSION,
            "stack": self.stack,
            "stage": self.stage,
            "checkov": {"path": self.checkov, "version": self.version},
            "accepted_file": self.accepted_file,
            "converted": len(self.converted.addresses),
            "skipped": dict(sorted(self.converted.skipped.items())),
            "unknown_types": self.converted.unknown_types,
            "findings": self.findings,
            "stale": [a.to_dict() for a in self.stale],
            "summary": {
                "passed": self.passed,
                "failed": len(self.findings),
                "accepted": len(self.findings) - len(self.unaccepted),
                "unaccepted": len(self.unaccepted),
                "stale": len(self.stale),
            },
        }


def judge(
    failed: list[dict[str, Any]], addresses: dict[str, tuple[str, str]], accepted: list[Accepted], stage: str
) -> tuple[list[dict[str, Any]], list[Accepted]]:
    """Each failed check marked accepted or not, and the entries for this stage that matched nothing."""
    used: set[int] = set()
    findings = []
    for check in failed:
        address = check.get("resource_address") or check.get("resource") or ""
        pulumi_type, pulumi_name = addresses.get(address, ("", address.split(".", 1)[-1]))
        tf_type = address.split(".", 1)[0]
        resource = f"{tf_type}.{pulumi_name}"
        hit = next((i for i, a in enumerate(accepted) if a.matches(check["check_id"], resource, stage)), None)
        if hit is not None:
            used.add(hit)
        findings.append(
            {
                "check_id": check["check_id"],
                "check_name": check.get("check_name", ""),
                "resource": resource,
                "pulumi_type": pulumi_type,
                "pulumi_name": pulumi_name,
                "status": "accepted" if hit is not None else "unaccepted",
                "accepted": accepted[hit].to_dict() if hit is not None else None,
                "guideline": check.get("guideline"),
            }
        )
    findings.sort(key=lambda f: (f["check_id"], f["resource"]))
    # An entry is in force where its stage is listed and its pattern names a
    # resource of this plan (a Docker-host stack has no load balancer to judge).
    present = [f"{address.split('.', 1)[0]}.{name}" for address, (_, name) in addresses.items()]
    stale = [
        a
        for i, a in enumerate(accepted)
        if i not in used and stage in a.stages and any(fnmatch.fnmatchcase(r, a.resource) for r in present)
    ]
    return findings, stale


def scan(
    project_dir: Path,
    stack: str,
    *,
    checkov: str | None = None,
    accepted_file: Path | None = None,
    plan_out: Path | None = None,
) -> ScanResult:
    from farm_deploy.offline_plan import run_plan

    project_dir = Path(project_dir).resolve()
    accepted_path = accepted_file or project_dir / ACCEPTED_FILE
    # The cheap checks first: a bad accepted file or a missing checkov fails before the plan runs.
    accepted = load_accepted(accepted_path)
    binary = find_checkov(checkov, project_dir)
    if plan_out is not None and not plan_out.resolve().parent.is_dir():
        raise UserError(
            "no such folder", file=str(plan_out.resolve().parent), hint="create it or choose another --write-plan"
        )
    offline = run_plan(project_dir, stack)
    converted = convert(offline.resources)
    text = json.dumps(converted.document, indent=1, sort_keys=False)
    report: dict[str, Any] = {}
    if converted.addresses:
        with tempfile.TemporaryDirectory(prefix="farm-scan-") as tmp:
            plan_file = Path(tmp) / f"{stack.replace('/', '_')}.tfplan.json"
            plan_file.write_text(text, encoding="utf-8")
            report = run_checkov(binary, plan_file)
    if plan_out is not None:
        _write(plan_out, text)
    results = report.get("results") or {}
    findings, stale = judge(results.get("failed_checks") or [], converted.addresses, accepted, offline.plan.stage)
    return ScanResult(
        stack=stack,
        stage=offline.plan.stage,
        checkov=binary,
        version=str((report.get("summary") or {}).get("checkov_version") or "not run"),
        converted=converted,
        findings=findings,
        stale=stale,
        passed=len(results.get("passed_checks") or []),
        accepted_file=str(accepted_path),
    )


def _write(path: Path, text: str) -> None:
    from components.files import atomic_write

    atomic_write(path, text + "\n")
