"""MongoDB Atlas for one stage: project, cluster sized per tier, app user, network access.

The connection string carries the generated password, so it only ever exists as
a Pulumi secret: handed to Secrets Manager (AWS stages) or to a sensitive Vercel
variable (Vercel stages), never exported in plain text.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

import pulumi
import pulumi_mongodbatlas as atlas
import pulumi_random as random

from analysis.errors import UserError

from .common import child_opts, merge_tags, secret_replicas

Tier = Literal["m0", "flex", "dedicated"]
Store = Literal["secretsmanager", "vercel", "none"]

TIERS: tuple[str, ...] = ("m0", "flex", "dedicated")
STORES: tuple[str, ...] = ("secretsmanager", "vercel", "none")
OPEN_CIDR = "0.0.0.0/0"
# Atlas requires priority 7 for the highest-priority (here: only) region.
_TOP_PRIORITY = 7
# RFC 3986 "unreserved" characters: a password made of these needs no escaping
# in a URI, which keeps the connection string readable by every driver.
URI_SAFE_SPECIALS = "-._~"
PASSWORD_LENGTH = 40
_CLUSTER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
_INSTANCE_SIZE = re.compile(r"^M(\d+)$")


@dataclass
class AtlasDatabaseArgs:
    org_id: pulumi.Input[str]
    project_name: str
    tier: str  # Tier
    stage: str
    database_name: str = "app"
    username: str = "app"
    instance_size: str = "M10"  # dedicated only; M0 and Flex have fixed sizes
    provider_region: str = "US_EAST_1"  # Atlas region name, not the AWS one
    backing_provider: str = "AWS"
    mongo_db_major_version: str = "8.0"  # dedicated only; shared tiers run Atlas' current version
    backup: bool = False
    pitr: bool = False
    termination_protection: bool = False
    # Each entry one CIDR or IP (an IP becomes /32), e.g. a NAT gateway's public IP.
    access_cidrs: Sequence[pulumi.Input[str]] = field(default_factory=list)
    allow_open_access: bool = False
    store: str = "secretsmanager"  # Store
    vercel_project_id: pulumi.Input[str] | None = None
    vercel_team_id: str | None = None
    vercel_env_key: str = "MONGODB_URL"
    recovery_window_days: int = 7
    # Customer managed key of the connection secret (farm:kms customer); None: AWS managed.
    kms_key_id: pulumi.Input[str] | None = None
    # Raising it generates a new password (farm:dbPasswordVersion, `farm-deploy rotate db-password`).
    password_version: int = 1
    protect: bool = False
    tags: Mapping[str, str] | None = None
    # A cluster across regions (dedicated only): each region's electable nodes and
    # election priority, the highest (7) first; empty: `provider_region` alone, 3 nodes.
    regions: Sequence[AtlasRegionNodes] = field(default_factory=list)
    # Other AWS regions the connection secret is replicated to -> their KMS key (None: AWS managed).
    secret_replica_regions: Mapping[str, pulumi.Input[str] | None] = field(default_factory=dict)


@dataclass(frozen=True)
class AtlasRegionNodes:
    region_name: str  # Atlas's name, e.g. EU_WEST_1
    electable_nodes: int
    priority: int


def connection_string(srv: str, username: str, password: str, database: str, *, nearest: bool = False) -> str:
    """`mongodb+srv://user:password@host/db?retryWrites=true&w=majority` from Atlas' SRV string.

    User and password are percent-encoded (RFC 3986): a generated password may
    one day contain `@`, `:` or `/`, which would otherwise split the URI wrongly.
    """
    host = srv.split("://", 1)[-1].rstrip("/")
    user = quote(username, safe="")
    secret = quote(password, safe="")
    # Across regions each API reads from the member nearest to it; writes still go to the primary
    # (https://www.mongodb.com/docs/manual/core/read-preference/#mongodb-readmode-nearest).
    read = "&readPreference=nearest" if nearest else ""
    return f"mongodb+srv://{user}:{secret}@{host}/{database}?retryWrites=true&w=majority{read}"


def normalise_cidr(value: str) -> str:
    """A CIDR as Atlas expects it; a bare IP address becomes a /32 (or /128)."""
    if not isinstance(value, str):
        raise TypeError(
            f"access_cidrs entries must each be one CIDR string, got {type(value).__name__}: "
            "pass one Input[str] per NAT address, not one Output holding a list"
        )
    if "/" in value:
        return str(ipaddress.ip_network(value, strict=False))
    ip = ipaddress.ip_address(value)
    return f"{ip}/{ip.max_prefixlen}"


def _user_error(message: str, key: str, value: object = None, **kwargs: Any) -> UserError:
    return UserError(message, key=key, value=value, **kwargs)


class AtlasDatabase(pulumi.ComponentResource):
    """An Atlas project with one cluster, one app user and its network access list."""

    project_id: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    database_name: pulumi.Output[str]
    connection_string: pulumi.Output[str]
    connection_secret_arn: pulumi.Output[str] | None
    connection_secret_version_id: pulumi.Output[str] | None

    def __init__(self, name: str, args: AtlasDatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:db:AtlasDatabase", name, None, opts)
        self._name = name
        self._args = args
        self._validate()
        self._tags = merge_tags(args.tags, args.project_name)

        self.project = self._create_project()
        self.cluster: atlas.AdvancedCluster | atlas.FlexCluster = self._create_cluster()
        self.backup_schedule = self._create_backup_schedule()
        self.password = self._create_password()
        self.user = self._create_user()
        self.access_entries = self._create_access_list()

        srv = self.cluster.connection_strings.apply(lambda cs: cs.standard_srv if cs else None)
        # Depending on the user's name orders the secret after the user exists.
        self.connection_string = pulumi.Output.secret(
            pulumi.Output.all(srv, self.user.username, self.password.result).apply(
                lambda v: connection_string(v[0], v[1], v[2], args.database_name, nearest=len(args.regions) > 1)
            )
        )
        self.secret, self.secret_version = self._create_secretsmanager_secret()
        self.vercel_variable = self._create_vercel_variable()

        self.project_id = self.project.id
        self.cluster_name = self.cluster.name
        self.database_name = pulumi.Output.from_input(args.database_name)
        # Read from the version, so that its readers wait for the value (Atlas
        # can take ten minutes to produce it), not only for the empty secret.
        self.connection_secret_arn = self.secret_version.secret_arn if self.secret_version is not None else None
        self.connection_secret_version_id = self.secret_version.version_id if self.secret_version is not None else None
        self.register_outputs(
            {
                "project_id": self.project_id,
                "cluster_name": self.cluster_name,
                "database_name": self.database_name,
                "connection_string": self.connection_string,
                "connection_secret_arn": self.connection_secret_arn,
                "connection_secret_version_id": self.connection_secret_version_id,
            }
        )

    # ------------------------------------------------------------------ checks

    def _validate(self) -> None:
        a = self._args
        if a.tier not in TIERS:
            raise _user_error("unknown Atlas tier", "tier", a.tier, valid=list(TIERS))
        if a.regions:
            self._validate_regions()
        if a.store not in STORES:
            raise _user_error("unknown store for the connection string", "store", a.store, valid=list(STORES))
        if not _CLUSTER_NAME.match(a.project_name):
            raise _user_error(
                "Atlas names may hold letters, digits and hyphens only (at most 64)",
                "project_name",
                a.project_name,
            )
        if a.tier == "dedicated":
            match = _INSTANCE_SIZE.match(a.instance_size)
            if not match or int(match.group(1)) < 10:
                raise _user_error(
                    "a dedicated cluster needs an instance size of M10 or larger",
                    "instance_size",
                    a.instance_size,
                    valid=["M10", "M20", "M30", "M40", "..."],
                    hint="use tier m0 or flex for a shared cluster",
                )
            if a.pitr and not a.backup:
                raise _user_error(
                    "point-in-time restore needs cloud backup", "pitr", a.pitr, hint="set backup=True as well"
                )
        elif a.backup or a.pitr:
            # M0 has no backup at all; Flex takes daily snapshots on its own and has no settings for them.
            raise _user_error(
                f"cloud backup and point-in-time restore need a dedicated cluster, not {a.tier}",
                "tier",
                a.tier,
                valid=["dedicated"],
            )
        if a.allow_open_access and a.stage == "prod":
            raise _user_error(
                "open network access (0.0.0.0/0) to the prod database is refused",
                "allow_open_access",
                True,
                hint="allow the stage's NAT gateway addresses instead (access_cidrs)",
            )
        for cidr in a.access_cidrs:
            if isinstance(cidr, str) and normalise_cidr(cidr) == OPEN_CIDR:
                raise _user_error(
                    "0.0.0.0/0 in the access list: open access is a separate, explicit switch",
                    "access_cidrs",
                    cidr,
                    hint="set `allow_open_access` true instead (never in prod)",
                )
        if a.store == "vercel" and a.vercel_project_id is None:
            raise _user_error(
                "storing the connection string on Vercel needs the Vercel project id", "vercel_project_id"
            )
        if a.recovery_window_days != 0 and not 7 <= a.recovery_window_days <= 30:
            raise _user_error(
                "Secrets Manager accepts a recovery window of 0 or 7 to 30 days",
                "recovery_window_days",
                a.recovery_window_days,
            )

    # ------------------------------------------------------------------ children

    def _validate_regions(self) -> None:
        """Atlas's rules for a cluster across regions.

        Dedicated (M10+) only; the electable nodes of all regions add up to 3, 5 or 7;
        the highest priority is 7 and each further region's is one lower
        (https://www.mongodb.com/docs/atlas/cli/current/reference/json/cluster-config-file/).
        """
        a = self._args
        if a.tier != "dedicated" and len(a.regions) > 1:
            raise _user_error(f"Atlas spans regions only on dedicated clusters (M10+), not {a.tier}", "tier", a.tier)
        total = sum(r.electable_nodes for r in a.regions)
        if total not in (3, 5, 7):
            raise _user_error(
                f"the regions' electable nodes add up to {total}; Atlas takes 3, 5 or 7", "regions", total
            )
        priorities = [r.priority for r in a.regions]
        if priorities != list(range(_TOP_PRIORITY, _TOP_PRIORITY - len(priorities), -1)):
            raise _user_error("region priorities must run 7, 6, 5... from the primary region", "regions", priorities)
        names = [r.region_name for r in a.regions]
        if len(set(names)) != len(names):
            raise _user_error("a region is listed twice", "regions", names)

    def _stateful_opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return child_opts(self, protect=self._args.protect, **kwargs)

    def _create_project(self) -> atlas.Project:
        a = self._args
        return atlas.Project(
            f"{self._name}-project",
            name=a.project_name,
            org_id=a.org_id,
            tags=self._tags,
            opts=self._stateful_opts(),
        )

    def _create_cluster(self) -> atlas.AdvancedCluster | atlas.FlexCluster:
        a = self._args
        if a.tier == "flex":
            return atlas.FlexCluster(
                f"{self._name}-cluster",
                project_id=self.project.id,
                name=a.project_name,
                provider_settings=atlas.FlexClusterProviderSettingsArgs(
                    backing_provider_name=a.backing_provider,
                    region_name=a.provider_region,
                ),
                termination_protection_enabled=self._termination_protection(),
                tags=self._tags,
                opts=self._stateful_opts(),
            )
        if a.tier == "m0":
            # The free tier is a TENANT region config backed by a cloud provider.
            region = atlas.AdvancedClusterReplicationSpecRegionConfigArgs(
                provider_name="TENANT",
                backing_provider_name=a.backing_provider,
                region_name=a.provider_region,
                priority=_TOP_PRIORITY,
                electable_specs=atlas.AdvancedClusterReplicationSpecRegionConfigElectableSpecsArgs(instance_size="M0"),
            )
            regions = [region]
            extra: dict[str, Any] = {}
        else:
            layout = list(a.regions) or [AtlasRegionNodes(a.provider_region, 3, _TOP_PRIORITY)]
            regions = [
                atlas.AdvancedClusterReplicationSpecRegionConfigArgs(
                    provider_name=a.backing_provider,
                    region_name=spec.region_name,
                    priority=spec.priority,
                    electable_specs=atlas.AdvancedClusterReplicationSpecRegionConfigElectableSpecsArgs(
                        instance_size=a.instance_size,
                        node_count=spec.electable_nodes,
                    ),
                    # Storage grows with the data instead of the cluster going read-only when full.
                    auto_scaling=atlas.AdvancedClusterReplicationSpecRegionConfigAutoScalingArgs(disk_gb_enabled=True),
                )
                for spec in layout
            ]
            extra = {
                "backup_enabled": a.backup,
                "pit_enabled": a.pitr,
                "mongo_db_major_version": a.mongo_db_major_version,
                "termination_protection_enabled": self._termination_protection(),
            }
        return atlas.AdvancedCluster(
            f"{self._name}-cluster",
            project_id=self.project.id,
            name=a.project_name,
            cluster_type="REPLICASET",
            replication_specs=[atlas.AdvancedClusterReplicationSpecArgs(region_configs=regions)],
            tags=self._tags,
            opts=self._stateful_opts(),
            **extra,
        )

    def _termination_protection(self) -> bool:
        # Prod's data is never one `pulumi destroy` away, whatever the plan says.
        return self._args.termination_protection or self._args.stage == "prod"

    def _create_backup_schedule(self) -> atlas.CloudBackupSchedule | None:
        a = self._args
        if a.tier != "dedicated" or not a.backup:
            return None
        return atlas.CloudBackupSchedule(
            f"{self._name}-backup",
            project_id=self.project.id,
            cluster_name=self.cluster.name,
            reference_hour_of_day=3,
            reference_minute_of_hour=0,
            # The point-in-time window; Atlas keeps the oplog this many days.
            restore_window_days=7 if a.pitr else None,
            policy_item_hourly=atlas.CloudBackupSchedulePolicyItemHourlyArgs(
                frequency_interval=6, retention_unit="days", retention_value=2
            ),
            policy_item_daily=atlas.CloudBackupSchedulePolicyItemDailyArgs(
                frequency_interval=1, retention_unit="days", retention_value=7
            ),
            policy_item_weeklies=[
                atlas.CloudBackupSchedulePolicyItemWeeklyArgs(
                    frequency_interval=6, retention_unit="weeks", retention_value=4
                )
            ],
            policy_item_monthlies=[
                atlas.CloudBackupSchedulePolicyItemMonthlyArgs(
                    frequency_interval=40, retention_unit="months", retention_value=12
                )
            ],
            opts=child_opts(self),
        )

    def _create_password(self) -> random.RandomPassword:
        version = self._args.password_version
        return random.RandomPassword(
            f"{self._name}-password",
            # A change of keepers replaces the password: Atlas gets the new one
            # (an in-place update of the user), the secret a new version, and the
            # API, whose tasks read that version, rolls onto it. Version 1 has no
            # keepers, so stacks created before rotation existed keep their password.
            keepers={"dbPasswordVersion": str(version)} if version > 1 else None,
            length=PASSWORD_LENGTH,
            special=True,
            override_special=URI_SAFE_SPECIALS,
            min_lower=2,
            min_upper=2,
            min_numeric=2,
            opts=child_opts(self),
        )

    def _create_user(self) -> atlas.DatabaseUser:
        a = self._args
        return atlas.DatabaseUser(
            f"{self._name}-user",
            project_id=self.project.id,
            username=a.username,
            password=self.password.result,
            auth_database_name="admin",
            # Least privilege: read and write the app's own database, nothing else.
            roles=[atlas.DatabaseUserRoleArgs(role_name="readWrite", database_name=a.database_name)],
            # Atlas users are project-wide unless scoped; this one only reaches this cluster.
            scopes=[atlas.DatabaseUserScopeArgs(name=self.cluster.name, type="CLUSTER")],
            labels=[atlas.DatabaseUserLabelArgs(key=k, value=v) for k, v in self._tags.items()],
            opts=child_opts(self),
        )

    def _create_access_list(self) -> list[atlas.ProjectIpAccessList]:
        a = self._args
        entries = []
        for index, cidr in enumerate(a.access_cidrs):
            block = pulumi.Output.from_input(cidr).apply(self._checked_cidr)
            entries.append(
                atlas.ProjectIpAccessList(
                    f"{self._name}-access-{index}",
                    project_id=self.project.id,
                    cidr_block=block,
                    comment=f"{a.project_name}: stage egress",
                    opts=child_opts(self),
                )
            )
        if a.allow_open_access:  # never in prod: refused in _validate
            entries.append(
                atlas.ProjectIpAccessList(
                    f"{self._name}-access-open",
                    project_id=self.project.id,
                    cidr_block=OPEN_CIDR,
                    comment=f"{a.project_name}: open access (farm:allowOpenDbAccess, {a.stage} only)",
                    opts=child_opts(self),
                )
            )
        return entries

    def _checked_cidr(self, value: str) -> str:
        # Values known only at deploy time (NAT addresses) get the same check as plain ones.
        cidr = normalise_cidr(value)
        if cidr == OPEN_CIDR:
            raise ValueError("0.0.0.0/0 reached the Atlas access list through access_cidrs; use allow_open_access")
        return cidr

    def _create_secretsmanager_secret(self) -> tuple[Any, Any]:
        a = self._args
        if a.store != "secretsmanager":
            return None, None
        import pulumi_aws as aws  # only AWS stages pay for the import

        secret = aws.secretsmanager.Secret(
            f"{self._name}-connection",
            name_prefix=f"{a.project_name}-mongodb-url-",
            description=f"MongoDB connection string for {a.project_name} ({a.stage})",
            recovery_window_in_days=a.recovery_window_days,
            kms_key_id=a.kms_key_id,
            replicas=secret_replicas(a.secret_replica_regions),
            tags=self._tags | {"farm:dbPasswordVersion": str(a.password_version)},
            opts=self._stateful_opts(),
        )
        version = aws.secretsmanager.SecretVersion(
            f"{self._name}-connection-value",
            secret_id=secret.id,
            secret_string=self.connection_string,
            opts=child_opts(self),
        )
        return secret, version

    def _create_vercel_variable(self) -> Any:
        a = self._args
        if a.store != "vercel":
            return None
        import pulumiverse_vercel as vercel

        # Sensitive variables cannot target Vercel's development environment;
        # local development reads its own .env, not this production credential.
        return vercel.ProjectEnvironmentVariable(
            f"{self._name}-connection",
            project_id=a.vercel_project_id,
            team_id=a.vercel_team_id,
            key=a.vercel_env_key,
            value=self.connection_string,
            targets=["production", "preview"],
            sensitive=True,
            comment=f"MongoDB Atlas connection string ({a.stage})",
            opts=child_opts(self),
        )
