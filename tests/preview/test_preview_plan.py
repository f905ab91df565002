"""`pr-123` planned offline: its stack reference answered with dev's own offline outputs.

What it must not declare (dev's VPC, NAT, load balancer, cluster, GPU capacity,
Atlas cluster) and what it must (its own rule on dev's listener, a database user
on its own database) are asserted on the recorded resources; the cost is pinned
from published unit prices (us-east-1 Fargate Linux/x86: $0.04048 per vCPU-hour,
$0.004445 per GB-hour, https://aws.amazon.com/fargate/pricing/; Secrets Manager
$0.40 per secret-month, https://aws.amazon.com/secrets-manager/pricing/).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.errors import UserError
from tests.conftest import ROOT

SHARED = {
    "aws:ec2/vpc:Vpc",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:ecs/cluster:Cluster",
    "aws:autoscaling/group:Group",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ecs/capacityProvider:CapacityProvider",
    "aws:efs/fileSystem:FileSystem",
    "mongodbatlas:index/advancedCluster:AdvancedCluster",
    "mongodbatlas:index/flexCluster:FlexCluster",
    "mongodbatlas:index/project:Project",
}


def one(plan, typ: str):
    found = [r for r in plan.resources if r.type == typ]
    assert len(found) == 1, (typ, [r.name for r in found])
    return found[0]


@pytest.fixture(scope="module")
def plans():
    from farm_deploy.offline_plan import run_plan

    return run_plan(ROOT, "dev"), run_plan(ROOT, "pr-123")


def test_pr_123_is_a_preview_that_declares_none_of_devs_expensive_parts(plans) -> None:
    dev, pr = plans
    assert pr.plan.stage == "preview" and pr.plan.preview is not None
    assert pr.plan.preview.pr_number == 123 and pr.plan.preview.dev_stack == "dev"
    types = {r.type for r in pr.resources}
    assert types & SHARED == set()
    # dev itself declares them: the check above could fail
    assert {"aws:ec2/vpc:Vpc", "aws:lb/loadBalancer:LoadBalancer", "aws:ecs/cluster:Cluster"} <= {
        r.type for r in dev.resources
    }
    assert not any(r.protect for r in pr.resources)


def test_the_preview_routes_through_devs_listener_with_its_own_target_group(plans) -> None:
    dev, pr = plans
    share = dev.outputs["previewShare"]
    rule = one(pr, "aws:lb/listenerRule:ListenerRule")
    assert rule.inputs["listenerArn"] == share["listenerArn"]
    assert share["listenerArn"].startswith(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/farm-dev-api"
    )
    assert rule.inputs["priority"] == 123
    assert rule.inputs["conditions"] == [{"httpHeader": {"httpHeaderName": "X-Farm-Preview", "values": ["pr-123"]}}]
    tg = one(pr, "aws:lb/targetGroup:TargetGroup")
    assert f":targetgroup/{tg.name}/" in rule.inputs["actions"][0]["targetGroupArn"]
    assert tg.inputs["vpcId"] == share["vpcId"]
    cdn = one(pr, "aws:cloudfront/distribution:Distribution")
    api_origin = next(o for o in cdn.inputs["origins"] if o["originId"] == "api")
    assert api_origin["domainName"] == share["apiOriginDomain"]
    assert api_origin["customHeaders"] == [{"name": "X-Farm-Preview", "value": "pr-123"}]
    service = one(pr, "aws:ecs/service:Service")
    assert service.inputs["cluster"] == share["clusterArn"] and service.inputs["desiredCount"] == 1


def test_the_database_user_reaches_only_its_own_database(plans) -> None:
    dev, pr = plans
    user = one(pr, "mongodbatlas:index/databaseUser:DatabaseUser")
    assert user.inputs["roles"] == [
        {"roleName": "readWrite", "databaseName": "farm_chat-pr-123"},
        {"roleName": "dbAdmin", "databaseName": "farm_chat-pr-123"},
    ]
    assert dev.outputs["previewShare"]["databaseName"] == "farm_chat"
    assert user.inputs["scopes"] == [{"type": "CLUSTER", "name": dev.outputs["previewShare"]["atlasClusterName"]}]
    assert user.inputs["projectId"] == dev.outputs["previewShare"]["atlasProjectId"]


def test_teardown_drops_the_database_from_inside_the_vpc_as_the_previews_user(plans) -> None:
    import json

    dev, pr = plans
    drop = next(r for r in pr.resources if r.name == "farm-pr-123-api-drop-db")
    (container,) = json.loads(drop.inputs["containerDefinitions"])
    assert container["command"] == ["sh", "-c", 'mongosh "$MONGODB_URL" --quiet --norc --eval "db.dropDatabase()"']
    # the preview's own connection string (its own user), never dev's
    assert [c["name"] for c in container["secrets"]] == ["MONGODB_URL"]
    value_from = container["secrets"][0]["valueFrom"]
    assert value_from.startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:")
    api_task = next(r for r in pr.resources if r.name == "farm-pr-123-api-task")
    (api_container,) = json.loads(api_task.inputs["containerDefinitions"])
    assert {"name": "MONGODB_URL", "valueFrom": value_from} in api_container["secrets"]
    dev_secret_arns = {
        s["valueFrom"]
        for r in dev.resources
        if r.type == "aws:ecs/taskDefinition:TaskDefinition"
        for c in json.loads(r.inputs["containerDefinitions"])
        for s in c.get("secrets", [])
    }
    assert dev_secret_arns and value_from not in dev_secret_arns
    task = pr.outputs["preview"]["dropDatabaseTask"]
    assert task["subnets"] == dev.outputs["previewShare"]["privateSubnetIds"]
    assert task["cluster"] == dev.outputs["previewShare"]["clusterArn"]


def test_cost_idle_is_under_twelve_dollars(plans) -> None:
    _, pr = plans
    # 0.25 vCPU x 730 h x 0.04048 = 7.39; 0.5 GB x 730 h x 0.004445 = 1.62; one secret 0.40
    assert pr.cost.idle == 9.41
    assert pr.cost.idle <= 12
    assert pr.cost.typical == 9.52


def test_policies_pass_and_every_taggable_resource_has_lifetime_tags(plans) -> None:
    _, pr = plans
    assert pr.policy.passed, pr.policy.to_dict()
    tagged = [r for r in pr.resources if r.type.startswith("aws:") and "tags" in r.inputs]
    assert len(tagged) >= 15
    for r in tagged:
        assert r.inputs["tags"]["farm:preview"] == "pr-123", r.name
        assert r.inputs["tags"]["farm:ttl-hours"] == "168", r.name


def _project(tmp_path: Path, *, dev: bool = True) -> Path:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    if dev:
        text = (ROOT / "Pulumi.dev.yaml").read_text()
        app = (ROOT / "examples" / "farm-chat").as_posix()
        (tmp_path / "Pulumi.dev.yaml").write_text(
            text.replace("farm:appPath: examples/farm-chat", f"farm:appPath: {app}")
        )
    return tmp_path


def test_a_preview_with_no_dev_stack_stops_with_one_message(tmp_path: Path, capsys) -> None:
    from farm_deploy.cli import main

    _project(tmp_path, dev=False)
    assert main(["plan", "--stack", "pr-7", "--project-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no dev stack to take the config from" in err and "farm:previewDevStack" in err
    assert "Traceback" not in err


def test_a_named_dev_stack_that_does_not_exist_is_named(tmp_path: Path, capsys) -> None:
    from farm_deploy.cli import main

    _project(tmp_path)
    shutil.copy(tmp_path / "Pulumi.dev.yaml", tmp_path / "Pulumi.pr-8.yaml")
    with (tmp_path / "Pulumi.pr-8.yaml").open("a") as fh:
        fh.write("  farm:previewDevStack: acme/devel\n")
    assert main(["plan", "--stack", "pr-8", "--project-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no dev stack acme/devel to reference" in err and "farm:previewDevStack" in err


def test_a_dev_stack_missing_an_output_is_named(monkeypatch) -> None:
    from farm_deploy import preview_offline
    from farm_deploy.offline_plan import run_plan

    real = preview_offline.dev_outputs

    def without_listener(*args, **kwargs):
        outputs = real(*args, **kwargs)
        if outputs is None:  # dev's own plan, run first
            return None
        del outputs["dev"]["previewShare"]["listenerArn"]
        return outputs

    monkeypatch.setattr(preview_offline, "dev_outputs", without_listener)
    with pytest.raises(UserError) as exc:
        run_plan(ROOT, "pr-9")
    assert exc.value.key == "previewShare.listenerArn"
    assert "the dev stack dev has no output previewShare.listenerArn" in str(exc.value)


def test_a_dev_stack_without_preview_share_is_named(monkeypatch) -> None:
    from farm_deploy import preview_offline
    from farm_deploy.offline_plan import run_plan

    real = preview_offline.dev_outputs
    monkeypatch.setattr(
        preview_offline, "dev_outputs", lambda *a, **k: None if real(*a, **k) is None else {"dev": {"stage": "dev"}}
    )
    with pytest.raises(UserError) as exc:
        run_plan(ROOT, "pr-10")
    assert exc.value.key == "previewShare"


def test_a_pull_request_number_that_is_not_a_number(capsys) -> None:
    from farm_deploy.cli import main

    assert main(["plan", "--stack", "pr-abc"]) == 2
    err = capsys.readouterr().err
    assert "not a number" in err and "pr-abc" in err and "Traceback" not in err


def test_a_declared_seed_runs_in_the_api_image_with_the_previews_secrets(tmp_path: Path) -> None:
    import json

    from farm_deploy.offline_plan import run_plan

    _project(tmp_path)
    text = (tmp_path / "Pulumi.dev.yaml").read_text()
    (tmp_path / "Pulumi.pr-8.yaml").write_text(
        text.replace("config:\n", "config:\n  farm:stage: preview\n  farm:previewSeed: python -m src.seed\n", 1)
    )
    pr = run_plan(tmp_path, "pr-8")
    assert pr.plan.preview is not None and pr.plan.preview.seed_command == "python -m src.seed"
    seed = next(r for r in pr.resources if r.name == "farm-pr-8-api-seed-task")
    api = next(r for r in pr.resources if r.name == "farm-pr-8-api-task")
    (seed_container,) = json.loads(seed.inputs["containerDefinitions"])
    (api_container,) = json.loads(api.inputs["containerDefinitions"])
    assert seed_container["command"] == ["sh", "-c", "python -m src.seed"]
    assert seed_container["image"] == api_container["image"]
    assert seed_container["secrets"] == api_container["secrets"]
    assert "MONGODB_URL" in [s["name"] for s in seed_container["secrets"]]
    seed_arn = pr.outputs["preview"]["seedTask"]["taskDefinitionArn"]
    assert ":task-definition/" in seed_arn and "farm-pr-8-api-seed-task" in seed_arn
    # the seed task runs once and is not billed all month; the API's task still is
    assert pr.cost.idle == 9.41
