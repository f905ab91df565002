"""Build a release once: the front end as a content-addressed bundle, the API as an image by digest.

`farm-deploy release build` runs these in order; the stages then deploy what
was built, by reference (`farm:apiImage`, `farm:webVersion`), and never build
again. Each step is a function over plain values, and the outside world (the
package manager, `docker`, S3, ECR) is reached through arguments the tests
replace: a real package-manager build of the example app, a fake `docker` on
PATH and moto_server for the AWS APIs.

Layout of the release bucket:

    web/<version>/<file>                  the bundle, served by CloudFront (origin path /web/<version>)
    manifests/web/<version>.json          what was uploaded, written last: a version exists once it is there

The manifest sits outside `web/` so CloudFront never serves it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.errors import UserError
from analysis.stack_config import REPOSITORY_RE, check_image_ref, check_web_version
from components.site_files import SiteFile, content_hash

MANIFEST_SCHEMA_VERSION = 1
WEB_PREFIX = "web"
MANIFEST_PREFIX = "manifests/web"
VERSION_PREFIX = "web-"

Runner = Callable[..., subprocess.CompletedProcess[str]]

# --------------------------------------------------------------------- front end

# Lockfile -> package manager; the first found walking up from the web root wins.
LOCKFILES: tuple[tuple[str, str], ...] = (
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("bun.lock", "bun"),
    ("bun.lockb", "bun"),
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
)
_PACKAGE_MANAGER = re.compile(r"^(npm|pnpm|yarn|bun)@(\d[\w.+-]*)$")


@dataclass(frozen=True)
class PackageManager:
    name: str  # npm | pnpm | yarn | bun
    version: str | None  # from `packageManager`, e.g. 9.12.0
    workspace: Path  # where the install runs: the folder of the lockfile or of `packageManager`
    lockfile: Path | None

    def executable(self, which: Callable[[str], str | None] = shutil.which) -> list[str]:
        """The command to run it: on PATH, else the pinned version through npx (npm ships with Node)."""
        found = which(self.name)
        if found:
            return [found]
        if self.name in ("pnpm", "yarn") and which("npx"):
            pinned = f"{self.name}@{self.version}" if self.version else self.name
            return [which("npx") or "npx", "--yes", pinned]
        raise UserError(
            f"{self.name} is not installed",
            file=str(self.lockfile or self.workspace / "package.json"),
            hint=f"install Node.js and {self.name} (CI: actions/setup-node and pnpm/action-setup)",
        )

    def install_args(self) -> list[str]:
        frozen = self.lockfile is not None
        if self.name == "npm":
            return ["ci"] if frozen else ["install"]
        if self.name == "pnpm":
            return ["install", "--frozen-lockfile"] if frozen else ["install"]
        if self.name == "yarn":
            return ["install", "--immutable"] if frozen else ["install"]
        return ["install", "--frozen-lockfile"] if frozen else ["install"]


def detect_package_manager(web_root: Path, app_root: Path) -> PackageManager:
    """The front end's package manager, from `packageManager` or a lockfile, looking up to the app root."""
    web_root, app_root = web_root.resolve(), app_root.resolve()
    folders = [web_root, *[p for p in web_root.parents if p.is_relative_to(app_root)]]
    declared: tuple[str, str, Path] | None = None
    for folder in folders:
        package = folder / "package.json"
        if declared is None and package.is_file():
            try:
                field = json.loads(package.read_text(encoding="utf-8")).get("packageManager")
            except ValueError:
                raise UserError("package.json is not valid JSON", file=str(package)) from None
            if isinstance(field, str):
                match = _PACKAGE_MANAGER.match(field.split("+", 1)[0])
                if not match:
                    raise UserError(
                        "unknown packageManager",
                        file=str(package),
                        key="packageManager",
                        value=field,
                        hint="e.g. pnpm@9.12.0 (https://nodejs.org/api/packages.html#packagemanager)",
                    )
                declared = (match.group(1), match.group(2), folder)
        for lockfile, name in LOCKFILES:
            if (folder / lockfile).is_file():
                if declared is not None and declared[0] != name:
                    raise UserError(
                        f"package.json says {declared[0]} but the lockfile is {name}'s",
                        file=str(folder / lockfile),
                        key="packageManager",
                        value=declared[0],
                    )
                version = declared[1] if declared else None
                return PackageManager(name, version, folder, folder / lockfile)
    if declared is not None:
        return PackageManager(declared[0], declared[1], declared[2], None)
    return PackageManager("npm", None, web_root, None)


