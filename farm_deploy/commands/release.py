"""`farm-deploy release build|check`: build a release once, and check that a stack's pins exist."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from analysis.errors import UserError
from analysis.stack_config import NAMESPACE, StackSettings

RELEASE_BUILD_SCHEMA_VERSION = 1
RELEASE_CHECK_SCHEMA_VERSION = 1
HELP = "build the API image and the front end once, publish them, and pin them into a stack"
DESCRIPTION = (
    "build: builds the front end with the app's package manager and uploads it, content addressed, to "
    "s3://<release bucket>/web/<version>/; builds and pushes the API image once to the release repository; "
    "prints the image digest and the web version and, with --pin STACK, writes them as farm:apiImage and "
    "farm:webVersion into that stack file (comments kept, written last, atomically). "
    "check: checks a stack's pins: the digest's form, and that the web version exists in the release bucket "
    "(or, --offline, in the local manifests)."
)
DEFAULT_MANIFEST_DIR = Path(".farm-deploy") / "releases"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from farm_deploy.commands.common import STACK_HELP, add_project_dir

    sub = parser.add_subparsers(dest="action", metavar="ACTION", title="actions")
    sub.required = True
    build = sub.add_parser(
        "build",
        help="build and publish the front end and the API image once; --pin writes them into a stack file",
        description="Build the front end and the API image once from the checkout, publish them to the release "
        "bucket and repository, print their version and digest; --pin STACK writes them into Pulumi.STACK.yaml.",
    )
    build.add_argument("--pin", metavar="STACK", help="write farm:apiImage and farm:webVersion into this stack file")
    build.add_argument(
        "--stack", metavar="STACK", help="read farm:appPath, farm:releaseBucket, farm:releaseRepository from this stack"
    )
    build.add_argument("--app", metavar="APP", help="the app folder (default: the stack's farm:appPath)")
    build.add_argument("--bucket", help="release bucket (default: farm:releaseBucket, else $FARM_RELEASE_BUCKET)")
    build.add_argument(
        "--repository",
        help="release image repository `<registry>/<name>` "
        "(default: farm:releaseRepository, else $FARM_RELEASE_REPOSITORY)",
    )
    build.add_argument("--skip-image", action="store_true", help="build and publish the front end only")
    build.add_argument("--skip-web", action="store_true", help="build and push the API image only")
    build.add_argument(
        "--manifest-dir",
        type=Path,
        metavar="DIR",
        help=f"also keep each web manifest here, for offline checks (default: PROJECT/{DEFAULT_MANIFEST_DIR})",
    )
    build.add_argument("--force", action="store_true", help="with --pin: overwrite uncommitted edits to the pins")
    check = sub.add_parser(
        "check",
        help="check a stack's pins: digest form, and the web version in the release bucket",
        description="Check the release pins of a stack: farm:apiImage is an image by digest, and farm:webVersion "
        "exists in the release bucket (with --offline: in the local manifests written by `release build`).",
    )
    check.add_argument("--stack", required=True, metavar="STACK", help=STACK_HELP)
    check.add_argument("--offline", action="store_true", help="check against the local manifests, not the bucket")
    check.add_argument("--manifest-dir", type=Path, metavar="DIR", help=f"default: PROJECT/{DEFAULT_MANIFEST_DIR}")
    for p in (build, check):
        add_project_dir(p)
        p.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from farm_deploy.commands.promote import resolve_project_dir

    project = resolve_project_dir(args.project_dir)
    if args.action == "check":
        return _check(args, project)
    return _build(args, project)


# ------------------------------------------------------------------ helpers


def _load_stack(project: Path, stack: str) -> tuple[Any, StackSettings]:
    from analysis.stack_config import parse_settings
    from farm_deploy.stack_files import StackFile, parse_stack_name, stack_path

    name = parse_stack_name(stack, project)
    file = StackFile.load(stack_path(project, name))
    return file, parse_settings(file.farm(), file=file.label, stack=name.name)


def _client(service: str, region: str | None = None) -> Any:
    import boto3

    # AWS_ENDPOINT_URL (boto3 1.28+) points every client at an emulator in the tests.
    return boto3.client(service, region_name=region or os.environ.get("AWS_REGION") or "us-east-1")


def _git_commit(folder: Path) -> str | None:
    try:
        proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def _ecr_region(registry: str) -> str | None:
    # <account>.dkr.ecr.<region>.amazonaws.com
    match = re.match(r"^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com", registry)
    return match.group(1) if match else None


# ------------------------------------------------------------------ build


def _build(args: argparse.Namespace, project: Path) -> int:
    from analysis.load import analyze_app
    from components.site_files import walk_site
    from farm_deploy import release_build as rb
    from farm_deploy.commands.common import progress

    if args.skip_image and args.skip_web:
        raise UserError("--skip-image and --skip-web together build nothing")
    source_stack = args.pin or args.stack
    settings = None
    stack_file = None
    if source_stack:
        stack_file, settings = _load_stack(project, source_stack)
    bucket = args.bucket or (settings.release_bucket if settings else None) or os.environ.get("FARM_RELEASE_BUCKET")
    repository = (
        args.repository
        or (settings.release_repository if settings else None)
        or os.environ.get("FARM_RELEASE_REPOSITORY")
    )
    # Everything the run needs is checked before anything is built: no half release.
    if not args.skip_web and not bucket:
        raise UserError(
            "no release bucket",
            file=stack_file.label if stack_file else None,
            key=f"{NAMESPACE}:releaseBucket",
            hint="set farm:releaseBucket in the stack file, pass --bucket, or set FARM_RELEASE_BUCKET "
            "(docs/operating.md, Releases: the release store)",
        )
    if not args.skip_image:
        if not repository:
            raise UserError(
                "no release image repository",
                file=stack_file.label if stack_file else None,
                key=f"{NAMESPACE}:releaseRepository",
                hint="set farm:releaseRepository, pass --repository, or set FARM_RELEASE_REPOSITORY",
            )
        registry, repo_name = rb.split_repository(repository)
    s3 = _client("s3") if not args.skip_web else None
    if s3 is not None:
        rb.check_bucket(s3, bucket or "")
    ecr = None
    if not args.skip_image:
        ecr = _client("ecr", _ecr_region(registry))
        rb.check_repository_exists(ecr, repo_name)
    app = Path(args.app) if args.app else project / (settings.app_path if settings else "examples/farm-chat")
    analysis = analyze_app(app)
    req = analysis.requirements
    app_root = Path(analysis.app_path)
    commit = _git_commit(app_root)

    web: dict[str, Any] | None = None
    if not args.skip_web:
        if req.web is None:
            raise UserError("the app has no front end to build", file=str(app), hint="pass --skip-web")
        web_root = app_root / req.web.root
        env = {req.web.api_url_env: "/api"} if req.web.api_url_env else {}
        progress(f"building the front end in {web_root}")
        pm, out = rb.build_web(web_root, app_root, req.web.output_dir, env)
        files = walk_site(out)
        version = rb.web_version(files)
        manifest = rb.web_manifest(version, files, commit=commit)
        uploaded = rb.upload_web(s3, bucket or "", manifest, files)
        local = rb.write_local_manifest(args.manifest_dir or project / DEFAULT_MANIFEST_DIR, manifest)
        web = {
            "version": version,
            "bucket": bucket,
            "prefix": f"s3://{bucket}/{rb.WEB_PREFIX}/{version}/",
            "uploaded": uploaded,
            "files": len(files),
            "package_manager": pm.name,
            "manifest": f"s3://{bucket}/{rb.manifest_key(version)}",
            "local_manifest": str(local),
        }

    image: dict[str, Any] | None = None
    if not args.skip_image:
        if req.api is None:
            raise UserError("the app has no API to build", file=str(app), hint="pass --skip-image")
        context, dockerfile, tag = _image_context(project, app_root, req.api)
        digest = rb.existing_digest(ecr, repo_name, tag)
        built = digest is None
        if digest is None:
            docker = os.environ.get("FARM_DOCKER", "docker")
            progress(f"building and pushing {repository}:{tag}")
            rb.docker_login(ecr, registry, docker=docker)
            digest = rb.build_and_push(context, dockerfile, f"{repository}:{tag}", docker=docker)
        image = {
            "ref": rb.image_ref(repository or "", digest),
            "digest": digest,
            "tag": tag,
            "repository": repository,
            "built": built,
        }

    pinned = _pin(project, args, web, image) if args.pin else None
    report = {
        "schema_version": RELEASE_BUILD_SCHEMA_VERSION,
        "commit": commit,
        "app": str(app),
        "web": web,
        "image": image,
        "pinned": pinned,
    }
    if args.json:
        from farm_deploy.commands.common import dump_json

        dump_json(report)
    else:
        _print_build(report)
    return 0


def _image_context(project: Path, app_root: Path, api: Any) -> tuple[Path, Path, str]:
    """(build context, Dockerfile, tag): the app's own Dockerfile, else the generated one over a filtered copy.

    The tag is a hash of the context and the Dockerfile, so a second run of the
    same code finds its image in the (immutable-tag) repository and pushes nothing.
    """
    from analysis.pipfile import image_requirement_lines
    from components.dockerfile import render_api_dockerfile
    from components.image import content_hash, stage_context

    api_root = app_root / api.root
    if api.dockerfile:
        dockerfile = app_root / api.dockerfile
        return api_root, dockerfile, "sha-" + content_hash(api_root, dockerfile.read_text())[:16]
    # Only what the build context (the API's folder) holds can be copied into the image.
    files = [
        f for f in (os.path.relpath(app_root / f, api_root) for f in api.dependency_files) if not f.startswith("..")
    ]
    entrypoint = api.entrypoint + ("()" if api.factory else "")
    text = render_api_dockerfile(
        api.python_version,
        entrypoint,
        api.port,
        api.health_path,
        files,
        api.dependencies,
        image_requirement_lines(api_root, files),
    )
    build_dir = project / ".farm-deploy" / "build" / "release-api"
    build_dir.mkdir(parents=True, exist_ok=True)
    dockerfile = build_dir / "Dockerfile"
    dockerfile.write_text(text)
    stage_context(api_root, build_dir / "context")
    return build_dir / "context", dockerfile, "sha-" + content_hash(api_root, text)[:16]


def _pin(
    project: Path, args: argparse.Namespace, web: dict[str, Any] | None, image: dict[str, Any] | None
) -> dict[str, Any]:
    from analysis.stack_config import PROMOTABLE_KEYS
    from farm_deploy import release
    from farm_deploy.commands.promote import apply_changes, guard_uncommitted, unified_diff, write_if_changed
    from farm_deploy.stack_files import StackFile, parse_stack_name, stack_path

    path = stack_path(project, parse_stack_name(args.pin, project))
    target = StackFile.load(path)
    new = {}
    if image:
        new["apiImage"] = image["ref"]
    if web:
        new["webVersion"] = web["version"]
    keys = tuple(k for k in PROMOTABLE_KEYS if k in new)
    old = {k: target.get(k) for k in keys}
    changes = release.diff_pins(old, new, keys)
    notes = guard_uncommitted(target, [c.key for c in changes if c.action != "same"], force=args.force)
    updated = apply_changes(target, changes, PROMOTABLE_KEYS)
    written = write_if_changed(target, updated, dry_run=False)
    return {
        "stack": args.pin,
        "file": str(path),
        "written": written,
        "changes": [c.to_dict() for c in changes],
        "diff": unified_diff(target, updated),
        "notes": notes,
        "next": f"pulumi up --stack {args.pin}" if written else None,
    }


def _print_build(report: dict[str, Any]) -> None:
    from farm_deploy.commands.common import console as make_console

    console = make_console()
    web, image, pinned = report["web"], report["image"], report["pinned"]
    if web:
        state = "uploaded" if web["uploaded"] else "already in the bucket, nothing uploaded"
        console.print(f"web version  {web['version']}  ({web['files']} files, {state}: {web['prefix']})", markup=False)
    if image:
        state = "built and pushed" if image["built"] else f"tag {image['tag']} already pushed, nothing built"
        console.print(f"API image    {image['ref']}  ({state})", markup=False)
    if pinned:
        if pinned["diff"]:
            console.print(pinned["diff"], end="", markup=False)
        for note in pinned["notes"]:
            console.print(f"note: {note}", markup=False)
        if pinned["written"]:
            console.print(f"wrote {pinned['file']}", markup=False)
        else:
            console.print(f"no change: {pinned['file']} already pins this release", markup=False)
        if pinned["next"]:
            console.print(f"next: {pinned['next']}", markup=False)


# ------------------------------------------------------------------ check


def _check(args: argparse.Namespace, project: Path) -> int:
    from farm_deploy import release_build as rb
    from farm_deploy.commands.promote import read_stack_pins

    file, settings = _load_stack(project, args.stack)
    pins = read_stack_pins(file, ("apiImage", "webVersion"))  # validates the digest form
    if not pins:
        raise UserError(
            "the stack pins no release",
            file=file.label,
            valid=[f"{NAMESPACE}:apiImage", f"{NAMESPACE}:webVersion"],
            hint=f"`farm-deploy release build --pin {args.stack}` or `farm-deploy promote FROM {args.stack}`",
        )
    found = None
    if "webVersion" in pins:
        local = args.manifest_dir or project / DEFAULT_MANIFEST_DIR
        if args.offline:
            found = rb.check_web_version_exists(pins["webVersion"], bucket=None, s3=None, local=local, file=file.label)
        else:
            if not settings.release_bucket:
                raise UserError(
                    "no release bucket to check farm:webVersion against",
                    file=file.label,
                    key=f"{NAMESPACE}:releaseBucket",
                    hint="set farm:releaseBucket, or pass --offline to check the local manifests",
                )
            found = rb.check_web_version_exists(
                pins["webVersion"], bucket=settings.release_bucket, s3=_client("s3"), local=None, file=file.label
            )
    report = {
        "schema_version": RELEASE_CHECK_SCHEMA_VERSION,
        "stack": args.stack,
        "file": str(file.path),
        "api_image": pins.get("apiImage"),
        "web_version": pins.get("webVersion"),
        "web_manifest": found,
        "ok": True,
    }
    if args.json:
        from farm_deploy.commands.common import dump_json

        dump_json(report)
    else:
        from farm_deploy.commands.common import console as make_console

        console = make_console()
        if report["api_image"]:
            console.print(f"API image    {report['api_image']}  (digest form ok)", markup=False)
        if report["web_version"]:
            console.print(f"web version  {report['web_version']}  (found: {found})", markup=False)
    return 0
