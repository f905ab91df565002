"""OllamaService: self-hosted inference on ECS, reachable only from the API.

GPU variant: Fargate has no GPUs, so the task runs on EC2 capacity: the ECS
GPU-optimised AMI (read from its public SSM parameter, so new instances get the
current driver), an auto scaling group managed by an ECS capacity provider
(managed scaling, so instances follow the tasks; `min_instances=0` lets a dev
stage pay nothing for the GPU while the service is scaled to zero).

CPU variant (`gpu=False`, the `ollama-cpu` choice): the same task on Fargate,
for small models.

Both keep the model cache on an encrypted EFS file system, so a new task does
not download gigabytes again, and register in Cloud Map so the API reaches
`http://<service_name>.<namespace>:11434`; only the API's security group may
connect, on 11434.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from analysis.errors import UserError
from components.container import OLLAMA_IMAGE, OLLAMA_PORT
from components.naming import task_family

from .common import child_opts, merge_tags, sg_rule
from .iam import assume_role_policy, policy_document

# Ollama runs as this unprivileged user (the image has no USER and runs as
# root by default; `--user` works once HOME/.ollama is writable:
# https://github.com/ollama/ollama/issues/5986). Keys and models live in
# $HOME/.ollama, which is the EFS model cache; nothing else is written.
OLLAMA_UID = 1000
OLLAMA_HOME = "/home/ollama"
MODEL_DIR = f"{OLLAMA_HOME}/.ollama"
# The access point's root: a new directory owned by OLLAMA_UID (the former
# /ollama belongs to root, whom the tasks no longer are; models are pulled again once).
MODEL_ROOT = f"/ollama-{OLLAMA_UID}"
TMP_DIR = "/tmp"
TMPFS_MIB = 256
HTTPS_PORT = 443
# Amazon Linux 2023: the AL2 GPU AMI reached end of support in mid-2026.
GPU_AMI_PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id"
CONTAINER_NAME = "ollama"
NFS_PORT = 2049  # EFS mount targets answer NFS on this port only

# Ollama model tags: `llama3.1:8b`, `library/phi3:mini`, `hf.co/org/model:Q4_K_M`.
# They end up in a shell command, so anything else is refused.
_MODEL_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*(:[A-Za-z0-9._-]+)?$")

# Task size when none is given. g5.xlarge: 4 vCPU, 16 GiB; leave room for the
# ECS agent and the OS. Fargate: 2 vCPU / 8 GiB runs a 1-3B model on CPU.
_GPU_DEFAULT = (3072, 14336)
_CPU_DEFAULT = (2048, 8192)

ECS_ASSUME = assume_role_policy("ecs-tasks.amazonaws.com")
EC2_ASSUME = assume_role_policy("ec2.amazonaws.com")


@dataclass
class OllamaServiceArgs:
    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    # A list, or an Output of a list together with `subnet_count` (the number
    # of EFS mount targets must be known before the ids are).
    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    api_security_group_id: pulumi.Input[str] | None
    namespace_id: pulumi.Input[str]  # Cloud Map private DNS namespace
    namespace_name: pulumi.Input[str]  # its DNS name, e.g. "farm.internal"
    models: list[str] = field(default_factory=list)  # pulled at start, e.g. ["llama3.1:8b"]
    gpu: bool = True
    instance_type: str = "g5.xlarge"
    min_instances: int = 0
    max_instances: int = 1
    desired_count: int = 1  # tasks; 0 lets a min_instances=0 stage release its GPU
    # Scale to zero, wake on demand: 0 tasks (so 0 GPU hosts) after `idle_minutes` without
    # an AI request, 1 task on the first one. Needs the API's request metric namespace.
    scale_to_zero: bool = False
    wake_metric_namespace: str | None = None  # where the API publishes AIRequests (Service=api)
    idle_minutes: int = 30
    service_name: str = "ollama"
    keep_alive: str = "24h"
    cpu: int | None = None  # task CPU units; default by variant
    memory: int | None = None  # task MiB; default by variant
    root_volume_gb: int = 60  # GPU hosts: OS and image layers (models live on EFS)
    log_retention_days: int = 30
    image: str = OLLAMA_IMAGE
    # SSM parameter naming the ECS GPU AMI (public, maintained by AWS).
    ami_parameter: str = GPU_AMI_PARAMETER
    subnet_count: int | None = None  # required when private_subnet_ids is an Output
    # Customer managed key (farm:kms customer) for the model cache and the log group; None: AWS managed.
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False
    tags: dict[str, str] = field(default_factory=dict)


def pull_script(models: Sequence[str]) -> str:
    """Shell run as the container command: serve, pull the models once the server answers, keep serving."""
    for model in models:
        if not _MODEL_TAG.match(model):
            raise UserError("not an Ollama model tag", key="models", value=model, hint="e.g. llama3.1:8b or phi3:mini")
    pulls = "".join(f" && ollama pull {m}" for m in models)
    return f"ollama serve & pid=$!; until ollama list >/dev/null 2>&1; do sleep 1; done{pulls}; wait $pid"


def user_data(cluster_name: str) -> str:
    """Instance user data: join the cluster with GPU support, keep tasks off the instance role."""
    script = (
        "#!/bin/bash\n"
        "cat >> /etc/ecs/ecs.config <<'EOF'\n"
        f"ECS_CLUSTER={cluster_name}\n"
        "ECS_ENABLE_GPU_SUPPORT=true\n"
        "ECS_AWSVPC_BLOCK_IMDS=true\n"
        "EOF\n"
    )
    return base64.b64encode(script.encode()).decode()


class OllamaService(pulumi.ComponentResource):
    url: pulumi.Output[str]
    service_name: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    file_system_id: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    capacity_provider_name: pulumi.Output[str] | None

    def __init__(self, name: str, args: OllamaServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:ai:OllamaService", name, None, opts)
        self._name = name
        self._args = args
        self._tags = merge_tags(args.tags, name)
        self._validate()
        self._cpu, self._memory = self._task_size()

        self.task_sg = self._create_task_security_group()
        efs_sg = self._create_efs_security_group()
        file_system, access_point = self._create_model_cache(efs_sg)
        log_group = self._create_log_group()
        execution_role = self._create_execution_role()
        task_role = self._create_task_role(file_system, access_point)

        capacity_provider = None
        cluster_providers = None
        if args.gpu:
            instance_sg = self._create_instance_security_group()
            launch_template = self._create_launch_template(instance_sg)
            group = self._create_auto_scaling_group(launch_template)
            capacity_provider = self._create_capacity_provider(group)
            cluster_providers = self._create_cluster_capacity_providers(capacity_provider)

        task_definition = self._create_task_definition(execution_role, task_role, file_system, access_point, log_group)
        discovery = self._create_discovery()
        service = self._create_service(task_definition, discovery, capacity_provider, cluster_providers)

        self.wake_alarm_name: pulumi.Output[str] | None = None
        if args.scale_to_zero:
            self.wake_alarm_name = self._create_scale_to_zero(service)

        self.service = service
        self.url = pulumi.Output.concat("http://", args.service_name, ".", args.namespace_name, f":{OLLAMA_PORT}")
        self.service_name = service.name
        # `farm-deploy verify` compares it with the service's PRIMARY deployment.
        self.task_definition_arn = task_definition.arn
        self.security_group_id = self.task_sg.id
        self.file_system_id = file_system.id
        self.log_group_name = log_group.name
        self.capacity_provider_name = capacity_provider.name if capacity_provider else None
        self.register_outputs(
            {
                "url": self.url,
                "service_name": self.service_name,
                "security_group_id": self.security_group_id,
                "file_system_id": self.file_system_id,
                "log_group_name": self.log_group_name,
                "capacity_provider_name": self.capacity_provider_name,
            }
        )

    # ------------------------------------------------------------------ checks

    def _validate(self) -> None:
        a = self._args
        if a.api_security_group_id is None:
            raise UserError(
                "the Ollama service is reachable only from the API's security group, and there is none",
                key="api_security_group_id",
                hint="self-hosted Ollama needs the ECS API in the same VPC",
            )
        if a.scale_to_zero and not a.wake_metric_namespace:
            raise UserError("scaling to zero needs the metric that wakes the service", key="wake_metric_namespace")
        if a.scale_to_zero and not 1 <= a.idle_minutes <= 1440:
            # a CloudWatch alarm evaluates at most one day of 1-minute periods
            raise UserError("idle minutes must be 1-1440", key="idle_minutes", value=a.idle_minutes)
        if self._subnet_count() < 1:
            raise UserError("the Ollama service needs at least one private subnet", key="private_subnet_ids")
        if not a.models:
            raise UserError("no Ollama model to serve", key="models", hint="set `models`, e.g. [llama3.1:8b]")
        pull_script(a.models)
        if a.min_instances < 0 or a.max_instances < max(1, a.min_instances):
            raise UserError(
                "GPU instance bounds must satisfy 0 <= min <= max and max >= 1",
                key="ai.min_instances/max_instances",
                value=f"{a.min_instances}..{a.max_instances}",
            )
        if not re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", a.service_name):
            raise UserError("the service name must be a DNS label", key="service_name", value=a.service_name)

    def _subnet_count(self) -> int:
        ids = self._args.private_subnet_ids
        if isinstance(ids, Sequence) and not isinstance(ids, str):
            return len(ids)
        if self._args.subnet_count is None:
            raise TypeError("private_subnet_ids is an Output: pass subnet_count too (one EFS mount target per subnet)")
        return self._args.subnet_count

    def _subnet(self, index: int) -> pulumi.Input[str]:
        ids = self._args.private_subnet_ids
        if isinstance(ids, Sequence) and not isinstance(ids, str):
            return ids[index]
        return pulumi.Output.from_input(ids).apply(lambda values: values[index])

    def _task_size(self) -> tuple[int, int]:
        default_cpu, default_memory = _GPU_DEFAULT if self._args.gpu else _CPU_DEFAULT
        return self._args.cpu or default_cpu, self._args.memory or default_memory

    # ------------------------------------------------------------------ network

    def _create_task_security_group(self) -> aws.ec2.SecurityGroup:
        sg = aws.ec2.SecurityGroup(
            f"{self._name}-sg",
            description="Ollama tasks: 11434 from the API only",
            vpc_id=self._args.vpc_id,
            tags=merge_tags(self._args.tags, f"{self._name}-sg"),
            opts=child_opts(self),
        )
        sg_rule(
            self,
            f"{self._name}-from-api",
            direction="in",
            security_group_id=sg.id,
            port=OLLAMA_PORT,
            peer_security_group_id=self._args.api_security_group_id,
            description="Ollama API from the FastAPI service",
        )
        # Out: HTTPS only (model downloads from registry.ollama.ai or hf.co and
        # their CDNs; on Fargate also the image pull and the log driver, which
        # use the task's network). NFS to the model cache is added with its
        # security group. DNS needs no rule: security groups do not filter the
        # VPC's Amazon DNS server
        # (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html).
        sg_rule(
            self,
            f"{self._name}-egress",
            direction="out",
            security_group_id=sg.id,
            port=HTTPS_PORT,
            cidr="0.0.0.0/0",
            description="HTTPS: model and image downloads",
        )
        return sg

    def _create_efs_security_group(self) -> aws.ec2.SecurityGroup:
        sg = aws.ec2.SecurityGroup(
            f"{self._name}-efs-sg",
            description="Ollama model cache: NFS from the Ollama tasks only",
            vpc_id=self._args.vpc_id,
            tags=merge_tags(self._args.tags, f"{self._name}-efs-sg"),
            opts=child_opts(self),
        )
        sg_rule(
            self,
            f"{self._name}-efs-from-tasks",
            direction="in",
            security_group_id=sg.id,
            port=NFS_PORT,
            peer_security_group_id=self.task_sg.id,
            description="NFS from the Ollama tasks",
        )
        sg_rule(
            self,
            f"{self._name}-egress-nfs",
            direction="out",
            security_group_id=self.task_sg.id,
            port=NFS_PORT,
            peer_security_group_id=sg.id,
            description="NFS to the model cache",
        )
        return sg

    def _create_instance_security_group(self) -> aws.ec2.SecurityGroup:
        # No ingress at all: tasks have their own ENIs (awsvpc) and SG; the
        # host only talks out to the ECS control plane and registries.
        sg = aws.ec2.SecurityGroup(
            f"{self._name}-host-sg",
            description="Ollama GPU hosts: no inbound",
            vpc_id=self._args.vpc_id,
            tags=merge_tags(self._args.tags, f"{self._name}-host-sg"),
            opts=child_opts(self),
        )
        # HTTPS only: the ECS agent's endpoints, ECR and Docker Hub, CloudWatch
        # Logs, the OS's package mirrors. Instance metadata, the Amazon DNS
        # server and Amazon Time Sync are link-local and not filtered.
        sg_rule(
            self,
            f"{self._name}-host-egress",
            direction="out",
            security_group_id=sg.id,
            port=HTTPS_PORT,
            cidr="0.0.0.0/0",
            description="HTTPS: ECS agent, registries, logs",
        )
        return sg

    # ------------------------------------------------------------------ storage

    def _create_model_cache(self, efs_sg: aws.ec2.SecurityGroup) -> tuple[aws.efs.FileSystem, aws.efs.AccessPoint]:
        a = self._args
        file_system = aws.efs.FileSystem(
            f"{self._name}-models",
            encrypted=True,
            performance_mode="generalPurpose",
            # Model loads are rare, large bursts: pay per use rather than for
            # provisioned throughput, and never be throttled by burst credits.
            throughput_mode="elastic",
            kms_key_id=a.kms_key_arn,
            tags=merge_tags(a.tags, f"{self._name}-models"),
            opts=child_opts(self, protect=a.protect),
        )
        self._mount_targets: list[aws.efs.MountTarget] = []
        for index in range(self._subnet_count()):
            mount_target = aws.efs.MountTarget(
                f"{self._name}-models-mt-{index}",
                file_system_id=file_system.id,
                subnet_id=self._subnet(index),
                security_groups=[efs_sg.id],
                opts=child_opts(self),
            )
            self._mount_targets.append(mount_target)
        access_point = aws.efs.AccessPoint(
            f"{self._name}-models-ap",
            file_system_id=file_system.id,
            # Every NFS operation through the access point runs as the task's user.
            posix_user=aws.efs.AccessPointPosixUserArgs(uid=OLLAMA_UID, gid=OLLAMA_UID),
            root_directory=aws.efs.AccessPointRootDirectoryArgs(
                path=MODEL_ROOT,
                creation_info=aws.efs.AccessPointRootDirectoryCreationInfoArgs(
                    owner_uid=OLLAMA_UID, owner_gid=OLLAMA_UID, permissions="0750"
                ),
            ),
            tags=merge_tags(a.tags, f"{self._name}-models-ap"),
            opts=child_opts(self),
        )
        aws.efs.FileSystemPolicy(
            f"{self._name}-models-policy",
            file_system_id=file_system.id,
            policy=file_system.arn.apply(
                lambda arn: policy_document(
                    {
                        "Sid": "DenyUnencryptedTransport",
                        "Effect": "Deny",
                        "Principal": {"AWS": "*"},
                        "Action": "*",
                        "Resource": arn,
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                )
            ),
            opts=child_opts(self),
        )
        return file_system, access_point

    def _create_log_group(self) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            f"{self._name}-logs",
            retention_in_days=self._args.log_retention_days,
            kms_key_id=self._args.kms_key_arn,
            tags=self._tags,
            opts=child_opts(self),
        )

    # ------------------------------------------------------------------ IAM

    def _create_execution_role(self) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{self._name}-exec-role", assume_role_policy=ECS_ASSUME, tags=self._tags, opts=child_opts(self)
        )
        aws.iam.RolePolicyAttachment(
            f"{self._name}-exec-policy",
            role=role.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
            opts=child_opts(self),
        )
        return role

    def _create_task_role(self, file_system: aws.efs.FileSystem, access_point: aws.efs.AccessPoint) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{self._name}-task-role", assume_role_policy=ECS_ASSUME, tags=self._tags, opts=child_opts(self)
        )
        aws.iam.RolePolicy(
            f"{self._name}-task-efs",
            role=role.id,
            policy=pulumi.Output.all(file_system.arn, access_point.arn).apply(
                lambda arns: policy_document(
                    {
                        "Effect": "Allow",
                        # No ClientRootAccess: the access point enforces an unprivileged uid.
                        "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                        "Resource": arns[0],
                        "Condition": {"StringEquals": {"elasticfilesystem:AccessPointArn": arns[1]}},
                    }
                )
            ),
            opts=child_opts(self),
        )
        return role

    # ------------------------------------------------------------------ GPU capacity

    def _create_launch_template(self, instance_sg: aws.ec2.SecurityGroup) -> aws.ec2.LaunchTemplate:
        a = self._args
        role = aws.iam.Role(
            f"{self._name}-host-role", assume_role_policy=EC2_ASSUME, tags=self._tags, opts=child_opts(self)
        )
        aws.iam.RolePolicyAttachment(
            f"{self._name}-host-policy",
            role=role.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
            opts=child_opts(self),
        )
        profile = aws.iam.InstanceProfile(
            f"{self._name}-host-profile", role=role.name, tags=self._tags, opts=child_opts(self)
        )
        # `insecure_value`: the AMI id is public, and `value` would make every
        # input built from it a secret.
        ami = aws.ssm.get_parameter_output(name=a.ami_parameter, opts=pulumi.InvokeOutputOptions(parent=self))
        host_tags = merge_tags(a.tags, f"{self._name}-gpu-host")
        return aws.ec2.LaunchTemplate(
            f"{self._name}-lt",
            image_id=ami.insecure_value,
            instance_type=a.instance_type,
            iam_instance_profile=aws.ec2.LaunchTemplateIamInstanceProfileArgs(arn=profile.arn),
            vpc_security_group_ids=[instance_sg.id],
            user_data=pulumi.Output.from_input(a.cluster_name).apply(user_data),
            # IMDSv2 only, hop limit 1: the ECS agent (host network) reaches
            # the metadata service, containers cannot, and with
            # ECS_AWSVPC_BLOCK_IMDS tasks never see the host role's
            # credentials; they use their own task role.
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",
                http_put_response_hop_limit=1,
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name="/dev/xvda",
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=a.root_volume_gb,
                        volume_type="gp3",
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
            ],
            monitoring=aws.ec2.LaunchTemplateMonitoringArgs(enabled=True),
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type="instance", tags=host_tags),
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type="volume", tags=host_tags),
            ],
            update_default_version=True,
            tags=self._tags,
            opts=child_opts(self),
        )

    def _create_auto_scaling_group(self, launch_template: aws.ec2.LaunchTemplate) -> aws.autoscaling.Group:
        a = self._args
        tags = {**merge_tags(a.tags, f"{self._name}-gpu-host"), "AmazonECSManaged": "true"}
        return aws.autoscaling.Group(
            f"{self._name}-asg",
            min_size=a.min_instances,
            max_size=a.max_instances,
            # Declared so the plan (and its price) says how many hosts run at first: with a
            # scaled-to-zero service, none. Managed scaling owns it afterwards (ignore_changes).
            desired_capacity=a.min_instances,
            vpc_zone_identifiers=a.private_subnet_ids,
            launch_template=aws.autoscaling.GroupLaunchTemplateArgs(id=launch_template.id, version="$Latest"),
            # Managed termination protection needs it: ECS, not the ASG,
            # decides which instance may go (never one running a task).
            protect_from_scale_in=True,
            # Scale-in protection stays on the instances once ECS is gone, so
            # the default delete (scale to 0, wait) never finishes ("group
            # still has 1 instance"). The service, the cluster association and
            # the capacity provider are deleted before the group.
            force_delete=True,
            health_check_type="EC2",
            tags=[aws.autoscaling.GroupTagArgs(key=k, value=v, propagate_at_launch=True) for k, v in tags.items()],
            opts=child_opts(self, ignore_changes=["desiredCapacity"]),
        )

    def _create_capacity_provider(self, group: aws.autoscaling.Group) -> aws.ecs.CapacityProvider:
        return aws.ecs.CapacityProvider(
            f"{self._name}-cp",
            auto_scaling_group_provider=aws.ecs.CapacityProviderAutoScalingGroupProviderArgs(
                auto_scaling_group_arn=group.arn,
                managed_scaling=aws.ecs.CapacityProviderAutoScalingGroupProviderManagedScalingArgs(
                    status="ENABLED",
                    target_capacity=100,
                    minimum_scaling_step_size=1,
                    maximum_scaling_step_size=1,
                    instance_warmup_period=300,
                ),
                managed_termination_protection="ENABLED",
                managed_draining="ENABLED",
            ),
            tags=self._tags,
            opts=child_opts(self),
        )

    def _create_cluster_capacity_providers(
        self, provider: aws.ecs.CapacityProvider
    ) -> aws.ecs.ClusterCapacityProviders:
        # The cluster's whole list: Fargate stays available (and the default)
        # for the API service; only Ollama asks for the GPU provider.
        return aws.ecs.ClusterCapacityProviders(
            f"{self._name}-cluster-cps",
            cluster_name=self._args.cluster_name,
            capacity_providers=["FARGATE", "FARGATE_SPOT", provider.name],
            default_capacity_provider_strategies=[
                aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(
                    capacity_provider="FARGATE", weight=1, base=0
                )
            ],
            opts=child_opts(self),
        )

    # ------------------------------------------------------------------ task and service

    def _container_definitions(self, log_group_name: str, region: str) -> str:
        a = self._args
        container: dict[str, object] = {
            "name": CONTAINER_NAME,
            "image": a.image,
            "essential": True,
            "entryPoint": ["/bin/sh", "-c"],
            "command": [pull_script(a.models)],
            "portMappings": [{"containerPort": OLLAMA_PORT, "protocol": "tcp"}],
            "environment": [
                {"name": "HOME", "value": OLLAMA_HOME},
                {"name": "OLLAMA_HOST", "value": f"0.0.0.0:{OLLAMA_PORT}"},
                {"name": "OLLAMA_KEEP_ALIVE", "value": a.keep_alive},
            ],
            "user": f"{OLLAMA_UID}:{OLLAMA_UID}",
            "privileged": False,
            "linuxParameters": self._linux_parameters(),
            "mountPoints": [{"sourceVolume": "models", "containerPath": MODEL_DIR, "readOnly": False}],
            # The image has no curl; `ollama list` talks to the local server.
            # It answers as soon as the server is up, also while a model is
            # still being pulled, so a long first pull does not fail the check;
            # the start period (300 s, ECS's maximum) covers a slow cold start.
            "healthCheck": {
                "command": ["CMD-SHELL", "ollama list || exit 1"],
                "interval": 30,
                "timeout": 10,
                "retries": 3,
                "startPeriod": 300,
            },
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": log_group_name,
                    "awslogs-region": region,
                    "awslogs-stream-prefix": "ollama",
                },
            },
            # Writable: the model cache (EFS) and /tmp (a tmpfs on EC2; Fargate
            # has no tmpfs, see _linux_parameters).
            "readonlyRootFilesystem": True,
        }
        if a.gpu:
            container["resourceRequirements"] = [{"type": "GPU", "value": "1"}]
        return json.dumps([container])

    def _linux_parameters(self) -> dict[str, object]:
        """No capabilities (Ollama needs none on an unprivileged port); /tmp as a tmpfs where ECS offers one.

        `tmpfs` is not supported on Fargate
        (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LinuxParameters.html),
        and Fargate's bind-mount volumes are writable by root only
        (https://github.com/aws/containers-roadmap/issues/938): the CPU variant
        gets no /tmp at all. Ollama writes its downloads next to the models,
        in $HOME/.ollama, not in /tmp.
        """
        params: dict[str, object] = {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}}
        if self._args.gpu:
            params["tmpfs"] = [
                {"containerPath": TMP_DIR, "size": TMPFS_MIB, "mountOptions": ["noexec", "nosuid", "nodev"]}
            ]
        return params

    def _create_task_definition(
        self,
        execution_role: aws.iam.Role,
        task_role: aws.iam.Role,
        file_system: aws.efs.FileSystem,
        access_point: aws.efs.AccessPoint,
        log_group: aws.cloudwatch.LogGroup,
    ) -> aws.ecs.TaskDefinition:
        a = self._args
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self))
        containers = pulumi.Output.all(log_group.name, region.region).apply(
            lambda v: self._container_definitions(v[0], v[1])
        )
        return aws.ecs.TaskDefinition(
            f"{self._name}-task",
            family=task_family(f"{self._name}-ollama"),
            requires_compatibilities=["EC2"] if a.gpu else ["FARGATE"],
            network_mode="awsvpc",
            cpu=str(self._cpu),
            memory=str(self._memory),
            execution_role_arn=execution_role.arn,
            task_role_arn=task_role.arn,
            container_definitions=containers,
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            volumes=[
                aws.ecs.TaskDefinitionVolumeArgs(
                    name="models",
                    efs_volume_configuration=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationArgs(
                        file_system_id=file_system.id,
                        transit_encryption="ENABLED",
                        authorization_config=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfigArgs(
                            access_point_id=access_point.id, iam="ENABLED"
                        ),
                    ),
                )
            ],
            tags=self._tags,
            opts=child_opts(self),
        )

    def _create_discovery(self) -> aws.servicediscovery.Service:
        return aws.servicediscovery.Service(
            f"{self._name}-discovery",
            name=self._args.service_name,
            dns_config=aws.servicediscovery.ServiceDnsConfigArgs(
                namespace_id=self._args.namespace_id,
                dns_records=[aws.servicediscovery.ServiceDnsConfigDnsRecordArgs(ttl=10, type="A")],
                routing_policy="MULTIVALUE",
            ),
            # ECS reports task health to Cloud Map: unhealthy tasks leave DNS.
            health_check_custom_config=aws.servicediscovery.ServiceHealthCheckCustomConfigArgs(),
            tags=self._tags,
            opts=child_opts(self),
        )

    def _create_service(
        self,
        task_definition: aws.ecs.TaskDefinition,
        discovery: aws.servicediscovery.Service,
        capacity_provider: aws.ecs.CapacityProvider | None,
        cluster_providers: aws.ecs.ClusterCapacityProviders | None,
    ) -> aws.ecs.Service:
        a = self._args
        placement: dict[str, object]
        if capacity_provider is not None:
            placement = {
                "capacity_provider_strategies": [
                    aws.ecs.ServiceCapacityProviderStrategyArgs(
                        capacity_provider=capacity_provider.name, weight=1, base=0
                    )
                ],
                # One GPU per task and usually one host: replace in place
                # rather than wait for a second GPU instance that max_instances
                # may not allow.
                "deployment_minimum_healthy_percent": 0,
                "deployment_maximum_percent": 100,
            }
        else:
            placement = {
                "launch_type": "FARGATE",
                "platform_version": "LATEST",
                "deployment_minimum_healthy_percent": 100,
                "deployment_maximum_percent": 200,
            }
        # A task started before its subnet's EFS mount target is available fails
        # to mount the model volume (ResourceInitializationError), and the
        # circuit breaker then fails the first deployment; Fargate tasks start
        # well within the minute or two a mount target takes.
        depends: list[pulumi.Resource] = list(self._mount_targets)
        if cluster_providers is not None:
            depends.append(cluster_providers)
        return aws.ecs.Service(
            f"{self._name}-service",
            name=a.service_name,
            cluster=a.cluster_arn,
            task_definition=task_definition.arn,
            desired_count=0 if a.scale_to_zero else a.desired_count,
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=a.private_subnet_ids,
                security_groups=[self.task_sg.id],
                assign_public_ip=False,
            ),
            service_registries=aws.ecs.ServiceServiceRegistriesArgs(registry_arn=discovery.arn),
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            tags=self._tags,
            # Application Auto Scaling owns the count of a scale-to-zero service: `pulumi up`
            # must not put back a count the alarms changed.
            opts=child_opts(self, depends_on=depends, ignore_changes=["desiredCount"] if a.scale_to_zero else None),
            **placement,  # type: ignore[arg-type]
        )

    # ------------------------------------------------------------------ scale to zero

    def _create_scale_to_zero(self, service: aws.ecs.Service) -> pulumi.Output[str]:
        """Two step-scaling policies ("set to" 1 and "set to" 0), each behind a CloudWatch alarm.

        Step scaling with ExactCapacity sets the task count outright, from 0
        included (https://docs.aws.amazon.com/AmazonECS/latest/userguide/service-autoscaling-stepscaling.html,
        https://docs.aws.amazon.com/autoscaling/application/userguide/create-step-scaling-policy-cli.html);
        target tracking cannot start from 0 tasks on a metric the tasks produce.
        The capacity provider's managed scaling then adds or removes the GPU host
        (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-auto-scaling.html).
        """
        a = self._args
        target = aws.appautoscaling.Target(
            f"{self._name}-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", a.cluster_name, "/", service.name),
            min_capacity=0,
            max_capacity=1,
            tags=self._tags,
            opts=child_opts(self),
        )
        policies = {}
        for key, count, bound in (
            ("wake", 1, {"metric_interval_lower_bound": "0"}),
            ("sleep", 0, {"metric_interval_upper_bound": "0"}),
        ):
            policies[key] = aws.appautoscaling.Policy(
                f"{self._name}-{key}",
                policy_type="StepScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                step_scaling_policy_configuration=aws.appautoscaling.PolicyStepScalingPolicyConfigurationArgs(
                    adjustment_type="ExactCapacity",
                    cooldown=60,
                    metric_aggregation_type="Maximum",
                    step_adjustments=[
                        aws.appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArgs(
                            scaling_adjustment=count, **bound
                        )
                    ],
                ),
                opts=child_opts(self),
            )
        metric = {
            "namespace": a.wake_metric_namespace,
            "metric_name": "AIRequests",
            "dimensions": {"Service": "api"},
            "statistic": "Sum",
            "period": 60,
        }
        wake = aws.cloudwatch.MetricAlarm(
            f"{self._name}-wake",
            alarm_description="An AI request arrived: start the Ollama service (and its GPU host) from zero",
            comparison_operator="GreaterThanThreshold",
            threshold=0,
            evaluation_periods=1,
            treat_missing_data="notBreaching",
            alarm_actions=[policies["wake"].arn],
            tags=self._tags,
            opts=child_opts(self),
            **metric,  # type: ignore[arg-type]
        )
        aws.cloudwatch.MetricAlarm(
            f"{self._name}-idle",
            alarm_description=f"No AI request for {a.idle_minutes} minutes: scale the Ollama service to zero",
            comparison_operator="LessThanThreshold",
            threshold=1,
            evaluation_periods=a.idle_minutes,
            # No data points is what idle looks like: the API publishes only when asked.
            treat_missing_data="breaching",
            alarm_actions=[policies["sleep"].arn],
            tags=self._tags,
            opts=child_opts(self),
            **metric,  # type: ignore[arg-type]
        )
        return wake.name
