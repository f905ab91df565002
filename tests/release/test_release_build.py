"""`farm-deploy release build`: the example's front end built for real with its package manager (pnpm,
from `packageManager` and the lockfile), uploaded to moto's S3; the image "pushed" by a fake docker
to moto's ECR; the pins written into the stack file."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from tests.cli.contracts import assert_document
from tests.release.conftest import STACK, boto, cli_env, run_cli

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def _stack(project: Path, store: dict[str, str], **replace: str) -> Path:
    text = STACK.format(old="0" * 64, bucket=store["bucket"], repository=store["repository"])
    for old, new in replace.items():
        text = text.replace(old, new)
    path = project / "Pulumi.dev.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_release_build_publishes_once_and_pins(built_app: Path, store, fake_docker) -> None:
    bindir, log = fake_docker
    stack = _stack(built_app, store)
    before = stack.read_text(encoding="utf-8")
    env = cli_env(store["moto"], bindir, log)

    proc = run_cli("release", "build", "--pin", "dev", "--project-dir", str(built_app), "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert_document("farm-deploy release build --json", doc)
    web, image, pinned = doc["web"], doc["image"], doc["pinned"]

    # The front end: built by pnpm, every file of dist/ in the bucket under web/<version>/, byte for byte.
    assert web["package_manager"] == "pnpm" and web["uploaded"] is True
    assert re.fullmatch(r"web-[0-9a-f]{16}", web["version"])
    dist = built_app / "app" / "apps" / "web" / "dist"
    local = {p.relative_to(dist).as_posix(): p.read_bytes() for p in dist.rglob("*") if p.is_file()}
    assert "index.html" in local and any(k.startswith("assets/index-") and k.endswith(".js") for k in local)
    s3 = boto("s3", store["moto"])
    prefix = f"web/{web['version']}/"
    listed = s3.list_objects_v2(Bucket=store["bucket"], Prefix=prefix)["Contents"]
    assert {o["Key"][len(prefix) :] for o in listed} == set(local)
    index = s3.get_object(Bucket=store["bucket"], Key=prefix + "index.html")
    assert index["Body"].read() == local["index.html"]
    assert (index["ContentType"], index["CacheControl"]) == ("text/html; charset=utf-8", "no-cache")
    js = next(k for k in local if k.startswith("assets/") and k.endswith(".js"))
    assert s3.head_object(Bucket=store["bucket"], Key=prefix + js)["CacheControl"] == (
        "public, max-age=31536000, immutable"
    )
    manifest = json.loads(
        s3.get_object(Bucket=store["bucket"], Key=f"manifests/web/{web['version']}.json")["Body"].read()
    )
    assert {f["key"]: f["sha256"] for f in manifest["files"]} == {
        k: hashlib.sha256(v).hexdigest() for k, v in local.items()
    }
    # The manifest is outside web/: CloudFront (origin path /web/<version>) never serves it.
    assert not any(o["Key"].endswith("manifest.json") for o in listed)

    # The image: one buildx build with the app's Dockerfile and apps/api as context, pushed by tag;
    # the pin is the digest ECR holds for that tag.
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert [c[:2] for c in calls] == [["login", "--username"], ["buildx", "build"]]
    build = calls[1]
    assert build[build.index("--file") + 1] == str(built_app / "app" / "apps" / "api" / "Dockerfile")
    assert build[-1] == str(built_app / "app" / "apps" / "api")
    assert {"--push", "--provenance=false"} <= set(build)
    assert build[build.index("--platform") + 1] == "linux/amd64"
    tag = build[build.index("--tag") + 1]
    assert tag == f"{store['repository']}:{image['tag']}" and re.fullmatch(r"sha-[0-9a-f]{16}", image["tag"])
    ecr = boto("ecr", store["moto"])
    held = ecr.describe_images(repositoryName="farm-chat-api", imageIds=[{"imageTag": image["tag"]}])
    assert DIGEST.match(image["digest"]) and held["imageDetails"][0]["imageDigest"] == image["digest"]
    assert image["ref"] == f"{store['repository']}@{image['digest']}" and image["built"] is True

    # The pins: two lines of the stack file changed, the comment at the end of the line kept.
    after = stack.read_text(encoding="utf-8")
    assert pinned["written"] is True
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert changed == [
        (
            f"  farm:apiImage: ecr.example.com/old@sha256:{'0' * 64}   # replaced by release build",
            f"  farm:apiImage: {image['ref']}   # replaced by release build",
        ),
        ("  farm:webVersion: web-0000000000000000", f"  farm:webVersion: {web['version']}"),
    ]

    # Build once: a second run of the same checkout uploads nothing, builds no image, writes nothing,
    # and the version is the same (content addressed, the build is reproducible).
    log.unlink()
    again = run_cli("release", "build", "--pin", "dev", "--project-dir", str(built_app), "--json", env=env)
    assert again.returncode == 0, again.stderr
    doc2 = json.loads(again.stdout)
    assert doc2["web"]["version"] == web["version"] and doc2["web"]["uploaded"] is False
    assert doc2["image"]["ref"] == image["ref"] and doc2["image"]["built"] is False
    assert doc2["pinned"]["written"] is False and stack.read_text(encoding="utf-8") == after
    assert not log.exists()  # docker was not called at all

    # The pinned version exists: `release check` against the bucket, and offline against the local manifest.
    check = run_cli("release", "check", "--stack", "dev", "--project-dir", str(built_app), "--json", env=env)
    assert check.returncode == 0, check.stderr
    assert_document("farm-deploy release check --stack STACK --json", json.loads(check.stdout))
    assert json.loads(check.stdout)["web_manifest"] == f"s3://{store['bucket']}/manifests/web/{web['version']}.json"
    offline = run_cli("release", "check", "--stack", "dev", "--offline", "--project-dir", str(built_app), env=env)
    assert offline.returncode == 0 and ".farm-deploy/releases/manifests/web/" in offline.stdout


# ------------------------------------------------------------------ bad input: one message, nothing written


def _unchanged_after(project: Path, store, fake_docker, *args: str, **replace: str) -> tuple[str, Path]:
    bindir, log = fake_docker
    stack = _stack(project, store, **replace)
    before = stack.read_text(encoding="utf-8")
    proc = run_cli(*args, "--project-dir", str(project), env=cli_env(store["moto"], bindir, log))
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) <= 3
    assert stack.read_text(encoding="utf-8") == before
    assert not log.exists()  # nothing was built or pushed
    return proc.stderr, stack


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: farm-deploy\nruntime: python\n", encoding="utf-8")
    return tmp_path


def test_missing_release_bucket_is_one_message(project: Path, store, fake_docker) -> None:
    err, _ = _unchanged_after(
        project, store, fake_docker, "release", "build", "--pin", "dev",
        **{f"  farm:releaseBucket: {store['bucket']}\n": ""},
    )  # fmt: skip
    assert "no release bucket" in err and "farm:releaseBucket" in err and "Pulumi.dev.yaml" in err


def test_release_bucket_that_does_not_exist_is_one_message(project: Path, store, fake_docker) -> None:
    err, _ = _unchanged_after(
        project, store, fake_docker, "release", "build", "--pin", "dev",
        **{store["bucket"]: "no-such-release-bucket"},
    )  # fmt: skip
    assert "the release bucket cannot be used" in err and "no-such-release-bucket" in err


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("ecr.example.com/api:v1.4.2", "a tag can be moved"),
        ("ecr.example.com/api@sha256:ABC", "64 lower-case hex"),
        ("api@sha256:" + "a" * 64, "registry and repository come first"),
    ],
)
def test_unknown_digest_format_is_one_message(project: Path, store, fake_docker, bad: str, why: str) -> None:
    err, _ = _unchanged_after(
        project, store, fake_docker, "release", "check", "--stack", "dev",
        **{f"ecr.example.com/old@sha256:{'0' * 64}": bad},
    )  # fmt: skip
    assert "not an image digest reference" in err and "farm:apiImage" in err and why in err


def test_web_version_not_in_the_bucket_is_one_message(project: Path, store, fake_docker) -> None:
    err, _ = _unchanged_after(project, store, fake_docker, "release", "check", "--stack", "dev")
    assert "this web version is not in the release bucket" in err and "web-0000000000000000" in err
    err, _ = _unchanged_after(project, store, fake_docker, "release", "check", "--stack", "dev", "--offline")
    assert "this web version is not in the release bucket" in err and ".farm-deploy/releases" in err


def test_retired_image_tag_key_names_its_replacement(project: Path, store, fake_docker) -> None:
    err, _ = _unchanged_after(
        project, store, fake_docker, "release", "build", "--pin", "dev",
        **{f"farm:apiImage: ecr.example.com/old@sha256:{'0' * 64}": "farm:apiImageTag: v1.4.2"},
    )  # fmt: skip
    assert "farm:apiImageTag" in err and "replaced by farm:apiImage" in err


def test_promoting_a_stage_without_pins_is_one_message(project: Path, store, fake_docker) -> None:
    stack = _stack(project, store)
    text = stack.read_text(encoding="utf-8")
    unpinned = re.sub(r"  farm:(apiImage|webVersion): .*\n", "", text)
    unpinned = unpinned.replace("  farm:models:\n    - llama3.2:3b\n", "")
    (project / "Pulumi.staging.yaml").write_text(unpinned, encoding="utf-8")
    err, _ = _unchanged_after(project, store, fake_docker, "promote", "staging", "dev")
    assert "the source stack pins no release" in err and "release build --pin staging" in err


def test_release_repository_that_does_not_exist_is_one_message(project: Path, store, fake_docker) -> None:
    err, _ = _unchanged_after(
        project, store, fake_docker, "release", "build", "--pin", "dev",
        **{"/farm-chat-api\n": "/no-such-repo\n"},
    )  # fmt: skip
    assert "the release repository cannot be used (RepositoryNotFoundException)" in err and "no-such-repo" in err
