"""AtlasDatabase under the offline engine: exact inputs per tier, the user, the
access list, and where the connection string goes (and does not go)."""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from pulumi.runtime.settings import SETTINGS

from analysis.errors import UserError
from components.atlas_database import (
    PASSWORD_LENGTH,
    URI_SAFE_SPECIALS,
    AtlasDatabase,
    AtlasDatabaseArgs,
    connection_string,
    normalise_cidr,
)
from farm_deploy.offline.engine import OfflineRun, run_offline

CLUSTER = "mongodbatlas:index/advancedCluster:AdvancedCluster"
FLEX = "mongodbatlas:index/flexCluster:FlexCluster"
PROJECT = "mongodbatlas:index/project:Project"
USER = "mongodbatlas:index/databaseUser:DatabaseUser"
ACCESS = "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList"
BACKUP = "mongodbatlas:index/cloudBackupSchedule:CloudBackupSchedule"
PASSWORD = "random:index/randomPassword:RandomPassword"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
VERCEL_ENV = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
MOCK_PASSWORD = "offline-password-not-a-secret"  # what the engine answers for RandomPassword.result


def _args(**overrides: Any) -> AtlasDatabaseArgs:
    values: dict[str, Any] = {
        "org_id": "5f0123456789abcdef012345",
        "project_name": "farm-chat-dev",
        "tier": "m0",
        "stage": "dev",
        "database_name": "farmchat",
        "username": "farm-chat-dev-api",
    }
    values.update(overrides)
    return AtlasDatabaseArgs(**values)


def _run(args: AtlasDatabaseArgs, *, export: bool = True, stack: str = "dev") -> OfflineRun:
    def program() -> None:
        db = AtlasDatabase("db", args)
        if export:
            pulumi.export("project_id", db.project_id)
            pulumi.export("cluster_name", db.cluster_name)
            pulumi.export("database_name", db.database_name)
            pulumi.export("connection_string", db.connection_string)
            pulumi.export("connection_secret_arn", db.connection_secret_arn)

    return run_offline(program, stack=stack)


# ---------------------------------------------------------------------------- tiers


def test_m0_is_a_tenant_advanced_cluster_backed_by_aws() -> None:
    run = _run(_args(tier="m0"))

    cluster = run.one(CLUSTER)
    assert cluster.inputs == {
        "projectId": "db-project-id",
        "name": "farm-chat-dev",
        "clusterType": "REPLICASET",
        "replicationSpecs": [
            {
                "regionConfigs": [
                    {
                        "providerName": "TENANT",
                        "backingProviderName": "AWS",
                        "regionName": "US_EAST_1",
                        "priority": 7.0,
                        "electableSpecs": {"instanceSize": "M0"},
                    }
                ]
            }
        ],
        "tags": {"Name": "farm-chat-dev"},
    }
    assert run.of_type(FLEX) == []
    assert run.of_type(BACKUP) == []


def test_flex_is_a_flex_cluster_with_aws_provider_settings() -> None:
    run = _run(_args(tier="flex", provider_region="EU_WEST_1", tags={"stage": "dev"}))

    flex = run.one(FLEX)
    assert flex.inputs == {
        "projectId": "db-project-id",
        "name": "farm-chat-dev",
        "providerSettings": {"backingProviderName": "AWS", "regionName": "EU_WEST_1"},
        "terminationProtectionEnabled": False,
        "tags": {"Name": "farm-chat-dev", "stage": "dev"},
    }
    assert run.of_type(CLUSTER) == []
    assert run.of_type(BACKUP) == []


