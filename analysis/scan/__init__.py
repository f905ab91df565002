"""Scan an app repository: walk it once and run the registered detectors.

`scan(root)` returns every finding (paths relative to `root`, posix) and the
walk's inventory; `analysis.load` turns them into an `AppAnalysis`.
"""

from __future__ import annotations

from pathlib import Path

from . import detectors as _detectors  # noqa: F401  (registers the detectors)
from .registry import REGISTRY, Detector
from .walker import MAX_FILE_BYTES, SKIP_DIRS, Inventory, WalkResult, walk

__all__ = ["MAX_FILE_BYTES", "REGISTRY", "SKIP_DIRS", "Detector", "Inventory", "WalkResult", "scan"]


def scan(root: Path, only: tuple[str, ...] | None = None, templates: bool = False) -> WalkResult:
    """`templates`: walk `{{cookiecutter.*}}` folders too, their names taken as literal path segments."""
    detectors = [d for name, d in REGISTRY.items() if only is None or name in only]
    return walk(root, detectors, templates)
