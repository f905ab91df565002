"""Cluster under the mocks: Container Insights on, private DNS namespace in the VPC."""

from __future__ import annotations

import pulumi

from components.cluster import Cluster, ClusterArgs
from components.naming import default_namespace
from farm_deploy.offline.engine import run_offline


def run(args: ClusterArgs, stack: str = "dev"):
    def program():
        cluster = Cluster("farm", args)
        for key in ("cluster_arn", "cluster_name", "namespace_id", "namespace_name"):
            pulumi.export(key, getattr(cluster, key))

    return run_offline(program, stack=stack)


def test_cluster_has_container_insights_and_a_namespace_in_the_vpc():
    result = run(ClusterArgs(vpc_id="vpc-123", tags={"team": "a"}, stack="staging"), stack="staging")
    cluster = result.one("aws:ecs/cluster:Cluster")
    assert cluster.inputs["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    assert cluster.inputs["tags"] == {"Name": "farm-cluster", "team": "a"}
    # No capacity providers here: OllamaService owns the cluster's one association.
    assert "capacityProviders" not in cluster.inputs
    assert result.of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders") == []
    namespace = result.one("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace")
    assert namespace.inputs["vpc"] == "vpc-123"
    assert namespace.inputs["name"] == "staging.farm.internal"
    component = result.one("farm:compute:Cluster")
    assert {r.name for r in result.children_of(component)} == {"farm-cluster", "farm-namespace"}
    assert result.outputs == {
        "cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/farm-cluster",
        "cluster_name": "farm-cluster",
        "namespace_id": "farm-namespace-id",
        "namespace_name": "staging.farm.internal",
    }


def test_explicit_namespace_name_wins():
    result = run(ClusterArgs(vpc_id="vpc-1", namespace_name="chat.internal", stack="dev"))
    assert result.one("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace").inputs["name"] == "chat.internal"


def test_default_namespace_is_a_valid_dns_label_per_stack():
    assert default_namespace("prod") == "prod.farm.internal"
    assert default_namespace("Feature_X/1") == "feature-x-1.farm.internal"
    assert default_namespace("dev") != default_namespace("prod")