def test_dedicated_in_prod_has_backup_pitr_termination_protection_and_a_schedule() -> None:
    run = _run(
        _args(
            tier="dedicated",
            stage="prod",
            project_name="farm-chat-prod",
            instance_size="M30",
            backup=True,
            pitr=True,
            termination_protection=True,
            access_cidrs=["203.0.113.10"],
            protect=True,
        ),
        stack="prod",
    )

    cluster = run.one(CLUSTER)
    assert cluster.inputs == {
        "projectId": "db-project-id",
        "name": "farm-chat-prod",
        "clusterType": "REPLICASET",
        "replicationSpecs": [
            {
                "regionConfigs": [
                    {
                        "providerName": "AWS",
                        "regionName": "US_EAST_1",
                        "priority": 7.0,
                        "electableSpecs": {"instanceSize": "M30", "nodeCount": 3.0},
                        "autoScaling": {"diskGbEnabled": True},
                    }
                ]
            }
        ],
        "backupEnabled": True,
        "pitEnabled": True,
        "terminationProtectionEnabled": True,
        "mongoDbMajorVersion": "8.0",
        "tags": {"Name": "farm-chat-prod"},
    }
    schedule = run.one(BACKUP)
    assert schedule.inputs == {
        "projectId": "db-project-id",
        "clusterName": "farm-chat-prod",
        "referenceHourOfDay": 3.0,
        "referenceMinuteOfHour": 0.0,
        "restoreWindowDays": 7.0,
        "policyItemHourly": {"frequencyInterval": 6.0, "retentionUnit": "days", "retentionValue": 2.0},
        "policyItemDaily": {"frequencyInterval": 1.0, "retentionUnit": "days", "retentionValue": 7.0},
        "policyItemWeeklies": [{"frequencyInterval": 6.0, "retentionUnit": "weeks", "retentionValue": 4.0}],
        "policyItemMonthlies": [{"frequencyInterval": 40.0, "retentionUnit": "months", "retentionValue": 12.0}],
    }
    # Stateful children are protected and kept on delete; the rest are not.
    for typ in (PROJECT, CLUSTER, SECRET):
        assert (run.one(typ).protect, run.one(typ).retain_on_delete) == (True, True), typ
    for typ in (USER, PASSWORD, ACCESS, BACKUP, SECRET_VERSION):
        assert run.one(typ).protect is False, typ


def test_dedicated_in_dev_has_no_backup_no_protection() -> None:
    run = _run(_args(tier="dedicated", instance_size="M10"))

    inputs = run.one(CLUSTER).inputs
    assert (inputs["backupEnabled"], inputs["pitEnabled"], inputs["terminationProtectionEnabled"]) == (
        False,
        False,
        False,
    )
    assert inputs["replicationSpecs"][0]["regionConfigs"][0]["electableSpecs"] == {
        "instanceSize": "M10",
        "nodeCount": 3.0,
    }
    assert run.of_type(BACKUP) == []
    assert [r.name for r in run.resources if r.protect] == []


def test_prod_turns_termination_protection_on_even_when_the_plan_forgot() -> None:
    run = _run(_args(tier="flex", stage="prod", termination_protection=False), stack="prod")
    assert run.one(FLEX).inputs["terminationProtectionEnabled"] is True


def test_every_child_is_parented_to_the_component() -> None:
    run = _run(_args(tier="dedicated", backup=True, access_cidrs=["203.0.113.10/32"]))
    component = run.one("farm:db:AtlasDatabase")
    children = run.children_of(component)
    assert sorted(r.type for r in children) == sorted(
        [PROJECT, CLUSTER, BACKUP, PASSWORD, USER, ACCESS, SECRET, SECRET_VERSION]
    )
    assert len(children) == len(run.resources) - 1


# ---------------------------------------------------------------------------- user


def test_user_has_exactly_read_write_on_the_app_database_scoped_to_the_cluster() -> None:
    run = _run(_args(tier="flex"))

    user = run.one(USER)
    assert user.inputs["username"] == "farm-chat-dev-api"
    assert user.inputs["authDatabaseName"] == "admin"
    assert user.inputs["roles"] == [{"roleName": "readWrite", "databaseName": "farmchat"}]
    assert user.inputs["scopes"] == [{"name": "farm-chat-dev", "type": "CLUSTER"}]
    assert user.inputs["password"] == MOCK_PASSWORD
    assert "password" in user.secret_paths


def test_password_is_long_and_uses_only_uri_safe_specials() -> None:
    run = _run(_args())

    password = run.one(PASSWORD).inputs
    assert password["length"] >= 32
    assert password["length"] == float(PASSWORD_LENGTH)
    assert password["special"] is True
    assert set(password["overrideSpecial"]) <= set("-._~")
    assert password["overrideSpecial"] == URI_SAFE_SPECIALS


# ---------------------------------------------------------------------------- network access


