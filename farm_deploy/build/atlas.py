"""StagePlan → `AtlasDatabaseArgs`: the MongoDB Atlas project, cluster and user."""

from __future__ import annotations

from typing import Literal

import pulumi

from analysis.errors import UserError
from analysis.stack_config import NAMESPACE
from components.atlas_database import AtlasDatabase, AtlasDatabaseArgs, AtlasRegionNodes
from components.network import Network

from .context import Context


def build_atlas(
    ctx: Context,
    *,
    network: Network | None,
    other_networks: list[Network] | None = None,
    replica_keys: dict[str, pulumi.Input[str] | None] | None = None,
    store: Literal["secretsmanager", "vercel", "none"],
    vercel_project_id: pulumi.Input[str] | None,
    kms_key_id: pulumi.Input[str] | None = None,
) -> AtlasDatabase:
    plan = ctx.plan
    org_id = ctx.settings.atlas_org_id
    if not org_id:
        raise UserError(
            "the stage has a MongoDB Atlas database but no Atlas organisation",
            file=ctx.stack_file,
            key=f"{NAMESPACE}:atlasOrgId",
            hint=f"pulumi config set {NAMESPACE}:atlasOrgId <org id> --stack {ctx.stack}",
        )
    cidrs: list[pulumi.Input[str]] = list(ctx.settings.db_access_cidrs)
    for net in [network, *(other_networks or [])]:
        if net is not None:
            # One access-list entry per NAT address, of every region: the count is known now, the IPs at deploy time.
            cidrs.extend(eip.public_ip for eip in net.eips)
    spread = plan.multi_region
    regions = [
        AtlasRegionNodes(region_name=n.atlas_region, electable_nodes=n.electable_nodes, priority=n.priority)
        for n in (spread.db_nodes if spread else [])
    ]
    keys = {
        "tier": f"{NAMESPACE}:dbTier",
        "allow_open_access": f"{NAMESPACE}:allowOpenDbAccess",
        "access_cidrs": f"{NAMESPACE}:dbAccessCidrs",
    }
    with ctx.stack_keys(keys):
        return AtlasDatabase(
            f"{ctx.prefix}-db",
            AtlasDatabaseArgs(
                org_id=org_id,
                project_name=f"{ctx.project}-{ctx.slug}",
                tier=plan.db.tier,
                instance_size=plan.db.instance_size or "M10",
                provider_region=plan.db.provider_region,
                database_name=plan.db.database_name,
                username=f"{ctx.project}-{ctx.slug}-api",
                backup=plan.db.backup,
                pitr=plan.db.pitr,
                termination_protection=plan.db.termination_protection,
                access_cidrs=cidrs,
                allow_open_access=plan.db.allow_open_access,
                stage=plan.stage,
                store=store,
                vercel_project_id=vercel_project_id,
                vercel_env_key=plan.db.uri_env,
                kms_key_id=kms_key_id,
                password_version=plan.security.db_password_version,
                protect=ctx.protect,
                tags=ctx.tags(),
                regions=regions,
                secret_replica_regions=dict(replica_keys or {}),
            ),
            ctx.opts(),
        )
