"""Which Python dependency files are for development only (tests, linters, local tools)."""

from __future__ import annotations

from pathlib import PurePosixPath

DEV_REQUIREMENT_WORDS = ("dev", "test", "lint", "doc", "ci", "local")


def in_build_context(files: list[str]) -> list[str]:
    """Of files relative to the API's folder, those an image built from that folder can copy."""
    return [f for f in files if not f.startswith("../")]


def is_dev_requirements(rel: str) -> bool:
    """`requirements-dev.txt`, `requirements_test.in`...: not what a deployed image installs."""
    name = PurePosixPath(rel).name.lower()
    return name.startswith("requirement") and any(w in name for w in DEV_REQUIREMENT_WORDS)
