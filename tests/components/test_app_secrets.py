"""AppSecrets under the mocks: one secret per variable, values secret, only ARNs out."""

from __future__ import annotations

import json

import pulumi
import pytest

from analysis.errors import UserError
from components.app_secrets import AppSecrets, AppSecretsArgs
from farm_deploy.offline.engine import run_offline

SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
VALUES = {"MONGODB_URL": "mongodb+srv://u:hunter2@c.example.net/app", "OPENAI_API_KEY": "sk-test-0123456789"}


def run(values, *, from_config: bool = True, **kwargs):
    """`from_config` reads the values as Pulumi secret config, as the program does."""
    config = {f"farm:k{i}": v for i, v in enumerate(values.values())}

    def program():
        cfg = pulumi.Config("farm")
        inputs = {
            name: (cfg.require_secret(f"k{i}") if from_config else value)
            for i, (name, value) in enumerate(values.items())
        }
        secrets = AppSecrets("app", AppSecretsArgs(values=inputs, tags={"farm:stage": "dev"}, stack="dev", **kwargs))
        pulumi.export("arns", secrets.arns)

    return run_offline(program, config=config, secret_keys=list(config))


@pytest.fixture(scope="module")
def result():
    return run(VALUES)


def test_one_secret_and_one_version_per_variable(result):
    secrets = {r.name: r for r in result.of_type(SECRET)}
    assert set(secrets) == {"app-mongodb-url", "app-openai-api-key"}
    assert all(s.inputs["recoveryWindowInDays"] == 7 for s in secrets.values())
    assert secrets["app-mongodb-url"].inputs["tags"] == {
        "Name": "app-mongodb-url",
        "farm:stage": "dev",
        "farm:env": "MONGODB_URL",
    }
    versions = {r.name: r for r in result.of_type(VERSION)}
    assert versions["app-mongodb-url-value"].inputs["secretId"] == "app-mongodb-url-id"
    assert versions["app-mongodb-url-value"].inputs["secretString"] == VALUES["MONGODB_URL"]
    assert versions["app-openai-api-key-value"].inputs["secretString"] == VALUES["OPENAI_API_KEY"]


def test_values_reach_aws_as_pulumi_secrets(result):
    for version in result.of_type(VERSION):
        assert "secretString" in version.secret_paths


def test_plain_values_are_made_secret_too():
    # The component wraps every value with Output.secret (pulumi-aws also marks
    # secretString sensitive): either way, what AWS receives must be secret.
    plain = run({"HF_TOKEN": "hf_plaintext"}, from_config=False)
    version = plain.one(VERSION)
    assert version.inputs["secretString"] == "hf_plaintext"
    assert version.secret_paths == ["secretString"]


def test_only_arns_leave_the_component(result):
    assert result.outputs == {
        "arns": {
            "MONGODB_URL": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-mongodb-url-rKbmJj",
            "OPENAI_API_KEY": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-openai-api-key-sJhTeo",
        }
    }
    elsewhere = json.dumps([r.inputs for r in result.resources if r.type != VERSION]) + json.dumps(result.outputs)
    for value in VALUES.values():
        assert value not in elsewhere


def test_no_values_no_resources():
    empty = run({})
    assert empty.of_type(SECRET) == [] and empty.outputs == {"arns": {}}


@pytest.mark.parametrize(
    ("values", "kwargs"),
    [
        ({"1BAD": "x"}, {}),
        ({"API-KEY": "x"}, {}),
        ({"TOKEN": "x", "token": "y"}, {}),
        ({"TOKEN": "x"}, {"recovery_window_days": 3}),
    ],
)
def test_bad_input_is_a_user_error(values, kwargs):
    with pytest.raises(UserError):
        run(values, **kwargs)


def test_immediate_deletion_is_allowed_for_throwaway_stages():
    assert run({"TOKEN": "x"}, recovery_window_days=0).one(SECRET).inputs["recoveryWindowInDays"] == 0
