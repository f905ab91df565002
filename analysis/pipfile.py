"""The requirement lines of a Pipenv project, for a build that installs with pip.

The API's image (and Vercel's function) install with `pip`, which reads no Pipfile. Pipenv's lock
file pins every distribution of the `default` group with its version, extras and markers
(https://pipenv.pypa.io/en/latest/pipfile.html), so those pins are what the app was run with;
without a lock, the Pipfile's `[packages]` with their version specifiers. Local paths (`path =`,
`editable`) mean nothing in another folder and are left out; VCS entries become PEP 508 direct
references (`name @ git+https://...@ref`).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

LOCK = "Pipfile.lock"


def requirement_lines(pipfile: Path) -> list[str]:
    """pip requirement lines for the Pipfile at `pipfile` (from its lock when there is one)."""
    locked = _from_lock(pipfile.with_name(LOCK))
    if locked is not None:
        return locked
    try:
        data = tomllib.loads(pipfile.read_text(encoding="utf-8", errors="replace"))
    except (OSError, tomllib.TOMLDecodeError):
        return []
    packages = data.get("packages")
    if not isinstance(packages, dict):
        return []
    return [line for name, spec in packages.items() if (line := _line(str(name), spec, "*"))]


def image_requirement_lines(api_dir: Path, dependency_files: list[str]) -> list[str] | None:
    """For a project whose only dependency file is a Pipfile: its requirement lines; else None
    (requirements files and pyproject.toml are installed by pip as they are)."""
    if any(f.endswith(".txt") or f.endswith("pyproject.toml") for f in dependency_files):
        return None
    pipfile = next((f for f in dependency_files if Path(f).name == "Pipfile"), None)
    return requirement_lines(api_dir / pipfile) if pipfile is not None else None


def _from_lock(path: Path) -> list[str] | None:
    try:
        default = json.loads(path.read_text(encoding="utf-8", errors="replace")).get("default")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(default, dict):
        return None
    return [line for name, spec in sorted(default.items()) if (line := _line(str(name), spec, ""))]


def _line(name: str, spec: Any, unpinned: str) -> str | None:
    """One requirement: `spec` is a version string (`"*"`, `">=1.2"`, `"==1.2.3"`) or a table."""
    if isinstance(spec, str):
        return name if spec in (unpinned, "*", "") else f"{name}{spec}"
    if not isinstance(spec, dict) or spec.get("path") or spec.get("file") or spec.get("editable"):
        return None
    extras = spec.get("extras") or []
    head = name + (f"[{','.join(sorted(str(e) for e in extras))}]" if extras else "")
    markers = spec.get("markers")
    tail = f"; {markers}" if isinstance(markers, str) and markers else ""
    for vcs in ("git", "hg", "svn", "bzr"):
        url = spec.get(vcs)
        if isinstance(url, str):
            ref = spec.get("ref")
            return f"{head} @ {url if url.startswith(vcs + '+') else f'{vcs}+{url}'}{f'@{ref}' if ref else ''}{tail}"
    version = spec.get("version")
    version = "" if not isinstance(version, str) or version == "*" else version
    return f"{head}{version}{tail}"
