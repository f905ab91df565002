"""The rules over the dependency graph, on the shipped stacks' recorded plans and on mutations of them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from farm_deploy.offline_plan import run_plan
from farm_deploy.policy_check import check_resources

SECRET_RULE = "secret-readers-wait-for-value"
ALB_RULE = "alb-cloudfront-origin-internal"
VERCEL_RULE = "vercel-deployment-waits-for-secrets"
ROOT = Path(__file__).resolve().parents[2]
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
SERVICE = "aws:ecs/service:Service"


@pytest.fixture(scope="module")
def plans():
    return {stack: run_plan(ROOT, stack) for stack in ("dev", "staging", "prod")}


def _fired(resources, stage: str, rule: str) -> list[tuple[str, str]]:
    report = check_resources(resources, stage)
    return [(v.resource, v.message) for v in report.violations if v.policy == rule]


def _waiting_on_the_secret_instead(resources, *, drop_versions: bool = False):
    """The same plan as if every reader took the ARN from the Secret, not from its SecretVersion."""
    secret_of = {r.urn: r.property_dependencies["secretId"][0] for r in resources if r.type == VERSION}

    def swap(urns):
        return sorted({secret_of.get(u, u) for u in urns})

    return [
        dataclasses.replace(
            r,
            dependencies=swap(r.dependencies),
            property_dependencies={k: swap(us) for k, us in r.property_dependencies.items()},
        )
        for r in resources
        if r.type != VERSION or not drop_versions
    ]


def test_every_shipped_stack_holds(plans):
    for stack, plan in plans.items():
        assert _fired(plan.resources, stack, SECRET_RULE) == []
        assert _fired(plan.resources, stack, ALB_RULE) == []


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_a_service_that_does_not_wait_for_the_secret_values_is_caught(plans, stack):
    resources = _waiting_on_the_secret_instead(plans[stack].resources)
    fired = _fired(resources, stack, SECRET_RULE)
    # The API reads the database's connection string and the OpenAI key (dev/staging/prod all set both).
    assert sorted(name for name, _ in fired) == [f"farm-{stack}-api-service"] * 2
    messages = " ".join(m for _, m in fired)
    assert f"farm-{stack}-db-connection-value" in messages
    assert f"farm-{stack}-secrets-openai-api-key-value" in messages


def test_a_secret_without_any_version_is_reported_as_empty(plans):
    resources = _waiting_on_the_secret_instead(plans["dev"].resources, drop_versions=True)
    fired = _fired(resources, "dev", SECRET_RULE)
    assert fired and all("which no SecretVersion in this stack sets" in m for _, m in fired)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_a_public_alb_behind_cloudfront_is_caught_and_an_internal_one_passes(plans, stack):
    resources = plans[stack].resources
    lb = next(r for r in resources if r.type == "aws:lb/loadBalancer:LoadBalancer")
    public = [dataclasses.replace(r, inputs={**r.inputs, "internal": False}) if r is lb else r for r in resources]
    internal = [dataclasses.replace(r, inputs={**r.inputs, "internal": True}) if r is lb else r for r in resources]
    assert [name for name, _ in _fired(public, stack, ALB_RULE)] == [lb.name]
    assert _fired(internal, stack, ALB_RULE) == []


def test_a_vercel_deployment_waits_for_its_projects_sensitive_variables():
    from tests.policies.helpers import recorded, urn_of

    project = urn_of("vercel:index/project:Project", "web")
    var_urn = urn_of("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable", "db-url")
    variable = recorded(
        "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
        "db-url",
        {"key": "MONGODB_URL", "sensitive": True, "projectId": "web-id"},
        property_dependencies={"projectId": [project]},
    )
    plain = recorded(
        "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
        "api-url",
        {"key": "VITE_API_URL", "sensitive": False, "projectId": "web-id"},
        property_dependencies={"projectId": [project]},
    )

    def deployment(*waits: str):
        return recorded(
            "vercel:index/deployment:Deployment",
            "web-deploy",
            {"projectId": "web-id", "production": True},
            dependencies=list(waits),
            property_dependencies={"projectId": [project]},
        )

    web = recorded("vercel:index/project:Project", "web", {"name": "web"})
    fired = _fired([web, variable, plain, deployment()], "dev", VERCEL_RULE)
    # Only the sensitive variable counts; the plain one may come later.
    assert fired == [
        (
            "web-deploy",
            "does not wait for the sensitive environment variable db-url of its project: the build could run without it",
        )
    ]
    assert _fired([web, variable, plain, deployment(var_urn)], "dev", VERCEL_RULE) == []
