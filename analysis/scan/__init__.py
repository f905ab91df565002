"""Scan an app repository: walk it once and run the registered detectors.

`scan(root)` returns every finding (paths relative to `root`, posix) and the
walk's inventory; `analysis.load` turns them into an `AppAnalysis`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .registry import Detector
from .walker import MAX_FILE_BYTES, SKIP_DIRS, Inventory, WalkResult, walk

if TYPE_CHECKING:
    from .prescan import Prescan

__all__ = ["MAX_FILE_BYTES", "SKIP_DIRS", "Detector", "Inventory", "WalkResult", "scan"]


def registry() -> dict[str, Detector]:
    """The registered detectors. Imported on first use, not with this package: their modules load
    pydantic and the models, which the walk's prescan (prescan.py) runs without."""
    from . import detectors  # noqa: F401  (registers the detectors)
    from .registry import REGISTRY

    return REGISTRY


def __getattr__(name: str) -> dict[str, Detector]:
    if name == "REGISTRY":
        return registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def scan(
    root: Path, only: tuple[str, ...] | None = None, templates: bool = False, prescan: Prescan | None = None
) -> WalkResult:
    """`templates`: walk `{{cookiecutter.*}}` folders too, their names taken as literal path segments.
    `prescan`: a forked child's walk of `root` (prescan.py), used when it matches, else ignored."""
    detectors = [d for name, d in registry().items() if only is None or name in only]
    if prescan is not None:
        result = prescan.take(root, templates, detectors)
        if result is not None:
            return result
    return walk(root, detectors, templates)
