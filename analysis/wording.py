"""Counts in messages: `1 task`, `2 tasks`, never `task(s)`."""

from __future__ import annotations


def plural(count: float, word: str, many: str | None = None) -> str:
    """`1 error`, `2 errors`, `0 errors`, `0.5 hosts`; `count` printed as `%g`."""
    return f"{count:g} {word if count == 1 else (many or word + 's')}"
