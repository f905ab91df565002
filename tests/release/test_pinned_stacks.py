"""A pinned stage deploys exactly what is pinned, whatever is on the local disk.

The program runs for real under the offline engine (farm_deploy.offline_plan),
on copies of the shipped prod stack file and of the example app in tmp_path."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from analysis.errors import UserError
from farm_deploy.offline_plan import OfflinePlan, run_plan

ROOT = Path(__file__).resolve().parents[2]
PROD_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/farm-chat-api@sha256:" + "5be0c41f" * 8
PROD_WEB = "web-5be0c41f7e2d9a03"
RELEASE_BUCKET = "farm-chat-releases-123456789012"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The shipped Pulumi.yaml and prod stack file, over a copy of the example app."""
    shutil.copytree(
        ROOT / "examples" / "farm-chat", tmp_path / "app", ignore=shutil.ignore_patterns("node_modules", "dist")
    )
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    for stack in ("prod", "dev"):
        text = (ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8")
        text = text.replace("farm:appPath: examples/farm-chat", "farm:appPath: app")
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def declared(result: OfflinePlan) -> list[tuple[str, str, str | None, str]]:
    return sorted((r.type, r.name, r.parent, json.dumps(r.inputs, sort_keys=True)) for r in result.resources)


def named(result: OfflinePlan, name: str):
    (found,) = [r for r in result.resources if r.name == name]
    return found


def edit(project: Path, stack: str, old: str, new: str) -> None:
    path = project / f"Pulumi.{stack}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_prod_plan_builds_nothing_and_runs_the_pinned_digest(project: Path) -> None:
    prod = run_plan(project, "prod")
    types = {r.type for r in prod.resources}
    assert not [t for t in types if t.startswith(("docker:", "farm:build:", "aws:ecr/"))]
    assert "aws:s3/bucketObjectv2:BucketObjectv2" not in types
    containers = json.loads(named(prod, "farm-prod-api-task").inputs["containerDefinitions"])
    assert [c["image"] for c in containers] == [PROD_IMAGE]
    origin = next(o for o in named(prod, "farm-prod-web-cdn").inputs["origins"] if o["originId"] == "s3")
    assert (origin["domainName"], origin["originPath"]) == (
        f"{RELEASE_BUCKET}.s3.us-east-1.amazonaws.com",
        f"/web/{PROD_WEB}",
    )
    assert prod.plan.reasons["release"] == [
        f"API image pinned by digest: {PROD_IMAGE} (no image build)",
        f"front end served from s3://{RELEASE_BUCKET}/web/{PROD_WEB}/ (no build, no upload)",
    ]


def test_a_pinned_stage_declares_the_same_whether_or_not_a_build_folder_exists(project: Path) -> None:
    without = run_plan(project, "prod")
    web = project / "app" / "apps" / "web"
    (web / "dist" / "assets").mkdir(parents=True)
    (web / "dist" / "index.html").write_text("<!doctype html><title>local build</title>\n")
    (web / "dist" / "assets" / "index-Ab12Cd34.js").write_text("console.log('local')\n")
    (project / ".farm-deploy" / "build" / "farm-prod-api" / "context").mkdir(parents=True)
    (project / ".farm-deploy" / "build" / "farm-prod-api" / "Dockerfile").write_text("FROM scratch\n")
    with_dist = run_plan(project, "prod")
    assert declared(with_dist) == declared(without)
    assert len(declared(without)) == len(without.resources) > 100


def test_changing_the_web_version_changes_the_served_version_and_uploads_nothing(project: Path) -> None:
    before = run_plan(project, "prod")
    edit(project, "prod", f"farm:webVersion: {PROD_WEB}", "farm:webVersion: web-00000000000000aa")
    after = run_plan(project, "prod")

    changed = {(t, n) for t, n, _, i in declared(after)} ^ {(t, n) for t, n, _, i in declared(before)}
    assert changed == set()  # the same resources: nothing created, nothing deleted
    differ = sorted(a[1] for a, b in zip(declared(after), declared(before), strict=True) if a != b)
    assert differ == ["farm-prod-web-cdn", "farm-prod-web-invalidation"]
    origin = next(o for o in named(after, "farm-prod-web-cdn").inputs["origins"] if o["originId"] == "s3")
    assert origin["originPath"] == "/web/web-00000000000000aa"
    assert named(after, "farm-prod-web-invalidation").inputs["content_hash"] == "web-version:web-00000000000000aa"
    assert named(before, "farm-prod-web-invalidation").inputs["content_hash"] == f"web-version:{PROD_WEB}"
    assert not [r for r in after.resources if r.type == "aws:s3/bucketObjectv2:BucketObjectv2"]


def test_dev_builds_from_source_only_what_is_not_pinned(project: Path) -> None:
    edit(project, "dev", "  farm:apiImage: ", "  # farm:apiImage: ")
    dev = run_plan(project, "dev")
    types = {r.type for r in dev.resources}
    assert {"farm:build:ApiImage", "docker:index/image:Image", "aws:ecr/repository:Repository"} <= types
    assert any(r.startswith("builds the API image from the checkout") for r in dev.plan.reasons["release"])
    # the web version stays pinned: served from the release bucket
    origin = next(o for o in named(dev, "farm-dev-web-cdn").inputs["origins"] if o["originId"] == "s3")
    assert origin["originPath"] == "/web/web-3f9c2ab01d4e5f60"


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        (
            f"  farm:releaseBucket: {RELEASE_BUCKET}\n",
            "",
            "farm:releaseBucket",
            "a pinned web version is served from the release bucket, and none is set",
        ),
        (
            "  farm:apiImage: ",
            "  farm:buildFromSource: false\n  # farm:apiImage: ",
            "farm:apiImage",
            "the stage runs the API on ECS but pins no image and does not build from source",
        ),
        (f"farm:webVersion: {PROD_WEB}", "farm:webVersion: web/../x", "farm:webVersion", "not a web version"),
    ],
)
def test_a_stage_that_cannot_deploy_its_pins_is_one_message(project, old, new, key, message) -> None:
    edit(project, "prod", old, new)
    with pytest.raises(UserError) as info:
        run_plan(project, "prod")
    assert (info.value.key, info.value.message) == (key, message)
    assert info.value.file is not None and info.value.file.endswith("Pulumi.prod.yaml")


def test_shipped_stack_files_pin_digests_and_release_bucket() -> None:
    for stack in ("dev", "staging", "prod"):
        text = (ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8")
        assert re.search(r"^  farm:apiImage: \S+@sha256:[0-9a-f]{64}$", text, re.M), stack
        assert re.search(r"^  farm:webVersion: web-[0-9a-f]{16}$", text, re.M), stack
        assert f"farm:releaseBucket: {RELEASE_BUCKET}" in text and "apiImageTag" not in text
    assert "\n  farm:buildFromSource: true\n" in (ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8")
