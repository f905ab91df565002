"""Answers to the data sources (invokes) the program calls, for the mock engine.

Every invoke token the program may call has an explicit answer here. Anything
else raises `UnmockedCallError`: an unanswered data source would otherwise come back
as `{}` and the program would silently build on `None` (docs/development.md, "Testing a Pulumi program offline").
The answers are shaped like the provider's real responses (camelCase keys).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

ACCOUNT_ID = "123456789012"

# ECS GPU-optimised AMI as published under its public SSM parameter.
GPU_AMI_ID = "ami-0gpu0ecs0optimized0"
CPU_AMI_ID = "ami-0ecs0optimized0al2023"


# An invoke's arguments and the region of the provider it was made through.
Handler = Callable[[dict[str, Any], str], dict[str, Any]]


class UnmockedCallError(Exception):
    """The program called a data source the offline engine has no answer for."""


def zone_id_prefix(region: str) -> str:
    """AWS's short form of a region in zone ids: us-east-1 -> use1, ap-northeast-2 -> apne2, eu-central-1 -> euc1."""
    parts = region.split("-")
    area, number = parts[0], parts[-1]
    words = "".join(
        w.replace("north", "n").replace("south", "s").replace("east", "e").replace("west", "w") for w in parts[1:-1]
    )
    words = words.replace("central", "c").replace("gov", "g").replace("iso", "i")
    return f"{area}{words}{number}"


def _azs(args: dict[str, Any], region: str) -> dict[str, Any]:
    # Three zones named after the region the provider is in (what
    # DescribeAvailabilityZones answers there): eu-west-1a, eu-west-1b, ...
    names = [f"{region}{s}" for s in "abc"]
    prefix = zone_id_prefix(region)
    return {"names": names, "zoneIds": [f"{prefix}-az{i}" for i in (1, 2, 3)], "id": region, "state": "available"}


def _caller_identity(args: dict[str, Any], region: str) -> dict[str, Any]:
    return {
        "accountId": ACCOUNT_ID,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/offline",
        "userId": "AIDAOFFLINE",
        "id": ACCOUNT_ID,
    }


def _region(args: dict[str, Any], region: str) -> dict[str, Any]:
    name = args.get("region") or args.get("name") or region
    return {"name": name, "region": name, "id": name, "endpoint": f"ec2.{name}.amazonaws.com", "description": name}


def _partition(args: dict[str, Any], region: str) -> dict[str, Any]:
    return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws", "reverseDnsPrefix": "com.amazonaws"}


_SSM_PARAMETERS = {
    "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64": "ami-0a1b2c3d4e5f60718",
    "/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id": GPU_AMI_ID,
    "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id": CPU_AMI_ID,
    "/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended": json.dumps(
        {"image_id": GPU_AMI_ID, "image_name": "al2023-ami-ecs-gpu-hvm-2023.0.20261101-kernel-6.1-x86_64-ebs"}
    ),
}


def _ssm_parameter(args: dict[str, Any], region: str) -> dict[str, Any]:
    name = args.get("name")
    if name not in _SSM_PARAMETERS:
        raise UnmockedCallError(f"SSM parameter {name!r} has no offline answer")
    return {
        "name": name,
        "value": _SSM_PARAMETERS[name],
        "type": "String",
        "id": name,
        "arn": f"arn:aws:ssm:{region}::parameter{name}",
        "version": 1,
        "insecureValue": _SSM_PARAMETERS[name],
        "withDecryption": True,
    }


def _ecr_authorization_token(args: dict[str, Any], region: str) -> dict[str, Any]:
    # Shaped like ECR's answer; the password is a placeholder, never a credential.
    registry = args.get("registryId") or ACCOUNT_ID
    return {
        "authorizationToken": "QVdTOm9mZmxpbmU=",
        "expiresAt": "2099-01-01T00:00:00Z",
        "id": region,
        "password": "offline",
        "proxyEndpoint": f"https://{registry}.dkr.ecr.{region}.amazonaws.com",
        "region": region,
        "registryId": registry,
        "userName": "AWS",
    }


# AWS-managed CloudFront policies: fixed, documented IDs.
_MANAGED_CACHE_POLICIES = {
    "Managed-CachingOptimized": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "Managed-CachingDisabled": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
}
_MANAGED_ORIGIN_REQUEST_POLICIES = {
    "Managed-AllViewerExceptHostHeader": "b689b0a8-53d0-40ab-baf2-68738e2966ac",
    "Managed-CORS-S3Origin": "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
}
_MANAGED_RESPONSE_HEADERS_POLICIES = {
    "Managed-SecurityHeadersPolicy": "67f7725c-6f97-4210-82d7-5512b31e9d03",
}


def _named(table: dict[str, str], what: str) -> Handler:
    def answer(args: dict[str, Any], region: str) -> dict[str, Any]:
        name = args.get("name")
        if name not in table:
            raise UnmockedCallError(f"{what} {name!r} has no offline answer")
        return {"id": table[name], "name": name}

    return answer


