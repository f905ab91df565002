"""What the engine records beyond inputs: each resource's provider (and region) and what it waits for."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

from farm_deploy.cli import main
from farm_deploy.offline.data_sources import zone_id_prefix
from farm_deploy.offline.engine import ProviderInfo, run_offline

ROOT = Path(__file__).resolve().parents[2]


class _Store(pulumi.ComponentResource):
    """A component whose children get their provider only from the component's options."""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:test:Store", name, None, opts)
        self.bucket = aws.s3.Bucket(f"{name}-bucket", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


def _program(seen: dict[str, object]) -> None:
    ireland = aws.Provider("ireland", region="eu-west-1")
    store = _Store("store", pulumi.ResourceOptions(providers=[ireland]))
    secret = aws.secretsmanager.Secret("secret", opts=pulumi.ResourceOptions(provider=ireland))
    version = aws.secretsmanager.SecretVersion(
        "secret-value", secret_id=secret.id, secret_string="x", opts=pulumi.ResourceOptions(provider=ireland)
    )
    # On the default provider, waiting on the version and on the component.
    aws.s3.BucketPolicy(
        "policy", bucket=store.bucket.id, policy="{}", opts=pulumi.ResourceOptions(depends_on=[version, store])
    )
    pulumi.export("secretArn", secret.arn)
    pulumi.export("plainBucketDomain", aws.s3.Bucket("plain").bucket_regional_domain_name)
    seen["azs"] = aws.get_availability_zones(opts=pulumi.InvokeOptions(provider=ireland)).names
    seen["default_azs"] = aws.get_availability_zones().names


@pytest.fixture(scope="module")
def run():
    seen: dict[str, object] = {}
    result = run_offline(lambda: _program(seen), config={"aws:region": "ap-southeast-2"})
    result.seen = seen  # type: ignore[attr-defined]
    return result


def test_provider_of_each_resource_with_its_region(run) -> None:
    assert run.provider_of(run.named("secret")) == ProviderInfo("ireland", "aws", False, "eu-west-1")
    # The component's `providers` option reaches its child.
    assert run.provider_of(run.named("store-bucket")) == ProviderInfo("ireland", "aws", False, "eu-west-1")
    # No provider: the default one, in the stack's aws:region.
    assert run.provider_of(run.named("policy")) == ProviderInfo("default", "aws", True, "ap-southeast-2")
    # Components and providers have none.
    assert run.provider_of(run.named("store")) is None
    assert run.provider_of(run.named("ireland")) is None


def test_dependencies_cover_depends_on_outputs_and_component_children(run) -> None:
    names = {r.name for r in run.dependencies_of(run.named("policy"))}
    # depends_on=[version, store]: the component counts as its child; bucket= comes from the child too.
    assert names == {"secret-value", "store-bucket"}
    version = run.named("secret-value")
    assert [r.name for r in run.dependencies_of(version)] == ["secret"]
    assert version.property_dependencies == {"secretId": [run.named("secret").urn]}
    assert run.dependencies_of(run.named("secret")) == []


def test_data_sources_and_computed_values_answer_in_the_providers_region(run) -> None:
    assert run.seen["azs"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert run.seen["default_azs"] == ["ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"]
    # What the recorder computes (ARNs, regional names) is in the resource's provider's region.
    assert run.outputs["secretArn"].startswith("arn:aws:secretsmanager:eu-west-1:123456789012:")
    assert run.outputs["plainBucketDomain"].endswith(".s3.ap-southeast-2.amazonaws.com")


@pytest.mark.parametrize(
    ("region", "prefix"),
    [("us-east-1", "use1"), ("eu-west-1", "euw1"), ("ap-northeast-2", "apne2"), ("eu-central-1", "euc1"),
     ("ca-central-1", "cac1"), ("us-gov-west-1", "usgw1"), ("ap-southeast-1", "apse1")],
)  # fmt: skip
def test_zone_ids_use_aws_short_region_names(region: str, prefix: str) -> None:
    # AZ IDs as AWS documents them: https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html
    assert zone_id_prefix(region) == prefix


def test_plan_json_carries_provider_and_dependencies(capsys) -> None:
    assert main(["plan", "--stack", "dev", "--project-dir", str(ROOT), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rows = {r["name"]: r for r in doc["resources"]}
    assert rows["farm-dev-net"]["provider"] is None  # a component
    vpc = rows["farm-dev-net-vpc"]["provider"]
    assert vpc["package"] == "aws" and vpc["region"] == "us-east-1"
    atlas = next(r for r in doc["resources"] if r["type"].startswith("mongodbatlas:"))
    assert atlas["provider"]["package"] == "mongodbatlas" and atlas["provider"]["region"] is None
    service = rows["farm-dev-api-service"]
    assert "farm-dev-api-task" in service["dependencies"]
    assert "farm-dev-api-task-role" not in service["dependencies"]  # reached only through the task definition
    task = rows["farm-dev-api-task"]
    # The secrets' ARNs come from their versions: the task definition waits for the values.
    assert {
        "farm-dev-api-execution-role",
        "farm-dev-api-task-role",
        "farm-dev-db-connection-value",
        "farm-dev-secrets-openai-api-key-value",
    } <= set(task["dependencies"])
    assert all(r["dependencies"] == sorted(r["dependencies"]) for r in doc["resources"])
    assert isinstance(doc["documents"], list)