def test_access_list_has_one_entry_per_nat_address_and_nothing_open_in_prod() -> None:
    nat_ips = ["203.0.113.10", pulumi.Output.from_input("198.51.100.7")]
    run = _run(
        _args(tier="dedicated", stage="prod", backup=True, access_cidrs=nat_ips),
        stack="prod",
    )

    entries = sorted(run.of_type(ACCESS), key=lambda r: r.name)
    assert [(e.name, e.inputs["cidrBlock"]) for e in entries] == [
        ("db-access-0", "203.0.113.10/32"),
        ("db-access-1", "198.51.100.7/32"),
    ]
    assert all(e.inputs["projectId"] == "db-project-id" for e in entries)
    assert "0.0.0.0/0" not in [e.inputs["cidrBlock"] for e in entries]


def test_open_access_in_dev_only_with_the_flag() -> None:
    closed = _run(_args(access_cidrs=["203.0.113.10/32"]))
    assert [e.inputs["cidrBlock"] for e in closed.of_type(ACCESS)] == ["203.0.113.10/32"]

    opened = _run(_args(allow_open_access=True))
    open_entry = opened.one(ACCESS)
    assert (open_entry.name, open_entry.inputs["cidrBlock"]) == ("db-access-open", "0.0.0.0/0")


def test_open_access_in_prod_is_refused() -> None:
    with pytest.raises(UserError) as err:
        _run(_args(stage="prod", allow_open_access=True), stack="prod")
    assert err.value.key == "allow_open_access"
    assert "prod" in err.value.message


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_open_cidr_smuggled_in_access_cidrs_is_refused(stage: str) -> None:
    with pytest.raises(UserError) as err:
        _run(_args(stage=stage, access_cidrs=["0.0.0.0/0"]))
    assert err.value.key == "access_cidrs"


