"""site_files: content types, cache headers and the folder hash, on real folders."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from components.site_files import (
    DEFAULT_CONTENT_TYPE,
    IMMUTABLE,
    NO_CACHE,
    SHORT,
    cache_control,
    content_hash,
    content_type,
    walk_site,
)


def write(root: Path, rel: str, data: str | bytes = "x") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data)
    return path


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("index.html", NO_CACHE),
        ("about/index.html", NO_CACHE),
        ("404.htm", NO_CACHE),
        ("sw.js", NO_CACHE),
        ("manifest.webmanifest", NO_CACHE),
        # Vite: 8 base64url characters after a dash
        ("assets/index-DiwrgTda.js", IMMUTABLE),
        ("assets/index-B7x9kQ2a.css", IMMUTABLE),
        ("assets/logo-4f3a9c21.svg", IMMUTABLE),
        # CRA: hex after a dot, `.chunk` suffix
        ("static/js/main.3f2a1b4c.js", IMMUTABLE),
        ("static/js/787.5f3e2a1b.chunk.js", IMMUTABLE),
        # no hash in the name: may change under the same name
        ("assets/vendor-components.js", SHORT),
        ("assets/logo.svg", SHORT),
        ("assets/index-abcdefgh.js", SHORT),  # a plain word, not a hash
        # hashed-looking, but not in a build tool's asset folder
        ("images/photo-4f3a9c21.png", SHORT),
        ("favicon.ico", SHORT),
        ("robots.txt", SHORT),
    ],
)
def test_cache_control(key: str, expected: str) -> None:
    assert cache_control(key) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("index.html", "text/html; charset=utf-8"),
        ("assets/a-1234abcd.js", "text/javascript; charset=utf-8"),
        ("assets/a.MJS", "text/javascript; charset=utf-8"),
        ("style.css", "text/css; charset=utf-8"),
        ("data.json", "application/json"),
        ("logo.svg", "image/svg+xml"),
        ("font.woff2", "font/woff2"),
        ("app.wasm", "application/wasm"),
        ("site.webmanifest", "application/manifest+json"),
        ("LICENSE", DEFAULT_CONTENT_TYPE),
        ("archive.unknownext", DEFAULT_CONTENT_TYPE),
    ],
)
def test_content_type(key: str, expected: str) -> None:
    assert content_type(key) == expected


def test_walk_site_lists_files_with_headers(tmp_path: Path) -> None:
    write(tmp_path, "index.html", "<html></html>")
    write(tmp_path, "assets/index-DiwrgTda.js", "console.log(1)")
    write(tmp_path, "assets/.DS_Store", "junk")
    write(tmp_path, "favicon.ico", b"\x00\x01")
    (tmp_path / "emptydir").mkdir()

    files = walk_site(tmp_path)

    assert [f.key for f in files] == ["assets/index-DiwrgTda.js", "favicon.ico", "index.html"]
    by_key = {f.key: f for f in files}
    assert by_key["index.html"].cache_control == NO_CACHE
    assert by_key["index.html"].content_type == "text/html; charset=utf-8"
    assert by_key["assets/index-DiwrgTda.js"].cache_control == IMMUTABLE
    assert by_key["favicon.ico"].content_type == "image/x-icon"
    assert by_key["favicon.ico"].sha256 == hashlib.sha256(b"\x00\x01").hexdigest()
    assert by_key["index.html"].path == tmp_path.resolve() / "index.html"


def test_walk_site_skips_symlinks_leaving_the_folder(tmp_path: Path) -> None:
    site = tmp_path / "dist"
    write(site, "index.html")
    secret = write(tmp_path, "outside/credentials", "aws_secret_access_key=x")
    os.symlink(secret, site / "credentials")
    os.symlink(site / "index.html", site / "alias.html")

    keys = [f.key for f in walk_site(site)]

    assert keys == ["alias.html", "index.html"]


def test_content_hash_changes_only_with_what_is_served(tmp_path: Path) -> None:
    write(tmp_path, "index.html", "<html>v1</html>")
    write(tmp_path, "assets/app-1234abcd.js", "a")
    first = content_hash(walk_site(tmp_path))

    # same bytes, new mtime: same hash
    os.utime(tmp_path / "index.html", (1, 1))
    assert content_hash(walk_site(tmp_path)) == first

    write(tmp_path, "index.html", "<html>v2</html>")
    second = content_hash(walk_site(tmp_path))
    assert second != first

    # a rename with the same bytes is a change too (another URL is served)
    (tmp_path / "assets/app-1234abcd.js").rename(tmp_path / "assets/app-5678abcd.js")
    assert content_hash(walk_site(tmp_path)) != second


def test_content_hash_ignores_order_of_the_list(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", "a")
    write(tmp_path, "b.txt", "b")
    files = walk_site(tmp_path)
    assert content_hash(files) == content_hash(list(reversed(files)))
