"""Resource names are the same in every process, and pinned for a known stack.

A stack named like a pull request branch (`pr-4711.feature_long-branch`) is
too long and dotted for Pulumi's autonaming of load balancers and target
groups, so the program derives those names itself. A name built from Python's
`hash()` would change with PYTHONHASHSEED, i.e. between two `pulumi up` runs,
and replace the resources: two interpreters with different seeds must agree,
and the names must be the literal ones below.

Limits behind the pinned names: load balancer and target group names are at
most 32 characters of letters, digits and hyphens,
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html
and https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STACK = "pr-4711.feature_long-branch"

CHILD = r"""
import json, sys
from pathlib import Path
from farm_deploy.offline_plan import run_plan

plan = run_plan(Path(sys.argv[1]), sys.argv[2])
out = []
for r in plan.resources:
    physical = {k: v for k, v in r.inputs.items() if isinstance(v, str) and (k == "family" or "name" in k.lower())}
    out.append([r.type, r.name, physical])
print(json.dumps(sorted(out, key=lambda x: (x[0], x[1]))))
"""

# Written out by hand from the stack name; the 8 hex digits are the first 8 of
# sha256 over the logical name (and, for the target group, its port, protocol
# and target type; for a load balancer behind CloudFront, "internal"), stable in
# every process.
PINNED = {
    ("aws:lb/loadBalancer:LoadBalancer", "farm-pr-4711-feature-api-alb"): {"name": "farm-pr-4711-feature-ap-463f8a5b"},
    ("aws:lb/targetGroup:TargetGroup", "farm-pr-4711-feature-api-tg"): {"name": "farm-pr-4711-feature-ap-f60cb2f5"},
    ("aws:ecs/taskDefinition:TaskDefinition", "farm-pr-4711-feature-api-task"): {
        "family": "farm-deploy-pr-4711-feature_long-branch-farm-pr-4711-feature-api"
    },
    ("aws:ecs/taskDefinition:TaskDefinition", "farm-pr-4711-feature-ollama-task"): {
        "family": "farm-pr-4711-feature-ollama-ollama"
    },
    ("aws:cloudwatch/logGroup:LogGroup", "farm-pr-4711-feature-api-logs"): {
        "name": "/farm/farm-deploy/pr-4711.feature_long-branch/farm-pr-4711-feature-api"
    },
    ("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", "farm-pr-4711-feature-ecs-namespace"): {
        "name": "pr-4711-feature-long-branch.farm.internal"
    },
    ("aws:secretsmanager/secret:Secret", "farm-pr-4711-feature-db-connection"): {
        "namePrefix": "farm-deploy-pr-4711-feature-mongodb-url-"
    },
    ("mongodbatlas:index/project:Project", "farm-pr-4711-feature-db-project"): {"name": "farm-deploy-pr-4711-feature"},
    ("mongodbatlas:index/advancedCluster:AdvancedCluster", "farm-pr-4711-feature-db-cluster"): {
        "name": "farm-deploy-pr-4711-feature"
    },
    ("mongodbatlas:index/databaseUser:DatabaseUser", "farm-pr-4711-feature-db-user"): {
        "authDatabaseName": "admin",
        "username": "farm-deploy-pr-4711-feature-api",
    },
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder with one stack file: dev's, under the long branch name."""
    folder = tmp_path_factory.mktemp("project")
    (folder / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    dev = (ROOT / "Pulumi.dev.yaml").read_text()
    app = (ROOT / "examples" / "farm-chat").as_posix()
    dev = dev.replace("farm:appPath: examples/farm-chat", f"farm:appPath: {app}\n  farm:stage: dev")
    assert f"farm:appPath: {app}" in dev
    (folder / f"Pulumi.{STACK}.yaml").write_text(dev)
    return folder


@pytest.fixture(scope="module")
def runs(project: Path) -> list[list]:
    """The same plan in two fresh interpreters, with different hash seeds, side by side."""
    procs = []
    for seed in ("1", "2718281"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", CHILD, str(project), STACK],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=ROOT,
                env=env,
            )
        )
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_two_hash_seeds_give_the_same_names(runs: list[list]) -> None:
    first, second = runs
    assert len(first) > 50
    assert first == second


def test_names_are_the_pinned_literals(runs: list[list]) -> None:
    found = {(t, n): physical for t, n, physical in runs[0]}
    for key, expected in PINNED.items():
        assert found.get(key) == expected, key


def test_load_balancer_names_fit_the_elb_limit(runs: list[list]) -> None:
    names = [
        p["name"] for t, _, p in runs[0] if t in ("aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup")
    ]
    assert len(names) == 2
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?", name), name
