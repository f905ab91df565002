"""The files of a built front end, as they should be served.

Pure helpers (no Pulumi): walk a build output folder, give each file its
Content-Type and Cache-Control, and hash the whole folder so a CloudFront
invalidation runs only when what users get has changed.

Caching rule (docs/targets/aws.md, StaticSite): HTML and other entry points
must be revalidated on every request, otherwise a deploy is invisible until the
cache expires; files whose name carries a content hash (Vite's `assets/`,
CRA's `static/`) never change under the same name, so they may be cached for a
year and marked immutable. Everything else gets a short cache.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=3600"

DEFAULT_CONTENT_TYPE = "application/octet-stream"

# Fixed table rather than `mimetypes`: the system's table differs between
# machines, and a different Content-Type would show as a diff on every object.
CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".cjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".wasm": "application/wasm",
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
}

# Build tools put content-hashed files in these top-level folders.
HASHED_ASSET_DIRS = ("assets", "static")

# A hash segment at the end of the stem: `index-DiwrgTda`, `main.3f2a1b4c`,
# `chunk.5f3e2a1b.chunk`. Eight or more base64url characters, with at least one
# digit or upper-case letter so that words like `components` do not count.
_HASH_SEGMENT = re.compile(r"[.-]([A-Za-z0-9_]{8,})(?:\.chunk)?$")

# Files a browser must always revalidate, whatever their extension.
_ALWAYS_REVALIDATE = {"service-worker.js", "sw.js", "manifest.json", "site.webmanifest", "manifest.webmanifest"}

# OS droppings never worth uploading.
_SKIP_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class SiteFile:
    key: str  # object key: the path relative to the folder, with forward slashes
    path: Path  # absolute path on disk
    content_type: str
    cache_control: str
    sha256: str  # hex digest of the content


def content_type(key: str) -> str:
    suffix = PurePosixPath(key).suffix.lower()
    return CONTENT_TYPES.get(suffix, DEFAULT_CONTENT_TYPE)


def is_hashed_name(key: str) -> bool:
    """True when the file name carries a content hash (so its content never changes)."""
    name = PurePosixPath(key).name
    if "." not in name:
        return False
    match = _HASH_SEGMENT.search(name.rsplit(".", 1)[0])
    if not match:
        return False
    segment = match.group(1)
    return any(c.isdigit() or c.isupper() for c in segment)


def cache_control(key: str) -> str:
    """Cache-Control for one object key (see the module docstring for the rule)."""
    posix = PurePosixPath(key)
    if posix.suffix.lower() in (".html", ".htm") or posix.name in _ALWAYS_REVALIDATE:
        return NO_CACHE
    if posix.parts and posix.parts[0] in HASHED_ASSET_DIRS and is_hashed_name(key):
        return IMMUTABLE
    return SHORT


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def walk_site(root: str | Path) -> list[SiteFile]:
    """Every file to upload from a built folder, sorted by key.

    Symlinks pointing outside the folder are skipped: a build output that links
    to `~/.aws` must not end up in a public bucket.
    """
    base = Path(root).resolve()
    files: list[SiteFile] = []
    for path in sorted(base.rglob("*")):
        if not path.is_file() or path.name in _SKIP_NAMES:
            continue
        resolved = path.resolve()
        if not resolved.is_relative_to(base):
            continue
        key = path.relative_to(base).as_posix()
        files.append(
            SiteFile(
                key=key,
                path=path,
                content_type=content_type(key),
                cache_control=cache_control(key),
                sha256=file_sha256(resolved),
            )
        )
    return files


def content_hash(files: list[SiteFile]) -> str:
    """One digest of what is served: keys, bytes and headers.

    Headers are part of it because a changed Cache-Control rule changes what
    CloudFront should hand out even when no byte changed.
    """
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.key):
        digest.update(f"{f.key}\0{f.sha256}\0{f.content_type}\0{f.cache_control}\n".encode())
    return digest.hexdigest()