def build_web(
    web_root: Path,
    app_root: Path,
    output_dir: str,
    env: dict[str, str] | None = None,
    *,
    run: Runner = subprocess.run,
    which: Callable[[str], str | None] = shutil.which,
) -> tuple[PackageManager, Path]:
    """Install with the app's package manager and run its `build` script; returns the output folder."""
    pm = detect_package_manager(web_root, app_root)
    exe = pm.executable(which)
    environ = {**os.environ, **(env or {})}
    steps = [(pm.workspace, [*exe, *pm.install_args()]), (web_root, [*exe, "run", "build"])]
    for cwd, argv in steps:
        proc = run(argv, cwd=cwd, env=environ, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout or "").strip()[-2000:]
            raise UserError(
                f"the front-end build failed (exit {proc.returncode})",
                file=str(cwd),
                value=tail or " ".join(argv),
                hint=f"run `{' '.join(argv[len(exe) - 1 :])}` in {cwd} to see the whole output",
            )
    out = web_root / output_dir
    if not out.is_dir() or not any(out.iterdir()):
        raise UserError("the front-end build wrote nothing", file=str(out), hint="check the build's output folder")
    return pm, out


def web_version(files: Sequence[SiteFile]) -> str:
    """Content-addressed: the same bytes and headers give the same version, on any machine."""
    return VERSION_PREFIX + content_hash(list(files))[:16]


def web_manifest(version: str, files: Sequence[SiteFile], *, commit: str | None = None) -> dict[str, Any]:
    return {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "version": version,
        "content_hash": content_hash(list(files)),
        "commit": commit,
        "files": [
            {
                "key": f.key,
                "sha256": f.sha256,
                "size": f.path.stat().st_size,
                "content_type": f.content_type,
                "cache_control": f.cache_control,
            }
            for f in files
        ],
    }


def manifest_key(version: str) -> str:
    return f"{MANIFEST_PREFIX}/{version}.json"


def _bucket_error(bucket: str, exc: Exception) -> UserError:
    return UserError(
        f"the release bucket cannot be used ({_aws_code(exc)})",
        key="farm:releaseBucket",
        value=bucket,
        hint="create it once (docs/operating.md, Releases: the release store) and check the name and the credentials",
    )


def _aws_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code") or exc)


def check_bucket(s3: Any, bucket: str) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        s3.head_bucket(Bucket=bucket)
    except (ClientError, BotoCoreError) as exc:
        raise _bucket_error(bucket, exc) from None