# The Vercel provider's default ignores (terraform-provider-vercel file/ignores.go),
# extended by the folder's `.vercelignore`.
_VERCEL_DEFAULT_IGNORES = (
    ".hg", ".git", ".gitmodules", ".svn", ".cache", ".next", ".now", ".vercel", ".npmignore",
    ".dockerignore", ".gitignore", ".*.swp", ".DS_Store", ".wafpicke-*", ".lock-wscript", ".env.local",
    ".env.*.local", ".venv", "npm-debug.log", "config.gypi", "node_modules", "__pycache__", "venv", "CVS",
    ".vercel_build_output", ".terraform*", "*.tfstate", "*.tfstate.backup",
)  # fmt: skip


def _vercel_project_directory(args: dict[str, Any], region: str) -> dict[str, Any]:
    """What the Vercel provider computes: each file under `path` as "size~sha1" (it reads the disk too)."""
    import fnmatch
    import hashlib
    import os

    path = args.get("path") or ""
    if not os.path.isdir(path):
        raise UnmockedCallError(f"vercel project directory {path!r} does not exist")
    patterns = list(_VERCEL_DEFAULT_IGNORES)
    ignore_file = os.path.join(path, ".vercelignore")
    if os.path.isfile(ignore_file):
        with open(ignore_file, encoding="utf-8") as fh:
            patterns += [line.strip().strip("/") for line in fh if line.strip() and not line.startswith("#")]

    def ignored(rel: str) -> bool:
        return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(os.path.basename(rel), p) for p in patterns)

    files: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(path):
        rel_dir = os.path.relpath(dirpath, path)
        dirnames[:] = sorted(d for d in dirnames if not ignored(os.path.normpath(os.path.join(rel_dir, d))))
        for filename in sorted(filenames):
            if ignored(os.path.normpath(os.path.join(rel_dir, filename))):
                continue
            full = os.path.join(dirpath, filename)
            with open(full, "rb") as fh:
                content = fh.read()
            files[full] = f"{len(content)}~{hashlib.sha1(content).hexdigest()}"  # sha1: the file id Vercel uses
    return {"path": path, "id": path, "files": files}


# AWS-managed prefix lists, by name (their ids differ per region).
_MANAGED_PREFIX_LISTS = {"com.amazonaws.global.cloudfront.origin-facing": "pl-3b927c52"}


def _managed_prefix_list(args: dict[str, Any], region: str) -> dict[str, Any]:
    name = args.get("name")
    if name not in _MANAGED_PREFIX_LISTS:
        raise UnmockedCallError(f"managed prefix list {name!r} has no offline answer")
    pl_id = _MANAGED_PREFIX_LISTS[name]
    return {"id": pl_id, "name": name, "addressFamily": "IPv4", "maxEntries": 55, "ownerId": "AWS", "entries": []}


def _route53_zone(args: dict[str, Any], region: str) -> dict[str, Any]:
    """A public hosted zone named as asked: offline, every zone the stack names exists."""
    import hashlib

    name = str(args.get("name") or "").rstrip(".")
    if not name:
        raise UnmockedCallError("route53 zone lookups offline are by name only")
    zone_id = "Z" + hashlib.sha256(name.encode()).hexdigest()[:13].upper()
    return {
        "id": zone_id,
        "zoneId": zone_id,
        "name": name,
        "privateZone": bool(args.get("privateZone")),
        "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
        "nameServers": ["ns-1.awsdns-01.org", "ns-2.awsdns-02.com"],
        "callerReference": "offline",
        "comment": "",
        "resourceRecordSetCount": 2,
        "tags": {},
    }


DATA_SOURCES: dict[str, Handler] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": _azs,
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getPartition:getPartition": _partition,
    "aws:ssm/getParameter:getParameter": _ssm_parameter,
    "aws:ec2/getManagedPrefixList:getManagedPrefixList": _managed_prefix_list,
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": _ecr_authorization_token,
    "aws:cloudfront/getCachePolicy:getCachePolicy": _named(_MANAGED_CACHE_POLICIES, "CloudFront cache policy"),
    "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy": _named(
        _MANAGED_ORIGIN_REQUEST_POLICIES, "CloudFront origin request policy"
    ),
    "aws:cloudfront/getResponseHeadersPolicy:getResponseHeadersPolicy": _named(
        _MANAGED_RESPONSE_HEADERS_POLICIES, "CloudFront response headers policy"
    ),
    "vercel:index/getProjectDirectory:getProjectDirectory": _vercel_project_directory,
    "aws:route53/getZone:getZone": _route53_zone,
}


def answer(token: str, args: dict[str, Any], region: str = "us-east-1") -> dict[str, Any]:
    """The answer to invoke `token` made through a provider in `region`."""
    handler = DATA_SOURCES.get(token)
    if handler is None:
        raise UnmockedCallError(
            f"data source {token} has no offline answer; add one to farm_deploy/offline/data_sources.py"
        )
    return handler(args, region)
