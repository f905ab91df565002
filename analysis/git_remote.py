"""The app's GitHub repository, read from its git checkout's `origin` remote (no git binary needed).

Railway builds a service from a GitHub repository; when the stack names none
(`farm:railwayRepo`), the app checkout's own `origin` on github.com is the one an
operator means. Read from `<app>/.git/config` (or, in a worktree, the main
checkout's config that `.git`'s `gitdir:` line leads to).
"""

from __future__ import annotations

import re
from pathlib import Path

# https://github.com/owner/name(.git), git@github.com:owner/name(.git), ssh://git@github.com/owner/name
_GITHUB = re.compile(r"github\.com[:/]+([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")
_ORIGIN = re.compile(r'^\s*\[remote\s+"origin"\]\s*$')
_SECTION = re.compile(r"^\s*\[")
_URL = re.compile(r"^\s*url\s*=\s*(\S+)\s*$")


def _config_file(root: Path) -> Path | None:
    # The app's own checkout only: an app in a subfolder of a larger repository would
    # need Railway's root directory set to that subfolder, which the stack says itself.
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git / "config"
    if not dot_git.is_file():
        return None
    try:
        line = dot_git.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    if not line.startswith("gitdir:"):
        return None
    gitdir = (root / line.removeprefix("gitdir:").strip()).resolve()
    commondir = gitdir / "commondir"
    if commondir.is_file():
        gitdir = (gitdir / commondir.read_text(encoding="utf-8").strip()).resolve()
    return gitdir / "config"


def origin_url(root: Path) -> str | None:
    config = _config_file(root)
    if config is None or not config.is_file():
        return None
    try:
        lines = config.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    inside = False
    for line in lines:
        if _ORIGIN.match(line):
            inside = True
        elif _SECTION.match(line):
            inside = False
        elif inside and (match := _URL.match(line)):
            return match.group(1)
    return None


def github_repository(root: Path) -> str | None:
    """`owner/name` of the checkout's `origin` on github.com, else None."""
    url = origin_url(root)
    match = _GITHUB.search(url or "")
    return f"{match.group(1)}/{match.group(2)}" if match else None