def upload_web(s3: Any, bucket: str, manifest: dict[str, Any], files: Sequence[SiteFile]) -> bool:
    """Upload the bundle under `web/<version>/`, then its manifest. False when the version was already there.

    A version never changes once its manifest exists (content addressed): a
    second run of the same commit uploads nothing.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    version = manifest["version"]
    check_bucket(s3, bucket)
    existing = read_remote_manifest(s3, bucket, version)
    if existing is not None:
        if existing.get("content_hash") != manifest["content_hash"]:
            raise UserError(
                "this web version already exists in the release bucket with other content",
                key="farm:webVersion",
                value=version,
                hint=f"s3://{bucket}/{manifest_key(version)} is immutable; remove it by hand only if it is a broken upload",
            )
        return False
    try:
        for f in files:
            s3.put_object(
                Bucket=bucket,
                Key=f"{WEB_PREFIX}/{version}/{f.key}",
                Body=f.path.read_bytes(),
                ContentType=f.content_type,
                CacheControl=f.cache_control,
            )
        s3.put_object(
            Bucket=bucket,
            Key=manifest_key(version),
            Body=json.dumps(manifest, indent=2, sort_keys=True).encode(),
            ContentType="application/json",
            CacheControl="no-cache",
        )
    except (ClientError, BotoCoreError) as exc:
        raise _bucket_error(bucket, exc) from None
    return True


def read_remote_manifest(s3: Any, bucket: str, version: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    try:
        body = s3.get_object(Bucket=bucket, Key=manifest_key(version))["Body"].read()
    except ClientError as exc:
        if _aws_code(exc) in ("NoSuchKey", "404", "NotFound"):
            return None
        raise _bucket_error(bucket, exc) from None
    return json.loads(body)


def write_local_manifest(folder: Path, manifest: dict[str, Any]) -> Path:
    from farm_deploy.stack_files import atomic_write

    path = folder / manifest_key(manifest["version"])
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return path


def check_web_version_exists(
    version: str, *, bucket: str | None, s3: Any | None, local: Path | None, file: str | None = None
) -> str:
    """Where the version was found (an s3:// URL or a local manifest); one message when it is nowhere."""
    check_web_version(version, file=file, key="farm:webVersion")
    if s3 is not None and bucket:
        check_bucket(s3, bucket)
        if read_remote_manifest(s3, bucket, version) is not None:
            return f"s3://{bucket}/{manifest_key(version)}"
        where = f"s3://{bucket}/{manifest_key(version)}"
    elif local is not None:
        path = local / manifest_key(version)
        if path.is_file():
            return str(path)
        where = str(path)
    else:
        raise UserError("no release bucket to check the web version against", key="farm:releaseBucket", file=file)
    raise UserError(
        "this web version is not in the release bucket",
        file=file,
        key="farm:webVersion",
        value=version,
        hint=f"no manifest at {where}: run `farm-deploy release build`, or promote a version that was released",
    )


# --------------------------------------------------------------------- API image


def split_repository(repository: str) -> tuple[str, str]:
    match = REPOSITORY_RE.match(repository)
    if not match:
        raise UserError(
            "not an image repository",
            key="farm:releaseRepository",
            value=repository,
            hint="`<registry>/<repository>`, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/farm-chat-api",
        )
    return match.group("registry"), match.group("repository")


def check_repository_exists(ecr: Any, repository_name: str) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        ecr.describe_repositories(repositoryNames=[repository_name])
    except ClientError as exc:
        raise _repository_error(repository_name, _aws_code(exc)) from None
    except BotoCoreError as exc:
        raise _repository_error(repository_name, str(exc)) from None


def existing_digest(ecr: Any, repository_name: str, tag: str) -> str | None:
    """The digest already pushed under `tag` (ECR tags are immutable here), else None."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        images = ecr.describe_images(repositoryName=repository_name, imageIds=[{"imageTag": tag}])["imageDetails"]
    except ClientError as exc:
        code = _aws_code(exc)
        if code == "ImageNotFoundException":
            return None
        raise _repository_error(repository_name, code) from None
    except BotoCoreError as exc:
        raise _repository_error(repository_name, str(exc)) from None
    return str(images[0]["imageDigest"]) if images else None


def _repository_error(name: str, code: str) -> UserError:
    return UserError(
        f"the release repository cannot be used ({code})",
        key="farm:releaseRepository",
        value=name,
        hint="create it once (docs/operating.md, Releases: the release store) and check the credentials",
    )


def docker_login(ecr: Any, registry: str, *, docker: str, run: Runner = subprocess.run) -> None:
    import base64

    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    user, _, password = base64.b64decode(token).decode().partition(":")
    proc = run(
        [docker, "login", "--username", user, "--password-stdin", registry],
        input=password,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise UserError(f"docker login to {registry} failed", value=(proc.stderr or proc.stdout).strip()[-500:])


def build_and_push(
    context: Path,
    dockerfile: Path,
    image: str,
    *,
    platform: str = "linux/amd64",
    docker: str = "docker",
    run: Runner = subprocess.run,
) -> str:
    """`docker buildx build --push`, once; the pushed manifest's digest from buildx's metadata file.

    `--provenance=false`: without it buildx pushes an image index with an
    attestation manifest, whose digest ECS resolves fine but ECR lists as an
    extra untagged image the lifecycle policy would expire
    (https://docs.docker.com/build/metadata/attestations/#creating-attestations).
    """
    with tempfile.TemporaryDirectory(prefix="farm-release-") as tmp:
        metadata = Path(tmp) / "metadata.json"
        argv = [
            docker,
            "buildx",
            "build",
            "--platform",
            platform,
            "--file",
            str(dockerfile),
            "--tag",
            image,
            "--provenance=false",
            "--push",
            "--metadata-file",
            str(metadata),
            str(context),
        ]
        proc = run(argv, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise UserError(
                f"the image build failed (exit {proc.returncode})",
                file=str(dockerfile),
                value=(proc.stderr or proc.stdout or "").strip()[-2000:],
                hint="docker buildx needs a running Docker engine; run the command above by hand to see all of it",
            )
        try:
            digest = json.loads(metadata.read_text())["containerimage.digest"]
        except (OSError, ValueError, KeyError):
            raise UserError(
                "docker buildx pushed no digest (no containerimage.digest in its --metadata-file)",
                file=str(dockerfile),
                hint="update docker buildx (the metadata file needs buildx 0.6 or later)",
            ) from None
    if not re.fullmatch(r"sha256:[0-9a-f]{64}", str(digest)):
        raise UserError("docker buildx reported a digest of an unknown form", value=digest)
    return str(digest)


def image_ref(repository: str, digest: str) -> str:
    ref = f"{repository}@{digest}"
    return check_image_ref(ref, file=None, key="farm:apiImage")
