"""Stateful resources in prod are protected from deletion.

The check reads the resource option `protect`, not an input: the offline recorder
keeps it (`RecordedResource.protect`), and the live pack reads it from
`ResourceValidationArgs.opts.protect` (pulumi-policy 1.21 `PolicyResourceOptions`),
which the engine fills from the resource's registration.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ._base import Rule, RuleContext

STATEFUL_TYPES: tuple[str, ...] = (
    "aws:s3/bucket:Bucket",
    "aws:efs/fileSystem:FileSystem",
    "aws:ecr/repository:Repository",
    "mongodbatlas:index/advancedCluster:AdvancedCluster",
    "mongodbatlas:index/flexCluster:FlexCluster",
    "mongodbatlas:index/cluster:Cluster",
)


def _protected(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if not ctx.protect:
        yield f"{ctx.type.rsplit(':', 1)[-1]} holds data but is not protected (ResourceOptions(protect=True))"


RULES: tuple[Rule, ...] = (
    Rule(
        id="stateful-protected-prod",
        description="In prod, buckets, file systems, registries and databases are protected from deletion.",
        mirrors=(
            "Pulumi protect option (no checkov/trivy equivalent)",
            "docs/operating.md: stateful resources in prod are protected",
        ),
        level="mandatory",
        resource_types=STATEFUL_TYPES,
        validate=_protected,
        stages=("prod",),
    ),
)
