"""The detector registry: one detector per module, each a pure function of one file.

A detector declares which files it wants (by suffix, exact name or name prefix),
an optional quick filter (substrings of which at least one must occur in the text
before the detector runs) and whether it only looks at application code (not
tests, docs or examples). The walker reads each wanted file once and hands the
same `SourceFile` to every detector that wants it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # no pydantic at import: the walk's prescan (prescan.py) runs before the models load
    from ..models import Finding
    from .source import SourceFile

DetectFn = Callable[["SourceFile"], list["Finding"]]


@dataclass(frozen=True)
class Detector:
    name: str
    run: DetectFn
    suffixes: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    name_prefixes: tuple[str, ...] = ()
    quick: tuple[str, ...] = ()
    app_code_only: bool = True

    def wants(self, name: str, suffix: str) -> bool:
        return suffix in self.suffixes or name in self.names or name.startswith(self.name_prefixes)

    def applies(self, src: SourceFile) -> bool:
        if self.app_code_only and not src.is_app_code:
            return False
        return not self.quick or src.has_any(self.quick)


REGISTRY: dict[str, Detector] = {}


def register(
    name: str,
    *,
    suffixes: tuple[str, ...] = (),
    names: tuple[str, ...] = (),
    name_prefixes: tuple[str, ...] = (),
    quick: tuple[str, ...] = (),
    app_code_only: bool = True,
) -> Callable[[DetectFn], DetectFn]:
    def decorate(fn: DetectFn) -> DetectFn:
        if name in REGISTRY:
            raise ValueError(f"detector {name!r} registered twice")
        REGISTRY[name] = Detector(
            name=name,
            run=fn,
            suffixes=frozenset(suffixes),
            names=frozenset(names),
            name_prefixes=name_prefixes,
            quick=quick,
            app_code_only=app_code_only,
        )
        return fn

    return decorate
