"""The URN of every resource of every shipped stack, against a committed baseline.

Pulumi identifies a resource by its URN (stack, project, the type chain of its
parents, its type token and its logical name): change any of these and
`pulumi up` deletes the old resource and creates a new one
(https://www.pulumi.com/docs/iac/concepts/resources/names/#urns). Refactors of
the builder and the components must leave every URN as it is, on the shipped
stacks and on the targets the tests plan for (Railway, Vercel, Lambda, Vercel
in front of ECS). An intended rename needs `aliases` on the resource and a new
baseline in the same commit:

    python -m tests.program.test_urns --write
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from farm_deploy.offline_plan import run_plan

ROOT = Path(__file__).resolve().parents[2]
BASELINE = Path(__file__).resolve().parent / "urns"
SHIPPED = ("dev", "staging", "prod", "local")
# Stacks the repository does not ship, planned from the dev stack file with
# these overrides, so that every builder target is under the baseline.
DERIVED = {
    "railway": "  farm:stage: dev\n  farm:platform: railway\n  farm:railwayRepo: acme/farm-chat\n",
    "vercel": "  farm:stage: dev\n  farm:platform: vercel\n  farm:acknowledge:\n    - vercel-websockets\n",
    "aws-vercel": "  farm:stage: dev\n  farm:web: vercel\n",
    "lambda": (
        "  farm:stage: dev\n  farm:api: lambda\n  farm:ai: openai\n  farm:acknowledge:\n    - lambda-websockets\n"
    ),
}


def derived_project(folder: Path) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", folder / "Pulumi.yaml")
    dev = (ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    dev = dev.replace("farm:appPath: examples/farm-chat", f"farm:appPath: {ROOT / 'examples' / 'farm-chat'}")
    for stack, extra in DERIVED.items():
        (folder / f"Pulumi.{stack}.yaml").write_text(dev + extra, encoding="utf-8")
    return folder


def urns(project: Path, stack: str) -> list[dict[str, str | None]]:
    result = run_plan(project, stack)
    rows = [{"urn": r.urn, "parent": r.parent} for r in result.resources]
    return sorted(rows, key=lambda row: row["urn"] or "")


def baseline(stack: str) -> list[dict[str, str | None]]:
    return json.loads((BASELINE / f"{stack}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("stack", SHIPPED)
def test_shipped_stack_keeps_every_urn(stack: str) -> None:
    assert urns(ROOT, stack) == baseline(stack)


@pytest.mark.parametrize("stack", sorted(DERIVED))
def test_other_targets_keep_every_urn(stack: str, tmp_path: Path) -> None:
    assert urns(derived_project(tmp_path), stack) == baseline(stack)


def test_the_baseline_is_not_trivial() -> None:
    """Literal anchors, so a baseline regenerated from broken code cannot pass unnoticed."""
    dev = {row["urn"] for row in baseline("dev")}
    assert "urn:pulumi:dev::farm-deploy::pulumi:pulumi:Stack$farm:compute:ApiService::farm-dev-api" in dev
    assert (
        "urn:pulumi:dev::farm-deploy::farm:compute:ApiService$aws:lb/loadBalancer:LoadBalancer::farm-dev-api-alb"
    ) in dev
    local = {row["urn"] for row in baseline("local")}
    assert (
        "urn:pulumi:local::farm-deploy::farm:docker:DockerHost$docker:index/container:Container::farm-local-docker-api"
        in (local)
    )
    assert len(baseline("prod")) > len(baseline("staging")) > 50


def write() -> None:  # pragma: no cover - run by hand for an intended, aliased rename
    import tempfile

    BASELINE.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        projects = {s: ROOT for s in SHIPPED} | {s: derived_project(Path(tmp)) for s in DERIVED}
        for stack, project in projects.items():
            text = json.dumps(urns(project, stack), indent=1) + "\n"
            (BASELINE / f"{stack}.json").write_text(text, encoding="utf-8")


if __name__ == "__main__" and "--write" in sys.argv:  # pragma: no cover
    write()
