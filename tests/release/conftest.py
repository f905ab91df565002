"""A copy of the example app built for real, a fake `docker` on PATH, and moto_server for S3 and ECR."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.operate.conftest import moto_url  # noqa: F401  (the session's moto_server)

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
BUCKET = "farm-chat-releases-test"
REPO_NAME = "farm-chat-api"

# Stands in for the docker CLI (no engine here). `login` checks it got a password
# on stdin; `buildx build --push` checks its arguments, "pushes" an image manifest
# to moto's ECR under the tag (so the registry really holds it) and writes the
# digest ECR reports into --metadata-file, as buildx does.
FAKE_DOCKER = r"""#!PYTHON
import json, os, sys
import boto3

log = os.environ["FAKE_DOCKER_LOG"]
args = sys.argv[1:]
with open(log, "a") as fh:
    fh.write(json.dumps(args) + "\n")
if args[:1] == ["login"]:
    password = sys.stdin.read()
    sys.exit(0 if password else 1)
if args[:2] != ["buildx", "build"]:
    sys.exit(f"fake docker: unexpected {args}")
opts = dict(zip(args[2:-1:2], args[3:-1:2]))
flags = [a for a in args if a.startswith("--provenance") or a == "--push"]
context = args[-1]
meta = args[args.index("--metadata-file") + 1]
tag = args[args.index("--tag") + 1]
dockerfile = args[args.index("--file") + 1]
if not os.path.isdir(context) or not os.path.isfile(dockerfile):
    sys.exit("fake docker: no context or Dockerfile")
repo_uri, _, image_tag = tag.rpartition(":")
name = repo_uri.split("/", 1)[1]
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                       "config": {"digest": "sha256:" + "c" * 64, "size": 1, "mediaType": "application/vnd.docker.container.image.v1+json"},
                       "layers": [], "context": sorted(os.listdir(context))})
ecr = boto3.client("ecr", region_name="us-east-1")
digest = ecr.put_image(repositoryName=name, imageManifest=manifest, imageTag=image_tag)["image"]["imageId"]["imageDigest"]
with open(meta, "w") as fh:
    json.dump({"containerimage.digest": digest, "image.name": tag}, fh)
"""


def reset(moto: str) -> None:
    req = urllib.request.Request(f"{moto}/moto-api/reset", method="POST")
    with urllib.request.urlopen(req, timeout=5):
        pass


def boto(service: str, moto: str):
    import boto3

    return boto3.client(service, region_name=REGION, endpoint_url=moto)


@pytest.fixture
def store(moto_url: str, monkeypatch) -> dict[str, str]:  # noqa: F811
    """An empty moto with the release store: the bucket and the ECR repository."""
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    reset(moto_url)
    boto("s3", moto_url).create_bucket(Bucket=BUCKET)
    uri = boto("ecr", moto_url).create_repository(repositoryName=REPO_NAME, imageTagMutability="IMMUTABLE")[
        "repository"
    ]["repositoryUri"]
    return {"moto": moto_url, "bucket": BUCKET, "repository": uri}


@pytest.fixture
def fake_docker(tmp_path: Path) -> tuple[Path, Path]:
    """(folder to put first on PATH, the log of every call)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "docker"
    script.write_text(FAKE_DOCKER.replace("#!PYTHON", "#!" + sys.executable), encoding="utf-8")
    script.chmod(0o755)
    return bindir, tmp_path / "docker.log"


def cli_env(moto: str, bindir: Path, log: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FARM_"))}
    env.update(
        PATH=f"{bindir}{os.pathsep}{env['PATH']}",
        FAKE_DOCKER_LOG=str(log),
        AWS_ENDPOINT_URL=moto,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        COLUMNS="200",
        **extra,
    )
    return env


def run_cli(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "farm_deploy", *args],
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


STACK = """\
# Stack "dev" of a release test.
config:
  aws:region: us-east-1
  farm:appPath: app
  # --- release pins ---
  farm:apiImage: ecr.example.com/old@sha256:{old}   # replaced by release build
  farm:webVersion: web-0000000000000000
  farm:models:
    - llama3.2:3b
  farm:releaseBucket: {bucket}
  farm:releaseRepository: {repository}
  # sizes differ by design
  farm:apiMinCount: 0
"""


@pytest.fixture(scope="session")
def built_app(tmp_path_factory) -> Iterator[Path]:
    """The example app copied once per session; node_modules and dist are kept between tests."""
    if shutil.which("npx") is None and shutil.which("pnpm") is None:
        pytest.skip("Node.js tooling (npx or pnpm) is not installed")
    dest = tmp_path_factory.mktemp("release") / "project"
    shutil.copytree(
        ROOT / "examples" / "farm-chat",
        dest / "app",
        ignore=shutil.ignore_patterns("node_modules", "dist", ".venv", "__pycache__"),
    )
    (dest / "Pulumi.yaml").write_text("name: farm-deploy\nruntime: python\n", encoding="utf-8")
    yield dest


def read_json(text: str) -> dict:
    return json.loads(text)
