"""The whole program, per shipped stack, through the offline plan.

These run `farm_deploy.program.run` (what `pulumi up` runs) on the real stack
files and the example app, under the mock engine, and assert what each stage
gets. They are the tests that fail when a stage's shape drifts.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from farm_deploy.cli import main
from farm_deploy.offline_plan import PLACEHOLDER, OfflinePlan, run_plan

ROOT = Path(__file__).resolve().parents[2]

AWS_COMMON = {
    "farm:network:Network",
    "farm:compute:Cluster",
    "farm:compute:ApiService",
    "farm:web:StaticSite",
    "farm:db:AtlasDatabase",
    "farm:monitoring:Monitoring",
    "farm:monitoring:AlarmTopic",
    # hardening (docs/security.md): access logs in every AWS stage
    "farm:security:LogBucket",
    "farm:security:CloudFrontLogs",
}
STATEFUL_TYPES = {
    "aws:s3/bucket:Bucket",
    "aws:efs/fileSystem:FileSystem",
    "aws:ecr/repository:Repository",
    "mongodbatlas:index/advancedCluster:AdvancedCluster",
    "mongodbatlas:index/flexCluster:FlexCluster",
    "mongodbatlas:index/project:Project",
}


@pytest.fixture(scope="module")
def plans() -> dict[str, OfflinePlan]:
    return {stack: run_plan(ROOT, stack) for stack in ("dev", "staging", "prod")}


def components(result: OfflinePlan) -> set[str]:
    return {r.type for r in result.resources if r.type.startswith("farm:")}


def of_type(result: OfflinePlan, typ: str) -> list:
    return [r for r in result.resources if r.type == typ]


def test_component_sets_per_stage(plans: dict[str, OfflinePlan]) -> None:
    # The shipped stacks pin their release (farm:apiImage): none builds an image (tests/release).
    assert components(plans["dev"]) == AWS_COMMON | {"farm:ai:OllamaService", "farm:security:AppSecrets"}
    # staging routes AI to OpenAI (farm.config ai.routing.staging): no Ollama at all
    # staging and prod: the web ACL (farm:waf basic by default); prod: the customer managed key
    assert components(plans["staging"]) == AWS_COMMON | {"farm:security:AppSecrets", "farm:security:WebAcl"}
    assert components(plans["prod"]) == AWS_COMMON | {
        "farm:ai:OllamaService",
        "farm:security:AppSecrets",
        "farm:security:WebAcl",
        "farm:security:KmsKey",
    }


def test_dev_is_cheap_and_scales_gpu_to_zero(plans: dict[str, OfflinePlan]) -> None:
    dev = plans["dev"]
    # one NAT instance behind the Elastic IP, no NAT gateway
    assert not of_type(dev, "aws:ec2/natGateway:NatGateway")
    (nat,) = of_type(dev, "aws:ec2/instance:Instance")
    assert (nat.inputs["instanceType"], nat.inputs["sourceDestCheck"]) == ("t4g.nano", False)
    (route,) = [r for r in of_type(dev, "aws:ec2/route:Route") if r.name.endswith("-private-0-default")]
    assert route.inputs["networkInterfaceId"] == f"eni-{nat.name}" and "natGatewayId" not in route.inputs
    (asg,) = of_type(dev, "aws:autoscaling/group:Group")
    assert (asg.inputs["minSize"], asg.inputs["desiredCapacity"]) == (0, 0)
    assert dev.plan.components.db == "m0"
    (cluster,) = of_type(dev, "mongodbatlas:index/advancedCluster:AdvancedCluster")
    region = cluster.inputs["replicationSpecs"][0]["regionConfigs"][0]
    assert region["providerName"] == "TENANT"
    assert not [r for r in dev.resources if r.protect]


def test_dev_wakes_ollama_from_the_metric_the_api_publishes(plans: dict[str, OfflinePlan]) -> None:
    dev = plans["dev"]
    (ollama,) = [r for r in of_type(dev, "aws:ecs/service:Service") if "ollama" in r.name]
    assert ollama.inputs["desiredCount"] == 0
    (target,) = [r for r in of_type(dev, "aws:appautoscaling/target:Target") if "ollama" in r.name]
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (0, 1)
    assert target.inputs["resourceId"] == f"service/{dev.outputs['ecs']['cluster']}/{ollama.inputs['name']}"
    (task,) = [r for r in of_type(dev, "aws:ecs/taskDefinition:TaskDefinition") if r.name == "farm-dev-api-task"]
    (container,) = json.loads(task.inputs["containerDefinitions"])
    env = {e["name"]: e["value"] for e in container["environment"]}
    alarms = {a.name: a.inputs for a in of_type(dev, "aws:cloudwatch/metricAlarm:MetricAlarm")}
    wake = alarms["farm-dev-ollama-wake"]
    # the alarm reads the namespace the API is told to publish in, and the model is the pulled one
    assert wake["namespace"] == env["AI_REQUEST_METRIC_NAMESPACE"] == "farm-deploy/dev"
    assert wake["alarmActions"] == ["arn:aws:appautoscaling:us-east-1:123456789012:farm-dev-ollama-wake"]
    assert env["OLLAMA_MODEL"] == "llama3.2:3b" == dev.plan.ai.models[0].name
    (ollama_task,) = [r for r in of_type(dev, "aws:ecs/taskDefinition:TaskDefinition") if "ollama" in r.name]
    assert "ollama pull llama3.2:3b" in ollama_task.inputs["containerDefinitions"]
    assert any("desired count starts at 0" in r for r in dev.plan.reasons["cost"])
    assert any(r.startswith("NAT instance (t4g.nano)") for r in dev.plan.reasons["cost"])


def test_staging_uses_openai_with_the_key_as_a_secret(plans: dict[str, OfflinePlan]) -> None:
    staging = plans["staging"]
    assert staging.plan.components.ai == "openai"
    assert not of_type(staging, "aws:autoscaling/group:Group")
    assert of_type(staging, "mongodbatlas:index/flexCluster:FlexCluster")
    (task,) = [r for r in of_type(staging, "aws:ecs/taskDefinition:TaskDefinition") if "api" in r.name]
    (container,) = json.loads(task.inputs["containerDefinitions"])
    env_names = {e["name"] for e in container.get("environment", [])}
    secret_names = {s["name"] for s in container.get("secrets", [])}
    assert "OPENAI_API_KEY" in secret_names
    assert "OPENAI_API_KEY" not in env_names
    assert "MONGODB_URL" in secret_names


def test_prod_is_highly_available_with_gpu_ollama(plans: dict[str, OfflinePlan]) -> None:
    prod = plans["prod"]
    nats = of_type(prod, "aws:ec2/natGateway:NatGateway")
    assert len(nats) == prod.plan.network.az_count >= 2
    assert not of_type(prod, "aws:ec2/instance:Instance")
    assert not of_type(prod, "aws:appautoscaling/policy:Policy") or all(
        "ollama" not in p.name for p in of_type(prod, "aws:appautoscaling/policy:Policy")
    )
    (asg,) = of_type(prod, "aws:autoscaling/group:Group")
    assert asg.inputs["minSize"] >= 1
    (service,) = [r for r in of_type(prod, "aws:ecs/service:Service") if "ollama" in r.name]
    assert "launchType" not in service.inputs
    assert service.inputs["capacityProviderStrategies"]
    (api,) = [r for r in of_type(prod, "aws:ecs/service:Service") if "api" in r.name]
    assert api.inputs["desiredCount"] >= 2
    (cluster,) = of_type(prod, "mongodbatlas:index/advancedCluster:AdvancedCluster")
    assert cluster.inputs["backupEnabled"] is True
    assert cluster.inputs["pitEnabled"] is True
    assert cluster.inputs["terminationProtectionEnabled"] is True
    listeners = of_type(prod, "aws:lb/listener:Listener")
    assert {r.inputs["protocol"] for r in listeners} == {"HTTP", "HTTPS"}


def test_load_balancer_admits_only_cloudfront(plans: dict[str, OfflinePlan]) -> None:
    for stack, result in plans.items():
        (alb_sg,) = [r for r in of_type(result, "aws:ec2/securityGroup:SecurityGroup") if r.name.endswith("-alb-sg")]
        ingress = [
            r
            for r in of_type(result, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            if r.name.startswith(alb_sg.name.removesuffix("-sg") + "-in")
        ]
        assert [(r.inputs.get("prefixListId"), r.inputs.get("cidrIpv4")) for r in ingress] == [("pl-3b927c52", None)]
        port = 443 if stack == "prod" else 80  # prod has a certificate: CloudFront speaks HTTPS to the origin
        assert ingress[0].inputs["fromPort"] == ingress[0].inputs["toPort"] == port


def test_every_alarm_notifies_the_stages_topic(plans: dict[str, OfflinePlan]) -> None:
    for result in plans.values():
        (topic,) = of_type(result, "aws:sns/topic:Topic")
        arn = f"arn:aws:sns:us-east-1:123456789012:{topic.name}"
        every = of_type(result, "aws:cloudwatch/metricAlarm:MetricAlarm")
        # The scale-to-zero alarms act on the Ollama service's scaling policies, not on people.
        scaling = [a for a in every if a.name.endswith(("-ollama-wake", "-ollama-idle"))]
        assert all(a.inputs["alarmActions"][0].startswith("arn:aws:appautoscaling:") for a in scaling)
        alarms = [a for a in every if a not in scaling]
        # the API's deployment-rollback alarms included, not only Monitoring's
        assert any(a.name.endswith("-api-deploy-5xx") for a in alarms)
        assert all(a.inputs["alarmActions"] == [arn] for a in alarms), [a.name for a in alarms]
        report = result.policy.to_dict()
        assert not [v for v in report["violations"] if v["policy"] == "alarm-actions"]


def test_prod_protects_every_stateful_resource(plans: dict[str, OfflinePlan]) -> None:
    stateful = [r for r in plans["prod"].resources if r.type in STATEFUL_TYPES]
    assert {r.type for r in stateful} >= {
        "aws:s3/bucket:Bucket",
        "aws:efs/fileSystem:FileSystem",
        "mongodbatlas:index/advancedCluster:AdvancedCluster",
    }
    assert all(r.protect and r.retain_on_delete for r in stateful), [r.name for r in stateful if not r.protect]


def test_shipped_stacks_have_no_mandatory_violations(plans: dict[str, OfflinePlan]) -> None:
    for stack, result in plans.items():
        report = result.policy.to_dict()
        # Provider resources (the us-east-1 one) configure, they are not checked.
        checked = [r for r in result.resources if r.custom and not r.type.startswith("pulumi:providers:")]
        assert report["checked"] == len(checked)
        mandatory = [v for v in report["violations"] if v["level"] == "mandatory"]
        assert mandatory == [], (stack, mandatory)


def test_outputs_contract(plans: dict[str, OfflinePlan]) -> None:
    prod = plans["prod"].outputs
    assert prod["stage"] == "prod" and prod["platform"] == "aws" and prod["region"] == "us-east-1"
    assert prod["webUrl"] == "https://app.example.com"
    # the API is served through CloudFront, same origin as the site
    assert prod["apiUrl"] == "https://app.example.com"
    assert prod["healthUrls"] == {
        "web": "https://app.example.com",
        "api": "https://app.example.com/api/health",
        "database": "https://app.example.com/api/health/database",
        "ai": "https://app.example.com/api/ai/health",
    }
    assert prod["albDnsName"].endswith(".elb.amazonaws.com")
    assert set(prod["ecs"]["services"]) == {"api", "ollama"}
    assert all(s["taskDefinitionArn"].startswith("arn:aws:ecs:") for s in prod["ecs"]["services"].values())
    assert set(prod["logGroups"]) == {"api", "ollama"}
    assert prod["alarmNames"]
    # priced from the declared resources, as `plan` prices them
    assert prod["estimatedMonthlyCost"] == plans["prod"].cost.typical > 0
    assert "ollama" not in plans["staging"].outputs["ecs"]["services"]


def test_plan_json_contract_and_no_secret_values(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--stack", "staging", "--json"]) == 0
    text = capsys.readouterr().out
    doc = json.loads(text)
    assert set(doc) >= {"stack", "stage", "plan", "resources", "cost", "policy", "outputs"}
    assert doc["schema_version"] == 2
    assert doc["stack"] == "staging" and doc["stage"] == "staging"
    row = doc["resources"][0]
    assert set(row) == {"type", "name", "parent", "inputs", "protect", "provider", "dependencies"}
    assert doc["cost"]["total"] == doc["cost"]["typical"] >= doc["cost"]["idle"] > 0
    assert doc["cost"]["basis"] == "declared resources"
    assert all(i["assumption"] for i in doc["cost"]["items"])
    assert set(doc["policy"]) >= {"checked", "violations"}
    # placeholders for secret config are secret all the way: masked wherever they land
    assert PLACEHOLDER not in text
    versions = [r for r in doc["resources"] if r["type"] == "aws:secretsmanager/secretVersion:SecretVersion"]
    assert versions and all(r["inputs"]["secretString"] == "[secret]" for r in versions)
    assert doc["missing_secrets"] == ["farm:openaiApiKey"]


def test_plan_human_form_prints_tree_counts_and_cost(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--stack", "dev", "--details"]) == 0
    out = capsys.readouterr().out
    assert "farm-dev-api" in out and "aws:ecs/service:Service" in out
    assert "resources per type" in out
    assert "estimated monthly cost" in out


# ----------------------------------------------------------------- bad input and overrides


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's stack files pointing at the example app."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    for stack in ("dev", "staging", "prod"):
        text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
        text = text.replace("farm:appPath: examples/farm-chat", f"farm:appPath: {ROOT / 'examples' / 'farm-chat'}")
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(text)
    return tmp_path


def _plan(project: Path, *args: str) -> int:
    return main(["plan", "--project-dir", str(project), *args])


def test_unknown_stack(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _plan(project, "--stack", "qa") == 2
    err = capsys.readouterr().err
    assert "unknown stack" in err and "Pulumi.qa.yaml" in err and "dev, prod, staging" in err
    assert "Traceback" not in err


def test_malformed_yaml_names_file_and_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "Pulumi.dev.yaml").write_text("config:\n  farm:appPath: [unclosed\n  aws:region: us-east-1\n")
    assert _plan(project, "--stack", "dev") == 2
    err = capsys.readouterr().err
    assert "Pulumi.dev.yaml:" in err and "malformed YAML" in err


def test_key_of_the_wrong_type(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "Pulumi.dev.yaml"
    path.write_text(path.read_text() + "  farm:apiMinCount: lots\n")
    assert _plan(project, "--stack", "dev") == 2
    err = capsys.readouterr().err
    assert "farm:apiMinCount" in err and "Pulumi.dev.yaml" in err and "'lots'" in err


def test_unknown_key(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "Pulumi.dev.yaml"
    path.write_text(path.read_text() + "  farm:apiMinCuont: 2\n")
    assert _plan(project, "--stack", "dev") == 2
    assert "farm:apiMinCuont" in capsys.readouterr().err


def test_app_path_that_does_not_exist(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "Pulumi.dev.yaml"
    path.write_text(path.read_text().replace(str(ROOT / "examples" / "farm-chat"), str(project / "nowhere")))
    assert _plan(project, "--stack", "dev") == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and "Traceback" not in err


def test_missing_required_secret_with_strict_secrets(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _plan(project, "--stack", "staging", "--strict-secrets") == 2
    err = capsys.readouterr().err
    assert "missing required secret" in err and "farm:openaiApiKey" in err
    assert "pulumi config set --secret farm:openaiApiKey" in err


def test_secret_set_in_the_stack_file_satisfies_strict_mode(project: Path) -> None:
    path = project / "Pulumi.staging.yaml"
    path.write_text(path.read_text() + "  farm:openaiApiKey:\n    secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBB\n")
    result = run_plan(project, "staging", strict_secrets=True)
    assert result.missing_secrets == []


def test_insecure_override_is_caught_by_policy(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Prod without its certificate would serve the API over plain HTTP: a mandatory violation."""
    path = project / "Pulumi.prod.yaml"
    # Domain and certificate go together: a domain with neither a certificate nor a zone is refused outright.
    lines = [
        ln for ln in path.read_text().splitlines() if not ln.startswith(("  farm:certificateArn:", "  farm:domain:"))
    ]
    path.write_text("\n".join(lines) + "\n")
    assert _plan(project, "--stack", "prod", "--json") == 1
    doc = json.loads(capsys.readouterr().out)
    mandatory = {v["policy"] for v in doc["policy"]["violations"] if v["level"] == "mandatory"}
    assert "alb-https-listener" in mandatory


