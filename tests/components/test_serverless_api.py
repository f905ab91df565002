"""ServerlessApi under the offline engine: exact inputs of what would reach AWS."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

import components.serverless_api as serverless_api
from analysis.errors import UserError
from components.lambda_package import build as real_build
from components.lambda_package import build_dir, package_spec
from components.serverless_api import ServerlessApi, ServerlessApiArgs
from farm_deploy.offline.engine import OfflineRun, run_offline
from tests.components.test_lambda_package import APP, FakePip

OPENAI_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:farm/openai-AbCdEf"
MONGO_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:farm/mongodb-GhIjKl"


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    app = tmp_path / "apps" / "api"
    app.mkdir(parents=True)
    (app / "requirements.txt").write_text("fastapi==0.163.2\n")
    (app / "main.py").write_text(APP)
    return app


def run(app_dir: Path, **overrides: Any) -> tuple[OfflineRun, ServerlessApi]:
    holder: dict[str, ServerlessApi] = {}
    args = ServerlessApiArgs(app_dir=str(app_dir), build_dir=str(app_dir.parent / "build"), **overrides)

    def program() -> None:
        api = ServerlessApi("api", args)
        holder["api"] = api
        pulumi.export("url", api.url)
        pulumi.export("origin_domain", api.origin_domain)
        pulumi.export("function_name", api.function_name)
        pulumi.export("function_arn", api.function_arn)

    result = run_offline(program)
    return result, holder["api"]


def policy(result: OfflineRun, name: str) -> dict[str, Any]:
    return json.loads(result.named(name).inputs["policy"])


def test_function_runs_the_app_through_mangum_with_a_current_runtime(app_dir: Path) -> None:
    result, _ = run(
        app_dir,
        environment={"AI_PROVIDER": "openai", "MONGODB_DB": "app"},
        secret_arns={"OPENAI_API_KEY": OPENAI_ARN, "MONGODB_URL": MONGO_ARN},
        architecture="arm64",
        memory=2048,
        timeout=29,
        reserved_concurrency=5,
        log_retention_days=14,
    )
    fn = result.one("aws:lambda/function:Function")
    log_group = result.one("aws:cloudwatch/logGroup:LogGroup")
    role = result.one("aws:iam/role:Role")

    assert fn.name == "api-fn"
    assert fn.inputs["runtime"] == "python3.13"
    assert fn.inputs["handler"] == "farm_lambda_handler.handler"
    assert fn.inputs["architectures"] == ["arm64"]
    assert fn.inputs["memorySize"] == 2048
    assert fn.inputs["timeout"] == 29
    assert fn.inputs["reservedConcurrentExecutions"] == 5
    assert fn.inputs["role"] == f"arn:aws:iam::123456789012:role/{role.name}"
    # Only ARNs reach the function's configuration, never secret values.
    assert fn.inputs["environment"] == {
        "variables": {
            "AI_PROVIDER": "openai",
            "MONGODB_DB": "app",
            "MONGODB_URL_SECRET_ARN": MONGO_ARN,
            "OPENAI_API_KEY_SECRET_ARN": OPENAI_ARN,
        }
    }
    assert fn.inputs["loggingConfig"] == {
        "logFormat": "JSON",
        "logGroup": log_group.name,
        "applicationLogLevel": "INFO",
        "systemLogLevel": "WARN",
    }
    assert log_group.inputs["retentionInDays"] == 14
    assert fn.inputs["tags"] == {"Name": "api"}


def test_role_may_log_to_its_group_and_read_exactly_its_secrets(app_dir: Path) -> None:
    result, _ = run(app_dir, secret_arns={"OPENAI_API_KEY": OPENAI_ARN, "MONGODB_URL": MONGO_ARN})

    assume = json.loads(result.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert assume["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    assert policy(result, "api-logging")["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:api-logs:*",
        }
    ]
    assert policy(result, "api-secrets")["Statement"] == [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": [MONGO_ARN, OPENAI_ARN]}
    ]
    # No broad managed policy attached anywhere.
    assert result.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == []


def test_no_secrets_means_no_secrets_policy_and_no_environment(app_dir: Path) -> None:
    result, _ = run(app_dir)
    names = [r.name for r in result.of_type("aws:iam/rolePolicy:RolePolicy")]
    assert names == ["api-logging"]
    assert "environment" not in result.one("aws:lambda/function:Function").inputs


def test_public_function_url_gets_both_invoke_grants(app_dir: Path) -> None:
    result, _ = run(app_dir)
    url = result.one("aws:lambda/functionUrl:FunctionUrl")
    assert url.inputs == {"functionName": "api-fn", "authorizationType": "NONE", "invokeMode": "BUFFERED"}
    grants = {r.name: r.inputs for r in result.of_type("aws:lambda/permission:Permission")}
    assert grants == {
        "api-url-public": {
            "function": "api-fn",
            "action": "lambda:InvokeFunctionUrl",
            "principal": "*",
            "functionUrlAuthType": "NONE",
        },
        "api-url-invoke": {
            "function": "api-fn",
            "action": "lambda:InvokeFunction",
            "principal": "*",
            "invokedViaFunctionUrl": True,
        },
    }
    assert result.outputs["url"] == "https://api-url.lambda-url.us-east-1.on.aws/"
    assert result.outputs["origin_domain"] == "api-url.lambda-url.us-east-1.on.aws"
    assert result.outputs["function_name"] == "api-fn"
    assert result.outputs["function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:api-fn"


def test_iam_function_url_is_not_public(app_dir: Path) -> None:
    result, _ = run(app_dir, url_auth="AWS_IAM")
    assert result.one("aws:lambda/functionUrl:FunctionUrl").inputs["authorizationType"] == "AWS_IAM"
    assert result.of_type("aws:lambda/permission:Permission") == []


def test_cors_only_when_origins_are_given(app_dir: Path) -> None:
    result, _ = run(app_dir)
    assert "cors" not in result.one("aws:lambda/functionUrl:FunctionUrl").inputs
    result, _ = run(app_dir, cors_allow_origins=["https://app.example.com"])
    assert result.one("aws:lambda/functionUrl:FunctionUrl").inputs["cors"] == {
        "allowOrigins": ["https://app.example.com"],
        "allowMethods": ["*"],
        "allowHeaders": ["content-type", "authorization"],
        "maxAge": 3600,
    }


def test_every_child_belongs_to_the_component(app_dir: Path) -> None:
    result, _ = run(app_dir, secret_arns={"OPENAI_API_KEY": OPENAI_ARN})
    component = result.one("farm:lambda:ServerlessApi")
    children = result.children_of(component)
    assert len(children) == len(result.resources) - 1 == 8
    assert all(r.parent == component.urn for r in children)


# ------------------------------------------------------------------ refusals


def test_websocket_app_is_refused(app_dir: Path) -> None:
    with pytest.raises(UserError) as err:
        run(app_dir, realtime=True)
    assert "WebSockets" in err.value.message
    assert (err.value.key, err.value.value) == ("realtime", True)


def test_unknown_python_version_lists_the_runtimes(app_dir: Path) -> None:
    with pytest.raises(UserError) as err:
        run(app_dir, python_version="3.9.1")
    assert "3.13" in (err.value.valid or [])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"environment": {"AWS_REGION": "eu-west-1"}}, "reserved"),
        ({"environment": {"OPENAI_API_KEY": "sk-plain"}, "secret_arns": {"OPENAI_API_KEY": OPENAI_ARN}}, "both"),
        ({"memory": 64}, "memory"),
        # 0 is valid for the Lambda API but throttles every request.
        ({"reserved_concurrency": 0}, "ever running"),
        ({"timeout": 901}, "timeout"),
        ({"url_auth": "PUBLIC"}, "auth"),
        ({"architecture": "arm"}, "architecture"),
    ],
)
def test_bad_settings_are_user_errors(app_dir: Path, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(UserError, match=message):
        run(app_dir, **overrides)


# ------------------------------------------------------------------ package


def test_offline_plan_references_the_package_folder_without_running_pip(app_dir: Path) -> None:
    result, api = run(app_dir)
    spec = package_spec(app_dir, "main:app", "3.13", "arm64")
    code = result.one("aws:lambda/function:Function").inputs["code"]

    assert isinstance(code, pulumi.FileArchive)
    assert code.path == str(build_dir(spec, app_dir.parent / "build"))
    assert api.package_hash == spec.input_hash
    assert not (app_dir.parent / "build").exists()


def test_preview_without_a_built_package_uses_a_placeholder_and_warns(
    app_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pulumi.runtime, "is_dry_run", lambda: True)
    result, api = run(app_dir)
    code = result.one("aws:lambda/function:Function").inputs["code"]
    assert isinstance(code, pulumi.AssetArchive)
    assert list(code.assets) == ["farm_lambda_handler.py"]
    assert len(api.warnings) == 1 and "not built yet" in api.warnings[0]
    assert not (app_dir.parent / "build").exists()


def test_up_builds_the_package_once_and_deploys_that_folder(app_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pip = FakePip()
    monkeypatch.setattr(serverless_api, "may_build", lambda: True)
    monkeypatch.setattr(serverless_api, "build", functools.partial(real_build, runner=pip))

    result, api = run(app_dir)
    code = result.one("aws:lambda/function:Function").inputs["code"]
    assert code.path == str((app_dir.parent / "build" / api.package_hash).resolve())
    assert (Path(code.path) / "farm_lambda_handler.py").is_file()
    assert len(pip.calls) == 1

    run(app_dir)  # nothing changed: no second pip run
    assert len(pip.calls) == 1
