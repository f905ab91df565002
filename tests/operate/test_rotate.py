"""`farm-deploy rotate db-password`: what it declares (offline, through the program)
and the deployed rotation it checks (Secrets Manager and ECS on moto_server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from farm_deploy.cli import main
from farm_deploy.offline_plan import run_plan
from tests.cli.contracts import assert_document

from .conftest import REGION, boto, write_outputs

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = "farm-prod"
SERVICE = "farm-prod-api"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    app = (ROOT / "examples" / "farm-chat").as_posix()
    text = (ROOT / "Pulumi.prod.yaml").read_text().replace("farm:appPath: examples/farm-chat", f"farm:appPath: {app}")
    (folder / "Pulumi.prod.yaml").write_text(text)
    return folder


def _password_keepers(project: Path) -> object:
    plan = run_plan(project, "prod")
    (password,) = [r for r in plan.resources if r.type == "random:index/randomPassword:RandomPassword"]
    return password.inputs.get("keepers")


def test_rotate_raises_the_version_and_the_next_up_replaces_the_password(project: Path, capsys) -> None:
    before = (project / "Pulumi.prod.yaml").read_text()
    assert _password_keepers(project) is None  # version 1: no keepers, the existing password stays
    assert main(["rotate", "db-password", "--stack", "prod", "--project-dir", str(project), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert_document("farm-deploy rotate db-password --stack STACK --json", doc)
    assert (doc["from"], doc["to"], doc["written"]) == (1, 2, True)
    after = (project / "Pulumi.prod.yaml").read_text()
    # one line added, every other line (comments included) kept
    assert [line for line in after.splitlines() if line not in before.splitlines()] == ["  farm:dbPasswordVersion: 2"]
    assert _password_keepers(project) == {"dbPasswordVersion": "2"}
    assert main(["rotate", "db-password", "--stack", "prod", "--project-dir", str(project), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "-  farm:dbPasswordVersion: 2\n+  farm:dbPasswordVersion: 3\n" in out
    assert "would raise farm:dbPasswordVersion from 2 to 3" in out
    assert (project / "Pulumi.prod.yaml").read_text() == after  # dry run: nothing written


def test_a_bad_version_in_the_stack_file_is_one_clear_error(project: Path, capsys) -> None:
    path = project / "Pulumi.prod.yaml"
    path.write_text(path.read_text() + "  farm:dbPasswordVersion: many\n")
    assert main(["rotate", "db-password", "--stack", "prod", "--project-dir", str(project)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "key 'farm:dbPasswordVersion'" in err and "'many'" in err


def _deployed(endpoint: str, tmp_path: Path, *, tag: str, pin_current: bool) -> Path:
    """A rotated secret (two versions) and the API service reading the current one, or the previous."""
    sm = boto("secretsmanager", endpoint)
    arn = sm.create_secret(
        Name="farm-deploy-prod-mongodb-url-x",
        SecretString="mongodb+srv://u:old@h/app",
        Tags=[{"Key": "farm:dbPasswordVersion", "Value": tag}],
    )["ARN"]
    previous = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
    sm.put_secret_value(SecretId=arn, SecretString="mongodb+srv://u:new@h/app")
    stages = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
    current = next(v for v, s in stages.items() if "AWSCURRENT" in s)
    old = next(iter(previous))
    ecs = boto("ecs", endpoint)
    ecs.create_cluster(clusterName=CLUSTER)
    td = ecs.register_task_definition(
        family=SERVICE,
        containerDefinitions=[
            {
                "name": "api",
                "image": "api:v1",
                "memory": 512,
                "essential": True,
                "secrets": [{"name": "MONGODB_URL", "valueFrom": f"{arn}:::{current if pin_current else old}"}],
            }
        ],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=CLUSTER, serviceName=SERVICE, taskDefinition=td, desiredCount=1, launchType="FARGATE")
    return write_outputs(
        tmp_path / "outputs.json",
        stage="prod",
        platform="aws",
        region=REGION,
        dbSecretArn=arn,
        ecs={"cluster": CLUSTER, "services": {"api": {"name": SERVICE, "taskDefinitionArn": td}}},
    )


def _check(project: Path, outputs: Path, endpoint: str, capsys) -> tuple[int, dict]:
    code = main(
        [
            "rotate", "db-password", "--stack", "prod", "--check", "--json", "--project-dir", str(project),
            "--outputs", str(outputs), "--endpoint-url", endpoint,
        ]
    )  # fmt: skip
    doc = json.loads(capsys.readouterr().out)
    assert_document("farm-deploy rotate db-password --stack STACK --check --json", doc)
    return code, doc


def test_check_passes_when_the_api_reads_the_current_version(project, tmp_path, aws, capsys) -> None:
    (project / "Pulumi.prod.yaml").write_text(
        (project / "Pulumi.prod.yaml").read_text() + "  farm:dbPasswordVersion: 2\n"
    )
    outputs = _deployed(aws, tmp_path, tag="2", pin_current=True)
    code, doc = _check(project, outputs, aws, capsys)
    assert code == 0, doc
    assert [(c["name"], c["ok"]) for c in doc["checks"]] == [("secret", True), ("api", True)]


def test_check_fails_while_the_api_still_reads_the_previous_version(project, tmp_path, aws, capsys) -> None:
    (project / "Pulumi.prod.yaml").write_text(
        (project / "Pulumi.prod.yaml").read_text() + "  farm:dbPasswordVersion: 2\n"
    )
    outputs = _deployed(aws, tmp_path, tag="2", pin_current=False)
    code, doc = _check(project, outputs, aws, capsys)
    assert code == 1
    assert [(c["name"], c["ok"]) for c in doc["checks"]] == [("secret", True), ("api", False)]


def test_check_fails_before_pulumi_up(project, tmp_path, aws, capsys) -> None:
    # the stack file says 3, the deployed secret still carries 2
    (project / "Pulumi.prod.yaml").write_text(
        (project / "Pulumi.prod.yaml").read_text() + "  farm:dbPasswordVersion: 3\n"
    )
    outputs = _deployed(aws, tmp_path, tag="2", pin_current=True)
    code, doc = _check(project, outputs, aws, capsys)
    assert code == 1
    assert doc["checks"][0]["ok"] is False and "2 on the secret, 3 in" in doc["checks"][0]["detail"]
