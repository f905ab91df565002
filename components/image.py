"""ApiImage: the FastAPI image, built from the app and pushed to its ECR repository.

The task definition references the pushed image by digest, so a task always
runs exactly the bytes that were built, whatever happens to tags later.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_docker as docker

from analysis.errors import UserError
from analysis.pipfile import image_requirement_lines

from .common import child_opts, merge_tags
from .dockerfile import render_api_dockerfile
from .files import write_if_changed

# ECR's tag grammar.
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
PLATFORMS = ("linux/amd64", "linux/arm64")
GENERATED_REQUIREMENTS = "requirements.txt"
# Never part of the image (and never hashed): local state, caches, secrets.
_SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "node_modules",
    ".farm-deploy",
}
_SKIP_FILES = re.compile(r"(^\.env(\..*)?$)|(\.pyc$)")


@dataclass
class ApiImageArgs:
    context_dir: str  # absolute path of the API root (the build context)
    # The app's own Dockerfile, relative to context_dir; None generates one.
    dockerfile: str | None = None
    # Release pin; None tags with a hash of the context.
    image_tag: str | None = None
    platform: str = "linux/amd64"
    protect: bool = False
    # Images kept in the repository besides the running one, for rollbacks.
    keep_images: int = 30
    # Where the generated Dockerfile is written: `build_dir` when given, else
    # `<project_dir>/.farm-deploy/build/<name>/` (project_dir defaults to the cwd).
    build_dir: str | None = None
    project_dir: str | None = None
    # Used only to generate a Dockerfile (ApiFacts from the analyzer).
    entrypoint: str = "main:app"
    python_version: str = "3.12"
    port: int = 8000
    health_path: str = "/api/health"
    dependency_files: list[str] | None = None  # None: requirements*.txt / pyproject.toml found in context_dir
    dependencies: list[str] | None = None
    # The API declares no dependency file: these distributions (what its code imports) are written to a
    # generated requirements.txt in the staged build context, never in the app's folder.
    inferred_requirements: list[str] | None = None
    tags: dict[str, str] = field(default_factory=dict)


def _context_files(context: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(context):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for filename in sorted(filenames):
            if not _SKIP_FILES.search(filename):
                yield Path(dirpath) / filename


def content_hash(context: Path, dockerfile_text: str) -> str:
    """sha256 over the Dockerfile and every file of the context (paths and bytes)."""
    digest = hashlib.sha256()
    digest.update(dockerfile_text.encode())
    for path in _context_files(context):
        digest.update(b"\0" + path.relative_to(context).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def stage_context(source: Path, dest: Path) -> None:
    """Mirror into `dest` exactly the files the image may contain.

    The generated Dockerfile copies the whole context, and pulumi-docker reads
    `.dockerignore` only from the context's root (not the BuildKit
    `<Dockerfile>.dockerignore`), which is the user's folder farm-deploy does not
    write to. So the build context is this filtered copy: no `.env`, `.venv` or
    `.git` can reach an image layer. Only changed files are rewritten.
    """
    wanted = {path.relative_to(source): path for path in _context_files(source)}
    dest.mkdir(parents=True, exist_ok=True)
    for rel, src in wanted.items():
        target = dest / rel
        data = src.read_bytes()
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        shutil.copymode(src, target)
    for existing in sorted(dest.rglob("*"), reverse=True):
        if existing.is_file() and existing.relative_to(dest) not in wanted:
            existing.unlink()
        elif existing.is_dir() and not any(existing.iterdir()):
            existing.rmdir()


class ApiImage(pulumi.ComponentResource):
    repository_url: pulumi.Output[str]
    image_ref: pulumi.Output[str]
    image_tag: str

    def __init__(self, name: str, args: ApiImageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:build:ApiImage", name, None, opts)
        self._name = name
        self._args = args
        context = self._validate()
        self.build_context, self.dockerfile_path, dockerfile_text = self._prepare_build(context)
        self.image_tag = args.image_tag or "sha-" + content_hash(context, dockerfile_text)[:16]

        self.repository = self._create_repository()
        self._create_lifecycle_policy()
        self.image = self._create_image()

        self.repository_url = self.repository.repository_url
        self.image_ref = self.image.repo_digest
        self.register_outputs({"repository_url": self.repository_url, "image_ref": self.image_ref})

    def _validate(self) -> Path:
        args = self._args
        context = Path(args.context_dir)
        if not context.is_absolute() or not context.is_dir():
            raise UserError(
                "the API folder does not exist",
                key="context_dir",
                value=args.context_dir,
                hint="check `context_dir`: the app's folder and the API root the analyzer found",
            )
        if args.dockerfile is not None and not (context / args.dockerfile).is_file():
            raise UserError("the API's Dockerfile does not exist", key="api.dockerfile", value=args.dockerfile)
        if args.image_tag is not None and not _TAG.match(args.image_tag):
            raise UserError(
                "not a valid image tag",
                key="image_tag",
                value=args.image_tag,
                hint="letters, digits, '_', '.', '-'; at most 128 characters; e.g. v1.4.2",
            )
        if args.platform not in PLATFORMS:
            raise UserError(
                "unsupported image platform", key="api.platform", value=args.platform, valid=list(PLATFORMS)
            )
        if args.keep_images < 1:
            raise UserError("keep at least one image", key="api.keep_images", value=args.keep_images)
        return context

    def _prepare_build(self, context: Path) -> tuple[Path, str, str]:
        """(build context, Dockerfile path, Dockerfile text)."""
        args = self._args
        if args.dockerfile is not None:
            # The app's own Dockerfile and its own .dockerignore, untouched.
            path = context / args.dockerfile
            return context, str(path), path.read_text()
        files = args.dependency_files
        if files is None:
            files = sorted(
                p.name for p in context.iterdir() if re.fullmatch(r"requirements.*\.txt|pyproject\.toml", p.name)
            )
        generated = not files and bool(args.inferred_requirements)
        if generated:
            files = [GENERATED_REQUIREMENTS]
        text = render_api_dockerfile(
            args.python_version,
            args.entrypoint,
            args.port,
            args.health_path,
            files,
            args.dependencies,
            image_requirement_lines(context, files),
        )
        # Outside the app's folder: farm-deploy never writes into the user's code.
        if args.build_dir is not None:
            build_dir = Path(args.build_dir)
        else:
            build_dir = Path(args.project_dir or Path.cwd()) / ".farm-deploy" / "build" / self._name
        path = build_dir / "Dockerfile"
        write_if_changed(path, text)
        staged = build_dir / "context"
        stage_context(context, staged)
        if generated:
            assert args.inferred_requirements is not None
            write_if_changed(
                staged / GENERATED_REQUIREMENTS,
                "# Generated by farm-deploy from the API's imports (no dependency file): unpinned.\n"
                + "".join(f"{name}\n" for name in args.inferred_requirements),
            )
        return staged, str(path), text

    def _create_repository(self) -> aws.ecr.Repository:
        protect = self._args.protect
        return aws.ecr.Repository(
            f"{self._name}-repo",
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            # KMS with the AWS-managed ECR key: no key to pay for or rotate.
            encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS")],
            # Images are rebuilt from source, so a dev stack may drop them on
            # destroy; a protected (prod) repository keeps them.
            force_delete=not protect,
            tags=merge_tags(self._args.tags, f"{self._name}-repo"),
            opts=child_opts(self, protect=protect),
        )

    def _create_lifecycle_policy(self) -> aws.ecr.LifecyclePolicy:
        policy = {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": "expire untagged images after a day",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": 1,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
                    "description": f"keep the last {self._args.keep_images} images",
                    "selection": {
                        "tagStatus": "any",
                        "countType": "imageCountMoreThan",
                        "countNumber": self._args.keep_images,
                    },
                    "action": {"type": "expire"},
                },
            ]
        }
        return aws.ecr.LifecyclePolicy(
            f"{self._name}-lifecycle",
            repository=self.repository.name,
            policy=json.dumps(policy),
            opts=child_opts(self),
        )

    def _create_image(self) -> docker.Image:
        token = aws.ecr.get_authorization_token_output(
            registry_id=self.repository.registry_id, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        return docker.Image(
            f"{self._name}-image",
            image_name=pulumi.Output.concat(self.repository.repository_url, ":", self.image_tag),
            build=docker.DockerBuildArgs(
                context=str(self.build_context),
                dockerfile=self.dockerfile_path,
                platform=self._args.platform,
            ),
            registry=docker.RegistryArgs(
                server=self.repository.repository_url,
                username=token.user_name,
                password=pulumi.Output.secret(token.password),
            ),
            opts=child_opts(self),
        )
