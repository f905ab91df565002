"""MongoDB Atlas: no open network access in prod, backups and termination protection."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ._base import Rule, RuleContext, field

IP_ACCESS_LIST = "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList"
ADVANCED_CLUSTER = "mongodbatlas:index/advancedCluster:AdvancedCluster"


def _no_open_access(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    cidr = field(props, "cidrBlock")
    ip = field(props, "ipAddress")
    if cidr in ("0.0.0.0/0", "::/0") or ip == "0.0.0.0":
        yield (
            "the Atlas project accepts connections from anywhere (0.0.0.0/0); "
            "allow the NAT gateways' IPs or use private endpoints"
        )


def _backups(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if field(props, "backupEnabled") is not True:
        yield "prod cluster has no cloud backups (backupEnabled: true)"


def _termination_protection(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if field(props, "terminationProtectionEnabled") is not True:
        yield "prod cluster can be deleted from the Atlas UI or API (terminationProtectionEnabled: true)"


RULES: tuple[Rule, ...] = (
    Rule(
        id="atlas-no-open-access-prod",
        description="In prod, Atlas network access is never 0.0.0.0/0.",
        mirrors=("Atlas security checklist: IP access list",),
        level="mandatory",
        resource_types=(IP_ACCESS_LIST,),
        validate=_no_open_access,
        stages=("prod",),
    ),
    Rule(
        id="atlas-backup-prod",
        description="In prod, dedicated Atlas clusters have cloud backups on.",
        mirrors=("Atlas security checklist: backups",),
        level="mandatory",
        resource_types=(ADVANCED_CLUSTER,),
        validate=_backups,
        stages=("prod",),
    ),
    Rule(
        id="atlas-termination-protection-prod",
        description="In prod, dedicated Atlas clusters have termination protection.",
        mirrors=("Atlas termination protection",),
        level="advisory",
        resource_types=(ADVANCED_CLUSTER,),
        validate=_termination_protection,
        stages=("prod",),
    ),
)