@pytest.fixture
def quiet_failed_futures(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A failing apply leaves futures nobody awaits; collect them here instead of logging noise later."""
    monkeypatch.setattr(logging.getLogger("asyncio"), "disabled", True)
    yield
    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()
    gc.collect()


@pytest.mark.usefixtures("quiet_failed_futures")
def test_open_cidr_known_only_at_deploy_time_fails_the_run() -> None:
    with pytest.raises(ValueError, match=r"0\.0\.0\.0/0 reached the Atlas access list"):
        _run(_args(stage="prod", access_cidrs=[pulumi.Output.from_input("0.0.0.0/0")]), stack="prod")


@pytest.mark.usefixtures("quiet_failed_futures")
def test_an_output_holding_a_list_of_addresses_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="one Input\\[str\\] per NAT address"):
        _run(_args(access_cidrs=[pulumi.Output.from_input(["203.0.113.10"])]))


# ---------------------------------------------------------------------------- the connection string


def test_connection_string_reaches_secrets_manager_as_a_secret() -> None:
    run = _run(_args(tier="flex", store="secretsmanager", recovery_window_days=14, tags={"app": "farm-chat"}))

    secret = run.one(SECRET)
    assert secret.inputs == {
        "namePrefix": "farm-chat-dev-mongodb-url-",
        "description": "MongoDB connection string for farm-chat-dev (dev)",
        "recoveryWindowInDays": 14.0,
        "tags": {"Name": "farm-chat-dev", "app": "farm-chat", "farm:dbPasswordVersion": "1"},
    }
    version = run.one(SECRET_VERSION)
    assert version.inputs["secretId"] == "db-connection-id"
    assert version.inputs["secretString"] == (
        f"mongodb+srv://farm-chat-dev-api:{MOCK_PASSWORD}@farm-chat-dev.abcde.mongodb.net/farmchat"
        "?retryWrites=true&w=majority"
    )
    assert "secretString" in version.secret_paths
    assert run.of_type(VERCEL_ENV) == []
    assert run.outputs["connection_secret_arn"] == secret_arn(run)


def secret_arn(run: OfflineRun) -> str:
    # Secrets Manager's shape for a name_prefix secret: secret:<prefix><generated>-<six characters>.
    prefix = run.one(SECRET).inputs["namePrefix"]
    arns = [v for v in (run.outputs.get("connection_secret_arn"),) if isinstance(v, str)]
    assert arns and re.fullmatch(
        rf"arn:aws:secretsmanager:us-east-1:123456789012:secret:{re.escape(prefix)}[0-9a-f]{{8}}-[A-Za-z]{{6}}", arns[0]
    )
    return arns[0]


def _plain_outputs(run: OfflineRun) -> dict[str, Any]:
    return {k: v for k, v in run.outputs.items() if k not in run.secret_outputs}


@pytest.mark.parametrize("tier", ["m0", "flex", "dedicated"])
def test_connection_string_never_appears_in_plain_stack_outputs(tier: str) -> None:
    run = _run(_args(tier=tier))

    assert "connection_string" in run.secret_outputs
    assert MOCK_PASSWORD in run.outputs["connection_string"]  # the export exists, it is just secret
    plain = _plain_outputs(run)
    assert set(plain) == {"project_id", "cluster_name", "database_name", "connection_secret_arn"}
    assert MOCK_PASSWORD not in repr(plain)
    assert plain["cluster_name"] == "farm-chat-dev"
    assert plain["database_name"] == "farmchat"
    assert plain["project_id"] == "db-project-id"


def test_connection_string_goes_to_a_sensitive_vercel_variable_on_vercel_stages() -> None:
    run = _run(_args(tier="m0", store="vercel", vercel_project_id="prj_123", vercel_env_key="MONGODB_URI"))

    var = run.one(VERCEL_ENV)
    assert var.inputs["projectId"] == "prj_123"
    assert var.inputs["key"] == "MONGODB_URI"
    assert var.inputs["sensitive"] is True
    # Vercel refuses sensitive variables in its development target.
    assert var.inputs["targets"] == ["production", "preview"]
    assert var.inputs["value"].startswith("mongodb+srv://farm-chat-dev-api:")
    assert "value" in var.secret_paths
    assert run.of_type(SECRET) == [] and run.of_type(SECRET_VERSION) == []
    assert run.outputs.get("connection_secret_arn") is None


def test_store_none_creates_no_secret_anywhere() -> None:
    run = _run(_args(store="none"))
    assert run.of_type(SECRET) == [] and run.of_type(VERCEL_ENV) == []
    assert "connection_string" in run.secret_outputs


def test_connection_string_percent_encodes_credentials() -> None:
    assert connection_string("mongodb+srv://c0.ab.mongodb.net", "app user", "p@ss:w/rd", "db") == (
        "mongodb+srv://app%20user:p%40ss%3Aw%2Frd@c0.ab.mongodb.net/db?retryWrites=true&w=majority"
    )
    # URI-unreserved characters pass through untouched.
    assert connection_string("mongodb+srv://h/", "u", "a-b.c_d~e", "x").startswith("mongodb+srv://u:a-b.c_d~e@h/x?")


def test_normalise_cidr() -> None:
    assert normalise_cidr("203.0.113.10") == "203.0.113.10/32"
    assert normalise_cidr("10.1.2.3/16") == "10.1.0.0/16"
    assert normalise_cidr("2001:db8::1") == "2001:db8::1/128"
    with pytest.raises(ValueError):
        normalise_cidr("not-an-ip")


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"tier": "m5"}, "tier"),
        ({"tier": "m0", "backup": True}, "tier"),
        ({"tier": "flex", "pitr": True}, "tier"),
        ({"tier": "dedicated", "instance_size": "M5"}, "instance_size"),
        ({"tier": "dedicated", "instance_size": "large"}, "instance_size"),
        ({"tier": "dedicated", "pitr": True, "backup": False}, "pitr"),
        ({"store": "vercel"}, "vercel_project_id"),
        ({"store": "s3"}, "store"),
        ({"project_name": "farm chat"}, "project_name"),
        ({"recovery_window_days": 3}, "recovery_window_days"),
    ],
)
def test_bad_input_is_a_user_error_naming_the_key(overrides: dict[str, Any], key: str) -> None:
    with pytest.raises(UserError) as err:
        _run(_args(**overrides))
    assert err.value.key == key


@pytest.mark.parametrize(
    ("version", "keepers"), [(1, None), (2, {"dbPasswordVersion": "2"}), (7, {"dbPasswordVersion": "7"})]
)
def test_password_version_feeds_the_password_keepers(version: int, keepers: dict[str, str] | None) -> None:
    # Version 1 has no keepers: stacks created before rotation keep their password.
    run = _run(_args(password_version=version), export=False)
    password = run.one("random:index/randomPassword:RandomPassword")
    assert password.inputs.get("keepers") == keepers
    secret = run.one("aws:secretsmanager/secret:Secret")
    assert secret.inputs["tags"]["farm:dbPasswordVersion"] == str(version)
