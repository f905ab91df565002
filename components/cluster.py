"""Cluster: the ECS cluster and the private DNS namespace its services meet in.

Capacity providers are not set here: the GPU capacity provider and the
cluster's capacity provider association belong to OllamaService, and an ECS
cluster accepts exactly one association (a second one would overwrite it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .common import child_opts, merge_tags
from .naming import default_namespace


@dataclass
class ClusterArgs:
    vpc_id: pulumi.Input[str]
    # Private DNS zone for service discovery (ollama.<namespace>). None derives
    # `<stack>.farm.internal`, so two stages sharing an account never collide.
    namespace_name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    # The Pulumi stack the resources belong to (labels and physical names only).
    stack: str = field(kw_only=True)


class Cluster(pulumi.ComponentResource):
    cluster_arn: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    namespace_id: pulumi.Output[str]
    namespace_name: pulumi.Output[str]

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:compute:Cluster", name, None, opts)
        self._name = name
        self._args = args
        namespace = args.namespace_name or default_namespace(args.stack)

        self.cluster = self._create_cluster()
        self.namespace = self._create_namespace(namespace)

        self.cluster_arn = self.cluster.arn
        self.cluster_name = self.cluster.name
        self.namespace_id = self.namespace.id
        self.namespace_name = self.namespace.name
        self.register_outputs(
            {
                "cluster_arn": self.cluster_arn,
                "cluster_name": self.cluster_name,
                "namespace_id": self.namespace_id,
                "namespace_name": self.namespace_name,
            }
        )

    def _create_cluster(self) -> aws.ecs.Cluster:
        return aws.ecs.Cluster(
            f"{self._name}-cluster",
            # Container Insights: per-service CPU, memory and running task
            # counts, which Monitoring's "AI service unavailable" alarm reads.
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")],
            tags=merge_tags(self._args.tags, f"{self._name}-cluster"),
            opts=child_opts(self),
        )

    def _create_namespace(self, namespace: str) -> aws.servicediscovery.PrivateDnsNamespace:
        return aws.servicediscovery.PrivateDnsNamespace(
            f"{self._name}-namespace",
            name=namespace,
            vpc=self._args.vpc_id,
            description="farm-deploy service discovery (API -> Ollama)",
            tags=merge_tags(self._args.tags, f"{self._name}-namespace"),
            opts=child_opts(self),
        )
