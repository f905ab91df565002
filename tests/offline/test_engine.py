"""The offline engine itself: what it records, and what it refuses."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from farm_deploy.offline.engine import OfflineError, run_offline, unwrap_secrets
from farm_deploy.offline_plan import MASK, mask_paths


class _Pair(pulumi.ComponentResource):
    def __init__(self, name: str, protect: bool = False) -> None:
        super().__init__("farm:test:Pair", name, None, None)
        self.bucket = aws.s3.Bucket(f"{name}-bucket", opts=pulumi.ResourceOptions(parent=self, protect=protect))
        secret = aws.secretsmanager.Secret(f"{name}-secret", opts=pulumi.ResourceOptions(parent=self))
        aws.secretsmanager.SecretVersion(
            f"{name}-version",
            secret_id=secret.id,
            secret_string=pulumi.Config("farm").require_secret("openaiApiKey"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({})


def _program() -> None:
    pair = _Pair("web", protect=True)
    pulumi.export("bucket", pair.bucket.bucket)
    pulumi.export("key", pulumi.Config("farm").require_secret("openaiApiKey"))


def test_records_inputs_parents_protect_and_secrets() -> None:
    run = run_offline(
        _program, stack="prod", config={"farm:openaiApiKey": "sk-test"}, secret_keys=["farm:openaiApiKey"]
    )
    component = run.one("farm:test:Pair")
    assert component.parent is None
    children = {r.name for r in run.children_of(component)}
    assert children == {"web-bucket", "web-secret", "web-version"}
    assert run.named("web-bucket").protect is True
    assert run.named("web-secret").protect is False
    version = run.named("web-version")
    assert version.inputs["secretString"] == "sk-test"
    assert version.secret_paths == ["secretString"]
    assert run.outputs["key"] == "sk-test"
    assert run.secret_outputs == ["key"]
    assert run.outputs["bucket"].startswith("web-bucket")


def test_duplicate_names_are_an_error() -> None:
    def program() -> None:
        aws.s3.Bucket("same")
        aws.s3.Bucket("same")

    with pytest.raises(OfflineError) as err:
        run_offline(program)
    assert "duplicate resource name" in err.value.errors[0]
    assert "'same'" in err.value.errors[0]


def test_same_child_name_under_two_parents_is_not_a_duplicate() -> None:
    def program() -> None:
        _Pair("a")
        _Pair("b")

    run = run_offline(program, config={"farm:openaiApiKey": "x"}, secret_keys=["farm:openaiApiKey"])
    assert len(run.of_type("aws:s3/bucket:Bucket")) == 2


def test_unmocked_data_source_is_an_error() -> None:
    def program() -> None:
        aws.ec2.get_ami(owners=["amazon"], most_recent=True)

    with pytest.raises(OfflineError) as err:
        run_offline(program)
    assert "aws:ec2/getAmi:getAmi" in err.value.errors[0]


def test_answered_data_source_returns_table_values() -> None:
    seen: dict[str, object] = {}

    def program() -> None:
        azs = aws.get_availability_zones(state="available")
        seen["names"] = azs.names

    run = run_offline(program)
    assert seen["names"] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert run.calls[0][0] == "aws:index/getAvailabilityZones:getAvailabilityZones"


def test_each_run_starts_fresh() -> None:
    config = {"farm:openaiApiKey": "x"}
    first = run_offline(_program, config=config, secret_keys=["farm:openaiApiKey"])
    second = run_offline(_program, config=config, secret_keys=["farm:openaiApiKey"])
    assert len(first.resources) == len(second.resources) == 4


def test_unwrap_secrets_notes_paths() -> None:
    sig = "4dabf18193072939515e22adb298388d"
    mark = "1b47061264138c4ac30d75fd1eb44270"
    found: list[str] = []
    value = {"a": {sig: mark, "value": "s"}, "b": [1, {sig: mark, "value": {"c": 2}}]}
    assert unwrap_secrets(value, "", found) == {"a": "s", "b": [1, {"c": 2}]}
    assert found == ["a", "b[1]"]


def test_mask_paths_masks_only_the_secret_paths() -> None:
    value = {"a": "s", "b": [1, {"c": 2}], "d": "plain"}
    masked = mask_paths(value, ["a", "b[1]"])
    assert masked == {"a": MASK, "b": [1, MASK], "d": "plain"}
    assert value["a"] == "s"  # the recorded value is left alone
    assert mask_paths("whole", ["."]) == MASK