def test_open_database_access_is_refused_in_prod(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "Pulumi.prod.yaml"
    path.write_text(path.read_text() + "  farm:allowOpenDbAccess: true\n")
    assert _plan(project, "--stack", "prod") == 2
    err = capsys.readouterr().err
    assert "allowOpenDbAccess" in err and "Traceback" not in err


def test_forced_lambda_for_a_websocket_app_names_the_conflict(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project / "Pulumi.dev.yaml"
    path.write_text(path.read_text() + "  farm:api: lambda\n")
    assert _plan(project, "--stack", "dev") == 2
    assert "lambda-websockets" in capsys.readouterr().err


def test_operator_env_and_secret_map_reach_the_api(project: Path) -> None:
    path = project / "Pulumi.dev.yaml"
    path.write_text(
        path.read_text()
        + "  farm:apiEnv:\n    PROJECT_NAME: Farm Chat\n    LOG_LEVEL: warning\n"
        + "  farm:apiSecrets:\n    JWT_SECRET:\n      secure: v1:AAAAAAAAAAAAAAAA:CCCCCCCC\n"
    )
    result = run_plan(project, "dev")
    (task,) = [r for r in of_type(result, "aws:ecs/taskDefinition:TaskDefinition") if "api" in r.name]
    (container,) = json.loads(task.inputs["containerDefinitions"])
    env = {e["name"]: e["value"] for e in container["environment"]}
    secrets = {s["name"] for s in container["secrets"]}
    assert env["PROJECT_NAME"] == "Farm Chat"
    assert env["LOG_LEVEL"] == "warning"  # the operator's value replaces the planned one
    assert "JWT_SECRET" in secrets and "JWT_SECRET" not in env
    versions = [r for r in of_type(result, "aws:secretsmanager/secretVersion:SecretVersion") if "jwt-secret" in r.name]
    assert len(versions) == 1 and versions[0].secret_paths == ["secretString"]
    assert PLACEHOLDER not in json.dumps(result.to_json())


def test_a_credential_in_plain_api_env_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "Pulumi.dev.yaml"
    path.write_text(path.read_text() + "  farm:apiEnv:\n    JWT_SECRET: hunter2\n")
    assert _plan(project, "--stack", "dev") == 2
    err = capsys.readouterr().err
    assert "farm:apiEnv.JWT_SECRET" in err and "farm:apiSecrets.JWT_SECRET" in err
    assert "hunter2" not in err


def test_cors_origin_is_the_site_when_it_is_known_before_the_site(plans: dict[str, OfflinePlan]) -> None:
    def api_env(result: OfflinePlan) -> dict[str, str]:
        (task,) = [r for r in of_type(result, "aws:ecs/taskDefinition:TaskDefinition") if "api" in r.name]
        (container,) = json.loads(task.inputs["containerDefinitions"])
        return {e["name"]: e["value"] for e in container["environment"]}

    # under the name the example app reads (its settings field `allowed_origins`)
    assert api_env(plans["prod"])["ALLOWED_ORIGINS"] == "https://app.example.com"
    assert "CORS_ORIGINS" not in api_env(plans["prod"])
    # dev has no domain: CloudFront serves /api/* on the site's own origin, no CORS
    assert "ALLOWED_ORIGINS" not in api_env(plans["dev"])


def test_verify_reads_what_the_program_exports(plans: dict[str, OfflinePlan]) -> None:
    """The outputs contract between the program and `farm-deploy verify/status/logs`."""
    from farm_deploy.stack_outputs import parse_outputs

    for stack, result in plans.items():
        outputs = parse_outputs(result.outputs, stack=stack, source="offline plan")
        assert outputs.health_urls == result.outputs["healthUrls"]
        assert outputs.log_groups == result.outputs["logGroups"]
        assert outputs.ecs_cluster == result.outputs["ecs"]["cluster"]
        exported = {name: s["taskDefinitionArn"] for name, s in result.outputs["ecs"]["services"].items()}
        assert {s.key: s.task_definition_arn for s in outputs.ecs_services} == exported


def test_stack_names_become_names_every_provider_accepts(project: Path) -> None:
    from components.naming import stack_slug

    assert stack_slug("dev") == "dev"
    assert stack_slug("Feature_Login.Page-2026") == "feature-login-pa"
    assert stack_slug("...") == "stack"
    shutil.copy(project / "Pulumi.dev.yaml", project / "Pulumi.Feature_X.1.yaml")
    path = project / "Pulumi.Feature_X.1.yaml"
    path.write_text(path.read_text() + "  farm:stage: dev\n")
    result = run_plan(project, "Feature_X.1")
    names = [r.name for r in result.resources]
    assert all(n.startswith("farm-feature-x-1-") for n in names), [n for n in names if not n.startswith("farm-feature")]
    assert "farm-feature-x-1-web-bucket" in names


@pytest.mark.parametrize(
    ("extra", "key", "hint"),
    [
        ("  farm:alarmEmail: not-an-email\n", "farm:alarmEmail", None),
        (
            "  farm:dbAccessCidrs:\n    - 0.0.0.0/0\n",
            "farm:dbAccessCidrs",
            "set farm:allowOpenDbAccess true instead (never in prod)",
        ),
    ],
)
def test_component_errors_name_the_stack_key_and_file(
    project: Path, capsys: pytest.CaptureFixture[str], extra: str, key: str, hint: str | None
) -> None:
    """Components name their arguments; the builder turns them into the key the operator edits."""
    path = project / "Pulumi.dev.yaml"
    path.write_text(path.read_text() + extra)
    assert _plan(project, "--stack", "dev") == 2
    err = capsys.readouterr().err
    assert f"error: {path}, key '{key}'" in err
    if hint:
        assert f"hint: {hint}" in err
    assert "`" not in err and "Traceback" not in err
