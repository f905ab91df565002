"""ApiImage under the mocks: ECR repository settings, the build, the tag, the generated Dockerfile."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from analysis.errors import UserError
from components.dockerfile import render_api_dockerfile
from components.image import ApiImage, ApiImageArgs, content_hash
from farm_deploy.offline.engine import run_offline

REPO = "aws:ecr/repository:Repository"
IMAGE = "docker:index/image:Image"
URL = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api-repo"


@pytest.fixture
def app(tmp_path: Path) -> Path:
    root = tmp_path / "app" / "apps" / "api"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    (root / "requirements.txt").write_text("fastapi==0.115.6\nuvicorn==0.32.1\n")
    return root


def run(args: ApiImageArgs, stack: str = "dev"):
    def program():
        image = ApiImage("api", args)
        pulumi.export("repository_url", image.repository_url)
        pulumi.export("image_ref", image.image_ref)

    return run_offline(program, stack=stack)


def args_for(app: Path, **kw) -> ApiImageArgs:
    return ApiImageArgs(
        context_dir=str(app), project_dir=str(app.parent.parent.parent / "project"), entrypoint="src.main:app", **kw
    )


def test_repository_scans_on_push_with_immutable_tags_and_kms(app):
    result = run(args_for(app))
    repo = result.one(REPO)
    assert repo.inputs["imageTagMutability"] == "IMMUTABLE"
    assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repo.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS"}]


def test_lifecycle_keeps_the_last_images_and_expires_untagged(app):
    result = run(args_for(app, keep_images=12))
    lifecycle = result.one("aws:ecr/lifecyclePolicy:LifecyclePolicy")
    assert lifecycle.inputs["repository"] == "api-repo"
    rules = json.loads(lifecycle.inputs["policy"])["rules"]
    assert [
        (r["selection"]["tagStatus"], r["selection"]["countType"], r["selection"]["countNumber"]) for r in rules
    ] == [
        ("untagged", "sinceImagePushed", 1),
        ("any", "imageCountMoreThan", 12),
    ]
    assert all(r["action"] == {"type": "expire"} for r in rules)


def test_generated_dockerfile_is_written_outside_the_app_and_built(app):
    result = run(args_for(app))
    build_dir = app.parent.parent.parent / "project" / ".farm-deploy" / "build" / "api"
    expected = render_api_dockerfile("3.12", "src.main:app", 8000, "/api/health", ["requirements.txt"], None)
    assert (build_dir / "Dockerfile").read_text() == expected
    assert sorted(p.name for p in app.iterdir()) == ["requirements.txt", "src"]  # nothing written into the app
    image = result.one(IMAGE)
    assert image.inputs["build"] == {
        "context": str(build_dir / "context"),
        "dockerfile": str(build_dir / "Dockerfile"),
        "platform": "linux/amd64",
    }
    tag = "sha-" + content_hash(app, expected)[:16]
    assert image.inputs["imageName"] == f"{URL}:{tag}"
    assert image.inputs["skipPush"] is False


def staged_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_generated_build_context_never_holds_local_secrets_or_clutter(app):
    (app / ".env").write_text("OPENAI_API_KEY=sk-local")
    (app / ".env.production").write_text("X=1")
    (app / ".git").mkdir()
    (app / ".git" / "config").write_text("[core]")
    (app / ".venv" / "lib").mkdir(parents=True)
    (app / ".venv" / "lib" / "site.py").write_text("")
    (app / "src" / "__pycache__").mkdir()
    (app / "src" / "__pycache__" / "main.cpython-312.pyc").write_bytes(b"\0")
    result = run(args_for(app))
    staged = Path(result.one(IMAGE).inputs["build"]["context"])
    assert staged_files(staged) == ["requirements.txt", "src/main.py"]


def test_staged_context_follows_the_app(app, tmp_path):
    from components.image import stage_context

    dest = tmp_path / "staged"
    stage_context(app, dest)
    (app / "src" / "main.py").write_text("changed\n")
    (app / "requirements.txt").unlink()
    (app / "src" / "routes").mkdir()
    (app / "src" / "routes" / "chat.py").write_text("x = 1\n")
    stage_context(app, dest)
    assert staged_files(dest) == ["src/main.py", "src/routes/chat.py"]
    assert (dest / "src" / "main.py").read_text() == "changed\n"


def test_registry_credentials_come_from_ecr_and_stay_secret(app):
    result = run(args_for(app))
    image = result.one(IMAGE)
    assert image.inputs["registry"] == {"server": URL, "username": "AWS", "password": "offline"}
    assert any(path.startswith("registry") for path in image.secret_paths)
    tokens = [c for c in result.calls if c[0] == "aws:ecr/getAuthorizationToken:getAuthorizationToken"]
    assert tokens == [("aws:ecr/getAuthorizationToken:getAuthorizationToken", {"registryId": "123456789012"})]


def test_image_ref_is_pinned_by_digest(app):
    result = run(args_for(app))
    assert result.outputs["repository_url"] == URL
    assert result.outputs["image_ref"].startswith(URL + ":sha-")
    assert "@sha256:" in result.outputs["image_ref"]


def test_content_hash_follows_the_code_but_not_local_clutter(app):
    text = "FROM x\n"
    before = content_hash(app, text)
    (app / ".venv").mkdir()
    (app / ".venv" / "big").write_text("x")
    (app / "src" / "__pycache__").mkdir()
    (app / "src" / "__pycache__" / "main.cpython-312.pyc").write_bytes(b"\0")
    (app / ".env").write_text("SECRET=1")
    assert content_hash(app, text) == before
    assert content_hash(app, "FROM y\n") != before
    (app / "src" / "main.py").write_text("changed\n")
    assert content_hash(app, text) != before


def test_explicit_build_dir_receives_the_generated_dockerfile(app, tmp_path):
    build_dir = tmp_path / "elsewhere" / "api"
    result = run(args_for(app, build_dir=str(build_dir)))
    assert result.one(IMAGE).inputs["build"]["dockerfile"] == str(build_dir / "Dockerfile")
    assert (build_dir / "Dockerfile").read_text().startswith("# syntax=docker/dockerfile:1\n")
    assert not (app.parent.parent.parent / "project").exists()


def test_release_pin_sets_the_tag(app):
    result = run(args_for(app, image_tag="v1.4.2"))
    assert result.one(IMAGE).inputs["imageName"] == f"{URL}:v1.4.2"


def test_the_apps_own_dockerfile_is_used_as_is(app):
    (app / "Dockerfile").write_text("FROM python:3.12-slim\n")
    result = run(args_for(app, dockerfile="Dockerfile", platform="linux/arm64"))
    build = result.one(IMAGE).inputs["build"]
    assert build == {"context": str(app), "dockerfile": str(app / "Dockerfile"), "platform": "linux/arm64"}
    assert not (app.parent.parent.parent / "project" / ".farm-deploy").exists()


def test_prod_protects_the_repository_and_keeps_its_images(app):
    prod = run(args_for(app, protect=True), stack="prod").one(REPO)
    dev = run(args_for(app)).one(REPO)
    assert (prod.protect, prod.retain_on_delete, prod.inputs["forceDelete"]) == (True, True, False)
    assert (dev.protect, dev.retain_on_delete, dev.inputs["forceDelete"]) == (False, False, True)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"image_tag": "bad tag!"}, "image_tag"),
        ({"platform": "linux/386"}, "api.platform"),
        ({"dockerfile": "Dockerfile.missing"}, "api.dockerfile"),
        ({"keep_images": 0}, "api.keep_images"),
    ],
)
def test_bad_settings_are_user_errors(app, change, key):
    with pytest.raises(UserError) as err:
        run(args_for(app, **change))
    assert err.value.key == key


def test_missing_app_folder_is_a_user_error(tmp_path):
    with pytest.raises(UserError) as err:
        run(ApiImageArgs(context_dir=str(tmp_path / "nope")))
    assert err.value.key == "context_dir"
